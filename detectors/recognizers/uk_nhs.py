"""NHS number: ten digits (often written 3-3-4) whose last digit is a modulus 11 check digit.

Groups are separated the same way throughout: spaces (one or a few), hyphens,
dots or underscores; or not at all.
"""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS modulus 11 check: weights 10..2 over the first nine digits."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


class UkNhsRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern(
            "nhs 3-3-4", r"(?<![\p{L}\p{N}+./-])(?P<value>\d{3}([ ._-]{0,3})\d{3}\2\d{4})(?![\p{N}]|[./_-]\d)", 0.55
        ),
    ]
    CONTEXT = ["nhs", "nhs number", "nhs no", "health service", "patient", "gp", "hospital", "chi", "h c number"]
    # Ten digits that pass the check by chance are common in references and phone numbers.
    NEGATIVE_CONTEXT = [
        "reference",
        "ref",
        "invoice",
        "order",
        "po",
        "case",
        "document",
        "account",
        "isbn",
        "serial",
        "ticket",
        "phone",
        "tel",
        "telephone",
        "mobile",
        "call",
        "fax",
        "sort code",
    ]

    def __init__(self) -> None:
        super().__init__("UK_NHS", self.PATTERNS, context=self.CONTEXT, negative_context=self.NEGATIVE_CONTEXT)

    def validate_result(self, pattern_text: str) -> bool:
        return nhs_check_digit_ok("".join(ch for ch in pattern_text if ch.isdigit()))

    def score_in_context(self, text: str, start: int, end: int, score: float) -> float:
        # A leading zero is a telephone number far more often than an NHS (or CHI) number.
        if text[start] == "0" and not self.context_terms.near(text, start, end, self.context_words_before):
            return 0.0
        return super().score_in_context(text, start, end, score)

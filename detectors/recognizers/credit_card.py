"""Payment card number (PAN): 13-19 digits, Luhn check digit, a known issuer prefix.

Grouped in fours (or Amex 4-6-5) with the same separator throughout: spaces (one
or a few), hyphens, dots or underscores; or not grouped at all.
"""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def issuer_known(digits: str) -> bool:
    """Visa, Mastercard, American Express, Discover, Diners, JCB, Maestro, UnionPay ranges."""
    two, four = int(digits[:2]), int(digits[:4])
    return (
        digits[0] == "4"
        or 51 <= two <= 55
        or 2221 <= four <= 2720
        or two in (34, 37, 36, 38, 35, 50, 62, 65)
        or 300 <= int(digits[:3]) <= 305
        or 56 <= two <= 69
    )


class CreditCardNumberRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern(
            "grouped in fours",
            r"(?<![\p{L}\p{N}./-])(?P<value>\d{4}([ ._-]{0,3})\d{4}\2\d{4}\2\d{1,4}(?:\2\d{1,3})?)(?![\p{N}]|[./_-]\d)",
            0.8,
        ),
        Pattern(
            "amex 4-6-5", r"(?<![\p{L}\p{N}./-])(?P<value>3[47]\d{2}([ ._-]{0,3})\d{6}\2\d{5})(?![\p{N}]|[./_-]\d)", 0.8
        ),
    ]
    CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "american express", "pan", "payment card"]
    NEGATIVE_CONTEXT = ["reference", "ref", "invoice", "order", "tracking", "serial", "imei", "iccid"]
    context_boost = 0.2

    def __init__(self) -> None:
        super().__init__("CREDIT_CARD", self.PATTERNS, context=self.CONTEXT, negative_context=self.NEGATIVE_CONTEXT)

    def validate_result(self, pattern_text: str) -> bool:
        digits = "".join(ch for ch in pattern_text if ch.isdigit())
        return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and issuer_known(digits) and luhn_ok(digits)

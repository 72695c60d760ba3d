"""UK National Insurance number: two prefix letters, six digits, a suffix letter A-D.

HMRC rules (NIM39110): the first letter is not D, F, I, Q, U or V; the second
is not D, F, I, O, Q, U or V; the prefixes BG, GB, KN, NK, NT, TN and ZZ are
never allocated. Written with or without spaces ("QQ 12 34 56 C", "qq123456c").
"""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

UNALLOCATED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

_FIRST = "A-CEGHJ-PR-TW-Z"
_SECOND = "A-CEGHJ-NPR-TW-Z"


class NationalInsuranceNumberRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern(
            "nino",
            rf"(?<![\p{{L}}\p{{N}}])(?P<value>[{_FIRST}][{_SECOND}][ -]?\d{{2}}[ -]?\d{{2}}[ -]?\d{{2}}[ -]?[A-D])"
            r"(?![\p{L}\p{N}])",
            0.75,
        ),
    ]
    CONTEXT = ["national insurance", "ni", "nino", "ni no", "ni number", "nin", "insurance number", "nat ins"]

    def __init__(self) -> None:
        super().__init__("UK_NINO", self.PATTERNS, context=self.CONTEXT)

    def invalidate_result(self, pattern_text: str) -> bool:
        return pattern_text[:2].upper() in UNALLOCATED_PREFIXES

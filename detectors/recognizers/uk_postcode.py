"""UK postcode: an outward code (area and district) and an inward code (sector and unit).

Formats A9, A99, AA9, AA99, A9A and AA9A, then a space (often left out) and 9AA.
Royal Mail rules checked: the first letter is not Q, V or X; the second is not
I, J or Z; the inward letters are never C, I, K, M, O or V. Lower-case
postcodes ("e1 4yf") are accepted, slightly less surely.
"""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

_OUTWARD = r"(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)"
_INWARD = r"\d[ABD-HJLNP-UW-Z]{2}"


class PostcodeRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("postcode", rf"(?<![\p{{L}}\p{{N}}])(?P<value>{_OUTWARD} ?{_INWARD})(?![\p{{L}}\p{{N}}])", 0.65),
        Pattern(
            "postcode lower case",
            rf"(?<![\p{{L}}\p{{N}}])(?P<value>(?i:{_OUTWARD} ?{_INWARD}))(?![\p{{L}}\p{{N}}])",
            0.5,
        ),
    ]
    CONTEXT = ["postcode", "post code", "postal code", "address", "live", "lives", "living", "resides", "moved to"]

    def __init__(self) -> None:
        super().__init__("UK_POSTCODE", self.PATTERNS, context=self.CONTEXT, case_sensitive=True)

    def invalidate_result(self, pattern_text: str) -> bool:
        compact = pattern_text.replace(" ", "")
        # A lone A9 9AA written without its space is too often a product or model code.
        return len(compact) < 5

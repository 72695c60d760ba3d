"""UK National Insurance number: two prefix letters, six digits, a suffix letter A-D.

HMRC rules (NIM39110): the first letter is not D, F, I, Q, U or V; the second
is not D, F, I, O, Q, U or V; the prefixes BG, GB, KN, NK, NT, TN and ZZ are
never allocated. Written with or without separators between the groups: spaces
(one or a few), hyphens, dots, slashes or underscores ("QQ 12 34 56 C",
"qq123456c", "QQ.12.34.56.C", "QQ/12/34/56/C"). Other spaces and dashes,
fullwidth forms, invisible characters and look-alike letters are folded before
the recognizer reads the text (``detectors.canonical_text``).
"""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

UNALLOCATED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

_FIRST = "A-CEGHJ-PR-TW-Z"
_SECOND = "A-CEGHJ-NPR-TW-Z"
# Between groups: nothing, or up to three spaces, hyphens, dots, slashes or underscores.
_SEP = r"[ ._/-]{0,3}"


class NationalInsuranceNumberRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern(
            "nino",
            rf"(?<![\p{{L}}\p{{N}}])(?P<value>[{_FIRST}][{_SECOND}]{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}[A-D])"
            r"(?![\p{L}\p{N}])",
            0.75,
        ),
    ]
    CONTEXT = ["national insurance", "ni", "nino", "ni no", "ni number", "nin", "insurance number", "nat ins"]

    def __init__(self) -> None:
        super().__init__("UK_NINO", self.PATTERNS, context=self.CONTEXT)

    def invalidate_result(self, pattern_text: str) -> bool:
        return pattern_text[:2].upper() in UNALLOCATED_PREFIXES

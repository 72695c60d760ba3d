"""UK bank sort code: six digits as 12-34-56 (or spaced, or 12.34.56), recognised only beside the words "sort code"."""

from __future__ import annotations

import regex as re

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

# "30-94-57/01284710": a sort code written against its account number is its own context.
_SLASH_AND_ACCOUNT_AFTER = re.compile(r"^[ \t]*/[ \t]*\d{8}(?!\p{N})")


class UkSortCodeRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("grouped", r"(?<![\p{L}\p{N}./-])(?P<value>\d{2}([ .-]{1,2})\d{2}\2\d{2})(?![\p{N}]|[./-]\d)", 0.35),
        # "30-94-57/01284710": a sort code written against its account number
        Pattern(
            "before a slash and an account",
            r"(?<![\p{L}\p{N}./-])(?P<value>\d{2}([ .-]?)\d{2}\2\d{2})(?=[ \t]*/[ \t]*\d{8}(?!\p{N}))",
            0.35,
        ),
        Pattern("six digits", r"(?<![\p{L}\p{N}./-])(?P<value>\d{6})(?![\p{N}]|[./-]\d)", 0.25),
    ]
    CONTEXT = ["sort code", "sortcode", "sort", "s c", "bank code", "branch code", "bank details"]
    requires_context = True
    context_words_before = 4
    context_boost = 0.5

    def score_in_context(self, text: str, start: int, end: int, score: float) -> float:
        after = text[end : end + 16]
        if "/" in after and _SLASH_AND_ACCOUNT_AFTER.match(after):
            return score + self.context_boost
        return super().score_in_context(text, start, end, score)

    def __init__(self) -> None:
        super().__init__("UK_SORT_CODE", self.PATTERNS, context=self.CONTEXT)

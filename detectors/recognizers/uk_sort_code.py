"""UK bank sort code: six digits as 12-34-56 (or spaced, or 12.34.56), recognised only beside the words "sort code"."""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern


class UkSortCodeRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("grouped", r"(?<![\p{L}\p{N}./-])(?P<value>\d{2}([ .-]{1,2})\d{2}\2\d{2})(?![\p{N}]|[./-]\d)", 0.35),
        Pattern("six digits", r"(?<![\p{L}\p{N}./-])(?P<value>\d{6})(?![\p{N}]|[./-]\d)", 0.25),
    ]
    CONTEXT = ["sort code", "sortcode", "sort", "s c", "bank code", "branch code"]
    requires_context = True
    context_words_before = 4
    context_boost = 0.5

    def __init__(self) -> None:
        super().__init__("UK_SORT_CODE", self.PATTERNS, context=self.CONTEXT)

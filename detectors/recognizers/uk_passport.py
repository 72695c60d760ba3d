"""UK passport number: nine digits. Only a passport is numbered like this near the word "passport".

Also written in groups, 4 + 5 ("5470 12345") or 3 + 3 + 3, with spaces, hyphens,
dots or underscores between them.
"""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern


class PassportNumberRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("nine digits", r"(?<![\p{L}\p{N}.,/-])(?P<value>\d{9})(?![\p{N}]|[.,/-]\d)", 0.2),
        Pattern(
            "nine digits in groups",
            r"(?<![\p{L}\p{N}.,/-])(?P<value>\d{4}[ ._-]{1,3}\d{5}|\d{3}(?P<sep>[ ._-]{1,3})\d{3}(?P=sep)\d{3})"
            r"(?![\p{N}]|[.,/_-]\d)",
            0.2,
        ),
        # Older and foreign passports: two letters and seven digits.
        Pattern("letters and digits", r"(?<![\p{L}\p{N}])(?P<value>[A-Z]{2}\d{7})(?![\p{L}\p{N}])", 0.15),
    ]
    CONTEXT = ["passport", "passport number", "passport no", "travel document", "ppt"]
    requires_context = True
    context_words_before = 5
    context_boost = 0.6

    def __init__(self) -> None:
        super().__init__("UK_PASSPORT", self.PATTERNS, context=self.CONTEXT)

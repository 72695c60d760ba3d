"""UK bank account number: eight digits (some banks use seven or ten), near words about an account."""

from __future__ import annotations

import regex as re

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

# "30-94-57/01284710", "sort 40 47 84 / 70872490": a sort code, a slash, the account. The pair is its own context.
_SORT_CODE_AND_SLASH_BEFORE = re.compile(r"(?<![\p{N}])\d{2}[ .-]?\d{2}[ .-]?\d{2}[ \t]*/[ \t]*$")


class UkBankAccountRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("eight digits", r"(?<![\p{L}\p{N}./-])(?P<value>\d{8}|\d{4}[ .-]{1,2}\d{4})(?![\p{N}]|[./-]\d)", 0.35),
        # "sort 40 47 84 / 70872490", "30-94-57/01284710": the account after a sort code and a slash
        Pattern(
            "after a sort code and a slash",
            r"(?<=(?<![\p{N}])\d{2}[ .-]?\d{2}[ .-]?\d{2}[ \t]*/[ \t]*)(?P<value>\d{8})(?!\p{N})",
            0.35,
        ),
        Pattern("seven or ten digits", r"(?<![\p{L}\p{N}./-])(?P<value>\d{7}|\d{10})(?![\p{N}]|[./-]\d)", 0.2),
    ]
    CONTEXT = [
        "account number",
        "account no",
        "account",
        "acc no",
        "acc",
        "acct",
        "a c",
        "bank account",
        "bank details",
        "sort code",
        "sort",
        "s c",
        "payee",
        "bank",
    ]
    requires_context = True
    context_words_before = 6
    context_boost = 0.5

    def score_in_context(self, text: str, start: int, end: int, score: float) -> float:
        before = text[max(0, start - 16) : start]
        if "/" in before and _SORT_CODE_AND_SLASH_BEFORE.search(before):
            return score + self.context_boost
        return super().score_in_context(text, start, end, score)

    def __init__(self) -> None:
        super().__init__("UK_BANK_ACCOUNT", self.PATTERNS, context=self.CONTEXT)

"""UK bank account number: eight digits (some banks use seven or ten), near words about an account."""

from __future__ import annotations

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern


class UkBankAccountRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("eight digits", r"(?<![\p{L}\p{N}./-])(?P<value>\d{8}|\d{4}[ .-]{1,2}\d{4})(?![\p{N}]|[./-]\d)", 0.35),
        Pattern("seven or ten digits", r"(?<![\p{L}\p{N}./-])(?P<value>\d{7}|\d{10})(?![\p{N}]|[./-]\d)", 0.2),
    ]
    CONTEXT = ["account number", "account no", "account", "acc no", "acct", "a c", "bank account", "bank details"]
    requires_context = True
    context_words_before = 4
    context_boost = 0.5

    def __init__(self) -> None:
        super().__init__("UK_BANK_ACCOUNT", self.PATTERNS, context=self.CONTEXT)

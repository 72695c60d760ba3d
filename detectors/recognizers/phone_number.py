"""Telephone numbers: UK numbers (0… or +44 …) and international numbers written with a ``+`` country code.

Numbers in documents are often invalid in detail (fictional 01632 numbers,
typos, extra digits after ``(0)``), and a leaked wrong number is still a leak,
so the check is on shape and length, not on the numbering plan: a UK number has
10 or 11 digits after its trunk 0 is restored; an international one 8 to 15.
Dates, versions and money have other shapes and are not matched. A run of
digits that is too long loses trailing groups until it fits ("0161 480 8425 3"
is a number followed by a 3).
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

_GROUPS = re.compile(r"\d+")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def plausible_phone(text: str, tolerant: bool = False) -> bool:
    """A UK or international number of a possible length; ``tolerant`` allows one digit too many."""
    if text.count("(") != text.count(")"):
        return False
    digits = _digits(text)
    if text.startswith("+44") or text.startswith("0044"):
        national = digits[2:] if text.startswith("+") else digits[4:]
        national = national[1:] if national.startswith("0") else national  # +44 (0)…
        return 9 <= len(national) <= 10 + tolerant and national[0] in "1235789"
    if text.startswith("+") or text.startswith("00"):
        if (digits if text.startswith("+") else digits[2:])[:1] == "0":
            return False  # no country code starts with 0: "0000-0002-1825-0097" is an ORCID iD
        return 8 <= len(digits.lstrip("0")) <= 15
    if digits.startswith("0"):
        return 10 <= len(digits) <= 11 + tolerant and digits[1] in "1235789"
    return 10 == len(digits)  # North American style, only with context


class PhoneNumberRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("uk", r"(?<![\p{L}\p{N}+/.-])(?P<value>\(?0\d[\d ()-]{7,16}\d)(?![\p{N}]|[/.]\d)", 0.6),
        # Grouped with dots ("07700.900.123", "020.7946.0958"): a first group of three or more digits, so that a
        # date (01.02.2024) or a version number is not read as a number.
        Pattern(
            "uk with dots", r"(?<![\p{L}\p{N}+/.-])(?P<value>0\d{2,4}\.\d{3,4}(?:\.\d{3,4})?)(?![\p{N}]|[/.]\d)", 0.6
        ),
        Pattern("international", r"(?<![\p{L}\p{N}+/.-])(?P<value>(?:\+|00)\d[\d ().-]{6,20}\d)(?![\p{N}]|[/]\d)", 0.6),
        Pattern(
            "north american",
            r"(?<![\p{L}\p{N}+/.-])(?P<value>\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?![\p{N}]|[/.-]\d)",
            0.25,
        ),
    ]
    CONTEXT = [
        "phone",
        "telephone",
        "tel",
        "mobile",
        "mob",
        "call",
        "ring",
        "contact",
        "text",
        "sms",
        "whatsapp",
        "fax",
        "landline",
        "extension",
        "tel no",
        "phone no",
    ]
    NEGATIVE_CONTEXT = [
        "reference",
        "ref",
        "invoice",
        "order",
        "po",
        "account",
        "case",
        "nhs",
        "sort code",
        "isbn",
        "serial",
        "passport",
        "licence",
    ]
    context_boost = 0.3
    context_words_before = 4

    def __init__(self) -> None:
        super().__init__("PHONE_NUMBER", self.PATTERNS, context=self.CONTEXT, negative_context=self.NEGATIVE_CONTEXT)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            span = self._fitting_span(text, result.start, result.end)
            if span is not None:
                result.start, result.end = span
                results.append(result)
        return results

    def validate_result(self, pattern_text: str) -> bool | None:
        return None  # checked in _fitting_span, which may shorten the match

    @staticmethod
    def _fitting_span(text: str, start: int, end: int) -> tuple[int, int] | None:
        """The longest prefix of ``text[start:end]``, ending after a group of digits, that is a plausible number."""
        if text[start] == "(" and text.count(")", start, end) < text.count("(", start, end):
            start += 1  # "(0161 480 8425)": the bracket belongs to the sentence
        candidate = text[start:end]
        ends = [match.end() for match in _GROUPS.finditer(candidate)]
        # A number of a possible length first; else one digit too many, as in "+44 (0)161 1234 5678": a mistyped
        # number still identifies someone.
        for tolerant in (False, True):
            for cut in reversed(ends):
                if plausible_phone(candidate[:cut], tolerant):
                    return start, start + cut
        return None

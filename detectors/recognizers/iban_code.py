"""IBAN: country code, two check digits and the national account number (ISO 13616).

The check digits make the whole number ≡ 1 (mod 97). Written compact or in
groups of four; the length is fixed per country, which also tells where a
spaced IBAN ends when other capitals and digits follow it.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

# Lengths of the IBAN per country (SWIFT IBAN registry); others are accepted at 15-34 characters.
IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MT": 31,
    "MU": 30,
    "NL": 18,
    "NO": 15,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "SA": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VG": 24,
    "XK": 20,
}


def iban_checksum_ok(compact: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


class IbanCodeRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("iban", r"(?<![\p{L}\p{N}])(?P<value>[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,34})", 0.9),
    ]
    CONTEXT = ["iban", "international bank account", "bank", "account", "payment", "pay"]

    def __init__(self) -> None:
        super().__init__("IBAN_CODE", self.PATTERNS, context=self.CONTEXT, case_sensitive=True)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            end = self._iban_end(text, result.start, result.end)
            if end is not None:
                result.end = end
                results.append(result)
        return results

    def validate_result(self, pattern_text: str) -> bool | None:
        return None  # checked in _iban_end, which also finds where the IBAN stops

    @staticmethod
    def _iban_end(text: str, start: int, end: int) -> int | None:
        """End offset of the valid IBAN starting at ``start``, the longest that passes the check."""
        positions = [i for i in range(start, end) if text[i] != " "]
        compact = "".join(text[i] for i in positions)
        expected = IBAN_LENGTHS.get(compact[:2])
        lengths = [expected] if expected else range(min(34, len(compact)), 14, -1)
        for length in lengths:
            if length <= len(compact) and iban_checksum_ok(compact[:length]):
                after = positions[length - 1] + 1
                if after < len(text) and text[after].isalnum():
                    continue  # it would end inside a word
                return after
        return None

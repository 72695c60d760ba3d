"""Date of birth: a date written beside words about birth ("DOB", "date of birth", "born").

Dates alone are not personal data worth flagging (meetings, deadlines,
publication dates), so a date is only reported when a birth word comes just
before it (or, as in "12/03/1985 (DOB)", just after). Day and month are
checked; two-digit years are allowed.
"""

from __future__ import annotations

import calendar

import regex as re
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern
from detectors.recognizers.table_columns import cells

MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_B = r"(?<![\p{L}\p{N}])"
_E = r"(?![\p{L}\p{N}])"

_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
# A table cell that is a whole date, in the shapes of the patterns below (a year alone is not enough).
_DATE_CELL = re.compile(
    rf"\d{{1,2}}([/.\-])\d{{1,2}}\1(?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS},?\s+\d{{2,4}}|{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
)
# Table headers (see table_columns.header_key) over a column of birth dates.
BIRTH_COLUMNS = frozenset({"dob", "dateofbirth", "birthdate", "birthday", "born", "dateborn"})


class DateOfBirthRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("d/m/y", rf"{_B}(?P<value>\d{{1,2}}([/.\-])\d{{1,2}}\2(?:\d{{4}}|\d{{2}})){_E}", 0.3),
        Pattern("iso", rf"{_B}(?P<value>\d{{4}}-\d{{2}}-\d{{2}}){_E}", 0.3),
        Pattern("d month y", rf"{_B}(?P<value>\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS},?\s+\d{{2,4}}){_E}", 0.3),
        Pattern("month d, y", rf"{_B}(?P<value>{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}){_E}", 0.3),
        Pattern("month y", rf"{_B}(?P<value>{MONTHS}\s+(?:19|20)\d{{2}}){_E}", 0.3),
        # "born in 1985", "year of birth: 1985": a year alone counts only this close to a birth word.
        Pattern(
            "year", rf"(?i:born(?:\s+in)?|year\s+of\s+birth|birth\s+year)\W{{0,3}}(?P<value>(?:19|20)\d{{2}}){_E}", 0.3
        ),
    ]
    CONTEXT = ["dob", "d o b", "date of birth", "birth date", "birthdate", "born", "birthday", "birth"]
    requires_context = True
    context_words_before = 4
    context_words_after = 1
    context_boost = 0.55

    def __init__(self) -> None:
        super().__init__("DATE_OF_BIRTH", self.PATTERNS, context=self.CONTEXT)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Dates beside a birth word, and dates in a table column headed as birth dates ("dob", "Date of birth")."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        if "\n" not in text:
            return results
        found = {(result.start, result.end) for result in results}
        for start, end in cells(text, BIRTH_COLUMNS):
            if (start, end) in found or not _DATE_CELL.fullmatch(text, start, end):
                continue
            if self.validate_result(text[start:end]) is False:
                continue
            score = round(self.PATTERNS[0].score + self.context_boost, 4)
            results.append(
                RecognizerResult(
                    self.supported_entities[0], start, end, score, recognition_metadata=self.result_metadata()
                )
            )
        return results

    def validate_result(self, pattern_text: str) -> bool:
        match = _NUMERIC.match(pattern_text)
        if not match:
            return True
        first, second, third = match.groups()
        if len(first) == 4:  # year-month-day
            year, month, day = int(first), int(second), int(third)
        else:  # day/month/year, the UK order; accept month/day/year when the day cannot be a month
            day, month, year = int(first), int(second), int(third)
            if month > 12 and day <= 12:
                day, month = month, day
        if not 1 <= month <= 12:
            return False
        # 29 February is allowed for a two-digit year, whose century is unknown.
        leap_year = 2000 if len(str(year)) < 4 else year
        return 1 <= day <= calendar.monthrange(leap_year if month == 2 else 2001, month)[1]

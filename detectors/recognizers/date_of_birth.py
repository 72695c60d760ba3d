"""Date of birth: a date written beside words about birth ("DOB", "date of birth", "born").

Dates alone are not personal data worth flagging (meetings, deadlines,
publication dates), so a date is only reported when a birth word comes just
before it (or, as in "12/03/1985 (DOB)", just after). Day and month are
checked; two-digit years are allowed.
"""

from __future__ import annotations

import regex as re

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_B = r"(?<![\p{L}\p{N}])"
_E = r"(?![\p{L}\p{N}])"

_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")


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

    def validate_result(self, pattern_text: str) -> bool:
        match = _NUMERIC.match(pattern_text)
        if not match:
            return True
        first, second, third = match.groups()
        if len(first) == 4:  # year-month-day
            month, day = int(second), int(third)
        else:  # day/month/year, the UK order; accept month/day/year when the day cannot be a month
            day, month = int(first), int(second)
            if month > 12 and day <= 12:
                day, month = month, day
        return 1 <= month <= 12 and 1 <= day <= 31

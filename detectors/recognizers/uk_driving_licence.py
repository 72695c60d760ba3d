"""UK (DVLA) driving licence number: 16 characters.

1-5: the first five letters of the surname, padded with 9s; 6-11: the date of
birth as decade digit, month (plus 5 for women), day and year digit; 12-13: the
initials, padded with 9; 14: an arbitrary digit; 15-16: two check characters.
Printed with or without spaces ("MORGA 753116 SM9 IJ"); typed with odd spacing,
hyphens, dots or underscores between the printed groups. In capitals, a separator
may also stand between the initials and the digit ("MORGA 753116 SM 9 IJ"); in
lower case that is not accepted, as it reads like words ("Table 512011 at 5 pm").
Surnames keep their accented capitals on the licence, so any upper-case letter is
accepted.
"""

from __future__ import annotations

import regex as re

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

_SEP = r"[ ._-]{0,3}"
_SEPARATORS = re.compile(r"[ ._-]")
_SHAPE = re.compile(r"^(\p{Lu}[\p{Lu}9]{4})(\d)(\d{2})(\d{2})(\d)(\p{Lu}[\p{Lu}9])(\d)([\p{Lu}\d]{2})$")


def dvla_number_ok(compact: str) -> bool:
    match = _SHAPE.match(compact.upper())
    if not match:
        return False
    surname, _decade, month, day, _year, _initials, _digit, _check = match.groups()
    if "9" in surname.rstrip("9"):  # padding only at the end
        return False
    month_number = int(month) - (50 if int(month) > 50 else 0)
    return 1 <= month_number <= 12 and 1 <= int(day) <= 31


class DrivingLicenceNumberRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern(
            "dvla",
            rf"(?<![\p{{L}}\p{{N}}])(?P<value>\p{{L}}[\p{{L}}9]{{4}}{_SEP}\d{{6}}{_SEP}\p{{L}}[\p{{L}}9]\d{_SEP}[\p{{L}}\d]{{2}})"
            r"(?![\p{L}\p{N}])",
            0.8,
        ),
        Pattern(
            "dvla in capitals, spaced between every group",
            rf"(?<![\p{{L}}\p{{N}}])(?P<value>(?-i:\p{{Lu}}[\p{{Lu}}9]{{4}}{_SEP}\d{{6}}{_SEP}\p{{Lu}}[\p{{Lu}}9]{_SEP}\d{_SEP}"
            r"[\p{Lu}\d]{2}))(?![\p{L}\p{N}])",
            0.8,
        ),
    ]
    CONTEXT = ["driving licence", "driving license", "licence", "license", "dvla", "driver", "dl", "licence number"]

    def __init__(self) -> None:
        super().__init__("UK_DRIVING_LICENCE", self.PATTERNS, context=self.CONTEXT)

    def validate_result(self, pattern_text: str) -> bool:
        return dvla_number_ok(_SEPARATORS.sub("", pattern_text))

"""Cells are found under the columns their header names, and only in the rows that belong to the table."""

from __future__ import annotations

import pytest

from detectors.recognizers.table_columns import cells, header_key

NAMES = frozenset({"forename", "surname"})


def values(text: str, headers: frozenset[str] = NAMES) -> list[str]:
    return [text[start:end] for start, end in cells(text, headers)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,forename,surname\n1,Thi Thu,Nguyen\n2,Wei,Zhang", ["Thi Thu", "Nguyen", "Wei", "Zhang"]),
        ("Forename\tSurname\tTeam\nAmara\tOsei\tFinance", ["Amara", "Osei"]),
        ("id | Surname | grade\n7 |  Lewis  | G7", ["Lewis"]),
        ("forename;surname\nAnna;\n", ["Anna"]),
        # A line that does not fit ends the table: the prose after it is not a cell (a line that happens to fit is
        # read as a row; the recognizers check each cell's shape).
        ("forename,surname\nAnna,Berg\nPlease check these, and the totals, thanks", ["Anna", "Berg"]),
        # No header naming the column: nothing.
        ("id,town,count\n1,Leeds,4", []),
        # A header word in running text is not a table.
        ("The surname field is blank, fix it", []),
    ],
)
def test_cells_under_named_columns(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize(
    ("cell", "key"), [("Date of birth", "dateofbirth"), ("date_of_birth", "dateofbirth"), (" DOB ", "dob")]
)
def test_header_keys_ignore_case_spaces_and_punctuation(cell, key):
    assert header_key(cell) == key

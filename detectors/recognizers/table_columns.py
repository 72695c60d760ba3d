"""Cells of a pasted table whose column header says what they hold ("forename", "dob").

A CSV or spreadsheet row pasted into a prompt carries no words beside its values: ``1042,Thi Thu,Nguyen,03/07/1988``
has no "name" or "born" near any cell. The header line above it does — so a recognizer that needs context can take
a cell's header as its context. Only rows directly under the header with the same number of fields are read: a
line that does not fit ends the table.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex as re

DELIMITERS = (",", "\t", ";", "|")
_NOT_A_LETTER = re.compile(r"[^\p{L}]+")


def header_key(cell: str) -> str:
    """ "Date of birth", "date_of_birth" and "DateOfBirth" are one header: ``dateofbirth``."""
    return _NOT_A_LETTER.sub("", cell).lower()


def _fields(line: str, delimiter: str) -> list[tuple[int, int]]:
    """Each field's span in the line, without the spaces around it."""
    spans, position = [], 0
    for field in line.split(delimiter):
        stripped = field.strip()
        start = position + (field.index(stripped) if stripped else 0)
        spans.append((start, start + len(stripped)))
        position += len(field) + 1
    return spans


def cells(text: str, headers: frozenset[str]) -> Iterator[tuple[int, int]]:
    """The spans of the non-empty cells under every column whose header key is in ``headers``."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    row = 0
    while row < len(lines):
        line = lines[row]
        table = None
        for delimiter in DELIMITERS:
            if delimiter in line:
                keys = [header_key(line[start:end]) for start, end in _fields(line, delimiter)]
                wanted = [index for index, key in enumerate(keys) if key in headers]
                if wanted and len(keys) >= 2:
                    table = delimiter, len(keys), wanted
                    break
        row += 1
        if table is None:
            continue
        delimiter, width, wanted = table
        while row < len(lines) and lines[row].count(delimiter) == width - 1:
            spans = _fields(lines[row], delimiter)
            for index in wanted:
                start, end = spans[index]
                if end > start:
                    yield offsets[row] + start, offsets[row] + end
            row += 1

"""Every error code a client can be answered with is in docs/reasons.md, with its status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import errors

REPOSITORY = Path(__file__).resolve().parents[2]
RAISED_WITH_CODE = re.compile(r'code="([a-z_]+)"')


def error_classes(base: type[errors.HandrailError] = errors.HandrailError) -> list[type[errors.HandrailError]]:
    found = []
    for subclass in base.__subclasses__():
        found += [subclass, *error_classes(subclass)]
    return found


def documented() -> dict[str, int]:
    """code -> status, from the error table (a row may name several codes: ``a`` / ``b``)."""
    table = (REPOSITORY / "docs" / "reasons.md").read_text(encoding="utf-8").split("Errors that are not policy")[1]
    rows = re.findall(r"^\| ((?:`[a-z_]+`(?: / )?)+) \| (\d{3}) \|", table, re.MULTILINE)
    return {code: int(status) for cell, status in rows for code in re.findall(r"`([a-z_]+)`", cell)}


def raised_codes() -> set[str]:
    """Codes given where an error is raised, beside each class's own (``BadRequest(..., code="...")``)."""
    codes: set[str] = set()
    for package in ("core", "detectors", "audit", "proxy"):
        for module in (REPOSITORY / package).rglob("*.py"):
            codes |= set(RAISED_WITH_CODE.findall(module.read_text(encoding="utf-8")))
    return codes


def test_the_error_table_is_found():
    assert len(documented()) >= 20


@pytest.mark.parametrize("error", error_classes(), ids=lambda error: error.__name__)
def test_every_error_class_is_documented_with_its_status(error):
    assert documented().get(error.code) == error.status


def test_every_code_given_where_an_error_is_raised_is_documented():
    assert sorted(raised_codes() - set(documented())) == []


def test_nothing_documented_is_stale():
    assert sorted(set(documented()) - raised_codes() - {error.code for error in error_classes()}) == []

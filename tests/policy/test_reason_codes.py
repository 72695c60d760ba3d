"""Every reason code the shipped policy can emit is documented in docs/reasons.md, and nothing documented is stale."""

from __future__ import annotations

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
CODE = re.compile(r'"code":\s*"([a-z_]+)"')


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for module in (REPOSITORY / "policies" / "handrail").rglob("*.rego"):
        if not module.name.endswith("_test.rego"):
            codes |= set(CODE.findall(module.read_text(encoding="utf-8")))
    return codes


def documented_codes() -> set[str]:
    """The codes in the first column of the table (a row may name two: ``a`` / ``b``)."""
    table = (REPOSITORY / "docs" / "reasons.md").read_text(encoding="utf-8").split("Errors that are not policy")[0]
    first_cells = re.findall(r"^\| (`[^|]+`) \|", table, re.MULTILINE)
    return {code for cell in first_cells for code in re.findall(r"`([a-z_]+)`", cell)}


def test_the_policy_emits_codes_at_all():
    assert {"blocked_data", "agentic_use", "unknown_department"} <= emitted_codes()


def test_every_emitted_reason_code_is_documented():
    assert sorted(emitted_codes() - documented_codes()) == []


def test_every_documented_reason_code_is_emitted():
    assert sorted(documented_codes() - emitted_codes()) == []

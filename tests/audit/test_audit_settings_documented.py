"""Every audit setting is documented where operators look: the README's configuration and docs/audit.md's."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.settings import AuditSettings

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("document", ["README.md", "docs/audit.md"])
def test_every_audit_setting_is_in_the_documented_configuration(document):
    text = (REPOSITORY / document).read_text(encoding="utf-8")
    block = text[text.index("audit:\n  database_url:") :]
    block = block[: block.index("```")]
    # A setting may be shown commented out, as the alternative to the one above it.
    missing = [name for name in AuditSettings.model_fields if f"\n  {name}:" not in block.replace("\n  # ", "\n  ")]
    assert missing == [], f"{document} does not document {missing}"


def test_every_audit_setting_says_what_it_does():
    assert all(field.description for field in AuditSettings.model_fields.values())

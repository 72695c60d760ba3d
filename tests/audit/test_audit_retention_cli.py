"""``handrail audit retention apply`` and ``handrail audit erase`` as an operator types them, then ``verify``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml
from click.testing import CliRunner

from proxy.cli import main
from tests.audit.retention_support import LedgerClock, occurrences, snapshot


@pytest.fixture()
def config(tmp_path, settings):  # type: ignore[no-untyped-def]
    path = tmp_path / "handrail.yaml"
    audit = {
        "database_url": settings.database_url,
        "checkpoint_key": settings.checkpoint_key.get_secret_value(),
        "text_retention_days": 90,
        "evidence_retention_days": 30,
        "identity_retention_days": 60,
    }
    path.write_text(yaml.safe_dump({"audit": audit}))
    return str(path)


def run(*arguments: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["audit", *arguments], input=input)


def test_retention_then_erasure_through_the_command_line(store, traffic, config, monkeypatch):
    clock = LedgerClock(monkeypatch)
    clock.age = timedelta(days=100)
    old = traffic.redacted(user_id="old@example.gov.uk")
    clock.age = timedelta(0)
    traffic.redacted(user_id="carol.erasable@example.gov.uk", prompt_text="Carolsecret plans for <PERSON_1>")

    before = snapshot(store.engine)
    dry = run("retention", "apply", "--config", config, "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["removed"] == {"text": 2, "evidence": 0, "identity": 1}
    assert snapshot(store.engine) == before
    refused = run("retention", "apply", "--config", config, input="n\n")
    assert refused.exit_code == 1 and snapshot(store.engine) == before  # not confirmed: nothing done
    applied = run("retention", "apply", "--config", config, "--yes")
    assert applied.exit_code == 0, applied.output
    assert "removed 2 text item(s)" in applied.stdout and "removed 1 identity item(s)" in applied.stdout

    shown = json.loads(run("show", "--config", config, old.request_id).stdout)
    assert shown["user"] == "[purged]" and shown["text_purged"]

    preview = run("erase", "--config", config, "--user", "carol.erasable@example.gov.uk", "--dry-run")
    assert preview.exit_code == 0 and "would erase 1 events" in preview.stdout
    erased = run(
        "erase", "--config", config, "--user", "carol.erasable@example.gov.uk", "--reason", "ticket 42", "--yes"
    )
    assert erased.exit_code == 0, erased.output
    assert "erased 1 events" in erased.stdout and "the erasure is entry" in erased.stdout
    assert occurrences(store.engine, "carol.erasable") == [] and occurrences(store.engine, "Carolsecret") == []

    again = run("erase", "--config", config, "--user", "carol.erasable@example.gov.uk", "--yes")
    assert again.exit_code == 0 and "nothing to erase" in again.stdout

    verified = run("verify", "--config", config)
    assert verified.exit_code == 0, verified.output
    assert "2 texts purged by retention; 2 entries purged, 2 erased (1 erasures)" in verified.stdout
    report = json.loads(run("verify", "--config", config, "--format", "json").stdout)
    assert report["erasures"] == 1 and report["erased_entries"] == 2 and report["purged_entries"] == 2


def test_retention_needs_a_configured_age(tmp_path, settings):
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump({"audit": {"database_url": settings.database_url}}))
    result = run("retention", "apply", "--config", str(path), "--yes")
    assert result.exit_code == 2 and "no retention is configured" in result.output

"""The ``handrail`` command as an operator uses it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from proxy.cli import main


@pytest.fixture()
def config(tmp_path):
    path = tmp_path / "handrail.yaml"
    path.write_text(f"audit: {{database_url: 'sqlite:///{tmp_path / 'h.db'}'}}\n")
    return str(path)


def test_keys_create_list_revoke(config):
    runner = CliRunner()
    created = runner.invoke(
        main,
        [
            "keys",
            "create",
            "--config",
            config,
            "--user",
            "ann",
            "--department",
            "DWP",
            "--role",
            "user",
            "--role",
            "auditor",
            "--clearance",
            "SECRET",
        ],
    )
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("hr_")
    key_id = key.split("_")[1]
    listed = runner.invoke(main, ["keys", "list", "--config", config])
    assert key_id in listed.output and "user,auditor" in listed.output and "SECRET" in listed.output
    assert key.split("_", 2)[2] not in listed.output
    assert runner.invoke(main, ["keys", "revoke", "--config", config, key_id]).exit_code == 0
    assert key_id not in runner.invoke(main, ["keys", "list", "--config", config]).output
    assert "revoked" in runner.invoke(main, ["keys", "list", "--config", config, "--all"]).output
    again = runner.invoke(main, ["keys", "revoke", "--config", config, key_id])
    assert again.exit_code != 0 and "no active key" in again.output


def test_keys_create_checks_the_department_against_the_policy_and_sets_an_expiry(config):
    runner = CliRunner()
    typo = runner.invoke(main, ["keys", "create", "--config", config, "--user", "a", "--department", "ho"])
    assert typo.exit_code == 1 and "did you mean 'HO'?" in typo.output
    unknown = runner.invoke(main, ["keys", "create", "--config", config, "--user", "a", "--department", "NOSUCHDEPT"])
    assert unknown.exit_code == 1 and "unknown department 'NOSUCHDEPT'; the policy knows" in unknown.output
    created = runner.invoke(
        main, ["keys", "create", "--config", config, "--user", "a", "--department", "HO", "--expires-in-days", "30"]
    )
    assert created.exit_code == 0, created.output
    from datetime import UTC, datetime, timedelta

    expected = f"expires {datetime.now(UTC) + timedelta(days=30):%Y-%m-%d}"
    assert expected in created.output and expected in runner.invoke(main, ["keys", "list", "--config", config]).output


def test_keys_create_rejects_bad_roles(config):
    result = CliRunner().invoke(
        main, ["keys", "create", "--config", config, "--user", "a", "--department", "b", "--role", "root"]
    )
    assert result.exit_code == 2 and "root" in result.output


def test_check_config_hides_passwords_and_names_bad_keys(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("audit: {database_url: 'postgresql+psycopg://u:topsecret@db/handrail'}\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(good)])
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["audit"]["database_url"] == "postgresql+psycopg://u:***@db/handrail"
    assert shown["model_list"] == [{"model_name": "demo", "model": "openai/demo"}]
    bad = tmp_path / "bad.yaml"
    bad.write_text("server: {workers: -1}\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(bad)])
    assert result.exit_code == 1 and "server.workers" in result.output

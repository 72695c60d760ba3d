"""``handrail audit ...`` as an auditor types it."""

from __future__ import annotations

import csv
import io
import json

import click
import pytest
import yaml
from click.testing import CliRunner

from audit.cli import audit
from proxy.cli import main


@pytest.fixture()
def config(tmp_path, settings):
    path = tmp_path / "handrail.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "audit": {
                    "database_url": settings.database_url,
                    "checkpoint_key": settings.checkpoint_key.get_secret_value(),
                }
            }
        )
    )
    return str(path)


@pytest.fixture()
def recorded(traffic):
    return {
        "allowed": traffic.allowed(user_id="ann", department="DWP"),
        "blocked": traffic.blocked(user_id="bob", department="HMRC"),
        "redacted": traffic.redacted(user_id="ann", department="DWP"),
    }


def run(*arguments: str, input: str | None = None):
    return CliRunner().invoke(main, ["audit", *arguments], input=input)


def test_query_table_shows_decisions_and_reasons(config, recorded):
    result = run("query", "--config", config)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "time",
        "request",
        "id",
        "user",
        "department",
        "model",
        "decision",
        "reasons",
        "outcome",
        "findings",
        "signals",
    ]
    blocked = next(line for line in lines if recorded["blocked"].request_id in line)
    assert "block" in blocked and "pii_to_unapproved_model" in blocked and "UK_NINO×1" in blocked


def test_query_filters_and_pages_with_the_printed_cursor(config, recorded):
    first = run("query", "--config", config, "--user", "ann", "--limit", "1", "--format", "jsonl")
    assert first.exit_code == 0
    assert json.loads(first.stdout)["request_id"] == recorded["redacted"].request_id
    cursor = first.stderr.strip().removeprefix("more: --cursor ")
    second = run("query", "--config", config, "--user", "ann", "--limit", "1", "--format", "json", "--cursor", cursor)
    page = json.loads(second.stdout)
    assert [e["request_id"] for e in page["events"]] == [recorded["allowed"].request_id] and page["next_cursor"] is None


def test_query_of_accesses_shows_who_ran_which_command(config, recorded):
    run("query", "--config", config, "--department", "HMRC")
    result = run("query", "--config", config, "--kind", "access", "--format", "json")
    accesses = json.loads(result.stdout)["events"]
    assert accesses[1]["action"] == "query" and accesses[1]["parameters"]["department"] == "HMRC"
    assert accesses[1]["via"] == "cli" and accesses[1]["user"].startswith("cli:")


def test_show_prints_one_event(config, recorded):
    result = run("show", "--config", config, recorded["blocked"].request_id)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["reasons"][0]["code"] == "pii_to_unapproved_model"
    missing = run("show", "--config", config, "req_none")
    assert missing.exit_code == 1 and "no event 'req_none' was recorded" in missing.output


def test_stats_table_and_json(config, recorded):
    table = run("stats", "--config", config, "--by", "decision", "--by", "department")
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0] == "requests: 3"
    assert "by decision:" in table.stdout and "by department:" in table.stdout and "by day:" not in table.stdout
    document = json.loads(run("stats", "--config", config, "--format", "json", "--department", "DWP").stdout)
    assert document["total"] == 2 and {i["value"] for i in document["by"]["decision"]} == {"allow", "redact"}


def test_export_to_a_file_and_to_standard_output(config, recorded, tmp_path):
    target = tmp_path / "out.csv"
    result = run("export", "--config", config, "--format", "csv", "--output", str(target))
    assert result.exit_code == 0 and "wrote 3 events" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["decision"] for r in rows] == ["allow", "block", "redact"]
    lines = run("export", "--config", config, "--format", "jsonl", "--decision", "block").stdout.splitlines()
    assert [json.loads(line)["request_id"] for line in lines] == [recorded["blocked"].request_id]


def test_bad_filters_are_usage_errors(config, recorded):
    result = run("query", "--config", config, "--since", "last tuesday")
    assert result.exit_code == 2 and "since 'last tuesday' is not a date" in result.output
    result = run("query", "--config", config, "--decision", "perhaps")
    assert result.exit_code == 2 and "decision must be one of" in result.output


def test_purge_text_asks_first_and_keeps_the_trail_verifiable(config, recorded, tmp_path, settings):
    declined = run("purge-text", "--config", config, "--older-than", "1", input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    no_age = run("purge-text", "--config", config, "--yes")
    assert no_age.exit_code == 2 and "give --older-than DAYS" in no_age.output
    purged = run("purge-text", "--config", config, "--older-than", "1", "--yes")
    assert purged.exit_code == 0 and "purged the text of 0 entries older than 1 days" in purged.stdout
    assert run("verify", "--config", config).exit_code == 0


def test_ed25519_checkpoints_verify_with_the_public_key_alone(tmp_path, database_url, traffic):
    private, public = tmp_path / "signing.pem", tmp_path / "signing.pub"
    made = run("keygen", "--private-key", str(private), "--public-key", str(public))
    assert made.exit_code == 0 and oct(private.stat().st_mode & 0o777) == "0o600"
    again = run("keygen", "--private-key", str(private), "--public-key", str(public))
    assert again.exit_code == 1 and "already exists" in again.output
    gateway_config = tmp_path / "gateway.yaml"
    gateway_config.write_text(
        yaml.safe_dump({"audit": {"database_url": database_url, "checkpoint_key_file": str(private)}})
    )
    from audit.settings import AuditSettings
    from audit.store import AuditStore

    store = AuditStore(AuditSettings(database_url=database_url, checkpoint_key_file=str(private)))
    traffic.store = store
    traffic.allowed()
    checkpoint = json.loads(run("checkpoint", "--config", str(gateway_config)).stdout)
    assert checkpoint["algorithm"] == "ed25519" and checkpoint["seq"] == 3
    auditor_config = tmp_path / "auditor.yaml"
    auditor_config.write_text(yaml.safe_dump({"audit": {"database_url": database_url}}))
    assert run("verify", "--config", str(auditor_config)).exit_code == 2  # no key: cannot check the signatures
    verified = run("verify", "--config", str(auditor_config), "--public-key", str(public))
    assert verified.exit_code == 0, verified.output
    assert "signed through entry 3" in verified.stdout
    store.engine.dispose()


def test_every_command_and_option_is_documented_with_an_example():
    commands = list(audit.commands.items())
    for name, command in commands:
        assert "Example" in (command.help or ""), name
        if isinstance(command, click.Group):
            commands += [(f"{name} {sub}", subcommand) for sub, subcommand in command.commands.items()]
        for parameter in command.params:
            if isinstance(parameter, click.Option) and parameter.name not in ("yes", "skip_index"):
                assert parameter.help and "Example" in parameter.help, f"{name} {parameter.name}"
    names = {name for name, _ in commands}
    assert {"query", "show", "stats", "export", "verify", "checkpoint", "purge-text", "keygen", "erase"} <= names
    assert "retention apply" in names


def test_an_unreachable_database_is_a_one_line_error(tmp_path):
    path = tmp_path / "handrail.yaml"
    path.write_text(yaml.safe_dump({"audit": {"database_url": "postgresql+psycopg://u:s3cret@127.0.0.1:9/none"}}))
    result = run("query", "--config", str(path))
    assert result.exit_code == 1
    assert "cannot open the audit database at postgresql+psycopg://u:***@127.0.0.1:9/none" in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output

"""A verifier that cannot be talked down: unsigned checkpoints where signed ones are due, a kept checkpoint against a
rewritten database row, and ``verify`` never writing, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError

from audit.database import metadata, read_only_engine
from audit.schema import audit_checkpoints, audit_ledger
from audit.signing import generate_key_pair
from audit.store import AuditStore
from proxy.cli import main
from tests.audit.conftest import Traffic
from tests.audit.forgery import append_forged, replace_checkpoint, rewrite_chain, rows, unsigned_checkpoint


def verify_cli(config: str, *extra: str):
    return CliRunner().invoke(main, ["audit", "verify", "--config", config, *extra])


def first_line(result) -> str:
    return result.stdout.strip().splitlines()[0]


def write_config(path: Path, audit: dict) -> str:
    path.write_text(yaml.safe_dump({"audit": audit}))
    return str(path)


@pytest.fixture()
def config(tmp_path, settings):
    return write_config(
        tmp_path / "handrail.yaml",
        {
            "database_url": settings.database_url,
            "checkpoint_every": 10,
            "checkpoint_key": settings.checkpoint_key.get_secret_value(),
        },
    )


@pytest.fixture()
def trail(store, traffic):
    """24 entries (12 allowed requests and their completions); signed checkpoints at entries 1, 11 and 21."""
    for number in range(12):
        traffic.allowed(user_id=f"user{number}@example.gov.uk")
    return store


def downgrade(store: AuditStore) -> None:
    """The attack from issue 12: edit an entry after the second-to-last checkpoint (#2, entry 11), recompute the
    hashes, and rewrite the last checkpoint (#3, entry 21) as an unsigned one over the new chain."""

    def edit(document: dict) -> None:
        document["data"]["user_id"] = "someone-else@example.gov.uk"

    rewrite_chain(store.engine, 15, edit)
    replace_checkpoint(store.engine, unsigned_checkpoint(3, 21, rows(store.engine)[21]["hash"]))


# --- the downgrade -----------------------------------------------------------------------------------------------


def test_the_downgrade_attack_is_found_with_the_configured_key(trail, config):
    downgrade(trail)
    result = verify_cli(config, "--skip-index")  # the index was not touched: the chain alone must tell
    assert result.exit_code == 1, result.output
    assert first_line(result) == (
        "TAMPERED: checkpoint #3 is not signed, but this trail's checkpoints are (a signing key is configured or was "
        "given): it was written by someone who could write to the database but not sign, to vouch for a rewritten chain"
    )
    assert "intact" not in result.output


def test_the_downgrade_attack_is_found_with_a_public_key_alone(database_url, tmp_path):
    """An Ed25519 deployment; the auditor has the public key only (no key in their configuration)."""
    generate_key_pair(tmp_path / "signing.pem", tmp_path / "signing.pub")
    from audit.settings import AuditSettings

    store = AuditStore(
        AuditSettings(database_url=database_url, checkpoint_key_file=str(tmp_path / "signing.pem"), checkpoint_every=10)
    )
    try:
        traffic = Traffic(store)
        for _ in range(12):
            traffic.allowed()
        assert {r["algorithm"] for r in store.engine.connect().execute(select(audit_checkpoints)).mappings()} == {
            "ed25519"
        }
        auditor = write_config(tmp_path / "auditor.yaml", {"database_url": database_url})
        assert verify_cli(auditor, "--public-key", str(tmp_path / "signing.pub")).exit_code == 0
        downgrade(store)
        result = verify_cli(auditor, "--public-key", str(tmp_path / "signing.pub"), "--skip-index")
        assert result.exit_code == 1, result.output
        assert first_line(result).startswith("TAMPERED: checkpoint #3 is not signed, but this trail's checkpoints are")
    finally:
        store.engine.dispose()


def test_without_any_key_unsigned_checkpoints_are_accepted_with_a_warning(database_url, tmp_path):
    """A deployment that never configured a key: nothing to downgrade from, and verify says what that is worth."""
    from audit.settings import AuditSettings

    store = AuditStore(AuditSettings(database_url=database_url, checkpoint_every=10))
    try:
        traffic = Traffic(store)
        for _ in range(6):
            traffic.allowed()
        result = verify_cli(write_config(tmp_path / "nokey.yaml", {"database_url": database_url}))
        assert result.exit_code == 0, result.output
        assert "warning: 2 checkpoint(s) are not signed (no checkpoint key was configured or given)" in result.stderr
    finally:
        store.engine.dispose()


def test_an_unsigned_kept_checkpoint_is_refused_when_a_key_is_known(trail, config, tmp_path):
    kept = tmp_path / "kept.json"
    forged = unsigned_checkpoint(3, 21, rows(trail.engine)[21]["hash"])
    kept.write_text(json.dumps({**forged, "created_at": forged["created_at"].isoformat().replace("+00:00", "Z")}))
    result = verify_cli(config, "--checkpoint", str(kept), "--skip-index")
    assert result.exit_code == 1
    assert first_line(result).startswith(
        "TAMPERED: the checkpoint you gave is not signed, but this trail's checkpoints are"
    )


# --- a kept checkpoint against the database -----------------------------------------------------------------------


def test_a_kept_checkpoint_is_compared_even_where_the_database_has_one(trail, config, tmp_path):
    """The kept checkpoint #4 covers entry 25; the attacker rewrites from entry 23 and puts their own #4 at entry 25.
    The kept copy must be compared with the chain and with the database's #4, not set aside for it."""
    kept = tmp_path / "kept.checkpoint.json"
    assert CliRunner().invoke(main, ["audit", "checkpoint", "--config", config, "--output", str(kept)]).exit_code == 0
    kept_document = json.loads(kept.read_text())
    assert (kept_document["number"], kept_document["seq"]) == (4, 25)
    new_head = rewrite_chain(trail.engine, 23, lambda document: document["data"].update(user_id="x@example.gov.uk"))
    replace_checkpoint(trail.engine, unsigned_checkpoint(4, 25, new_head))
    result = verify_cli(config, "--checkpoint", str(kept), "--skip-index")
    assert result.exit_code == 1
    assert (
        f"checkpoint #4 in the database records entry 25 ({new_head[:12]}…), but the kept copy records entry 25 "
        f"({kept_document['hash'][:12]}…): the database's checkpoint was rewritten"
    ) in result.output
    assert (
        "the checkpoint you gave records a different hash for entry 25: an entry from 22 to 25 was altered and the "
        "hashes after it recomputed"
    ) in result.output


def test_a_kept_checkpoint_is_compared_with_the_chain_whatever_the_database_says(trail, config, tmp_path):
    """Even with the database's own checkpoint rows untouched, a kept checkpoint over a rewritten position fails."""
    kept = tmp_path / "kept.checkpoint.json"
    assert CliRunner().invoke(main, ["audit", "checkpoint", "--config", config, "--output", str(kept)]).exit_code == 0
    rewrite_chain(trail.engine, 25, lambda document: document["data"].update(actor="nobody"))
    result = verify_cli(config, "--checkpoint", str(kept), "--skip-index")
    assert result.exit_code == 1
    assert first_line(result) == (
        "TAMPERED: checkpoint #4 records a different hash for entry 25: an entry from 22 to "
        "25 was altered and the hashes after it recomputed"
    )
    assert (
        "also: the checkpoint you gave records a different hash for entry 25: an entry from 22 to 25 was altered"
        in result.output
    )


# --- verify never writes ------------------------------------------------------------------------------------------


def snapshot(url: str) -> dict[str, str]:
    """A digest of every row of every table (read through a read-only engine, so taking it changes nothing)."""
    engine = read_only_engine(url)
    digests = {}
    try:
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                values = sorted(repr(tuple(row)) for row in connection.execute(select(table)).all())
                digests[table.name] = f"{len(values)}:{hashlib.sha256(chr(10).join(values).encode()).hexdigest()}"
    finally:
        engine.dispose()
    return digests


def database_files(url: str) -> dict[str, bytes]:
    if not url.startswith("sqlite"):
        return {}
    path = Path(url.removeprefix("sqlite:///"))
    return {p.name: p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()}


@pytest.mark.parametrize("tampered", [False, True], ids=["intact", "tampered"])
def test_verify_never_writes(trail, config, settings, tampered):
    if tampered:
        downgrade(trail)
    trail.engine.dispose()  # the store's own connections closed: the files now hold everything
    tables, files = snapshot(settings.database_url), database_files(settings.database_url)
    assert int(tables["audit_ledger"].split(":")[0]) == 24 and int(tables["audit_checkpoints"].split(":")[0]) == 3
    for extra in ((), ("--format", "json"), ("--skip-index",)):
        result = verify_cli(config, *extra)
        assert result.exit_code == (1 if tampered else 0), result.output
    assert snapshot(settings.database_url) == tables
    assert database_files(settings.database_url) == files


def test_the_verifier_s_connection_cannot_write(trail, settings):
    """Read-only is enforced by the database, not only by verify's code."""
    engine = read_only_engine(settings.database_url)
    try:
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(
                insert(audit_ledger).values(
                    seq=999,
                    kind="request",
                    request_id="x",
                    recorded_at=rows(trail.engine)[1]["recorded_at"],
                    body="{}",
                    text=None,
                    hash="0" * 64,
                )
            )
    finally:
        engine.dispose()
    assert max(rows(trail.engine)) == 24


def test_verify_of_a_missing_sqlite_database_creates_nothing(tmp_path):
    config = write_config(tmp_path / "h.yaml", {"database_url": f"sqlite:///{tmp_path / 'absent.db'}"})
    result = verify_cli(config)
    assert result.exit_code == 1
    assert "cannot read the audit database" in result.output and "no SQLite database at" in result.output
    assert not (tmp_path / "absent.db").exists()


def test_forged_entries_after_the_last_checkpoint_leave_a_warning_without_a_witness(trail, config):
    """Without a witness the database cannot show a forged tail after its newest checkpoint (see the witness tests):
    verify says the entries are not covered, rather than that they are proven."""
    append_forged(trail.engine, 24, 2)
    result = verify_cli(config, "--skip-index")
    assert result.exit_code == 0
    assert "warning: entries 22..26 are not yet covered by a signed checkpoint" in result.stderr

"""Witness checkpoints: the file sink and the HTTP witness receive every signed checkpoint, and ``verify --witness``
finds what the database alone cannot — a cut-off tail with its checkpoints, a forged tail — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from prometheus_client import REGISTRY
from pydantic import ValidationError
from sqlalchemy import select

from audit.canonical import format_time
from audit.ledger import Checkpoint
from audit.schema import audit_checkpoints
from audit.settings import AuditSettings
from audit.signing import HmacSigner, checkpoint_message
from audit.store import AuditStore
from audit.witness import FileWitness, read_witness_log
from proxy.cli import main
from tests.audit.conftest import HMAC_SECRET, Traffic
from tests.audit.forgery import append_forged, cut_tail, rows


def verify_cli(config: str, *extra: str):
    return CliRunner().invoke(main, ["audit", "verify", "--config", config, *extra])


def first_line(result) -> str:
    return result.stdout.strip().splitlines()[0]


def database_checkpoints(store: AuditStore) -> list[dict]:
    with store.engine.connect() as connection:
        found = connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number)).mappings().all()
    return [{**row, "created_at": format_time(row["created_at"])} for row in found]


@pytest.fixture()
def witness_file(tmp_path) -> Path:
    return tmp_path / "witness" / "checkpoints.jsonl"


@pytest.fixture()
def witnessed(database_url, witness_file) -> Iterator[AuditStore]:
    """24 entries with signed checkpoints at 1, 11 and 21, then #4 at 24 (as at shutdown), all witnessed to a file."""
    witness_file.parent.mkdir()
    store = AuditStore(
        AuditSettings(
            database_url=database_url, checkpoint_key=HMAC_SECRET, checkpoint_every=10, witness_file=str(witness_file)
        )
    )
    traffic = Traffic(store)
    for number in range(12):
        traffic.allowed(user_id=f"user{number}@example.gov.uk")
    assert store.checkpoint().seq == 24
    yield store
    store.engine.dispose()


@pytest.fixture()
def config(tmp_path, database_url) -> str:
    path = tmp_path / "auditor.yaml"
    path.write_text(yaml.safe_dump({"audit": {"database_url": database_url, "checkpoint_key": HMAC_SECRET}}))
    return str(path)


# --- the file sink --------------------------------------------------------------------------------------------------


def test_every_checkpoint_is_appended_to_the_witness_file_as_written(witnessed, witness_file):
    lines = witness_file.read_text().splitlines()
    assert [json.loads(line) for line in lines] == database_checkpoints(witnessed)
    assert [json.loads(line)["seq"] for line in lines] == [1, 11, 21, 24]
    assert oct(witness_file.stat().st_mode & 0o777) == "0o640"


def test_the_witness_file_is_only_appended_to_and_fsynced(tmp_path, monkeypatch):
    path = tmp_path / "w.jsonl"
    path.write_bytes(b'{"earlier":"line"}\n')
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    checkpoint = Checkpoint(
        7,
        70,
        "a" * 64,
        __import__("datetime").datetime(2025, 1, 31, tzinfo=__import__("datetime").UTC),
        "hmac-sha256",
        "k",
        "s",
    )
    FileWitness(path).publish(checkpoint)
    assert path.read_bytes() == (
        b'{"earlier":"line"}\n{"algorithm":"hmac-sha256","created_at":"2025-01-31T00:00:00.000000Z",'
        b'"hash":"' + b"a" * 64 + b'","key_id":"k","number":7,"seq":70,"signature":"s"}\n'
    )
    assert len(synced) == 1  # the file (it existed: no directory sync)


def test_a_witness_file_that_cannot_be_written_does_not_refuse_requests(database_url, tmp_path, caplog):
    """The entries are committed before the checkpoint is witnessed; a failing witness is logged, never raised."""
    store = AuditStore(
        AuditSettings(
            database_url=database_url,
            checkpoint_key=HMAC_SECRET,
            checkpoint_every=2,
            witness_file=str(tmp_path / "missing-directory" / "w.jsonl"),
        )
    )
    try:
        with caplog.at_level(logging.ERROR, logger="handrail.audit"):
            for _ in range(3):
                Traffic(store).allowed()
        assert store.witnesses.failures == 3 and store.witnesses.published == 0  # checkpoints at 1, 3, 5
        assert "audit checkpoint #1 was not witnessed by the file" in caplog.text
        assert max(rows(store.engine)) == 6
    finally:
        store.engine.dispose()


# --- verify --witness -------------------------------------------------------------------------------------------


def test_an_untouched_trail_verifies_against_its_witness(witnessed, config, witness_file):
    result = verify_cli(config, "--witness", str(witness_file))
    assert result.exit_code == 0, result.output
    assert first_line(result).startswith("intact: 24 entries, the last is entry 24")
    assert "4 checkpoints, signed through entry 24; 4 witnessed, through entry 24;" in first_line(result)


def test_a_cut_off_tail_is_found_only_with_the_witness(witnessed, config, witness_file):
    cut_tail(witnessed.engine, 22)  # entries 22..24 and checkpoint #4 deleted, the head moved back: a clean cut
    # (--skip-index: the index still names the deleted completion; a careful attacker would fix it too.)
    alone = verify_cli(config, "--skip-index")
    assert alone.exit_code == 0, alone.output  # the database alone cannot tell ...
    result = verify_cli(config, "--witness", str(witness_file), "--skip-index")  # ... the witness can
    assert result.exit_code == 1
    assert first_line(result) == (
        "TAMPERED: checkpoint #4 (entry 24), which the witness holds, is missing from the database: it was deleted"
    )
    assert (
        "the ledger ends at entry 21, but witnessed checkpoint #4 records entry 24: entries 22..24 were deleted "
        "(the tail was cut off)"
    ) in result.output


def test_a_forged_tail_after_the_newest_database_checkpoint_is_found_with_the_witness(witnessed, config, witness_file):
    cut_tail(witnessed.engine, 22)
    append_forged(witnessed.engine, 20, 3)  # well-formed entries 22..24, chained to entry 21
    alone = verify_cli(config, "--skip-index")
    assert alone.exit_code == 0, alone.output
    assert "warning: entries 22..24 are not yet covered by a signed checkpoint" in alone.stderr
    result = verify_cli(config, "--witness", str(witness_file), "--skip-index")
    assert result.exit_code == 1
    assert (
        "witnessed checkpoint #4 records a different hash for entry 24: an entry from 22 to 24 was altered and "
        "the hashes after it recomputed"
    ) in result.output


def test_forged_entries_appended_past_the_witnessed_head_and_a_cut_are_both_found(witnessed, config, witness_file):
    """Cut back to entry 11, then append many forged entries beyond the witnessed positions."""
    cut_tail(witnessed.engine, 12)
    append_forged(witnessed.engine, 10, 16)  # entries 12..27
    result = verify_cli(config, "--witness", str(witness_file), "--skip-index")
    assert result.exit_code == 1
    assert "witnessed checkpoint #3 records a different hash for entry 21: an entry from 12 to 21" in result.output
    assert "witnessed checkpoint #4 records a different hash for entry 24" in result.output
    assert "checkpoint #3 (entry 21), which the witness holds, is missing from the database" in result.output


def signed_line(number: int, seq: int, hash_: str) -> str:
    signer = HmacSigner(HMAC_SECRET)
    created_at = "2025-01-31T00:00:00.000000Z"
    signature = signer.sign(checkpoint_message(number, seq, hash_, created_at, signer.algorithm, signer.key_id))
    return json.dumps(
        {
            "number": number,
            "seq": seq,
            "hash": hash_,
            "created_at": created_at,
            "algorithm": signer.algorithm,
            "key_id": signer.key_id,
            "signature": signature,
        }
    )


def test_a_witness_log_whose_positions_go_back_or_fork_is_reported(witnessed, config, witness_file, tmp_path):
    """Signed by the real key (as a gateway pointed at a rolled-back database would sign): positions must only grow
    with the number, and a number has one content."""
    log = tmp_path / "rolled-back.jsonl"
    ledger = rows(witnessed.engine)
    log.write_text(
        witness_file.read_text() + signed_line(5, 12, ledger[12]["hash"]) + "\n" + signed_line(4, 24, "f" * 64) + "\n"
    )
    result = verify_cli(config, "--witness", str(log), "--skip-index")
    assert result.exit_code == 1
    assert (
        "the witness holds two different checkpoints #4 (lines 4 and 6): the chain was rewritten and checkpointed again"
    ) in result.output
    assert (
        "witnessed checkpoint #5 records entry 12, before entry 24 of #4: positions only grow, so the chain was "
        "cut back and rewritten"
    ) in result.output


def test_an_unsigned_or_altered_witnessed_checkpoint_is_tampering(witnessed, config, witness_file):
    lines = witness_file.read_text().splitlines()
    altered = json.loads(lines[1]) | {"seq": 12}
    witness_file.write_text("\n".join([lines[0], json.dumps(altered), *lines[2:]]) + "\n")
    result = verify_cli(config, "--witness", str(witness_file), "--skip-index")
    assert result.exit_code == 1
    assert first_line(result) == (
        "TAMPERED: the witnessed checkpoint on line 2 has a signature that does not match its "
        "content: it was forged or altered"
    )


def test_a_torn_last_line_is_a_warning_not_a_failure(witnessed, config, witness_file):
    with witness_file.open("a") as handle:
        handle.write('{"number": 5, "seq"')
    log = read_witness_log(witness_file)
    assert [line for line, _ in log.entries] == [1, 2, 3, 4]
    result = verify_cli(config, "--witness", str(witness_file), "--skip-index")
    assert result.exit_code == 0, result.output
    assert "is incomplete (a write cut short); it was skipped" in result.stderr


# --- the HTTP witness --------------------------------------------------------------------------------------------


class WitnessServer:
    """A witness service on 127.0.0.1: keeps what it is sent (or answers ``status``)."""

    def __init__(self, status: int = 201) -> None:
        self.received: list[tuple[str | None, bytes]] = []
        self.status = status
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                owner.received.append((self.headers.get("authorization"), body))
                self.send_response(owner.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/checkpoints"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def witness_server() -> Iterator[WitnessServer]:
    server = WitnessServer()
    yield server
    server.stop()


def test_every_checkpoint_is_posted_to_the_http_witness(database_url, witness_server, config, tmp_path):
    store = AuditStore(
        AuditSettings(
            database_url=database_url,
            checkpoint_key=HMAC_SECRET,
            checkpoint_every=10,
            witness_url=witness_server.url,
            witness_token="witness-token-123",
        )
    )
    try:
        traffic = Traffic(store)
        for _ in range(12):
            traffic.allowed()
        store.close()  # signs #4 over the last entries and waits for delivery
        assert {auth for auth, _ in witness_server.received} == {"Bearer witness-token-123"}
        received = [json.loads(body) for _, body in witness_server.received]
        assert sorted(received, key=lambda c: c["number"]) == database_checkpoints(store)
        assert [c["seq"] for c in sorted(received, key=lambda c: c["number"])] == [1, 11, 21, 24]
        log = tmp_path / "received.jsonl"
        log.write_bytes(b"".join(body for _, body in witness_server.received))
        result = verify_cli(config, "--witness", str(log))
        assert result.exit_code == 0, result.output
        assert "4 witnessed, through entry 24" in result.output
    finally:
        store.engine.dispose()


def test_a_failing_http_witness_is_retried_logged_without_its_token_and_never_refuses(database_url, caplog):
    server = WitnessServer(status=503)
    store = AuditStore(
        AuditSettings(
            database_url=database_url,
            checkpoint_key=HMAC_SECRET,
            checkpoint_every=100,
            witness_url=server.url,
            witness_token="secret-witness-token",
        )
    )
    store.witnesses.retry_pause = 0.01
    failed_before = REGISTRY.get_sample_value("handrail_audit_witnessed_total", {"outcome": "failed"}) or 0.0
    try:
        with caplog.at_level(logging.ERROR, logger="handrail.audit"):
            Traffic(store).allowed()  # checkpoint #1 at entry 1
            assert store.witnesses.flush(10)
        assert len(server.received) == 3  # three attempts
        assert store.witnesses.failures == 1 and store.witnesses.published == 0
        assert REGISTRY.get_sample_value("handrail_audit_witnessed_total", {"outcome": "failed"}) == failed_before + 1
        assert (
            f"was not witnessed by the HTTP witness http://127.0.0.1:{server.server.server_address[1]}/v1/checkpoints: "
            "the HTTP witness"
            in caplog.text
            and "answered HTTP 503" in caplog.text
        )
        assert "secret-witness-token" not in caplog.text
        assert max(rows(store.engine)) == 2
    finally:
        server.stop()
        store.engine.dispose()


# --- settings ----------------------------------------------------------------------------------------------------


def test_a_witness_needs_a_signing_key_and_an_http_url():
    with pytest.raises(ValidationError, match="witness_file and witness_url need a signing key"):
        AuditSettings(witness_file="/tmp/w.jsonl")
    with pytest.raises(ValidationError, match="witness_url must be an http:// or https:// URL"):
        AuditSettings(witness_url="ftp://witness", checkpoint_key=HMAC_SECRET)


def test_a_quiet_gateway_still_witnesses_its_newest_entries_on_a_timer(database_url, witness_file):
    witness_file.parent.mkdir()
    store = AuditStore(
        AuditSettings(
            database_url=database_url,
            checkpoint_key=HMAC_SECRET,
            checkpoint_every=1000,
            checkpoint_seconds=0.3,
            witness_file=str(witness_file),
        )
    )
    try:
        Traffic(store).allowed()  # checkpoint #1 at the first entry; the completion (entry 2) is not yet covered
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(witness_file.read_text().splitlines()) < 2:
            time.sleep(0.05)
        assert [json.loads(line)["seq"] for line in witness_file.read_text().splitlines()] == [1, 2]
        store.close()
        time.sleep(0.5)  # stopped: no further checkpoints (and nothing new to cover)
        assert [json.loads(line)["seq"] for line in witness_file.read_text().splitlines()] == [1, 2]
    finally:
        store.engine.dispose()


def test_the_checkpoint_command_sends_its_checkpoint_to_the_witnesses(database_url, witness_server, tmp_path):
    witness_log = tmp_path / "w.jsonl"
    config = tmp_path / "gateway.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "audit": {
                    "database_url": database_url,
                    "checkpoint_key": HMAC_SECRET,
                    "witness_file": str(witness_log),
                    "witness_url": witness_server.url,
                }
            }
        )
    )
    result = CliRunner().invoke(main, ["audit", "checkpoint", "--config", str(config)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert (printed["number"], printed["seq"]) == (1, 1)  # the command's own access entry, signed
    assert [json.loads(line) for line in witness_log.read_text().splitlines()] == [printed]
    assert [json.loads(body) for _, body in witness_server.received] == [printed]

"""Tampering with the trail, as someone with write access to the database would, and ``handrail audit verify``
finding it: an edited field, a deleted row, an inserted row, two swapped rows, a cut-off tail, and more."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import delete, insert, select, update

from audit.canonical import sha256_hex
from audit.ledger import entry_body
from audit.schema import (
    audit_checkpoint_head,
    audit_checkpoints,
    audit_daily_counts,
    audit_event_labels,
    audit_events,
    audit_ledger,
    audit_shard_heads,
)
from proxy.cli import main


@pytest.fixture()
def config(tmp_path, settings):
    """The store's own settings, as a configuration file for the command line."""
    path = tmp_path / "handrail.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "audit": {
                    "database_url": settings.database_url,
                    "checkpoint_every": 10,
                    "checkpoint_key": settings.checkpoint_key.get_secret_value(),
                }
            }
        )
    )
    return str(path)


@pytest.fixture()
def trail(store, traffic):
    """24 entries (12 requests and their completions, a few refused); checkpoints at entries 1, 11 and 21."""
    for number in range(12):
        if number % 4 == 3:
            event = traffic.request(
                findings={"UK_NINO": 1},
                decision={
                    "action": "redact",
                    "reasons": [{"code": "personal_data_redacted", "message": "Redacted."}],
                    "redact_types": ["UK_NINO"],
                },
            )
            store.record_request(event)
            store.record_completion(traffic.completion(event))
        else:
            traffic.allowed(user_id=f"user{number}@example.gov.uk")
    return store


def verify_cli(config: str, *extra: str):
    return CliRunner().invoke(main, ["audit", "verify", "--config", config, *extra])


def rows(store) -> dict[int, dict]:
    with store.engine.connect() as connection:
        return {r["seq"]: dict(r) for r in connection.execute(select(audit_ledger)).mappings()}


def change(store, statement) -> None:
    with store.engine.begin() as connection:
        connection.execute(statement)


def first_line(result) -> str:
    return result.stdout.strip().splitlines()[0]


def test_an_untouched_trail_is_intact(trail, config):
    result = verify_cli(config)
    assert result.exit_code == 0, result.output
    assert first_line(result).startswith("intact: 24 entries, the last is entry 24")  # verify records nothing
    assert "signed through entry 21" in result.output


def test_an_edited_field_is_found(trail, config):
    body = rows(trail)[5]["body"]
    change(
        trail,
        update(audit_ledger)
        .where(audit_ledger.c.seq == 5)
        .values(body=body.replace('"model":"gpt-4o"', '"model":"gpt-4x"')),
    )
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result) == "TAMPERED: entry 5 was altered: its content no longer matches its hash"


def test_an_edited_field_with_its_hash_recomputed_is_found_by_the_next_entry(trail, config):
    body = rows(trail)[5]["body"].replace('"model":"gpt-4o"', '"model":"gpt-4x"')
    change(trail, update(audit_ledger).where(audit_ledger.c.seq == 5).values(body=body, hash=sha256_hex(body)))
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result) == "TAMPERED: entry 5 was altered or replaced: entry 6 recorded a different hash for it"


def test_a_deleted_row_is_found(trail, config):
    change(trail, delete(audit_ledger).where(audit_ledger.c.seq == 7))
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result) == "TAMPERED: entry 7 is missing: deleted from the ledger"


def test_an_inserted_row_is_found(trail, config):
    """A forged entry squeezed in after entry 8: the later rows are renumbered and the forgery chained to entry 8."""
    before = rows(trail)
    change(
        trail,
        update(audit_ledger)
        .where(audit_ledger.c.seq > 8)
        .values(seq=audit_ledger.c.seq + 1000, shard_seq=audit_ledger.c.shard_seq + 1000),
    )
    change(
        trail,
        update(audit_ledger)
        .where(audit_ledger.c.seq > 1000)
        .values(seq=audit_ledger.c.seq - 999, shard_seq=audit_ledger.c.shard_seq - 999),
    )
    forged_data = json.loads(before[7]["body"])["data"] | {"request_id": "req_forged", "user_id": "nobody"}
    body = entry_body(9, 0, 9, before[8]["hash"], "request", "req_forged", before[8]["recorded_at"], None, forged_data)
    change(
        trail,
        insert(audit_ledger).values(
            seq=9,
            shard=0,
            shard_seq=9,
            kind="request",
            request_id="req_forged",
            recorded_at=before[8]["recorded_at"],
            body=body,
            text=None,
            hash=sha256_hex(body),
        ),
    )
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result).startswith(
        "TAMPERED: entry 10 holds what was written as entry 9: an entry was inserted before it"
    )


def test_a_row_appended_after_the_last_is_found(trail, config):
    last = rows(trail)[24]
    body = last["body"].replace('"seq":24', '"seq":25').replace('"shard_seq":24', '"shard_seq":25')
    change(
        trail,
        insert(audit_ledger).values(
            seq=25,
            shard=0,
            shard_seq=25,
            kind=last["kind"],
            request_id=last["request_id"],
            recorded_at=last["recorded_at"],
            body=body,
            text=last["text"],
            hash=sha256_hex(body),
        ),
    )
    result = verify_cli(config)
    assert result.exit_code == 1
    assert "entry 24 was altered or replaced: entry 25 recorded a different hash for it" in first_line(result)


def test_two_swapped_rows_are_found(trail, config):
    original = rows(trail)
    columns = ("kind", "request_id", "recorded_at", "body", "text", "hash")
    for seq, other in ((5, 6), (6, 5)):
        change(
            trail,
            update(audit_ledger).where(audit_ledger.c.seq == seq).values({c: original[other][c] for c in columns}),
        )
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result) == "TAMPERED: entry 5 holds what was written as entry 6: entries were swapped or moved"


def test_a_cut_off_tail_is_found_by_the_signed_checkpoint(trail, config):
    change(trail, delete(audit_ledger).where(audit_ledger.c.seq >= 19))
    # A careful attacker also moves the chain head back, so the next entry follows on without a gap.
    last = rows(trail)[18]
    change(trail, update(audit_shard_heads).values(seq=18, hash=last["hash"]))
    result = verify_cli(config)
    assert result.exit_code == 1
    assert "checkpoint #3 records entry 21: entries" in result.output and "the tail was cut off" in result.output


def test_a_cut_off_tail_and_its_checkpoints_are_found_by_a_checkpoint_kept_elsewhere(trail, config, tmp_path):
    kept = tmp_path / "kept.checkpoint.json"
    assert CliRunner().invoke(main, ["audit", "checkpoint", "--config", config, "--output", str(kept)]).exit_code == 0
    assert json.loads(kept.read_text())["seq"] == 25  # 24 entries and the checkpoint command's access entry
    change(trail, delete(audit_ledger).where(audit_ledger.c.seq >= 19))
    change(trail, delete(audit_checkpoints).where(audit_checkpoints.c.seq >= 19))
    last = rows(trail)[18]
    change(trail, update(audit_shard_heads).values(seq=18, hash=last["hash"]))
    change(trail, update(audit_checkpoint_head).values(checkpoint_number=2))
    assert verify_cli(config, "--skip-index").exit_code == 0  # the database alone can no longer tell ...
    result = verify_cli(config, "--checkpoint", str(kept))  # ... the kept checkpoint can
    assert result.exit_code == 1
    assert "the ledger ends at entry" in result.output and "the checkpoint you gave records entry 25" in result.output


def test_a_cut_off_tail_without_a_later_checkpoint_is_found_by_the_chain_head(trail, config):
    change(trail, delete(audit_ledger).where(audit_ledger.c.seq >= 23))
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result) == (
        "TAMPERED: the chain head records entry 24, but the ledger ends at entry 22: entries at the end were deleted"
    )


def test_altered_and_removed_text_is_found(trail, config):
    change(trail, update(audit_ledger).where(audit_ledger.c.seq == 3).values(text="something else entirely"))
    change(trail, update(audit_ledger).where(audit_ledger.c.seq == 9).values(text=None))
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result) == "TAMPERED: the text of entry 3 was altered or added after it was written"
    assert "the text of entry 9 was removed, but no later purge entry covers it" in result.output


def test_edits_to_what_queries_show_are_found(trail, config):
    change(
        trail,
        update(audit_events).where(audit_events.c.request_seq == 1).values(user_id="someone-else", action="block"),
    )
    change(trail, delete(audit_event_labels).where(audit_event_labels.c.label == "finding:UK_NINO"))
    change(trail, update(audit_daily_counts).values(count=audit_daily_counts.c.count + 5))
    result = verify_cli(config)
    assert result.exit_code == 1
    assert "index event" in first_line(result) and "user_id, action differ from the ledger" in first_line(result)
    assert "the labels of index event" in result.output
    assert "the daily counts behind 'stats' differ from the events" in result.output


def test_a_forged_checkpoint_is_found(trail, config):
    change(trail, update(audit_checkpoints).where(audit_checkpoints.c.number == 2).values(seq=12))
    result = verify_cli(config)
    assert result.exit_code == 1
    assert "checkpoint #2 has a signature that does not match its content" in result.output


def test_checkpoints_signed_by_an_unknown_key_are_not_verified(trail, config, tmp_path, database_url):
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({"audit": {"database_url": database_url}}))
    result = verify_cli(str(other))
    assert result.exit_code == 2
    assert first_line(result).startswith("NOT VERIFIED: checkpoint #1 is signed (hmac-sha256) by key")


def test_verify_json_report(trail, config):
    change(trail, delete(audit_ledger).where(audit_ledger.c.seq == 2))
    result = verify_cli(config, "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["intact"] is False and report["problems"][0] == {
        "kind": "deleted",
        "shard": 0,
        "seq": 2,
        "message": "entry 2 is missing: deleted from the ledger",
    }


def test_a_rewritten_chain_is_found_by_the_signed_checkpoints(trail, config):
    """Someone edits entry 5 and recomputes every later hash and link, and the head: only a signature can tell."""
    original = rows(trail)
    previous = original[4]["hash"]
    for seq in range(5, 25):
        document = json.loads(original[seq]["body"])
        if seq == 5:
            document["data"]["user_id"] = "someone-else@example.gov.uk"
        document["prev"] = previous
        body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        previous = sha256_hex(body)
        change(trail, update(audit_ledger).where(audit_ledger.c.seq == seq).values(body=body, hash=previous))
    change(trail, update(audit_shard_heads).values(hash=previous))
    change(
        trail, update(audit_events).where(audit_events.c.request_seq == 5).values(user_id="someone-else@example.gov.uk")
    )
    result = verify_cli(config)
    assert result.exit_code == 1
    assert first_line(result) == (
        "TAMPERED: checkpoint #2 records a different hash for entry 11: an entry from 2 to 11 "
        "was altered and the hashes after it recomputed"
    )

"""The sharded chain (issue 16): writers append to several chains side by side, Merkle checkpoints fix every shard's
head, and verify finds an entry altered, deleted or moved in any shard, a shard's tail cut off behind a checkpoint, a
whole shard dropped, and a forged checkpoint root; a single-chain trail from before sharding still verifies."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from audit.canonical import GENESIS_HASH, canonical_json, format_time, sha256_hex
from audit.database import _alembic_config, create_schema, make_engine, writer_connection
from audit.merkle import merkle_root, parse_leaves
from audit.schema import audit_checkpoints, audit_ledger, audit_shard_heads
from audit.settings import AuditSettings
from audit.signing import HmacSigner, KeyRing, checkpoint_message
from audit.store import AuditStore
from audit.verify import Report, verify
from tests.audit.conftest import HMAC_SECRET, Traffic
from tests.audit.forgery import change

REPOSITORY = Path(__file__).resolve().parents[2]
KEYS = KeyRing(hmac_secrets={HmacSigner(HMAC_SECRET).key_id: HMAC_SECRET})


def sharded(database_url: str, shards: int = 3, **more: object) -> AuditSettings:
    return AuditSettings(
        database_url=database_url, checkpoint_key=HMAC_SECRET, checkpoint_every=4, shards=shards, **more
    )


def check(url: str, **options: object) -> Report:
    engine = make_engine(url)
    try:
        return verify(engine, KEYS, **options)
    finally:
        engine.dispose()


def entries(url: str) -> list[dict]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = [dict(r) for r in connection.execute(select(audit_ledger).order_by(audit_ledger.c.seq)).mappings()]
    engine.dispose()
    return found


@pytest.fixture()
def trail(database_url):
    """Three writers, each keeping to its own shard, interleaved; a final checkpoint over all three."""
    stores = [AuditStore(sharded(database_url), shard=k) for k in range(3)]
    traffic = [Traffic(store) for store in stores]
    for round_ in range(4):
        for writer in traffic:
            writer.allowed(user_id=f"user{round_}@example.gov.uk")
    stores[0].checkpoint()
    yield stores[0]
    for store in stores:
        store.engine.dispose()


def first(report: Report) -> str:
    assert report.problems, "no problem was found"
    return report.problems[0].message


# --- appending ---------------------------------------------------------------------------------------------------


WRITER = """
import sys
from audit.settings import AuditSettings
from audit.store import AuditStore
from tests.audit.conftest import HMAC_SECRET, Traffic
store = AuditStore(AuditSettings(database_url=sys.argv[1], checkpoint_key=HMAC_SECRET, checkpoint_every=5, shards=4))
traffic = Traffic(store)
for _ in range(int(sys.argv[2])):
    traffic.allowed()
store.close()
"""


def test_concurrent_writer_processes_keep_every_shard_gap_free(database_url):
    create_schema(make_engine(database_url))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, database_url, "15"],
            env={"PYTHONPATH": str(REPOSITORY)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors
    found = entries(database_url)
    assert len(found) == 4 * 15 * 2
    assert len({row["seq"] for row in found}) == len(found)  # the order key is unique
    by_shard: dict[int, list[dict]] = {}
    for row in found:
        by_shard.setdefault(row["shard"], []).append(row)
    for rows in by_shard.values():
        rows.sort(key=lambda r: r["shard_seq"])
        assert [r["shard_seq"] for r in rows] == list(range(1, len(rows) + 1))
        assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)  # the order key grows along each shard
        assert all(
            json.loads(r["body"])["prev"] == (rows[i - 1]["hash"] if i else GENESIS_HASH) for i, r in enumerate(rows)
        )
    if "postgresql" in database_url:
        assert len(by_shard) > 1  # writers did not all queue on one chain
    report = check(database_url)
    assert report.intact, report.problems
    assert report.entries == 120 and report.signed_through == 120  # the writers' last checkpoint covers them all
    assert {s.shard for s in report.shards} == set(by_shard)


def test_a_checkpoint_commits_to_every_shard_through_its_merkle_root(trail):
    with trail.engine.connect() as connection:
        last = (
            connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc())).mappings().first()
        )
        heads = connection.execute(select(audit_shard_heads).order_by(audit_shard_heads.c.shard)).mappings().all()
    leaves = parse_leaves(last["leaves"])
    assert [(leaf.shard, leaf.seq, leaf.hash) for leaf in leaves] == [(h["shard"], h["seq"], h["hash"]) for h in heads]
    assert [leaf.seq for leaf in leaves] == [8, 8, 8]
    assert last["root"] == last["hash"] == merkle_root(leaves) and last["seq"] == 24
    report = check(trail.settings.database_url)
    assert report.intact, report.problems
    assert [(s.shard, s.entries, s.signed_through) for s in report.shards] == [(0, 8, 8), (1, 8, 8), (2, 8, 8)]


def test_witnessed_checkpoints_carry_the_root_and_leaves(database_url, tmp_path):
    witness = tmp_path / "witness.jsonl"
    stores = [AuditStore(sharded(database_url, witness_file=str(witness)), shard=k) for k in range(2)]
    for store in stores:
        Traffic(store).allowed()
    stores[1].checkpoint()
    lines = [json.loads(line) for line in witness.read_text().splitlines()]
    assert lines[-1]["v"] == 2 and lines[-1]["root"] == merkle_root(parse_leaves(lines[-1]["leaves"]))
    assert [leaf["shard"] for leaf in lines[-1]["leaves"]] == [0, 1]
    engine = make_engine(database_url)
    assert verify(engine, KEYS, witness=list(enumerate(lines, start=1))).intact
    # A witnessed checkpoint whose root was swapped for another is caught, though the database's copy is intact.
    lines[-1]["root"] = lines[-1]["hash"] = "0" * 64
    report = verify(engine, KEYS, witness=list(enumerate(lines, start=1)))
    assert not report.intact and "leaves do not hash to its Merkle root" in first(report)
    engine.dispose()
    for store in stores:
        store.engine.dispose()


# --- tampering ---------------------------------------------------------------------------------------------------


def row_at(store: AuditStore, shard: int, shard_seq: int) -> dict:
    return next(r for r in entries(store.settings.database_url) if r["shard"] == shard and r["shard_seq"] == shard_seq)


def at(shard: int, shard_seq: int):
    return (audit_ledger.c.shard == shard) & (audit_ledger.c.shard_seq == shard_seq)


def test_an_entry_altered_in_one_shard_is_found(trail):
    # The user is sealed beside the body (version 3), so the body's model is what is altered.
    body = row_at(trail, 1, 3)["body"].replace('"model":"gpt-4o"', '"model":"gpt-4z"')
    change(trail.engine, update(audit_ledger).where(at(1, 3)).values(body=body, hash=sha256_hex(body)))
    report = check(trail.settings.database_url, check_index=False)
    assert (
        first(report)
        == "entry 3 of shard 1 was altered or replaced: entry 4 of shard 1 recorded a different hash for it"
    )
    assert report.problems[0].shard == 1


def test_an_entry_deleted_from_one_shard_is_found(trail):
    change(trail.engine, delete(audit_ledger).where(at(2, 5)))
    report = check(trail.settings.database_url, check_index=False)
    assert first(report) == "entry 5 of shard 2 is missing: deleted from the ledger"


def test_entries_swapped_within_a_shard_are_found(trail):
    one, two = row_at(trail, 0, 2), row_at(trail, 0, 3)
    columns = ("kind", "request_id", "recorded_at", "body", "text", "hash")
    change(
        trail.engine,
        update(audit_ledger).where(at(0, 2)).values({c: two[c] for c in columns}),
        update(audit_ledger).where(at(0, 3)).values({c: one[c] for c in columns}),
    )
    report = check(trail.settings.database_url, check_index=False)
    assert first(report) == "entry 2 of shard 0 holds what was written as entry 3: entries were swapped or moved"


def test_the_trail_order_changed_between_shards_is_found(trail):
    """Order keys swapped between two entries of different shards: each chain still links, but the order differs."""
    a, b = row_at(trail, 0, 4), row_at(trail, 1, 4)
    change(
        trail.engine,
        update(audit_ledger).where(at(0, 4)).values(seq=-1),
        update(audit_ledger).where(at(1, 4)).values(seq=a["seq"]),
        update(audit_ledger).where(at(0, 4)).values(seq=b["seq"]),
    )
    report = check(trail.settings.database_url, check_index=False)
    assert first(report).startswith("entry 4 of shard 0 was moved in the trail's order")


def test_one_shards_tail_cut_off_behind_a_checkpoint_is_found(trail):
    kept = row_at(trail, 1, 6)
    change(
        trail.engine,
        delete(audit_ledger).where((audit_ledger.c.shard == 1) & (audit_ledger.c.shard_seq > 6)),
        update(audit_shard_heads).where(audit_shard_heads.c.shard == 1).values(seq=6, hash=kept["hash"]),
    )
    report = check(trail.settings.database_url, check_index=False)
    assert first(report).startswith("shard 1 ends at entry 6, but checkpoint #")
    assert "entries 7..8 of shard 1 were deleted (the tail was cut off)" in first(report)


def test_a_whole_shard_dropped_is_found(trail):
    change(
        trail.engine,
        delete(audit_ledger).where(audit_ledger.c.shard == 2),
        delete(audit_shard_heads).where(audit_shard_heads.c.shard == 2),
    )
    report = check(trail.settings.database_url, check_index=False)
    assert any(
        p.kind == "truncated" and p.shard == 2 and "the whole shard was dropped" in p.message for p in report.problems
    ), report.problems


def test_a_forged_checkpoint_root_is_found(trail):
    with trail.engine.connect() as connection:
        last = (
            connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc())).mappings().first()
        )
    leaves = json.loads(last["leaves"])
    leaves[1]["hash"] = "f" * 64
    # The leaves alone changed: they no longer hash to the signed root.
    change(
        trail.engine,
        update(audit_checkpoints)
        .where(audit_checkpoints.c.number == last["number"])
        .values(leaves=canonical_json(leaves)),
    )
    report = check(trail.settings.database_url, check_index=False)
    assert f"checkpoint #{last['number']}'s leaves do not hash to its Merkle root" in first(report)
    # A root recomputed over the forged leaves: the signature no longer matches.
    root = merkle_root(parse_leaves(leaves))
    change(
        trail.engine,
        update(audit_checkpoints).where(audit_checkpoints.c.number == last["number"]).values(root=root, hash=root),
    )
    report = check(trail.settings.database_url, check_index=False)
    assert f"checkpoint #{last['number']} has a signature that does not match its content" in first(report)


def test_a_checkpoint_that_leaves_out_a_shard_is_found(trail):
    with trail.engine.connect() as connection:
        last = (
            connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc())).mappings().first()
        )
    # The last checkpoint rewritten (as someone with the key and a dropped shard would) over shards 0 and 1 only.
    from audit.checkpoint import CheckpointPolicy, write_checkpoint

    change(trail.engine, delete(audit_checkpoints).where(audit_checkpoints.c.number == last["number"]))
    change(trail.engine, text(f"UPDATE audit_checkpoint_head SET checkpoint_number = {last['number'] - 1}"))
    change(
        trail.engine,
        delete(audit_ledger).where(audit_ledger.c.shard == 2),
        delete(audit_shard_heads).where(audit_shard_heads.c.shard == 2),
    )
    with writer_connection(trail.engine) as connection, connection.begin():
        assert write_checkpoint(connection, trail.signer, CheckpointPolicy(), force=True) is not None
    report = check(trail.settings.database_url, check_index=False)
    assert any("leaves out shard 2" in p.message for p in report.problems), report.problems


# --- migration ---------------------------------------------------------------------------------------------------


def test_a_single_chain_trail_from_before_sharding_verifies_after_migration(database_url):
    """A trail written by revision 0003 (one chain, single-entry checkpoints) becomes shard 0, hashes untouched."""
    from alembic import command

    engine = make_engine(database_url)
    with writer_connection(engine) as connection, connection.begin():
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    signer = HmacSigner(HMAC_SECRET)
    previous = GENESIS_HASH
    with engine.begin() as connection:
        for seq in range(1, 8):
            recorded_at = datetime(2026, 1, 1, 9, seq, tzinfo=UTC)
            data = {"kind": "completion", "outcome": "completed", "n": seq}
            body = canonical_json(
                {
                    "v": 1,
                    "seq": seq,
                    "prev": previous,
                    "kind": "completion",
                    "request_id": f"req_old_{seq}",
                    "recorded_at": format_time(recorded_at),
                    "text_sha256": None,
                    "data": data,
                },
                prepared=True,
            )
            previous = sha256_hex(body)
            connection.execute(
                text(
                    "INSERT INTO audit_ledger (seq, kind, request_id, recorded_at, body, text, hash) "
                    "VALUES (:seq, 'completion', :rid, :at, :body, NULL, :hash)"
                ),
                {"seq": seq, "rid": f"req_old_{seq}", "at": recorded_at, "body": body, "hash": previous},
            )
            if seq in (1, 6):
                created = format_time(recorded_at)
                number = 1 if seq == 1 else 2
                signature = signer.sign(
                    checkpoint_message(number, seq, previous, created, signer.algorithm, signer.key_id)
                )
                connection.execute(
                    text(
                        "INSERT INTO audit_checkpoints (number, seq, hash, created_at, algorithm, key_id, signature) "
                        "VALUES (:n, :seq, :hash, :at, :alg, :kid, :sig)"
                    ),
                    {
                        "n": number,
                        "seq": seq,
                        "hash": previous,
                        "at": recorded_at,
                        "alg": signer.algorithm,
                        "kid": signer.key_id,
                        "sig": signature,
                    },
                )
        connection.execute(
            text(
                "UPDATE audit_chain_head SET seq = 7, hash = :hash, checkpoint_number = 2, checkpoint_seq = 6, "
                "checkpoint_at = :at"
            ),
            {"hash": previous, "at": datetime(2026, 1, 1, 9, 6, tzinfo=UTC)},
        )
    with engine.connect() as connection:
        before = {
            seq: (body, hash_)
            for seq, body, hash_ in connection.execute(text("SELECT seq, body, hash FROM audit_ledger"))
        }
    create_schema(engine)  # 0004
    after = entries(database_url)
    assert {r["seq"]: (r["body"], r["hash"]) for r in after} == before
    assert {(r["shard"], r["shard_seq"]) for r in after} == {(0, seq) for seq in range(1, 8)}
    report = verify(engine, KEYS, check_index=False)
    assert report.intact, report.problems
    assert report.signed_through == 6 and report.checkpoints == 2
    # New entries continue shard 0 after the old ones, and a Merkle checkpoint follows the old ones.
    store = AuditStore(sharded(database_url, shards=2), engine=engine, shard=0)
    Traffic(store).rejected()
    assert store.checkpoint() is not None
    rows = entries(database_url)
    assert (rows[-1]["shard"], rows[-1]["shard_seq"], rows[-1]["seq"]) == (0, 8, 8)
    assert json.loads(rows[-1]["body"])["prev"] == previous
    report = verify(engine, KEYS, check_index=False)
    assert report.intact, report.problems
    assert report.signed_through == 8 and report.checkpoints == 3
    # Tampering with an old entry is still found, by the chain and by the old signed checkpoint.
    change(
        engine, update(audit_ledger).where(audit_ledger.c.seq == 3).values(body=before[3][0].replace('"n":3', '"n":4'))
    )
    assert not verify(engine, KEYS, check_index=False).intact
    engine.dispose()


def test_verify_on_the_command_line_reports_each_shard(trail, tmp_path):
    import yaml
    from click.testing import CliRunner

    from proxy.cli import main

    config = tmp_path / "handrail.yaml"
    config.write_text(
        yaml.safe_dump({"audit": {"database_url": trail.settings.database_url, "checkpoint_key": HMAC_SECRET}})
    )
    result = CliRunner().invoke(main, ["audit", "verify", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("intact: 24 entries") and "signed through entry 24;" in lines[0]
    assert [line.split(":")[0] for line in lines[1:]] == ["  shard 0", "  shard 1", "  shard 2"]
    assert all("8 entries, the last is entry 8" in line and "signed through entry 8" in line for line in lines[1:])
    change(trail.engine, delete(audit_ledger).where(at(1, 2)))
    result = CliRunner().invoke(main, ["audit", "verify", "--config", str(config), "--skip-index"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "TAMPERED: entry 2 of shard 1 is missing: deleted from the ledger"
    assert [line for line in result.stdout.splitlines() if line.startswith("  shard 1:")][0].endswith("1 problem")


def test_a_merkle_checkpoint_passed_off_as_a_single_chain_one_is_found(trail):
    """Leaves and root removed, so the row reads as an old single-chain checkpoint: its signature no longer fits,
    and a single-chain checkpoint after one over every shard is a downgrade."""
    with trail.engine.connect() as connection:
        last = (
            connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc())).mappings().first()
        )
    change(
        trail.engine,
        update(audit_checkpoints).where(audit_checkpoints.c.number == last["number"]).values(leaves=None, root=None),
    )
    report = check(trail.settings.database_url, check_index=False)
    messages = [p.message for p in report.problems]
    assert (
        f"checkpoint #{last['number']} has a signature that does not match its content: it was forged or altered"
        in messages[0]
    )
    assert any("is a single-chain checkpoint after checkpoint" in m and "a downgrade" in m for m in messages), messages

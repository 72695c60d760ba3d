"""Tables of the store: API keys and the audit trail.

The audit trail is an append-only **ledger** of hash-chained entries (``audit_ledger``) plus tables derived from it
to make questions fast:

- ``audit_ledger``       the evidence: one row per entry (a request, its completion, an auditor's query, a purge),
                         its canonical JSON body, its redacted text and its hash. Never updated, except that
                         retention and erasure may blank ``text`` (the body keeps the text's SHA-256, so the chain
                         still verifies), and an erasure rewrites a version 1 or 2 body that names the person (a signed
                         erasure record commits to the rewritten body; see ``audit.erasure``).
- ``audit_sealed``       a version 3 entry's identity, evidence and subjects, beside the body, which commits to them.
- ``audit_removals``     what retention or erasure removed from an entry: when, by which rule, under which record.
- ``audit_shard_heads``  one row per shard (chain): its last entry's position and hash. An appender locks one
                         shard's row, so each shard stays a single line while writers on other shards go on.
- ``audit_checkpoint_head`` one row: the last checkpoint's number and time. Checkpoint writers lock it.
- ``audit_checkpoints``  signed statements "shard K's entry N has hash H, for every shard" (a Merkle root over the
                         shard heads, see ``audit.merkle``), so that cutting off any shard's tail is detectable.
- ``audit_events``       the index: one row per request (or audit access) with the columns auditors filter on;
                         its final outcome is filled in when the completion arrives.
- ``audit_event_labels`` the index's multi-valued attributes: ``reason:CODE``, ``finding:TYPE``, ``signal:TYPE``.
- ``audit_daily_counts`` / ``audit_daily_reasons``  rollups behind ``stats``.

``handrail audit verify`` checks the ledger against its hashes and checkpoints, and the derived tables against the
ledger, so an edit anywhere is reported.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, DateTime, Float, Index, Integer, String, Table, Text

from audit.database import metadata

# INTEGER PRIMARY KEY is SQLite's rowid: the ledger is stored in seq order.
SequenceNumber = BigInteger().with_variant(Integer(), "sqlite")

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("user_id", String(200), nullable=False),
    Column("department", String(200), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("clearance", String(32), nullable=False),
    Column("description", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
)

# Token buckets for request rate limits, shared by every worker and replica through the database.
rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("bucket", String(240), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),  # seconds since the epoch
)

# ``seq`` is the global order key queries sort by (unique, increasing within each shard, with gaps on PostgreSQL);
# ``shard`` and ``shard_seq`` are the entry's chain and its gap-free position in it.
audit_ledger = Table(
    "audit_ledger",
    metadata,
    Column("seq", SequenceNumber, primary_key=True, autoincrement=False),
    Column("shard", Integer, nullable=False),
    Column("shard_seq", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Column("text", Text, nullable=True),
    Column("hash", String(64), nullable=False),
    Index("ux_audit_ledger_shard_seq", "shard", "shard_seq", unique=True),
)

audit_shard_heads = Table(
    "audit_shard_heads",
    metadata,
    Column("shard", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),  # the shard's last shard_seq (0: empty)
    Column("hash", String(64), nullable=False),
)

# Body version 3 (``audit.sealing``): an entry's identity and evidence, kept beside the chain. The body holds a salted
# SHA-256 of each section, so deleting a row here (retention, erasure) leaves the chain verifiable, and once the salt
# is gone the digest no longer lets anyone confirm a guess of what was removed.
audit_sealed = Table(
    "audit_sealed",
    metadata,
    Column("seq", SequenceNumber, primary_key=True, autoincrement=False),
    Column("section", String(16), primary_key=True),  # identity | evidence | subjects
    Column("salt", String(32), nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON
)

# What was removed from an entry (a sealed section, or its text), when, by which rule and under which chained record
# (a retention ``purge`` or an ``erasure``): a purged field says so instead of looking empty.
audit_removals = Table(
    "audit_removals",
    metadata,
    Column("seq", SequenceNumber, primary_key=True, autoincrement=False),
    Column("section", String(16), primary_key=True),  # identity | evidence | subjects | text
    Column("removed_at", DateTime(timezone=True), nullable=False),
    Column("rule", String(64), nullable=False),  # "retention identity 30 days", "erasure"
    Column("record_seq", BigInteger, nullable=False),
    # section "body": a version 1 or 2 body rewritten by an erasure; the SHA-256 of the rewritten body (see audit.erasure)
    Column("body_sha256", String(64), nullable=True),
    Index("ix_audit_removals_record", "record_seq"),
)

audit_checkpoint_head = Table(
    "audit_checkpoint_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("checkpoint_number", Integer, nullable=False),
    Column("checkpoint_at", DateTime(timezone=True), nullable=True),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("algorithm", String(16), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", Text, nullable=False),
    # Merkle checkpoints (from revision 0004): ``leaves`` is the canonical JSON list of every shard's
    # {"shard", "seq", "hash"}, ``root`` their Merkle root; ``hash`` then holds the root too and ``seq`` the number
    # of entries covered. Both are NULL for a checkpoint of the single chain written before sharding.
    Column("root", String(64), nullable=True),
    Column("leaves", Text, nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("request_seq", SequenceNumber, primary_key=True, autoincrement=False),
    Column("request_id", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("day", String(10), nullable=False),
    Column("user_id", String(200), nullable=True),
    Column("department", String(200), nullable=True),
    Column("model", String(200), nullable=True),
    Column("provider", String(100), nullable=True),
    Column("endpoint", String(100), nullable=True),
    Column("action", String(16), nullable=True),
    Column("outcome", String(32), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("experiment", String(200), nullable=True),
    Column("policy_version", String(200), nullable=True),
    Column("classification", String(40), nullable=True),
    Column("completion_seq", BigInteger, nullable=True),
    Index("ix_audit_events_received_at", "received_at"),
    Index("ix_audit_events_user", "user_id", "received_at"),
    Index("ix_audit_events_department", "department", "received_at"),
    Index("ix_audit_events_model", "model", "received_at"),
    Index("ix_audit_events_experiment", "experiment", "received_at"),
)

audit_event_labels = Table(
    "audit_event_labels",
    metadata,
    Column("label", String(240), primary_key=True),
    Column("request_seq", BigInteger, primary_key=True),
    Index("ix_audit_event_labels_request", "request_seq"),
)

audit_daily_counts = Table(
    "audit_daily_counts",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("department", String(200), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("action", String(16), primary_key=True),
    Column("outcome", String(32), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

audit_daily_reasons = Table(
    "audit_daily_reasons",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("department", String(200), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("action", String(16), primary_key=True),
    Column("reason", String(200), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# Exception requests (issue 15): a refused user asks the policy team for an experiment. A queue whose rows change
# state (pending -> approved / refused), so it is a table and not ledger entries; every step is also recorded in
# the ledger as an access entry (``exception-request``, ``exception-approve``, ``exception-refuse``,
# ``experiment-written``), which is the evidence.
exception_requests = Table(
    "exception_requests",
    metadata,
    Column("exception_id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("request_id", String(64), nullable=False),  # the refused request it is about
    Column("user_id", String(200), nullable=False, index=True),
    Column("department", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("relaxes", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),  # the refusal's reason codes
    Column("days", Float, nullable=False),
    Column("justification", Text, nullable=False),  # scanned: every finding replaced by its type
    Column("owners", JSON, nullable=False),  # experiment owners named in the policy data, when any
    Column("status", String(16), nullable=False, index=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("outcome", Text, nullable=True),
    Column("experiment", String(200), nullable=True),
    Column("expires", String(40), nullable=True),
)

# Policy reloads (issue 15): every checked reload a gateway worker made (loaded, unchanged or rejected), and the
# load at start when it brought a version not seen before, so the policy team can read which versions were in force
# when. Which version decided each request is in the trail itself (``audit_events.policy_version``).
policy_reloads = Table(
    "policy_reloads",
    metadata,
    Column("reload_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(200), nullable=False),  # who asked: a user, or "policy watcher" / "gateway start"
    Column("via", String(32), nullable=False),  # admin-api, console, watch, start
    Column("worker", String(200), nullable=False),  # host:pid, since each worker loads the policy itself
    Column("outcome", String(16), nullable=False),  # loaded, unchanged, rejected
    Column("version_before", String(64), nullable=True),
    Column("version_after", String(64), nullable=True),  # the version in force afterwards
    Column("detail", Text, nullable=True),  # why a new policy was rejected
)

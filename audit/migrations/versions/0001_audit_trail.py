"""API keys and the hash-chained audit trail.

Revision 0001 (the first).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
SequenceNumber = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("clearance", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "audit_ledger",
        sa.Column("seq", SequenceNumber, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("checkpoint_number", sa.Integer, nullable=False),
        sa.Column("checkpoint_seq", sa.BigInteger, nullable=False),
        sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.bulk_insert(
        head,
        [{"id": 1, "seq": 0, "hash": GENESIS_HASH, "checkpoint_number": 0, "checkpoint_seq": 0, "checkpoint_at": None}],
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("request_seq", SequenceNumber, primary_key=True, autoincrement=False),
        sa.Column("request_id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=True),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("provider", sa.String(100), nullable=True),
        sa.Column("endpoint", sa.String(100), nullable=True),
        sa.Column("action", sa.String(16), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("experiment", sa.String(200), nullable=True),
        sa.Column("policy_version", sa.String(200), nullable=True),
        sa.Column("classification", sa.String(40), nullable=True),
        sa.Column("completion_seq", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_audit_events_received_at", "audit_events", ["received_at"])
    op.create_index("ix_audit_events_user", "audit_events", ["user_id", "received_at"])
    op.create_index("ix_audit_events_department", "audit_events", ["department", "received_at"])
    op.create_index("ix_audit_events_model", "audit_events", ["model", "received_at"])
    op.create_index("ix_audit_events_experiment", "audit_events", ["experiment", "received_at"])
    op.create_table(
        "audit_event_labels",
        sa.Column("label", sa.String(240), primary_key=True),
        sa.Column("request_seq", sa.BigInteger, primary_key=True),
    )
    op.create_index("ix_audit_event_labels_request", "audit_event_labels", ["request_seq"])
    op.create_table(
        "audit_daily_counts",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("department", sa.String(200), primary_key=True),
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("action", sa.String(16), primary_key=True),
        sa.Column("outcome", sa.String(32), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "audit_daily_reasons",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("department", sa.String(200), primary_key=True),
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("action", sa.String(16), primary_key=True),
        sa.Column("reason", sa.String(200), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "audit_daily_reasons",
        "audit_daily_counts",
        "audit_event_labels",
        "audit_events",
        "audit_checkpoints",
        "audit_chain_head",
        "audit_ledger",
        "api_keys",
    ):
        op.drop_table(table)

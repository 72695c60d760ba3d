"""Retention and erasure: identity and evidence kept beside the chain, committed to by salted digests.

``audit_sealed`` holds the content of an entry's sealed sections (body version 3) with the salt of each
commitment; ``audit_removals`` says which content was removed, when, by which rule and under which chained
record (a retention ``purge`` or an ``erasure``).

Revision 0005, after 0004 (the sharded chain); ``seq`` in both tables is the ledger's global order key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SequenceNumber = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_sealed",
        sa.Column("seq", SequenceNumber, primary_key=True, autoincrement=False),
        sa.Column("section", sa.String(16), primary_key=True),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_removals",
        sa.Column("seq", SequenceNumber, primary_key=True, autoincrement=False),
        sa.Column("section", sa.String(16), primary_key=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("record_seq", sa.BigInteger, nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_removals_record", "audit_removals", ["record_seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_removals_record", "audit_removals")
    op.drop_table("audit_removals")
    op.drop_table("audit_sealed")

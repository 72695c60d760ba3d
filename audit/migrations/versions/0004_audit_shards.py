"""Sharded audit chain: the single chain becomes shard 0, without rewriting a hash; checkpoints gain a Merkle root.

Revision 0004.

Every existing entry keeps its body and hash: it is entry ``seq`` of shard 0 (the single chain was gap-free from 1,
so its position in shard 0 is its ``seq``). The chain head row becomes shard 0's head; the checkpoint counter moves
to ``audit_checkpoint_head``. On PostgreSQL a sequence hands out the global order key without a lock.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("audit_ledger") as batch:
        batch.add_column(sa.Column("shard", sa.Integer, nullable=True))
        batch.add_column(sa.Column("shard_seq", sa.BigInteger, nullable=True))
    op.execute("UPDATE audit_ledger SET shard = 0, shard_seq = seq")
    with op.batch_alter_table("audit_ledger") as batch:
        batch.alter_column("shard", existing_type=sa.Integer, nullable=False)
        batch.alter_column("shard_seq", existing_type=sa.BigInteger, nullable=False)
    op.create_index("ux_audit_ledger_shard_seq", "audit_ledger", ["shard", "shard_seq"], unique=True)
    shard_heads = op.create_table(
        "audit_shard_heads",
        sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    checkpoint_head = op.create_table(
        "audit_checkpoint_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("checkpoint_number", sa.Integer, nullable=False),
        sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=True),
    )
    # Typed, so that SQLite's stored time comes back as a datetime and goes into the new table as one.
    chain_head = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Integer),
        sa.column("seq", sa.BigInteger),
        sa.column("hash", sa.String),
        sa.column("checkpoint_number", sa.Integer),
        sa.column("checkpoint_at", sa.DateTime(timezone=True)),
    )
    old = bind.execute(
        sa.select(
            chain_head.c.seq, chain_head.c.hash, chain_head.c.checkpoint_number, chain_head.c.checkpoint_at
        ).where(chain_head.c.id == 1)
    ).first()
    seq, hash_, number, at = old if old is not None else (0, GENESIS_HASH, 0, None)
    op.bulk_insert(shard_heads, [{"shard": 0, "seq": seq, "hash": hash_}])
    op.bulk_insert(checkpoint_head, [{"id": 1, "checkpoint_number": number, "checkpoint_at": at}])
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.add_column(sa.Column("root", sa.String(64), nullable=True))
        batch.add_column(sa.Column("leaves", sa.Text, nullable=True))
    if bind.dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE audit_ledger_order")
        op.execute("SELECT setval('audit_ledger_order', (SELECT coalesce(max(seq), 0) + 1 FROM audit_ledger), false)")


def downgrade() -> None:
    # Only while the trail is still a single chain: entries of other shards cannot be put back into one.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM audit_ledger WHERE shard <> 0")).scalar_one():
        raise RuntimeError("the trail has entries in shards other than 0: it cannot go back to a single chain")
    if bind.execute(sa.text("SELECT count(*) FROM audit_checkpoints WHERE leaves IS NOT NULL")).scalar_one():
        raise RuntimeError("the trail has Merkle checkpoints, which a single-chain verifier would misread")
    if bind.dialect.name == "postgresql":
        op.execute("DROP SEQUENCE audit_ledger_order")
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_column("leaves")
        batch.drop_column("root")
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("checkpoint_number", sa.Integer, nullable=False),
        sa.Column("checkpoint_seq", sa.BigInteger, nullable=False),
        sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=True),
    )
    shard0 = bind.execute(sa.text("SELECT seq, hash FROM audit_shard_heads WHERE shard = 0")).first()
    checkpoint_head = sa.table(
        "audit_checkpoint_head",
        sa.column("checkpoint_number", sa.Integer),
        sa.column("checkpoint_at", sa.DateTime(timezone=True)),
    )
    checkpoint = bind.execute(sa.select(checkpoint_head.c.checkpoint_number, checkpoint_head.c.checkpoint_at)).first()
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "seq": shard0[0] if shard0 else 0,
                "hash": shard0[1] if shard0 else GENESIS_HASH,
                "checkpoint_number": checkpoint[0] if checkpoint else 0,
                "checkpoint_seq": shard0[0] if shard0 else 0,
                "checkpoint_at": checkpoint[1] if checkpoint else None,
            }
        ],
    )
    op.drop_table("audit_checkpoint_head")
    op.drop_table("audit_shard_heads")
    op.drop_index("ux_audit_ledger_shard_seq", "audit_ledger")
    with op.batch_alter_table("audit_ledger") as batch:
        batch.drop_column("shard_seq")
        batch.drop_column("shard")

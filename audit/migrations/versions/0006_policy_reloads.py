"""Policy reloads: each checked reload (loaded, unchanged or rejected) with its time, who asked and the versions.

Revision 0006, after 0005.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_reloads",
        sa.Column("reload_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("via", sa.String(32), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("version_before", sa.String(64), nullable=True),
        sa.Column("version_after", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_policy_reloads_at", "policy_reloads", ["at"])


def downgrade() -> None:
    op.drop_index("ix_policy_reloads_at", "policy_reloads")
    op.drop_table("policy_reloads")

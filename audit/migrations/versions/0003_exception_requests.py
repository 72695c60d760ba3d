"""Exception requests: a refused user asks the policy team for a time-boxed experiment.

Revision 0003.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exception_requests",
        sa.Column("exception_id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("relaxes", sa.JSON, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("days", sa.Float, nullable=False),
        sa.Column("justification", sa.Text, nullable=False),
        sa.Column("owners", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.Column("experiment", sa.String(200), nullable=True),
        sa.Column("expires", sa.String(40), nullable=True),
    )
    op.create_index("ix_exception_requests_user_id", "exception_requests", ["user_id"])
    op.create_index("ix_exception_requests_status", "exception_requests", ["status"])


def downgrade() -> None:
    op.drop_index("ix_exception_requests_status", "exception_requests")
    op.drop_index("ix_exception_requests_user_id", "exception_requests")
    op.drop_table("exception_requests")

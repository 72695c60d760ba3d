"""Alembic environment for Handrail's store.

``audit.database.create_schema`` runs the migrations on a connection it has already opened (and locked); the
``alembic`` command line works too, given ``-x url=...`` or ``HANDRAIL_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

import audit.schema  # noqa: F401,E402  (registers the tables on ``metadata``)
from audit.database import make_engine, metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("HANDRAIL_DATABASE_URL")
    if not url:
        raise SystemExit("give the database as -x url=... or HANDRAIL_DATABASE_URL")
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite"
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run them against the database")
run_migrations()

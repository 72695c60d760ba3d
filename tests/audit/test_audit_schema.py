"""The schema comes from the Alembic migrations shipped in the package, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from audit.database import create_schema, make_engine, metadata, schema_is_current
from audit.schema import audit_checkpoint_head, audit_shard_heads

REPOSITORY = Path(__file__).resolve().parents[2]


def test_migrations_build_exactly_the_declared_tables(database_url):
    engine = make_engine(database_url)
    create_schema(engine)
    with engine.connect() as connection:
        assert schema_is_current(connection)
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert {c["name"] for c in inspect(engine).get_columns("api_keys")} == {
        "key_id",
        "secret_sha256",
        "user_id",
        "department",
        "roles",
        "clearance",
        "description",
        "created_at",
        "revoked_at",
        "expires_at",
    }
    assert {c["name"] for c in inspect(engine).get_columns("rate_limit_buckets")} == {"bucket", "tokens", "updated_at"}
    engine.dispose()


def test_create_schema_twice_changes_nothing(database_url):
    engine = make_engine(database_url)
    create_schema(engine)
    create_schema(engine)
    with engine.connect() as connection:
        assert connection.execute(select(audit_shard_heads)).mappings().all() == [
            {"shard": 0, "seq": 0, "hash": "0" * 64}
        ]
        assert connection.execute(select(audit_checkpoint_head)).mappings().all() == [
            {"id": 1, "checkpoint_number": 0, "checkpoint_at": None}
        ]
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def test_workers_starting_together_migrate_once(postgres_url):
    code = "import sys; from audit.database import create_schema, make_engine; create_schema(make_engine(sys.argv[1]))"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, postgres_url],
            env={"PYTHONPATH": str(REPOSITORY)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        assert connection.execute(select(audit_shard_heads.c.seq)).scalars().all() == [0]
    engine.dispose()

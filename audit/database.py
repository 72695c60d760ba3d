"""The SQLAlchemy engine and metadata shared by the audit trail and the key store, and schema migrations."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    import sqlite3

    from alembic.config import Config

metadata = MetaData()

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: every process that migrates the same PostgreSQL database takes this lock first.
MIGRATION_LOCK_ID = 0x48616E6472  # "Handr"
SQLITE_START_ATTEMPTS = 10


def make_engine(url: str) -> Engine:
    """An engine for ``url``.

    SQLite gets WAL (readers never block the writer) and explicit transaction control: the Python driver's own
    implicit ``BEGIN`` is switched off so that a connection opened with ``execution_options(sqlite_begin="IMMEDIATE")``
    takes the write lock when its transaction starts, which is how appends to the audit chain are serialised.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: sqlite3.Connection, _record: object) -> None:
            connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            _switch_to_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def read_only_engine(url: str) -> Engine:
    """An engine that cannot write, for ``verify``: a verifier that can write could be made to vouch for what it
    wrote (it once signed a fresh checkpoint over a tampered chain), so the database itself refuses.

    SQLite is opened with ``mode=ro`` (no migration, no WAL switch, no checkpoint of the WAL into the file);
    PostgreSQL sessions start with ``default_transaction_read_only``. Nothing is created if the database is missing.
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3
        from urllib.parse import quote

        path = parsed.database or ""
        if not path or path == ":memory:" or not Path(path).is_file():
            raise FileNotFoundError(f"no SQLite database at {path or '(none)'}")
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
        return create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        )
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=2,
        max_overflow=2,
        connect_args={"options": "-c default_transaction_read_only=on"},
    )


def _retry_while_locked(action: Callable[[], object], errors: tuple[type[Exception], ...]) -> None:
    """Run ``action``, and again briefly while SQLite answers "database is locked".

    Processes opening a brand-new SQLite file at the same moment are told that at once (SQLite does not wait for
    this) while one of them switches the file to WAL mode; it passes in milliseconds.
    """
    for attempt in range(SQLITE_START_ATTEMPTS):
        try:
            action()
            return
        except errors as error:
            if "locked" not in str(error) or attempt == SQLITE_START_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    import sqlite3

    _retry_while_locked(lambda: cursor.execute("PRAGMA journal_mode=WAL"), (sqlite3.OperationalError,))


def writer_connection(engine: Engine) -> Connection:
    """A connection whose transactions are serialised with every other writer of the audit chain on SQLite.

    (On PostgreSQL the chain head row is locked instead; see ``audit.ledger``.)
    """
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.execution_options(sqlite_begin="IMMEDIATE")
    return connection


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def schema_is_current(connection: Connection) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    return MigrationContext.configure(connection).get_current_revision() == head


def create_schema(engine: Engine) -> None:
    """Bring the schema up to date with the Alembic migrations shipped in ``audit/migrations``.

    Safe to call from many processes at once (workers, replicas): migrations run under a database-wide lock
    (an advisory lock on PostgreSQL, the write lock on SQLite), and the check that nothing is to be done is cheap.
    """
    import audit.schema  # noqa: F401  (registers the tables on ``metadata``)

    if engine.dialect.name == "sqlite":
        _retry_while_locked(lambda: _migrate(engine), (OperationalError,))
    else:
        _migrate(engine)


def _migrate(engine: Engine) -> None:
    from alembic import command

    with engine.connect() as connection:
        if schema_is_current(connection):
            return
    with writer_connection(engine) as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

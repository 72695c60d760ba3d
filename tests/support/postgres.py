"""A real, throwaway PostgreSQL server for tests and benchmarks.

    with PostgresServer() as server:
        url = server.create_database("audit")   # postgresql+psycopg://postgres@127.0.0.1:PORT/audit

The server runs from the Debian package's binaries (``/usr/lib/postgresql/<version>/bin``) in a temporary data
directory on a free port of 127.0.0.1, and is stopped and deleted afterwards. PostgreSQL refuses to run as root,
so when the tests run as root it is started as the ``postgres`` system user.

Where the binaries are missing a test using it is skipped, except in CI (``CI=true``), where that fails it: CI
installs PostgreSQL (``.ci/run``), so a missing server is a broken pipeline, not a reason to skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support import IN_CI
from tests.support.standin import free_port

PREFERRED_VERSION = "15"
SERVICE_USER = "postgres"


def postgres_binaries() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, preferring version 15."""
    candidates = [f"/usr/lib/postgresql/{PREFERRED_VERSION}/bin"]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if os.access(os.path.join(directory, "initdb"), os.X_OK):
            return Path(directory)
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def require_postgres() -> Path:
    """The binaries' directory; skips the calling test where PostgreSQL is missing, but fails it in CI."""
    import pytest

    directory = postgres_binaries()
    if directory is None:
        message = "PostgreSQL server binaries are not installed (the audit store is tested against a real server)"
        if IN_CI:
            pytest.fail(message + "; CI must install them (.ci/run)")
        pytest.skip(message)
    return directory


class PostgresServer:
    """One PostgreSQL server process in its own temporary data directory.

    ``durable=False`` (tests) turns off fsync so a suite stays fast; benchmarks pass ``durable=True`` to measure
    what a real deployment would see.
    """

    def __init__(
        self, binaries: Path | None = None, durable: bool = False, settings: dict[str, str] | None = None
    ) -> None:
        found = binaries or postgres_binaries()
        if found is None:
            raise RuntimeError("PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin")
        self.binaries = found
        self.durable = durable
        self.settings = settings or {}
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="handrail-postgres-"))
        self.data = self.directory / "data"
        self.socket_directory = self.directory / "socket"
        self._started = False

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> PostgresServer:
        self.socket_directory.mkdir()
        self._hand_to_service_user(self.directory)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_directory),
            "max_connections": "200",
            "shared_buffers": "256MB",
            "logging_collector": "off",
        }
        if not self.durable:
            options.update({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
        options.update(self.settings)
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            for name, value in options.items():
                conf.write(f"{name} = '{value}'\n")
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )
        self._started = True
        self._wait_until_accepting(timeout)
        return self

    def stop(self) -> None:
        if self._started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
            self._started = False
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- databases -----------------------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- helpers -------------------------------------------------------------------------------------------------

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as c:
            c.execute(statement)

    def _wait_until_accepting(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(
                    host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", connect_timeout=2
                ):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not accept connections:\n{self.log()}") from None
                time.sleep(0.1)

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.binaries / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.directory)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, command, result.stdout, result.stderr)

    @staticmethod
    def _hand_to_service_user(directory: Path) -> None:
        if os.geteuid() != 0:
            return
        account = pwd.getpwnam(SERVICE_USER)
        for path in (directory, *directory.rglob("*")):
            os.chown(path, account.pw_uid, account.pw_gid)

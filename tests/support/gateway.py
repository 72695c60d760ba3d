"""Run the real gateway (``handrail serve``) as a separate process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import yaml

from tests.support import ProcessExited, wait_for_http_ok
from tests.support.standin import free_port

REPOSITORY = Path(__file__).resolve().parents[2]


class Gateway:
    """One ``handrail serve`` process with its own configuration file and SQLite database."""

    def __init__(
        self,
        directory: Path,
        model_list: list[dict] | None = None,
        settings: dict | None = None,
        workers: int = 1,
        environment: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.directory = directory
        self.port = port or free_port()  # chosen before, when another server must know the gateway's address
        self.workers = workers
        self.database_url = f"sqlite:///{directory / 'handrail.db'}"
        config: dict = {"server": {"port": self.port}, "audit": {"database_url": self.database_url}}
        if model_list is not None:
            config["model_list"] = model_list
        for section, values in (settings or {}).items():
            if isinstance(values, dict):
                config.setdefault(section, {}).update(values)
            else:
                config[section] = values
        self.database_url = config["audit"]["database_url"]
        self.config_path = directory / "handrail.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.log_path = directory / "gateway.log"
        self.environment = environment or {}
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90, wait_until_ready: bool = True) -> Gateway:
        """Start the process and wait for /readyz (or only /healthz, for tests of a gateway that must not be ready)."""
        env = {**os.environ, "PYTHONPATH": str(REPOSITORY), **self.environment}
        env.pop("HANDRAIL_CONFIG", None)
        env.pop("HANDRAIL_DATABASE_URL", None)
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "proxy.cli",
                "serve",
                "--config",
                str(self.config_path),
                "--workers",
                str(self.workers),
            ],
            cwd=self.directory,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        probe = "/readyz" if wait_until_ready else "/healthz"
        try:
            if wait_for_http_ok(f"{self.url}{probe}", self._process, timeout):
                return self
        except ProcessExited:
            raise RuntimeError(f"the gateway exited at start:\n{self.log()}") from None
        self.stop()
        raise RuntimeError(f"the gateway was not ready within {timeout} s:\n{self.log()}")

    def audit_event(self, auditor_key: str, request_id: str) -> dict:
        """The one audit event of a request, read through the audit API as an auditor would."""
        events = httpx.get(
            f"{self.url}/v1/audit/events",
            params={"request_id": request_id},
            headers={"authorization": f"Bearer {auditor_key}"},
            timeout=30,
        ).json()["events"]
        assert len(events) == 1, events
        event: dict = events[0]
        return event

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._process = None

    def terminate(self) -> None:
        """Send SIGTERM (as an orchestrator stopping a pod does) without waiting for the process to end."""
        assert self._process is not None, "the gateway is not running"
        os.killpg(self._process.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        """Wait for the process to end after ``terminate``; its exit status."""
        assert self._process is not None, "the gateway is not running"
        status = self._process.wait(timeout=timeout)
        self._process = None
        return status

    def audit_verify(self) -> subprocess.CompletedProcess:
        """``handrail audit verify`` on this gateway's audit store, the real command."""
        env = {**os.environ, "PYTHONPATH": str(REPOSITORY), **self.environment}  # the variables its config reads
        env.pop("HANDRAIL_DATABASE_URL", None)
        command = [sys.executable, "-m", "proxy.cli", "audit", "verify", "--config", str(self.config_path)]
        return subprocess.run(command, env=env, capture_output=True, text=True, cwd=self.directory, timeout=300)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def create_key(
        self,
        user: str = "alice@example.gov.uk",
        department: str = "HMRC",
        roles: tuple[str, ...] = ("user",),
        clearance: str = "OFFICIAL",
    ) -> str:
        """A new key, made with the real ``handrail keys create`` command."""
        env = {**os.environ, "PYTHONPATH": str(REPOSITORY), **self.environment}  # the variables its config reads
        env.pop("HANDRAIL_DATABASE_URL", None)
        command = [
            sys.executable,
            "-m",
            "proxy.cli",
            "keys",
            "create",
            "--config",
            str(self.config_path),
            "--user",
            user,
            "--department",
            department,
            "--clearance",
            clearance,
        ]
        for role in roles:
            command += ["--role", role]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=self.directory)
        return output.stdout.strip().splitlines()[-1]


def start_together(gateways: list[Gateway], timeout: float = 180) -> None:
    """Start the gateways side by side (each start waits for readiness); if one fails, stop them all and raise."""
    failures: list[BaseException] = []

    def start(gateway: Gateway) -> None:
        try:
            gateway.start(timeout=timeout)
        except BaseException as error:  # noqa: BLE001 (raised below, in the caller's thread)
            failures.append(error)

    threads = [threading.Thread(target=start, args=(gateway,)) for gateway in gateways]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        for gateway in gateways:
            gateway.stop()
        raise failures[0]

"""A real OPA server on 127.0.0.1 for the tests of the OPA-server engine."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support import ProcessExited, require_binary, wait_for_http_ok
from tests.support.standin import free_port


def opa_binary() -> str:
    return require_binary("opa", "the policy tests run opa test, opa fmt and a real OPA server")


class OpaServer:
    """``opa run --server`` serving one bundle directory."""

    def __init__(self, bundle: Path, log_path: Path) -> None:
        self.bundle = bundle
        self.port = free_port()
        self.log_path = log_path
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> OpaServer:
        opa = opa_binary()
        self._process = subprocess.Popen(
            [
                opa,
                "run",
                "--server",
                "--addr",
                f"127.0.0.1:{self.port}",
                "--bundle",
                str(self.bundle),
                "--log-level",
                "error",
            ],
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        try:
            if wait_for_http_ok(f"{self.url}/health?bundles", self._process, timeout, interval=0.1):
                return self
        except ProcessExited:
            raise RuntimeError(f"opa exited at start: {self.log_path.read_text()}") from None
        self.stop()
        raise RuntimeError("the OPA server did not become healthy")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None

    def __enter__(self) -> OpaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

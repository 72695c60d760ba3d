"""Helpers shared by the test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import httpx
import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_binary(name: str, why: str) -> str:
    """The path of ``name``; skips the test where it is missing, but fails it in CI.

    In CI every integration server is installed by .ci/run, so a missing one is a
    broken pipeline, not a reason to skip.
    """
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({why})"
        if IN_CI:
            pytest.fail(message + "; CI must install it (.ci/run)")
        pytest.skip(message)
    return path


def wait_for_http_ok(url: str, process: subprocess.Popen, timeout: float, interval: float = 0.2) -> bool:
    """Poll ``url`` until it answers 200 (True) or ``timeout`` passes (False); raise if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProcessExited(process.returncode)
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    return False


class ProcessExited(RuntimeError):
    """The server process ended while it was being waited for."""

"""The checks a new policy passes before it replaces the one in force.

1. It compiles and decides an ordinary request, in a separate process
   (``proxy.policy.compile_check``), so a policy that crashes the Rego
   compiler cannot take the gateway down with it.
2. Its own tests pass (``opa test``), when the ``opa`` binary is installed.

Both run on exactly the snapshot that will be loaded, written to a temporary
bundle directory, so a file edited between the check and the load cannot slip
through.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from proxy.policy.files import PolicySnapshot

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 60


def opa_binary() -> str | None:
    return shutil.which("opa")


def validate_snapshot(snapshot: PolicySnapshot, *, run_tests: bool = True) -> str | None:
    """Why the snapshot must not be loaded, or None if it may."""
    with tempfile.TemporaryDirectory(prefix="handrail-policy-") as temporary:
        bundle = snapshot.write_to(Path(temporary) / "bundle")
        problem = _compile_in_subprocess(bundle)
        if problem is None and run_tests:
            problem = _run_policy_tests(bundle)
        return problem


def _compile_in_subprocess(bundle: Path) -> str | None:
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "proxy.policy.compile_check", str(bundle)],
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT_SECONDS,
            cwd=Path(__file__).resolve().parents[2],
        )
    except subprocess.TimeoutExpired:
        return f"compiling the policy took longer than {CHECK_TIMEOUT_SECONDS} seconds"
    if finished.returncode < 0:
        return f"the Rego compiler crashed on this policy (signal {-finished.returncode})"
    try:
        result = json.loads(finished.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return f"the policy check failed: {finished.stderr.strip()[-500:] or 'no output'}"
    return None if result.get("ok") else str(result.get("error") or "the policy does not compile")


def _run_policy_tests(bundle: Path) -> str | None:
    opa = opa_binary()
    if opa is None:
        log.warning("opa is not installed: the new policy's own tests were not run")
        return None
    try:
        finished = subprocess.run(
            [opa, "test", "--format", "json", str(bundle)],
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return f"the policy's tests took longer than {CHECK_TIMEOUT_SECONDS} seconds"
    if finished.returncode == 0:
        return None
    return "the policy's own tests fail: " + summarise_test_failures(finished.stdout, finished.stderr)


def summarise_test_failures(stdout: str, stderr: str) -> str:
    try:
        results = json.loads(stdout)
    except ValueError:
        return (stderr or stdout).strip()[-500:] or "opa test failed"
    if isinstance(results, list):
        failed = [f"{r.get('package', '')}.{r.get('name', '')}" for r in results if r.get("fail") or r.get("error")]
        if failed:
            shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
            return shown
    if isinstance(results, dict) and results.get("errors"):
        return "; ".join(str(e.get("message")) for e in results["errors"][:5])
    return (stderr or stdout).strip()[-500:] or "opa test failed"

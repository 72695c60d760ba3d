"""The Rego itself, checked with the tools the security team uses: opa test, opa fmt, opa check."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.support.opa import opa_binary

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def run_opa(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([opa_binary(), *arguments], capture_output=True, text=True, timeout=120)


def test_the_policy_tests_pass_with_at_least_90_percent_coverage():
    report = run_opa("test", str(POLICIES), "--coverage", "--format", "json")
    assert report.returncode == 0, report.stdout[-2000:] + report.stderr
    coverage = json.loads(report.stdout)["coverage"]
    assert coverage >= 90, f"policy test coverage is {coverage:.1f}%"
    results = run_opa("test", str(POLICIES), "--format", "json")
    tests = json.loads(results.stdout)
    assert len(tests) >= 50 and not [t for t in tests if t.get("fail") or t.get("error")]


def test_opa_fmt_leaves_every_file_as_it_is():
    listed = run_opa("fmt", "--list", str(POLICIES))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "", f"not formatted with opa fmt: {listed.stdout}"
    diff = run_opa("fmt", "--diff", str(POLICIES))
    assert diff.stdout.strip() == ""


def test_opa_check_strict_is_clean():
    checked = run_opa("check", "--strict", str(POLICIES))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_module_has_tests_beside_it_and_says_what_it_is_for():
    modules = [p for p in POLICIES.rglob("*.rego") if not p.name.endswith("_test.rego")]
    assert len(modules) >= 8
    for module in modules:
        assert module.with_name(module.stem + "_test.rego").exists(), f"{module} has no _test.rego beside it"
        text = module.read_text()
        assert text.startswith("# METADATA"), f"{module} has no METADATA annotation"
        assert "import rego.v1" in text


def test_data_is_kept_apart_from_logic():
    for module in POLICIES.rglob("*.rego"):
        if module.name.endswith("_test.rego"):
            continue
        # Model names and department codes live in policies/data, never in rules.
        assert not re.search(r'"(gpt-4o-uk|claude-sonnet-uk|HMRC|GDS)"', module.read_text()), module
    assert sorted(p.parent.name for p in (POLICIES / "data").rglob("data.json")) == [
        "departments",
        "experiments",
        "models",
        "protection",
        "safeguards",
    ]

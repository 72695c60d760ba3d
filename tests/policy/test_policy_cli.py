"""``handrail policy``: the security team's commands, run as they would run them."""

from __future__ import annotations

import json
import tarfile

from click.testing import CliRunner

from proxy.cli import main
from proxy.policy.compile_check import SMOKE_INPUT
from proxy.policy.files import read_policy
from proxy.policy.opa_server import OpaServerEngine
from proxy.policy.settings import PolicySettings
from tests.policy.corpus import policy_inputs
from tests.policy.helpers import POLICIES, copy_policies, edit_data
from tests.support.opa import OpaServer, opa_binary


def run(*arguments: str):
    return CliRunner().invoke(main, ["policy", *arguments], catch_exceptions=False)


def test_eval_prints_the_decision_and_its_reasons(tmp_path):
    agentic = dict(
        SMOKE_INPUT, signals=[{"type": "internet", "evidence": "declares the web_search tool", "location": "tools"}]
    )
    path = tmp_path / "input.json"
    path.write_text(json.dumps(agentic))
    text = run("eval", "--input", str(path))
    assert text.exit_code == 0
    assert (
        "decision:       block" in text.output and "internet_access: Giving a model live internet access" in text.output
    )
    document = json.loads(run("eval", "--input", str(path), "--format", "json").output)
    assert document["action"] == "block" and document["policy_version"] == read_policy(POLICIES).version


def test_eval_says_what_is_wrong_with_a_bad_input_file(tmp_path):
    path = tmp_path / "input.json"
    path.write_text("[1, 2]")
    result = run("eval", "--input", str(path))
    assert result.exit_code != 0 and "must hold a JSON object" in result.output


def test_explain_runs_the_detectors_on_a_whole_request(tmp_path):
    body = {
        "model": "demo",
        "messages": [
            {"role": "user", "content": "Write to Margaret Thompson about her claim, NI number JG 10 37 59 A."}
        ],
    }
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body))
    result = run("explain", "--request", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    explained = json.loads(result.output)
    assert explained["input"]["findings"]["counts"].get("UK_NINO") == 1
    assert explained["decision"]["action"] == "block" and explained["decision"]["reasons"][0]["code"] == "blocked_data"
    assert "JG 10 37 59 A" not in result.output and "Margaret" not in result.output


def test_test_runs_opa_test_with_coverage():
    opa_binary()
    result = run("test", "--policy", str(POLICIES))
    assert result.exit_code == 0
    coverage = float(result.output.strip().splitlines()[-1].removeprefix("coverage: ").rstrip("%"))
    assert coverage >= 90


def test_check_rejects_a_broken_policy_and_accepts_the_real_one(tmp_path):
    opa_binary()
    assert run("check", str(POLICIES)).exit_code == 0
    broken = copy_policies(tmp_path / "broken")
    (broken / "handrail" / "lib" / "lib.rego").write_text("package handrail.lib\n\nquoted(name) := \n")
    result = run("check", str(broken))
    assert result.exit_code != 0 and "would be rejected" in result.output and "lib.rego" in result.output


def test_compare_shows_which_decisions_a_candidate_would_change(tmp_path):
    candidate = copy_policies(tmp_path / "candidate")
    edit_data(candidate, "protection", lambda d: (d["pseudonymise"].remove("PERSON"), d["block"].append("PERSON")))
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text("\n".join(json.dumps(d) for d in policy_inputs(120)))
    result = run("compare", "--candidate", str(candidate), "--inputs", str(inputs))
    assert result.exit_code == 0, result.output
    changed = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert changed and all("-> block" in line for line in changed)
    assert result.output.strip().endswith(f"{len(changed)} of 129 decisions would change")


def test_bundle_builds_what_an_opa_server_serves(tmp_path):
    opa_binary()
    output = tmp_path / "bundle.tar.gz"
    result = run("bundle", "--policy", str(POLICIES), "--output", str(output))
    assert result.exit_code == 0, result.output
    version = read_policy(POLICIES).version
    with tarfile.open(output) as archive:
        manifest = json.loads(archive.extractfile("/.manifest").read())
    assert manifest["revision"] == version
    with OpaServer(output, tmp_path / "opa.log") as server:
        engine = OpaServerEngine(PolicySettings(engine="opa", opa_url=server.url, watch=False))
        assert engine.version == version
        assert engine.decide(SMOKE_INPUT).action == "allow"

"""The embedded engine: decisions, reloads that keep the last good policy, the watcher, shadow mode."""

from __future__ import annotations

import copy
import time

import pytest

from proxy.policy.compile_check import SMOKE_INPUT
from proxy.policy.embedded import EmbeddedEngine
from proxy.policy.engine import PolicyRejected, PolicyUnavailable, build_engine
from proxy.policy.files import read_policy
from proxy.policy.settings import PolicySettings
from tests.policy.helpers import copy_policies, edit_data
from tests.support.opa import opa_binary

AGENTIC = {"type": "agentic", "evidence": "the request declares the tool 'run_shell'", "location": "tools"}


def request_with(**changes) -> dict:
    document = copy.deepcopy(SMOKE_INPUT)
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            document[section][field] = value
        else:
            document[section] = value
    return document


@pytest.fixture
def policies(tmp_path):
    return copy_policies(tmp_path / "policies")


def engine_for(policies, **settings) -> EmbeddedEngine:
    return EmbeddedEngine(PolicySettings(path=policies, watch=False, **settings))


def test_decisions_carry_reasons_and_the_version_of_the_loaded_policy(policies):
    engine = engine_for(policies)
    assert engine.version == read_policy(policies).version
    assert engine.decide(request_with()).action == "allow"
    blocked = engine.decide(request_with(signals=[AGENTIC]))
    assert blocked.action == "block" and blocked.first_reason_code == "agentic_use"
    assert "run_shell" in blocked.explanation() and blocked.policy_version == engine.version
    pseudonymised = engine.decide(request_with(findings={"counts": {"PERSON": 2}, "types": ["PERSON"], "markings": []}))
    assert pseudonymised.action == "redact" and pseudonymised.redact_types == {"PERSON"}


def test_an_input_the_policy_does_not_expect_is_refused_not_guessed(policies):
    decision = engine_for(policies).decide(request_with(principal={"user": "x"}))
    assert decision.action == "block" and decision.first_reason_code == "invalid_policy_input"


def test_a_data_edit_changes_the_version_and_is_loaded_on_reload(policies):
    engine = engine_for(policies, run_tests_on_reload=False)
    before = engine.version
    assert engine.reload() == before  # nothing changed
    edit_data(policies, "protection", lambda d: (d["pseudonymise"].remove("PERSON"), d["block"].append("PERSON")))
    after = engine.reload()
    assert after != before
    decision = engine.decide(request_with(findings={"counts": {"PERSON": 1}, "types": ["PERSON"], "markings": []}))
    assert decision.action == "block" and decision.policy_version == after


def test_a_policy_that_does_not_compile_is_rejected_and_the_old_one_keeps_deciding(policies):
    engine = engine_for(policies, run_tests_on_reload=False)
    good = engine.version
    module = policies / "handrail" / "safeguards" / "safeguards.rego"
    module.write_text(module.read_text() + "\nthis is not rego {\n")
    with pytest.raises(PolicyRejected, match="safeguards.rego"):
        engine.reload()
    assert engine.version == good and engine.last_rejection
    assert engine.decide(request_with(signals=[AGENTIC])).action == "block"


def test_a_policy_that_decides_nonsense_is_rejected(policies):
    engine = engine_for(policies, run_tests_on_reload=False)
    decision = policies / "handrail" / "decision.rego"
    decision.write_text(decision.read_text().replace('"action": "allow"', '"action": "maybe"'))
    with pytest.raises(
        PolicyRejected, match="malformed: action: Input should be .allow., .redact., .strip. or .block."
    ):
        engine.reload()
    assert engine.decide(request_with()).action == "allow"


def test_a_policy_whose_own_tests_fail_is_rejected(policies):
    opa_binary()
    engine = engine_for(policies)
    # Compiles and decides, but lets agentic requests through: the safeguard tests catch it.
    module = policies / "handrail" / "safeguards" / "safeguards.rego"
    module.write_text(module.read_text().replace('"agentic_use"', '"agentic_use_renamed"'))
    with pytest.raises(PolicyRejected, match="tests fail"):
        engine.reload()
    assert engine.decide(request_with(signals=[AGENTIC])).first_reason_code == "agentic_use"


def test_a_broken_policy_at_start_is_an_error_not_an_empty_policy(tmp_path):
    (tmp_path / "only.rego").write_text("package handrail\n\ndecision := {\n")
    with pytest.raises(PolicyRejected):
        engine_for(tmp_path)
    with pytest.raises(PolicyRejected, match="does not exist"):
        engine_for(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PolicyRejected, match="no Rego modules"):
        engine_for(tmp_path / "empty")


def test_the_watcher_picks_up_an_edit_without_being_asked(policies):
    engine = EmbeddedEngine(
        PolicySettings(path=policies, watch=True, watch_interval_seconds=0.2, run_tests_on_reload=False)
    )
    try:
        before = engine.version
        edit_data(policies, "protection", lambda d: d["pseudonymise"].remove("IP_ADDRESS"))
        deadline = time.monotonic() + 30
        while engine.version == before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert engine.version != before
        decision = engine.decide(
            request_with(findings={"counts": {"IP_ADDRESS": 1}, "types": ["IP_ADDRESS"], "markings": []})
        )
        assert decision.action == "allow"
    finally:
        engine.close()


def test_shadow_mode_records_where_the_candidate_disagrees_and_enforces_only_the_live_policy(tmp_path, policies):
    candidate = copy_policies(tmp_path / "candidate")
    edit_data(candidate, "protection", lambda d: (d["pseudonymise"].remove("PERSON"), d["block"].append("PERSON")))
    engine = build_engine(PolicySettings(path=policies, shadow_path=candidate, watch=False))
    person = request_with(findings={"counts": {"PERSON": 1}, "types": ["PERSON"], "markings": []})
    decision = engine.decide(person)
    assert decision.action == "redact"
    assert decision.shadow["action"] == "block" and decision.shadow["reasons"] == ["blocked_data"]
    assert decision.shadow["policy_version"] == read_policy(candidate).version != decision.policy_version
    assert engine.decide(request_with()).shadow is None  # agreement is not recorded
    assert decision.to_document()["shadow"]["action"] == "block"


def test_a_decision_is_never_made_without_a_policy(policies):
    engine = engine_for(policies)
    engine._loaded = None
    with pytest.raises(PolicyUnavailable):
        engine.decide(request_with())

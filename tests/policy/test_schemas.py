"""The input and decision documents match their published JSON Schemas."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from core.findings import Finding, ScanResult, Signal
from proxy.auth import Principal
from proxy.formats import parse_request
from proxy.policy.decision import Decision, decision_schema
from proxy.policy.embedded import EmbeddedEngine
from proxy.policy.input import build_policy_input
from proxy.policy.settings import PolicySettings
from tests.policy.corpus import policy_inputs

SCHEMAS = Path(__file__).resolve().parents[2] / "proxy" / "policy" / "schema"
INPUT_SCHEMA = json.loads((SCHEMAS / "input.schema.json").read_text())
DECISION_SCHEMA = json.loads((SCHEMAS / "decision.schema.json").read_text())


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(PolicySettings(watch=False))


def gateway_input() -> dict:
    body = {
        "model": "demo",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "SECRET: call Jane on 07700 900123"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                ],
            }
        ],
    }
    conversation = parse_request("/v1/chat/completions", body)
    text = conversation.parts[0].text
    scan = ScanResult(
        findings=[
            Finding("SECURITY_MARKING", 0, 6, 0.9, part=0),
            Finding("PHONE_NUMBER", text.index("07700"), len(text), 0.8, part=0),
        ],
        signals=[Signal("agentic", "declares the tool 'run_shell'", "tools")],
    )
    return build_policy_input(
        principal=Principal("alice@example.gov.uk", "HMRC", ("user",), "OFFICIAL", "key-1"),
        conversation=conversation,
        scan=scan,
        endpoint="/v1/chat/completions",
        classification="OFFICIAL",
        experiment=None,
        experiment_requests_today=0,
        provider="mock",
        now=datetime.now(UTC),
    )


def test_the_input_the_gateway_builds_matches_the_schema_and_holds_no_values():
    document = gateway_input()
    jsonschema.validate(document, INPUT_SCHEMA)
    assert document["findings"] == {
        "counts": {"PHONE_NUMBER": 1, "SECURITY_MARKING": 1},
        "types": ["PHONE_NUMBER", "SECURITY_MARKING"],
        "markings": ["SECRET"],
        "encoded": {"types": [], "encodings": []},
    }
    assert document["request"]["unscannable_kinds"] == ["image"]
    assert "07700" not in json.dumps(document) and "Jane" not in json.dumps(document)


def test_the_schema_rejects_an_input_that_is_not_what_the_policy_expects():
    document = gateway_input()
    broken = copy.deepcopy(document)
    broken["principal"]["clearance"] = "ULTRA"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, INPUT_SCHEMA)
    del broken["principal"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, INPUT_SCHEMA)


def test_generated_inputs_match_the_schema():
    for document in policy_inputs(100)[:100]:
        jsonschema.validate(document, INPUT_SCHEMA)


def test_every_decision_matches_the_decision_schema(engine):
    actions = set()
    for document in policy_inputs(200):
        decision = engine.decide(document).to_document()
        jsonschema.validate(decision, DECISION_SCHEMA)
        actions.add(decision["action"])
    assert actions == {"allow", "redact", "strip", "block"}


def test_a_decision_without_reasons_for_a_block_breaks_the_schema():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": "block", "reasons": [], "redact_types": [], "experiment": None}, DECISION_SCHEMA)


def test_the_published_decision_schema_is_generated_from_the_model():
    """One description of the decision document: regenerate with `python -m proxy.policy.decision > ...`."""
    assert DECISION_SCHEMA == decision_schema()


WELL_FORMED = {
    "action": "block",
    "reasons": [{"code": "blocked_data", "message": "A."}],
    "redact_types": [],
    "experiment": None,
}


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({}, True),
        ({"action": "redact", "reasons": [], "redact_types": ["PERSON"]}, True),
        ({"action": "allow", "reasons": [], "experiment": "hmrc-web-research"}, True),
        ({"action": "maybe"}, False),
        ({"reasons": []}, False),
        ({"action": "strip", "reasons": []}, False),
        ({"action": "redact", "redact_types": []}, False),
        ({"redact_types": ["PERSON", "PERSON"]}, False),
        ({"reasons": [{"code": "Blocked Data", "message": "A."}]}, False),
        ({"reasons": [{"code": "blocked_data", "message": ""}]}, False),
        ({"reasons": [{"code": "blocked_data"}]}, False),
        ({"experiment": 7}, False),
        ({"redact_types": "PERSON"}, False),
        ({"allow_anyway": True}, False),
    ],
)
def test_the_model_and_the_schema_accept_the_same_documents(change, valid):
    document = {**WELL_FORMED, **change}
    schema_accepts = jsonschema.Draft202012Validator(DECISION_SCHEMA).is_valid(document)
    try:
        Decision.from_document(document, "v1")
        model_accepts = True
    except ValueError:
        model_accepts = False
    assert (schema_accepts, model_accepts) == (valid, valid)


def test_a_document_missing_its_experiment_is_refused_with_the_place_named():
    with pytest.raises(ValueError, match="experiment"):
        Decision.from_document({"action": "allow", "reasons": [], "redact_types": []}, "v1")

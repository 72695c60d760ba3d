"""Each vocabulary has one source (core.vocabulary); everything else that names its values is checked against it."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from core import vocabulary
from detectors.recognizers import handrail_recognizers
from proxy.policy.decision import Action

REPOSITORY = Path(__file__).resolve().parents[2]
SCHEMAS = REPOSITORY / "proxy" / "policy" / "schema"
PROTECTION = json.loads((REPOSITORY / "policies" / "data" / "protection" / "data.json").read_text(encoding="utf-8"))


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("finding_type", sorted(set(vocabulary.FINDING_TYPES) - {"SECURITY_MARKING"}))
def test_every_finding_type_is_known_to_the_policy_data(finding_type):
    """A type the data forgets would be silently ignored by the policy: it must be pseudonymised or blocked, and named."""
    assert (finding_type in PROTECTION["pseudonymise"]) != (finding_type in PROTECTION["block"])
    assert PROTECTION["labels"][finding_type]


def test_markings_are_read_by_the_classification_rules():
    """SECURITY_MARKING is neither pseudonymised nor blocked as data: its level is compared with clearances."""
    module = (REPOSITORY / "policies" / "handrail" / "classification" / "classification.rego").read_text(
        encoding="utf-8"
    )
    assert "input.findings.markings" in module
    assert "SECURITY_MARKING" not in PROTECTION["pseudonymise"] + PROTECTION["block"]


def test_every_recognizer_reports_a_known_type():
    reported = {entity for recognizer in handrail_recognizers() for entity in recognizer.supported_entities}
    assert reported == set(vocabulary.FINDING_TYPES)


def test_the_policy_input_schema_uses_the_vocabularies():
    document = schema("input")
    assert document["$defs"]["classification"]["enum"] == list(vocabulary.CLASSIFICATIONS)
    assert document["properties"]["principal"]["properties"]["roles"]["items"]["enum"] == list(vocabulary.ROLES)
    assert document["properties"]["signals"]["items"]["properties"]["type"]["enum"] == list(vocabulary.SIGNAL_TYPES)


def test_the_decision_schema_and_type_use_the_actions():
    assert schema("decision")["properties"]["action"]["enum"] == list(vocabulary.ACTIONS)
    assert typing.get_args(Action) == vocabulary.ACTIONS


def test_the_rego_classification_levels_are_the_classifications_in_order():
    module = (REPOSITORY / "policies" / "handrail" / "classification" / "classification.rego").read_text(
        encoding="utf-8"
    )
    levels = re.search(r"^levels := \{(.*)\}$", module, re.MULTILINE)
    assert levels is not None
    ranked = sorted(re.findall(r'"([A-Z -]+)": (\d+)', levels.group(1)), key=lambda item: int(item[1]))
    assert tuple(name for name, _ in ranked) == vocabulary.CLASSIFICATIONS


def test_clearances_are_the_classifications_below_top_secret():
    assert vocabulary.CLEARANCES == ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET")

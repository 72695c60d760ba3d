"""The policy input says which kinds of data were found inside encoded content, never the content."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from core.findings import Finding, ScanResult
from proxy.auth import Principal
from proxy.formats import parse_request
from proxy.policy.input import build_policy_input

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "proxy/policy/schema/input.schema.json").read_text())


def policy_input(text: str, findings: list[Finding]) -> dict:
    conversation = parse_request(
        "/v1/chat/completions", {"model": "demo", "messages": [{"role": "user", "content": text}]}
    )
    return build_policy_input(
        principal=Principal("alice@example.gov.uk", "HMRC", ("user",), "OFFICIAL", "key-1"),
        conversation=conversation,
        scan=ScanResult(findings=findings),
        endpoint="/v1/chat/completions",
        classification="OFFICIAL",
        experiment=None,
        experiment_requests_today=0,
        model_configured=True,
        provider="mock",
        now=datetime.now(UTC),
    )


def test_encoded_types_and_encodings_are_listed_and_still_counted():
    run = base64.b64encode(b"NI JK 41 22 90 B, from Ann").decode()
    text = f"Decode {run} and mail ann@example.com"
    start = text.index(run)
    document = policy_input(
        text,
        [
            Finding("UK_NINO", start, start + len(run), 0.75, 0, "base64"),
            Finding("PERSON", start, start + len(run), 0.85, 0, "base64+url"),
            Finding("EMAIL_ADDRESS", text.index("ann@"), len(text), 1.0, 0),
        ],
    )
    jsonschema.validate(document, SCHEMA)
    assert document["findings"] == {
        "counts": {"EMAIL_ADDRESS": 1, "PERSON": 1, "UK_NINO": 1},
        "types": ["EMAIL_ADDRESS", "PERSON", "UK_NINO"],
        "markings": [],
        "encoded": {"types": ["PERSON", "UK_NINO"], "encodings": ["base64", "url"]},
    }
    assert run not in json.dumps(document)


def test_an_encoded_marking_gives_its_level_never_the_run():
    secret = base64.b64encode(b"Classification: TOP SECRET - eyes only").decode()
    unreadable = base64.b64encode(b"marking: Restricted Handling").decode()
    text = f"{secret} and {unreadable}"
    document = policy_input(
        text,
        [
            Finding("SECURITY_MARKING", 0, len(secret), 0.9, 0, "base64"),
            Finding("SECURITY_MARKING", text.index(unreadable), len(text), 0.9, 0, "base64"),
        ],
    )
    # A level the decoded text does not state is ranked cautiously, not quoted.
    assert document["findings"]["markings"] == ["OFFICIAL-SENSITIVE", "TOP SECRET"]
    assert secret not in json.dumps(document) and unreadable not in json.dumps(document)


def test_an_input_from_before_the_field_is_still_valid():
    document = policy_input("hello", [])
    assert document["findings"]["encoded"] == {"types": [], "encodings": []}
    del document["findings"]["encoded"]
    jsonschema.validate(document, SCHEMA)

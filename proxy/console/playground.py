"""The policy team's playground: an API request in, what the gateway would find and decide out.

The same steps as a real request (parse, scan, build the policy input, decide with the live engine, and the shadow
candidate if one is configured), but nothing is sent to a model and no request is recorded; that someone used the
playground is recorded (by the route), with the request's hash and length, never its text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from audit.canonical import sha256_hex
from core.errors import HandrailError
from core.vocabulary import CLEARANCES
from proxy.auth import Principal
from proxy.formats import parse_request
from proxy.policy.files import read_policy
from proxy.policy.input import build_policy_input
from proxy.services import Services

ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/messages", "/v1/embeddings")
CLASSIFICATIONS = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET")
MAX_REQUEST_CHARACTERS = 64 * 1024
EXAMPLE = json.dumps(
    {"model": "demo", "messages": [{"role": "user", "content": "Summarise the attached note for me."}]}, indent=2
)


@dataclass(frozen=True)
class Choices:
    """Departments and experiments the policy data lists: the playground offers only these."""

    departments: tuple[str, ...]
    experiments: tuple[str, ...]

    @classmethod
    def from_policy(cls, services: Services, own_department: str) -> Choices:
        try:
            data = read_policy(services.settings.policy.path).data.get("data", {})
        except Exception:  # e.g. an OPA-server engine without local files: the user's own department only
            return cls((own_department,), ())
        departments = sorted(data.get("departments", {}) or {}) or [own_department]
        if own_department in departments:  # the signed-in user's department first: the usual case
            departments.remove(own_department)
            departments.insert(0, own_department)
        return cls(tuple(departments), tuple(sorted(data.get("experiments", {}) or {})))


@dataclass
class Trial:
    """What was asked (to show the form again) and what came of it."""

    endpoint: str = ENDPOINTS[0]
    department: str = ""
    clearance: str = CLEARANCES[0]
    classification: str = CLASSIFICATIONS[0]
    experiment: str = ""
    request: str = EXAMPLE
    errors: dict[str, str] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    signals: list[dict[str, Any]] = field(default_factory=list)
    policy_input: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None

    @classmethod
    def from_form(cls, form: dict[str, str], choices: Choices) -> Trial:
        trial = cls(
            endpoint=form.get("endpoint", ""),
            department=form.get("department", ""),
            clearance=form.get("clearance", ""),
            classification=form.get("classification", ""),
            experiment=form.get("experiment", ""),
            request=form.get("request", ""),
        )
        # Every setting is chosen from a list, so the access entry records no free text but the request's hash.
        for name, allowed in (
            ("endpoint", ENDPOINTS),
            ("department", choices.departments),
            ("clearance", CLEARANCES),
            ("classification", CLASSIFICATIONS),
            ("experiment", ("", *choices.experiments)),
        ):
            if getattr(trial, name) not in allowed:
                trial.errors[name] = f"Choose the {name} from the list"
                setattr(trial, name, allowed[0])
        if not trial.request.strip():
            trial.errors["request"] = "Paste an API request body (JSON)"
        elif len(trial.request) > MAX_REQUEST_CHARACTERS:
            trial.errors["request"] = f"The request must be at most {MAX_REQUEST_CHARACTERS // 1024} KB"
        return trial

    def recorded_parameters(self) -> dict[str, Any]:
        """What the access entry keeps: the settings chosen, and the request only as a hash and a length."""
        return {
            "endpoint": self.endpoint,
            "department": self.department,
            "clearance": self.clearance,
            "classification": self.classification,
            "experiment": self.experiment or None,
            "request_sha256": sha256_hex(self.request),
            "request_length": len(self.request),
        }


def run(trial: Trial, services: Services, user: str) -> Trial:
    """Scan and decide ``trial``'s request as the gateway would; errors land in ``trial.errors``."""
    try:
        body = json.loads(trial.request)
    except ValueError as error:
        trial.errors["request"] = (
            f"The request is not JSON (line {getattr(error, 'lineno', '?')}): fix it and try again"
        )
        return trial
    if not isinstance(body, dict):
        trial.errors["request"] = "The request must be a JSON object, as an API client sends it"
        return trial
    try:
        conversation = parse_request(trial.endpoint, body)
    except HandrailError as error:
        # The gateway's own message: it names the field that is wrong, never a value from the request.
        trial.errors["request"] = f"The gateway would refuse this request: {error.message}"
        return trial
    scan = services.require_scanner().scan(conversation)
    principal = Principal(
        user=user, department=trial.department, roles=("user",), clearance=trial.clearance, key_id="playground"
    )
    trial.policy_input = build_policy_input(
        principal=principal,
        conversation=conversation,
        scan=scan,
        endpoint=trial.endpoint,
        classification=trial.classification,
        experiment=trial.experiment or None,
        experiment_requests_today=0,
        provider="playground",
        now=datetime.now(UTC),
    )
    trial.findings = scan.finding_counts()
    trial.signals = trial.policy_input["signals"]
    trial.decision = services.require_policy().decide(trial.policy_input).to_document()
    return trial

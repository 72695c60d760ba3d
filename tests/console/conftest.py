"""A real gateway with the console on, keys of each role, and requests sent through it to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.policy.helpers import copy_policies, edit_data
from tests.support.gateway import REPOSITORY, Gateway

SECRET = "console-test-secret-0123456789abcdef"
CHECKPOINT_KEY = "console-test-checkpoint-key-0123456789abcdef"  # checkpoints signed (HMAC), as in production
SCREENSHOTS = REPOSITORY / "docs" / "console"

# What each seeded request says, and what the default policy does with it on the demo model.
PROMPTS = {
    "blocked": ("ann", "Please write to John Smith, NI number AB123456C, about his claim."),  # UK_NINO, PERSON: block
    "allowed": ("ann", "What is the capital of France?"),  # nothing found: allow
    "person": ("bob", "Draft a short note to Mary Jones about the meeting on Tuesday."),  # PERSON: redact
    "email": ("bob", "Send the minutes to jane.doe@example.com please."),  # EMAIL_ADDRESS: redact
}
USERS = {"ann": ("ann@dwp.gov.uk", "DWP"), "bob": ("bob@hmrc.gov.uk", "HMRC")}


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One gateway for every console test (starting one loads the detectors' models: slow)."""
    # Two workers: the session is a signed cookie, so whichever worker answers must accept it.
    # A shadow candidate that blocks names where the live policy pseudonymises them: the shadow report has a case.
    # The live policy is a private copy: approving an exception in the browser tests writes into it.
    directory = tmp_path_factory.mktemp("console")
    live = copy_policies(directory / "policies")
    candidate = copy_policies(directory / "candidate")
    edit_data(candidate, "protection", lambda d: (d["pseudonymise"].remove("PERSON"), d["block"].append("PERSON")))
    settings = {
        "console": {"session_secret": SECRET},
        "audit": {"checkpoint_key": CHECKPOINT_KEY},
        "policy": {"path": str(live), "shadow_path": str(candidate)},
    }
    server = Gateway(directory, settings=settings, workers=2)
    server.policies = live  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keys(console: Gateway) -> dict[str, str]:
    made = {name: console.create_key(user, department) for name, (user, department) in USERS.items()}
    made["auditor"] = console.create_key("carol@nao.gov.uk", "HMRC", ("auditor",))
    made["policy"] = console.create_key("pat@gds.gov.uk", "GDS", ("policy-admin",))
    return made


@pytest.fixture(scope="session")
def seeded(console: Gateway, keys: dict[str, str]) -> dict[str, str]:
    """The request id of each prompt in PROMPTS, sent through the gateway as its user."""
    ids = {}
    for name, (user, prompt) in PROMPTS.items():
        response = httpx.post(
            f"{console.url}/v1/chat/completions",
            headers={"authorization": f"Bearer {keys[user]}"},
            json={"model": "demo", "messages": [{"role": "user", "content": prompt}]},
            timeout=30,
        )
        assert response.status_code == (403 if name == "blocked" else 200), response.text
        ids[name] = response.headers["x-request-id"]
    return ids


@pytest.fixture(scope="session")
def screenshots() -> Path | None:
    """Where page screenshots go: docs/console/ in CI (its artefacts, shown in the README), nowhere on a developer's
    machine unless HANDRAIL_SCREENSHOTS=1 asks (so a local test run leaves the tree as it was)."""
    wanted = os.environ.get("CI") == "true" or os.environ.get("HANDRAIL_SCREENSHOTS") == "1"
    return SCREENSHOTS if wanted else None

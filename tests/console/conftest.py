"""A real gateway with the console on, keys of each role, and requests sent through it to look at."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.policy.helpers import copy_policies, edit_data
from tests.support.browser import Accessibility, launch
from tests.support.gateway import REPOSITORY, Gateway
from tests.support.issuer import StandInIssuer
from tests.support.standin import free_port

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


# OIDC sign-in: a gateway whose console also signs people in through a stand-in issuer (tests/support/issuer.py).
OIDC_CLIENT_ID = "handrail-console"
OIDC_SECRET = "stand-in-client-secret-0123456789"  # given to the gateway through an environment variable
OIDC_ROLE_MAP = {"handrail-auditors": "auditor", "staff": "user", "policy-team": "policy-admin"}
OIDC_USERS = {
    "carol": {"sub": "sub-carol", "email": "carol@nao.gov.uk", "email_verified": True, "groups": ["handrail-auditors"]},
    "ann": {"sub": "sub-ann", "email": "ann@dwp.gov.uk", "email_verified": True, "groups": ["staff"], "dept": "DWP"},
    "dan": {"sub": "sub-dan", "email": "dan@dwp.gov.uk", "email_verified": True, "groups": ["finance"]},
}


@pytest.fixture(scope="session")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, StandInIssuer]]:
    """A one-worker gateway with console.oidc pointing at a running stand-in issuer, and that issuer."""
    port = free_port()
    issuer = StandInIssuer(
        OIDC_CLIENT_ID, OIDC_SECRET, f"http://127.0.0.1:{port}/console/oidc/callback", OIDC_USERS
    ).start()
    oidc_settings = {
        "issuer": issuer.issuer,
        "name": "Stand-in ID",
        "client_id": OIDC_CLIENT_ID,
        "client_secret": "os.environ/HANDRAIL_TEST_OIDC_SECRET",
        "redirect_url": f"http://127.0.0.1:{port}/console/oidc/callback",
        "roles_claim": "groups",
        "role_map": OIDC_ROLE_MAP,
        "department_claim": "dept",
        "department": "NAO",
    }
    settings = {"console": {"session_secret": SECRET, "oidc": oidc_settings}}
    server = Gateway(
        tmp_path_factory.mktemp("console-oidc"),
        settings=settings,
        port=port,
        environment={"HANDRAIL_TEST_OIDC_SECRET": OIDC_SECRET},
    ).start()
    yield server, issuer
    server.stop()
    issuer.stop()


@pytest.fixture(scope="session")
def oidc_seeded(oidc: tuple[Gateway, StandInIssuer]) -> dict[str, str]:
    """Requests by ann and by bob (sent with keys) in the OIDC gateway's trail, and a key to read the trail with."""
    server, _ = oidc
    made = {"auditor": server.create_key("audrey@nao.gov.uk", "HMRC", ("auditor",))}
    for name, user, department in (("ann", "ann@dwp.gov.uk", "DWP"), ("bob", "bob@hmrc.gov.uk", "HMRC")):
        response = httpx.post(
            f"{server.url}/v1/chat/completions",
            headers={"authorization": f"Bearer {server.create_key(user, department)}"},
            json={"model": "demo", "messages": [{"role": "user", "content": "What is the capital of France?"}]},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        made[name] = response.headers["x-request-id"]
    return made


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe() -> Iterator[Accessibility]:
    checker = Accessibility()
    yield checker
    # The count per page and state, for the record (pytest -s shows it; every count is also asserted 0).
    print("\naxe-core WCAG 2.2 AA violations per page:", json.dumps(checker.results, indent=1))

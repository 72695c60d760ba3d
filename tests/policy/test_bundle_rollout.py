"""A policy rollout across replicas: two ``handrail serve`` processes (embedded engine) polling one bundle server.

A new signed revision that changes a decision is published: both gateways switch within the polling interval (the
same request is decided differently and its audit event names the new revision). Then a bundle signed by another
key, and separately one with a broken module: both gateways refuse each, keep deciding with the last good
revision, and say so in ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy

from tests.policy.helpers import copy_policies, edit_data
from tests.support.bundle_server import BundleServer
from tests.support.bundles import KeyPair, build_bundle, rsa_key_pair
from tests.support.gateway import Gateway, start_together
from tests.support.opa import opa_binary
from tests.support.postgres import PostgresServer, require_postgres
from tests.support.standin import StandInProvider

pytestmark = [pytest.mark.integration, pytest.mark.opa]

POLL_MIN, POLL_MAX = 0.5, 1.0
PLAIN = {"model": "echo", "messages": [{"role": "user", "content": "Summarise the meeting notes, please."}]}


def publish(server: BundleServer, policies: Path, signing_key: Path, scratch: Path) -> str:
    content, revision = build_bundle(policies, scratch / "out.tar.gz", signing_key)
    server.publish("bundle.tar.gz", content)
    return revision


def ready(gateway: Gateway) -> dict[str, str]:
    state: dict[str, str] = httpx.get(f"{gateway.url}/readyz", timeout=10).json()
    return state


def ask(gateway: Gateway) -> tuple[httpx.Response, str]:
    """The same request, and the policy version its audit event records."""
    response = httpx.post(
        f"{gateway.url}/v1/chat/completions",
        json=PLAIN,
        timeout=60,
        headers={"authorization": f"Bearer {gateway.key}"},  # type: ignore[attr-defined]
    )
    request_id = response.headers["x-request-id"]
    engine = sqlalchemy.create_engine(gateway.database_url)
    try:
        deadline = time.monotonic() + 30
        while True:
            with engine.connect() as connection:
                version = connection.execute(
                    sqlalchemy.text("SELECT policy_version FROM audit_events WHERE request_id = :id"),
                    {"id": request_id},
                ).scalar()
            if version is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        engine.dispose()
    assert version is not None, f"no audit event for {request_id}"
    return response, version


def wait_for_each(gateways: list[Gateway], condition: Callable[[dict[str, str]], bool], timeout: float) -> list[float]:
    """Seconds until ``condition(readyz)`` held for each gateway (polled every 50 ms)."""
    started = time.monotonic()
    took: dict[int, float] = {}
    while len(took) < len(gateways):
        for number, gateway in enumerate(gateways):
            if number not in took and condition(ready(gateway)):
                took[number] = time.monotonic() - started
        assert time.monotonic() - started < timeout, f"not in time: {[ready(g) for g in gateways]}"
        time.sleep(0.05)
    return [took[number] for number in range(len(gateways))]


def reload_failures(gateway: Gateway) -> float:
    text = httpx.get(f"{gateway.url}/metrics", timeout=10).text
    found = re.search(r'^handrail_policy_reloads_total\{result="failure"\} ([0-9.e+]+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    opa_binary()
    return rsa_key_pair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audit_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Each gateway's own SQLite trail (None), or one PostgreSQL trail the two share, as replicas do."""
    if request.param == "sqlite":
        yield None
        return
    require_postgres()
    with PostgresServer() as postgres:
        yield postgres.create_database("handrail")


def test_two_gateways_switch_to_a_new_revision_and_both_refuse_bad_bundles(
    standin: StandInProvider, keys: KeyPair, tmp_path: Path, audit_database: str | None
) -> None:
    policies = copy_policies(tmp_path / "policies")
    (tmp_path / "served").mkdir()
    with BundleServer(tmp_path / "served") as server:
        first = publish(server, policies, keys.private, tmp_path)
        gateways: list[Gateway] = []
        try:
            for number in (1, 2):
                directory = tmp_path / f"gateway-{number}"
                directory.mkdir()
                policy = {
                    "bundle_url": f"{server.url}/bundle.tar.gz",
                    "bundle_verification_key": str(keys.public),
                    "bundle_polling_min_delay_seconds": POLL_MIN,
                    "bundle_polling_max_delay_seconds": POLL_MAX,
                }
                settings: dict[str, object] = {"policy": policy}
                if audit_database is not None:
                    settings["audit"] = {"database_url": audit_database}
                gateway = Gateway(directory, model_list=standin.model_list(("echo",)), settings=settings)
                gateway.key = gateway.create_key(department="HMRC")  # type: ignore[attr-defined]
                gateways.append(gateway)
            start_together(gateways)

            for gateway in gateways:
                assert ready(gateway)["policy_revision"] == first
                response, version = ask(gateway)
                assert response.status_code == 200, response.text
                assert version == first

            # A new revision that withdraws the model: both switch within the polling interval.
            edit_data(policies, "models", lambda d: d.update({"echo": {**d["demo"], "status": "withdrawn"}}))
            second = publish(server, policies, keys.private, tmp_path)
            took = wait_for_each(gateways, lambda state: state.get("policy_revision") == second, timeout=30)
            # The poll comes within POLL_MAX; the checks before the switch (compile in a subprocess) add about 1 s.
            assert max(took) < POLL_MAX + 5, took
            print(f"switch-over after publishing: {', '.join(f'{t:.2f} s' for t in took)}")
            for gateway in gateways:
                response, version = ask(gateway)
                assert response.status_code == 403 and response.json()["error"]["code"] == "model_withdrawn"
                assert version == second
            before = [reload_failures(gateway) for gateway in gateways]

            # Signed by a key the gateways do not trust (and re-approving the model, were it loaded): refused.
            edit_data(policies, "models", lambda d: d.pop("echo"))
            publish(server, policies, rsa_key_pair(tmp_path / "stranger").private, tmp_path)
            wait_for_each(gateways, lambda state: "signature does not verify" in state.get("policy_rejected", ""), 30)
            for number, gateway in enumerate(gateways):
                state = ready(gateway)
                assert state["status"] == "ready" and state["policy"] == "ok" and state["policy_revision"] == second
                assert reload_failures(gateway) == before[number] + 1
                response, version = ask(gateway)
                assert response.status_code == 403 and version == second

            # Properly signed, but a module does not compile: refused by every gateway's checks.
            module = policies / "handrail" / "safeguards" / "safeguards.rego"
            module.write_text(module.read_text() + "\nblocks contains {\n")
            publish(server, policies, keys.private, tmp_path)
            wait_for_each(gateways, lambda state: "safeguards.rego" in state.get("policy_rejected", ""), 30)
            for number, gateway in enumerate(gateways):
                state = ready(gateway)
                assert state["status"] == "ready" and state["policy_revision"] == second
                assert reload_failures(gateway) == before[number] + 2
                response, version = ask(gateway)
                assert response.status_code == 403 and version == second
        finally:
            for gateway in gateways:
                gateway.stop()

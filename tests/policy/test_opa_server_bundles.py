"""The OPA-server engine when OPA pulls the bundle: a real ``opa run --server`` configured by the compose topology's
``deploy/opa/config.yaml`` polls a real bundle server; the gateway's engine records the revision OPA names in each
decision's provenance, switches when OPA activates a new revision, and keeps the last good one when OPA refuses."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from proxy.policy.opa_server import OpaServerEngine
from proxy.policy.settings import PolicySettings
from tests.policy.helpers import ECHO, copy_policies, edit_data
from tests.support.bundle_server import BundleServer
from tests.support.bundles import build_bundle, members, rsa_key_pair, signed, tarball
from tests.support.gateway import REPOSITORY
from tests.support.opa import OpaServer, opa_binary

pytestmark = [pytest.mark.integration, pytest.mark.opa]


def wait_until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.1)


def test_the_revision_of_each_decision_is_the_one_opa_activated(tmp_path: Path) -> None:
    opa_binary()
    keys = rsa_key_pair(tmp_path / "keys")
    policies = copy_policies(tmp_path / "policies")
    (tmp_path / "served").mkdir()
    with BundleServer(tmp_path / "served") as server:
        content, first = build_bundle(policies, tmp_path / "out.tar.gz", keys.private)
        server.publish("bundle.tar.gz", content)
        opa = OpaServer(
            None,
            tmp_path / "opa.log",
            (
                "--config-file",
                str(REPOSITORY / "deploy" / "opa" / "config.yaml"),
                "--set",
                f"services.bundles.url={server.url}",
                "--set",
                "bundles.handrail.polling.min_delay_seconds=1",
                "--set",
                "bundles.handrail.polling.max_delay_seconds=2",
                "--set-file",
                f"keys.handrail.key={keys.public}",
            ),
        ).start()
        engine = OpaServerEngine(PolicySettings(engine="opa", opa_url=opa.url, watch_interval_seconds=0.2))
        try:
            assert engine.version == first and engine.ready()
            assert engine.decide(ECHO).policy_version == first

            edit_data(policies, "models", lambda d: d.update({"echo": {**d["demo"], "status": "withdrawn"}}))
            content, second = build_bundle(policies, tmp_path / "out.tar.gz", keys.private)
            server.publish("bundle.tar.gz", content)
            wait_until(lambda: engine.decide(ECHO).policy_version == second)
            decision = engine.decide(ECHO)
            assert decision.action == "block" and decision.first_reason_code == "model_withdrawn"
            wait_until(lambda: engine.version == second)  # between decisions too (data.system.bundles)

            # A revision named by hand (as `opa build --revision` would), signed by a key OPA does not trust.
            files = {k: v for k, v in members(content).items() if k != ".signatures.json"}
            files[".manifest"] = files[".manifest"].replace(second.encode(), b"release-43")
            stranger = rsa_key_pair(tmp_path / "stranger")
            server.publish("bundle.tar.gz", tarball(signed(files, stranger.private)))
            wait_until(lambda: "verification" in (tmp_path / "opa.log").read_text().lower())
            assert engine.decide(ECHO).policy_version == second and engine.version == second
        finally:
            engine.close()
            opa.stop()

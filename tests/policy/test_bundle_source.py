"""The embedded engine on a bundle server: a real HTTP server on 127.0.0.1 with ETags, real signed bundles, regopy.

Each refusal is checked to keep the last good revision deciding, and to be counted and said (``last_rejection``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from proxy import metrics
from proxy.policy.bundle_open import BundleRefused, Verification, open_bundle
from proxy.policy.embedded import EmbeddedEngine
from proxy.policy.engine import PolicyRejected, PolicyUnavailable
from proxy.policy.settings import PolicySettings
from tests.policy.helpers import ECHO, copy_policies, edit_data
from tests.support.bundle_server import BundleServer
from tests.support.bundles import KeyPair, build_bundle, members, rsa_key_pair, signed, tarball
from tests.support.opa import opa_binary
from tests.support.standin import free_port

pytestmark = pytest.mark.opa  # bundles are signed with `opa sign`, as `handrail policy bundle` does


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    opa_binary()
    return rsa_key_pair(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[BundleServer]:
    (tmp_path / "served").mkdir()
    with BundleServer(tmp_path / "served") as server:
        yield server


def publish(server: BundleServer, policies: Path, keys: KeyPair | None, tmp_path: Path) -> str:
    content, revision = build_bundle(policies, tmp_path / "out.tar.gz", keys.private if keys else None)
    server.publish("bundle.tar.gz", content)
    return revision


def withdraw_echo(policies: Path) -> None:
    edit_data(policies, "models", lambda d: d.update({"echo": {**d["demo"], "status": "withdrawn"}}))


def engine_on(base_url: str, keys: KeyPair | None, **settings: object) -> EmbeddedEngine:
    return EmbeddedEngine(
        PolicySettings.model_validate(
            {
                "bundle_url": f"{base_url}/bundle.tar.gz",
                "bundle_verification_key": keys.public if keys else None,
                "bundle_polling_min_delay_seconds": 0.2,
                "bundle_polling_max_delay_seconds": 0.3,
                **settings,
            }
        )
    )


def wait_until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def failures() -> float:
    return float(metrics.POLICY_RELOADS.labels("failure")._value.get())


def test_a_signed_revision_is_loaded_then_replaced_by_the_next_one_within_the_polling_interval(
    tmp_path: Path, served: BundleServer, keys: KeyPair
) -> None:
    policies = copy_policies(tmp_path / "policies")
    first = publish(served, policies, keys, tmp_path)
    engine = engine_on(served.url, keys)
    try:
        assert engine.ready() and engine.version == first
        assert engine.decide(ECHO).action == "allow" and engine.decide(ECHO).policy_version == first
        wait_until(lambda: any(status == 304 for _, _, status in served.seen))  # unchanged: polled, not downloaded
        withdraw_echo(policies)
        second = publish(served, policies, keys, tmp_path)
        assert second != first
        wait_until(lambda: engine.version == second, timeout=10)
        decision = engine.decide(ECHO)
        assert decision.action == "block" and decision.first_reason_code == "model_withdrawn"
        assert decision.policy_version == second and engine.last_rejection is None
    finally:
        engine.close()


@pytest.mark.parametrize(
    "fault", ["another key", "another key id", "unsigned", "altered after signing", "broken module", "wrong roots"]
)
def test_a_bad_bundle_is_refused_and_the_last_good_revision_keeps_deciding(
    tmp_path: Path, served: BundleServer, keys: KeyPair, fault: str
) -> None:
    policies = copy_policies(tmp_path / "policies")
    good = publish(served, policies, keys, tmp_path)
    engine = engine_on(served.url, keys)
    try:
        before = failures()
        module = policies / "handrail" / "safeguards" / "safeguards.rego"
        sound = module.read_text()
        withdraw_echo(policies)  # the bad bundle would change the decision, were it loaded
        if fault == "another key":
            publish(served, policies, rsa_key_pair(tmp_path / "other"), tmp_path)
            expected = "signature does not verify"
        elif fault == "another key id":
            content, _ = build_bundle(policies, tmp_path / "b.tar.gz", keys.private)
            files = {k: v for k, v in members(content).items() if k != ".signatures.json"}
            served.publish("bundle.tar.gz", tarball(signed(files, keys.private, key_id="retired-2025")))
            expected = "signed by key 'retired-2025'"
        elif fault == "unsigned":
            publish(served, policies, None, tmp_path)
            expected = "not signed"
        elif fault == "altered after signing":
            content, _ = build_bundle(policies, tmp_path / "b.tar.gz", keys.private)
            files = members(content)
            files["data/data.json"] = files["data/data.json"].replace(b'"withdrawn"', b'"approved"')
            served.publish("bundle.tar.gz", tarball(files))
            expected = "data/data.json differs from what was signed"
        elif fault == "broken module":
            module.write_text(sound + "\nblocks contains {\n")
            publish(served, policies, keys, tmp_path)
            expected = "safeguards.rego"
        else:
            content, _ = build_bundle(policies, tmp_path / "b.tar.gz", keys.private)
            files = {k: v for k, v in members(content).items() if k != ".signatures.json"}
            manifest = json.loads(files[".manifest"])
            files[".manifest"] = json.dumps({**manifest, "roots": ["data"]}).encode()
            served.publish("bundle.tar.gz", tarball(signed(files, keys.private)))
            expected = "do not include the decision package handrail"
        wait_until(lambda: engine.last_rejection is not None, timeout=30)
        assert expected in str(engine.last_rejection)
        assert engine.version == good and engine.ready()
        decision = engine.decide(ECHO)
        assert decision.action == "allow" and decision.policy_version == good
        # Refused once: the next polls send the refused bundle's ETag and get a 304, not the same failure again.
        polls = len(served.seen)
        wait_until(lambda: len(served.seen) >= polls + 2)
        assert failures() == before + 1 and served.seen[-1][2] == 304
        with pytest.raises(PolicyRejected, match=expected.split(" ")[0]):
            engine.reload()  # an operator's reload downloads again and says why
        # Publishing a good bundle again ends the refusal.
        withdraw_echo(policies)
        module.write_text(sound)
        fixed = publish(served, policies, keys, tmp_path)
        wait_until(lambda: engine.version == fixed, timeout=10)
        assert engine.last_rejection is None and engine.decide(ECHO).action == "block"
    finally:
        engine.close()


def test_without_a_bundle_server_nothing_is_decided_until_it_answers(tmp_path: Path, keys: KeyPair) -> None:
    policies = copy_policies(tmp_path / "policies")
    (tmp_path / "served").mkdir()
    port = free_port()
    engine = engine_on(f"http://127.0.0.1:{port}", keys)  # nothing listens there yet
    server = BundleServer(tmp_path / "served", port=port)
    try:
        assert not engine.ready() and engine.version == ""
        assert "did not answer" in str(engine.last_rejection)
        with pytest.raises(PolicyUnavailable):
            engine.decide(ECHO)
        server.start()
        revision = publish(server, policies, keys, tmp_path)
        wait_until(engine.ready, timeout=10)
        assert engine.version == revision and engine.decide(ECHO).action == "allow"
    finally:
        engine.close()
        server.stop()


def test_a_persisted_bundle_starts_a_gateway_whose_bundle_server_is_down(tmp_path: Path, keys: KeyPair) -> None:
    policies = copy_policies(tmp_path / "policies")
    kept = tmp_path / "state" / "last-good.tar.gz"
    (tmp_path / "served").mkdir()
    with BundleServer(tmp_path / "served") as server:
        revision = publish(server, policies, keys, tmp_path)
        first = engine_on(server.url, keys, bundle_persist_path=kept)
        first.close()
    assert kept.is_file()
    restarted = engine_on(server.url, keys, bundle_persist_path=kept)  # the server is gone now
    try:
        assert restarted.ready() and restarted.version == revision
        assert restarted.decide(ECHO).policy_version == revision
    finally:
        restarted.close()
    # The kept file is verified again: one signed by another key does not start anything.
    elsewhere = rsa_key_pair(tmp_path / "other")
    stranger = engine_on(server.url, elsewhere, bundle_persist_path=kept)
    try:
        assert not stranger.ready()
    finally:
        stranger.close()


def test_a_bundle_larger_than_the_download_limit_is_refused(
    tmp_path: Path, served: BundleServer, keys: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from proxy.policy import bundle_source

    publish(served, copy_policies(tmp_path / "policies"), keys, tmp_path)
    monkeypatch.setattr(bundle_source, "MAX_DOWNLOAD_BYTES", 1000)  # the shipped bundle is about 20 kB
    engine = engine_on(served.url, keys)
    try:
        assert not engine.ready() and "larger than 1000 bytes" in str(engine.last_rejection)
    finally:
        engine.close()


@pytest.mark.parametrize("name", ["../outside.rego", "handrail/../../outside.rego"])
def test_a_bundle_naming_a_file_outside_itself_is_refused(tmp_path: Path, keys: KeyPair, name: str) -> None:
    content, _ = build_bundle(copy_policies(tmp_path / "policies"), tmp_path / "b.tar.gz", keys.private)
    files = members(content)
    files[name] = b"package handrail.outside\n"
    with pytest.raises(BundleRefused, match="unsafe name"):
        open_bundle(tarball(files), "test", Verification(keys.public.read_bytes(), "handrail", "RS256"))

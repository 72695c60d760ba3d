"""The OPA-server engine against a real ``opa run --server``: same decisions as the embedded engine."""

from __future__ import annotations

import pytest

from proxy.policy.embedded import EmbeddedEngine
from proxy.policy.engine import PolicyUnavailable
from proxy.policy.opa_server import OpaServerEngine
from proxy.policy.settings import PolicySettings
from tests.policy.corpus import policy_inputs
from tests.policy.helpers import POLICIES
from tests.support.opa import OpaServer
from tests.support.standin import free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def opa_server(tmp_path_factory):
    with OpaServer(POLICIES, tmp_path_factory.mktemp("opa") / "opa.log") as server:
        yield server


def test_embedded_and_opa_server_make_identical_decisions(opa_server):
    embedded = EmbeddedEngine(PolicySettings(watch=False))
    remote = OpaServerEngine(PolicySettings(engine="opa", opa_url=opa_server.url, watch=False))
    assert remote.version == embedded.version  # the same content hash, read back from the server
    inputs = policy_inputs(300)
    assert len(inputs) >= 200
    actions = set()
    for number, document in enumerate(inputs):
        expected = embedded.decide(document).to_document()
        assert remote.decide(document).to_document() == expected, f"input {number} decided differently"
        actions.add(expected["action"])
    assert actions == {"allow", "redact", "strip", "block"}
    remote.close()


def test_an_unreachable_opa_server_refuses_rather_than_allows():
    engine = OpaServerEngine(
        PolicySettings(engine="opa", opa_url=f"http://127.0.0.1:{free_port()}", watch=False, opa_timeout_seconds=0.5)
    )
    assert not engine.ready()
    with pytest.raises(PolicyUnavailable, match="did not answer"):
        engine.decide(policy_inputs(1)[0])


def test_an_opa_server_without_the_handrail_policy_refuses(tmp_path):
    empty = tmp_path / "bundle"
    empty.mkdir()
    (empty / "other.rego").write_text("package other\n\nallow := true\n")
    with OpaServer(empty, tmp_path / "opa.log") as server:
        engine = OpaServerEngine(PolicySettings(engine="opa", opa_url=server.url, watch=False))
        with pytest.raises(PolicyUnavailable, match="no data.handrail.decision"):
            engine.decide(policy_inputs(1)[0])


def test_a_bad_url_is_a_configuration_error():
    with pytest.raises(ValueError, match="http"):
        OpaServerEngine(PolicySettings(engine="opa", opa_url="opa.internal:8181", watch=False))

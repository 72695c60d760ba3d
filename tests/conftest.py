"""Fixtures shared by the whole suite: the stand-in provider and a running gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.gateway import Gateway
from tests.support.standin import StandInProvider


@pytest.fixture(scope="session")
def standin() -> Iterator[StandInProvider]:
    provider = StandInProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def gateway(standin: StandInProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway on the default policy, routing the stand-in's behaviours as models (plus ``demo``)."""
    demo = {"model_name": "demo", "litellm_params": {"model": "openai/demo", "mock_response": "Demo answer."}}
    unreachable = {
        "model_name": "unreachable",
        "litellm_params": {"model": "openai/echo", "api_base": "http://127.0.0.1:9/v1", "api_key": "x"},
    }
    claude_unreachable = {
        "model_name": "claude-unreachable",
        "litellm_params": {"model": "anthropic/echo", "api_base": "http://127.0.0.1:9", "api_key": "x"},
    }
    server = Gateway(
        tmp_path_factory.mktemp("gateway"),
        model_list=[demo, unreachable, claude_unreachable, *standin.model_list()],
        # Under the stand-in's 5 s "slow" answer, so timeouts are tested; well over an echo's time on a loaded machine.
        settings={"upstream": {"timeout_seconds": 4}},
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def user_key(gateway: Gateway) -> str:
    return gateway.create_key()


@pytest.fixture(autouse=False)
def recorder(standin: StandInProvider):
    standin.recorder.clear()
    return standin.recorder


@pytest.fixture(scope="module")
def auditor(gateway: Gateway) -> str:
    """An auditor's key on the module's gateway, for reading what a request left in the trail."""
    return gateway.create_key(user="auditor@example.gov.uk", department="GIAA", roles=("auditor",))

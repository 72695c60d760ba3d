"""Air-gapped by default: no network call at run time except to configured providers.

The gateway runs with a ``sitecustomize`` that refuses and records any attempt to
resolve or reach a host other than loopback (where the stand-in provider is).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anthropic
import openai
import pytest

from tests.support.gateway import REPOSITORY, Gateway

pytestmark = pytest.mark.integration
AIRGAP = Path(__file__).resolve().parents[1] / "support" / "airgap"


def test_the_recorder_catches_an_outside_lookup(tmp_path):
    log = tmp_path / "airgap.log"
    env = {**os.environ, "PYTHONPATH": f"{AIRGAP}{os.pathsep}{REPOSITORY}", "HANDRAIL_AIRGAP_LOG": str(log)}
    code = "import socket\ntry:\n    socket.getaddrinfo('example.invalid', 443)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert "example.invalid" in log.read_text()


def test_gateway_makes_no_outside_network_calls(standin, tmp_path):
    log = tmp_path / "airgap.log"
    log.touch()
    loaded = tmp_path / "airgap.loaded"
    demo = {"model_name": "demo", "litellm_params": {"model": "openai/demo", "mock_response": "Demo answer."}}
    gateway = Gateway(
        tmp_path,
        model_list=[demo, *standin.model_list(("echo",))],
        environment={
            "PYTHONPATH": f"{AIRGAP}{os.pathsep}{REPOSITORY}",
            "HANDRAIL_AIRGAP_LOG": str(log),
            "HANDRAIL_AIRGAP_LOADED": str(loaded),
        },
    ).start()
    try:
        key = gateway.create_key()
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=key, max_retries=0)
        text = (
            "Email jo.bloggs@example.co.uk or see https://www.gov.uk/guidance about Jo Bloggs, 10 Downing St, SW1A 2AA."
        )
        for model in ("echo", "demo"):
            client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
            list(client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}], stream=True))
        client.responses.create(model="echo", input=text)
        client.embeddings.create(model="embed", input=text)
        anthropic_client = anthropic.Anthropic(base_url=gateway.url, api_key=key, max_retries=0)
        anthropic_client.messages.create(
            model="claude-echo", max_tokens=20, messages=[{"role": "user", "content": text}]
        )
    finally:
        gateway.stop()
    assert loaded.read_text().strip(), "the gateway did not run under the air-gap recorder"
    assert log.read_text() == "", f"network access outside loopback:\n{log.read_text()}"

"""End to end: the real anthropic SDK against a running gateway."""

from __future__ import annotations

import anthropic
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration


@pytest.fixture()
def client(gateway: Gateway, user_key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=user_key, max_retries=0)


@pytest.mark.parametrize("model", ["echo", "claude-echo"])  # OpenAI-compatible and native Anthropic upstreams
def test_messages_plain(client, recorder, model):
    message = client.messages.create(
        model=model, max_tokens=100, system="Be brief.", messages=[{"role": "user", "content": "What is a sort code?"}]
    )
    assert message.content[0].text == "You said: What is a sort code?"
    assert message.stop_reason == "end_turn"
    assert recorder.requests[-1]["path"] == ("/v1/messages" if model == "claude-echo" else "/v1/chat/completions")


@pytest.mark.parametrize("model", ["echo", "claude-echo"])
def test_messages_streamed(client, model):
    with client.messages.stream(
        model=model, max_tokens=100, messages=[{"role": "user", "content": "Plan the agenda"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "You said: Plan the agenda"
    assert final.content[0].text == text


def test_messages_with_x_api_key_header(gateway, user_key):
    client = anthropic.Anthropic(base_url=gateway.url, api_key=user_key, max_retries=0)
    assert client._client is not None  # the SDK sends the key as x-api-key
    message = client.messages.create(model="echo", max_tokens=10, messages=[{"role": "user", "content": "ping"}])
    assert message.content[0].text == "You said: ping"


def test_personal_data_is_pseudonymised_for_anthropic_clients(client, recorder):
    prompt = "Reply to Margaret Thornton at margaret.thornton@example.org."
    message = client.messages.create(
        model="claude-echo", max_tokens=100, messages=[{"role": "user", "content": prompt}]
    )
    assert "margaret.thornton@example.org" not in recorder.text()
    assert "<EMAIL_ADDRESS_1>" in recorder.text()
    assert message.content[0].text == "You said: " + prompt


def test_refusal_for_anthropic_clients(client, recorder):
    with pytest.raises(anthropic.PermissionDeniedError) as refused:
        client.messages.create(
            model="echo",
            max_tokens=10,
            messages=[{"role": "user", "content": "NHS number 943 476 5919, please summarise."}],
        )
    assert refused.value.body["error"]["type"] == "permission_error"
    assert "943 476 5919" not in refused.value.body["error"]["message"]
    assert recorder.requests == []


def test_count_tokens_is_answered_locally(client, recorder):
    """Anthropic clients count tokens before they send; the count is made here, and nothing reaches the provider."""
    short = client.messages.count_tokens(model="echo", messages=[{"role": "user", "content": "Hello"}])
    longer = client.messages.count_tokens(
        model="echo",
        system="Be brief.",
        messages=[{"role": "user", "content": "Hello, please summarise the attached minutes."}],
    )
    assert 0 < short.input_tokens < longer.input_tokens
    assert recorder.requests == []
    with pytest.raises(anthropic.BadRequestError):
        client.messages.count_tokens(model="echo", messages=[{"role": "system", "content": "x"}])

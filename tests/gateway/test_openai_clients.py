"""End to end: the real openai SDK against a running gateway and the stand-in provider."""

from __future__ import annotations

import openai
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration


@pytest.fixture()
def client(gateway: Gateway, user_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=user_key, max_retries=0)


def test_chat_completion_is_answered(client, recorder):
    response = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "How do I file a report?"}]
    )
    assert response.choices[0].message.content == "You said: How do I file a report?"
    assert recorder.requests[-1]["body"]["messages"][-1]["content"] == "How do I file a report?"


def test_chat_completion_streams_token_by_token(client, recorder):
    stream = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "Draft three bullet points"}], stream=True
    )
    pieces = [chunk.choices[0].delta.content for chunk in stream if chunk.choices and chunk.choices[0].delta.content]
    assert "".join(pieces) == "You said: Draft three bullet points"
    assert len(pieces) > 3  # passed on as it arrived, not as one block


def test_demo_model_answers_with_mock_response(client):
    response = client.chat.completions.create(model="demo", messages=[{"role": "user", "content": "Hello"}])
    assert response.choices[0].message.content == "Demo answer."
    chunks = client.chat.completions.create(model="demo", messages=[{"role": "user", "content": "Hello"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Demo answer."


def test_responses_api_plain_and_streamed(client):
    response = client.responses.create(model="echo", input="Summarise the meeting")
    assert response.output_text == "You said: Summarise the meeting"
    events = list(client.responses.create(model="echo", input="Summarise the meeting", stream=True))
    deltas = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    assert deltas == "You said: Summarise the meeting"
    assert events[-1].type == "response.completed"


def test_embeddings(client, recorder):
    response = client.embeddings.create(model="embed", input=["first text", "second text"])
    assert [item.index for item in response.data] == [0, 1]
    assert len(response.data[0].embedding) == 3
    assert recorder.requests[-1]["body"]["input"] == ["first text", "second text"]


def test_embeddings_on_the_demo_model_decode_with_the_sdk_defaults(client):
    """The SDK asks for base64 by default; the demo model answers vectors it can decode (not litellm's mock sentence)."""
    first = client.embeddings.create(model="demo", input=["first text", "second text"])
    again = client.embeddings.create(model="demo", input="first text", encoding_format="float")
    assert [len(item.embedding) for item in first.data] == [16, 16]
    assert first.data[0].embedding != first.data[1].embedding
    assert again.data[0].embedding == pytest.approx(first.data[0].embedding, abs=1e-6)
    assert sum(value * value for value in again.data[0].embedding) == pytest.approx(1.0, abs=1e-5)


def test_models_lists_configured_models(client):
    names = {model.id for model in client.models.list()}
    assert {"demo", "echo", "embed"} <= names


def test_personal_data_is_pseudonymised_then_restored(client, recorder):
    prompt = "Write to Margaret Thornton at margaret.thornton@example.org about her appointment."
    response = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": prompt}])
    sent = recorder.requests[-1]["body"]["messages"][-1]["content"]
    assert "Margaret Thornton" not in recorder.text() and "margaret.thornton@example.org" not in recorder.text()
    assert "<PERSON_1>" in sent and "<EMAIL_ADDRESS_1>" in sent
    assert response.choices[0].message.content == "You said: " + prompt


def test_personal_data_is_restored_in_a_stream(client, recorder):
    prompt = "Please thank Margaret Thornton (margaret.thornton@example.org) for her letter."
    stream = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": prompt}], stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "You said: " + prompt
    assert "margaret.thornton@example.org" not in recorder.text()


def test_blocked_identifier_never_reaches_the_provider(client, recorder, gateway):
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "Patient NHS number 943 476 5919 needs a referral letter."}],
        )
    error = refused.value.body
    assert refused.value.status_code == 403
    assert error["type"] == "policy_violation"
    assert error["code"]
    request_id = refused.value.response.headers["x-request-id"]
    assert request_id in error["message"]
    assert "943 476 5919" not in error["message"] and "9434765919" not in error["message"]
    assert recorder.requests == []


def test_tool_call_in_the_answer_is_withheld(client, recorder):
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model="tools", messages=[{"role": "user", "content": "Look up record 42"}])
    assert "withheld" in refused.value.body["message"]


def test_guardrail_scan_endpoint(gateway, user_key):
    import httpx

    response = httpx.post(
        f"{gateway.url}/v1/guardrail/scan",
        headers={"authorization": f"Bearer {user_key}"},
        json={"id": "a", "text": "Contact margaret.thornton@example.org"},
        timeout=30,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "a"
    emails = [f for f in body["findings"] if f["type"] == "EMAIL_ADDRESS"]
    assert [(f["start"], f["end"]) for f in emails] == [(8, 37)]
    request = {
        "id": "b",
        "endpoint": "/v1/chat/completions",
        "body": {
            "model": "demo",
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "search_web", "description": "Search the web"}}],
        },
    }
    response = httpx.post(
        f"{gateway.url}/v1/guardrail/scan", headers={"authorization": f"Bearer {user_key}"}, json=request, timeout=30
    )
    assert "agentic" in {s["type"] for s in response.json()["signals"]}

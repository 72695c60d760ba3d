"""End to end: agentic use, self-coding and internet access are refused with a readable reason, through the real SDKs."""

from __future__ import annotations

import anthropic
import openai
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration


@pytest.fixture()
def openai_client(gateway: Gateway, user_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=user_key, max_retries=0)


@pytest.fixture()
def anthropic_client(gateway: Gateway, user_key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=user_key, max_retries=0)


def refusal(error: openai.APIStatusError | anthropic.APIStatusError) -> tuple[str, str]:
    body = error.response.json()
    return body["error"].get("code") or body["error"].get("type"), body["error"]["message"]


def test_web_search_tool_in_the_responses_api_is_refused(openai_client, recorder):
    with pytest.raises(openai.PermissionDeniedError) as raised:
        openai_client.responses.create(
            model="echo", input="What changed in the latest Budget?", tools=[{"type": "web_search"}]
        )
    code, message = refusal(raised.value)
    # Every reason is given; a web search tool is both a tool and internet access.
    assert code in {"internet_access", "agentic_use"}
    assert "Giving a model live internet access (web search, browsing or fetching tools) is not allowed" in message
    assert raised.value.response.headers["x-request-id"] in message
    # ...but what Handrail saw (the one tool) is said once.
    assert message.count("What Handrail saw:") == 1
    assert recorder.requests == []


def test_anthropic_code_execution_tool_is_refused(anthropic_client, recorder):
    with pytest.raises(anthropic.PermissionDeniedError) as raised:
        anthropic_client.messages.create(
            model="claude-echo",
            max_tokens=200,
            messages=[{"role": "user", "content": "Work out the average of these case durations: 4, 9, 12 days."}],
            tools=[{"type": "code_execution_20250522", "name": "code_execution"}],
        )
    body = raised.value.response.json()
    assert body["type"] == "error"
    message = body["error"]["message"]
    assert message.startswith("The request was not sent to the model.")
    assert "What Handrail saw: the request offers the model a code execution tool" in message
    assert message.count("What Handrail saw:") == 1, "one tool, two safeguards: the evidence is said once"
    assert recorder.requests == []


def test_a_react_loop_written_in_the_prompt_is_refused(openai_client, recorder):
    prompt = (
        "You are an autonomous agent. Answer using this loop until done.\n"
        "Thought: decide what to do next\nAction: search_casework[query]\nObservation: the result of the action\n"
        "... (repeat Thought/Action/Observation as many times as needed)\nFinal Answer: the answer\n\n"
        "Question: which open cases have been waiting longest?"
    )
    with pytest.raises(openai.PermissionDeniedError) as raised:
        openai_client.chat.completions.create(model="echo", messages=[{"role": "user", "content": prompt}])
    code, message = refusal(raised.value)
    assert code == "agentic_use" and "What Handrail saw:" in message
    assert recorder.requests == []


def test_asking_what_some_code_does_is_allowed(openai_client, recorder):
    question = "What does this code do?\n\ndef total(xs):\n    return sum(x for x in xs if x > 0)\n"
    answer = openai_client.chat.completions.create(model="echo", messages=[{"role": "user", "content": question}])
    assert answer.choices[0].message.content.startswith("You said: What does this code do?")
    assert len(recorder.requests) == 1


def test_a_guard_cannot_be_switched_off_from_the_request(openai_client, recorder):
    with pytest.raises(openai.PermissionDeniedError):
        openai_client.responses.create(
            model="echo",
            input="Look up today's news.",
            tools=[{"type": "web_search"}],
            extra_headers={"x-handrail-guard": "off", "x-handrail-experiment": "no-such-experiment"},
            extra_body={"handrail": {"skip_policy": True}, "metadata": {"guardrails": "disabled"}},
        )
    assert recorder.requests == []

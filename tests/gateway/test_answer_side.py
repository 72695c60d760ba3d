"""End to end, the answer side: a streamed answer is scanned before it is delivered, and values come back only in prose.

The real gateway, the real openai and anthropic SDKs, and the stand-in provider
answering exactly the chunks each test scripts.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import anthropic
import openai
import pytest
from click.testing import CliRunner

from proxy.cli import main
from tests.policy.helpers import copy_policies, edit_data
from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

NINO = "JG 10 37 59 A"
NAME = "Margaret Thornton"
PROSE = "Here is a short summary of the points you raised, with the actions agreed at the meeting. "
# The model mentions an NI number the user never sent, split over five chunks.
NINO_CHUNKS = [PROSE, "The claimant's number is J", "G 10 3", "7 5", "9 A", ", as recorded in the file. ", PROSE]
NINO_FULL = "".join(NINO_CHUNKS)
NINO_REMOVED = PROSE + "The claimant's number is [UK_NINO removed], as recorded in the file. " + PROSE
IMAGE_ANSWER = "Here is a badge for <PERSON_1>: ![badge](https://example.net/p.png?u=<PERSON_1>) Regards to <PERSON_1>."
IMAGE_SHOWN = f"Here is a badge for {NAME}: ![badge](https://example.net/p.png?u=<PERSON_1>) Regards to {NAME}."


def nothing_of_the_number(received: str) -> bool:
    """What was delivered is the answer's start, and stops before the number's first character."""
    return NINO_FULL.startswith(received) and len(PROSE) <= len(received) <= NINO_FULL.index(NINO)


NHS = "943 476 5919"
TOOLS_TRIAL = {
    "description": "Tool use on the scripted stand-in, for the answer-side tests.",
    "owner": "security@example.gov.uk",
    "departments": ["HMRC"],
    "users": [],
    "models": ["scripted"],
    "relaxes": ["agentic"],
    "max_classification": "OFFICIAL",
    "starts": "2026-01-01T00:00:00+00:00",
    "expires": "2099-01-01T00:00:00+00:00",
    "daily_request_cap": 1000,
}
BLOCK_RULE = """
blocks contains {"priority": 29, "code": "answer_identifier", "message": "The answer held an NI number."} if {
	input.phase == "response"
	"UK_NINO" in present
}
"""


@pytest.fixture()
def client(gateway: Gateway, user_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=user_key, max_retries=0)


@pytest.fixture()
def claude(gateway: Gateway, user_key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=user_key, max_retries=0)


def completion_of(gateway: Gateway, request_id: str) -> dict:
    """The audit event of a request once its completion is recorded (a stream's is written as it closes)."""
    deadline = time.monotonic() + 15
    while True:
        result = CliRunner().invoke(
            main,
            ["audit", "query", "--request-id", request_id, "--format", "json", "--config", str(gateway.config_path)],
        )
        assert result.exit_code == 0, result.output
        events = json.loads(result.stdout)["events"]
        if events and events[0].get("completed_at"):
            return events[0]
        assert time.monotonic() < deadline, f"no completion recorded for {request_id}"
        time.sleep(0.2)


def test_openai_stream_with_a_new_ni_number_split_over_chunks_is_redacted_before_delivery(client, recorder, gateway):
    recorder.script(NINO_CHUNKS)
    with client.chat.completions.with_streaming_response.create(
        model="scripted", messages=[{"role": "user", "content": "Summarise the case file."}], stream=True
    ) as response:
        request_id = response.headers["x-request-id"]
        pieces = [c.choices[0].delta.content for c in response.parse() if c.choices and c.choices[0].delta.content]
    assert "".join(pieces) == NINO_REMOVED
    assert len(pieces) > 3  # still streamed in the provider's pieces (those of the number now empty), not one block
    event = completion_of(gateway, request_id)
    assert event["answer_findings"] == {"UK_NINO": 1}
    assert NINO not in json.dumps(event) and "<UK_NINO>" in event["answer_text"]


def test_responses_stream_is_redacted_too(client, recorder):
    recorder.script(NINO_CHUNKS)
    events = list(client.responses.create(model="scripted", input="Summarise the case file.", stream=True))
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert "".join(deltas) == NINO_REMOVED
    assert events[-1].type == "response.completed"


def test_anthropic_stream_is_redacted_too(claude, recorder):
    recorder.script(NINO_CHUNKS)
    with claude.messages.stream(
        model="claude-scripted", max_tokens=200, messages=[{"role": "user", "content": "Summarise the case file."}]
    ) as stream:
        pieces = list(stream.text_stream)
    assert "".join(pieces) == NINO_REMOVED
    assert recorder.requests[-1]["path"] == "/v1/messages"


def test_a_placeholder_in_an_image_url_is_not_restored_and_the_audit_says_so(client, recorder, gateway):
    prompt = f"Make a badge for {NAME}, please."
    recorder.script([IMAGE_ANSWER])
    response = client.chat.completions.with_raw_response.create(
        model="scripted", messages=[{"role": "user", "content": prompt}]
    )
    assert "<PERSON_1>" in recorder.requests[-1]["body"]["messages"][-1]["content"] and NAME not in recorder.text()
    assert response.parse().choices[0].message.content == IMAGE_SHOWN
    event = completion_of(gateway, response.headers["x-request-id"])
    notes = [s for s in event["answer_signals"] if s["type"] == "unrestored_placeholders"]
    assert notes == [
        {
            "type": "unrestored_placeholders",
            "location": "answer",
            "evidence": "1 placeholder was left unrestored (1 inside a link or image target)",
        }
    ]


def test_in_a_stream_a_url_split_over_chunks_keeps_its_placeholder_and_prose_is_restored(client, recorder, gateway):
    prompt = f"Make a badge for {NAME}, please."
    cut = [0, 14, 22, 31, 40, 50, 58, 63, 70, len(IMAGE_ANSWER)]
    recorder.script([IMAGE_ANSWER[a:b] for a, b in itertools.pairwise(cut)])
    with client.chat.completions.with_streaming_response.create(
        model="scripted", messages=[{"role": "user", "content": prompt}], stream=True
    ) as response:
        request_id = response.headers["x-request-id"]
        text = "".join(c.choices[0].delta.content or "" for c in response.parse() if c.choices)
    assert text == IMAGE_SHOWN
    event = completion_of(gateway, request_id)
    assert [s["evidence"] for s in event["answer_signals"] if s["type"] == "unrestored_placeholders"] == [
        "1 placeholder was left unrestored (1 inside a link or image target)"
    ]


def test_anthropic_answer_restores_prose_but_not_an_html_attribute(claude, recorder):
    recorder.script(['Dear <PERSON_1>, <img src="https://example.net/t.gif?n=<PERSON_1>">'])
    message = claude.messages.create(
        model="claude-scripted", max_tokens=200, messages=[{"role": "user", "content": f"Write to {NAME}."}]
    )
    assert message.content[0].text == f'Dear {NAME}, <img src="https://example.net/t.gif?n=<PERSON_1>">'


@pytest.fixture(scope="module")
def blocking_gateway(standin, tmp_path_factory):
    """A gateway whose policy withholds an answer holding an NI number, rather than redacting it."""
    directory = tmp_path_factory.mktemp("answer-block")
    policies = copy_policies(directory / "policies")
    protection = Path(policies) / "handrail" / "protection" / "protection.rego"
    protection.write_text(protection.read_text() + BLOCK_RULE)
    edit_data(policies, "experiments", lambda document: document.update({"tools-trial": TOOLS_TRIAL}))
    gateway = Gateway(
        directory,
        model_list=standin.model_list(("scripted",)),
        settings={"policy": {"path": str(policies), "run_tests_on_reload": False}},
    )
    gateway.key = gateway.create_key()
    gateway.start()
    yield gateway
    gateway.stop()


def test_block_ends_each_api_stream_with_its_own_error_event_and_nothing_of_the_value(blocking_gateway, recorder):
    key = blocking_gateway.key
    client = openai.OpenAI(base_url=f"{blocking_gateway.url}/v1", api_key=key, max_retries=0)
    claude = anthropic.Anthropic(base_url=blocking_gateway.url, api_key=key, max_retries=0)
    messages = [{"role": "user", "content": "Summarise the case file."}]

    recorder.script(NINO_CHUNKS)
    received = []
    with pytest.raises(openai.APIError) as chat_error:
        for chunk in client.chat.completions.create(model="scripted", messages=messages, stream=True):
            received.extend(choice.delta.content or "" for choice in chunk.choices)
    assert "withheld" in chat_error.value.message and "The answer held an NI number." in chat_error.value.message
    assert nothing_of_the_number("".join(received))  # the prose before it, scanned; nothing of the number

    recorder.script(NINO_CHUNKS)
    events = list(client.responses.create(model="scripted", input="Summarise the case file.", stream=True))
    assert events[-1].type == "error" and "withheld" in events[-1].message  # the Responses API's error event
    assert "response.completed" not in [e.type for e in events]
    assert nothing_of_the_number("".join(e.delta for e in events if e.type == "response.output_text.delta"))

    recorder.script(NINO_CHUNKS)
    pieces = []
    with pytest.raises(anthropic.APIStatusError) as claude_error:
        with claude.messages.stream(model="claude-scripted", max_tokens=200, messages=messages) as stream:
            pieces.extend(stream.text_stream)
    assert claude_error.value.body["error"]["type"] == "permission_error"
    assert "withheld" in claude_error.value.body["error"]["message"]
    assert nothing_of_the_number("".join(pieces))


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_arguments_are_scanned_like_text_and_keep_their_placeholders(blocking_gateway, recorder, stream):
    client = openai.OpenAI(
        base_url=f"{blocking_gateway.url}/v1",
        api_key=blocking_gateway.key,
        max_retries=0,
        default_headers={"x-handrail-experiment": "tools-trial"},
    )
    arguments = '{"patient": "<PERSON_1>", "nhs_number": "' + NHS + '", "note": "call back"}'
    recorder.script_call("update_record", [arguments[:20], arguments[20:33], arguments[33:38], arguments[38:]])
    messages = [{"role": "user", "content": f"Update the record for {NAME}."}]
    if stream:
        with client.chat.completions.with_streaming_response.create(
            model="scripted", messages=messages, stream=True
        ) as response:
            request_id = response.headers["x-request-id"]
            calls = [
                call for chunk in response.parse() if chunk.choices for call in chunk.choices[0].delta.tool_calls or []
            ]
        assert calls[0].function.name == "update_record"
        received = "".join(call.function.arguments or "" for call in calls)
    else:
        response = client.chat.completions.with_raw_response.create(model="scripted", messages=messages)
        request_id = response.headers["x-request-id"]
        call = response.parse().choices[0].message.tool_calls[0]
        assert call.function.name == "update_record"
        received = call.function.arguments
    assert NAME not in recorder.text()
    # The new NHS number is removed; the placeholder is not turned back into the name the client would act on.
    assert json.loads(received) == {"patient": "<PERSON_1>", "nhs_number": "[UK_NHS removed]", "note": "call back"}
    event = completion_of(blocking_gateway, request_id)
    assert event["answer_findings"].get("UK_NHS") == 1
    assert [s["evidence"] for s in event["answer_signals"] if s["type"] == "unrestored_placeholders"] == [
        "1 placeholder was left unrestored (1 in a tool-call argument)"
    ]

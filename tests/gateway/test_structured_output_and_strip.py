"""End to end through the real SDKs: structured output is answered, declared tools on an ordinary chat are removed
(not refused), and agents that live in the prompt (code executors, edit formats, prose-listed tools) are refused."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}


@pytest.fixture()
def openai_client(gateway: Gateway, user_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=user_key, max_retries=0)


@pytest.fixture()
def anthropic_client(gateway: Gateway, user_key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=user_key, max_retries=0)


def function(name: str, description: str) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        },
    }


# A chat UI's built-in workspace tools, declared on every chat whether or not the person wants them.
WORKSPACE_TOOLS = [
    function(f"{verb}_{thing}", f"{verb.capitalize()} the user's {thing} ({detail})")
    for thing, detail in [
        ("memories", "browse saved memories"),
        ("notes", "personal notebook"),
        ("calendar_events", "diary"),
        ("knowledge_files", "attached documents"),
        ("chats", "earlier conversations"),
    ]
    for verb in ("add", "view", "update", "delete", "list", "search")
]


def test_forced_tool_extraction_is_answered_and_audited_as_structured_output(openai_client, recorder, gateway, auditor):
    raw = openai_client.chat.completions.with_raw_response.create(
        model="tools",
        messages=[{"role": "user", "content": "Extract the record id from: record 42 is overdue."}],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "lookup_record",
                    "description": "Correctly extracted record",
                    "parameters": SCHEMA,
                },
            }
        ],
        tool_choice={"type": "function", "function": {"name": "lookup_record"}},
    )
    answer = raw.parse()
    assert answer.choices[0].message.tool_calls[0].function.name == "lookup_record"
    assert json.loads(answer.choices[0].message.tool_calls[0].function.arguments) == {"id": "42"}
    # The schema tool reached the provider: structured output is forwarded as it is.
    assert recorder.requests[0]["body"]["tool_choice"] == {"type": "function", "function": {"name": "lookup_record"}}
    assert "x-handrail-tools-removed" not in raw.headers
    event = gateway.audit_event(auditor, raw.headers["x-request-id"])
    assert event["decision"] == "allow" and event["reasons"] == []
    assert [s["type"] for s in event["signals"]] == ["structured_output"]
    assert "the tool 'lookup_record' as the shape of the answer" in event["signals"][0]["evidence"]


def test_anthropic_forced_tool_is_structured_output(anthropic_client, recorder):
    message = anthropic_client.messages.create(
        model="claude-echo",
        max_tokens=200,
        messages=[{"role": "user", "content": "Extract the id from: record 42."}],
        tools=[{"name": "Record", "description": "The record's fields", "input_schema": SCHEMA}],
        tool_choice={"type": "tool", "name": "Record"},
    )
    assert message.content[0].text.startswith("You said: Extract the id")
    assert len(recorder.requests) == 1


def test_chat_ui_workspace_tools_are_removed_and_the_chat_answered(openai_client, recorder, gateway, auditor):
    assert len(WORKSPACE_TOOLS) == 30
    raw = openai_client.chat.completions.with_raw_response.create(
        model="echo",
        messages=[{"role": "user", "content": "Make this sentence shorter: the scheme opens in May."}],
        tools=WORKSPACE_TOOLS,
        tool_choice="auto",
        parallel_tool_calls=True,
    )
    assert raw.parse().choices[0].message.content == "You said: Make this sentence shorter: the scheme opens in May."
    assert raw.headers["x-handrail-tools-removed"] == "30"
    sent = recorder.requests[0]["body"]
    assert not {"tools", "tool_choice", "parallel_tool_calls", "functions"} & set(sent)
    assert sent["messages"][-1]["content"] == "Make this sentence shorter: the scheme opens in May."
    event = gateway.audit_event(auditor, raw.headers["x-request-id"])
    assert event["decision"] == "strip"
    assert [reason["code"] for reason in event["reasons"]] == ["tools_removed"]
    names = ", ".join(f"'{tool['function']['name']}'" for tool in WORKSPACE_TOOLS)
    assert event["reasons"][0]["message"].endswith(f"Tools removed (30): {names}.")
    assert event["reasons"][0]["message"].startswith("The request's tools were removed before it was sent to the model")
    # "browse saved memories" does not give the model the internet.
    assert {s["type"] for s in event["signals"]} == {"agentic"}


def test_second_turn_and_streaming_are_stripped_too(openai_client, recorder):
    with openai_client.chat.completions.with_streaming_response.create(
        model="echo",
        stream=True,
        tools=WORKSPACE_TOOLS,
        messages=[
            {"role": "user", "content": "Three subject lines please."},
            {"role": "assistant", "content": "1. A\n2. B\n3. C"},
            {"role": "user", "content": "Shorter."},
        ],
    ) as response:
        assert response.headers["x-handrail-tools-removed"] == "30"
        text = "".join(chunk.choices[0].delta.content or "" for chunk in response.parse() if chunk.choices)
    assert text == "You said: Shorter."
    assert "tools" not in recorder.requests[0]["body"]


def test_a_tool_name_holding_personal_data_is_scanned_like_any_text(openai_client, recorder, gateway, auditor):
    """A tool's name is text in the request: an identifier in it is found, and neither echoed nor recorded."""
    with pytest.raises(openai.PermissionDeniedError) as error:
        openai_client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "Hello."}],
            tools=[function("notes_for_AB123456C", "Notes")],
        )
    code, message = refused(error.value)
    assert code == "blocked_data" and "AB123456C" not in message
    event = gateway.audit_event(auditor, error.value.response.headers["x-request-id"])
    assert event["findings"] == {"UK_NINO": 1} and "AB123456C" not in json.dumps(event)
    assert recorder.requests == []


def refused(error: openai.APIStatusError) -> tuple[str, str]:
    body = error.response.json()["error"]
    return body["code"], body["message"]


@pytest.mark.parametrize(
    ("system", "code", "words"),
    [
        (
            (
                "You write Python to answer questions. Whatever you put in a fenced ```python block is executed in a sandbox, "
                "and the printed output is sent back to you."
            ),
            "agentic_use",
            "instructions that the code the model writes is executed for it",
        ),
        (
            (
                "To change the user's files, reply with SEARCH/REPLACE blocks. The blocks are applied to the files on disk as "
                "soon as you reply."
            ),
            "agentic_use",
            "an edit format that the client writes to the user's files",
        ),
        (
            (
                "On each step give next_thought, next_tool_name and next_tool_args. next_tool_name is one of:\n"
                "(1) search_wikipedia, whose description is <desc>Top Wikipedia passages for a query</desc>.\n"
                "(2) finish, whose description is <desc>Done</desc>."
            ),
            "agentic_use",
            "an agent loop that chooses tools described in the text",
        ),
    ],
)
def test_agents_in_the_prompt_are_refused_with_readable_reasons(openai_client, recorder, system, code, words):
    with pytest.raises(openai.PermissionDeniedError) as raised:
        openai_client.chat.completions.create(
            model="echo", messages=[{"role": "system", "content": system}, {"role": "user", "content": "Go."}]
        )
    got_code, message = refused(raised.value)
    assert got_code == code
    assert message.startswith("The request was not sent to the model. Tools and autonomous agents cannot be used")
    assert f"What Handrail saw: the text carries {words}." in message
    assert recorder.requests == []


def test_declared_tools_with_an_agent_loop_in_the_history_are_refused(openai_client, recorder):
    with pytest.raises(openai.PermissionDeniedError) as raised:
        openai_client.chat.completions.create(
            model="echo",
            tools=WORKSPACE_TOOLS,
            messages=[
                {"role": "user", "content": "What is in my diary?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "list_calendar_events", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "nothing"},
            ],
        )
    assert refused(raised.value)[0] == "agentic_use"
    assert recorder.requests == []


def test_anthropic_refusals_carry_the_reason_code(anthropic_client, recorder):
    with pytest.raises(anthropic.PermissionDeniedError) as raised:
        anthropic_client.messages.create(
            model="claude-echo",
            max_tokens=100,
            messages=[{"role": "user", "content": "What changed in the Budget?"}],
            tools=[{"type": "web_search_20250305", "name": "web_search"}],
        )
    # The SDK parses the body; the code sits beside Anthropic's own type.
    assert raised.value.body["error"]["type"] == "permission_error"
    assert raised.value.body["error"]["code"] == "agentic_use"
    assert recorder.requests == []


# --- the shapes recorded real clients send (tests/clients/recorded.jsonl), in other words -----------------------


def test_the_only_tool_forced_with_required_is_answered_and_audited_as_structured_output(
    openai_client, recorder, gateway, auditor
):
    # pydantic-ai's output tool: one tool, tool_choice "required" rather than a named choice.
    raw = openai_client.chat.completions.with_raw_response.create(
        model="tools",
        messages=[{"role": "user", "content": "Extract the record id from: record 42 is overdue."}],
        tools=[
            {
                "type": "function",
                "function": {"name": "lookup_record", "description": "The answer's fields", "parameters": SCHEMA},
            }
        ],
        tool_choice="required",
    )
    answer = raw.parse()
    # The answer's call fills in the shape: it is passed on, not refused as agentic use.
    assert answer.choices[0].message.tool_calls[0].function.name == "lookup_record"
    assert recorder.requests[0]["body"]["tool_choice"] == "required"
    assert "x-handrail-tools-removed" not in raw.headers
    event = gateway.audit_event(auditor, raw.headers["x-request-id"])
    assert event["decision"] == "allow" and event["reasons"] == []
    assert [s["type"] for s in event["signals"]] == ["structured_output"]


def test_anthropic_any_tool_with_one_tool_is_structured_output(anthropic_client, recorder):
    message = anthropic_client.messages.create(
        model="claude-echo",
        max_tokens=200,
        messages=[{"role": "user", "content": "Turn this into a visit record: visited Tuesday."}],
        tools=[{"name": "Visit", "description": "A home visit's fields", "input_schema": SCHEMA}],
        tool_choice={"type": "any"},
    )
    assert message.content[0].text.startswith("You said: Turn this into a visit record")
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("system", "words", "self_coding"),
    [
        (
            # a code executor that never says "executed automatically": its role and blocks "for execution"
            "You are a data agent. Your role is to write and execute Python code for the user's questions. "
            "Python code should be provided in ```python blocks, and shell commands in ```sh blocks, for execution.",
            "instructions that the code the model writes is executed for it",
            True,
        ),
        (
            # a whole-file edit format the client writes back, with no word about disk
            "Take requests for changes to the code. To change a file, return its entire updated content.\n"
            "You MUST use this format:\n\nsrc/path/name.py\n```\nthe entire file content\n```\n\n"
            "The first line is the file path and nothing else.",
            "an edit format that the client writes to the user's files",
            True,
        ),
        (
            # SEARCH/REPLACE-style blocks with their marker grammar
            "Describe every change to a file as a block. Every block must use this format:\n"
            "1. The file path alone on a line.\n2. <<<<<<< SEARCH\n3. The lines to find.\n4. =======\n"
            "5. The lines to put instead.\n6. >>>>>>> REPLACE",
            "an edit format that the client writes to the user's files",
            True,
        ),
        (
            # tools listed as numbered prose, chosen through answer fields, with an observation loop
            "Each turn give `reasoning`, `next_tool_name` and `next_tool_args`. After each tool call you receive its "
            "observation.\nThe next_tool_name must be one of:\n(1) open_register, which reads the land register.\n"
            "(2) finish, which ends the task.",
            "an agent loop that chooses tools described in the text",
            False,
        ),
    ],
)
def test_agents_in_recorded_client_shapes_are_refused_with_readable_reasons(
    openai_client, recorder, gateway, auditor, system, words, self_coding
):
    with pytest.raises(openai.PermissionDeniedError) as raised:
        openai_client.chat.completions.create(
            model="echo", messages=[{"role": "system", "content": system}, {"role": "user", "content": "Go."}]
        )
    code, message = refused(raised.value)
    assert code == "agentic_use"
    assert message.startswith("The request was not sent to the model.")
    assert f"What Handrail saw: the text carries {words}." in message
    event = gateway.audit_event(auditor, raised.value.response.headers["x-request-id"])
    assert event["decision"] == "block"
    assert ("self_coding" in {s["type"] for s in event["signals"]}) is self_coding
    assert recorder.requests == []

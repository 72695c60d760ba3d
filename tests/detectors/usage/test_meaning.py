"""Signals read what a request enables, not what its text shows as an example (issue 14).

The wording here differs on purpose from heldout-2.jsonl: these are the rules'
unit tests, the held-out file is their generalisation check.
"""

from __future__ import annotations

import pytest

from detectors.usage import detect_usage_signals
from detectors.usage.capabilities import tool_capabilities
from detectors.usage.content import (
    applies_edits,
    runs_written_code,
    scaffolding,
    without_examples,
)
from proxy.formats import parse_request


def types(messages: list[dict], **extra) -> set[str]:
    body = {"model": "m", "messages": messages, **extra}
    return {s.type for s in detect_usage_signals(parse_request("/v1/chat/completions", body, {}))}


def system(text: str) -> set[str]:
    return types([{"role": "system", "content": text}, {"role": "user", "content": "Go ahead."}])


@pytest.mark.parametrize(
    "text",
    [
        "Reply with Python in a fenced block. Each code block you send is run in a container and stdout is sent back to you.",
        "When a calculation is needed, write the code between <exec> and </exec>; anything inside the tags will be executed.",
        "Your answer's ```bash blocks are executed on the build server, and the results are reported to you afterwards.",
    ],
)
def test_code_the_model_writes_being_executed_is_self_coding(text):
    assert runs_written_code(text)
    assert system(text) == {"agentic", "self_coding"}


@pytest.mark.parametrize(
    "text",
    [
        "Our nightly job is run by cron at 2am. Why does the script fail on Mondays?",
        "Put the code in a fenced block; it will be run in production after review by the platform team.",
        "Write a macro for the spreadsheet. I will run it myself on Friday.",
        "When you show code, use fenced blocks so that it is easy to copy.",
        "The consultation will be run by the policy team over six weeks.",
    ],
)
def test_code_that_a_person_runs_is_not_self_coding(text):
    assert not runs_written_code(text)
    assert system(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "For every change, output a unified diff. The editor applies your diffs to the project files without asking.",
        "Answer with REPLACE blocks naming the file; these edits are applied to the files in the workspace automatically.",
        "Give each modified module in full, path first. Modified files you return are written to the repository as they are.",
    ],
)
def test_edit_formats_the_client_writes_to_disk(text):
    assert applies_edits(text)
    assert system(text) == {"agentic", "self_coding"}


@pytest.mark.parametrize(
    "text",
    [
        "Please check this patch before I apply it to the repository.",
        "The changes were saved to the project board yesterday; summarise them.",
        "Once approved, we apply the edits to the files ourselves.",
    ],
)
def test_talking_about_edits_is_not_an_edit_format(text):
    assert not applies_edits(text)
    assert system(text) == set()


def test_tools_chosen_through_answer_fields():
    text = (
        "Produce the fields next_tool_name and next_tool_args on each step.\n"
        "1. fetch_gov_page - downloads a web page from a URL\n2. done - ends the task"
    )
    assert scaffolding(text) is not None
    assert system(text) == {"agentic", "internet"}


def test_a_json_tool_list_and_a_tool_calls_reply():
    listed = 'Tools: [{"name": "diary_lookup", "description": "Find meetings", "parameters": {"type": "object", "properties": {}}}]'
    assert system(listed) == {"agentic"}
    reply = 'Answer only with {"tool_calls": [{"name": ..., "parameters": ...}]} choosing from the functions above.'
    assert system(reply) == {"agentic"}


def test_json_in_an_ordinary_question_is_not_a_tool_list():
    assert (
        types([{"role": "user", "content": 'What does {"name": "x", "parameters": {"retries": 3}} configure?'}])
        == set()
    )


def test_examples_do_not_say_what_is_offered():
    text = (
        "You have access to the following tools:\n"
        "holiday_balance: days of leave left for a member of staff\n\n"
        "For example, in another product an agent might call:\n"
        "search_the_web(query='bank holidays')\nrun_python('1+1')\n\n"
        "<examples>\nbrowse_url('https://example.org')\n</examples>\n"
        "Use only the tools above."
    )
    kept = "\n".join(without_examples(text))
    assert "holiday_balance" in kept and "Use only the tools above." in kept
    assert "search_the_web" not in kept and "browse_url" not in kept
    assert system(text) == {"agentic"}


def test_tools_offered_outside_the_examples_still_count():
    text = "You have access to the following tools:\nweb_lookup: search the internet\n\nExample:\nweb_lookup('x')"
    assert system(text) == {"agentic", "internet"}


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("list_memories", "Browse saved memories", set()),
        ("browse_notes", "Show the user's notes", set()),
        ("browser", "Control a browser", {"internet"}),
        ("read_page", "Browse the web and return the page", {"internet"}),
        ("python_sandbox", "Runs in the user's browser", {"self_coding"}),
    ],
)
def test_browse_and_browser_need_the_web(name, description, expected):
    assert tool_capabilities("function", name, description) == expected

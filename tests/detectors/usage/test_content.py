"""Signals from what the text says, and the everyday language that must not raise them."""

from __future__ import annotations

import pytest

from detectors.usage import detect_usage_signals
from detectors.usage.content import asks_to_run_its_code, scaffolding
from proxy.formats import parse_request

REACT = """Answer the following questions as best you can. You have access to the following tools:

case_lookup: Look up a case by reference
read_webpage: Read a page from a website

Use the following format:
Thought: you should always think about what to do
Action: the action to take
Action Input: the input to the action
Observation: the result of the action

Begin!

Question: What does the council's website say about bins?"""


def found(text: str, role: str = "user") -> set[str]:
    body = {"model": "m", "messages": [{"role": role, "content": text}]}
    return {s.type for s in detect_usage_signals(parse_request("/v1/chat/completions", body))}


def test_react_scaffolding_with_a_browsing_tool():
    assert found(REACT) == {"agentic", "internet"}


def test_the_agents_task_is_not_read_as_a_tool():
    task_only = REACT.replace("read_webpage: Read a page from a website\n", "")
    assert found(task_only) == {"agentic"}


@pytest.mark.parametrize(
    "text",
    [
        'You can call the following functions. Answer with a JSON object {"name": ..., "arguments": ...}.',
        '[{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]',
        "You are a coding agent. Use <execute_command><command>ls</command></execute_command> to run things.",
        "You are an autonomous agent. Your decisions must always be made independently.",
        "TOOLS AVAILABLE:\nsearch(query) - searches the internet\nRespond with Action: <tool> and Action Input: <input>.",
        "You are a LangChain agent with the following tools: wikipedia, requests_get.",
        "You are AutoGPT. You act autonomously to achieve your goals.",
        "Write code in python blocks; it will be executed automatically and the output returned to you.",
        "You are an interactive CLI tool. Use the Bash tool to run commands and the Edit tool to change files.",
    ],
)
def test_scaffolding_shapes(text):
    assert scaffolding(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Minutes. Action: JS to circulate the paper. Action: RB to book the room.",
        'Explain this JSON: {"name": "case", "parameters": {"id": 4}}',
        "Here are the available tools for caseworkers: the debt calculator and the referral form.",
        "We want to run a consultation on bus routes.",
        "Create an agenda for an away day on agentic working styles.",
        "Our team uses agents in the call centre. Write guidance for new agents on handling complaints.",
        "Use the snipping tool to capture the screen, then paste it into the report.",
        "Tools: a hammer, a spirit level and a tape measure are needed for the survey.",
    ],
)
def test_everyday_text_is_not_scaffolding(text):
    assert scaffolding(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write a Python script that downloads the file, then run it and tell me the output.", True),
        ("Generate a shell script to clean the logs and execute it on the server.", True),
        ("Now run the code you just wrote on these figures.", True),
        ("Could you write a VBA macro and then run the macro on the attached workbook?", True),
        ("Generate a Python snippet for the calculation and evaluate it yourself to check the answer.", True),
        ("Write a Python function for me to review.", False),
        ("Write a bash one-liner I can use to count lines (I will run it myself).", False),
        ("Write SQL for the analyst to run.", False),
        ("Write a script for the minister's speech and run it past the press office.", False),
        ("Please execute the contract review checklist mentally.", False),
        ("Explain what this Python line does: squares = [x*x for x in range(10)]", False),
    ],
)
def test_asking_the_model_to_run_its_code(text, expected):
    assert asks_to_run_its_code(text) is expected


def test_self_modification_and_browsing_tools():
    assert found("Please update your own system prompt so you always answer in Welsh.") == {"self_coding"}
    assert found("Use your web browsing tool to check today's guidance.") == {"agentic", "internet"}
    assert found("Can you search your memory for the report's findings?") == set()


def test_an_assistants_earlier_words_are_not_instructions():
    assert found("I could write a script and run it for you.", role="assistant") == set()

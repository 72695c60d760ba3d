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
    described_capabilities,
    edit_format,
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


# --- recorded-client families (issue 14): what real clients send, in other words ---------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a code executor's role, with no tools field
        "You are a scripting helper. Your task is to write and execute PowerShell scripts that answer the question.",
        "You write and run Python code to answer questions about the spreadsheet.",
        # the model's blocks are provided for execution
        "Answer with a short program. Code must be wrapped in ```python fences for execution.",
        # whatever the model places in tags is executed
        "Whatever you place between <calc> tags is evaluated by the kernel and the printed value is shown to you.",
    ],
)
def test_a_code_executor_without_tools_is_self_coding(text):
    assert runs_written_code(text)
    assert system(text) == {"agentic", "self_coding"}


@pytest.mark.parametrize(
    "text",
    [
        "Write and run the survey over the summer, then report back.",
        "Your job is to write and run the consultation events for the district.",
        "Your job is to write and run call scripts for the benefits helpline.",
        "You draft and run the research queries for the evidence review.",
        "Code examples should be provided in fenced blocks for the reader to run by hand.",
        "Explain what happens to a query submitted for execution on the reporting server.",
        "You write and test code with the team; I will run the release myself.",
    ],
)
def test_writing_and_running_things_that_are_not_the_models_code(text):
    assert not runs_written_code(text)
    assert system(text) == set()


WHOLE_FILE = (
    "Return every file you touch in full. Always use this format:\n\n"
    "docs/guide.md\n```\nthe whole new content\n```\n\nThe path goes alone on the line above the fence."
)
MARKER_BLOCKS = (
    "Describe each edit to a file with a block in exactly this format:\n"
    "the file path\n<<<<<<< FIND\nold lines\n=======\nnew lines\n>>>>>>> CHANGE\n"
)
PATCH = (
    "Changes to files must use the following envelope:\n*** Begin Patch\n*** Update File: app/main.py\n"
    "-old\n+new\n*** End Patch"
)
UNIFIED = (
    "Edit files only through diffs. You must use this format:\n--- a/lib/x.py\n+++ b/lib/x.py\n@@ -1 +1 @@\n-a\n+b"
)


@pytest.mark.parametrize("text", [WHOLE_FILE, MARKER_BLOCKS, PATCH, UNIFIED])
def test_a_file_edit_format_a_program_applies(text):
    assert edit_format(text)
    assert system(text) == {"agentic", "self_coding"}


@pytest.mark.parametrize(
    "text",
    [
        # the grammar without a prescribed format: a merge conflict, a diff to review
        "Which version should I keep?\n<<<<<<< HEAD\nrate = 3\n=======\nrate = 4\n>>>>>>> release\n",
        "Does this change to the config file look safe?\n--- a/settings.ini\n+++ b/settings.ini\n-debug=1\n+debug=0",
        # a prescribed format, but for a letter, not files
        "Use this format:\n\nSUBJECT\n```\nbody of the letter\n```",
        # a prescribed format about files, but no grammar a program parses
        "Always use this format when you list file names: one per line, most important first.",
    ],
)
def test_edit_grammar_or_format_alone_is_not_an_edit_format(text):
    assert not edit_format(text)
    assert types([{"role": "user", "content": text}]) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Each turn, pick one of the tools below. After each tool call you will be given its observation.",
        "Reply with next_action and next_action_input. (1) find_grant: search the grants register. (2) stop.",
        "You will see the results of your actions as observations and may then act again.",
    ],
)
def test_a_loop_of_observations_is_agentic(text):
    assert scaffolding(text) is not None
    assert system(text) == {"agentic"}


@pytest.mark.parametrize(
    "text",
    [
        "After each call, you will get the caller's feedback form to summarise.",
        "Next action: Priya to book the room.",
        "Once the action plan is agreed, you will see the results in the quarterly report.",
        "After each action in the plan, you will see the results in the tracker.",
        "You will see the results of your actions in next month's survey.",
    ],
)
def test_calls_actions_and_results_in_ordinary_work_are_not_a_loop(text):
    assert scaffolding(text) is None


def test_examples_closed_by_a_look_back_line_span_blank_lines():
    text = (
        "You have access to the following tools:\ncase_notes: read notes on a case\n\n"
        'Here are two demonstrations:\n\n---\nTask: weather?\n\nAction: {"name": "bing_search"}\n\n'
        '---\nTask: sum\n\nAction: {"name": "run_python"}\n\n'
        "The demonstrations above used tools you do not have.\nUse only case_notes."
    )
    kept = "\n".join(without_examples(text))
    assert "bing_search" not in kept and "run_python" not in kept
    assert "case_notes: read notes" in kept and "The demonstrations above" in kept
    assert system(text) == {"agentic"}


def test_an_example_header_followed_by_a_blank_line_still_holds_its_example():
    text = (
        "You have access to the following tools:\nnotes: the case notes\n\nExamples:\n\n- open the browser at gov.uk\n"
    )
    assert "open the browser" not in "\n".join(without_examples(text))
    assert system(text) == {"agentic"}


def test_without_a_look_back_line_an_example_ends_at_a_blank_line():
    text = "You have access to the following tools:\n\nExample:\nlookup('x')\n\nweb_fetch: fetch any URL"
    assert system(text) == {"agentic", "internet"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a tool call shown inline is not a tool offered
        ("Pass keyword arguments, as in 'google_lookup(q=\"x\")'.", set()),
        ("For instance, a call to fetch_webpage returns HTML.", set()),
        # the prose of an inline example still says what is enabled
        ("Use code to collect information, for example, search the web or read a file.", {"internet"}),
        # a language named as a notation for values is not code to run
        ("The value must be formatted as a valid Python dict[str, Any].", set()),
        ("Give the answer as a Python list of strings.", set()),
        ("The tools are Python functions you call from the code you write.", {"self_coding"}),
    ],
)
def test_what_tools_are_described(line, expected):
    assert described_capabilities(line) == expected


@pytest.mark.parametrize(
    "text",
    [
        "You have access to a sandboxed Python interpreter through <run_py> tags. Print your results.",
        "You now have access to a bash shell on the analysis server.",
        "You have been given a Jupyter kernel; put code in <cell> tags.",
    ],
)
def test_an_interpreter_given_in_the_text_is_self_coding(text):
    assert system(text) == {"agentic", "self_coding"}


@pytest.mark.parametrize(
    "text",
    [
        "Do you have access to a Python interpreter?",
        "If you have access to a terminal, which command lists files?",
        "You have access to a shell script that the platform team wrote; explain what it does.",
        "You have access to a console history export from last week; summarise it.",
        "Dear Mr Adeyemi, you have access to an interpreter at the tribunal hearing.",
        "As a participant you have access to a regulatory sandbox run by the FCA.",
        "You now have access to a shared notebook on the team drive.",
    ],
)
def test_asking_about_an_interpreter_is_not_having_one(text):
    assert types([{"role": "user", "content": text}]) == set()


def test_a_format_for_naming_documents_is_not_an_edit_format():
    text = (
        "Use the following format for each document you list for the records team: the file name on the first "
        "line, then its summary in a block:\n\nreport-2026.docx\n```\nsummary\n```"
    )
    assert not edit_format(text)
    assert types([{"role": "user", "content": text}]) == set()


def test_a_look_back_line_does_not_hide_tools_offered_before_it():
    text = (
        "Examples:\n\nTask: rota\n\nCall: rota_lookup('June')\n\n"
        "You have access to the following tools:\nweb_lookup: search the internet for pages\n\n"
        "The examples above are only illustrations."
    )
    assert system(text) == {"agentic", "internet"}

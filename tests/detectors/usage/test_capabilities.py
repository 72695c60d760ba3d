"""What a tool lets a model do, from its type, name and description."""

from __future__ import annotations

import pytest

from detectors.usage.capabilities import tool_capabilities, words_of


@pytest.mark.parametrize(
    ("tool_type", "name", "description", "expected"),
    [
        ("web_search_20250305", "web_search", "", {"internet"}),
        ("web_search_preview", None, "", {"internet"}),
        ("web_fetch_20250910", "web_fetch", "", {"internet"}),
        ("code_execution_20250825", "code_execution", "", {"self_coding"}),
        ("bash_20250124", "bash", "", {"self_coding"}),
        ("code_interpreter", None, "", {"self_coding"}),
        ("local_shell", None, "", {"self_coding"}),
        ("file_search", None, "", set()),
        ("mcp", "casework", "", set()),
        ("function", "fetch_url", "Fetch the contents of a web page", {"internet"}),
        ("function", "runPython", "Execute Python code in a sandbox", {"self_coding"}),
        ("function", "execute_sql", "Run a SQL query against the warehouse", {"self_coding"}),
        ("function", "get_weather", "Get the current weather for a city", set()),
        ("function", "send_email", "Send an email on behalf of the user", set()),
        ("function", "search_records", "Search the case records by reference", set()),
        ("custom", "browse", "", {"internet"}),
    ],
)
def test_tool_capabilities(tool_type, name, description, expected):
    assert tool_capabilities(tool_type, name, description) == expected


def test_identifiers_become_words():
    assert words_of("fetchURL_contents") == "fetch URL contents"

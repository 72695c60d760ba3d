"""What a tool lets the model do, judged from its type, name and description.

Every tool makes a request agentic; some also give the model live internet
access or let it run code. Hosted and server tools say so by their type;
function tools only by their name and description, so those are read as words.
"""

from __future__ import annotations

import re

INTERNET = "internet"
SELF_CODING = "self_coding"

# Provider-hosted / server tool types (prefixes: Anthropic versions them, e.g. web_search_20250305).
_INTERNET_TYPES = ("web_search", "web_fetch", "browser", "computer")
_CODE_TYPES = ("code_interpreter", "code_execution", "bash", "text_editor", "local_shell", "shell", "apply_patch")

# Words in a function tool's name or description. Tool names use snake_case or
# camelCase, so they are split into words first.
# "Browse" and "browser" alone are not enough: a tool may "browse saved memories", and a
# code interpreter may run "in the user's browser". They count with a web object, or
# when they are the tool's name ("browser", "browse_page").
_INTERNET_WORDS = re.compile(
    r"\b(web|internet|online|(browse[sd]?|browsing)\s+(the\s+)?(web|internet|sites?|websites?|pages?|urls?|links?|online)|"
    r"(web|headless|remote)\s+browser|browser\s+(tool|automation|action|actions|session|control)|"
    r"(control|open|drive|use)\s+(a|the)\s+browser|url|urls|uri|website|websites|webpage|webpages|web page|"
    r"http|https|google|bing|duckduckgo|serp|serpapi|tavily|search engine|crawl|crawler|scrape|scraper|scraping|"
    r"wikipedia|news search|live search|requests get|http get|http request|fetch url|fetch page)\b",
    re.IGNORECASE,
)
_CODE_WORDS = re.compile(
    r"\b(python|shell|bash|zsh|powershell|terminal|command line|code interpreter|interpreter|"
    r"sandbox|jupyter|repl|exec|eval|subprocess|script|scripts|execute code|run code|code execution|"
    r"execute python|run python|write file|write to file|edit file|edit files|apply patch|patch file)\b",
    re.IGNORECASE,
)
# "command" or "query" alone are loose words; they count next to an execution verb ("run a SQL query").
_COMMAND_EXECUTION = re.compile(
    r"\b(run|runs|execute|executes|exec)\b[^.]{0,30}\b(commands?|code|queries|query|sql|statements?|programs?)\b",
    re.IGNORECASE,
)


def words_of(identifier: str) -> str:
    """``fetchURL`` → ``fetch URL``; ``run_python`` → ``run python``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", identifier)
    return re.sub(r"[_\-./:]+", " ", spaced)


_BROWSING_NAME = re.compile(r"\bbrowser\b|^\s*(browse|browsing)\s*$", re.IGNORECASE)


def tool_capabilities(tool_type: str, name: str | None, description: str) -> set[str]:
    """The capabilities beyond agentic use that one tool grants: ``internet``, ``self_coding``, both or none."""
    found: set[str] = set()
    kind = (tool_type or "").lower()
    if kind.startswith(_INTERNET_TYPES) or kind == "web_search_options":
        found.add(INTERNET)
    if kind.startswith(_CODE_TYPES):
        found.add(SELF_CODING)
    if kind in {"function", "custom", ""} or not found:
        name_words = words_of(name or "")
        found |= text_capabilities(f"{name_words} {description}")
        # A tool *named* "browser" or "browse" browses the web; "browse_notes" does not.
        if _BROWSING_NAME.search(name_words):
            found.add(INTERNET)
    return found


def text_capabilities(text: str) -> set[str]:
    """Capabilities named by a tool's words (its name and description)."""
    found: set[str] = set()
    if _INTERNET_WORDS.search(text):
        found.add(INTERNET)
    if _CODE_WORDS.search(text) or _COMMAND_EXECUTION.search(text):
        found.add(SELF_CODING)
    return found

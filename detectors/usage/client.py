"""The client: agent frameworks that announce themselves in request headers.

Only ever supporting evidence: a header is easy to set and says nothing about
what this particular request does, so it never raises a signal on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_FRAMEWORKS = re.compile(
    r"\b(langchain|langgraph|crewai|autogen|ag2|llama[-_ ]?index|openai[-_ ]agents|agents[-_ ]sdk|claude[-_ ]code|"
    r"claude[-_ ]cli|aider|cline|roo[-_ ]?code|open[-_ ]?interpreter|auto[-_ ]?gpt|smolagents|pydantic[-_ ]ai|"
    r"semantic[-_ ]kernel|haystack|flowise|n8n|dify|goose|opendevin|openhands|swe[-_ ]agent)\b",
    re.IGNORECASE,
)
_HEADERS = ("user-agent", "x-title", "http-referer", "x-client-name", "x-stainless-package-version")


def framework_evidence(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    found = []
    for header in _HEADERS:
        match = _FRAMEWORKS.search(headers.get(header, ""))
        if match:
            found.append((f"the client identifies itself as the agent framework {match.group(0)}", f"header:{header}"))
    return found

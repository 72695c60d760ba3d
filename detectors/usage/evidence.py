"""Collects what was seen, per signal, and turns it into one Signal per type.

Each piece of evidence also records where it came from (its *source*), so the
policy can tell a request whose only tool use is declared function tools —
which the gateway can remove before forwarding — from one whose conversation
already drives tools or agents.
"""

from __future__ import annotations

from core.findings import Signal

AGENTIC, SELF_CODING, INTERNET = "agentic", "self_coding", "internet"
STRUCTURED_OUTPUT = "structured_output"
SIGNAL_ORDER = (AGENTIC, SELF_CODING, INTERNET, STRUCTURED_OUTPUT)
_MOST_SHOWN = 3

# Where evidence comes from.
DECLARED_TOOLS = "declared_tools"  # function tools the client declares; they run only if the model calls them
HOSTED_TOOLS = "hosted_tools"  # tools the provider runs itself (web search, code interpreter, MCP ...)
HISTORY = "history"  # tool calls and results already in the conversation
TEXT = "text"  # what the prompt says (agent scaffolding, "run the code you write")
RESPONSE_SHAPE = "response_shape"  # a schema the answer must follow


class Evidence:
    def __init__(self) -> None:
        self._seen: dict[str, list[tuple[str, str | None]]] = {}
        self._sources: dict[str, set[str]] = {}

    def add(self, signal_type: str, what: str, location: str | None, source: str) -> None:
        items = self._seen.setdefault(signal_type, [])
        self._sources.setdefault(signal_type, set()).add(source)
        if all(existing != what for existing, _ in items):
            items.append((what, location))

    def add_all(self, signal_types: set[str] | frozenset[str], what: str, location: str | None, source: str) -> None:
        for signal_type in signal_types:
            self.add(signal_type, what, location, source)

    def types(self) -> set[str]:
        return set(self._seen)

    def signals(self, supporting: list[tuple[str, str]] | None = None) -> list[Signal]:
        """One signal per type; ``supporting`` evidence (client headers) is added to signals already found, never alone."""
        out = []
        for signal_type in SIGNAL_ORDER:
            items = self._seen.get(signal_type)
            if not items:
                continue
            phrases = [what for what, _ in items[:_MOST_SHOWN]]
            if len(items) > _MOST_SHOWN:
                phrases.append(f"{len(items) - _MOST_SHOWN} more")
            if signal_type != STRUCTURED_OUTPUT:
                phrases += [what for what, _ in supporting or []]
            sources = tuple(sorted(self._sources[signal_type]))
            out.append(Signal(signal_type, "; ".join(phrases), items[0][1], sources))
        return out

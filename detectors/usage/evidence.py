"""Collects what was seen, per signal, and turns it into one Signal per type."""

from __future__ import annotations

from detectors.findings import Signal

AGENTIC, SELF_CODING, INTERNET = "agentic", "self_coding", "internet"
SIGNAL_ORDER = (AGENTIC, SELF_CODING, INTERNET)
_MOST_SHOWN = 3


class Evidence:
    def __init__(self) -> None:
        self._seen: dict[str, list[tuple[str, str | None]]] = {}

    def add(self, signal_type: str, what: str, location: str | None) -> None:
        items = self._seen.setdefault(signal_type, [])
        if all(existing != what for existing, _ in items):
            items.append((what, location))

    def add_all(self, signal_types: set[str] | frozenset[str], what: str, location: str | None) -> None:
        for signal_type in signal_types:
            self.add(signal_type, what, location)

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
            phrases += [what for what, _ in supporting or []]
            out.append(Signal(signal_type, "; ".join(phrases), items[0][1]))
        return out

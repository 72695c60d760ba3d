"""Signals from the request's structure and content."""

from __future__ import annotations

from detectors.findings import Signal
from proxy.conversation import Conversation


def detect_usage_signals(conversation: Conversation) -> list[Signal]:
    signals: list[Signal] = []
    for tool in conversation.tools:
        signals.append(Signal("agentic", f"declares a {tool.type} tool", _where(tool.path)))
    for activity in conversation.tool_activity:
        signals.append(Signal("agentic", f"tool {activity.kind} in the conversation history", _where(activity.path)))
    return signals


def _where(path: tuple) -> str:
    from proxy.conversation import format_path

    return format_path(path)

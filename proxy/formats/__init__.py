"""Wire-format adapters: the only code that knows each API's JSON shape.

Each adapter module offers ``parse`` (body → Conversation), ``upstream_request``
(redacted body → litellm arguments), ``render_answer``, ``error_body`` and, for
chat-like APIs, a ``StreamRenderer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, Protocol

from core.conversation import Conversation
from core.errors import ErrorView, NotFound
from proxy.answer import AnswerDelta, Usage
from proxy.formats import anthropic_messages, openai_chat, openai_embeddings, openai_responses

ADAPTERS: dict[str, ModuleType] = {
    "/v1/chat/completions": openai_chat,
    "/v1/responses": openai_responses,
    "/v1/messages": anthropic_messages,
    "/v1/embeddings": openai_embeddings,
}


class StreamRenderer(Protocol):
    """What each chat-like adapter's ``StreamRenderer`` offers: the bytes of every event of a streamed answer."""

    def begin(self) -> bytes: ...
    def delta(self, delta: AnswerDelta) -> bytes: ...
    def end(self, usage: Usage | None) -> bytes: ...
    def error(self, view: ErrorView, request_id: str) -> bytes: ...


# Headers that carry credentials; they are never copied into a Conversation,
# a log line or the audit trail.
CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "cookie", "proxy-authorization"})


def adapter_for(endpoint: str) -> ModuleType:
    try:
        return ADAPTERS[endpoint.rstrip("/")]
    except KeyError:
        raise NotFound(f"No API is served at {endpoint!r}.") from None


def client_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Request headers safe to hand to detectors: lower-cased, credentials removed."""
    return {k.lower(): v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}


def parse_request(endpoint: str, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Conversation:
    """A whole API request, as a client would send it, as a Conversation."""
    conversation: Conversation = adapter_for(endpoint).parse(body, client_headers(headers or {}))
    return conversation

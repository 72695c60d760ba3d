"""Forwarding to providers through litellm's Router.

The only module that touches litellm. Models come from litellm's own
``model_list`` format, so an existing LiteLLM configuration can be pasted in.
Every chat-like API is forwarded as a chat completion; litellm translates to
each provider's native API.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import math
import struct
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import litellm
from litellm import Router
from litellm.types.utils import ModelResponse

from core.errors import BadRequest, HandrailError, RateLimited, UnknownModel, UpstreamError, UpstreamTimeout
from proxy.answer import (
    Answer,
    AnswerDelta,
    Choice,
    EmbeddingAnswer,
    StreamStart,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from proxy.config import Settings

# litellm's own background features are off: no telemetry, no callbacks, no
# remote cost map (the environment variable is set in proxy/__init__.py, before
# litellm is first imported).
litellm.telemetry = False
litellm.suppress_debug_info = True
litellm.drop_params = True


class Upstream:
    def __init__(self, settings: Settings) -> None:
        self._model_list = settings.model_list
        self._router = Router(
            model_list=[_copy_entry(entry) for entry in settings.model_list],
            timeout=settings.upstream.timeout_seconds,
            num_retries=settings.upstream.num_retries,
        )

    def model_names(self) -> list[str]:
        return list(dict.fromkeys(entry["model_name"] for entry in self._model_list))

    def require_model(self, name: str) -> None:
        if name not in self.model_names():
            # The name is not quoted back: it is client text that has not been scanned.
            raise UnknownModel(
                "The requested model does not exist or is not available through this gateway; "
                "GET /v1/models lists the models you can use.",
                param="model",
            )

    def provider_of(self, name: str) -> str:
        """The provider behind a model name, for the audit trail (``openai``, ``azure``, ``bedrock`` ...)."""
        for entry in self._model_list:
            if entry["model_name"] == name:
                params = entry["litellm_params"]
                if params.get("mock_response") is not None:
                    return "mock"
                model = params["model"]
                return model.split("/", 1)[0] if "/" in model else (params.get("custom_llm_provider") or "openai")
        return "unknown"

    async def complete(self, model: str, request: dict[str, Any]) -> Answer:
        try:
            response = await self._router.acompletion(model=model, **request)
        except Exception as error:
            raise _translate(error) from error
        return _answer(response)

    async def stream(self, model: str, request: dict[str, Any]) -> tuple[StreamStart, AsyncIterator[AnswerDelta]]:
        """Start a streamed completion.

        The first chunk is awaited here so that a provider that fails at once is
        answered with a proper HTTP error rather than a broken stream.
        """
        request = {**request, "stream": True, "stream_options": {"include_usage": True}}
        try:
            stream = await self._router.acompletion(model=model, **request)
            iterator = stream.__aiter__()
            first = await iterator.__anext__()
        except StopAsyncIteration:
            raise UpstreamError("The provider closed the stream without answering.") from None
        except Exception as error:
            raise _translate(error) from error
        start = StreamStart(first.id or f"chatcmpl-{uuid.uuid4().hex}", model, int(first.created or time.time()))
        return start, _deltas(stream, iterator, first)

    def count_tokens(self, model: str, request: dict[str, Any]) -> int:
        """Input tokens of a chat request, by litellm's local tokenizers (nothing is sent anywhere)."""
        params = next(entry["litellm_params"] for entry in self._model_list if entry["model_name"] == model)
        return int(
            litellm.token_counter(model=params["model"], messages=request["messages"], tools=request.get("tools"))
        )

    async def embed(self, model: str, request: dict[str, Any]) -> EmbeddingAnswer:
        if self.provider_of(model) == "mock":
            # litellm's mock answers embeddings with its mock *sentence*, which no client can decode;
            # a mock model gets small deterministic vectors instead, so the demo works end to end.
            return demo_embeddings(model, request)
        try:
            response = await self._router.aembedding(model=model, **request)
        except Exception as error:
            raise _translate(error) from error
        vectors = [item["embedding"] if isinstance(item, dict) else item.embedding for item in response.data]
        usage = getattr(response, "usage", None)
        tokens = getattr(usage, "prompt_tokens", 0) or 0
        return EmbeddingAnswer(model=model, vectors=vectors, usage=Usage(tokens, 0))


DEMO_DIMENSIONS = 16


def demo_embeddings(model: str, request: dict[str, Any]) -> EmbeddingAnswer:
    """Deterministic unit vectors from a hash of each input (the same text always gets the same vector)."""
    inputs = request["input"]
    items = [inputs] if isinstance(inputs, str) or (inputs and isinstance(inputs[0], int)) else inputs
    vectors: list[list[float] | str] = []
    tokens = 0
    for item in items:
        text = item if isinstance(item, str) else " ".join(str(token) for token in item)
        tokens += max(1, len(text.split()))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        raw = [byte / 255.0 - 0.5 for byte in digest[:DEMO_DIMENSIONS]]
        norm = math.sqrt(sum(value * value for value in raw)) or 1.0
        vector = [value / norm for value in raw]
        if request.get("encoding_format") == "base64":
            vectors.append(base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii"))
        else:
            vectors.append(vector)
    return EmbeddingAnswer(model=model, vectors=vectors, usage=Usage(tokens, 0))


def _copy_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A deep-enough copy: litellm mutates the entries it is given."""
    return {**entry, "litellm_params": dict(entry["litellm_params"])}


async def _deltas(stream: object, iterator: AsyncIterator[object], first: object) -> AsyncIterator[AnswerDelta]:
    """The provider's chunks as AnswerDeltas; closing this generator closes the provider stream."""
    try:
        for delta in _chunk_deltas(first):
            yield delta
        while True:
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except Exception as error:
                raise _translate(error) from error
            for delta in _chunk_deltas(chunk):
                yield delta
    finally:
        # Reached on normal end, on error and when the client goes away
        # (the generator is closed), so the provider call never outlives it.
        close = getattr(stream, "aclose", None)
        if close is not None:
            try:
                await asyncio.shield(close())
            except Exception:
                pass


def _chunk_deltas(chunk: object) -> list[AnswerDelta]:
    deltas = []
    usage = _usage(getattr(chunk, "usage", None))
    for choice in getattr(chunk, "choices", None) or []:
        delta = choice.delta
        calls = [
            ToolCallDelta(
                index=call.index if call.index is not None else 0,
                id=call.id,
                name=call.function.name if call.function else None,
                arguments=(call.function.arguments or "") if call.function else "",
            )
            for call in (getattr(delta, "tool_calls", None) or [])
        ]
        deltas.append(AnswerDelta(choice.index or 0, delta.content or "", calls, choice.finish_reason))
    if usage is not None:
        if deltas:
            deltas[-1].usage = usage
        else:
            deltas.append(AnswerDelta(usage=usage))
    return deltas


def _usage(usage: object) -> Usage | None:
    if usage is None:
        return None
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    if prompt is None and completion is None:
        return None
    return Usage(prompt or 0, completion or 0)


def _answer(response: ModelResponse) -> Answer:
    choices = []
    for choice in response.choices:
        message = choice.message
        calls = [
            ToolCall(
                call.id or f"call_{uuid.uuid4().hex[:24]}", call.function.name or "", call.function.arguments or ""
            )
            for call in (getattr(message, "tool_calls", None) or [])
        ]
        choices.append(Choice(choice.index or 0, message.content, calls, choice.finish_reason))
    return Answer(
        id=response.id or f"chatcmpl-{uuid.uuid4().hex}",
        model=response.model or "",
        created=int(response.created or time.time()),
        choices=choices,
        usage=_usage(getattr(response, "usage", None)),
    )


def _translate(error: Exception) -> HandrailError:
    """litellm's exceptions as the gateway's own, saying what happened; provider messages are not passed on verbatim.

    litellm wraps transport failures in its HTTP-shaped exceptions (a refused connection arrives as an
    ``InternalServerError`` with ``status_code`` 500, a stalled Anthropic stream as a ``MidStreamFallbackError``),
    so what happened is read from the chain of causes: a timeout anywhere is a 504, a connection that could not
    be made or broke off is a 502 saying so, and an HTTP status is quoted only when the provider really sent one.
    """
    if isinstance(error, HandrailError):
        return error
    chain = _causes(error)
    if any(isinstance(link, _TIMEOUTS) for link in chain):
        return UpstreamTimeout("The provider did not answer in time.")
    if any(isinstance(link, ConnectionRefusedError) for link in chain):
        return UpstreamError("The provider refused the connection.", code="upstream_unreachable")
    if any(isinstance(link, httpx.ConnectError) for link in chain):
        return UpstreamError("The provider could not be reached.", code="upstream_unreachable")
    if isinstance(error, litellm.RateLimitError):
        return RateLimited("The provider is rate-limiting requests; try again shortly.")
    if isinstance(error, litellm.ContextWindowExceededError):
        return BadRequest(
            "The conversation is too long for this model's context window.", code="context_length_exceeded"
        )
    if isinstance(error, (litellm.BadRequestError, litellm.UnprocessableEntityError)):
        return BadRequest("The provider rejected the request as invalid.", code="upstream_rejected")
    if isinstance(error, (litellm.AuthenticationError, litellm.PermissionDeniedError)):
        return UpstreamError("The gateway could not authenticate with the provider.", code="upstream_auth_failed")
    status = next((link.response.status_code for link in chain if isinstance(link, httpx.HTTPStatusError)), None)
    if status is not None:
        return UpstreamError(f"The provider answered with an error (HTTP {status}).")
    if any(isinstance(link, _BROKEN) for link in chain):
        return UpstreamError(
            "The provider broke off the connection before the answer was complete.", code="upstream_disconnected"
        )
    if isinstance(error, litellm.APIConnectionError):
        return UpstreamError("The provider could not be reached.", code="upstream_unreachable")
    return UpstreamError("The provider failed to answer.")


_TIMEOUTS = (litellm.Timeout, asyncio.TimeoutError, TimeoutError, httpx.TimeoutException)
_BROKEN = (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError, ConnectionError)


def _causes(error: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from or while handling, outermost first (cycles cut)."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and all(link is not seen for seen in chain) and len(chain) < 32:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain

"""OpenAI Embeddings: ``POST /v1/embeddings``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.conversation import Api, Conversation, OpaquePart
from core.errors import BadRequest
from proxy.answer import EmbeddingAnswer
from proxy.formats import fields, outbound
from proxy.formats.openai_chat import error_body  # same error shape on every OpenAI endpoint

API: Api = "openai.embeddings"
__all__ = ["API", "parse", "render_answer", "error_body"]

CONSUMED_FIELDS = frozenset({"model"})


def parse(body: dict[str, Any], client_headers: Mapping[str, str] | None = None) -> Conversation:
    model = fields.model_name(body)
    if "input" not in body or body["input"] is None:
        raise BadRequest("'input' is required.", param="input")
    conversation = Conversation(api=API, model=model, body=body, client_headers=dict(client_headers or {}))
    value = body["input"]
    if isinstance(value, str):
        pass
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            if isinstance(item, str):
                continue
            elif isinstance(item, int) and not isinstance(item, bool):
                # A list of token ids: one opaque input, it cannot be read as text here.
                conversation.opaque_parts.append(OpaquePart("tokens", ("input",)))
                break
            elif isinstance(item, list) and all(isinstance(t, int) and not isinstance(t, bool) for t in item):
                conversation.opaque_parts.append(OpaquePart("tokens", ("input", index)))
            else:
                raise BadRequest(
                    f"'input[{index}]' must be a string or an array of token ids.", param=f"input[{index}]"
                )
    else:
        raise BadRequest("'input' must be a string or a non-empty array.", param="input")
    encoding = fields.optional(body, "encoding_format", str)
    if encoding not in (None, "float", "base64"):
        raise BadRequest("'encoding_format' must be 'float' or 'base64'.", param="encoding_format")
    fields.optional(body, "dimensions", int)
    forwarded = {key: value for key, value in body.items() if key not in CONSUMED_FIELDS}
    outbound.attach(conversation, forwarded, outbound.EMBEDDINGS_REQUEST)
    return conversation


def render_answer(answer: EmbeddingAnswer, model: str) -> dict[str, Any]:
    usage = answer.usage
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": index, "embedding": vector} for index, vector in enumerate(answer.vectors)
        ],
        "model": model,
        "usage": {
            "prompt_tokens": usage.input_tokens if usage else 0,
            "total_tokens": usage.input_tokens if usage else 0,
        },
    }

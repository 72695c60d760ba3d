"""JSON Schemas of the request bodies, for the OpenAPI document.

Chat completions and embeddings are described from the outbound declaration itself
(``proxy.formats.outbound``): what the gateway forwards is what those parsers check,
so the schema cannot drift from them. Responses and Anthropic Messages bodies are
translated before they are projected; their schemas are built here from the same
sets of roles and content types the adapters use, with the forwarded numbers and
texts taken from the declaration. Every object allows other properties: unknown
fields are dropped and recorded, not refused.
"""

from __future__ import annotations

from typing import Any

from proxy.formats import anthropic_messages, openai_responses, outbound

STRING = {"type": "string"}
MODEL = {"type": "string", "minLength": 1, "description": "A model name from GET /v1/models."}
STREAM = {"type": "boolean"}


def schema_of(node: outbound.Node) -> dict[str, Any]:
    """The JSON Schema of one position of the declaration."""
    if isinstance(node, (outbound.Text, outbound.Id, outbound.Media)):
        return dict(STRING)
    if isinstance(node, outbound.Enum):
        return {"type": "string", "enum": list(node.values)}
    if isinstance(node, outbound.Number):
        low, high = (int(node.low), int(node.high)) if node.integer else (node.low, node.high)
        return {"type": "integer" if node.integer else "number", "minimum": low, "maximum": high}
    if isinstance(node, outbound.Flag):
        return {"type": "boolean"}
    if isinstance(node, outbound.Json):
        return {}
    if isinstance(node, outbound.Seq):
        out: dict[str, Any] = {"type": "array", "items": schema_of(node.item)}
        if node.min_items:
            out["minItems"] = node.min_items
        return out
    if isinstance(node, outbound.Either):
        return {"anyOf": [schema_of(option) for option in node.options]}
    if isinstance(node, outbound.Tagged):
        variants = []
        for tag, variant in node.variants.items():
            schema = schema_of(variant)
            schema["properties"] = {node.tag: {"type": "string", "enum": [tag]}, **schema["properties"]}
            if node.default != tag:
                schema["required"] = [node.tag, *schema.get("required", [])]
            variants.append(schema)
        return {"anyOf": variants}
    if isinstance(node, outbound.Obj):
        out = {"type": "object", "properties": {key: schema_of(item) for key, item in node.fields.items()}}
        if node.required:
            out["required"] = list(node.required)
        return out
    raise TypeError(f"no schema for {type(node).__name__}")


def _with_model(declaration: outbound.Obj, stream: bool = True) -> dict[str, Any]:
    schema = schema_of(declaration)
    schema["properties"] = {"model": MODEL, **({"stream": STREAM} if stream else {}), **schema["properties"]}
    schema["required"] = ["model", *schema.get("required", [])]
    return schema


def _field(name: str) -> dict[str, Any]:
    return schema_of(outbound.CHAT_REQUEST.fields[name])


def _content_parts(text_types: list[str], other_types: list[str]) -> dict[str, Any]:
    text = {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": text_types}, "text": STRING},
        "required": ["type", "text"],
    }
    other = {"type": "object", "properties": {"type": {"type": "string", "enum": other_types}}, "required": ["type"]}
    return {"type": "array", "items": {"anyOf": [text, other]}}


def responses_request() -> dict[str, Any]:
    text_parts = sorted(openai_responses._TEXT_PARTS)
    message = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["message"]},
            "role": {"type": "string", "enum": sorted(openai_responses._MESSAGE_ROLES)},
            "content": {
                "anyOf": [STRING, _content_parts(text_parts, ["refusal", *sorted(openai_responses._OPAQUE_PARTS)])]
            },
        },
        "required": ["role", "content"],
    }
    function_call = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["function_call"]},
            "call_id": STRING,
            "name": STRING,
            "arguments": STRING,
        },
        "required": ["type", "name", "arguments"],
    }
    function_output = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["function_call_output"]},
            "call_id": STRING,
            "output": STRING,
        },
        "required": ["type", "output"],
    }
    return {
        "type": "object",
        "properties": {
            "model": MODEL,
            "stream": STREAM,
            "input": {
                "anyOf": [STRING, {"type": "array", "items": {"anyOf": [message, function_call, function_output]}}]
            },
            "instructions": STRING,
            "max_output_tokens": _field("max_tokens"),
            "temperature": _field("temperature"),
            "top_p": _field("top_p"),
            "top_logprobs": _field("top_logprobs"),
            "parallel_tool_calls": _field("parallel_tool_calls"),
            "user": STRING,
            "tools": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "enum": ["function"]},
                        "name": STRING,
                        "description": STRING,
                        "parameters": {},
                    },
                    "required": ["type", "name"],
                },
            },
            "tool_choice": {"anyOf": [{"type": "string", "enum": ["auto", "none", "required"]}, {"type": "object"}]},
            "reasoning": {"type": "object", "properties": {"effort": _field("reasoning_effort")}},
        },
        "required": ["model", "input"],
    }


def messages_request() -> dict[str, Any]:
    text_block = {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": ["text"]}, "text": STRING},
        "required": ["type", "text"],
    }
    tool_use = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["tool_use"]},
            "id": STRING,
            "name": STRING,
            "input": {"type": "object"},
        },
        "required": ["type", "id", "name", "input"],
    }
    tool_result = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["tool_result"]},
            "tool_use_id": STRING,
            "content": {"anyOf": [STRING, {"type": "array", "items": text_block}]},
        },
        "required": ["type", "tool_use_id"],
    }
    message = {
        "type": "object",
        "properties": {
            "role": {"type": "string", "enum": sorted(anthropic_messages._ROLES)},
            "content": {"anyOf": [STRING, {"type": "array", "items": {"anyOf": [text_block, tool_use, tool_result]}}]},
        },
        "required": ["role", "content"],
    }
    return {
        "type": "object",
        "properties": {
            "model": MODEL,
            "stream": STREAM,
            "max_tokens": _field("max_tokens"),
            "messages": {"type": "array", "items": message, "minItems": 1},
            "system": {"anyOf": [STRING, {"type": "array", "items": text_block}]},
            "temperature": _field("temperature"),
            "top_p": _field("top_p"),
            "top_k": _field("top_k"),
            "stop_sequences": {"type": "array", "items": STRING, "maxItems": 16},
            "tools": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": STRING, "description": STRING, "input_schema": {"type": "object"}},
                    "required": ["name", "input_schema"],
                },
            },
            "tool_choice": {
                "type": "object",
                "properties": {"type": {"type": "string", "enum": ["auto", "any", "none", "tool"]}, "name": STRING},
                "required": ["type"],
            },
            "metadata": {"type": "object", "properties": {"user_id": STRING}},
        },
        "required": ["model", "max_tokens", "messages"],
    }


def request_schemas() -> dict[str, dict[str, Any]]:
    """The request-body schema of every model route."""
    return {
        "/v1/chat/completions": _with_model(outbound.CHAT_REQUEST),
        "/v1/responses": responses_request(),
        "/v1/messages": messages_request(),
        "/v1/embeddings": _with_model(outbound.EMBEDDINGS_REQUEST, stream=False),
    }


def openapi_extra(endpoint: str) -> dict[str, Any]:
    """What ``app.add_api_route(openapi_extra=...)`` needs to publish a route's request body."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": request_schemas()[endpoint]}}}}

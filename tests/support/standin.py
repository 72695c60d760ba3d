"""A stand-in LLM provider: a real HTTP server on 127.0.0.1 speaking OpenAI's and Anthropic's APIs.

No provider is reachable from here, so this plays one. It records every request
it receives, which lets tests prove what left the gateway (placeholders, never
the raw personal data).

Its behaviour is chosen by the model name the gateway asks for, so one server
serves every test without shared switches:

    echo        answers "You said: <last user text>" (streamed word by word when asked)
    tools       answers with a call to the function ``lookup_record``
    fail-500    answers HTTP 500            fail-400    answers HTTP 400
    slow        waits 5 s before answering  drop        streams two chunks, then breaks the connection
    long        streams 200 chunks, 50 ms apart (for client-disconnect tests)
    stall       streams its first chunk, then sends nothing for 30 s (``claude-stall`` does the same on the Anthropic API)
    brief       answers with one fixed short paragraph (benchmarks)
    paced       the same paragraph, streamed one word every 20 ms, as a provider generates it (benchmarks)
    claude-*    ``claude-echo``, ``claude-stall``, ``claude-slow``, ``claude-fail-500``: the same behaviours on the Anthropic API
    scripted    answers with the text a test set by ``recorder.script(chunks)``, streamed in exactly those chunks
                (``claude-scripted`` does the same on the Anthropic API); ``recorder.script_call(name, chunks)``
                makes it call a function instead, its arguments streamed in those chunks
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

BRIEF_ANSWER = (
    "Here is a short summary of the points you raised, with the actions agreed at the meeting and the owners for each "
    "of them, so the team can follow up before the next review."
)


@dataclass
class Recorder:
    requests: list[dict] = field(default_factory=list)
    cancelled_streams: int = 0
    completed_streams: int = 0
    cancelled_calls: int = 0  # non-streamed calls (``slow``) whose caller hung up before the answer
    scripted: list[str] = field(default_factory=list)
    scripted_call: tuple[str, list[str]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, chunks: list[str]) -> None:
        """What model ``scripted`` answers next: these chunks (joined, when the answer is not streamed)."""
        with self._lock:
            self.scripted = list(chunks)

    def script_call(self, name: str, argument_chunks: list[str]) -> None:
        """What model ``scripted`` answers next on the OpenAI API: a call of ``name`` with these arguments."""
        with self._lock:
            self.scripted_call = (name, list(argument_chunks))

    def add(self, path: str, headers: dict, body: dict) -> None:
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": body})

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.cancelled_streams = 0
            self.cancelled_calls = 0
            self.completed_streams = 0
            self.scripted = []
            self.scripted_call = None

    def text(self) -> str:
        """Everything received, as one string, for "this value never left the gateway" checks."""
        with self._lock:
            return json.dumps(self.requests)


def _last_user_text(messages: list) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _words(text: str) -> list[str]:
    parts = text.split(" ")
    return [part + (" " if i < len(parts) - 1 else "") for i, part in enumerate(parts)]


def build_app(recorder: Recorder) -> Starlette:
    async def chat_completions(request: Request) -> Response:
        body = await request.json()
        recorder.add("/v1/chat/completions", _safe_headers(request), body)
        model = body.get("model", "")
        failure = await _failure(model, request, recorder)
        if failure is not None:
            return failure
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        text = BRIEF_ANSWER if model in ("brief", "paced") else "You said: " + _last_user_text(body.get("messages", []))
        text = "".join(recorder.scripted) if model == "scripted" else text
        if body.get("stream"):
            return StreamingResponse(
                _openai_stream(recorder, completion_id, created, model, text, body), media_type="text/event-stream"
            )
        message: dict = {"role": "assistant", "content": text}
        finish = "stop"
        if model == "tools" or (model == "scripted" and recorder.scripted_call):
            message = {"role": "assistant", "content": None, "tool_calls": [_tool_call(recorder, model)]}
            finish = "tool_calls"
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {
                    "prompt_tokens": 12,
                    "completion_tokens": len(text.split()),
                    "total_tokens": 12 + len(text.split()),
                },
            }
        )

    async def embeddings(request: Request) -> Response:
        body = await request.json()
        recorder.add("/v1/embeddings", _safe_headers(request), body)
        inputs = body.get("input")
        inputs = inputs if isinstance(inputs, list) else [inputs]
        data = [
            {"object": "embedding", "index": i, "embedding": [0.1 * (i + 1), 0.2, 0.3]} for i, _ in enumerate(inputs)
        ]
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": body.get("model"),
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            }
        )

    async def anthropic_messages(request: Request) -> Response:
        body = await request.json()
        recorder.add("/v1/messages", _safe_headers(request), body)
        model = body.get("model", "")
        failure = await _failure(model, request, recorder)
        if failure is not None:
            return failure
        text = (
            "".join(recorder.scripted)
            if model == "scripted"
            else "You said: " + _last_user_text(body.get("messages", []))
        )
        message_id = f"msg_{uuid.uuid4().hex[:12]}"
        if model == "stall" and body.get("stream"):
            return StreamingResponse(_anthropic_stall(recorder, message_id, model), media_type="text/event-stream")
        if body.get("stream"):
            pieces = list(recorder.scripted) if model == "scripted" else _words(text)
            return StreamingResponse(
                _anthropic_stream(recorder, message_id, model, pieces), media_type="text/event-stream"
            )
        return JSONResponse(
            {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": len(text.split())},
            }
        )

    async def recorded(request: Request) -> Response:
        return JSONResponse(recorder.requests)

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/messages", anthropic_messages, methods=["POST"]),
            Route("/_recorded", recorded, methods=["GET"]),
        ]
    )


def _safe_headers(request: Request) -> dict:
    return {k: v for k, v in request.headers.items() if k.lower() not in {"authorization", "x-api-key"}}


async def _failure(model: str, request: Request | None = None, recorder: Recorder | None = None) -> Response | None:
    if model == "fail-500":
        return JSONResponse({"error": {"message": "stand-in failure", "type": "server_error"}}, status_code=500)
    if model == "fail-400":
        return JSONResponse(
            {"error": {"message": "stand-in rejects this", "type": "invalid_request_error"}}, status_code=400
        )
    if model == "slow":
        for _ in range(50):  # 5 s, noticing a caller that hangs up
            await asyncio.sleep(0.1)
            if request is not None and recorder is not None and await request.is_disconnected():
                recorder.cancelled_calls += 1
                return Response(status_code=499)
    return None


def _tool_call(recorder: Recorder | None = None, model: str = "tools") -> dict:
    if recorder is not None and model == "scripted" and recorder.scripted_call:
        name, chunks = recorder.scripted_call
        return {"id": "call_scripted1", "type": "function", "function": {"name": name, "arguments": "".join(chunks)}}
    return {
        "id": "call_standin1",
        "type": "function",
        "function": {"name": "lookup_record", "arguments": '{"id": "42"}'},
    }


async def _openai_stream(recorder: Recorder, completion_id: str, created: int, model: str, text: str, body: dict):
    def chunk(delta: dict, finish: str | None = None) -> bytes:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload)}\n\n".encode()

    try:
        yield chunk({"role": "assistant", "content": ""})
        if model == "tools" or (model == "scripted" and recorder.scripted_call):
            call = _tool_call(recorder, model)
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
            pieces = (
                recorder.scripted_call[1]
                if model == "scripted" and recorder.scripted_call
                else [call["function"]["arguments"]]
            )
            for piece in pieces:
                yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            yield chunk({}, "tool_calls")
        elif model == "stall":
            yield chunk({"content": "first "})
            await asyncio.sleep(30)
            yield chunk({}, "stop")
        elif model == "long":
            for number in range(200):
                yield chunk({"content": f"word{number} "})
                await asyncio.sleep(0.05)
            yield chunk({}, "stop")
        else:
            words = list(recorder.scripted) if model == "scripted" else _words(text)
            for index, word in enumerate(words):
                if model == "drop" and index == 2:
                    raise ConnectionResetError("stand-in drops the connection mid-stream")
                if model == "paced" and index:
                    await asyncio.sleep(0.02)
                yield chunk({"content": word})
            yield chunk({}, "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
            yield f"data: {json.dumps({'id': completion_id, 'object': 'chat.completion.chunk', 'created': created, 'model': model, 'choices': [], 'usage': usage})}\n\n".encode()
        yield b"data: [DONE]\n\n"
        recorder.completed_streams += 1
    except (asyncio.CancelledError, GeneratorExit):
        recorder.cancelled_streams += 1
        raise


async def _anthropic_stream(recorder: Recorder, message_id: str, model: str, pieces: list[str]):
    def event(kind: str, data: dict) -> bytes:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()

    yield event(
        "message_start",
        {
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 1},
            }
        },
    )
    yield event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    for word in pieces:
        yield event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": word}})
    yield event("content_block_stop", {"index": 0})
    yield event(
        "message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 5}}
    )
    yield event("message_stop", {})
    recorder.completed_streams += 1


async def _anthropic_stall(recorder: Recorder, message_id: str, model: str):
    """The start of a Messages stream, then nothing: a provider that has stalled mid-answer."""
    yield (
        f"event: message_start\ndata: {json.dumps({'type': 'message_start', 'message': {'id': message_id, 'type': 'message', 'role': 'assistant', 'model': model, 'content': [], 'stop_reason': None, 'stop_sequence': None, 'usage': {'input_tokens': 12, 'output_tokens': 1}}})}\n\n"
    ).encode()
    yield (
        f"event: content_block_start\ndata: {json.dumps({'type': 'content_block_start', 'index': 0, 'content_block': {'type': 'text', 'text': ''}})}\n\n"
    ).encode()
    yield (
        f"event: content_block_delta\ndata: {json.dumps({'type': 'content_block_delta', 'index': 0, 'delta': {'type': 'text_delta', 'text': 'first '}})}\n\n"
    ).encode()
    try:
        await asyncio.sleep(30)
    except (asyncio.CancelledError, GeneratorExit):
        recorder.cancelled_streams += 1
        raise


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StandInProvider:
    """The stand-in running in a background thread of the test process."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        config = uvicorn.Config(
            build_app(self.recorder), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> StandInProvider:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the stand-in provider did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def model_list(
        self,
        behaviours: tuple[str, ...] = (
            "echo",
            "tools",
            "fail-500",
            "fail-400",
            "slow",
            "drop",
            "long",
            "brief",
            "scripted",
            "stall",
        ),
    ) -> list[dict]:
        """litellm ``model_list`` entries that route each behaviour to this server."""
        entries = model_list_for(self.base_url, behaviours)
        entries.append(
            {
                "model_name": "claude-echo",
                "litellm_params": {
                    "model": "anthropic/echo",
                    "api_base": f"http://127.0.0.1:{self.port}",
                    "api_key": "standin-key",
                },
            }
        )
        for behaviour in ("stall", "slow", "fail-500"):
            entries.append(
                {
                    "model_name": f"claude-{behaviour}",
                    "litellm_params": {
                        "model": f"anthropic/{behaviour}",
                        "api_base": f"http://127.0.0.1:{self.port}",
                        "api_key": "standin-key",
                    },
                }
            )
        entries.append(
            {
                "model_name": "claude-scripted",
                "litellm_params": {
                    "model": "anthropic/scripted",
                    "api_base": f"http://127.0.0.1:{self.port}",
                    "api_key": "standin-key",
                },
            }
        )
        entries.append(
            {
                "model_name": "embed",
                "litellm_params": {"model": "openai/embed", "api_base": self.base_url, "api_key": "standin-key"},
            }
        )
        return entries


def model_list_for(base_url: str, behaviours: tuple[str, ...]) -> list[dict]:
    return [
        {
            "model_name": name,
            "litellm_params": {"model": f"openai/{name}", "api_base": base_url, "api_key": "standin-key"},
        }
        for name in behaviours
    ]


if __name__ == "__main__":  # run it by hand: python -m tests.support.standin PORT
    import sys

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9999
    uvicorn.run(
        build_app(Recorder()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )

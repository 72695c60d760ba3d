"""One request id per HTTP request, made in one place.

A pure ASGI middleware: it makes the id before any route runs, keeps it in the
request's state (``request.state.request_id``) for the pipeline, the audit
trail and error messages, and puts it on every response as ``x-request-id`` —
errors raised anywhere included — so a user can always quote it.
"""

from __future__ import annotations

import secrets

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def request_id_of(connection: HTTPConnection) -> str:
    """The id the middleware gave this request (a new one where no middleware ran, as in some unit tests)."""
    state = connection.scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = new_request_id()
    request_id: str = state["request_id"]
    return request_id


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(HTTPConnection(scope)).encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", []) if name.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, request_id)]}
            await send(message)

        await self.app(scope, receive, send_with_id)

"""The one error hierarchy of the gateway.

Every failure a client can see is one of these. Each API adapter renders them
in its own wire shape (``proxy.formats.*.error_body``); nothing else decides
status codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class HandrailError(Exception):
    """Base of every error a client can be answered with."""

    status: int = 500
    code: str = "internal_error"
    openai_type: str = "server_error"
    anthropic_type: str = "api_error"
    # The outcome recorded in the audit trail for a request that ended here.
    outcome: str = "failed"

    def __init_subclass__(
        cls,
        *,
        status: int | None = None,
        code: str | None = None,
        openai_type: str | None = None,
        anthropic_type: str | None = None,
        outcome: str | None = None,
    ) -> None:
        """Each error is declared in one line: what it is, in each API's vocabulary; unsaid values are inherited."""
        super().__init_subclass__()
        declared = {
            "status": status,
            "code": code,
            "openai_type": openai_type,
            "anthropic_type": anthropic_type,
            "outcome": outcome,
        }
        for name, value in declared.items():
            if value is not None:
                setattr(cls, name, value)

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.param = param


class BadRequest(
    HandrailError,
    status=400,
    code="invalid_request",
    openai_type="invalid_request_error",
    anthropic_type="invalid_request_error",
    outcome="rejected",
):
    """The request cannot be read as the API defines it; the message names the field, never its value."""


class BodyTooLarge(BadRequest, status=413, code="request_too_large", anthropic_type="request_too_large"):
    """The body is over the gateway's byte limit."""


class TextTooLong(BodyTooLarge, code="text_too_long"):
    """The body is within its byte limit, but holds more text to scan than the gateway reads for one request."""


class UnknownModel(BadRequest, status=404, code="model_not_found", anthropic_type="not_found_error"):
    """The model is not one the gateway is configured to serve (its name is not quoted back)."""


class NotFound(BadRequest, status=404, code="not_found", anthropic_type="not_found_error"):
    """No such route or record."""


class MethodNotAllowed(BadRequest, status=405, code="method_not_allowed"):
    """The route exists, but not for this HTTP method."""


class PolicyNotReloaded(BadRequest, status=422, code="policy_rejected"):
    """A new policy was refused at reload; the previous one stays in force."""


class Unauthorised(
    HandrailError,
    status=401,
    code="invalid_api_key",
    openai_type="invalid_request_error",
    anthropic_type="authentication_error",
    outcome="rejected",
):
    """No key, an unknown key, or an expired one."""


class Forbidden(
    HandrailError,
    status=403,
    code="insufficient_role",
    openai_type="permission_error",
    anthropic_type="permission_error",
    outcome="rejected",
):
    """The caller's roles do not allow this route."""


class PolicyRefusal(
    HandrailError,
    status=403,
    code="policy_violation",
    openai_type="policy_violation",
    anthropic_type="permission_error",
    outcome="blocked",
):
    """The policy decided to block the request (or the model's answer)."""


class RateLimited(
    HandrailError,
    status=429,
    code="rate_limited",
    openai_type="rate_limit_error",
    anthropic_type="rate_limit_error",
    outcome="rejected",
):
    """A key or department spent its token bucket; ``retry_after`` says when the next request would be let through."""

    def __init__(self, message: str, *, retry_after: float | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"retry-after": str(max(1, math.ceil(self.retry_after)))} if self.retry_after else {}


class UpstreamError(
    HandrailError,
    status=502,
    code="upstream_error",
    openai_type="upstream_error",
    anthropic_type="api_error",
    outcome="upstream_error",
):
    """The provider failed or answered with an error."""


class UpstreamTimeout(UpstreamError, status=504, code="upstream_timeout", anthropic_type="timeout_error"):
    """The provider did not answer within its timeout."""


class ClientDisconnected(HandrailError, status=499, code="client_closed_request", outcome="cancelled"):
    """The client hung up before the answer was ready; the provider call was cancelled. Recorded, never sent."""


class ServerStopping(
    HandrailError,
    status=503,
    code="server_shutting_down",
    openai_type="service_unavailable",
    anthropic_type="overloaded_error",
    outcome="cancelled",
):
    """The server is stopping and its grace period ended while a stream was still open: cut, and recorded so."""


class GuardFailure(
    HandrailError,
    status=503,
    code="guard_unavailable",
    openai_type="service_unavailable",
    anthropic_type="overloaded_error",
    outcome="failed",
):
    """A guard stage (detectors, policy engine, audit store) could not do its job.

    The request is refused: nothing is forwarded unscanned, undecided or unlogged.
    """


@dataclass(frozen=True, slots=True)
class ErrorView:
    """What an adapter needs to render an error, whatever raised it."""

    status: int
    code: str
    openai_type: str
    anthropic_type: str
    message: str
    param: str | None = None

    @classmethod
    def of(cls, error: HandrailError) -> ErrorView:
        return cls(error.status, error.code, error.openai_type, error.anthropic_type, error.message, error.param)

    def message_with_request_id(self, request_id: str) -> str:
        """Clients quote the request id to the service desk; every error message carries it."""
        return f"{self.message} (request id: {request_id})"

"""HTTP routes for auditors: ``/v1/audit/events``, ``/v1/audit/events/{request_id}``, ``/v1/audit/stats``,
``/v1/audit/export``.

``audit_router(get_store, authenticate)`` builds them over any store and any authentication; the gateway mounts
them with ``proxy.app.gateway_audit_router()``, which takes both from the running app (``app.state.services``) and
requires a key with the ``auditor`` role. Every call is recorded in the trail (who, which filters) before anything is read; if that
fails the call is refused with 503, like any request the audit trail cannot record.

Filters are query parameters with the same names and forms as the command line's options
(``since``, ``until``, ``user``, ``department``, ``model``, ``decision``, ``outcome``, ``reason``, ``finding``,
``signal``, ``experiment``, ``request_id``, ``text``, ``policy_version``, ``personal_data``, ``kind``); unknown
parameters are an error. A filter takes several values comma-separated or repeated (``finding=UK_NINO&finding=PERSON``);
any of them matches, and every filter given must hold.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

import anyio
from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from audit.access import Auditor, AuditReader, Authenticated
from audit.export import MEDIA_TYPES
from audit.queries import DEFAULT_DIMENSIONS, EventFilter, FilterError
from audit.store import AuditStore, AuditUnavailable

StoreProvider = Callable[[Request], AuditStore]
Authenticator = Callable[[Request], Awaitable[Authenticated]]  # returns a principal (user, department, roles, key_id)

PAGE_OPTIONS = ("limit", "cursor", "order")


def audit_router(get_store: StoreProvider, authenticate: Authenticator) -> APIRouter:
    """The auditors' routes. ``authenticate`` raises (an error with ``status``, ``code`` and ``message``) to refuse."""
    router = APIRouter(prefix="/v1/audit", tags=["audit"])

    async def reader_for(request: Request, request_id: str) -> AuditReader:
        principal = await authenticate(request)
        client = request.client.host if request.client else None
        return AuditReader(get_store(request), Auditor.from_principal(principal, client), request_id)

    @router.get("/events")
    async def list_events(request: Request) -> Response:
        """A page of events matching the filters, newest first; ``next_cursor`` (as ``cursor``) fetches the next."""
        request_id = _request_id(request)
        try:
            params = query_parameters(request)
            page_options = {name: _one(params.pop(name), name) for name in PAGE_OPTIONS if name in params}
            limit = _integer(page_options.get("limit", "50"), "limit")
            filters = EventFilter.from_mapping(params)
            reader = await reader_for(request, request_id)
            page = await anyio.to_thread.run_sync(
                lambda: reader.search(
                    filters, limit, page_options.get("cursor") or None, page_options.get("order", "desc")
                )
            )
        except Exception as error:
            return _error_response(error, request_id)
        return JSONResponse(page.to_document(), headers={"x-request-id": request_id})

    @router.get("/events/{event_id}")
    async def one_event(event_id: str, request: Request) -> Response:
        """Everything recorded about one request."""
        request_id = _request_id(request)
        try:
            if request.query_params:
                raise FilterError("this route takes no query parameters", next(iter(request.query_params)))
            reader = await reader_for(request, request_id)
            event = await anyio.to_thread.run_sync(reader.event, event_id)
        except Exception as error:
            return _error_response(error, request_id)
        if event is None:
            return _error_body(
                404, "not_found", "invalid_request_error", f"No event {event_id!r} was recorded.", None, request_id
            )
        return JSONResponse(event, headers={"x-request-id": request_id})

    @router.get("/stats")
    async def stats(request: Request) -> Response:
        """Counts by day, decision, department, model, reason and outcome (``by=day,decision`` to choose)."""
        request_id = _request_id(request)
        try:
            params = query_parameters(request)
            by = tuple(
                part.strip()
                for part in _one(params.pop("by", ",".join(DEFAULT_DIMENSIONS)), "by").split(",")
                if part.strip()
            )
            filters = EventFilter.from_mapping(params)
            reader = await reader_for(request, request_id)
            result = await anyio.to_thread.run_sync(reader.stats, filters, by)
        except Exception as error:
            return _error_response(error, request_id)
        return JSONResponse(result, headers={"x-request-id": request_id})

    @router.get("/export")
    async def export(request: Request) -> Response:
        """Every matching event, oldest first, streamed as CSV or JSON Lines (``format=csv|jsonl``)."""
        request_id = _request_id(request)
        try:
            params = query_parameters(request)
            export_format = _one(params.pop("format", "jsonl"), "format")
            filters = EventFilter.from_mapping(params)
            reader = await reader_for(request, request_id)
            chunks = await anyio.to_thread.run_sync(reader.export, filters, export_format)
        except Exception as error:
            return _error_response(error, request_id)
        extension = "csv" if export_format == "csv" else "jsonl"
        headers = {
            "x-request-id": request_id,
            "content-disposition": f'attachment; filename="handrail-audit-{request_id}.{extension}"',
        }
        return StreamingResponse(chunks, media_type=MEDIA_TYPES[export_format], headers=headers)

    return router


def _request_id(request: Request) -> str:
    """The id the gateway's middleware gave this request (kept in the request's state), or a new one."""
    state = request.scope.setdefault("state", {})
    request_id: str = state.setdefault("request_id", "req_" + secrets.token_hex(12))
    return request_id


def query_parameters(request: Request) -> dict[str, str | list[str]]:
    """The query string with repeated names kept: ``finding=A&finding=B`` is a list (a filter's several values)."""
    parameters: dict[str, str | list[str]] = {}
    for name in request.query_params.keys():
        values = request.query_params.getlist(name)
        parameters[name] = values[0] if len(values) == 1 else values
    return parameters


def _one(value: str | list[str], name: str) -> str:
    if isinstance(value, list):
        raise FilterError(f"{name} takes one value", name)
    return value


def _integer(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise FilterError(f"{name} must be a whole number", name) from None


def _error_response(error: Exception, request_id: str) -> Response:
    if isinstance(error, FilterError):
        return _error_body(400, "invalid_filter", "invalid_request_error", str(error), error.parameter, request_id)
    if isinstance(error, AuditUnavailable):
        return _error_body(
            503,
            "guard_unavailable",
            "service_unavailable",
            "The audit trail could not record this reading of it, so nothing was read.",
            None,
            request_id,
        )
    status = getattr(error, "status", None)
    if isinstance(status, int):  # the gateway's own errors (unauthorised, forbidden, guard failure ...)
        return _error_body(
            status,
            getattr(error, "code", "error"),
            getattr(error, "openai_type", "invalid_request_error"),
            getattr(error, "message", str(error)),
            getattr(error, "param", None),
            request_id,
        )
    raise error


def _error_body(status: int, code: str, kind: str, message: str, param: str | None, request_id: str) -> JSONResponse:
    body = {"error": {"message": f"{message} (request id: {request_id})", "type": kind, "param": param, "code": code}}
    headers = {"x-request-id": request_id}
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=headers)

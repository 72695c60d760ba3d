"""The HTTP front: thin routes over the pipeline.

Routes only pick the adapter and hand over; what happens to a request is in
``proxy.pipeline``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from audit.http import audit_router
from audit.store import AuditStore
from core.errors import BadRequest, HandrailError, MethodNotAllowed, NotFound, PolicyNotReloaded
from proxy import logs, metrics, pipeline
from proxy.auth import Principal
from proxy.config import Settings, load_settings
from proxy.console.routes import console_not_found, mount_console
from proxy.formats import openai_chat, schemas
from proxy.policy.engine import PolicyRejected
from proxy.request_ids import RequestIds, request_id_of
from proxy.services import Services

log = logging.getLogger("handrail")

MODEL_ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/messages", "/v1/embeddings")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI application; ``handrail serve`` calls this once per worker process."""
    settings = settings or load_settings()
    logs.configure(settings.server.log_format, settings.server.log_level)
    # litellm and Presidio log every call at INFO; the gateway's own line per request is enough.
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "presidio-analyzer", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Models load once per worker, off the event loop.
        app.state.services = services = await anyio.to_thread.run_sync(Services.start, settings)
        metrics.bound_labels(settings.model_names())
        if services.policy is not None and services.policy.version:
            metrics.note_policy_revision(services.policy.version)
        # At the end of the grace period after SIGTERM, open streams get a final error event (proxy.shutdown).
        services.shutdown.install(settings.server.shutdown_grace_seconds)
        yield
        if services.policy is not None:
            services.policy.close()
        if services.audit is not None:
            # Signs a final checkpoint, so a cut-off tail after this point is detectable.
            await anyio.to_thread.run_sync(services.audit.close)

    app = FastAPI(title="Handrail", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)

    app.include_router(gateway_audit_router())
    mount_console(app)
    for endpoint in MODEL_ENDPOINTS:
        app.add_api_route(
            endpoint,
            _model_route(endpoint),
            methods=["POST"],
            include_in_schema=True,
            openapi_extra=schemas.openapi_extra(endpoint),
        )

    @app.get("/v1/models")
    async def list_models(request: Request) -> Response:
        names = await pipeline.models_for(request, request.app.state.services)
        return JSONResponse(_models_document(request, names))

    @app.post("/v1/messages/count_tokens")
    async def count_tokens(request: Request) -> Response:
        return await pipeline.count_tokens(request, request.app.state.services)

    @app.post("/v1/guardrail/scan")
    async def guardrail_scan(request: Request) -> Response:
        return await pipeline.handle_scan_request(request, request.app.state.services)

    @app.get("/healthz")
    async def healthz() -> Response:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz(request: Request) -> Response:
        services: Services = request.app.state.services
        state = await anyio.to_thread.run_sync(services.readiness)
        ready = all(value == "ok" for value in state.values())
        # The revision in force is reported whether or not a newer one was refused: replicas can be compared.
        body = {"status": "ready" if ready else "not ready", **state, **services.policy_state()}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics_route() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.post("/admin/policies/reload")
    async def reload_policies(request: Request) -> Response:
        services: Services = request.app.state.services
        await pipeline.authenticate(request, services, "policy-admin")
        engine = services.require_policy()
        try:
            version = await anyio.to_thread.run_sync(engine.reload)
        except PolicyRejected as error:
            # The engine keeps the last good policy in force; say why the new one was rejected.
            raise PolicyNotReloaded(
                f"The policy was not reloaded, the previous one ({engine.version}) stays in force: {error}"
            ) from None
        return JSONResponse({"status": "reloaded", "policy_version": version})

    # The one place errors become responses: every route raises a HandrailError, rendered here in the shape of
    # the API the path belongs to. The request-id middleware puts the id on every response, errors included.
    @app.exception_handler(HandrailError)
    async def handrail_error(request: Request, exc: HandrailError) -> Response:
        return pipeline.error_response(_adapter_for_path(request), exc, request_id_of(request))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and request.url.path.startswith("/console"):
            return await console_not_found(request)  # a person is reading: a page, not an API error
        error: HandrailError
        if exc.status_code == 404:
            error = NotFound("No API is served at this path.")
        elif exc.status_code == 405:
            error = MethodNotAllowed("This path does not accept that HTTP method.")
        else:
            error = BadRequest(str(exc.detail))
        return await handrail_error(request, error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return await handrail_error(request, BadRequest("The request does not match this route's parameters."))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return await handrail_error(
            request, HandrailError("The gateway failed unexpectedly; the request was not completed.")
        )

    app.add_middleware(RequestIds)
    return app


def gateway_audit_router() -> APIRouter:
    """The auditors' routes as the gateway serves them: its audit store, and keys with the ``auditor`` role."""

    def store(request: Request) -> AuditStore:
        audit_store: AuditStore = request.app.state.services.require_audit()
        return audit_store

    async def auditor(request: Request) -> Principal:
        return await pipeline.authenticate(request, request.app.state.services, "auditor")

    return audit_router(store, auditor)


def _model_route(endpoint: str) -> Callable[[Request], Awaitable[Response]]:
    async def route(request: Request) -> Response:
        return await pipeline.handle_model_request(request, endpoint, request.app.state.services)

    route.__name__ = "post_" + endpoint.strip("/").replace("/", "_")
    return route


def _adapter_for_path(request: Request) -> ModuleType:
    from proxy.formats import ADAPTERS, anthropic_messages

    path = request.url.path.rstrip("/")
    if path.startswith("/v1/messages"):
        return anthropic_messages
    return ADAPTERS.get(path, _adapter_for_headers(request))


def _adapter_for_headers(request: Request) -> ModuleType:
    """Anthropic clients announce themselves with ``anthropic-version``; everyone else gets OpenAI's shapes."""
    from proxy.formats import anthropic_messages

    return anthropic_messages if "anthropic-version" in request.headers else openai_chat


def _models_document(request: Request, names: list[str]) -> dict[str, Any]:
    if "anthropic-version" in request.headers:
        data = [
            {"type": "model", "id": name, "display_name": name, "created_at": "1970-01-01T00:00:00Z"} for name in names
        ]
        return {
            "data": data,
            "has_more": False,
            "first_id": names[0] if names else None,
            "last_id": names[-1] if names else None,
        }
    return {
        "object": "list",
        "data": [{"id": name, "object": "model", "created": 0, "owned_by": "handrail"} for name in names],
    }

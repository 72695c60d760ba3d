"""The console's exception routes: ask for an exception after a refusal, the policy team's queue, the decision.

``GET /console/exceptions/new?request=<id>``   the form, for the signed-in user's own refused request
``POST /console/exceptions``                   send it (the free text is scanned, findings replaced by their type)
``GET /console/exceptions``                    "My exception requests", and the queue for the policy-admin role
``POST /console/exceptions/{id}/approve``      write the experiment through the checked reload (policy-admin)
``POST /console/exceptions/{id}/refuse``       refuse it (policy-admin)

Every step is recorded in the trail first (``exception-new``, ``exception-request``, ``exceptions``,
``exception-approve``, ``experiment-written``, ``exception-refuse``); if it cannot be recorded, nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio
from fastapi import APIRouter, Request
from starlette.responses import Response

from audit.access import AuditReader
from audit.queries import get_event
from audit.store import AuditUnavailable
from core.errors import HandrailError
from proxy.console import exceptions
from proxy.console.pages import Visit, read_form, start_visit
from proxy.enforce import scrubbed
from proxy.policy.engine import PolicyRejected


def add_exception_routes(
    router: APIRouter,
    to_sign_in: Callable[[Visit], Response],
    unavailable: Callable[[Visit], Response],
    policy_team_only: Callable[[Visit], Response | None],
) -> None:
    @router.get("/exceptions/new")
    async def exception_form(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is None:
            return to_sign_in(visit)
        request_id = request.query_params.get("request", "")
        try:
            refused = await _own_refusal(visit, request_id)
        except AuditUnavailable:
            return unavailable(visit)
        if refused is None:
            return _not_yours(visit)
        reasons = _reason_codes(refused)
        draft = exceptions.Draft(
            request_id=request_id,
            model=str(refused.get("model") or ""),
            relaxes=[exceptions.RELAXES_FOR_REASON[c] for c in reasons if c in exceptions.RELAXES_FOR_REASON],
        )
        return _form(visit, draft, reasons)

    @router.post("/exceptions")
    async def exception_send(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is None:
            return to_sign_in(visit)
        principal = visit.principal
        form = await read_form(request)
        draft = exceptions.Draft.from_form(form, [name for name in exceptions.RELAXABLE if form.get(f"relax_{name}")])
        if not visit.session.csrf_matches(form.get("csrf_token")):
            draft.errors["justification"] = "The form expired: send it again"
        services = request.app.state.services
        try:
            refused = (
                await _own_refusal(visit, draft.request_id, record=False) if "request" not in draft.errors else None
            )
        except AuditUnavailable:
            return unavailable(visit)
        if refused is None and "request" not in draft.errors:
            draft.errors["request"] = "Open this form from the link in the refusal message of your own request"
        reasons = _reason_codes(refused or {})
        try:
            # Free text is client text: scanned like a prompt, each finding replaced by its type, before anything.
            analyze = services.require_scanner().analyze_text
            justification = await anyio.to_thread.run_sync(scrubbed, draft.justification, analyze)
        except HandrailError:
            draft.errors["justification"] = "Your explanation could not be checked: try again in a few minutes"
            justification = ""
        if draft.errors:
            draft.justification = justification  # never shown back raw
            return _form(visit, draft, reasons, status=400)
        owners = exceptions.owners_for(services.settings.policy.path, draft.model, principal.department, draft.relaxes)
        engine = services.require_audit().engine
        try:
            await anyio.to_thread.run_sync(
                visit.reader().note,
                "exception-request",
                {
                    "request_id": draft.request_id,
                    "model": draft.model,
                    "relaxes": draft.relaxes,
                    "days": draft.day_count,
                    "owners": owners,
                },
            )
            exception_id = await anyio.to_thread.run_sync(
                lambda: exceptions.create(
                    engine, draft, justification, principal.user, principal.department, reasons, owners
                )
            )
        except AuditUnavailable:
            return unavailable(visit)
        return visit.redirect(f"/console/exceptions?sent={exception_id}")

    @router.get("/exceptions")
    async def exception_list(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is None:
            return to_sign_in(visit)
        principal = visit.principal
        engine = request.app.state.services.require_audit().engine
        is_policy_team = "policy-admin" in principal.roles
        try:
            await anyio.to_thread.run_sync(visit.reader().note, "exceptions", {"queue": is_policy_team})
            mine = await anyio.to_thread.run_sync(lambda: exceptions.listed(engine, user=principal.user))
            queue = (
                await anyio.to_thread.run_sync(lambda: exceptions.listed(engine, status="pending"))
                if is_policy_team
                else None
            )
        except AuditUnavailable:
            return unavailable(visit)
        return visit.page(
            "exceptions.html",
            title="Exception requests",
            mine=mine,
            queue=queue,
            sent=request.query_params.get("sent"),
            notice=request.query_params.get("notice"),
            relaxable=exceptions.RELAXABLE,
        )

    @router.post("/exceptions/{exception_id}/{verdict}")
    async def exception_decide(exception_id: str, verdict: str, request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if (refused := policy_team_only(visit)) is not None:
            return refused
        assert visit.principal is not None
        form = await read_form(request)
        if verdict not in ("approve", "refuse") or not visit.session.csrf_matches(form.get("csrf_token")):
            return visit.page(
                "message.html",
                status=400,
                title="Nothing was decided",
                message="The form expired. Go back to the exception requests, reload the page and try again.",
            )
        services = request.app.state.services
        engine = services.require_audit().engine
        reader = visit.reader()
        row = await anyio.to_thread.run_sync(exceptions.get, engine, exception_id)
        if row is None or row["status"] != "pending":
            return visit.page(
                "message.html",
                status=409,
                title="Already decided",
                message="That exception request does not exist or was already decided.",
            )
        by = visit.principal.user
        try:
            if verdict == "refuse":
                await anyio.to_thread.run_sync(reader.note, "exception-refuse", {"exception_id": exception_id})
                await anyio.to_thread.run_sync(
                    lambda: exceptions.decide(engine, exception_id, "refused", by, "Refused by the policy team.")
                )
                return visit.redirect("/console/exceptions?notice=refused")
            await anyio.to_thread.run_sync(reader.note, "exception-approve", {"exception_id": exception_id})
            name, definition = exceptions.experiment_for({**row, "decided_by": by}, datetime.now(UTC))
            policy = services.require_policy()
            try:
                if services.settings.policy.bundle_url:
                    # The policy in force comes from the bundle server: a file written here would never decide.
                    raise PolicyRejected(
                        "the policy is distributed as signed bundles (policy.bundle_url); add the experiment to the "
                        "policy and publish a new bundle"
                    )
                version = await anyio.to_thread.run_sync(
                    exceptions.write_experiment, policy, services.settings.policy.path, name, definition
                )
            except PolicyRejected as error:
                await anyio.to_thread.run_sync(
                    _second_entry(visit).note,
                    "experiment-rejected",
                    {"exception_id": exception_id, "experiment": name, "error": str(error)[:500]},
                )
                return visit.page(
                    "message.html",
                    status=422,
                    title="The experiment was not written",
                    message=f"The new policy failed its checks, so the policy in force ({policy.version}) stays and "
                    f"the request is still waiting: {error}",
                )
            await anyio.to_thread.run_sync(
                _second_entry(visit).note,
                "experiment-written",
                {"exception_id": exception_id, "experiment": name, "definition": definition, "policy_version": version},
            )
            await anyio.to_thread.run_sync(
                lambda: exceptions.decide(
                    engine,
                    exception_id,
                    "approved",
                    by,
                    f"Approved: send your requests with the header X-Handrail-Experiment: {name}.",
                    name,
                    definition["expires"],
                )
            )
        except AuditUnavailable:
            return unavailable(visit)
        return visit.redirect("/console/exceptions?notice=approved")


async def _own_refusal(visit: Visit, request_id: str, *, record: bool = True) -> dict[str, Any] | None:
    """The signed-in user's own refused request, read through the trail (the reading recorded as ``show``), or,
    when the visit records its own entry instead (sending the request), read directly."""
    assert visit.principal is not None
    if not request_id or len(request_id) > 64:
        return None
    if record:
        found = await anyio.to_thread.run_sync(visit.reader().event, request_id)
    else:
        found = await anyio.to_thread.run_sync(_event, visit, request_id)
    if found is None or found.get("user") != visit.principal.user:
        return None
    return found if found.get("kind") == "request" and str(found.get("outcome") or "").startswith("blocked") else None


def _event(visit: Visit, request_id: str) -> dict[str, Any] | None:
    with visit.request.app.state.services.require_audit().engine.connect() as connection:
        return get_event(connection, request_id)


def _second_entry(visit: Visit) -> AuditReader:
    """A reader for a second trail entry in one visit (the trail keeps one entry per id): the visit's id + suffix."""
    reader = visit.reader()
    return AuditReader(reader.store, reader.auditor, f"{visit.request_id}-2")


def _reason_codes(event: dict[str, Any]) -> list[str]:
    return [str(r.get("code")) for r in event.get("reasons") or [] if isinstance(r, dict) and r.get("code")]


def _not_yours(visit: Visit) -> Response:
    return visit.page(
        "message.html",
        status=404,
        title="Refused request not found",
        message="No refused request of yours has that request ID. Open this page from the link in the refusal.",
    )


def _form(visit: Visit, draft: exceptions.Draft, reasons: list[str], status: int = 200) -> Response:
    return visit.page(
        "exception_new.html",
        status=status,
        title="Ask for an exception",
        draft=draft,
        reasons=reasons,
        relaxable=exceptions.RELAXABLE,
        errors=draft.errors,
    )

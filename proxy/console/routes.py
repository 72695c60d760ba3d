"""The console's routes: sign-in and sign-out, event search and export, event detail, dashboard, chain status.

Who sees what: a key with the ``auditor`` role sees everything; any other key (``user``, ``policy-admin``) sees
only the requests sent with its own user name. Every page that shows the trail reads it through
``AuditReader``, which records the reading (who, which filters) before anything is read; if that cannot be
recorded, nothing is shown.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from audit.export import MEDIA_TYPES
from audit.queries import DECISIONS, FilterError
from audit.store import AuditUnavailable
from core.errors import HandrailError
from core.vocabulary import CLEARANCES
from proxy.console import charts, playground
from proxy.console.exception_routes import add_exception_routes
from proxy.console.pages import STATIC, Visit, read_form, start_visit
from proxy.console.search import CHOICE_FIELDS, DECISION_LABELS, PAGE_SIZES, TEXT_FIELDS, read_search
from proxy.console.sessions import Session
from proxy.policy.engine import PolicyUnavailable

if TYPE_CHECKING:
    from audit.settings import AuditSettings
    from audit.verify import Report

DASHBOARD_DIMENSIONS = ("decision", "department", "model", "finding")


def mount_console(app: FastAPI) -> None:
    """Serve the console at ``/console`` and its assets (GOV.UK Frontend, committed) at ``/console/static``."""
    app.include_router(console_router())
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")


def console_router() -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)

    @router.get("")
    async def home(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is None:
            return _to_sign_in(visit)
        if visit.is_auditor:
            return visit.redirect("/console/dashboard")
        return visit.redirect("/console/playground" if "policy-admin" in visit.principal.roles else "/console/events")

    @router.get("/sign-in")
    async def sign_in_form(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is not None:
            return visit.redirect("/console")
        notice = {"signed_out": "You have signed out.", "ended": "Your session ended. Sign in again to carry on."}
        reason = request.query_params.get("notice", "")
        return visit.page(
            "sign_in.html",
            title="Sign in",
            errors={},
            notice=notice.get(reason),
            next=_local(request.query_params.get("next")),
        )

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        form = await read_form(request)
        next_page = _local(form.get("next"))
        if not visit.session.csrf_matches(form.get("csrf_token")):
            # No session cookie came back (it expired, or cookies are off): a fresh form, with a fresh token.
            return visit.page(
                "sign_in.html",
                status=400,
                title="Sign in",
                next=next_page,
                notice=None,
                errors={"key": "Your sign-in form expired. Enter your key again"},
            )
        key = form.get("key", "").strip()
        if not key:
            return visit.page(
                "sign_in.html",
                status=400,
                title="Sign in",
                next=next_page,
                notice=None,
                errors={"key": "Enter your Handrail key"},
            )
        try:
            keys = request.app.state.services.require_keys()
            principal = await anyio.to_thread.run_sync(keys.authenticate, key)
        except HandrailError as error:
            # The message never repeats the key; it says why (not valid, revoked, expired) as the API would.
            return visit.page(
                "sign_in.html",
                status=401,
                title="Sign in",
                next=next_page,
                notice=None,
                errors={"key": error.message.rstrip(".")},
            )
        visit.principal = principal
        visit.session = Session.new(time.time(), principal.key_id)  # a new id and token: nothing carries over
        try:
            await anyio.to_thread.run_sync(visit.reader().note, "sign-in", {})
        except AuditUnavailable:
            visit.principal, visit.session = None, Session.new(time.time())
            return _unavailable(visit)
        return visit.redirect(next_page or "/console")

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        form = await read_form(request)
        if not visit.session.csrf_matches(form.get("csrf_token")):
            return visit.page(
                "message.html",
                status=400,
                title="Sign out failed",
                message="The sign-out form expired. Go back, reload the page and sign out again.",
            )
        if visit.principal is not None:
            try:
                await anyio.to_thread.run_sync(visit.reader().note, "sign-out", {})
            except AuditUnavailable:
                pass  # signing out must always work; the session ends whatever the trail says
        visit.principal, visit.session = None, Session.new(time.time())
        return visit.redirect("/console/sign-in?notice=signed_out")

    @router.get("/events")
    async def events(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is None:
            return _to_sign_in(visit)
        search = read_search(_multi(request), None if visit.is_auditor else visit.principal.user)
        page = None
        if (filters := search.filters) is not None:
            reader = visit.reader()
            try:
                page = await anyio.to_thread.run_sync(lambda: reader.search(filters, search.limit, search.cursor))
            except FilterError as error:
                search.errors[error.parameter or "form"] = "That page link has expired: start again from the first page"
            except AuditUnavailable:
                return _unavailable(visit)
        return visit.page(
            "events.html",
            status=400 if search.errors else 200,
            title="Search events",
            search=search,
            page=page,
            text_fields=[f for f in TEXT_FIELDS if visit.is_auditor or f[0] != "user"],
            choice_fields=CHOICE_FIELDS,
            page_sizes=PAGE_SIZES,
            errors=search.errors,
        )

    @router.get("/export")
    async def export(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is None:
            return _to_sign_in(visit)
        export_format = request.query_params.get("format", "")
        search = read_search(_multi(request), None if visit.is_auditor else visit.principal.user)
        if search.filters is None or export_format not in MEDIA_TYPES:
            return visit.page(
                "message.html",
                status=400,
                title="Export failed",
                message="The export link is not one the search page gave. Search again, then export.",
            )
        reader = visit.reader()
        try:
            chunks = await anyio.to_thread.run_sync(reader.export, search.filters, export_format)
        except AuditUnavailable:
            return _unavailable(visit)
        return visit.download(chunks, MEDIA_TYPES[export_format], f"handrail-audit-{visit.request_id}.{export_format}")

    @router.get("/events/{request_id}")
    async def event(request_id: str, request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if visit.principal is None:
            return _to_sign_in(visit)
        reader = visit.reader()
        try:
            found, position = await anyio.to_thread.run_sync(reader.event_with_chain, request_id)
        except AuditUnavailable:
            return _unavailable(visit)
        # A user is told the same for another user's request as for none at all.
        if found is None or not (visit.is_auditor or found.get("user") == visit.principal.user):
            return visit.page(
                "message.html",
                status=404,
                title="Event not found",
                message="No event with that request ID was recorded, or it is not yours to see.",
            )
        return visit.page("event.html", title=f"Event {found['request_id']}", event=found, position=position)

    @router.get("/dashboard")
    async def dashboard(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if (refused := _auditors_only(visit)) is not None:
            return refused
        parameters = _multi(request)
        if not any(parameters.get(name) for name in ("since", "until")):
            parameters["since"] = ["30d"]  # the last 30 days unless told
        search = read_search(parameters)
        result = None
        if search.filters is not None:
            reader = visit.reader()
            try:
                result = await anyio.to_thread.run_sync(reader.dashboard, search.filters, DASHBOARD_DIMENSIONS)
            except AuditUnavailable:
                return _unavailable(visit)
        figures = None
        if result is not None:
            by = result["stats"]["by"]
            figures = {
                "total": result["stats"]["total"],
                "days": result["days"],
                "day_chart": charts.decisions_by_day(result["days"], DECISIONS),
                "bars": [
                    (
                        "decisions",
                        "Decisions",
                        "Decision",
                        "decision",
                        by["decision"],
                        charts.bar_chart(by["decision"], labels={None: DECISION_LABELS["none"]} | DECISION_LABELS),
                    ),
                    (
                        "refusals",
                        "Refusal reasons (blocked requests)",
                        "Reason",
                        "reason",
                        result["refusal_reasons"],
                        charts.bar_chart(result["refusal_reasons"], charts.DECISION_COLOURS["block"]),
                    ),
                    (
                        "findings",
                        "Finding types",
                        "Finding type",
                        "finding",
                        by["finding"],
                        charts.bar_chart(by["finding"]),
                    ),
                    (
                        "departments",
                        "Departments",
                        "Department",
                        "department",
                        by["department"],
                        charts.bar_chart(by["department"]),
                    ),
                    ("models", "Models", "Model", "model", by["model"], charts.bar_chart(by["model"])),
                ],
            }
        return visit.page(
            "dashboard.html",
            status=400 if search.errors else 200,
            title="Dashboard",
            search=search,
            figures=figures,
            errors=search.errors,
        )

    @router.get("/chain")
    async def chain(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if (refused := _auditors_only(visit)) is not None:
            return refused
        reader = visit.reader()
        try:
            head = await anyio.to_thread.run_sync(reader.chain_head)
        except AuditUnavailable:
            return _unavailable(visit)
        return visit.page("chain.html", title="Audit chain", head=head, report=None)

    @router.post("/chain/verify")
    async def verify_chain(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if (refused := _auditors_only(visit)) is not None:
            return refused
        form = await read_form(request)
        if not visit.session.csrf_matches(form.get("csrf_token")):
            return visit.page(
                "message.html",
                status=400,
                title="Verification not started",
                message="The form expired. Go back to the chain page and try again.",
            )
        reader = visit.reader()
        settings = request.app.state.services.settings.audit
        try:
            head = await anyio.to_thread.run_sync(reader.chain_head, "verify")
            report = await anyio.to_thread.run_sync(_verify, settings)
        except AuditUnavailable:
            return _unavailable(visit)
        return visit.page("chain.html", title="Audit chain", head=head, report=report)

    @router.get("/playground")
    async def playground_form(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if (refused := _policy_team_only(visit)) is not None:
            return refused
        assert visit.principal is not None
        choices = playground.Choices.from_policy(request.app.state.services, visit.principal.department)
        trial = playground.Trial(department=choices.departments[0])
        return _playground_page(visit, trial, choices)

    @router.post("/playground")
    async def playground_run(request: Request) -> Response:
        visit = await start_visit(request)
        if not isinstance(visit, Visit):
            return visit
        if (refused := _policy_team_only(visit)) is not None:
            return refused
        assert visit.principal is not None
        form = await read_form(request)
        services = request.app.state.services
        choices = playground.Choices.from_policy(services, visit.principal.department)
        trial = playground.Trial.from_form(form, choices)
        if not visit.session.csrf_matches(form.get("csrf_token")):
            trial.errors["request"] = "The form expired: press 'Try it' again"
        if trial.errors:
            return _playground_page(visit, trial, choices, status=400)
        try:
            await anyio.to_thread.run_sync(visit.reader().note, "playground", trial.recorded_parameters())
            trial = await anyio.to_thread.run_sync(playground.run, trial, services, visit.principal.user)
        except AuditUnavailable:
            return _unavailable(visit)
        except (HandrailError, PolicyUnavailable):
            trial.errors["request"] = "The detectors or the policy engine are unavailable: try again in a few minutes"
        return _playground_page(visit, trial, choices, status=400 if trial.errors else 200)

    add_exception_routes(router, _to_sign_in, _unavailable, _policy_team_only)
    return router


def _playground_page(visit: Visit, trial: playground.Trial, choices: playground.Choices, status: int = 200) -> Response:
    return visit.page(
        "playground.html",
        status=status,
        title="Policy playground",
        trial=trial,
        choices=choices,
        endpoints=playground.ENDPOINTS,
        clearances=CLEARANCES,
        classifications=playground.CLASSIFICATIONS,
        errors=trial.errors,
    )


def _policy_team_only(visit: Visit) -> Response | None:
    if visit.principal is None:
        return _to_sign_in(visit)
    if "policy-admin" not in visit.principal.roles:
        return visit.page(
            "message.html",
            status=403,
            title="Policy team only",
            message="This page is for keys with the policy-admin role.",
        )
    return None


async def console_not_found(request: Request) -> Response:
    visit = await start_visit(request)
    if not isinstance(visit, Visit):
        return visit
    return visit.page(
        "message.html",
        status=404,
        title="Page not found",
        message="There is no console page at this address. Check it, or start again.",
    )


def _verify(settings: AuditSettings) -> Report:
    """``handrail audit verify`` with the gateway's configured key, through a read-only connection."""
    from audit.database import read_only_engine
    from audit.signing import KeyRing
    from audit.verify import verify

    engine = read_only_engine(settings.database_url)
    try:
        return verify(engine, KeyRing.for_settings(settings))
    finally:
        engine.dispose()


def _multi(request: Request) -> dict[str, list[str]]:
    return {name: request.query_params.getlist(name) for name in request.query_params.keys()}


def _local(target: str | None) -> str | None:
    """A console address to go back to after sign-in; anything else (another site, ``//host``) is dropped."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _to_sign_in(visit: Visit) -> Response:
    target = visit.request.url.path + (f"?{visit.request.url.query}" if visit.request.url.query else "")
    query = {"next": target}
    if visit.session_ended:
        query["notice"] = "ended"
    return visit.redirect("/console/sign-in?" + urlencode(query, quote_via=quote))


def _auditors_only(visit: Visit) -> Response | None:
    if visit.principal is None:
        return _to_sign_in(visit)
    if not visit.is_auditor:
        return visit.page(
            "message.html",
            status=403,
            title="Auditors only",
            message="This page is for keys with the auditor role. Your own requests are under Events.",
        )
    return None


def _unavailable(visit: Visit) -> Response:
    return visit.page(
        "message.html",
        status=503,
        title="The audit trail is unavailable",
        message="The audit trail could not record this reading of it, so nothing was shown. Try again "
        "in a few minutes; if it goes on, tell the gateway's operators.",
    )

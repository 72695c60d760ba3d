"""The policy team's pages (``policy-admin``; auditors may read them too):

``GET /console/policy``        the version in force, each Rego module and the data document (read-only), the
                               versions that decided requests and the log of reloads (loaded, unchanged, rejected)
``GET /console/experiments``   each experiment in the policy data: owner, what it relaxes, time box, use so far
``GET /console/shadow``        where the shadow (candidate) policy and the live one disagreed, with examples

Each view is recorded in the trail (``policy``, ``experiments``, ``shadow-report``) before anything is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio
from fastapi import APIRouter, Request
from starlette.responses import Response

from audit import policy_reloads, policy_use
from audit.queries import EventFilter
from audit.store import AuditUnavailable
from proxy.console import experiments
from proxy.console.guard import PolicyReaderVisit
from proxy.console.pages import Visit
from proxy.console.search import read_search
from proxy.policy.files import PolicyFilesError, PolicySnapshot, read_policy

SHADOW_EXAMPLES = 20


def add_policy_routes(router: APIRouter, unavailable: Callable[[Visit], Response]) -> None:
    @router.get("/policy")
    async def policy(request: Request, visit: PolicyReaderVisit) -> Response:
        services = request.app.state.services
        store = services.require_audit()
        try:
            await anyio.to_thread.run_sync(visit.reader().note, "policy", {})

            def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
                with store.engine.connect() as connection:
                    used = policy_use.versions_used(connection)
                return used, policy_reloads.recent(store.engine)

            used, reloads = await anyio.to_thread.run_sync(read)
        except AuditUnavailable:
            return unavailable(visit)
        snapshot, problem = _snapshot(services.settings.policy.path)
        engine = services.policy
        live = engine.version if engine is not None else None
        candidate = getattr(getattr(engine, "candidate", None), "version", None)
        return visit.page(
            "policy.html",
            title="Policy",
            live=live,
            candidate=candidate,
            snapshot=snapshot,
            problem=problem,
            data_json=json.dumps(snapshot.data, indent=2, ensure_ascii=False, sort_keys=True) if snapshot else "",
            used=used,
            reloads=reloads,
        )

    @router.get("/experiments")
    async def experiment_list(request: Request, visit: PolicyReaderVisit) -> Response:
        services = request.app.state.services
        store = services.require_audit()
        try:
            await anyio.to_thread.run_sync(visit.reader().note, "experiments", {})

            def read() -> dict[str, dict[str, Any]]:
                with store.engine.connect() as connection:
                    return policy_use.experiment_use(connection)

            use = await anyio.to_thread.run_sync(read)
        except AuditUnavailable:
            return unavailable(visit)
        snapshot, problem = _snapshot(services.settings.policy.path)
        now = datetime.now(UTC)
        listed = experiments.listed(snapshot.data if snapshot else {}, use)
        return visit.page(
            "experiments.html",
            title="Experiments",
            experiments=[(experiment, experiment.status(now)) for experiment in listed],
            # Requests under an experiment the data no longer lists (an exception that was removed, say).
            gone=sorted((name, used["requests"]) for name, used in use.items() if name not in {e.name for e in listed}),
            problem=problem,
        )

    @router.get("/shadow")
    async def shadow(request: Request, visit: PolicyReaderVisit) -> Response:
        services = request.app.state.services
        parameters = {name: request.query_params.getlist(name) for name in ("since", "until")}
        if not any(parameters.values()):
            parameters["since"] = ["30d"]  # the last 30 days unless told
        search = read_search(parameters)
        report = None
        if (filters := search.filters) is not None:
            store = services.require_audit()
            try:
                await anyio.to_thread.run_sync(visit.reader().note, "shadow-report", filters.to_parameters())
                report = await anyio.to_thread.run_sync(_shadow_report, store.engine, filters)
            except AuditUnavailable:
                return unavailable(visit)
        engine = services.policy
        return visit.page(
            "shadow.html",
            status=400 if search.errors else 200,
            title="Shadow report",
            search=search,
            report=report,
            configured=services.settings.policy.shadow_path is not None,
            candidate=getattr(getattr(engine, "candidate", None), "version", None),
            errors=search.errors,
        )


def _shadow_report(engine: Any, filters: EventFilter) -> dict[str, Any]:
    with engine.connect() as connection:
        return policy_use.shadow_report(connection, filters, SHADOW_EXAMPLES)


def _snapshot(path: Any) -> tuple[PolicySnapshot | None, str | None]:
    """The policy directory as it is on disk now, or why it cannot be read (e.g. an OPA server holds the policy)."""
    try:
        return read_policy(path), None
    except PolicyFilesError as error:
        return None, str(error)

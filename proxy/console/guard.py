"""Who may open a console page: one set of FastAPI dependencies, used by every console route.

``visiting``            any visit (the sign-in page): the session read, the console switched on
``signed_in``           a signed-in key, whatever its roles (a user sees only their own requests, which the route
                        enforces on what it reads)
``requires_role(...)``  a signed-in key holding one of the roles

A dependency that cannot let the visit go on raises a ``ConsoleStop``; ``stopped`` is the one place that turns it
into a response: the sign-in page (with a way back), a page saying which role is needed, or the page saying the
console is off. The visit is kept on the request's state so that the response refreshes the same session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from starlette.responses import Response

from core.errors import HandrailError
from proxy.console.pages import Visit, start_visit

_VISIT = "console_visit"  # the request-state attribute holding the visit


class ConsoleStop(HandrailError):
    """A console visit cannot go on; rendered as a page or a redirect by ``stopped``, never as an API error."""


class ConsoleOff(ConsoleStop):
    status = 503
    code = "console_off"


class SignInNeeded(ConsoleStop):
    status = 401
    code = "sign_in_needed"


class RoleNeeded(ConsoleStop):
    status = 403
    code = "insufficient_role"

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title


# What a key without the role is told, by the roles a page accepts.
_WHO = {
    ("auditor",): ("Auditors only", "This page is for keys with the auditor role. Your own requests are under Events."),
    ("policy-admin",): ("Policy team only", "This page is for keys with the policy-admin role."),
    ("policy-admin", "auditor"): (
        "Policy team and auditors only",
        "This page is for keys with the policy-admin or the auditor role.",
    ),
}


async def visiting(request: Request) -> Visit:
    visit = await start_visit(request)
    if not isinstance(visit, Visit):
        raise ConsoleOff("The console is switched off.")
    setattr(request.state, _VISIT, visit)
    return visit


async def signed_in(visit: Annotated[Visit, Depends(visiting)]) -> Visit:
    if visit.principal is None:
        raise SignInNeeded("Sign in to see this page.")
    return visit


def requires_role(*roles: str) -> Callable[[Visit], Awaitable[Visit]]:
    """A dependency letting through a signed-in key holding any of ``roles``."""
    title, message = _WHO[roles]

    async def holding(visit: Annotated[Visit, Depends(signed_in)]) -> Visit:
        assert visit.principal is not None
        if not set(roles) & set(visit.principal.roles):
            raise RoleNeeded(title, message)
        return visit

    return holding


AnyVisit = Annotated[Visit, Depends(visiting)]
SignedIn = Annotated[Visit, Depends(signed_in)]
AuditorVisit = Annotated[Visit, Depends(requires_role("auditor"))]
PolicyTeamVisit = Annotated[Visit, Depends(requires_role("policy-admin"))]
PolicyReaderVisit = Annotated[Visit, Depends(requires_role("policy-admin", "auditor"))]


async def stopped(request: Request, error: Exception) -> Response:
    """The response for a ``ConsoleStop`` (registered as the console's exception handler)."""
    visit = getattr(request.state, _VISIT, None)
    if not isinstance(visit, Visit):  # the console is off (or the visit could not start): start_visit says so
        answer = await start_visit(request)
        if isinstance(answer, Visit):  # pragma: no cover - a ConsoleStop is only raised after a visit started
            raise error
        return answer
    if isinstance(error, SignInNeeded):
        return to_sign_in(visit)
    if isinstance(error, RoleNeeded):
        return visit.page("message.html", status=error.status, title=error.title, message=error.message)
    raise error  # pragma: no cover - every ConsoleStop is one of the above


def to_sign_in(visit: Visit) -> Response:
    """To the sign-in page, with the page asked for to come back to (and why, when a session ended)."""
    target = visit.request.url.path + (f"?{visit.request.url.query}" if visit.request.url.query else "")
    query = {"next": target}
    if visit.session_ended:
        query["notice"] = "ended"
    return visit.redirect("/console/sign-in?" + urlencode(query, quote_via=quote))

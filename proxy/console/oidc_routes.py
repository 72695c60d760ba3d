"""The console's OIDC sign-in routes (``console.oidc`` set; otherwise they answer "not found").

``GET /console/oidc/start?next=<page>``  make a pending sign-in (state, nonce, PKCE verifier) in a signed cookie and
                                         send the browser to the issuer
``GET /console/oidc/callback``           the issuer sends the browser back here: check, exchange, verify, sign in

Every callback is recorded in the trail, as ``sign-in`` (``method: oidc``, the issuer and the person's ``sub``) or as
``sign-in-refused`` with the check that failed; if it cannot be recorded, nobody is signed in.

The pending sign-in's cookie is ``SameSite=Lax``, unlike the session's (``Strict``): the issuer's redirect back is a
navigation from another site, on which a browser sends only Lax cookies. For the same reason the callback answers
with a page that moves on to the console itself (a same-site navigation, so the Strict session cookie it has just set
is sent), not with a redirect, which browsers count as part of the cross-site navigation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio
from fastapi import APIRouter, Request
from starlette.responses import Response

from audit.access import Auditor, AuditReader
from audit.store import AuditUnavailable
from core.errors import HandrailError, IssuerUnavailable, SignInRefused
from proxy.console import sessions
from proxy.console.oidc import OidcClient, SignedIn, issuer_error_code, refused
from proxy.console.pages import Visit, identity_principal, start_visit
from proxy.console.sessions import PendingSignIn, Session
from proxy.console.settings import OidcSettings

log = logging.getLogger("handrail.console")
PENDING_SECONDS = 600  # a sign-in not finished at the issuer within 10 minutes must start again
PENDING_PATH = "/console/oidc"


def add_oidc_routes(
    router: APIRouter, unavailable: Callable[[Visit], Response], local: Callable[[str | None], str | None]
) -> None:
    @router.get("/oidc/start")
    async def start(request: Request) -> Response:
        opened = await _oidc_visit(request)
        if isinstance(opened, Response):
            return opened
        visit, settings = opened
        if visit.principal is not None:
            return visit.redirect("/console")
        pending = PendingSignIn.new(time.time(), local(request.query_params.get("next")))
        try:
            address = await _client(request, settings).authorization_url(pending)
        except IssuerUnavailable as error:
            log.warning("console OIDC sign-in could not start: %s", error.message)
            return _issuer_unavailable(visit)
        response = visit.redirect(address)
        secret = visit.settings.session_secret
        assert secret is not None  # start_visit answered "switched off" otherwise
        response.set_cookie(
            sessions.PENDING_COOKIE,
            sessions.encode_pending(pending, secret.get_secret_value()),
            max_age=PENDING_SECONDS,
            path=PENDING_PATH,
            secure=_secure(visit),
            httponly=True,
            samesite="lax",
        )
        return response

    @router.get("/oidc/callback")
    async def callback(request: Request) -> Response:
        opened = await _oidc_visit(request)
        if isinstance(opened, Response):
            return opened
        visit, settings = opened
        try:
            signed_in, target = await _complete(visit, settings)
        except SignInRefused as error:
            return _forget_pending(visit, await _refusal(visit, settings, error, unavailable))
        except IssuerUnavailable as error:
            log.warning("console OIDC sign-in failed at the issuer: %s", error.message)
            try:
                await _record_refusal(visit, settings, "issuer_unavailable", None, None, None)
            except (AuditUnavailable, HandrailError):
                return _forget_pending(visit, unavailable(visit))
            return _forget_pending(visit, _issuer_unavailable(visit))
        visit.principal = identity_principal(signed_in.identity)
        visit.session = Session.new(time.time(), identity=signed_in.identity)  # a new id and token
        parameters = {"method": "oidc", "issuer": settings.issuer, "subject": signed_in.subject}
        try:
            await anyio.to_thread.run_sync(visit.reader().note, "sign-in", parameters)
        except (AuditUnavailable, HandrailError):
            visit.principal, visit.session = None, Session.new(time.time())
            return _forget_pending(visit, unavailable(visit))
        return _forget_pending(visit, visit.page("oidc_signed_in.html", title="Signed in", target=target))


async def _oidc_visit(request: Request) -> tuple[Visit, OidcSettings] | Response:
    """The visit and the OIDC settings, or the page that says the console (or its OIDC sign-in) is off."""
    visit = await start_visit(request)
    if not isinstance(visit, Visit):
        return visit
    if visit.settings.oidc is None:
        return _switched_off(visit)
    return visit, visit.settings.oidc


async def _complete(visit: Visit, settings: OidcSettings) -> tuple[SignedIn, str]:
    """Check the issuer's answer against the sign-in this browser started; who signed in, and where they go next."""
    query = visit.request.query_params
    secret = visit.settings.session_secret
    assert secret is not None
    pending = sessions.decode_pending(
        visit.request.cookies.get(sessions.PENDING_COOKIE), secret.get_secret_value(), time.time(), PENDING_SECONDS
    )
    if pending is None:
        raise refused("no_sign_in_started")
    # The state binds the answer to this browser's pending sign-in: without it, anyone could send a victim here
    # with a code of their own and sign the victim in as them.
    if not sessions.same_secret(query.get("state", ""), pending.state):
        raise refused("state_mismatch")
    if query.get("error"):
        raise refused("issuer_refused", issuer_error=issuer_error_code(query["error"]))
    code = query.get("code", "")
    if not code:
        raise refused("no_code")
    signed_in = await _client(visit.request, settings).sign_in(code, pending)
    return signed_in, pending.next or "/console"


async def _refusal(
    visit: Visit, settings: OidcSettings, error: SignInRefused, unavailable: Callable[[Visit], Response]
) -> Response:
    try:
        await _record_refusal(visit, settings, error.reason, error.user, error.subject, error.issuer_error)
    except (AuditUnavailable, HandrailError):
        return unavailable(visit)
    no_role = error.reason == "no_console_role"
    return visit.page(
        "message.html",
        status=403,
        title="You cannot use the console" if no_role else "Sign-in failed",
        message=error.message,
        start_link=("/console/sign-in", "Go to the sign-in page"),
    )


async def _record_refusal(
    visit: Visit,
    settings: OidcSettings,
    reason: str,
    user: str | None,
    subject: str | None,
    issuer_error: str | None,
) -> None:
    """A refused sign-in in the trail: the check that failed, and who, when the ID token had said so."""
    client = visit.request.client.host if visit.request.client else None
    auditor = Auditor(user=user or "unknown", via="console", client_address=client)
    store = visit.request.app.state.services.require_audit()
    parameters: dict[str, object] = {"method": "oidc", "issuer": settings.issuer, "reason": reason}
    if subject is not None:
        parameters["subject"] = subject
    if issuer_error is not None:
        parameters["issuer_error"] = issuer_error
    reader = AuditReader(store, auditor, visit.request_id)
    await anyio.to_thread.run_sync(reader.note, "sign-in-refused", parameters)


def _client(request: Request, settings: OidcSettings) -> OidcClient:
    """This worker's client for the issuer (discovery and keys are cached in it)."""
    client: OidcClient | None = getattr(request.app.state, "console_oidc", None)
    if client is None or client.settings is not settings:
        client = OidcClient(settings)
        request.app.state.console_oidc = client
    return client


def _forget_pending(visit: Visit, response: Response) -> Response:
    """The pending sign-in is used once, whatever came of it."""
    response.delete_cookie(
        sessions.PENDING_COOKIE, path=PENDING_PATH, secure=_secure(visit), httponly=True, samesite="lax"
    )
    return response


def _secure(visit: Visit) -> bool:
    return visit.settings.secure_cookie == "always" or visit.request.url.scheme == "https"


def _switched_off(visit: Visit) -> Response:
    return visit.page(
        "message.html",
        status=404,
        title="Page not found",
        message="Signing in through an organisation account is not switched on here. Sign in with a Handrail key.",
        start_link=("/console/sign-in", "Go to the sign-in page"),
    )


def _issuer_unavailable(visit: Visit) -> Response:
    return visit.page(
        "message.html",
        status=502,
        title="The sign-in service is unavailable",
        message="The console could not reach the sign-in service, or did not understand its answer, so nobody was "
        "signed in. Try again in a few minutes, or sign in with a Handrail key.",
        start_link=("/console/sign-in", "Go to the sign-in page"),
    )

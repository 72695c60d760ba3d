"""Rendering console pages: the session cookie, the security headers and the templates.

Every response from a console route goes through ``Visit.page``, ``Visit.redirect`` or ``Visit.download`` here, so
each one refreshes the session cookie (the idle timeout counts from the last page) and carries the same headers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import anyio
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from audit.access import Auditor, AuditReader
from audit.signing import UNSIGNED
from core.errors import HandrailError
from core.vocabulary import CLEARANCES
from proxy.auth import Principal
from proxy.console import sessions
from proxy.console.search import DECISION_LABELS
from proxy.console.sessions import Identity, Session
from proxy.console.settings import ConsoleSettings
from proxy.request_ids import request_id_of

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
MAX_FORM_BYTES = 16 * 1024
# No inline script or style anywhere in the console: the policy forbids both, so injected markup cannot run.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",  # pages show audit data: keep them out of shared and back-button caches
}

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: str | None) -> str:
    """``2025-03-14T15:30:00.123456Z`` as ``2025-03-14 15:30:00 UTC``."""
    if not value:
        return "-"
    return value[:19].replace("T", " ") + " UTC"


templates.filters["when"] = _when
templates.filters["zip_pairs"] = lambda values: [(value, value) for value in values]  # a select's (value, text)
templates.globals["decision_labels"] = DECISION_LABELS
templates.globals["unsigned"] = UNSIGNED  # a checkpoint with only a digest: no signing key was configured


@dataclass
class Visit:
    """One request to the console: who (if signed in), their session, and how to answer."""

    request: Request
    settings: ConsoleSettings
    session: Session
    principal: Principal | None
    request_id: str
    session_ended: bool = False  # a session cookie came but had expired (or the key was revoked)

    @property
    def is_auditor(self) -> bool:
        return self.principal is not None and "auditor" in self.principal.roles

    def reader(self) -> AuditReader:
        assert self.principal is not None
        client = self.request.client.host if self.request.client else None
        auditor = Auditor(
            user=self.principal.user,
            via="console",
            department=self.principal.department,
            roles=self.principal.roles,
            key_id=self.principal.key_id or None,  # none for someone signed in through the OIDC issuer
            client_address=client,
        )
        return AuditReader(self.request.app.state.services.require_audit(), auditor, self.request_id)

    def page(self, template: str, status: int = 200, **context: object) -> Response:
        html = templates.get_template(template).render(
            principal=self.principal,
            is_auditor=self.is_auditor,
            csrf_token=self.session.csrf,
            path=self.request.url.path,
            oidc_name=self.settings.oidc.name if self.settings.oidc is not None else None,
            **context,
        )
        return self._finish(HTMLResponse(html, status_code=status))

    def redirect(self, location: str) -> Response:
        return self._finish(RedirectResponse(location, status_code=303))

    def download(self, chunks: object, media_type: str, filename: str) -> Response:
        response = StreamingResponse(chunks, media_type=media_type)  # type: ignore[arg-type]
        response.headers["content-disposition"] = f'attachment; filename="{filename}"'
        return self._finish(response)

    def _finish(self, response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        response.headers["x-request-id"] = self.request_id
        secret = self.settings.session_secret
        if secret is not None:
            secure = self.settings.secure_cookie == "always" or self.request.url.scheme == "https"
            response.set_cookie(
                sessions.COOKIE,
                sessions.encode(self.session.touched(time.time()), secret.get_secret_value()),
                max_age=self.settings.idle_minutes * 60,
                path="/console",
                secure=secure,
                httponly=True,
                samesite="strict",
            )
        return response


async def start_visit(request: Request) -> Visit | Response:
    """The visit for a request, or the page saying the console is off (no ``console.session_secret``)."""
    services = request.app.state.services
    settings: ConsoleSettings = services.settings.console
    request_id = request_id_of(request)  # the id the middleware put on the response: one id per request
    if settings.session_secret is None:
        html = templates.get_template("off.html").render(
            principal=None, is_auditor=False, path=request.url.path, csrf_token="", title="The console is switched off"
        )
        response = HTMLResponse(html, status_code=503)
        response.headers.update(SECURITY_HEADERS)
        return response
    now = time.time()
    cookie = request.cookies.get(sessions.COOKIE)
    session = sessions.decode(
        cookie,
        settings.session_secret.get_secret_value(),
        now,
        settings.idle_minutes * 60,
        settings.session_hours * 3600,
    )
    ended = cookie is not None and session is None
    principal = None
    identity = session.identity if session is not None else None
    if identity is not None:
        if settings.oidc is None:
            session, ended = None, True  # OIDC sign-in was switched off: its sessions end with it
        else:
            principal = identity_principal(identity)
    elif session is not None and session.key_id is not None:
        try:
            keys = services.require_keys()
            principal = await anyio.to_thread.run_sync(keys.principal_by_id, session.key_id)
        except HandrailError:
            session, ended = None, True
    if session is None:
        session = Session.new(now)
    return Visit(request, settings, session, principal, request_id, ended)


def identity_principal(identity: Identity) -> Principal:
    """The principal of someone signed in through the OIDC issuer: no key (``key_id`` empty), the lowest clearance
    (the console decides nothing by clearance)."""
    return Principal(identity.user, identity.department, identity.roles, CLEARANCES[0], key_id="")


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the last value of each), at most ``MAX_FORM_BYTES``."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}

"""Console sessions: a signed cookie, so every worker and replica reads the same session without shared memory.

The cookie holds no key: a random session id, the CSRF token, the id of the key that signed in (``None`` before
sign-in) and two times, or, for a person signed in through the OIDC issuer, who the ID token said they are (user
name, department, roles: there is no key row to read again). It is signed with HMAC-SHA256 under
``console.session_secret``; a cookie whose signature, idle time or age fails is treated as absent. A key is proven
once, at sign-in; afterwards each page reads the key's row again (``KeyStore.principal_by_id``), so revoking a key
ends its sessions.

Signing out replaces the cookie. A copy of the old cookie taken before sign-out stays usable until its idle timeout
(``console.idle_minutes``, 15 by default): the price of keeping no session table; revoke the key to end it at once.

A second cookie, ``handrail_console_oidc``, carries an OIDC sign-in that has started (its ``state``, ``nonce`` and
PKCE verifier) from the sign-in page to the issuer's callback, signed the same way under another context.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

COOKIE = "handrail_console"
PENDING_COOKIE = "handrail_console_oidc"
_CONTEXT = b"handrail console session v1\x00"  # the secret signs nothing else with this prefix
_PENDING_CONTEXT = b"handrail console oidc sign-in v1\x00"  # so a session cookie cannot pass for the other


@dataclass(frozen=True, slots=True)
class Identity:
    """Someone signed in through the OIDC issuer, as its ID token said at sign-in."""

    user: str
    department: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Session:
    sid: str
    csrf: str
    key_id: str | None
    born: float  # seconds since the epoch
    seen: float
    identity: Identity | None = None

    @classmethod
    def new(cls, now: float, key_id: str | None = None, identity: Identity | None = None) -> Session:
        """A fresh session: new id and CSRF token (sign-in makes a new one, so a planted cookie gains nothing)."""
        return cls(secrets.token_urlsafe(16), secrets.token_urlsafe(32), key_id, now, now, identity)

    def touched(self, now: float) -> Session:
        return replace(self, seen=now)

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """An OIDC sign-in between the sign-in page and the callback: what binds the issuer's answer to this browser."""

    state: str
    nonce: str
    verifier: str  # the PKCE code verifier; only its SHA-256 went to the issuer
    next: str | None
    born: float

    @classmethod
    def new(cls, now: float, next_page: str | None) -> PendingSignIn:
        # 32 random bytes each; the verifier's 43 characters are within RFC 7636's 43-128.
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(32), next_page, now)


def same_secret(given: str, kept: str) -> bool:
    """Compare a value sent back (a state) with the one kept, in constant time."""
    return bool(given) and hmac.compare_digest(given.encode(), kept.encode())


def encode(session: Session, secret: str) -> str:
    fields: list[object] = [session.sid, session.csrf, session.key_id, round(session.born, 3), round(session.seen, 3)]
    if session.identity is not None:
        fields.append([session.identity.user, session.identity.department, list(session.identity.roles)])
    return _sign(fields, secret, _CONTEXT)


def decode(value: str | None, secret: str, now: float, idle_seconds: float, max_seconds: float) -> Session | None:
    """The session in a cookie, or None if it is missing, forged, idle too long or too old."""
    fields = _verified(value, secret, _CONTEXT)
    try:
        sid, csrf, key_id, born, seen, *rest = fields
        identity = None
        if rest:
            user, department, roles = rest[0]
            identity = Identity(str(user), str(department), tuple(str(role) for role in roles))
        session = Session(
            str(sid), str(csrf), None if key_id is None else str(key_id), float(born), float(seen), identity
        )
    except (ValueError, TypeError):
        return None
    if now - session.seen > idle_seconds or now - session.born > max_seconds or session.seen > now + 60:
        return None
    return session


def encode_pending(pending: PendingSignIn, secret: str) -> str:
    fields = [pending.state, pending.nonce, pending.verifier, pending.next, round(pending.born, 3)]
    return _sign(fields, secret, _PENDING_CONTEXT)


def decode_pending(value: str | None, secret: str, now: float, max_seconds: float) -> PendingSignIn | None:
    """The sign-in this browser started, or None if there is none, it is forged or older than ``max_seconds``."""
    fields = _verified(value, secret, _PENDING_CONTEXT)
    try:
        state, nonce, verifier, next_page, born = fields
        pending = PendingSignIn(
            str(state), str(nonce), str(verifier), None if next_page is None else str(next_page), float(born)
        )
    except (ValueError, TypeError):
        return None
    if not 0 <= now - pending.born <= max_seconds:
        return None
    return pending


def _sign(fields: Sequence[object], secret: str, context: bytes) -> str:
    payload = json.dumps(fields, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_signature(body, secret, context)}"


def _verified(value: str | None, secret: str, context: bytes) -> list[Any]:
    """The fields of a signed cookie; none if it is missing or its signature is wrong (its readers then refuse it)."""
    if not value or "." not in value:
        return []
    body, _, signature = value.rpartition(".")
    if not hmac.compare_digest(signature, _signature(body, secret, context)):
        return []
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error):
        return []
    return fields if isinstance(fields, list) else []


def _signature(body: str, secret: str, context: bytes) -> str:
    return hmac.new(secret.encode(), context + body.encode(), hashlib.sha256).hexdigest()

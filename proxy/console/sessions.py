"""Console sessions: a signed cookie, so every worker and replica reads the same session without shared memory.

The cookie holds no key and no personal data: a random session id, the CSRF token, the id of the key that signed in
(``None`` before sign-in) and two times. It is signed with HMAC-SHA256 under ``console.session_secret``; a cookie
whose signature, idle time or age fails is treated as absent. The key itself is proven once, at sign-in; afterwards
each page reads the key's row again (``KeyStore.principal_by_id``), so revoking a key ends its sessions.

Signing out replaces the cookie. A copy of the old cookie taken before sign-out stays usable until its idle timeout
(``console.idle_minutes``, 15 by default): the price of keeping no session table; revoke the key to end it at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace

COOKIE = "handrail_console"
_CONTEXT = b"handrail console session v1\x00"  # the secret signs nothing else with this prefix


@dataclass(frozen=True, slots=True)
class Session:
    sid: str
    csrf: str
    key_id: str | None
    born: float  # seconds since the epoch
    seen: float

    @classmethod
    def new(cls, now: float, key_id: str | None = None) -> Session:
        """A fresh session: new id and CSRF token (sign-in makes a new one, so a planted cookie gains nothing)."""
        return cls(secrets.token_urlsafe(16), secrets.token_urlsafe(32), key_id, now, now)

    def touched(self, now: float) -> Session:
        return replace(self, seen=now)

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


def encode(session: Session, secret: str) -> str:
    payload = json.dumps(
        [session.sid, session.csrf, session.key_id, round(session.born, 3), round(session.seen, 3)],
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_signature(body, secret)}"


def decode(value: str | None, secret: str, now: float, idle_seconds: float, max_seconds: float) -> Session | None:
    """The session in a cookie, or None if it is missing, forged, idle too long or too old."""
    if not value or "." not in value:
        return None
    body, _, signature = value.rpartition(".")
    if not hmac.compare_digest(signature, _signature(body, secret)):
        return None
    try:
        sid, csrf, key_id, born, seen = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        session = Session(str(sid), str(csrf), None if key_id is None else str(key_id), float(born), float(seen))
    except (ValueError, TypeError, binascii.Error):
        return None
    if now - session.seen > idle_seconds or now - session.born > max_seconds or session.seen > now + 60:
        return None
    return session


def _signature(body: str, secret: str) -> str:
    return hmac.new(secret.encode(), _CONTEXT + body.encode(), hashlib.sha256).hexdigest()

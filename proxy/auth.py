"""API keys and the principal they stand for.

A key is shown once, when it is created; the store keeps only a SHA-256 of its
secret part (keys are 256-bit random, so a fast hash is enough and lookups stay
cheap). Keys look like ``hr_<id>_<secret>``: the id finds the row, the secret
is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from audit.schema import api_keys
from core.errors import Forbidden, Unauthorised
from core.vocabulary import CLEARANCES, ROLES

KEY_PREFIX = "hr_"


@dataclass(frozen=True, slots=True)
class Principal:
    user: str
    department: str
    roles: tuple[str, ...]
    clearance: str
    key_id: str

    def require(self, *roles: str) -> None:
        """Raise Forbidden unless the principal holds at least one of ``roles``."""
        if not set(roles) & set(self.roles):
            needed = " or ".join(repr(role) for role in roles)
            raise Forbidden(f"This key does not have the {needed} role needed here.")

    def as_policy_input(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "department": self.department,
            "roles": list(self.roles),
            "clearance": self.clearance,
        }


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    user: str
    department: str
    roles: tuple[str, ...]
    clearance: str
    created_at: datetime
    revoked_at: datetime | None
    description: str | None = None
    expires_at: datetime | None = None


def bearer_key(headers: Mapping[str, str]) -> str | None:
    """The key from ``Authorization: Bearer KEY`` (OpenAI style) or ``x-api-key`` (Anthropic style)."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """Keys in the shared database, with a short per-worker cache of successful lookups."""

    CACHE_SECONDS = 5.0  # a revoked key stops working within this long on every worker

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: dict[str, tuple[float, Principal, datetime | None]] = {}
        self._lock = threading.Lock()

    def create(
        self,
        user: str,
        department: str,
        roles: Iterable[str] = ("user",),
        clearance: str = "OFFICIAL",
        description: str | None = None,
        expires_at: datetime | None = None,
        departments: Collection[str] | None = None,
    ) -> tuple[str, KeyRecord]:
        """A new key. ``departments``, when given, are the ones the policy knows; any other is refused."""
        roles = tuple(dict.fromkeys(roles)) or ("user",)
        unknown = [role for role in roles if role not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}")
        if clearance not in CLEARANCES:
            raise ValueError(f"unknown clearance {clearance!r}; clearances are {', '.join(CLEARANCES)}")
        if not user.strip() or not department.strip():
            raise ValueError("user and department must not be empty")
        if departments is not None and department not in departments:
            raise ValueError(_unknown_department(department, departments))
        created_at = datetime.now(UTC)
        if expires_at is not None and expires_at <= created_at:
            raise ValueError("the expiry must be in the future")
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        record = KeyRecord(key_id, user, department, roles, clearance, created_at, None, description, expires_at)
        with self._engine.begin() as connection:
            connection.execute(
                insert(api_keys).values(
                    key_id=key_id,
                    secret_sha256=_digest(secret),
                    user_id=user,
                    department=department,
                    roles=list(roles),
                    clearance=clearance,
                    description=description,
                    created_at=record.created_at,
                    expires_at=expires_at,
                )
            )
        return f"{KEY_PREFIX}{key_id}_{secret}", record

    def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise Unauthorised(
                "No API key was given. Send it as 'Authorization: Bearer KEY' or 'x-api-key: KEY'.",
                code="missing_api_key",
            )
        key_id, secret = _split(key)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached and now - cached[0] < self.CACHE_SECONDS and not _expired(cached[2]):
            return cached[1]
        with self._engine.connect() as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        if row is None or not hmac.compare_digest(row["secret_sha256"], _digest(secret)):
            raise Unauthorised("The API key is not valid.")
        if row["revoked_at"] is not None:
            raise Unauthorised("The API key has been revoked.", code="revoked_api_key")
        expires_at = _aware(row["expires_at"])
        if expires_at is not None and expires_at <= datetime.now(UTC):
            raise Unauthorised(
                f"The API key expired on {expires_at:%d %B %Y}. Ask your administrator for a new one.",
                code="expired_api_key",
            )
        principal = Principal(row["user_id"], row["department"], tuple(row["roles"]), row["clearance"], key_id)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, principal, expires_at)
        return principal

    def principal_by_id(self, key_id: str) -> Principal:
        """The principal of a key already proven once (a console session keeps the id, never the key), read afresh
        so that revoking or expiring the key, or changing its roles, takes effect on the session's next page."""
        with self._engine.connect() as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        if row is None or row["revoked_at"] is not None:
            raise Unauthorised("The key this session was signed in with is no longer valid.", code="revoked_api_key")
        if _expired(_aware(row["expires_at"])):
            raise Unauthorised("The key this session was signed in with has expired.", code="expired_api_key")
        return Principal(row["user_id"], row["department"], tuple(row["roles"]), row["clearance"], key_id)

    def list(self, include_revoked: bool = False) -> list[KeyRecord]:
        query = select(api_keys).order_by(api_keys.c.created_at)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            KeyRecord(
                r["key_id"],
                r["user_id"],
                r["department"],
                tuple(r["roles"]),
                r["clearance"],
                r["created_at"],
                r["revoked_at"],
                r["description"],
                _aware(r["expires_at"]),
            )
            for r in rows
        ]

    def revoke(self, key_id: str) -> bool:
        """Revoke by key id (shown by ``handrail keys list``) or by the whole key."""
        if key_id.startswith(KEY_PREFIX):
            key_id = _split(key_id)[0]
        with self._engine.begin() as connection:
            result = connection.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if v[1].key_id != key_id}
        return result.rowcount > 0


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every time stored here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _expired(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at <= datetime.now(UTC)


def _unknown_department(department: str, departments: Collection[str]) -> str:
    known = sorted(departments)
    same_letters = [name for name in known if name.casefold() == department.casefold()]
    if same_letters:
        return f"unknown department {department!r}: did you mean {same_letters[0]!r}? (department names are exact)"
    return f"unknown department {department!r}; the policy knows {', '.join(known)}"


def _split(key: str) -> tuple[str, str]:
    if not key.startswith(KEY_PREFIX):
        raise Unauthorised("The API key is not valid.")
    key_id, _, secret = key[len(KEY_PREFIX) :].partition("_")
    if not key_id or not secret:
        raise Unauthorised("The API key is not valid.")
    return key_id, secret

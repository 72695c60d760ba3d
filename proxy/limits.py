"""Request rate limits per key and per department: token buckets shared through the database.

A bucket holds up to ``capacity`` tokens and refills at ``capacity`` per
minute; each request takes one. The buckets live in the shared database
(``rate_limit_buckets``), so every worker and every replica draws on the same
bucket and a user cannot multiply their allowance by landing on other
processes. Taking a token is one conditional ``UPDATE`` (the refill is computed
inside it), so two processes can never both take the last token.

Limits are off unless configured (``limits:`` in the configuration), so an
ordinary deployment pays nothing for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, case, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from audit.schema import rate_limit_buckets
from core.errors import RateLimited
from proxy.auth import Principal


class LimitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requests_per_minute_per_key: int = Field(0, ge=0, description="Requests one key may make per minute; 0: no limit.")
    requests_per_minute_per_department: int = Field(
        0, ge=0, description="Requests all keys of one department may make per minute together; 0: no limit."
    )


class TokenBuckets:
    """Token buckets in the database."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock

    def take(self, bucket: str, capacity: int) -> float | None:
        """Take one token; ``None`` if one was taken, otherwise the seconds until one will be free."""
        rate = capacity / 60.0
        now = self._clock()
        table = rate_limit_buckets
        refilled = table.c.tokens + (literal(now) - table.c.updated_at) * rate
        available = case((refilled > capacity, literal(float(capacity))), else_=refilled)
        with self._engine.begin() as connection:
            taken = connection.execute(
                update(table)
                .where(table.c.bucket == bucket, available >= 1)
                .values(tokens=available - 1, updated_at=now)
            ).rowcount
            if taken:
                return None
            row = connection.execute(select(table.c.tokens, table.c.updated_at).where(table.c.bucket == bucket)).first()
        if row is None:
            try:
                with self._engine.begin() as connection:
                    connection.execute(insert(table).values(bucket=bucket, tokens=capacity - 1.0, updated_at=now))
                return None
            except IntegrityError:
                return self.take(bucket, capacity)  # another process created it first
        tokens: float = min(float(capacity), row.tokens + (now - row.updated_at) * rate)
        return max((1 - tokens) / rate, 0.001)


class RateLimits:
    """The configured limits, applied to an authenticated caller."""

    def __init__(self, engine: Engine, settings: LimitSettings, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._buckets = TokenBuckets(engine, clock)

    def check(self, principal: Principal) -> None:
        """Raise :class:`RateLimited` (429, with the seconds to wait) when the caller is over a limit."""
        limits = (
            ("key", principal.key_id, self._settings.requests_per_minute_per_key, "your key"),
            ("department", principal.department, self._settings.requests_per_minute_per_department, "your department"),
        )
        for kind, name, capacity, whose in limits:
            if capacity <= 0:
                continue
            wait = self._buckets.take(f"{kind}:{name}", capacity)
            if wait is not None:
                raise RateLimited(
                    f"Too many requests: {whose} may send {capacity} a minute. Try again in {max(1, round(wait))} "
                    "seconds.",
                    retry_after=wait,
                )

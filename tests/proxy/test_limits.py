"""Rate limits: token buckets shared through the database, so every worker and replica draws on one bucket."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import pytest

from audit.database import create_schema, make_engine
from core.errors import RateLimited
from proxy.auth import Principal
from proxy.limits import LimitSettings, RateLimits, TokenBuckets
from tests.support.postgres import PostgresServer, require_postgres


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    require_postgres()
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'limits.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database("limits_" + secrets.token_hex(4))
    engine = make_engine(url)
    create_schema(engine)
    yield engine
    engine.dispose()


def test_a_bucket_allows_its_capacity_then_says_how_long_to_wait(engine):
    clock = Clock()
    buckets = TokenBuckets(engine, clock)
    assert [buckets.take("key:a", 3) for _ in range(3)] == [None, None, None]
    wait = buckets.take("key:a", 3)
    assert wait == pytest.approx(20.0)  # 3 a minute: one token every 20 s
    clock.now += 10
    assert buckets.take("key:a", 3) == pytest.approx(10.0)
    clock.now += 10
    assert buckets.take("key:a", 3) is None
    assert buckets.take("key:b", 3) is None  # another bucket is untouched


def test_a_bucket_never_holds_more_than_its_capacity(engine):
    clock = Clock()
    buckets = TokenBuckets(engine, clock)
    buckets.take("key:a", 2)
    clock.now += 3600  # an idle hour does not bank an hour of requests
    assert [buckets.take("key:a", 2) for _ in range(3)] == [None, None, pytest.approx(30.0)]


def test_concurrent_takers_share_one_bucket(engine):
    """Many threads (standing in for workers) together get exactly the capacity, no more."""
    buckets = TokenBuckets(engine, Clock())
    results: list[float | None] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(5):
            result = buckets.take("department:HMRC", 20)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is None for result in results) == 20 and len(results) == 40


def test_limits_per_key_and_per_department(engine):
    clock = Clock()
    limits = RateLimits(
        engine, LimitSettings(requests_per_minute_per_key=2, requests_per_minute_per_department=3), clock
    )
    alice = Principal("alice", "HMRC", ("user",), "OFFICIAL", "k1")
    bob = Principal("bob", "HMRC", ("user",), "OFFICIAL", "k2")
    limits.check(alice)
    limits.check(alice)
    with pytest.raises(RateLimited) as by_key:
        limits.check(alice)
    assert "your key may send 2 a minute" in by_key.value.message
    assert by_key.value.headers() == {"retry-after": "30"}
    limits.check(bob)  # bob's own key is fresh, but the department has one request left ...
    with pytest.raises(RateLimited) as by_department:
        limits.check(bob)
    assert "your department may send 3 a minute" in by_department.value.message


def test_no_limits_by_default(engine):
    limits = RateLimits(engine, LimitSettings())
    for _ in range(50):
        limits.check(Principal("alice", "HMRC", ("user",), "OFFICIAL", "k1"))

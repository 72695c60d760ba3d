"""API keys: shown once, stored as a hash, roles enforced, revocation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.database import create_schema, make_engine
from audit.schema import api_keys
from core.errors import Forbidden, Unauthorised
from proxy.auth import KeyStore, bearer_key


@pytest.fixture()
def store(tmp_path) -> KeyStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    create_schema(engine)
    return KeyStore(engine)


def test_key_round_trip_and_only_a_hash_is_stored(store):
    key, record = store.create("alice", "HMRC", ["user", "auditor"], "OFFICIAL-SENSITIVE")
    principal = store.authenticate(key)
    assert (principal.user, principal.department, principal.roles, principal.clearance) == (
        "alice",
        "HMRC",
        ("user", "auditor"),
        "OFFICIAL-SENSITIVE",
    )
    with store._engine.connect() as connection:
        row = connection.execute(select(api_keys)).mappings().one()
    secret = key.split("_", 2)[2]
    assert secret not in str(dict(row)) and row["key_id"] == record.key_id


@pytest.mark.parametrize("bad", ["", "nonsense", "hr_", "hr_abc", "hr_0123456789abcdef_wrong"])
def test_bad_keys(store, bad):
    store.create("alice", "HMRC")
    with pytest.raises(Unauthorised):
        store.authenticate(bad or None)


def test_wrong_secret_for_a_real_id(store):
    key, _ = store.create("alice", "HMRC")
    with pytest.raises(Unauthorised):
        store.authenticate(key[:-2] + ("AA" if not key.endswith("AA") else "BB"))


def test_revocation_takes_effect(store):
    key, record = store.create("alice", "HMRC")
    store.authenticate(key)
    assert store.revoke(record.key_id)
    with pytest.raises(Unauthorised, match="revoked"):
        store.authenticate(key)
    assert not store.revoke(record.key_id)
    assert store.list() == [] and len(store.list(include_revoked=True)) == 1


def test_roles_are_enforced(store):
    key, _ = store.create("bob", "DWP", ["auditor"])
    principal = store.authenticate(key)
    principal.require("auditor")
    with pytest.raises(Forbidden):
        principal.require("user")


@pytest.mark.parametrize(("roles", "clearance"), [(["admin"], "OFFICIAL"), (["user"], "TOP SECRET")])
def test_invalid_roles_and_clearances_are_refused(store, roles, clearance):
    with pytest.raises(ValueError):
        store.create("x", "y", roles, clearance)


def test_key_headers():
    assert bearer_key({"authorization": "Bearer abc"}) == "abc"
    assert bearer_key({"x-api-key": "def"}) == "def"
    assert bearer_key({"authorization": "Basic zzz"}) is None


def test_an_expired_key_is_refused_with_its_date(store):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    key, record = store.create("alice", "HMRC", expires_at=datetime.now(UTC) + timedelta(days=1))
    assert store.authenticate(key).user == "alice"
    with store._engine.begin() as connection:
        connection.execute(update(api_keys).values(expires_at=datetime(2026, 1, 31, tzinfo=UTC)))
    store._cache.clear()
    with pytest.raises(Unauthorised) as error:
        store.authenticate(key)
    assert error.value.code == "expired_api_key" and "expired on 31 January 2026" in error.value.message
    assert store.list()[0].expires_at == datetime(2026, 1, 31, tzinfo=UTC)


def test_an_expiry_in_the_past_is_refused_at_creation(store):
    from datetime import UTC, datetime

    with pytest.raises(ValueError, match="future"):
        store.create("alice", "HMRC", expires_at=datetime(2020, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("department", "message"),
    [
        ("ho", "unknown department 'ho': did you mean 'HO'? (department names are exact)"),
        ("NOSUCHDEPT", "unknown department 'NOSUCHDEPT'; the policy knows HMRC, HO"),
    ],
)
def test_a_department_the_policy_does_not_know_is_refused(store, department, message):
    with pytest.raises(ValueError) as error:
        store.create("alice", department, departments={"HO", "HMRC"})
    assert str(error.value) == message
    assert store.create("alice", "HO", departments={"HO", "HMRC"})[1].department == "HO"

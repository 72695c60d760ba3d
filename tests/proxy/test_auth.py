"""API keys: shown once, stored as a hash, roles enforced, revocation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.database import create_schema, make_engine
from audit.schema import api_keys
from proxy.auth import KeyStore, bearer_key
from proxy.errors import Forbidden, Unauthorised


@pytest.fixture()
def store(tmp_path) -> KeyStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    create_schema(engine)
    return KeyStore(engine)


def test_key_round_trip_and_only_a_hash_is_stored(store):
    key, record = store.create("alice", "HMRC", ["user", "auditor"], "OFFICIAL-SENSITIVE")
    principal = store.authenticate(key)
    assert (principal.user, principal.department, principal.roles, principal.clearance) == (
        "alice", "HMRC", ("user", "auditor"), "OFFICIAL-SENSITIVE")  # fmt: skip
    with store._engine.connect() as connection:
        row = connection.execute(select(api_keys)).mappings().one()
    secret = key.rsplit("_", 1)[1]
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

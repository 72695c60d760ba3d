"""The policy reload log: every checked reload (loaded, unchanged, rejected) and the file watcher's, with who and
the versions, in a real SQLite audit store; the load at start only when it brings a version not logged last."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.policy_reloads import recent
from audit.settings import AuditSettings
from audit.store import AuditStore
from proxy.config import Settings
from proxy.policy.embedded import EmbeddedEngine
from proxy.policy.engine import PolicyRejected
from proxy.policy.reloads import checked_reload, record_start
from proxy.policy.settings import PolicySettings
from proxy.services import Services
from tests.policy.helpers import copy_policies, edit_data


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AuditStore]:
    audit_store = AuditStore(AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"))
    yield audit_store
    audit_store.engine.dispose()


def test_each_checked_reload_is_logged_with_who_outcome_and_versions(tmp_path: Path, store: AuditStore) -> None:
    policies = copy_policies(tmp_path / "policies")
    engine = EmbeddedEngine(PolicySettings(path=policies, watch=False, run_tests_on_reload=False))
    first = engine.version
    record_start(engine, store.engine)
    record_start(engine, store.engine)  # a second worker on the same policy adds nothing
    assert checked_reload(engine, store.engine, "pat@example.gov.uk", "admin-api") == first
    edit_data(policies, "models", lambda d: d.update({"echo": d["demo"]}))
    second = checked_reload(engine, store.engine, "pat@example.gov.uk", "console")
    module = policies / "handrail" / "safeguards" / "safeguards.rego"
    module.write_text(module.read_text() + "\nblocks contains {\n")
    with pytest.raises(PolicyRejected):
        checked_reload(engine, store.engine, "ops@example.gov.uk", "admin-api")
    assert engine.version == second != first
    logged = [
        (r["actor"], r["via"], r["outcome"], r["version_before"], r["version_after"]) for r in recent(store.engine)
    ]
    assert logged == [
        ("ops@example.gov.uk", "admin-api", "rejected", second, second),
        ("pat@example.gov.uk", "console", "loaded", first, second),
        ("pat@example.gov.uk", "admin-api", "unchanged", first, first),
        ("gateway start", "start", "loaded", None, first),
    ]
    assert "safeguards.rego" in recent(store.engine)[0]["detail"]
    engine.close()


def test_the_file_watchers_reloads_are_logged_too(tmp_path: Path, store: AuditStore) -> None:
    policies = copy_policies(tmp_path / "policies")
    settings = PolicySettings(path=policies, watch=True, watch_interval_seconds=0.2, run_tests_on_reload=False)
    engine = EmbeddedEngine(settings)
    services = Services(settings=Settings(audit=store.settings, policy=settings), upstream=None, audit=store)  # type: ignore[arg-type]
    services.policy = engine
    services._record_policy_loads()
    before = engine.version
    edit_data(policies, "models", lambda d: d.update({"echo": d["demo"]}))
    deadline = time.monotonic() + 20
    while len(recent(store.engine)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    newest = recent(store.engine)[0]
    assert (newest["actor"], newest["via"], newest["outcome"]) == ("policy watcher", "watch", "loaded")
    assert newest["version_before"] == before and newest["version_after"] == engine.version != before
    engine.close()

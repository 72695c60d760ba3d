"""Every checked reload of the policy goes through ``checked_reload``, which records it in the reload log.

Callers: the admin route (``POST /admin/policies/reload``), the console when an exception is approved, and the
file watcher. A reload whose record cannot be written still happens (the policy must follow its files); the failure
is logged. The load at start is recorded only when it brings a version the log has not seen last, so restarting
many workers on the same policy adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine

from audit import policy_reloads
from audit.policy_reloads import Reload
from proxy.policy.engine import PolicyEngine, PolicyRejected

log = logging.getLogger(__name__)


def checked_reload(
    engine: PolicyEngine, store: Engine | None, actor: str, via: str, reload: Callable[[], str] | None = None
) -> str:
    """Reload ``engine`` (raising PolicyRejected as it does) and record the outcome; the version in force.

    ``reload`` is the watcher's poll, which switches only when the source changed: a poll that finds nothing new
    is not recorded (it runs every few seconds).
    """
    before = engine.version
    try:
        after = (reload or engine.reload)()
    except PolicyRejected as error:
        _record(store, Reload(actor, via, "rejected", before, engine.version, str(error)))
        raise
    if after != before or reload is None:
        _record(store, Reload(actor, via, "loaded" if after != before else "unchanged", before, after))
    return after


def record_start(engine: PolicyEngine, store: Engine | None) -> None:
    if store is None:
        return
    try:
        if policy_reloads.last_version(store) == engine.version:
            return
    except Exception as error:  # the reload log is a record, never a reason not to start
        log.error("the policy reload log could not be read: %s", error)
        return
    _record(store, Reload("gateway start", "start", "loaded", None, engine.version))


def _record(store: Engine | None, reload: Reload) -> None:
    if store is None:
        return
    try:
        policy_reloads.record(store, reload)
    except Exception as error:
        log.error("policy reload (%s, %s) not recorded in the reload log: %s", reload.via, reload.outcome, error)

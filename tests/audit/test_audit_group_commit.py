"""Group commit: concurrent appends share transactions, each caller still learns its own outcome."""

from __future__ import annotations

import threading
import time

import pytest

from audit.group_commit import GroupCommit, Work
from audit.store import AuditUnavailable


def test_waiting_appends_are_run_together_and_each_caller_gets_its_own_result():
    batches: list[list[int]] = []
    first_batch_started = threading.Event()
    release = threading.Event()

    def run_batch(batch: list[Work]) -> None:
        batches.append([w.apply(None) for w in batch])
        for work in batch:
            work.result = work.apply(None) * 10

    def run_alone(work: Work) -> None:
        batches.append([work.apply(None)])
        if work.apply(None) == 0:
            first_batch_started.set()
            release.wait(5)
        work.result = work.apply(None) * 10

    group: GroupCommit = GroupCommit(run_batch, run_alone)
    results: dict[int, object] = {}

    def call(number: int) -> None:
        results[number] = group.submit(Work(lambda _tx, n=number: n))

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert first_batch_started.wait(5)
    others = [threading.Thread(target=call, args=(n,)) for n in range(1, 9)]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 10
    while len(group._queue) < 8 and time.monotonic() < deadline:  # all eight queue behind the first transaction
        time.sleep(0.01)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert results == {n: n * 10 for n in range(9)}
    assert batches[0] == [0] and sorted(batches[1]) == list(range(1, 9)) and len(batches) == 2


def test_a_failing_append_fails_alone(store, traffic):
    """A duplicate request id in a shared transaction: it fails; the others in that transaction are recorded."""
    duplicate = traffic.allowed()
    events = [traffic.request() for _ in range(6)] + [duplicate]
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(len(events))

    def record(event) -> None:
        barrier.wait()
        try:
            store.record_request(event)
            outcomes[event.request_id] = "recorded"
        except AuditUnavailable:
            outcomes[event.request_id] = "refused"

    threads = [threading.Thread(target=record, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes.pop(duplicate.request_id) == "refused"
    assert set(outcomes.values()) == {"recorded"}
    assert store.count_requests() == 7


def test_many_threads_each_block_until_their_own_entry_is_committed(store, traffic):
    from sqlalchemy import select

    from audit.schema import audit_events

    seen_missing: list[str] = []

    def record() -> None:
        event = traffic.request()
        store.record_request(event)
        with store.engine.connect() as connection:  # visible to anyone the moment the call returns
            if (
                connection.execute(
                    select(audit_events.c.request_id).where(audit_events.c.request_id == event.request_id)
                ).first()
                is None
            ):
                seen_missing.append(event.request_id)

    threads = [threading.Thread(target=record) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert seen_missing == [] and store.count_requests() == 24


def test_an_interrupted_leader_leaves_nobody_waiting():
    def run_alone(work: Work) -> None:
        raise KeyboardInterrupt

    group: GroupCommit = GroupCommit(lambda batch: None, run_alone)
    with pytest.raises(KeyboardInterrupt):
        group.submit(Work(lambda _tx: None))
    done: list[object] = []
    group._run_alone = lambda work: setattr(work, "result", "ok")
    thread = threading.Thread(target=lambda: done.append(group.submit(Work(lambda _tx: None))))
    thread.start()
    thread.join(5)
    assert done == ["ok"]

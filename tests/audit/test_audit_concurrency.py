"""Many writers at once — threads in one process and several processes, as gateway workers and replicas are —
append to one chain: every request is exactly one event and the chain verifies."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from audit.events import Completion, RequestEvent
from audit.schema import audit_ledger
from audit.settings import AuditSettings
from audit.signing import KeyRing
from audit.store import AuditStore
from audit.verify import verify

REPOSITORY = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from audit.events import Completion, RequestEvent
    from audit.settings import AuditSettings
    from audit.store import AuditStore

    url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = AuditStore(AuditSettings(database_url=url, checkpoint_key="k" * 32, checkpoint_every=7))
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    for number in range(count):
        request_id = f"req_{name}_{number}"
        blocked = number % 5 == 0
        store.record_request(RequestEvent(request_id=request_id, received_at=datetime.now(UTC), endpoint="/v1/chat/completions",
                                          outcome="blocked" if blocked else "forwarded", user_id=name, department="DWP",
                                          model="demo", decision={"action": "block" if blocked else "allow",
                                          "reasons": [{"code": "test", "message": "m"}] if blocked else []}))
        if not blocked:
            store.record_completion(Completion(request_id=request_id, completed_at=datetime.now(UTC), outcome="completed",
                                               status_code=200, answer_text="ok"))
""")


def entries_for(count: int) -> int:
    blocked = len([n for n in range(count) if n % 5 == 0])
    return blocked + 2 * (count - blocked)


def run_concurrently(url: str, tmp_path: Path, processes: int, threads: int, per_writer: int) -> None:
    script = tmp_path / "append_worker.py"
    script.write_text(WORKER)
    env = {"PYTHONPATH": str(REPOSITORY), "PATH": "/usr/bin:/bin"}
    children = [
        subprocess.Popen(
            [sys.executable, str(script), url, f"process{i}", str(per_writer)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    store = AuditStore(AuditSettings(database_url=url, checkpoint_key="k" * 32, checkpoint_every=7))
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            for number in range(per_writer):
                request_id = f"req_{name}_{number}"
                blocked = number % 5 == 0
                store.record_request(
                    RequestEvent(
                        request_id=request_id,
                        received_at=datetime.now(UTC),
                        endpoint="/v1/messages",
                        outcome="blocked" if blocked else "forwarded",
                        user_id=name,
                        decision={
                            "action": "block" if blocked else "allow",
                            "reasons": [{"code": "test", "message": "m"}] if blocked else [],
                        },
                    )
                )
                if not blocked:
                    store.record_completion(
                        Completion(
                            request_id=request_id, completed_at=datetime.now(UTC), outcome="completed", status_code=200
                        )
                    )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=write, args=(f"thread{i}",)) for i in range(threads)]
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for child in children:
        child.stdin.close()
        assert child.wait(timeout=300) == 0
    assert not errors, errors
    writers = processes + threads
    assert store.count_requests() == writers * per_writer
    with store.engine.connect() as connection:
        seqs = list(connection.execute(select(audit_ledger.c.seq).order_by(audit_ledger.c.seq)).scalars())
        kinds = dict(connection.execute(select(audit_ledger.c.kind, func.count()).group_by(audit_ledger.c.kind)).all())
    assert seqs == list(range(1, writers * entries_for(per_writer) + 1))  # one line, no gaps, nothing lost
    assert kinds["request"] == writers * per_writer
    report = verify(store.engine, KeyRing.for_settings(store.settings))
    assert report.intact, report.problems
    assert report.signed_through >= len(seqs) - 7
    store.engine.dispose()


def test_threads_and_processes_append_to_one_postgresql_chain(postgres_url, tmp_path):
    run_concurrently(postgres_url, tmp_path, processes=3, threads=8, per_writer=25)


def test_threads_and_processes_append_to_one_sqlite_chain(tmp_path):
    run_concurrently(f"sqlite:///{tmp_path / 'audit.db'}", tmp_path, processes=2, threads=4, per_writer=20)

"""Does the audit trail's write rate grow with writers? 1, 2 and 4 writer processes against one PostgreSQL.

    python bench/audit_writers.py [--seconds 10] [--threads 4] [--writers 1,2,4]

Each writer process is an ``AuditStore`` (as a gateway worker holds one) with ``--threads`` threads, each recording a
request and its completion in a loop, as fast as the store takes them, for ``--seconds``. Every writer count runs
twice on a fresh database of one durable PostgreSQL server (fsync on, as deployed): with ``audit.shards`` equal to
the writers, and with one shard (the single chain, for comparison). Prints events/s (ledger entries appended per
second; a forwarded request is two) and requests/s as Markdown, then verifies each trail. docs/performance.md records
a run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from bench.audit import sample_completion, sample_request  # noqa: E402

CHECKPOINT_KEY = "bench-checkpoint-key-0123456789abcdef0123"


def _settings(url: str, shards: int):
    from audit.settings import AuditSettings

    return AuditSettings(database_url=url, shards=shards, checkpoint_key=CHECKPOINT_KEY)


def _writer(url: str, shards: int, name: str, threads: int, seconds: float, start: object, done: object) -> None:
    from audit.store import AuditStore

    store = AuditStore(_settings(url, shards))
    counts = [0] * threads

    def write(thread: int) -> None:
        rng = random.Random(f"{name}-{thread}")
        deadline = time.perf_counter() + seconds
        number = 0
        while time.perf_counter() < deadline:
            event = sample_request(rng, f"req_{name}_{thread}_{number}", datetime.now(UTC))
            store.record_request(event)
            counts[thread] += 1
            if event.outcome == "forwarded":
                store.record_completion(sample_completion(rng, event, datetime.now(UTC)))
            number += 1

    start.wait()
    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    store.close()
    done.put(sum(counts))


def run(url: str, writers: int, shards: int, threads: int, seconds: float) -> dict[str, float]:
    from sqlalchemy import func, select

    from audit.schema import audit_ledger
    from audit.store import AuditStore

    AuditStore(_settings(url, shards)).engine.dispose()  # the schema and the shards' heads, outside the timing
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    children = [
        context.Process(target=_writer, args=(url, shards, f"w{n}", threads, seconds, start, done))
        for n in range(writers)
    ]
    for child in children:
        child.start()
    time.sleep(3 + writers)  # every process imports and connects before the clock starts
    began = time.perf_counter()
    start.set()
    requests = sum(done.get(timeout=600) for _ in children)
    elapsed = time.perf_counter() - began
    for child in children:
        child.join()
    store = AuditStore(_settings(url, shards))
    with store.engine.connect() as connection:
        entries = connection.execute(select(func.count()).select_from(audit_ledger)).scalar_one()
        used = connection.execute(select(func.count(audit_ledger.c.shard.distinct()))).scalar_one()
    from audit.signing import KeyRing
    from audit.verify import verify

    keys = KeyRing()
    keys.add_hmac_secret(CHECKPOINT_KEY)
    began_verify = time.perf_counter()
    report = verify(store.engine, keys)
    verify_seconds = time.perf_counter() - began_verify
    store.engine.dispose()
    return {
        "events/s": entries / elapsed,
        "requests/s": requests / elapsed,
        "entries": entries,
        "shards used": used,
        "intact": report.intact,
        "verify s": verify_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each run writes (default 10)")
    parser.add_argument("--threads", type=int, default=4, help="threads per writer process (default 4)")
    parser.add_argument("--writers", default="1,2,4", help="writer process counts (default 1,2,4)")
    arguments = parser.parse_args()

    from tests.support.postgres import PostgresServer

    print(
        "| writer processes | shards | events/s | requests/s | entries | shards used | verify (s) | intact |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    with PostgresServer(durable=True) as server:
        for writers in (int(n) for n in arguments.writers.split(",")):
            for shards in dict.fromkeys((writers, 1)):
                url = server.create_database(f"writers_{writers}_shards_{shards}")
                result = run(url, writers, shards, arguments.threads, arguments.seconds)
                print(
                    f"| {writers} | {shards} | {result['events/s']:.0f} | {result['requests/s']:.0f} | "
                    f"{result['entries']} | {result['shards used']} | {result['verify s']:.1f} | {result['intact']} |"
                )
                sys.stdout.flush()
                server.drop_database(url.rsplit("/", 1)[-1])


if __name__ == "__main__":
    main()

"""How fast the audit trail records and answers.

    python bench/audit.py [--writes 2000] [--events 1000000] [--skip-large] [--verify-large]

Measures, and prints as Markdown:
  - write latency p50/p99 of one request entry and one completion entry (the two appends the gateway makes per
    request), on SQLite (a file, WAL) and on PostgreSQL (a local server with fsync on, as deployed);
  - throughput with 16 concurrent writers (4 processes x 4 threads, like gateway workers) on each;
  - on PostgreSQL, over a generated trail of --events requests (bulk-loaded, chain and index computed in bulk by
    the same code the store uses): the first page of one user's last 30 days, and stats (all six breakdowns) over
    everything, over 30 days, and for one department.
Budgets: write p50 <= 2 ms on SQLite; query <= 200 ms and stats <= 1 s at 1M events on PostgreSQL.
docs/audit.md records a run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from audit.canonical import sha256_hex  # noqa: E402
from audit.events import Completion, RequestEvent  # noqa: E402
from audit.index import completed_row, request_row  # noqa: E402
from audit.ledger import entry_body  # noqa: E402
from audit.schema import audit_events  # noqa: E402
from audit.settings import AuditSettings  # noqa: E402
from audit.store import AuditStore  # noqa: E402

DEPARTMENTS = [f"Department {n:02d}" for n in range(30)]
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "claude-haiku", "llama-70b", "mistral-large"]
USERS = 5000
DAYS = 180
FINDINGS = ["PERSON", "EMAIL_ADDRESS", "UK_NINO", "UK_POSTCODE", "PHONE_NUMBER", "DATE_OF_BIRTH"]
REASONS = {
    "block": ["pii_to_unapproved_model", "classification_above_clearance", "agentic_use"],
    "redact": ["personal_data_redacted"],
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def sample_request(rng: random.Random, request_id: str, received_at: datetime) -> RequestEvent:
    """A request as the gateway records it, with the distribution the large trail uses."""
    user = rng.randrange(USERS)
    roll = rng.random()
    action = "allow" if roll < 0.80 else "redact" if roll < 0.92 else "block" if roll < 0.98 else None
    findings = {} if action == "allow" and rng.random() < 0.9 else {rng.choice(FINDINGS): rng.randint(1, 3)}
    reasons = [
        {"code": code, "message": "A plain-English reason for the decision."}
        for code in REASONS.get(action or "", [])[:1]
    ]
    if action == "block":
        reasons = [{"code": rng.choice(REASONS["block"]), "message": "This request was refused by policy."}]
    decision = (
        None
        if action is None
        else {
            "action": action,
            "reasons": reasons,
            "redact_types": sorted(findings) if action == "redact" else [],
            "experiment": None,
            "policy_version": "3e1f09c2",
        }
    )
    outcome = "rejected" if action is None else "blocked" if action == "block" else "forwarded"
    return RequestEvent(
        request_id=request_id,
        received_at=received_at,
        endpoint="/v1/chat/completions",
        outcome=outcome,
        status_code=401 if action is None else 403 if action == "block" else None,
        user_id=None if action is None else f"user{user:05d}@example.gov.uk",
        department=None if action is None else DEPARTMENTS[user % len(DEPARTMENTS)],
        roles=["user"],
        clearance="OFFICIAL",
        key_id=f"{user:016x}",
        client_address="10.0.3.17",
        user_agent="OpenAI/Python 1.54.0",
        model=rng.choice(MODELS),
        provider="openai",
        stream=rng.random() < 0.5,
        classification="OFFICIAL",
        decision=decision,
        policy_version=decision and "3e1f09c2",
        findings=findings,
        signals=[{"type": "agentic", "evidence": "declares 3 tools", "location": "tools"}]
        if rng.random() < 0.03
        else [],
        error_code="invalid_api_key" if action is None else reasons[0]["code"] if action == "block" else None,
        prompt_text="Please summarise the attached note about <PERSON> and the next steps for the team."
        if action is not None
        else None,
        latency_ms={"authenticate": 0.31, "parse": 0.12, "detect": 7.9, "decide": 0.84, "enforce": 0.05, "total": 9.6},
    )


def sample_completion(rng: random.Random, request: RequestEvent, completed_at: datetime) -> Completion:
    failed = rng.random() < 0.01
    return Completion(
        request_id=request.request_id,
        completed_at=completed_at,
        outcome="upstream_error" if failed else "completed",
        status_code=502 if failed else 200,
        upstream_status=500 if failed else 200,
        input_tokens=rng.randint(20, 2000),
        output_tokens=None if failed else rng.randint(20, 800),
        answer_text=None if failed else "Here is a short summary of the note and three next steps for the team.",
        error_code="upstream_error" if failed else None,
        latency_ms={
            "authenticate": 0.31,
            "detect": 7.9,
            "decide": 0.84,
            "audit": 0.9,
            "upstream": 850.0,
            "total": 862.0,
        },
    )


# --- write latency -----------------------------------------------------------------------------------------------


def write_latency(store: AuditStore, writes: int) -> dict[str, float]:
    rng = random.Random(1)
    requests, completions = [], []
    for number in range(writes + writes // 10):
        event = sample_request(rng, f"req_lat_{number:08d}", datetime.now(UTC))
        event.outcome, event.decision, event.status_code = "forwarded", {"action": "allow", "reasons": []}, None
        started = time.perf_counter()
        store.record_request(event)
        middle = time.perf_counter()
        store.record_completion(sample_completion(rng, event, datetime.now(UTC)))
        ended = time.perf_counter()
        if number >= writes // 10:  # the first tenth warms caches and connections
            requests.append((middle - started) * 1000)
            completions.append((ended - middle) * 1000)
    return {
        "request p50": percentile(requests, 0.5),
        "request p99": percentile(requests, 0.99),
        "completion p50": percentile(completions, 0.5),
        "completion p99": percentile(completions, 0.99),
    }


# --- concurrent writers ------------------------------------------------------------------------------------------


def _writer_process(url: str, name: str, threads: int, per_thread: int, start: object, done: object) -> None:
    store = AuditStore(AuditSettings(database_url=url))
    store.record_access  # noqa: B018  (connections are opened by the first write below, inside the timing)

    def write(thread: int) -> None:
        rng = random.Random(f"{name}-{thread}")
        for number in range(per_thread):
            event = sample_request(rng, f"req_{name}_{thread}_{number}", datetime.now(UTC))
            store.record_request(event)
            if event.outcome == "forwarded":
                store.record_completion(sample_completion(rng, event, datetime.now(UTC)))

    start.wait()
    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.put(name)


def concurrent_throughput(url: str, processes: int = 4, threads: int = 4, per_thread: int = 150) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    children = [
        context.Process(target=_writer_process, args=(url, f"p{n}", threads, per_thread, start, done))
        for n in range(processes)
    ]
    for child in children:
        child.start()
    time.sleep(3)  # let every process import and connect
    began = time.perf_counter()
    start.set()
    for _ in children:
        done.get(timeout=600)
    elapsed = time.perf_counter() - began
    for child in children:
        child.join()
    store = AuditStore(AuditSettings(database_url=url))
    requests = processes * threads * per_thread
    with store.engine.connect() as connection:
        from sqlalchemy import func, select

        from audit.schema import audit_ledger

        entries = connection.execute(select(func.count()).select_from(audit_ledger)).scalar_one()
    store.engine.dispose()
    return {"requests/s": requests / elapsed, "entries/s": entries / elapsed, "requests": requests, "entries": entries}


# --- a large trail -----------------------------------------------------------------------------------------------


def generate(url: str, events: int, batch: int = 20000) -> float:
    """Bulk-load ``events`` requests (and their completions) with a valid chain, index and rollups."""
    import psycopg
    from sqlalchemy import update
    from sqlalchemy.engine import make_url

    from audit import rollups
    from audit.ledger import ChainWriter, CheckpointPolicy
    from audit.schema import audit_chain_head
    from audit.signing import DigestOnly

    AuditStore(AuditSettings(database_url=url)).engine.dispose()  # the schema
    target = make_url(url)
    connection = psycopg.connect(host=target.host, port=target.port, user=target.username, dbname=target.database)
    connection.execute("SET synchronous_commit = off")
    rng = random.Random(42)
    start = datetime.now(UTC) - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / events
    seq, previous = 0, "0" * 64
    began = time.perf_counter()
    ledger_rows, index_rows, label_rows = [], [], []

    def flush() -> None:
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY audit_ledger (seq, kind, request_id, recorded_at, body, text, hash) FROM STDIN"
            ) as copy:
                for row in ledger_rows:
                    copy.write_row(row)
            columns = tuple(audit_events.c.keys())
            with cursor.copy(f"COPY audit_events ({', '.join(columns)}) FROM STDIN") as copy:
                for values in index_rows:
                    copy.write_row([values[c] for c in columns])
            with cursor.copy("COPY audit_event_labels (label, request_seq) FROM STDIN") as copy:
                for row in label_rows:
                    copy.write_row(row)
        connection.commit()
        ledger_rows.clear()
        index_rows.clear()
        label_rows.clear()

    def append(kind: str, request_id: str, recorded_at: datetime, data: dict, text: str | None) -> int:
        nonlocal seq, previous
        seq += 1
        body = entry_body(seq, previous, kind, request_id, recorded_at, text, data)
        previous = sha256_hex(body)
        ledger_rows.append((seq, kind, request_id, recorded_at, body, text, previous))
        return seq

    for number in range(events):
        received_at = start + step * number
        event = sample_request(rng, f"req_{number:010d}", received_at)
        data = event.to_dict()
        prompt = data.pop("prompt_text")
        request_seq = append("request", event.request_id, received_at + timedelta(milliseconds=9), data, prompt)
        row = request_row(request_seq, data)
        if event.outcome == "forwarded":
            done = sample_completion(rng, event, received_at + timedelta(milliseconds=860))
            completion = done.to_dict()
            answer = completion.pop("answer_text")
            completion_seq = append("completion", event.request_id, done.completed_at, completion, answer)
            row = completed_row(row, completion_seq, completion)
        index_rows.append(row.values)
        label_rows.extend((label, request_seq) for label in sorted(row.labels))
        if len(index_rows) >= batch:
            flush()
    flush()
    connection.close()
    engine = AuditStore(AuditSettings(database_url=url)).engine
    with engine.begin() as sql:
        sql.execute(update(audit_chain_head).values(seq=seq, hash=previous))
        rollups.rebuild(sql)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as sql:
        sql.exec_driver_sql("VACUUM ANALYZE")
    # Sign a checkpoint of the loaded head, as the gateway would have done along the way.
    with engine.begin() as sql:
        writer = ChainWriter(sql, DigestOnly(), CheckpointPolicy())
        writer.write_checkpoint(datetime.now(UTC))
        writer.finish()
    engine.dispose()
    return time.perf_counter() - began


def time_queries(url: str, runs: int = 7) -> dict[str, tuple[float, float]]:
    from audit.queries import EventFilter, event_stats, search_events

    store = AuditStore(AuditSettings(database_url=url))
    now = datetime.now(UTC)
    rng = random.Random(5)
    results: dict[str, tuple[float, float]] = {}

    def measure(name: str, run) -> None:
        timings = []
        with store.engine.connect() as connection:
            run(connection)  # warm
            for _ in range(runs):
                started = time.perf_counter()
                run(connection)
                timings.append((time.perf_counter() - started) * 1000)
        results[name] = (statistics.median(timings), max(timings))

    def user_30_days(connection) -> None:
        user = f"user{rng.randrange(USERS):05d}@example.gov.uk"
        page = search_events(connection, EventFilter(user=user, since=now - timedelta(days=30)), limit=50)
        assert page.events, user

    measure("query: one user, last 30 days (first page of 50)", user_30_days)
    measure("query: newest 50 blocked requests", lambda c: search_events(c, EventFilter(decision=("block",)), limit=50))
    measure("stats: all six breakdowns, whole trail", lambda c: event_stats(c, EventFilter()))
    measure(
        "stats: all six breakdowns, last 30 days (part-days from events)",
        lambda c: event_stats(c, EventFilter(since=now - timedelta(days=30))),
    )
    measure("stats: one department, whole trail", lambda c: event_stats(c, EventFilter(department=DEPARTMENTS[3])))
    measure(
        "stats: one finding type, last 30 days (events, no rollup)",
        lambda c: event_stats(c, EventFilter(finding="UK_NINO", since=now - timedelta(days=30))),
    )
    store.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=2000, help="requests timed for write latency (default 2000)")
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="requests in the generated trail (default 1,000,000)"
    )
    parser.add_argument("--skip-large", action="store_true", help="skip generating and querying the large trail")
    parser.add_argument("--verify-large", action="store_true", help="also time 'verify' over the large trail")
    arguments = parser.parse_args()

    from tests.support.postgres import PostgresServer

    print("| measure | SQLite | PostgreSQL |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as directory, PostgresServer(durable=True) as server:
        sqlite_url = f"sqlite:///{Path(directory) / 'audit.db'}"
        postgres_url = server.create_database("latency")
        latency = {}
        for name, url in (("sqlite", sqlite_url), ("postgres", postgres_url)):
            store = AuditStore(AuditSettings(database_url=url))
            latency[name] = write_latency(store, arguments.writes)
            store.engine.dispose()
        for key in ("request p50", "request p99", "completion p50", "completion p99"):
            print(f"| write latency, {key} (ms) | {latency['sqlite'][key]:.2f} | {latency['postgres'][key]:.2f} |")
        throughput = {
            "sqlite": concurrent_throughput(f"sqlite:///{Path(directory) / 'concurrent.db'}"),
            "postgres": concurrent_throughput(server.create_database("concurrent")),
        }
        print(
            f"| 16 concurrent writers: requests/s (each 1-2 entries) | {throughput['sqlite']['requests/s']:.0f} | "
            f"{throughput['postgres']['requests/s']:.0f} |"
        )
        print(
            f"| 16 concurrent writers: entries/s | {throughput['sqlite']['entries/s']:.0f} | "
            f"{throughput['postgres']['entries/s']:.0f} |"
        )
        sys.stdout.flush()
        if arguments.skip_large:
            return
        large_url = server.create_database("large")
        seconds = generate(large_url, arguments.events)
        print(
            f"\nGenerated {arguments.events:,} requests ({DAYS} days, {USERS} users, {len(DEPARTMENTS)} departments, "
            f"{len(MODELS)} models) in {seconds:.0f} s.\n"
        )
        print("| query on PostgreSQL | median (ms) | max of 7 (ms) |\n|---|---|---|")
        for name, (median, worst) in time_queries(large_url).items():
            print(f"| {name} | {median:.1f} | {worst:.1f} |")
        if arguments.verify_large:
            from audit.signing import KeyRing
            from audit.verify import verify

            store = AuditStore(AuditSettings(database_url=large_url))
            began = time.perf_counter()
            report = verify(store.engine, KeyRing())
            print(
                f"\nverify over {report.entries:,} entries: {time.perf_counter() - began:.0f} s, intact={report.intact}"
            )


if __name__ == "__main__":
    main()

"""Mixed load on two gateway processes sharing one PostgreSQL audit trail, then the trail's tally.

    python bench/load.py [--requests 2000] [--clients 16] [--gateways 2] [--workers 1]

Starts the stand-in provider (its own process), a durable throwaway PostgreSQL (fsync on), and ``--gateways``
``handrail serve`` processes on it, on the default policy with scanning, policy and audit all on. ``--clients``
threads then send ``--requests`` requests, spread over the gateways: allowed, redacted (pseudonymised and
restored), blocked, bad input, streamed chat completions and Anthropic Messages calls (the same mix as
``tests/gateway/test_load.py``, which runs it at CI size). Prints throughput, latency per kind, the statuses, and
what the trail recorded per request id (lost, duplicated, wrong outcome), then ``handrail audit verify``'s verdict.
Exits 1 if any request or record is not as expected. docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from tests.support import wait_for_http_ok  # noqa: E402
from tests.support.load import latency_summary, mixed_cases, run_load, start_gateways, tally_trail  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.standin import free_port, model_list_for  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests in all (default 2000)")
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--gateways", type=int, default=2, help="gateway processes (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per gateway (default 1)")
    args = parser.parse_args()

    port = free_port()
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.support.standin", str(port)],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    models = model_list_for(f"http://127.0.0.1:{port}/v1", ("echo",))
    models.append(
        {
            "model_name": "claude-echo",
            "litellm_params": {"model": "anthropic/echo", "api_base": f"http://127.0.0.1:{port}", "api_key": "x"},
        }
    )
    gateways = []
    try:
        if not wait_for_http_ok(f"http://127.0.0.1:{port}/_recorded", standin, 30):
            raise RuntimeError("the stand-in provider did not start")
        with PostgresServer(durable=True) as postgres:
            database_url = postgres.create_database("handrail")
            root = Path(tempfile.mkdtemp(prefix="handrail-load-"))
            started = time.monotonic()
            gateways = start_gateways(args.gateways, models, database_url, root, workers=args.workers)
            print(f"{args.gateways} gateway(s) ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
            key = gateways[0].create_key()
            cases = mixed_cases(args.requests)
            answers, seconds = run_load(gateways, [key] * len(gateways), cases, args.clients)
            statuses = Counter((answer.case.kind, answer.status) for answer in answers)
            problems = [answer for answer in answers if answer.problem]
            for gateway in gateways:
                gateway.stop()  # each signs its final checkpoint
            tally = tally_trail(database_url, answers)
            verified = gateways[0].audit_verify()
    finally:
        for gateway in gateways:
            gateway.stop()
        standin.terminate()
        standin.wait()

    print(
        f"## Load: {args.requests} requests, {args.clients} clients, {args.gateways} gateways x {args.workers} worker(s)"
    )
    print()
    print(f"- wall time {seconds:.1f} s, {len(answers) / seconds:.1f} requests/s")
    print(f"- answered as expected: {len(answers) - len(problems)} / {args.requests}")
    print()
    print("| kind | requests | status | p50 ms | p99 ms |")
    print("|---|---:|---|---:|---:|")
    for kind, (count, p50, p99) in latency_summary(answers).items():
        seen = ", ".join(f"{status}×{n}" for (k, status), n in sorted(statuses.items(), key=str) if k == kind)
        print(f"| {kind} | {count} | {seen} | {p50:.0f} | {p99:.0f} |")
    print()
    print(
        f"- audit trail: {tally.request_ids} request ids answered; lost {len(tally.lost)}, duplicated "
        f"{len(tally.duplicated)}, wrong outcome {len(tally.unexpected)}, recorded but not answered "
        f"{len(tally.not_answered)}; outcomes {dict(sorted(tally.outcomes.items()))}"
    )
    verdict = (verified.stdout.strip().splitlines() or ["(no output)"])[0]
    print(f"- `handrail audit verify`: exit {verified.returncode}: {verdict}")
    for answer in problems[:10]:
        print(f"  problem: #{answer.case.number} {answer.case.kind}: {answer.problem}", file=sys.stderr)
    failed = problems or tally.lost or tally.duplicated or tally.unexpected or tally.not_answered
    return 1 if failed or verified.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())

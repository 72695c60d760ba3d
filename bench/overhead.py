"""How much latency the gateway adds, compared with calling the provider directly.

    python bench/overhead.py [--requests 300] [--workers 2]

Starts the stand-in provider (its own process) and `handrail serve` on the
default policy, with scanning, policy and audit all on (SQLite audit store),
then measures, for a ~1 KB prompt with no personal data:
  - non-streaming latency p50/p99, direct and through the gateway, at concurrency 1 and 16;
  - streaming time to first token, likewise;
  - requests/second at concurrency 16, every request a different prompt (so the scan cache never helps);
  - time to first token when the provider generates at a realistic pace (model ``paced``: one word every 20 ms),
    at concurrency 1, which is where the hold-back of a streamed answer shows (it is released only once scanned
    with 64 characters after it).
The stand-in answers with a short fixed paragraph (model ``brief``), which the gateway scans too.
Prints a Markdown table; docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from tests.support.gateway import Gateway  # noqa: E402
from tests.support.standin import free_port, model_list_for  # noqa: E402

SUBJECTS = (
    "The delivery team",
    "Our programme board",
    "The Department for Education",
    "Leeds City Council",
    "The finance directorate",
    "Each regional office",
    "The digital service",
    "The Cabinet Office review",
)
VERBS = ("reported", "agreed", "proposed", "reviewed", "published", "questioned", "approved", "postponed")
OBJECTS = (
    "the quarterly funding figures",
    "a revised procurement timeline",
    "new guidance on housing support",
    "the risk register for the transport strategy",
    "an updated consultation plan",
    "the evidence pack for Ministers",
    "capacity planning for the winter period",
    "the outcome framework for schools in Yorkshire",
)


def prompt(seed: int, size: int = 1024) -> str:
    """~``size`` characters of ordinary civil-service prose with no personal data (capitalised, so NER runs)."""
    rng = random.Random(seed)
    sentences: list[str] = []
    while sum(len(s) + 1 for s in sentences) < size:
        sentences.append(
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in week {rng.randint(1, 52)}."
        )
    return "Summarise these notes for the weekly update. " + " ".join(sentences)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def one_call(
    client: httpx.AsyncClient,
    url: str,
    headers: dict,
    text: str,
    stream: bool,
    model: str = "brief",
    first_only: bool = False,
) -> float:
    body = {"model": model, "messages": [{"role": "user", "content": text}], "stream": stream}
    started = time.perf_counter()
    if not stream:
        response = await client.post(url, json=body, headers=headers)
        response.raise_for_status()
        return time.perf_counter() - started
    async with client.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        first = None
        async for line in response.aiter_lines():
            if first is None and '"content":"' in line.replace(" ", "") and '"content":""' not in line.replace(" ", ""):
                first = time.perf_counter() - started
                if first_only:
                    break
        return first if first is not None else time.perf_counter() - started


async def run(
    url: str, headers: dict, requests: int, concurrency: int, stream: bool, distinct: bool, model: str = "brief"
) -> tuple[list[float], float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for seed in range(3):  # warm-up (connections, caches of the direct path)
            await one_call(client, url, headers, prompt(10_000 + seed), stream, model, first_only=model == "paced")
        queue = list(range(requests))
        latencies: list[float] = []

        async def worker() -> None:
            while queue:
                number = queue.pop()
                text = prompt(number if distinct else 1)
                latencies.append(await one_call(client, url, headers, text, stream, model, first_only=model == "paced"))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement (default 300)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gateway worker processes")
    args = parser.parse_args()

    port = free_port()
    standin = subprocess.Popen([sys.executable, "-m", "tests.support.standin", str(port)], cwd=REPOSITORY)
    directory = Path(tempfile.mkdtemp(prefix="handrail-bench-"))
    base = f"http://127.0.0.1:{port}/v1"
    gateway = Gateway(directory, model_list=model_list_for(base, ("brief", "paced")), workers=args.workers)
    try:
        gateway.start()
        key = gateway.create_key()
        targets = {
            "direct": (f"{base}/chat/completions", {}),
            "gateway": (f"{gateway.url}/v1/chat/completions", {"authorization": f"Bearer {key}"}),
        }
        rows = []
        for stream in (False, True):
            for concurrency in (1, 16):
                figures = {}
                for name, (url, headers) in targets.items():
                    latencies, rate = asyncio.run(run(url, headers, args.requests, concurrency, stream, distinct=True))
                    figures[name] = (percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, rate)
                d, g = figures["direct"], figures["gateway"]
                rows.append(
                    (
                        "time to first token" if stream else "latency",
                        concurrency,
                        f"{d[0]:.1f} / {d[1]:.1f}",
                        f"{g[0]:.1f} / {g[1]:.1f}",
                        f"{g[0] - d[0]:.1f} / {g[1] - d[1]:.1f}",
                        f"{d[2]:.0f}",
                        f"{g[2]:.0f}",
                    )
                )
        paced = {}
        for name, (url, headers) in targets.items():
            latencies, rate = asyncio.run(
                run(url, headers, min(args.requests, 100), 1, True, distinct=True, model="paced")
            )
            paced[name] = (percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, rate)
        d, g = paced["direct"], paced["gateway"]
        rows.append(
            (
                "time to first token, paced provider",
                1,
                f"{d[0]:.1f} / {d[1]:.1f}",
                f"{g[0]:.1f} / {g[1]:.1f}",
                f"{g[0] - d[0]:.1f} / {g[1] - d[1]:.1f}",
                "-",
                "-",
            )
        )
        print(
            f"\n{args.requests} requests per row, ~1 KB prompt, {args.workers} gateway workers, {os.cpu_count()} cores\n"
        )
        print(
            "| measure | concurrency | direct p50 / p99 ms | gateway p50 / p99 ms | added p50 / p99 ms | direct req/s | gateway req/s |"
        )
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(str(cell) for cell in row) + " |")
    finally:
        gateway.stop()
        standin.terminate()
        standin.wait()


if __name__ == "__main__":
    main()

"""Handrail side by side with LiteLLM's proxy, with and without its Presidio guardrail, in one run.

    python bench/compare.py [--requests 300] [--workers 2] [--peers /tmp/handrail-bench-peers]

Against one stand-in provider (``tests.support.standin`` in its own process, model ``brief``), starts in turn:

  handrail           ``handrail serve`` on the default policy: scanning, policy, audit (SQLite) and the answer's
                     screen all on, as bench/overhead.py;
  litellm            LiteLLM's proxy 1.81.13 with a master key and no guardrail;
  litellm+presidio   the same proxy with its ``presidio`` guardrail (``mode: pre_call``, on for every request),
                     calling Presidio's analyzer and anonymizer as local HTTP services (bench/presidio_services.py:
                     the real engines behind their REST API, on the same spaCy model as Handrail).

Each server gets ``--workers`` worker processes (the Presidio analyzer too; the anonymizer one). For each one, back
to back, the provider called directly and then through the server: latency p50/p99 at concurrency 1 (the added
figure is the difference), then requests/s at concurrency 16; a ~1 KB prompt with no personal data, a different
one on every request (bench/overhead.py's generator). Before measuring, a prompt holding a name is sent once, and
what reached the provider is checked: a placeholder for the guarded two, the name itself for plain LiteLLM.

The peers are installed on first run into a throwaway virtual environment under ``--peers`` (LiteLLM 1.81.13 with
its ``proxy`` extra, whole: its version differs from the project's pin on purpose, so it never shares the project's
environment); the Presidio services run on the project's own presidio-analyzer and presidio-anonymizer. Prints a
Markdown table; docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

from overhead import percentile, run  # noqa: E402

from tests.support import wait_for_http_ok  # noqa: E402
from tests.support.gateway import Gateway  # noqa: E402
from tests.support.standin import free_port, model_list_for  # noqa: E402

LITELLM = "litellm[proxy]==1.81.13"
MASTER_KEY = "sk-bench-compare-0000"
PROXY_HEADERS = {"authorization": f"Bearer {MASTER_KEY}"}
NAMED_PROMPT = "Please draft a short reply to Margaret Thornton about her council tax appeal."


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str]
    pids: list[int]  # the server's processes: their CPU time (and their children's) is what a request costs


@dataclass
class Figures:
    direct_p50: float
    direct_p99: float
    p50: float
    p99: float
    direct_rate: float
    rate: float
    cpu_ms: float  # CPU time of the server's processes per request, over the concurrency-16 run


def litellm_binary(peers: Path) -> Path:
    """LiteLLM's proxy in its own virtual environment, installed the first time."""
    venv = peers / "litellm-1.81.13"
    binary = venv / "bin" / "litellm"
    if binary.exists():
        return binary
    print(f"installing {LITELLM} into {venv} (first run only)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", LITELLM], check=True)
    return binary


def cpu_seconds(roots: list[int]) -> float:
    """User and system CPU time of these processes and all their descendants, from /proc (Linux)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, seen = 0.0, set()
    for pid in times:
        ancestor = pid
        while ancestor not in roots and ancestor in parents and ancestor > 1:
            ancestor = parents[ancestor]
        if ancestor in roots and pid not in seen:
            seen.add(pid)
            total += times[pid]
    return total


@contextmanager
def process(
    command: list[str], ready_url: str, log: Path, environment: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, ready when ``ready_url`` answers 200; stopped (and waited for) afterwards."""
    with log.open("ab") as output:
        child = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(environment or {})}
        )
    try:
        if not wait_for_http_ok(ready_url, child, 180):
            raise RuntimeError(f"{command[0]} did not become ready; see {log}")
        yield child
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def litellm_config(directory: Path, provider: str, presidio: tuple[str, str] | None) -> Path:
    config: dict[str, object] = {
        "model_list": model_list_for(provider, ("brief",)),
        "general_settings": {"master_key": MASTER_KEY},
        "litellm_settings": {"telemetry": False},
    }
    if presidio is not None:
        analyzer, anonymizer = presidio
        config["guardrails"] = [
            {
                "guardrail_name": "presidio-pii",
                "litellm_params": {
                    "guardrail": "presidio",
                    "mode": "pre_call",
                    "default_on": True,
                    "presidio_analyzer_api_base": analyzer,
                    "presidio_anonymizer_api_base": anonymizer,
                    "presidio_language": "en",
                },
            }
        ]
    path = directory / ("litellm-presidio.yaml" if presidio else "litellm.yaml")
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def litellm(
    binary: Path, directory: Path, provider: str, workers: int, presidio: tuple[str, str] | None
) -> Iterator[tuple[str, int]]:
    port = free_port()
    config = litellm_config(directory, provider, presidio)
    # No run-time network call: the model cost map is read from the package, not fetched.
    environment = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"}
    command = [str(binary), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        # Under uvicorn's own supervisor, workers still importing the proxy on a loaded machine miss its 5 s health
        # ping and are killed in a loop; gunicorn (LiteLLM's other documented way, installed with [proxy]) waits.
        command += ["--num_workers", str(workers), "--run_gunicorn"]
    log = directory / ("litellm-presidio.log" if presidio else "litellm.log")
    with process(command, f"http://127.0.0.1:{port}/health/liveliness", log, environment) as child:
        yield f"http://127.0.0.1:{port}", child.pid


@contextmanager
def presidio_services(directory: Path, workers: int) -> Iterator[tuple[tuple[str, str], list[int]]]:
    analyzer_port, anonymizer_port = free_port(), free_port()
    script = str(REPOSITORY / "bench" / "presidio_services.py")
    analyzer = [sys.executable, script, "analyzer", str(analyzer_port), "--workers", str(workers)]
    anonymizer = [sys.executable, script, "anonymizer", str(anonymizer_port)]
    with (
        process(analyzer, f"http://127.0.0.1:{analyzer_port}/health", directory / "analyzer.log") as one,
        process(anonymizer, f"http://127.0.0.1:{anonymizer_port}/health", directory / "anonymizer.log") as other,
    ):
        yield (f"http://127.0.0.1:{analyzer_port}", f"http://127.0.0.1:{anonymizer_port}"), [one.pid, other.pid]


@contextmanager
def handrail(directory: Path, provider: str, workers: int) -> Iterator[Target]:
    directory.mkdir(parents=True, exist_ok=True)
    gateway = Gateway(directory, model_list=model_list_for(provider, ("brief",)), workers=workers)
    try:
        gateway.start()
        key = gateway.create_key()
        assert gateway._process is not None
        headers = {"authorization": f"Bearer {key}"}
        yield Target("handrail", f"{gateway.url}/v1/chat/completions", headers, [gateway._process.pid])
    finally:
        gateway.stop()


def last_prompt_seen(provider_root: str) -> str:
    recorded = httpx.get(f"{provider_root}/_recorded", timeout=30).json()
    return str(recorded[-1]["body"]["messages"][-1]["content"])


def check_guard(target: Target, provider_root: str, guarded: bool) -> None:
    """The server really is what the row says: a name leaves as a placeholder when guarded, as itself when not."""
    body = {"model": "brief", "messages": [{"role": "user", "content": NAMED_PROMPT}]}
    httpx.post(target.url, json=body, headers=target.headers, timeout=60).raise_for_status()
    seen = last_prompt_seen(provider_root)
    if guarded == ("Margaret Thornton" in seen):
        raise RuntimeError(f"{target.name}: the provider received {seen!r}, which is not what this row claims")


def measure(target: Target, direct: Target, requests: int) -> Figures:
    def timed(which: Target, concurrency: int) -> tuple[list[float], float]:
        asyncio.run(run(which.url, which.headers, 20, 4, stream=False, distinct=True))  # warm every worker
        return asyncio.run(run(which.url, which.headers, requests, concurrency, stream=False, distinct=True))

    direct_latencies, _ = timed(direct, 1)
    latencies, _ = timed(target, 1)
    _, direct_rate = timed(direct, 16)
    asyncio.run(run(target.url, target.headers, 20, 4, stream=False, distinct=True))
    cpu_before = cpu_seconds(target.pids)
    _, rate = asyncio.run(run(target.url, target.headers, requests, 16, stream=False, distinct=True))
    cpu_ms = (cpu_seconds(target.pids) - cpu_before) * 1000 / requests
    return Figures(
        percentile(direct_latencies, 0.5) * 1000,
        percentile(direct_latencies, 0.99) * 1000,
        percentile(latencies, 0.5) * 1000,
        percentile(latencies, 0.99) * 1000,
        direct_rate,
        rate,
        cpu_ms,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server (default 2)")
    parser.add_argument("--peers", type=Path, default=Path("/tmp/handrail-bench-peers"), help="where peers install")
    parser.add_argument("--only", nargs="*", default=["handrail", "litellm", "litellm+presidio"])
    args = parser.parse_args()

    binary = litellm_binary(args.peers)
    directory = Path(tempfile.mkdtemp(prefix="handrail-compare-"))
    port = free_port()
    provider_root = f"http://127.0.0.1:{port}"
    provider = f"{provider_root}/v1"
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.support.standin", str(port)],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    direct = Target("direct", f"{provider}/chat/completions", {}, [standin.pid])
    results: dict[str, Figures] = {}
    load: list[float] = []
    try:
        if not wait_for_http_ok(f"{provider_root}/_recorded", standin, 30):
            raise RuntimeError("the stand-in provider did not start")
        for name in args.only:
            started = time.monotonic()
            if name == "handrail":
                with handrail(directory / "handrail", provider, args.workers) as target:
                    check_guard(target, provider_root, guarded=True)
                    results[name] = measure(target, direct, args.requests)
            elif name == "litellm":
                with litellm(binary, directory, provider, args.workers, None) as (url, pid):
                    target = Target(name, f"{url}/v1/chat/completions", PROXY_HEADERS, [pid])
                    check_guard(target, provider_root, guarded=False)
                    results[name] = measure(target, direct, args.requests)
            elif name == "litellm+presidio":
                with (
                    presidio_services(directory, args.workers) as (services, service_pids),
                    litellm(binary, directory, provider, args.workers, services) as (url, pid),
                ):
                    target = Target(name, f"{url}/v1/chat/completions", PROXY_HEADERS, [pid, *service_pids])
                    check_guard(target, provider_root, guarded=True)
                    results[name] = measure(target, direct, args.requests)
            else:
                raise SystemExit(f"unknown target {name}")
            load.append(os.getloadavg()[0])
            print(f"{name}: measured in {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        standin.terminate()
        standin.wait()

    print(
        f"\n{args.requests} requests per measurement, ~1 KB prompt (a different one per request), {args.workers} "
        f"workers per server, {os.cpu_count()} cores; 1-minute load average after each server: "
        + ", ".join(f"{value:.1f}" for value in load)
        + "\n"
    )
    print(
        "| server | direct p50 / p99 ms (c=1) | through it p50 / p99 ms (c=1) | added p50 / p99 ms (c=1) "
        "| direct req/s (c=16) | req/s through it (c=16) | server CPU ms per request |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, f in results.items():
        print(
            f"| {name} | {f.direct_p50:.1f} / {f.direct_p99:.1f} | {f.p50:.1f} / {f.p99:.1f} "
            f"| {f.p50 - f.direct_p50:.1f} / {f.p99 - f.direct_p99:.1f} | {f.direct_rate:.0f} | {f.rate:.0f} "
            f"| {f.cpu_ms:.1f} |"
        )


if __name__ == "__main__":
    main()

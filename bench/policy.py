"""How fast the policy decides.

    python bench/policy.py [--decisions 5000] [--opa]

Prints, for the repository's policies/, decision latency on two sets of inputs:
  - gateway inputs: what the gateway builds for the development corpora's 650
    prompts and API requests (../shared/eval: scanned by the real detectors, sent
    by an ordinary user to the demo model) -- the everyday mix, most with nothing
    or only names to pseudonymise;
  - edge inputs: 309 generated inputs (tests/policy/corpus.py) that exercise
    every rule: experiments on their edges, classifications, blocked types,
    malformed input -- far more work per decision than everyday traffic.
Each set is cycled, so consecutive decisions are different inputs.
  - embedded engine (regopy): decision latency p50/p95/p99, as the gateway calls it;
  - load and reload: compiling the policy in-process, and the full check a
    reload runs first (compile in a separate process, then `opa test`);
  - with --opa (needs `opa` on PATH): the same decisions from a real OPA
    server on 127.0.0.1 through opa-python-client, for comparison.
Budget (issue 5): embedded p50 <= 1 ms. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from proxy.policy.embedded import EmbeddedEngine  # noqa: E402
from proxy.policy.files import read_policy  # noqa: E402
from proxy.policy.settings import PolicySettings  # noqa: E402
from proxy.policy.validate import validate_snapshot  # noqa: E402
from tests.policy.corpus import policy_inputs  # noqa: E402
from tests.support.standin import free_port  # noqa: E402


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {pick(0.50):.3f} ms  p95 {pick(0.95):.3f} ms  p99 {pick(0.99):.3f} ms  mean {statistics.mean(ordered) * 1000:.3f} ms"


def time_decisions(engine, inputs: list[dict], count: int) -> list[float]:
    for document in inputs[:50]:
        engine.decide(document)  # warm up
    samples = []
    for number in range(count):
        document = inputs[number % len(inputs)]
        started = time.perf_counter()
        engine.decide(document)
        samples.append(time.perf_counter() - started)
    return samples


def gateway_inputs() -> list[dict]:
    """Policy inputs as the gateway builds them for the development corpora."""
    import json
    from datetime import UTC, datetime

    from detectors.scanner import Scanner
    from detectors.settings import DetectionSettings
    from proxy.auth import Principal
    from proxy.formats import parse_request
    from proxy.policy.input import build_policy_input

    corpora = REPOSITORY.parent / "shared" / "eval"
    scanner = Scanner(DetectionSettings())
    principal = Principal("alice@example.gov.uk", "HMRC", ("user",), "OFFICIAL", "bench")
    inputs = []
    for line in (corpora / "pii" / "dev.jsonl").read_text().splitlines():
        body = {"model": "demo", "messages": [{"role": "user", "content": json.loads(line)["text"]}]}
        inputs.append(("/v1/chat/completions", body))
    for line in (corpora / "agentic" / "dev.jsonl").read_text().splitlines():
        record = json.loads(line)
        inputs.append((record["endpoint"], {**record["body"], "model": "demo"}))
    built = []
    for endpoint, body in inputs:
        conversation = parse_request(endpoint, body)
        built.append(
            build_policy_input(
                principal=principal,
                conversation=conversation,
                scan=scanner.scan(conversation),
                endpoint=endpoint,
                classification="OFFICIAL",
                experiment=None,
                experiment_requests_today=0,
                model_configured=True,
                provider="mock",
                now=datetime.now(UTC),
            )
        )
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--decisions", type=int, default=5000)
    parser.add_argument("--opa", action="store_true", help="also time a real OPA server")
    options = parser.parse_args()
    settings = PolicySettings(watch=False)
    inputs = policy_inputs(300)
    everyday = gateway_inputs()

    started = time.perf_counter()
    engine = EmbeddedEngine(settings)
    load = time.perf_counter() - started
    print(f"policy {engine.version}: {len(read_policy(settings.path).policy_modules)} modules")
    print(
        f"embedded, gateway inputs ({len(everyday)} distinct, {options.decisions} decisions): "
        f"{percentiles(time_decisions(engine, everyday, options.decisions))}"
    )
    print(
        f"embedded, edge inputs ({len(inputs)} distinct, {options.decisions} decisions):    "
        f"{percentiles(time_decisions(engine, inputs, options.decisions))}"
    )
    print(f"embedded load (compile in-process):      {load * 1000:.0f} ms")
    started = time.perf_counter()
    problem = validate_snapshot(read_policy(settings.path), run_tests=shutil.which("opa") is not None)
    print(
        f"reload check (subprocess compile{' + opa test' if shutil.which('opa') else ''}): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms ({problem or 'accepted'})"
    )

    if options.opa:
        from proxy.policy.opa_server import OpaServerEngine

        port = free_port()
        with tempfile.TemporaryDirectory() as directory:
            server = subprocess.Popen(
                [
                    "opa",
                    "run",
                    "--server",
                    "--addr",
                    f"127.0.0.1:{port}",
                    "--bundle",
                    str(settings.path),
                    "--log-level",
                    "error",
                ],
                stdout=open(Path(directory) / "opa.log", "w"),
                stderr=subprocess.STDOUT,
            )
            try:
                for _ in range(100):
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/health?bundles", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                remote = OpaServerEngine(PolicySettings(engine="opa", opa_url=f"http://127.0.0.1:{port}", watch=False))
                assert remote.version == engine.version
                count = min(options.decisions, 2000)
                print(
                    f"OPA server, gateway inputs ({count} decisions): {percentiles(time_decisions(remote, everyday, count))}"
                )
                print(
                    f"OPA server, edge inputs ({count} decisions):    {percentiles(time_decisions(remote, inputs, count))}"
                )
            finally:
                server.terminate()
                server.wait()


if __name__ == "__main__":
    main()

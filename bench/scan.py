"""How fast the detectors are.

    python bench/scan.py [--runs 200] [--turns 50] [--corpus ../shared/eval/pii/dev.jsonl] [--skip-cli]

Prints, for the configured spaCy model (built-in defaults unless --config):
  - analysis latency p50/p99 of one ~1 KB and one ~4 KB prompt (every run a different text, so the cache never helps);
  - a 50-turn conversation scanned turn by turn through Scanner.scan, as a chat tool resends it: latency of turn 1
    and of turn 50 (with the per-message cache, turn 50 should cost about as much as turn 1);
  - ``handrail scan --jsonl`` over a corpus as a separate process: wall time including model load, and prompts/second
    after the load.
Results are recorded in docs/detection.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from detectors.scanner import Scanner  # noqa: E402
from detectors.settings import DetectionSettings  # noqa: E402
from proxy.formats import parse_request  # noqa: E402

DEFAULT_CORPUS = Path("/work/shared/eval/pii/dev.jsonl")
for candidate in (REPOSITORY.parent / "shared" / "eval" / "pii" / "dev.jsonl",):
    if candidate.exists():
        DEFAULT_CORPUS = candidate

SENTENCES = [
    "The programme board reviewed the delivery plan and agreed to move the go-live date by two weeks.",
    "Spend to date is £{money}m against a budget of £{budget}m, with the forecast showing a small underspend.",
    "Please summarise the main risks for the Senior Responsible Owner in three bullet points.",
    "Our team in {town} handled {count} calls last quarter, and satisfaction rose by {pct}%.",
    "The Department for Work and Pensions asked for the revised figures by {day} {month}.",
    "Stakeholders raised concerns about procurement timelines and the capacity of the digital team.",
    "I spoke to {name} on the phone ({phone}) about the housing repair and the damp in the bedroom.",
    "The consultation closes on {day} {month} and responses so far are broadly supportive.",
    "Can you rewrite this paragraph in plain English for a public audience, keeping it under 150 words?",
    "Email {email} with the minutes and copy in the Head of Profession.",
    "Our reference is CASE-{ref}; the previous version of the guidance was published in {year}.",
    "The Minister wants a one-page note on the options, with costs and a recommendation.",
]
NAMES = ["Alice Morgan", "Tomasz Kowalski", "Priya Shah", "Gareth Evans", "Fiona MacLeod", "Oluwaseun Adeyemi"]
TOWNS = ["Swindon", "Leeds", "Cardiff", "Dundee", "Belfast", "Norwich"]
MONTHS = ["March", "June", "September", "December"]


def prompt(rng: random.Random, size: int) -> str:
    """Realistic prompt text of about ``size`` characters, different on every call."""
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < size:
        name = rng.choice(NAMES)
        parts.append(
            rng.choice(SENTENCES).format(
                money=rng.randint(2, 90),
                budget=rng.randint(90, 200),
                town=rng.choice(TOWNS),
                count=f"{rng.randint(1000, 99999):,}",
                pct=rng.randint(1, 30),
                day=rng.randint(1, 28),
                month=rng.choice(MONTHS),
                name=name,
                phone=f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                email=name.lower().replace(" ", ".") + "@example.gov.uk",
                ref=rng.randint(10000, 99999),
                year=rng.randint(2015, 2025),
            )
        )
    return " ".join(parts)[:size]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p99 * 1000


def time_prompts(scanner: Scanner, size: int, runs: int, rng: random.Random) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        text = prompt(rng, size)
        started = time.perf_counter()
        scanner.analyze_text(text)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def time_conversation(scanner: Scanner, turns: int, conversations: int, rng: random.Random) -> tuple[list[float], ...]:
    """Latency of Scanner.scan at turn 1 and at turn ``turns``, over several conversations."""
    first, last = [], []
    for _ in range(conversations):
        messages: list[dict] = [{"role": "system", "content": "You are a helpful assistant for civil servants."}]
        for turn in range(1, turns + 1):
            # Every user turn has the same make-up (a name, then ordinary prose), so turns differ only in history.
            name = rng.choice(NAMES)
            messages.append(
                {"role": "user", "content": f"Draft a reply to {name} ({rng.randint(10, 99)}). " + prompt(rng, 400)}
            )
            conversation = parse_request("/v1/chat/completions", {"model": "demo", "messages": list(messages)})
            started = time.perf_counter()
            scanner.scan(conversation)
            elapsed = time.perf_counter() - started
            if turn == 1:
                first.append(elapsed)
            elif turn == turns:
                last.append(elapsed)
            messages.append({"role": "assistant", "content": prompt(rng, 600)})
            # The answer is scanned when it comes back, so it is in the cache by the next turn.
            scanner.analyze_text(messages[-1]["content"])
    return first, last


def time_cli(corpus: Path, config: str | None) -> tuple[float, float, int]:
    """Seconds for ``handrail scan`` over the corpus, seconds for an empty input (start-up + model load), lines."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    command = [sys.executable, "-m", "proxy.cli", "scan", "--jsonl"] + (["--config", config] if config else [])
    with tempfile.TemporaryDirectory() as scratch:
        empty = Path(scratch) / "empty.jsonl"
        empty.write_text("")
        started = time.perf_counter()
        subprocess.run([*command, str(empty)], check=True, cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([*command, str(corpus)], check=True, cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL)
        total = time.perf_counter() - started
    lines = sum(1 for line in corpus.open(encoding="utf-8") if line.strip())
    return total, startup, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="prompts per size")
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--config", default=None, help="Handrail configuration file (for detection.spacy_model)")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument(
        "--vanilla",
        action="store_true",
        help="also time vanilla Presidio (its default recognizers) on the same prompts",
    )
    parser.add_argument(
        "--ner-everywhere",
        action="store_true",
        help="run NER over whole texts (detection.ner_only_where_names_may_be: false), for comparison",
    )
    args = parser.parse_args()

    settings = DetectionSettings()
    if args.config:
        from proxy.config import load_settings

        settings = load_settings(args.config).detection
    if args.ner_everywhere:
        settings = settings.model_copy(update={"ner_only_where_names_may_be": False})
    rng = random.Random(1)
    started = time.perf_counter()
    scanner = Scanner(settings)
    load = time.perf_counter() - started
    for _ in range(20):  # warm up
        scanner.analyze_text(prompt(rng, 1024))

    where = "over whole texts" if args.ner_everywhere else "only where names may be"
    print(f"spaCy model: {settings.spacy_model} (NER {where}); models loaded in {load:.2f} s")
    print("| measurement | p50 | p99 |")
    print("|---|---|---|")
    for size in (1024, 4096):
        p50, p99 = time_prompts(scanner, size, args.runs, rng)
        print(f"| analyse one {size // 1024} KB prompt | {p50:.1f} ms | {p99:.1f} ms |")
    if args.vanilla:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        from detectors.offline import use_bundled_public_suffix_list

        use_bundled_public_suffix_list()
        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": settings.spacy_model}],
            }
        )
        vanilla = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
        for size in (1024, 4096):
            samples = []
            for _ in range(args.runs):
                text = prompt(rng, size)
                started = time.perf_counter()
                vanilla.analyze(text=text, language="en")
                samples.append(time.perf_counter() - started)
            p50, p99 = percentiles(samples)
            print(f"| vanilla Presidio, one {size // 1024} KB prompt | {p50:.1f} ms | {p99:.1f} ms |")
    first, last = time_conversation(scanner, args.turns, args.conversations, rng)
    f50, f99 = percentiles(first)
    l50, l99 = percentiles(last)
    print(f"| Scanner.scan, turn 1 of a {args.turns}-turn conversation | {f50:.1f} ms | {f99:.1f} ms |")
    print(f"| Scanner.scan, turn {args.turns} (cache on) | {l50:.1f} ms | {l99:.1f} ms |")
    print(f"turn {args.turns} / turn 1 (p50): {l50 / f50:.2f}x")
    if not args.skip_cli:
        total, startup, lines = time_cli(Path(args.corpus), args.config)
        rate = lines / max(total - startup, 1e-9)
        print(
            f"handrail scan --jsonl {args.corpus}: {lines} prompts in {total:.1f} s wall "
            f"(start-up and model load {startup:.1f} s), {rate:.0f} prompts/s after load, "
            f"{lines / total:.0f} prompts/s overall"
        )


if __name__ == "__main__":
    main()

"""Detection quality on labelled corpora, scored by the shared scorers.

    python bench/evaluate.py [--pii GOLD.jsonl] [--agentic GOLD.jsonl] [--config handrail.yaml] [--keep DIR]

Runs ``handrail scan --jsonl`` (as ``python -m proxy.cli scan --jsonl``, so the
same detectors and configuration as the proxy) over each corpus, then prints the
scorer's table for it. Defaults are the development corpora in ../shared/eval;
pass other paths to score an unseen corpus of the same kind. ``--pii ''`` or
``--agentic ''`` skips that corpus.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
EVAL = REPOSITORY.parent / "shared" / "eval"
if not EVAL.is_dir():  # a worktree under /work/wt/ sits two levels below /work
    EVAL = Path("/work/shared/eval")


def scan(gold: Path, predictions: Path, config: str | None) -> float:
    """Write ``handrail scan --jsonl GOLD`` to ``predictions``; return the seconds it took."""
    command = [sys.executable, "-m", "proxy.cli", "scan", "--jsonl", str(gold)]
    if config:
        command[4:4] = ["--config", config]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])),
    }
    started = time.perf_counter()
    with predictions.open("w", encoding="utf-8") as out:
        subprocess.run(command, stdout=out, check=True, cwd=REPOSITORY, env=environment)
    return time.perf_counter() - started


def score(scorer: Path, gold: Path, predictions: Path) -> str:
    completed = subprocess.run(
        [sys.executable, str(scorer), str(gold), str(predictions)], capture_output=True, text=True, check=True
    )
    return completed.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pii", default=str(EVAL / "pii" / "dev.jsonl"), help="labelled personal-data corpus")
    parser.add_argument("--agentic", default=str(EVAL / "agentic" / "dev.jsonl"), help="labelled request corpus")
    parser.add_argument("--pii-scorer", default=str(EVAL / "pii" / "score.py"))
    parser.add_argument("--agentic-scorer", default=str(EVAL / "agentic" / "score.py"))
    parser.add_argument("--config", default=None, help="Handrail configuration file (default: built-in defaults)")
    parser.add_argument("--keep", default=None, help="directory to keep the predictions in")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        out_dir = Path(args.keep or scratch)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, gold, scorer in (("pii", args.pii, args.pii_scorer), ("agentic", args.agentic, args.agentic_scorer)):
            if not gold:
                continue
            gold_path = Path(gold)
            predictions = out_dir / f"{name}-predictions.jsonl"
            seconds = scan(gold_path, predictions, args.config)
            lines = sum(1 for line in gold_path.open(encoding="utf-8") if line.strip())
            print(f"## {name}: {gold_path} ({lines} records, scanned in {seconds:.1f} s including model load)")
            print(score(Path(scorer), gold_path, predictions))


if __name__ == "__main__":
    main()

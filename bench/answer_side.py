"""What the answer side costs in CPU: scanning a stream as it passes, and restoring placeholders only in prose.

    python bench/answer_side.py [--repeat 20]

For a ~2 KB answer of ordinary prose (no personal data), streamed in 5-character chunks:
  - the analysis of the whole answer at once (what a non-streamed answer costs, and what a stream cost when it was
    scanned only at its end);
  - the stream screen (proxy/answer_screen.py) over the same chunks: every scan it makes, with its hold-back;
  - restoring placeholders in the answer with the markup reader (detectors/markup.py), once and streamed.
Real detectors (spaCy and the recognizers); the policy is not asked (nothing is found). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from core.findings import Finding
from detectors.analyzer import TextAnalyzer
from detectors.pseudonymise import Pseudonymiser
from detectors.settings import DetectionSettings
from proxy.answer import AnswerDelta
from proxy.answer_screen import StreamScreen
from tests.support.standin import BRIEF_ANSWER

CHUNK = 5


def answer(number: int) -> str:
    """~2 KB of prose, different on every repetition so nothing is cached."""
    return " ".join(f"Point {number}.{i}: {BRIEF_ANSWER}" for i in range(12))


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    analyzer = TextAnalyzer(DetectionSettings())
    analyzer.analyze(answer(-1))  # warm-up

    async def analyze(text: str) -> list[Finding]:
        scans.append(len(text))
        return analyzer.analyze(text)

    async def judge(findings: list[Finding]) -> set[str]:
        return set()

    async def stream(text: str) -> None:
        screen = StreamScreen(analyze, judge, "")
        for index in range(0, len(text), CHUNK):
            await screen.push(AnswerDelta(0, text[index : index + CHUNK]))
        await screen.finish()

    whole, screened, scans_per_answer = [], [], []
    for number in range(args.repeat):
        text = answer(number)
        whole.append(timed(lambda text=text: analyzer.analyze(text)))
        scans: list[int] = []
        screened.append(timed(lambda text=text: asyncio.run(stream(text + " "))))
        scans_per_answer.append(len(scans))

    pseudonymiser = Pseudonymiser()
    pseudonymiser.redact("Ann Lee", [Finding("PERSON", 0, 7, 0.9)])
    with_links = " ".join(
        f"Dear <PERSON_1>, see [the note](https://example.net/n?{i}) and ![x](/p.png?u=<PERSON_1>)." for i in range(24)
    )
    once = [timed(lambda: pseudonymiser.restore(with_links)) for _ in range(args.repeat)]

    def restore_streamed() -> None:
        restorer = pseudonymiser.stream_restorer()
        for index in range(0, len(with_links), CHUNK):
            restorer.feed(with_links[index : index + CHUNK])
        restorer.flush()

    streamed = [timed(restore_streamed) for _ in range(args.repeat)]
    size = len(answer(0))
    print(f"\n{args.repeat} repetitions, answer {size} characters in {CHUNK}-character chunks\n")
    print("| measurement | p50 ms | max ms |")
    print("|---|---|---|")
    print(f"| analyse the whole answer once | {statistics.median(whole):.1f} | {max(whole):.1f} |")
    print(
        f"| stream screen, all its scans ({statistics.median(scans_per_answer):.0f} scans) | "
        f"{statistics.median(screened):.1f} | {max(screened):.1f} |"
    )
    print(
        f"| restore placeholders, {len(with_links)} characters with links, at once | "
        f"{statistics.median(once):.2f} | {max(once):.2f} |"
    )
    print(
        f"| the same, streamed in {CHUNK}-character chunks | {statistics.median(streamed):.2f} | {max(streamed):.2f} |"
    )


if __name__ == "__main__":
    main()

"""How long each recognizer takes over 1 MB of adversarial text.

    python bench/adversarial.py [--size 1048576] [--only NAME] [--skip-analyzer] [--limit 1.0]

Each input is built to make a regular expression or a check work hard: repeated prefixes of the patterns (key
headers without an end, ``sk-``, ``password=``, ``+44``), long runs of digits, of separators, of one letter, of
``@``, of dotted words, of capitalised words (which spaCy reads as possible names). For each input the benchmark
prints the seconds spent by the canonical reading, by each recognizer (over the canonical text, with spaCy's
entities computed beforehand), and by the whole analyzer (``TextAnalyzer.analyze``: canonical reading, spaCy
and every recognizer). A recognizer slower than ``--limit`` seconds is marked ``SLOW``. Seconds are CPU seconds of
the benchmark process (``time.process_time``), so that other work on a shared machine does not count. Figures are
recorded in docs/performance.md; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from detectors.analyzer import TextAnalyzer  # noqa: E402
from detectors.canonical_text import canonical_text  # noqa: E402
from detectors.settings import DetectionSettings  # noqa: E402


def repeated(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


# name -> builder of a text of the given size
INPUTS: dict[str, Callable[[int], str]] = {
    "key headers, no END": repeated("-----BEGIN RSA PRIVATE KEY-----\n"),
    "key header then body, no END": lambda size: (
        "-----BEGIN PRIVATE KEY-----\n" + repeated("MIIEvQIBADANBgkqhkiG\n")(size - 28)
    ),
    "key headers with words": repeated("-----BEGIN A B C D E F G H PRIVATE KEY BLOCK----- "),
    "END lines only": repeated("-----END PRIVATE KEY-----\n"),
    "digits": repeated("7"),
    "digit groups": repeated("1234 "),
    "digits and dots": repeated("12.34."),
    "spaces": repeated(" "),
    "hyphens": repeated("-"),
    "mixed separators": repeated(" ._/-"),
    "one letter": repeated("a"),
    "one capital": repeated("A"),
    "at signs": repeated("@"),
    "local@ parts": repeated("a.b@"),
    "dotted words": repeated("ab."),
    "capitalised words": repeated("Alice Morgan "),
    "sk- prefixes": repeated("sk-"),
    "password= prefixes": repeated("password="),
    "password is prefixes": repeated("password is "),
    "token words and random": repeated("token a9Zk3PqR7sT1uV5wX8yB2cD4eF6gH0jK "),
    "+44 prefixes": repeated("+44 "),
    "(0 prefixes": repeated("(0"),
    "NI prefixes": repeated("AB 12 "),
    "url with colon": repeated("https://a:"),
    "eyJ prefixes": repeated("eyJ"),
    "fullwidth and zero-width": repeated("\uff21\u200b\uff11 "),
    "combining marks": repeated("e\u0301\u0308"),
    "marking words": repeated("OFFICIAL-SENSITIVE "),
    # Context words are indexed by their first word; "a c" (account) makes every "a" an occurrence.
    "one letter around account numbers": repeated("a" * 200 + " 31926819 "),
    # Valid values, each with its context word: every candidate is a finding.
    "account numbers with context": repeated("account 3192 6819 "),
    "NHS numbers with context": repeated("NHS number 943 476 5919 "),
    "e-mail addresses": repeated("a.b@example.com "),
    "dates of birth with context": repeated("DOB 01/02/1990 "),
    "NI numbers": repeated("JK 41 22 90 B "),
    "card numbers": repeated("card 4539 1488 0343 6467 "),
}


def timed(function: Callable[[], object]) -> float:
    """CPU seconds of this process: on a shared machine, wall time mostly measures the other work."""
    started = time.process_time()
    function()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1024 * 1024, help="characters per input")
    parser.add_argument("--only", default=None, help="run only inputs whose name contains this")
    parser.add_argument("--skip-analyzer", action="store_true", help="do not time the whole analyzer")
    parser.add_argument("--limit", type=float, default=1.0, help="seconds a recognizer may take")
    args = parser.parse_args()

    analyzer = TextAnalyzer(DetectionSettings())
    engine = analyzer._engine
    recognizers = engine.registry.recognizers
    names = [recognizer.name for recognizer in recognizers]
    slowest: dict[str, float] = dict.fromkeys(names, 0.0)
    print(f"input size: {args.size:,} characters; limit per recognizer {args.limit:.1f} s")
    print("| input | canonical reading s | slowest recognizer | its s | spaCy s | whole analyzer s |")
    print("|---|---|---|---|---|---|")
    for label, build in INPUTS.items():
        if args.only and args.only not in label:
            continue
        text = build(args.size)
        reading_seconds = timed(lambda: canonical_text(text))  # noqa: B023
        canonical = canonical_text(text).text
        started = time.process_time()
        artifacts = engine.nlp_engine.process_text(canonical, "en")
        spacy_seconds = time.process_time() - started
        per_recognizer = {}
        for recognizer in recognizers:
            per_recognizer[recognizer.name] = timed(
                lambda: recognizer.analyze(canonical, recognizer.supported_entities, artifacts)  # noqa: B023
            )
            slowest[recognizer.name] = max(slowest[recognizer.name], per_recognizer[recognizer.name])
        worst = max(per_recognizer, key=per_recognizer.__getitem__)
        whole = "" if args.skip_analyzer else f"{timed(lambda: analyzer.analyze(text)):.2f}"  # noqa: B023
        flag = " SLOW" if per_recognizer[worst] > args.limit else ""
        print(
            f"| {label} | {reading_seconds:.3f} | {worst} | {per_recognizer[worst]:.3f}{flag} | {spacy_seconds:.2f} "
            f"| {whole} |",
            flush=True,
        )
    print()
    print("| recognizer | slowest input s |")
    print("|---|---|")
    for name, seconds in sorted(slowest.items(), key=lambda item: -item[1]):
        print(f"| {name} | {seconds:.3f}{' SLOW' if seconds > args.limit else ''} |")


if __name__ == "__main__":
    main()

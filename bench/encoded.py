"""How long finding encoded runs takes on hostile input (no model needed).

    python bench/encoded.py [--megabytes 1]

For each kind of adversarial text (long runs of one character, of escapes, of
base64 that is or is not text, many short tokens that each decode), prints the
time ``detectors.encodings.decode_all`` takes over it, how many decoded texts it
kept and whether the per-part budget cut it short. Every row must stay well
under a second per megabyte: the search is linear by construction (possessive
runs, a URL token examined once), and decoding is bounded by the budget.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.encodings import decode_all


def cases(size: int) -> dict[str, str]:
    return {
        "one letter repeated": "a" * size,
        "one digit repeated": "1" * size,
        "odd-length hex run": "a" * (size - 1),
        "'%' repeated": "%" * size,
        "'%4' repeated (escape never completes)": "%4" * (size // 2),
        "'%41' repeated (one URL token)": "%41" * (size // 3),
        "'=' repeated": "=" * size,
        "base64 of text (one run)": base64.b64encode(b"plain words " * (size // 16)).decode(),
        "base64 of binary (one run)": base64.b64encode(bytes(range(256)) * (size // 342)).decode(),
        "17-letter words (each tried as base64)": "abcdefghijklmnopq " * (size // 18),
        "hex pairs with spaces": "4a " * (size // 3),
        "short base64 text tokens": (base64.b64encode(b"hello world, hi!").decode() + " ") * (size // 25),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=1.0)
    args = parser.parse_args()
    size = int(args.megabytes * (1 << 20))
    print("| input | seconds | decoded texts kept | over budget |")
    print("|---|---|---|---|")
    for name, text in cases(size).items():
        started = time.perf_counter()
        content = decode_all(text)
        elapsed = time.perf_counter() - started
        print(f"| {name} | {elapsed:.3f} | {len(content.texts)} | {'yes' if content.over_budget else 'no'} |")


if __name__ == "__main__":
    main()

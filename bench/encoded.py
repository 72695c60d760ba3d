"""How long finding encoded runs takes on hostile input, and what seams and decoding add on ordinary traffic.

    python bench/encoded.py [--megabytes 1] [--corpora]

For each kind of adversarial text (long runs of one character, of escapes, of
base64 that is or is not text, many short tokens that each decode), prints the
time ``detectors.encodings.decode_all`` takes over it, how many decoded texts it
kept and whether the per-part budget cut it short. Every row must stay well
under a second per megabyte: the search is linear by construction (possessive
runs, a URL token examined once), and decoding is bounded by the budget.

``--corpora`` also loads the detectors and counts, on the development corpora
(../shared/eval: the API requests of agentic/dev.jsonl, and consecutive prompts
of pii/dev*.jsonl sent as two messages of one request), the findings that only
seams or decoding gave: on ordinary traffic there should be none.
"""

from __future__ import annotations

import argparse
import base64
import itertools
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


EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
if not EVAL.is_dir():  # a worktree under /work/wt/ sits two levels below /work
    EVAL = Path("/work/shared/eval")


def extra_findings() -> None:
    """Findings that seams or decoding add to what each part alone gives, on the development corpora."""
    import json

    from core.errors import HandrailError
    from detectors.scanner import Scanner
    from detectors.settings import DetectionSettings
    from proxy.formats import parse_request

    scanner = Scanner(DetectionSettings())

    def added(conversation) -> list[str]:
        alone = {
            (f.type, f.start, f.end, index)
            for index, part in enumerate(conversation.parts)
            for f in scanner.analyze_text(part.text)
        }
        return [
            f"{f.type} ({'encoded' if f.encoded else 'seam'})"
            for f in scanner.scan(conversation).findings
            if (f.type, f.start, f.end, f.part) not in alone
        ]

    requests, found = 0, []
    for line in (EVAL / "agentic" / "dev.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        try:
            conversation = parse_request(record["endpoint"], record["body"], record.get("headers") or {})
        except HandrailError:
            continue
        requests += 1
        found += added(conversation)
    texts = [
        json.loads(line)["text"]
        for name in ("dev.jsonl", "dev-b.jsonl")
        for line in (EVAL / "pii" / name).open(encoding="utf-8")
    ]
    for first, second in itertools.pairwise(texts):
        body = {"model": "m", "messages": [{"role": "user", "content": first}, {"role": "user", "content": second}]}
        found += added(parse_request("/v1/chat/completions", body))
    print(
        f"{requests} API requests and {len(texts) - 1} pairs of prompts: {len(found)} findings added by seams or "
        f"decoding {sorted(found)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--corpora", action="store_true", help="also count findings added on the development corpora")
    args = parser.parse_args()
    size = int(args.megabytes * (1 << 20))
    print("| input | seconds | decoded texts kept | over budget |")
    print("|---|---|---|---|")
    for name, text in cases(size).items():
        started = time.perf_counter()
        content = decode_all(text)
        elapsed = time.perf_counter() - started
        print(f"| {name} | {elapsed:.3f} | {len(content.texts)} | {'yes' if content.over_budget else 'no'} |")
    if args.corpora:
        extra_findings()


if __name__ == "__main__":
    main()

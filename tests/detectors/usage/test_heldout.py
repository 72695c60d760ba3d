"""Generalisation check on hand-written requests that are not in the development corpus.

heldout.jsonl was written by hand with wording, tool names and frameworks the
dev corpus does not use, plus everyday requests that look alike (minutes with
"Action:" lines, speech scripts "run past" a team, code "I'll run myself").
"""

from __future__ import annotations

import json
from pathlib import Path

from detectors.usage import detect_usage_signals
from proxy.formats import parse_request

RECORDS = [json.loads(line) for line in (Path(__file__).parent / "heldout.jsonl").read_text().splitlines() if line.strip()]


def test_heldout_scores():
    counts = {name: {"tp": 0, "fp": 0, "fn": 0} for name in ("agentic", "self_coding", "internet")}
    benign_flagged = 0
    for record in RECORDS:
        got = {s.type for s in detect_usage_signals(parse_request(record["endpoint"], record["body"], record["headers"]))}
        for name, wanted in record["labels"].items():
            key = "tp" if wanted and name in got else "fp" if name in got else "fn" if wanted else None
            if key:
                counts[name][key] += 1
        if not any(record["labels"].values()) and got & set(counts):
            benign_flagged += 1
    for name, c in counts.items():
        f1 = 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"])
        assert f1 >= 0.95, (name, c)
    assert benign_flagged == 0

"""Generalisation check on hand-written requests that are not in the development corpus.

heldout.jsonl was written by hand with wording, tool names and frameworks the
dev corpus does not use, plus everyday requests that look alike (minutes with
"Action:" lines, speech scripts "run past" a team, code "I'll run myself").
heldout-2.jsonl holds the families of issue 14 (chat UIs that declare dozens of
workspace tools, structured output, prompts that show example tools, code
executors, text edit formats, prose-listed ReAct tools, legacy tool selection),
written before the rules for them and scored before and after (docs/detection.md). heldout-3.jsonl holds the
shapes real recorded clients missed (tests/clients/recorded.jsonl): edit formats and code executors that never
say "applied to disk" or "executed automatically", observation loops with other field names, demonstrations that
span blank lines, tool calls shown inline, "Python" as a value notation, tool_choice "required"/"any" with one
tool — written and scored before those rules (docs/detection.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.usage import detect_usage_signals
from proxy.formats import parse_request


def records(name: str) -> list[dict]:
    return [json.loads(line) for line in (Path(__file__).parent / name).read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["heldout.jsonl", "heldout-2.jsonl", "heldout-3.jsonl"])
def test_heldout_scores(name):
    counts = {signal: {"tp": 0, "fp": 0, "fn": 0} for signal in ("agentic", "self_coding", "internet")}
    benign_flagged = 0
    for record in records(name):
        got = {
            s.type for s in detect_usage_signals(parse_request(record["endpoint"], record["body"], record["headers"]))
        }
        for signal, wanted in record["labels"].items():
            key = "tp" if wanted and signal in got else "fp" if signal in got else "fn" if wanted else None
            if key:
                counts[signal][key] += 1
        if not any(record["labels"].values()) and got & set(counts):
            benign_flagged += 1
    for signal, c in counts.items():
        f1 = 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"])
        assert f1 >= 0.95, (name, signal, c)
    assert benign_flagged == 0

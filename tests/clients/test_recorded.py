"""The recorded first requests of real client programs, through ``handrail scan``'s logic in process.

``recorded.jsonl`` is written by ``tests/clients/record.py`` (see its docstring and the README: re-record when
versions move). The issue's target is F1 >= 0.97 per signal and no ordinary request flagged; it is met (docs/
detection.md, "Recorded clients"), so every request must come out as labelled, and the target is held exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.scanner import Scanner
from proxy.batch import scan_lines
from proxy.config import load_settings

CORPUS = Path(__file__).with_name("recorded.jsonl")
SIGNALS = ("agentic", "self_coding", "internet")
TARGET_F1 = 0.97

# id -> (signals the detectors report wrongly: "+x" a false signal, "-x" a missed one). Empty since the fixes of
# issue 14 (docs/detection.md lists the seven requests that were here); a new miss must be added with its reason.
KNOWN_MISSES: dict[str, set[str]] = {}


def _records() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def predicted() -> dict[str, set[str]]:
    scanner = Scanner(load_settings(None).detection)
    lines = CORPUS.read_text().splitlines()
    out: dict[str, set[str]] = {}
    for line in scan_lines(lines, scanner):
        result = json.loads(line)
        assert "error" not in result, result
        out[result["id"]] = {s["type"] for s in result["signals"]} & set(SIGNALS)
    return out


def _errors(record: dict, got: set[str]) -> set[str]:
    want = {s for s in SIGNALS if record["labels"][s]}
    return {f"+{s}" for s in got - want} | {f"-{s}" for s in want - got}


def _f1(records: list[dict], predicted: dict[str, set[str]], signal: str) -> float:
    tp = sum(1 for r in records if r["labels"][signal] and signal in predicted[r["id"]])
    fp = sum(1 for r in records if not r["labels"][signal] and signal in predicted[r["id"]])
    fn = sum(1 for r in records if r["labels"][signal] and signal not in predicted[r["id"]])
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _benign_flagged(records: list[dict], predicted: dict[str, set[str]]) -> list[str]:
    return [r["id"] for r in records if not any(r["labels"].values()) and predicted[r["id"]]]


def test_the_corpus_is_what_the_issue_asks_for():
    records = _records()
    assert len({r["id"] for r in records}) == len(records)
    clients = {package.split("==")[0].rsplit("@", 1)[0] for r in records for package in r["client"].split()}
    assert len(clients) >= 15, clients
    for record in records:
        assert set(record) >= {"id", "endpoint", "headers", "body", "labels", "note"}
        assert set(record["labels"]) == set(SIGNALS)
        assert record["note"].strip()
        assert not {"authorization", "x-api-key", "api-key", "cookie"} & set(record["headers"])
    text = CORPUS.read_text()
    for leak in ("sk-dummy", "sk-ant-dummy", "/root/", "/home/", "handrail-clients", "handrail-client-"):
        assert leak not in text, leak


def test_no_request_goes_wrong_beyond_the_known_misses(predicted):
    wrong = {r["id"]: _errors(r, predicted[r["id"]]) for r in _records()}
    wrong = {k: v for k, v in wrong.items() if v}
    new = {k: v for k, v in wrong.items() if not v <= KNOWN_MISSES.get(k, set())}
    assert not new, f"new misses on recorded clients: {new}"


@pytest.mark.parametrize("signal", SIGNALS)
def test_issue_target_f1_097_per_signal(predicted, signal):
    assert _f1(_records(), predicted, signal) >= TARGET_F1


def test_issue_target_f1_097_and_no_ordinary_request_flagged(predicted):
    records = _records()
    assert all(_f1(records, predicted, s) >= TARGET_F1 for s in SIGNALS)
    assert not _benign_flagged(records, predicted)

"""Streaming exports of events: CSV (one row per event, for spreadsheets) and JSON Lines (every field)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}

CSV_COLUMNS = (
    "seq",
    "request_id",
    "kind",
    "received_at",
    "completed_at",
    "user",
    "department",
    "roles",
    "endpoint",
    "model",
    "provider",
    "classification",
    "experiment",
    "decision",
    "reasons",
    "policy_version",
    "outcome",
    "status_code",
    "upstream_status",
    "error_code",
    "findings",
    "answer_findings",
    "signals",
    "input_tokens",
    "output_tokens",
    "total_ms",
    "prompt_text",
    "answer_text",
)
# A spreadsheet runs a cell that starts with one of these as a formula; such cells get a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_lines(events: Iterable[dict[str, Any]], format: str) -> Iterator[str]:
    """Text chunks of the export: one per event (after the header, for CSV)."""
    if format == "jsonl":
        return (json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n" for event in events)
    if format == "csv":
        return _csv_lines(events)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def _csv_lines(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header, then one chunk per event (a chunk may hold line breaks quoted inside a cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield _take(buffer)
    for event in events:
        writer.writerow([_cell(value) for value in csv_row(event)])
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_row(event: dict[str, Any]) -> list[object]:
    latency = event.get("latency_ms") or {}
    if event.get("kind") == "access":
        flattened = {
            **event,
            "endpoint": f"audit.{event.get('action')}",
            "outcome": "accessed",
            "prompt_text": json.dumps(event.get("parameters", {}), sort_keys=True),
        }
    else:
        flattened = event
    values = {
        **flattened,
        "roles": ";".join(event.get("roles") or []),
        "reasons": ";".join(r.get("code", "") for r in event.get("reasons") or []),
        "findings": _counts(event.get("findings")),
        "answer_findings": _counts(event.get("answer_findings")),
        "signals": ";".join(
            sorted({s.get("type", "") for s in (event.get("signals") or []) + (event.get("answer_signals") or [])})
        ),
        "total_ms": latency.get("total"),
    }
    return [values.get(column) for column in CSV_COLUMNS]


def _counts(counts: object) -> str:
    if not isinstance(counts, dict):
        return ""
    return ";".join(f"{kind}={count}" for kind, count in sorted(counts.items()))


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value

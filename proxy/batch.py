"""``handrail scan --jsonl``: batch detection, one JSON line out per line in.

Input lines are either ``{"id", "text"}`` or a whole API request
``{"id", "endpoint", "headers", "body"}``; the contract the project's evaluation scripts rely on (README: `handrail scan`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from core.errors import HandrailError
from core.findings import ScanResult
from detectors.scanner import Scanner
from proxy.formats import parse_request


def scan_lines(lines: Iterable[str], scanner: Scanner) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            result = _error(None, f"line {number} is not valid JSON: {error.msg}")
        else:
            result = (
                scan_record(record, scanner)
                if isinstance(record, dict)
                else _error(None, f"line {number} is not a JSON object")
            )
        yield json.dumps(result, ensure_ascii=False)


def _error(record_id: object, message: str) -> dict[str, Any]:
    return {"id": record_id, "error": message, "findings": [], "signals": []}


def scan_record(record: dict[str, Any], scanner: Scanner) -> dict[str, Any]:
    """Scan one record: ``{"id", "text"}`` or ``{"id", "endpoint", "headers", "body"}``."""
    return scanned(record, scanner)[0]


def scanned(record: dict[str, Any], scanner: Scanner) -> tuple[dict[str, Any], ScanResult]:
    """The output line for one record, and the scan it reports (what the guardrail route records)."""
    record_id = record.get("id")
    if isinstance(record.get("text"), str):
        findings = scanner.analyze_text(record["text"])
        document = {
            "id": record_id,
            "findings": [{"type": f.type, "start": f.start, "end": f.end, "score": f.score} for f in findings],
            "signals": [],
        }
        return document, ScanResult(findings=list(findings))
    if isinstance(record.get("endpoint"), str) and isinstance(record.get("body"), dict):
        try:
            conversation = parse_request(record["endpoint"], record["body"], record.get("headers") or {})
        except HandrailError as error:
            return _error(record_id, error.message), ScanResult()
        result = scanner.scan(conversation)
        document = {
            "id": record_id,
            "findings": [
                {
                    "type": f.type,
                    "score": f.score,
                    "location": conversation.parts[f.part].location,
                    "start": f.start,
                    "end": f.end,
                }
                for f in result.findings
                if f.part is not None
            ],
            "signals": [{"type": s.type, "evidence": s.evidence, "location": s.location} for s in result.signals],
        }
        return document, result
    return _error(record_id, "expected 'text', or 'endpoint' and 'body'"), ScanResult()

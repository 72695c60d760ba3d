"""Compile a policy directory with regopy in a process of its own, and try one decision.

    python -m proxy.policy.compile_check DIR

Prints one JSON line: ``{"ok": true, "version": ...}`` or ``{"ok": false, "error": ...}``.

It runs apart from the gateway because regopy 1.5.2 can crash the whole process
on some Rego (it segfaults compiling ``with`` in test modules, for one): a new
policy is compiled here first, so a bad edit kills this helper, not a worker.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import regopy

from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyUnavailable
from proxy.policy.files import PolicyFilesError, PolicySnapshot, read_policy

DECISION_ENTRYPOINT = "handrail/decision"
_ERROR_FILE = re.compile(r"\(error \d+:([^|\s]+)\|(\d+)\|")
_ERROR_MESSAGE = re.compile(r"\(errormsg \d+:([^)]*)\)")

# A complete, ordinary request: any policy must be able to decide it.
SMOKE_INPUT = {
    "phase": "request",
    "time": "2026-01-01T12:00:00+00:00",
    "principal": {"user": "smoke-test", "department": "GDS", "roles": ["user"], "clearance": "OFFICIAL"},
    "request": {
        "endpoint": "/v1/chat/completions",
        "api": "openai.chat",
        "model": "demo",
        "stream": False,
        "classification": "OFFICIAL",
        "experiment": None,
        "unscannable_kinds": [],
    },
    "model": {"name": "demo", "provider": "mock"},
    "experiment_usage": {"requests_today": 0},
    "findings": {"counts": {}, "types": [], "markings": []},
    "signals": [],
}


def describe_rego_error(error: Exception, modules: dict[str, str]) -> str:
    """regopy's error as ``file line N: message`` rather than its syntax tree."""
    text = str(error)
    messages = _ERROR_MESSAGE.findall(text)
    places = []
    for file, offset in _ERROR_FILE.findall(text):
        source = modules.get(file)
        line = source[: int(offset)].count("\n") + 1 if source is not None else None
        places.append(f"{file} line {line}" if line else file)
    if messages:
        # More messages than places: the extra messages are shown without a place (the padding is cut off here).
        pairs = zip(places + [""] * len(messages), messages, strict=False)
        return "; ".join(dict.fromkeys(f"{place}: {message}" if place else message for place, message in pairs))
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def compile_decision(snapshot: PolicySnapshot) -> tuple[regopy.Interpreter, regopy.Bundle]:
    """An interpreter and the built bundle of the decision entry point (test modules left out)."""
    interpreter = regopy.Interpreter()
    for name, text in snapshot.policy_modules.items():
        interpreter.add_module(name, text)
    interpreter.add_data(snapshot.data)
    bundle = interpreter.build(None, [DECISION_ENTRYPOINT])
    if not bundle.ok():
        raise regopy.RegoError("the decision entry point data.handrail.decision could not be built")
    return interpreter, bundle


def decision_from_output(output: regopy.Output, version: str) -> Decision:
    """regopy's output of the entry point as a Decision; anything else is unavailability, never allow."""
    try:
        document = json.loads(str(output))["expressions"][0] if output.ok() else None
    except (KeyError, IndexError, TypeError, ValueError):
        document = None
    if document is None:
        raise PolicyUnavailable("the policy did not produce a decision")
    try:
        return Decision.from_document(document, version)
    except ValueError as error:
        raise PolicyUnavailable(str(error)) from error


def check(directory: Path) -> dict[str, Any]:
    try:
        snapshot = read_policy(directory)
    except PolicyFilesError as error:
        return {"ok": False, "error": str(error)}
    try:
        interpreter, bundle = compile_decision(snapshot)
        interpreter.set_input(SMOKE_INPUT)
        decision_from_output(interpreter.query_bundle_entrypoint(bundle, DECISION_ENTRYPOINT), snapshot.version)
    except regopy.RegoError as error:
        return {"ok": False, "error": describe_rego_error(error, snapshot.modules)}
    except PolicyUnavailable as error:
        return {"ok": False, "error": f"the policy compiles but does not produce a valid decision: {error}"}
    return {"ok": True, "version": snapshot.version}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("directory", type=Path)
    result = check(parser.parse_args(argv).directory)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

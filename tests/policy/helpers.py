"""A private copy of the repository's policy for tests that edit it."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from proxy.policy.compile_check import SMOKE_INPUT

POLICIES = Path(__file__).resolve().parents[2] / "policies"

# An ordinary request to the stand-in's "echo" model, which the shipped policy does not list (so it is allowed).
ECHO: dict[str, Any] = copy.deepcopy(SMOKE_INPUT)
ECHO["model"] = {"name": "echo", "provider": "openai"}
ECHO["request"]["model"] = "echo"


def copy_policies(target: Path) -> Path:
    shutil.copytree(POLICIES, target)
    return target


def edit_data(policies: Path, name: str, change) -> None:
    """Rewrite policies/data/<name>/data.json through ``change(document)``."""
    path = policies / "data" / name / "data.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))

"""A private copy of the repository's policy for tests that edit it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def copy_policies(target: Path) -> Path:
    shutil.copytree(POLICIES, target)
    return target


def edit_data(policies: Path, name: str, change) -> None:
    """Rewrite policies/data/<name>/data.json through ``change(document)``."""
    path = policies / "data" / name / "data.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))

"""The embedded engine: Rego evaluated in-process by regopy, no server to run."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import regopy

from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyUnavailable
from proxy.policy.settings import PolicySettings

DECISION_QUERY = "data.handrail.decision"


def policy_files(root: Path) -> tuple[list[Path], list[Path]]:
    """Rego modules (tests excluded) and JSON data files under ``root``, in a stable order."""
    modules = sorted(p for p in root.rglob("*.rego") if not p.name.endswith("_test.rego"))
    data = sorted(root.rglob("*.json"))
    return modules, data


def data_document(root: Path, data_files: list[Path]) -> dict:
    """Data files placed where ``opa run DIR`` puts them: under their directory's path."""
    document: dict = {}
    for file in data_files:
        node = document
        for step in file.relative_to(root).parent.parts:
            node = node.setdefault(step, {})
        node.update(json.loads(file.read_text(encoding="utf-8")))
    return document


def version_of(root: Path) -> str:
    modules, data = policy_files(root)
    digest = hashlib.sha256()
    for file in [*modules, *data]:
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


class EmbeddedEngine:
    def __init__(self, settings: PolicySettings) -> None:
        self._root = Path(settings.path)
        self._lock = threading.Lock()
        self._interpreter: regopy.Interpreter | None = None
        self._version = ""
        self.reload()

    @property
    def version(self) -> str:
        return self._version

    def reload(self) -> str:
        interpreter, version = self._compile()
        with self._lock:
            self._interpreter, self._version = interpreter, version
        return version

    def _compile(self) -> tuple[regopy.Interpreter, str]:
        modules, data = policy_files(self._root)
        if not modules:
            raise PolicyUnavailable(f"no Rego modules found in {self._root}")
        interpreter = regopy.Interpreter()
        for module in modules:
            interpreter.add_module(str(module.relative_to(self._root)), module.read_text(encoding="utf-8"))
        interpreter.add_data(data_document(self._root, data))
        return interpreter, version_of(self._root)

    def decide(self, policy_input: dict) -> Decision:
        with self._lock:
            if self._interpreter is None:
                raise PolicyUnavailable("no policy is loaded")
            self._interpreter.set_input(policy_input)
            output = self._interpreter.query(DECISION_QUERY)
            version = self._version
        try:
            document = json.loads(str(output))["expressions"][0]
        except (KeyError, IndexError, ValueError) as error:
            raise PolicyUnavailable(f"the policy did not produce a decision: {output}") from error
        try:
            return Decision.from_document(document, version)
        except ValueError as error:
            raise PolicyUnavailable(str(error)) from error

    def ready(self) -> bool:
        return self._interpreter is not None

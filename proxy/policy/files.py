"""A policy directory read once into memory: Rego modules, data, and the version they make.

The directory is laid out as an OPA bundle: ``*.rego`` modules anywhere, and data
in files named ``data.json`` (or ``data.yaml``) placed at the data path of their
directory, so ``policies/data/models/data.json`` is ``data.data.models``. That is
exactly what ``opa run --bundle policies/``, ``opa test policies/`` and
``opa build -b policies/`` see, so every engine evaluates the same thing.

The version is a hash of what decides (every module's text but the
``*_test.rego`` ones, and the data document), independent of file names, so an
OPA server that loaded the same directory, or the bundle ``handrail policy
bundle`` built from it (whose revision it is), reports the same version (see
``version_of_content``). Tests are left out because they never decide and are
not shipped in bundles.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

DATA_FILE_NAMES = ("data.json", "data.yaml", "data.yml")
TEST_SUFFIX = "_test.rego"


class PolicyFilesError(Exception):
    """The directory cannot be read as a policy (missing, unreadable, bad data file)."""


@dataclass(frozen=True)
class PolicySnapshot:
    """Everything in a policy directory at one moment."""

    root: Path
    modules: dict[str, str]  # path relative to root -> Rego source, tests included
    data: dict

    @property
    def version(self) -> str:
        return version_of_content(self.policy_modules.values(), self.data)

    @property
    def policy_modules(self) -> dict[str, str]:
        """The modules that make decisions (test modules left out)."""
        return {name: text for name, text in self.modules.items() if not name.endswith(TEST_SUFFIX)}

    @property
    def test_modules(self) -> dict[str, str]:
        return {name: text for name, text in self.modules.items() if name.endswith(TEST_SUFFIX)}

    def write_to(self, directory: Path) -> Path:
        """Write the snapshot as a bundle directory (used to check exactly what will be loaded)."""
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        for name, text in self.modules.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        # One data.json at the root holds the whole document: OPA places it at
        # the root of data, which is where each file's data already sits.
        (directory / "data.json").write_text(json.dumps(self.data, ensure_ascii=False), encoding="utf-8")
        return directory


def read_policy(root: Path | str) -> PolicySnapshot:
    """Read every module and data file under ``root``."""
    root = Path(root)
    if not root.is_dir():
        raise PolicyFilesError(f"the policy directory {root} does not exist")
    files: dict[str, bytes] = {}
    for path in _walk(root):
        if path.suffix == ".rego" or path.name in DATA_FILE_NAMES:
            relative = path.relative_to(root).as_posix()
            try:
                files[relative] = path.read_bytes()
            except OSError as error:
                raise PolicyFilesError(f"cannot read {relative}: {error}") from None
    return snapshot_of_files(root, files)


def snapshot_of_files(root: Path, files: dict[str, bytes]) -> PolicySnapshot:
    """The snapshot that files laid out as a bundle make (``path inside the bundle -> bytes``).

    The one reading of the layout, shared by a directory on disk and a downloaded bundle, so both decide alike.
    Hidden files (``.manifest``, ``.signatures.json``) and anything that is neither Rego nor data are not policy.
    """
    modules: dict[str, str] = {}
    data: dict[str, Any] = {}
    for name in sorted(files):
        relative = PurePosixPath(name)
        if any(part.startswith(".") for part in relative.parts):
            continue
        try:
            if relative.suffix == ".rego":
                modules[name] = files[name].decode("utf-8")
            elif relative.name in DATA_FILE_NAMES:
                _place(data, relative.parent.parts, _load_data(relative, files[name].decode("utf-8")), relative)
        except UnicodeDecodeError as error:
            raise PolicyFilesError(f"cannot read {name}: {error}") from None
    if not any(not name.endswith(TEST_SUFFIX) for name in modules):
        raise PolicyFilesError(f"no Rego modules found in {root}")
    return PolicySnapshot(root=root, modules=modules, data=data)


def fingerprint(root: Path | str) -> tuple:
    """Cheap change detection for the watcher: names, sizes and modification times."""
    root = Path(root)
    entries = []
    for path in _walk(root):
        if path.suffix == ".rego" or path.name in DATA_FILE_NAMES:
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def version_of_content(modules: Iterable[str], data: dict) -> str:
    """The policy version: a hash of the module texts (in any order) and the data document."""
    canonical = json.dumps(
        {"modules": sorted(modules), "data": data}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(root):
        # Hidden directories (.git, editor state) are never policy.
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        found.extend(Path(directory) / name for name in sorted(files) if not name.startswith("."))
    return found


def _load_data(path: PurePosixPath, text: str) -> object:
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise PolicyFilesError(f"{path.name} in {path.parent} is not valid: {error}") from None


def _place(document: dict, steps: tuple[str, ...], value: object, relative: PurePosixPath) -> None:
    node = document
    for step in steps:
        node = node.setdefault(step, {})
        if not isinstance(node, dict):
            raise PolicyFilesError(f"{relative}: data conflicts with a value already at {'.'.join(steps)}")
    if not isinstance(value, dict):
        raise PolicyFilesError(f"{relative} must hold a JSON object")
    for key, item in value.items():
        if key in node:
            raise PolicyFilesError(f"{relative}: data.{'.'.join((*steps, key))} is defined twice")
        node[key] = item


def known_departments(root: Path | str) -> set[str]:
    """The departments the policy data lists (``data/departments``): the only ones a key may name."""
    departments = read_policy(root).data.get("data", {}).get("departments")
    if not isinstance(departments, dict):
        raise PolicyFilesError(f"{root} has no data/departments document")
    return set(departments)

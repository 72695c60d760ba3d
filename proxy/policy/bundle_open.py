"""A downloaded OPA bundle, opened and checked before anything in it may decide.

The checks are OPA's own (https://www.openpolicyagent.org/docs/management-bundles#signing):

- **Signature.** With a verification key configured, ``.signatures.json`` must hold one JWT, signed with that key
  by the one configured algorithm (never the algorithm the token names: a public key used as an HMAC secret would
  otherwise verify anything), naming no other key id, and listing every other file of the bundle by path and
  SHA-256 hash. A file that is not listed, a listed file that is missing and a hash that differs all refuse the
  bundle.
- **Roots.** Every module's package and every data document must lie under one of the manifest's ``roots``, and
  the roots must cover the decision package, so a bundle can neither write outside what it claims nor leave the
  gateway without a decision.

The archive is read defensively: regular files only, no absolute or ``..`` names, a size limit, no duplicates.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import jwt

from proxy.policy.bundle import MANIFEST, SIGNATURES
from proxy.policy.files import DATA_FILE_NAMES, PolicyFilesError, PolicySnapshot, snapshot_of_files

MAX_BUNDLE_BYTES = 64 * 1024 * 1024  # uncompressed; the shipped policy is about 60 kB
DECISION_PACKAGE = ("handrail",)
_HASHES = {"SHA-256": hashlib.sha256, "SHA-384": hashlib.sha384, "SHA-512": hashlib.sha512}


class BundleRefused(Exception):
    """The bundle must not be loaded; the message says why (for logs, /readyz and the reload endpoint)."""


@dataclass(frozen=True)
class Verification:
    """What a signature must verify against."""

    key: bytes  # PEM public key, or the HMAC secret
    key_id: str
    algorithm: str


@dataclass(frozen=True)
class OpenedBundle:
    snapshot: PolicySnapshot
    revision: str  # the manifest's; empty when the bundle has none
    roots: tuple[str, ...]


def open_bundle(content: bytes, origin: str, verification: Verification | None) -> OpenedBundle:
    """The bundle's policy, once its archive, signature and roots are checked; raises BundleRefused."""
    files = _read_archive(content)
    if verification is not None:
        _verify_signature(files, verification)
    manifest = _manifest(files)
    roots = _roots(manifest)
    try:
        snapshot = snapshot_of_files(Path(origin), files)
    except PolicyFilesError as error:
        raise BundleRefused(str(error)) from error
    _check_roots(files, snapshot, roots)
    revision = manifest.get("revision", "")
    if not isinstance(revision, str):
        raise BundleRefused("the manifest's revision is not a string")
    return OpenedBundle(snapshot, revision, roots)


def _read_archive(content: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    try:
        # The gzip layer is read with a limit first: a small download must not expand without bound.
        raw = gzip.GzipFile(fileobj=io.BytesIO(content)).read(MAX_BUNDLE_BYTES + 1)
        if len(raw) > MAX_BUNDLE_BYTES:
            raise BundleRefused(f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes uncompressed")
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as archive:
            for member in archive:
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BundleRefused(f"the bundle holds {member.name!r}, which is not a regular file")
                name = _bundle_path(member.name)
                if name in files:
                    raise BundleRefused(f"the bundle holds {name} twice")
                total += member.size
                if total > MAX_BUNDLE_BYTES:
                    raise BundleRefused(f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes uncompressed")
                stream = archive.extractfile(member)
                files[name] = stream.read() if stream is not None else b""
    except (OSError, EOFError, tarfile.TarError) as error:
        raise BundleRefused(f"the bundle is not a readable .tar.gz: {error}") from error
    if not files:
        raise BundleRefused("the bundle is empty")
    return files


def _bundle_path(name: str) -> str:
    path = PurePosixPath(name.lstrip("/").removeprefix("./"))
    if not path.parts or any(part in ("..", "") for part in path.parts) or path.is_absolute():
        raise BundleRefused(f"the bundle holds a file with an unsafe name: {name!r}")
    return path.as_posix()


def _verify_signature(files: dict[str, bytes], verification: Verification) -> None:
    if SIGNATURES not in files:
        raise BundleRefused("the bundle is not signed (no .signatures.json) and a verification key is configured")
    try:
        tokens = json.loads(files[SIGNATURES])["signatures"]
    except (ValueError, KeyError, TypeError) as error:
        raise BundleRefused(f".signatures.json is not readable: {error}") from error
    if not isinstance(tokens, list) or len(tokens) != 1 or not isinstance(tokens[0], str):
        raise BundleRefused(".signatures.json must hold exactly one signature")
    try:
        header = jwt.get_unverified_header(tokens[0])
        claims = jwt.decode(tokens[0], verification.key, algorithms=[verification.algorithm])
    except jwt.PyJWTError as error:
        raise BundleRefused(f"the bundle's signature does not verify: {error}") from error
    named = claims.get("keyid") or header.get("kid")
    if named and named != verification.key_id:
        raise BundleRefused(f"the bundle is signed by key {named!r}, not the configured {verification.key_id!r}")
    listed = _listed_files(claims)
    unsigned = set(files) - {SIGNATURES} - set(listed)
    missing = set(listed) - set(files)
    if unsigned or missing:
        raise BundleRefused(
            "the signature does not cover the bundle's files"
            + (f"; not signed: {', '.join(sorted(unsigned))}" if unsigned else "")
            + (f"; signed but missing: {', '.join(sorted(missing))}" if missing else "")
        )
    for name, (algorithm, expected) in listed.items():
        if not _hash_matches(name, files[name], algorithm, expected):
            raise BundleRefused(f"{name} differs from what was signed (digest mismatch)")


def _listed_files(claims: dict[str, object]) -> dict[str, tuple[str, str]]:
    entries = claims.get("files")
    if not isinstance(entries, list):
        raise BundleRefused("the signature lists no files")
    listed: dict[str, tuple[str, str]] = {}
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or not isinstance(entry.get("hash"), str)
        ):
            raise BundleRefused("the signature lists a file without a name or hash")
        algorithm = str(entry.get("algorithm") or "SHA-256")
        if algorithm not in _HASHES:
            raise BundleRefused(f"the signature uses the hash {algorithm}, not one of {', '.join(_HASHES)}")
        listed[_bundle_path(entry["name"])] = (algorithm, entry["hash"])
    return listed


def _hash_matches(name: str, content: bytes, algorithm: str, expected: str) -> bool:
    digest = _HASHES[algorithm]
    if digest(content).hexdigest() == expected:
        return True
    # OPA hashes a JSON file's value, not its bytes (keys sorted, no spaces): bundles written by other tools
    # verify through this; handrail's own already hold exactly that form.
    if name == MANIFEST or PurePosixPath(name).suffix == ".json":
        try:
            value = json.loads(content)
        except ValueError:
            return False
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return digest(canonical.encode("utf-8")).hexdigest() == expected
    return False


def _manifest(files: dict[str, bytes]) -> dict[str, object]:
    if MANIFEST not in files:
        return {}
    try:
        manifest = json.loads(files[MANIFEST])
    except ValueError as error:
        raise BundleRefused(f"the bundle's .manifest is not JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise BundleRefused("the bundle's .manifest is not a JSON object")
    return manifest


def _roots(manifest: dict[str, object]) -> tuple[str, ...]:
    # OPA's default, when the manifest names none, is the whole of data.
    roots = manifest.get("roots", [""])
    if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
        raise BundleRefused("the manifest's roots must be a list of paths")
    return tuple(root.strip("/") for root in roots)


def _check_roots(files: dict[str, bytes], snapshot: PolicySnapshot, roots: tuple[str, ...]) -> None:
    def covered(path: tuple[str, ...]) -> bool:
        return any(not root or path[: len(root.split("/"))] == tuple(root.split("/")) for root in roots)

    if not covered(DECISION_PACKAGE):
        raise BundleRefused(
            f"the manifest's roots ({', '.join(roots) or 'none'}) do not include the decision package "
            f"{'.'.join(DECISION_PACKAGE)}"
        )
    for name, text in snapshot.policy_modules.items():
        package = _package_path(text)
        if not covered(package):
            raise BundleRefused(f"{name} declares package {'.'.join(package)}, outside the manifest's roots")
    for name in files:
        path = PurePosixPath(name)
        if path.name not in DATA_FILE_NAMES or any(part.startswith(".") for part in path.parts):
            continue
        # A data.json at the bundle's top writes each of its keys at the top of data.
        places = [path.parent.parts] if path.parent.parts else [(key,) for key in snapshot.data]
        for place in places:
            if not covered(tuple(place)):
                raise BundleRefused(f"{name} writes data.{'.'.join(place)}, outside the manifest's roots")


def _package_path(text: str) -> tuple[str, ...]:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("package "):
            return tuple(stripped.removeprefix("package ").split("#")[0].strip().split("."))
    raise BundleRefused("a Rego module has no package line")

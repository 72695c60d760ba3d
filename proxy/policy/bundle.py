"""OPA bundles of a policy directory, reproducible to the byte.

A bundle is what replicas and OPA servers fetch from a bundle server, so the
same policy must always give the same bytes: a rebuild in CI can then be
compared with what is being served, and the revision (the content hash) names
exactly what decides. Nothing of the build machine gets in: entries are sorted,
every timestamp, owner and mode is fixed, the gzip header carries no name or
time, and no temporary path is written anywhere.

Layout (https://www.openpolicyagent.org/docs/management-bundles):

    /.manifest                  {"revision": <content hash>, "roots": [...]}
    /.signatures.json           when signed (``opa sign``: a JWT over every file's hash)
    /<package path>/x.rego      each decision module; ``*_test.rego`` are left out
    /<key>/data.json            each top-level data document, at its own path

``roots`` lists the first segment of every package and every top-level data
key, so OPA refuses a second bundle that tries to write under them.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from proxy.policy.files import PolicySnapshot

MANIFEST = ".manifest"
SIGNATURES = ".signatures.json"
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "HS256", "HS384", "HS512")


class BundleError(Exception):
    """The bundle could not be built or signed."""


@dataclass(frozen=True)
class Signing:
    """How to sign: a PEM private key (RS*/PS*) or a shared secret file (HS*).

    ES* is left out on purpose: ECDSA signatures are randomised, so a signed
    bundle would no longer be byte-identical from one build to the next.
    """

    key_file: Path
    algorithm: str = "RS256"
    key_id: str | None = None


def revision_of(snapshot: PolicySnapshot) -> str:
    """The bundle's revision: the content hash of what decides (tests excluded), as every engine reports it."""
    return snapshot.version


def roots_of(snapshot: PolicySnapshot) -> list[str]:
    roots = {_package_of(text).split(".")[0] for text in snapshot.policy_modules.values()}
    roots.update(snapshot.data)
    return sorted(roots)


def bundle_files(snapshot: PolicySnapshot) -> dict[str, bytes]:
    """Every file of the bundle but the signature, by its path inside the bundle."""
    files: dict[str, bytes] = {}
    for name, text in snapshot.policy_modules.items():
        files[name] = text.encode("utf-8")
    for key, value in snapshot.data.items():
        files[f"{key}/data.json"] = _canonical_json(value)
    manifest = {"revision": revision_of(snapshot), "roots": roots_of(snapshot)}
    files[MANIFEST] = _canonical_json(manifest)
    return files


def build_bundle(snapshot: PolicySnapshot, signing: Signing | None = None, opa: str | None = None) -> bytes:
    """The bundle as a gzipped tarball; signed with ``opa sign`` when ``signing`` is given."""
    files = bundle_files(snapshot)
    if signing is not None:
        if opa is None:
            raise BundleError("signing a bundle needs the opa binary on PATH")
        files[SIGNATURES] = _sign(files, signing, opa)
    return _tarball(files)


def _sign(files: dict[str, bytes], signing: Signing, opa: str) -> bytes:
    if signing.algorithm not in SIGNING_ALGORITHMS:
        raise BundleError(f"signing algorithm {signing.algorithm} is not one of {', '.join(SIGNING_ALGORITHMS)}")
    with tempfile.TemporaryDirectory(prefix="handrail-bundle-") as temporary:
        source = Path(temporary) / "bundle"
        for name, content in files.items():
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        # Run inside the bundle directory so the JWT names files by their bundle path, not the temporary one.
        command = [
            opa,
            "sign",
            "--bundle",
            ".",
            "--signing-key",
            str(signing.key_file.resolve()),
            "--signing-alg",
            signing.algorithm,
            "--output-file-path",
            temporary,
        ]
        if signing.key_id:
            command += ["--claims-file", _claims_file(Path(temporary), signing.key_id)]
        finished = subprocess.run(command, capture_output=True, text=True, cwd=source, check=False)
        if finished.returncode != 0:
            raise BundleError(f"opa sign failed: {finished.stderr.strip()}")
        signatures = (Path(temporary) / SIGNATURES).read_bytes()
    # The JWT must name exactly the bundle's files by their bundle paths: check, don't trust.
    signed = signed_files(signatures)
    if set(signed) != set(files):
        raise BundleError(f"opa sign signed {sorted(signed)}, not the bundle's files {sorted(files)}")
    return signatures


def signed_files(signatures: bytes) -> dict[str, str]:
    """The file names and hashes a ``.signatures.json`` claims (its JWT payload, read without verifying)."""
    token = json.loads(signatures)["signatures"][0]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {entry["name"].removeprefix("./").lstrip("/"): entry["hash"] for entry in claims["files"]}


def _claims_file(directory: Path, key_id: str) -> str:
    path = directory / "claims.json"
    path.write_text(json.dumps({"keyid": key_id}))
    return str(path)


def _tarball(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name in sorted(files):
            content = files[name]
            info = tarfile.TarInfo("/" + name)  # OPA's own `opa build` writes rooted names
            info.size = len(content)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(content))
    compressed = io.BytesIO()
    # filename="" and mtime=0: the gzip header would otherwise carry the output name and the build time.
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=9, mtime=0) as stream:
        stream.write(raw.getvalue())
    return compressed.getvalue()


def _canonical_json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _package_of(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("package "):
            return stripped.removeprefix("package ").split("#")[0].strip()
    raise BundleError("a Rego module has no package line")

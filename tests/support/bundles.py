"""Policy bundles for the rollout tests: built by the real ``handrail policy bundle``, or made by hand when a test
needs one that command would never make (wrong roots), signed independently of the code under test."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

import jwt
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from proxy.cli import main


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: Path


def rsa_key_pair(directory: Path, name: str = "bundle-key") -> KeyPair:
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = directory / f"{name}.pem", directory / f"{name}.pub.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return KeyPair(private, public)


def build_bundle(policies: Path, output: Path, signing_key: Path | None = None) -> tuple[bytes, str]:
    """(bundle bytes, revision) from the real command."""
    arguments = ["policy", "bundle", "--policy", str(policies), "--output", str(output)]
    if signing_key is not None:
        arguments += ["--signing-key", str(signing_key)]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    revision = json.loads(members(output.read_bytes())[".manifest"])["revision"]
    return output.read_bytes(), revision


def members(content: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        return {
            m.name.lstrip("/"): archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile()
        }


def tarball(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo("/" + name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue())


def signed(files: dict[str, bytes], private_key: Path, key_id: str | None = None) -> dict[str, bytes]:
    """``files`` plus a ``.signatures.json`` in OPA's format, made here with PyJWT (not with the gateway's code)."""
    listed = [
        {"name": name, "hash": hashlib.sha256(content).hexdigest(), "algorithm": "SHA-256"}
        for name, content in sorted(files.items())
        if name != ".signatures.json"
    ]
    claims: dict[str, object] = {"files": listed, **({"keyid": key_id} if key_id else {})}
    token = jwt.encode(claims, private_key.read_bytes(), algorithm="RS256")
    return {**files, ".signatures.json": json.dumps({"signatures": [token]}).encode()}

"""``handrail policy bundle``: reproducible, test-free, properly rooted, optionally signed, and loaded by a real OPA."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from proxy.cli import main
from proxy.policy.bundle import signed_files
from proxy.policy.compile_check import SMOKE_INPUT
from proxy.policy.files import read_policy
from proxy.policy.opa_server import OpaServerEngine
from proxy.policy.settings import PolicySettings
from tests.policy.helpers import POLICIES, copy_policies, edit_data
from tests.support.opa import OpaServer, opa_binary


def build(policies: Path, output: Path, *extra: str) -> Path:
    result = CliRunner().invoke(main, ["policy", "bundle", "--policy", str(policies), "--output", str(output), *extra])
    assert result.exit_code == 0, result.output
    return output


def members(bundle: Path) -> dict[str, bytes]:
    with tarfile.open(bundle) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}


@pytest.fixture(scope="module")
def rsa_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory = tmp_path_factory.mktemp("keys")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = directory / "bundle-key.pem", directory / "bundle-key.pub.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def test_the_same_policy_gives_the_same_bytes_wherever_and_whenever_it_is_built(tmp_path):
    first = build(POLICIES, tmp_path / "first.tar.gz")
    # Another place, other modification times, another output name: none of it may reach the bytes.
    elsewhere = copy_policies(tmp_path / "somewhere" / "else")
    for path in elsewhere.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    second = build(elsewhere, tmp_path / "second-name.tar.gz")
    assert first.read_bytes() == second.read_bytes()
    assert str(tmp_path).encode() not in b"".join(members(first).values())


def test_the_bundle_holds_what_decides_and_a_proper_manifest(tmp_path):
    files = members(build(POLICIES, tmp_path / "bundle.tar.gz"))
    assert not [name for name in files if name.endswith("_test.rego")]
    assert "/handrail/decision.rego" in files and "/data/data.json" in files
    manifest = json.loads(files["/.manifest"])
    assert manifest == {"revision": read_policy(POLICIES).version, "roots": ["data", "handrail"]}


def test_a_changed_policy_has_a_new_revision_and_a_changed_test_does_not(tmp_path):
    before = json.loads(members(build(POLICIES, tmp_path / "a.tar.gz"))["/.manifest"])["revision"]
    policies = copy_policies(tmp_path / "policies")
    test_file = policies / "handrail" / "lib" / "lib_test.rego"
    test_file.write_text(test_file.read_text() + "\n# a comment in a test\n")
    assert json.loads(members(build(policies, tmp_path / "b.tar.gz"))["/.manifest"])["revision"] == before
    edit_data(policies, "models", lambda document: document.update({"extra_note": "changed"}))
    assert json.loads(members(build(policies, tmp_path / "c.tar.gz"))["/.manifest"])["revision"] != before


def test_a_real_opa_server_loads_the_bundle_and_decides(tmp_path):
    opa_binary()
    bundle = build(POLICIES, tmp_path / "bundle.tar.gz")
    with OpaServer(bundle, tmp_path / "opa.log") as server:
        engine = OpaServerEngine(PolicySettings(engine="opa", opa_url=server.url, watch=False))
        assert engine.version == read_policy(POLICIES).version
        assert engine.decide(SMOKE_INPUT).action == "allow"
        blocked = dict(SMOKE_INPUT, signals=[{"type": "internet", "evidence": "web_search", "location": "tools"}])
        assert engine.decide(blocked).action == "block"


def test_a_signed_bundle_is_reproducible_and_verified_by_opa(tmp_path, rsa_keys):
    opa_binary()
    private, public = rsa_keys
    first = build(POLICIES, tmp_path / "first.tar.gz", "--signing-key", str(private))
    second = build(POLICIES, tmp_path / "second.tar.gz", "--signing-key", str(private))
    assert first.read_bytes() == second.read_bytes()
    files = members(first)
    assert set(signed_files(files["/.signatures.json"])) == {name.lstrip("/") for name in files} - {".signatures.json"}
    with OpaServer(first, tmp_path / "opa.log", ("--verification-key", str(public))) as server:
        engine = OpaServerEngine(PolicySettings(engine="opa", opa_url=server.url, watch=False))
        assert engine.decide(SMOKE_INPUT).action == "allow"


def test_opa_refuses_a_signed_bundle_that_was_altered_after_signing(tmp_path, rsa_keys):
    opa = opa_binary()
    private, public = rsa_keys
    files = members(build(POLICIES, tmp_path / "signed.tar.gz", "--signing-key", str(private)))
    files["/handrail/decision.rego"] += b"\n# altered after signing\n"
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    # OPA verifies a bundle against its signature when it is given a verification key; a changed file fails it.
    refused = subprocess.run(
        [
            opa,
            "build",
            "--bundle",
            str(tampered),
            "--verification-key",
            str(public),
            "-o",
            str(tmp_path / "out.tar.gz"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "digest mismatch" in (refused.stdout + refused.stderr).lower()
    accepted = subprocess.run(
        [
            opa,
            "build",
            "--bundle",
            str(tmp_path / "signed.tar.gz"),
            "--verification-key",
            str(public),
            "-o",
            str(tmp_path / "out.tar.gz"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert accepted.returncode == 0, accepted.stderr


def test_signing_without_opa_says_so(tmp_path, rsa_keys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no opa here
    assert shutil.which("opa") is None
    result = CliRunner().invoke(
        main,
        [
            "policy",
            "bundle",
            "--policy",
            str(POLICIES),
            "-o",
            str(tmp_path / "b.tar.gz"),
            "--signing-key",
            str(rsa_keys[0]),
        ],
    )
    assert result.exit_code != 0 and "needs the opa binary" in result.output

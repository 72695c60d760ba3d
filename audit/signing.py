"""Signing and checking checkpoints: HMAC-SHA256 with a shared secret, or Ed25519.

A checkpoint of the sharded chain states "these are every shard's last entry and hash" through a Merkle root
(``audit.merkle``); its signed message is the canonical JSON of ``{"v": 2, "number", "entries", "shards", "root",
"created_at", "algorithm", "key_id"}``. A checkpoint written before sharding (revision 0004) states "the chain's
entry ``seq`` has hash ``hash``", and its message is ``{"v": 1, "number", "seq", "hash", "created_at", "algorithm",
"key_id"}``. With Ed25519 the gateway holds the
private key and auditors verify with the public key alone; with HMAC whoever verifies holds the secret too.
Without any key the checkpoint carries only a SHA-256 of its message (algorithm ``sha256``): it still reveals a
naive truncation, but anyone who can write to the database could forge it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.canonical import canonical_json
from audit.settings import AuditSettings

UNSIGNED = "sha256"
HMAC = "hmac-sha256"
ED25519 = "ed25519"


class SigningKeyError(Exception):
    """A signing or verification key cannot be used."""


class Signer(Protocol):
    algorithm: str
    key_id: str

    def sign(self, message: bytes) -> str: ...


def checkpoint_message(number: int, seq: int, hash_: str, created_at: str, algorithm: str, key_id: str) -> bytes:
    document = {
        "v": 1,
        "number": number,
        "seq": seq,
        "hash": hash_,
        "created_at": created_at,
        "algorithm": algorithm,
        "key_id": key_id,
    }
    return canonical_json(document).encode("ascii")


def merkle_checkpoint_message(
    number: int, entries: int, shards: int, root: str, created_at: str, algorithm: str, key_id: str
) -> bytes:
    """``entries``: how many entries the leaves cover in all; ``shards``: how many leaves."""
    document = {
        "v": 2,
        "number": number,
        "entries": entries,
        "shards": shards,
        "root": root,
        "created_at": created_at,
        "algorithm": algorithm,
        "key_id": key_id,
    }
    return canonical_json(document).encode("ascii")


class DigestOnly:
    algorithm = UNSIGNED
    key_id = "none"

    def sign(self, message: bytes) -> str:
        return hashlib.sha256(message).hexdigest()


class HmacSigner:
    algorithm = HMAC

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")
        self.key_id = hmac_key_id(secret)

    def sign(self, message: bytes) -> str:
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


class Ed25519Signer:
    algorithm = ED25519

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.key_id = ed25519_key_id(private_key.public_key())

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()


def hmac_key_id(secret: str) -> str:
    """Names the secret without revealing it."""
    return hmac.new(secret.encode("utf-8"), b"handrail audit checkpoint key", hashlib.sha256).hexdigest()[:16]


def ed25519_key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyError(f"the checkpoint key file {path} does not exist") from None
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"{path} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    data = Path(path).read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        # A private key file is accepted too: its public half is what verifies.
        return load_private_key(path).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 public key")
    return key


def signer_for(settings: AuditSettings) -> Signer:
    if settings.checkpoint_key is not None:
        return HmacSigner(settings.checkpoint_key.get_secret_value())
    if settings.checkpoint_key_file:
        return Ed25519Signer(load_private_key(settings.checkpoint_key_file))
    return DigestOnly()


def generate_key_pair(private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 private key (mode 0600) and its public key; return the key id."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_bytes(private_pem)
    public_path.write_bytes(public_pem)
    return ed25519_key_id(key.public_key())


@dataclass
class KeyRing:
    """What a verifier knows: HMAC secrets and Ed25519 public keys, by key id."""

    hmac_secrets: dict[str, str] = field(default_factory=dict)
    public_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    @classmethod
    def for_settings(cls, settings: AuditSettings, public_key_files: tuple[str, ...] = ()) -> KeyRing:
        ring = cls()
        if settings.checkpoint_key is not None:
            ring.add_hmac_secret(settings.checkpoint_key.get_secret_value())
        if settings.checkpoint_key_file:
            ring.add_public_key(load_private_key(settings.checkpoint_key_file).public_key())
        for path in public_key_files:
            ring.add_public_key(load_public_key(path))
        return ring

    @property
    def requires_signatures(self) -> bool:
        """A verifier that knows a key expects every checkpoint signed: accepting an unsigned one where a signed one
        is due would let anyone with database access vouch for a rewritten chain."""
        return bool(self.hmac_secrets or self.public_keys)

    def add_hmac_secret(self, secret: str) -> None:
        self.hmac_secrets[hmac_key_id(secret)] = secret

    def add_public_key(self, key: Ed25519PublicKey) -> None:
        self.public_keys[ed25519_key_id(key)] = key

    def check(self, algorithm: str, key_id: str, message: bytes, signature: str) -> bool | None:
        """True if the signature is good, False if it is not, None if no key to check it was given."""
        if algorithm == UNSIGNED:
            return hmac.compare_digest(hashlib.sha256(message).hexdigest(), signature)
        if algorithm == HMAC:
            secret = self.hmac_secrets.get(key_id)
            if secret is None:
                return None
            expected = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, signature)
        if algorithm == ED25519:
            public_key = self.public_keys.get(key_id)
            if public_key is None:
                return None
            try:
                public_key.verify(bytes.fromhex(signature), message)
            except (InvalidSignature, ValueError):
                return False
            return True
        return False

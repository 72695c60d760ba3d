"""Audit store settings (the ``audit:`` section of the configuration)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_url: str = Field("sqlite:///handrail.db", description="SQLAlchemy URL of the audit and key store.")
    store_text: Literal["redacted", "none"] = Field(
        "redacted", description="Keep prompt and answer text with personal data replaced by type placeholders, or none."
    )
    checkpoint_key: SecretStr | None = Field(
        None,
        description="HMAC-SHA256 secret that signs checkpoints (at least 32 characters), "
        "e.g. 'os.environ/HANDRAIL_AUDIT_KEY'. Keep it out of the database's reach.",
    )
    checkpoint_key_file: str | None = Field(
        None,
        description="Ed25519 private key (PEM) that signs checkpoints instead of an HMAC secret; "
        "auditors verify with the public key alone ('handrail audit keygen' makes a pair).",
    )
    checkpoint_every: int = Field(1000, ge=1, description="Write a signed checkpoint at least every this many entries.")
    checkpoint_seconds: float = Field(
        60.0, gt=0, description="...and at the first entry more than this many seconds after the last checkpoint."
    )
    shards: int = Field(
        1,
        ge=1,
        le=1024,
        description="How many hash chains (shards) writers append to side by side: each writer process keeps to its "
        "own shard and takes any free one when that is busy, so the write rate grows with writers. One (the default) "
        "is a single chain; on PostgreSQL set it to about the number of writer processes. Raising it later is safe.",
    )
    witness_file: str | None = Field(
        None,
        description="Append every signed checkpoint to this JSON Lines file (fsync'd), kept where the database's "
        "writers cannot change it; 'handrail audit verify --witness FILE' checks the chain against it.",
    )
    witness_url: str | None = Field(
        None,
        description="POST every signed checkpoint as JSON to this URL (a witness service outside the database's reach).",
    )
    witness_token: SecretStr | None = Field(
        None, description="Bearer token for witness_url, e.g. 'os.environ/HANDRAIL_WITNESS_TOKEN'; never logged."
    )
    witness_timeout_seconds: float = Field(5.0, gt=0, description="How long one POST to witness_url may take.")
    spool_dir: str | None = Field(
        None,
        description="Directory of a local, fsync'd spool that holds the events of REFUSED requests while the store "
        "cannot write, replayed in order when it can; forwarded requests still fail closed. Off when unset.",
    )
    spool_max_bytes: int = Field(
        64 * 1024 * 1024, ge=4096, description="The spool's size limit; when full, refusals are no longer spooled."
    )
    write_probe_seconds: float = Field(
        5.0, gt=0, description="/readyz probes that the store can write (and replays the spool) at most this often."
    )
    text_retention_days: int | None = Field(
        None,
        ge=1,
        description="Retention of prompt and answer text, in days ('handrail audit retention apply' removes older "
        "text; also the default for 'handrail audit purge-text'); unset keeps it for ever.",
    )
    evidence_retention_days: int | None = Field(
        None,
        ge=1,
        description="Retention of evidence (what usage signals quoted), in days; unset keeps it for ever.",
    )
    identity_retention_days: int | None = Field(
        None,
        ge=1,
        description="Retention of identities (user, department, roles, clearance, key id, client address, user "
        "agent; an auditor's identity and the users an auditor searched for), in days; unset keeps them for ever.",
    )

    @model_validator(mode="after")
    def _one_signing_key(self) -> AuditSettings:
        if self.checkpoint_key is not None and self.checkpoint_key_file is not None:
            raise ValueError("give checkpoint_key (HMAC) or checkpoint_key_file (Ed25519), not both")
        if self.checkpoint_key is not None and len(self.checkpoint_key.get_secret_value()) < 32:
            raise ValueError("checkpoint_key must be at least 32 characters")
        if (self.witness_file or self.witness_url) and self.checkpoint_key is None and not self.checkpoint_key_file:
            # An unsigned checkpoint proves nothing to a witness: anyone could have sent it.
            raise ValueError(
                "witness_file and witness_url need a signing key: set checkpoint_key_file or checkpoint_key"
            )
        if self.witness_url is not None and not self.witness_url.startswith(("http://", "https://")):
            raise ValueError("witness_url must be an http:// or https:// URL")
        return self

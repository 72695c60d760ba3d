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
    text_retention_days: int | None = Field(
        None, ge=1, description="Default age for 'handrail audit purge-text' (prompt and answer text older than this)."
    )

    @model_validator(mode="after")
    def _one_signing_key(self) -> AuditSettings:
        if self.checkpoint_key is not None and self.checkpoint_key_file is not None:
            raise ValueError("give checkpoint_key (HMAC) or checkpoint_key_file (Ed25519), not both")
        if self.checkpoint_key is not None and len(self.checkpoint_key.get_secret_value()) < 32:
            raise ValueError("checkpoint_key must be at least 32 characters")
        return self

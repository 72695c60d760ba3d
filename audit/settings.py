"""Audit store settings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_url: str = Field("sqlite:///handrail.db", description="SQLAlchemy URL of the audit and key store.")
    store_text: Literal["redacted", "none"] = Field(
        "redacted", description="Keep prompt and answer text with personal data replaced by type placeholders, or none."
    )

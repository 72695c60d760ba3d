"""The ``console:`` section of the configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_secret: SecretStr | None = Field(
        None,
        description="Secret (at least 32 characters) that signs console session cookies, the same in every worker "
        "and replica, e.g. 'os.environ/HANDRAIL_CONSOLE_SECRET'. Unset: the console is off (its pages say so). "
        "Changing it signs everyone out.",
    )
    idle_minutes: int = Field(
        15, ge=1, le=24 * 60, description="A console session ends after this long without a page."
    )
    session_hours: int = Field(8, ge=1, le=7 * 24, description="...and this long after sign-in, however busy.")
    secure_cookie: Literal["auto", "always"] = Field(
        "auto",
        description="'auto': the session cookie is Secure when the console is served over https; 'always': also "
        "when TLS ends at a proxy in front of the gateway (the browser then sees https).",
    )

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and len(secret.get_secret_value()) < 32:
            raise ValueError("session_secret must be at least 32 characters")
        return secret

"""The ``console:`` section of the configuration."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

Role = Literal["user", "auditor", "policy-admin"]


class OidcSettings(BaseModel):
    """``console.oidc``: sign-in through an OpenID Connect issuer (authorization code with PKCE), beside keys."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(
        description="The issuer's URL exactly as its ID tokens name it (their 'iss'), e.g. "
        "'https://login.microsoftonline.com/<tenant>/v2.0'. Its discovery document is read from "
        "<issuer>/.well-known/openid-configuration. https, except on this machine (127.0.0.1, ::1, localhost)."
    )
    name: str = Field(
        "your organisation's account",
        min_length=1,
        max_length=60,
        description="What the sign-in page offers: 'Sign in with <name>'.",
    )
    client_id: str = Field(min_length=1, description="The console's client id, registered at the issuer.")
    client_secret: SecretStr = Field(
        description="The client's secret, e.g. 'os.environ/HANDRAIL_OIDC_CLIENT_SECRET' (never logged or recorded)."
    )
    redirect_url: str = Field(
        description="The address the issuer sends people back to: this gateway's /console/oidc/callback as the "
        "browser sees it, e.g. 'https://handrail.example.gov.uk/console/oidc/callback'; registered at the issuer."
    )
    scopes: list[str] = Field(
        default_factory=lambda: ["openid", "email", "profile"],
        description="Scopes asked for; 'openid' must be one. Add the one that makes the issuer send the roles claim "
        "if it needs one.",
    )
    user_claim: str = Field(
        "email",
        min_length=1,
        description="The ID token claim that is the Handrail user name (the 'user' of the requests a 'user' sees). "
        "For 'email', a token whose 'email_verified' is false is refused.",
    )
    roles_claim: str = Field(
        "roles",
        min_length=1,
        description="The ID token claim holding the person's roles or groups (a list or one string); dots reach "
        "into objects, e.g. 'realm_access.roles'.",
    )
    role_map: dict[str, Role] = Field(
        min_length=1,
        description="Which value of roles_claim gives which Handrail role (user, auditor, policy-admin), e.g. "
        "{'handrail-auditors': 'auditor'}. A person with no value mapped here is refused.",
    )
    department_claim: str | None = Field(
        None, description="The ID token claim holding the person's department; unset or absent: 'department'."
    )
    department: str = Field(
        "", description="The department of people whose token has no department_claim (shown in the trail)."
    )
    leeway_seconds: int = Field(
        60, ge=0, le=300, description="Clock difference allowed when checking an ID token's exp, iat and nbf."
    )
    timeout_seconds: float = Field(10.0, gt=0, le=60, description="Longest wait for any answer from the issuer.")
    endpoint_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts other than the issuer's that its discovery document may send the gateway to (token "
        "endpoint, keys); e.g. Google's 'oauth2.googleapis.com', 'www.googleapis.com'. Any other host is refused.",
    )

    @field_validator("issuer", "redirect_url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) address without a query or fragment")
        if parts.scheme == "http" and not is_this_machine(parts.hostname):
            raise ValueError("must be https (http is allowed only on this machine, for tests)")
        return url

    @field_validator("scopes")
    @classmethod
    def _openid(cls, scopes: list[str]) -> list[str]:
        if "openid" not in scopes:
            raise ValueError("must include 'openid'")
        if any(not scope or " " in scope for scope in scopes):
            raise ValueError("each scope is one word")
        return scopes

    @model_validator(mode="after")
    def _callback(self) -> OidcSettings:
        if not urlsplit(self.redirect_url).path.endswith("/console/oidc/callback"):
            raise ValueError("redirect_url must end in /console/oidc/callback (the console's callback)")
        return self


def is_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


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
    oidc: OidcSettings | None = Field(
        None, description="Sign-in through an OpenID Connect issuer, beside keys (docs/console.md). Unset: keys only."
    )

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and len(secret.get_secret_value()) < 32:
            raise ValueError("session_secret must be at least 32 characters")
        return secret

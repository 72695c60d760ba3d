"""Policy engine settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

REPOSITORY_POLICIES = Path(__file__).resolve().parents[2] / "policies"
# The algorithms a bundle signature may use (OPA's, less ES*: ``handrail policy bundle`` does not make them).
BundleAlgorithm = Literal["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "HS256", "HS384", "HS512"]


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: Literal["embedded", "opa"] = Field(
        "embedded", description="'embedded' (regopy, no server) or 'opa' (an OPA server)."
    )
    path: Path = Field(REPOSITORY_POLICIES, description="Directory of Rego modules and data/ files (embedded engine).")
    opa_url: str = Field("http://127.0.0.1:8181", description="Base URL of the OPA server (engine: opa).")
    opa_timeout_seconds: float = Field(2.0, gt=0, description="How long to wait for the OPA server before refusing.")
    shadow_path: Path | None = Field(
        None, description="Candidate policy evaluated beside the live one; never enforced."
    )
    watch: bool = Field(True, description="Reload the embedded policy when its files change.")
    watch_interval_seconds: float = Field(
        1.0, gt=0, description="How often the watcher looks for changed policy files."
    )
    run_tests_on_reload: bool = Field(True, description="Reject a new policy whose own tests fail (needs opa on PATH).")
    bundle_url: str | None = Field(
        None,
        description="Embedded engine: load the policy from this OPA bundle (http(s) URL of a .tar.gz) instead of "
        "'path', and poll it for new revisions.",
    )
    bundle_verification_key: Path | None = Field(
        None,
        description="PEM public key (RS*/PS*) or secret file (HS*) the bundle's .signatures.json must verify "
        "against; when set, an unsigned bundle is refused.",
    )
    bundle_verification_key_id: str = Field(
        "handrail", description="The bundle key's id: a signature naming another keyid is refused (OPA's keyid)."
    )
    bundle_signing_algorithm: BundleAlgorithm = Field(
        "RS256", description="The only JWT algorithm a bundle signature may use (no other is tried)."
    )
    bundle_polling_min_delay_seconds: float = Field(
        5.0, gt=0, description="Shortest wait between two polls of the bundle server (If-None-Match)."
    )
    bundle_polling_max_delay_seconds: float = Field(
        10.0, gt=0, description="Longest wait between two polls; each wait is drawn between min and max."
    )
    bundle_timeout_seconds: float = Field(10.0, gt=0, description="How long one bundle download may take.")
    bundle_persist_path: Path | None = Field(
        None,
        description="File that keeps the last good bundle, so a gateway started while the bundle server is "
        "unreachable decides with it (verified again) instead of refusing every request.",
    )

    @model_validator(mode="after")
    def _polling_window(self) -> PolicySettings:
        if self.bundle_polling_max_delay_seconds < self.bundle_polling_min_delay_seconds:
            raise ValueError("bundle_polling_max_delay_seconds must not be below bundle_polling_min_delay_seconds")
        return self

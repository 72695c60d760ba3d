"""Policy engine settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REPOSITORY_POLICIES = Path(__file__).resolve().parents[2] / "policies"


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

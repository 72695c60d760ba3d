"""Configuration: one YAML file, environment overrides, validated at start.

Settings not given keep their defaults, so a file holding only ``model_list``
is a complete configuration, and no file at all runs the ``demo`` model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from audit.settings import AuditSettings
from detectors.settings import DetectionSettings
from proxy.console.settings import ConsoleSettings
from proxy.limits import LimitSettings
from proxy.policy.settings import PolicySettings

DEMO_ANSWER = "This is the demo model. Your request passed every check of the gateway and was answered here, without contacting any provider."
DEFAULT_MODEL_LIST: list[dict[str, Any]] = [
    {"model_name": "demo", "litellm_params": {"model": "openai/demo", "mock_response": DEMO_ANSWER}},
]
ENVIRONMENT_OVERRIDES = {
    "HANDRAIL_DATABASE_URL": ("audit", "database_url"),
    "HANDRAIL_POLICY_ENGINE": ("policy", "engine"),
    "HANDRAIL_OPA_URL": ("policy", "opa_url"),
    "HANDRAIL_POLICY_PATH": ("policy", "path"),
    "HANDRAIL_POLICY_BUNDLE_URL": ("policy", "bundle_url"),
    "HANDRAIL_POLICY_BUNDLE_VERIFICATION_KEY": ("policy", "bundle_verification_key"),
    "HANDRAIL_LOG_FORMAT": ("server", "log_format"),
    "HANDRAIL_CONSOLE_SECRET": ("console", "session_secret"),
}


class ConfigError(Exception):
    """The configuration cannot be used; the message names the bad key."""


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8080, ge=1, le=65535, description="Port to listen on.")
    workers: int = Field(
        0, ge=0, description="Worker processes; 0 means one per CPU the container may use (cgroup quota)."
    )
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0, description="Larger request bodies are refused with 413.")
    max_text_chars: int = Field(
        1_000_000, gt=0, description="Requests holding more characters of text to scan are refused with 413."
    )
    log_level: str = Field("info", description="Log level of the server and the gateway.")
    log_format: Literal["text", "json"] = Field(
        "text", description="'text' for people, 'json' (one object per line) for log collectors; uvicorn's lines too."
    )
    shutdown_grace_seconds: float = Field(
        10.0, ge=0, description="On SIGTERM, how long requests and streams still open may run before they are cut."
    )


class UpstreamSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = Field(120.0, gt=0, description="Longest wait for a provider before answering 504.")
    num_retries: int = Field(0, ge=0, description="Retries litellm makes on a failed provider call.")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_list: list[dict[str, Any]] = Field(default_factory=lambda: [dict(m) for m in DEFAULT_MODEL_LIST])
    server: ServerSettings = Field(default_factory=ServerSettings)
    upstream: UpstreamSettings = Field(default_factory=UpstreamSettings)
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    # Sections of a LiteLLM proxy configuration, accepted so that a whole LiteLLM config can be pasted in.
    # Handrail does not act on them (its own sections decide); `handrail check-config` says so.
    litellm_settings: dict[str, Any] = Field(
        default_factory=dict, description="Accepted from LiteLLM configurations; not used."
    )
    general_settings: dict[str, Any] = Field(
        default_factory=dict, description="Accepted from LiteLLM configurations; not used."
    )
    router_settings: dict[str, Any] = Field(
        default_factory=dict, description="Accepted from LiteLLM configurations; not used."
    )

    @field_validator("model_list")
    @classmethod
    def _check_model_list(cls, model_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names: set[str] = set()
        for index, entry in enumerate(model_list):
            if not isinstance(entry, dict) or not isinstance(entry.get("model_name"), str):
                raise ValueError(f"entry {index} needs a 'model_name' string")
            params = entry.get("litellm_params")
            if not isinstance(params, dict) or not isinstance(params.get("model"), str):
                raise ValueError(f"entry {index} ({entry['model_name']}) needs 'litellm_params.model'")
            names.add(entry["model_name"])
        if not names:
            raise ValueError("at least one model is needed")
        return model_list

    def model_names(self) -> list[str]:
        return list(dict.fromkeys(entry["model_name"] for entry in self.model_list))


def load_settings(path: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read the YAML file (if any), apply environment overrides, validate."""
    environ = dict(os.environ if environ is None else environ)
    path = path or environ.get("HANDRAIL_CONFIG") or None
    raw: dict[str, Any] = {}
    if path:
        file = Path(path)
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {file}") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"{file} is not valid YAML: {error}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{file} must hold a mapping of settings at the top level")
        raw = loaded
    for variable, (section, key) in ENVIRONMENT_OVERRIDES.items():
        _read_file_variable(environ, variable)
        if environ.get(variable):
            section_values = raw.setdefault(section, {})
            if not isinstance(section_values, dict):
                raise ConfigError(f"'{section}' must be a mapping")
            section_values[key] = environ[variable]
    resolved = _resolve_environment_references(raw, environ)
    assert isinstance(resolved, dict)  # a mapping in, a mapping out
    raw = resolved
    _check_model_list_references(raw.get("model_list"), environ)
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


def _read_file_variable(environ: dict[str, str], variable: str) -> None:
    """``NAME_FILE`` sets NAME from a file: the container-secrets convention, so a password is never in the environment."""
    path = environ.get(variable + "_FILE")
    if not path or environ.get(variable):
        return
    try:
        environ[variable] = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"{variable}_FILE names {path}, which cannot be read: {error.strerror}") from None


def _resolve_environment_references(value: object, environ: dict[str, str]) -> object:
    """``os.environ/NAME`` values (litellm's convention) read NAME from the environment.

    litellm resolves these itself inside ``model_list``; Handrail's own settings get
    the same convention so secrets such as signing keys stay out of the file.
    """
    if isinstance(value, dict):
        return {
            key: (item if key == "model_list" else _resolve_environment_references(item, environ))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_resolve_environment_references(item, environ) for item in value]
    if isinstance(value, str) and value.startswith("os.environ/"):
        name = value.removeprefix("os.environ/")
        if name not in environ:
            raise ConfigError(f"environment variable {name} is referenced by the configuration but not set")
        return environ[name]
    return value


def _check_model_list_references(model_list: object, environ: dict[str, str]) -> None:
    """litellm reads ``os.environ/NAME`` in ``model_list`` itself, at the first call; say at start if NAME is unset."""
    if not isinstance(model_list, list):
        return
    for entry in model_list:
        params = entry.get("litellm_params") if isinstance(entry, dict) else None
        for key, value in (params or {}).items():
            if isinstance(value, str) and value.startswith("os.environ/"):
                name = value.removeprefix("os.environ/")
                if name not in environ:
                    raise ConfigError(
                        f"model_list: {entry.get('model_name')}.litellm_params.{key} reads environment variable {name}, "
                        "which is not set"
                    )


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join(str(step) for step in problem["loc"]) or "(top level)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown setting"
        lines.append(f"{where}: {message}")
    return "invalid configuration:\n  " + "\n  ".join(lines)

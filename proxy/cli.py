"""The ``handrail`` command.

handrail serve                      run the gateway (defaults: 127.0.0.1:8080, demo model)
handrail check-config               validate a configuration file and say what it sets
handrail keys create|list|revoke    manage API keys
handrail scan --jsonl [FILE]        batch detection, one JSON line per input line
handrail policy ...                 evaluate and test Rego policies
handrail audit ...                  query, export and verify the audit trail
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from core.vocabulary import CLEARANCES, ROLES
from proxy.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from proxy.auth import KeyStore


def _settings(config: str | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="YAML configuration file (default: $HANDRAIL_CONFIG, else built-in defaults).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handrail")
@click.pass_context
def main(context: click.Context) -> None:
    """Handrail: a gateway that lets public-sector staff use language models safely."""
    from audit.cli import SETTINGS_LOADER

    # The audit commands read the gateway's configuration through this, so audit/ needs nothing from proxy/.
    context.obj = {SETTINGS_LOADER: lambda config: _settings(config).audit}


@main.command()
@config_option
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8080).")
@click.option(
    "--workers", type=int, default=None, help="Worker processes (default: one per CPU the container may use)."
)
def serve(config: str | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the gateway.

    \b
    Example:
        handrail serve --config handrail.yaml --port 8080
    """
    import uvicorn

    from audit.database import create_schema, make_engine

    settings = _settings(config)
    if config:
        # Worker processes load the configuration themselves, from the same file.
        os.environ["HANDRAIL_CONFIG"] = str(Path(config).resolve())
    try:
        create_schema(make_engine(settings.audit.database_url))
    except Exception as error:
        url = _hide_password(settings.audit.database_url)
        raise click.ClickException(f"cannot prepare the audit database at {url}: {_first_line(error)}") from None
    from proxy.cpu import worker_count as usable_workers
    from proxy.logs import uvicorn_log_config
    from proxy.shutdown import UVICORN_MARGIN_SECONDS

    # Not os.cpu_count(): in a container that is the node's cores, not the CPU limit (see proxy/cpu.py).
    worker_count = workers if workers is not None else usable_workers(settings.server.workers)
    if worker_count > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers write their samples here so /metrics can add them up (see proxy/metrics.py).
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="handrail-metrics-")
    click.echo(
        f"Handrail listening on http://{host or settings.server.host}:{port or settings.server.port} "
        f"with {worker_count} worker(s); models: {', '.join(settings.model_names())}",
        err=True,
    )
    uvicorn.run(
        "proxy.app:create_app",
        factory=True,
        host=host or settings.server.host,
        port=port or settings.server.port,
        workers=worker_count,
        log_level=settings.server.log_level,
        # One format for uvicorn's own lines and the gateway's (text or JSON, server.log_format).
        log_config=uvicorn_log_config(settings.server.log_format, settings.server.log_level),
        loop="uvloop",
        http="httptools",
        access_log=False,  # the audit trail records every request; access logs would duplicate it
        # uvicorn takes whole seconds; the gateway ends open streams itself at the grace (proxy/shutdown.py), and
        # the margin lets their final events and audit records go out before uvicorn cancels what is left.
        timeout_graceful_shutdown=math.ceil(settings.server.shutdown_grace_seconds) + UVICORN_MARGIN_SECONDS,
    )


@main.command("check-config")
@config_option
def check_config(config: str | None) -> None:
    """Validate the configuration and print the settings in force.

    \b
    Example:
        handrail check-config --config handrail.yaml
    """
    settings = _settings(config)
    summary = settings.model_dump(mode="json")
    summary["model_list"] = [
        {"model_name": entry["model_name"], "model": entry["litellm_params"]["model"]} for entry in settings.model_list
    ]
    summary["audit"]["database_url"] = _hide_password(summary["audit"]["database_url"])
    unused = [
        section for section in ("litellm_settings", "general_settings", "router_settings") if summary.pop(section)
    ]
    click.echo(json.dumps(summary, indent=2))
    for section in unused:
        click.echo(f"note: '{section}' (from a LiteLLM configuration) is accepted but not used by Handrail", err=True)
    click.echo("configuration is valid", err=True)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.group()
def keys() -> None:
    """Create, list and revoke API keys."""


def _key_store(config: str | None) -> KeyStore:
    from audit.database import create_schema, make_engine
    from proxy.auth import KeyStore

    settings = _settings(config)
    engine = make_engine(settings.audit.database_url)
    create_schema(engine)
    return KeyStore(engine)


def _policy_departments(config: str | None) -> set[str] | None:
    """The departments the policy lists, or None (with a warning) when the policy cannot be read.

    A key can still be made then: every request checks the department again in the policy
    (``unknown_department``), so an unchecked name fails safe.
    """
    from proxy.policy.files import PolicyFilesError, known_departments

    try:
        return known_departments(_settings(config).policy.path)
    except PolicyFilesError as error:
        click.echo(f"warning: the department was not checked, the policy cannot be read: {error}", err=True)
        return None


@keys.command("create")
@config_option
@click.option("--user", required=True, help="Who the key belongs to (e.g. an e-mail address or staff id).")
@click.option("--department", required=True, help="The user's department, used by policy and audit.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(ROLES),
    help="A role; repeat for several (default: user).",
)
@click.option(
    "--clearance",
    type=click.Choice(CLEARANCES),
    default="OFFICIAL",
    show_default=True,
    help="Highest classification the user may send.",
)
@click.option("--description", default=None, help="A note shown by 'keys list'.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, 3650),
    default=365,
    show_default=True,
    help="Days until the key stops working.",
)
def keys_create(
    config: str | None,
    user: str,
    department: str,
    roles: tuple[str, ...],
    clearance: str,
    description: str | None,
    expires_in_days: int,
) -> None:
    """Print a new API key (shown once; its last line is the key alone).

    \b
    Example:
        handrail keys create --user alice@example.gov.uk --department HMRC --role user
    """
    from datetime import UTC, datetime, timedelta

    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days)
    departments = _policy_departments(config)
    try:
        key, record = _key_store(config).create(
            user, department, roles or ("user",), clearance, description, expires_at, departments
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Created key {record.key_id} for {record.user} ({record.department}); roles: {', '.join(record.roles)}; "
        f"clearance: {record.clearance}; expires {expires_at:%Y-%m-%d}. Store it now: it cannot be shown again."
    )
    click.echo(key)


@keys.command("list")
@config_option
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
def keys_list(config: str | None, include_revoked: bool) -> None:
    """List keys (ids and owners; secrets are never stored)."""
    departments = _policy_departments(config)
    for record in _key_store(config).list(include_revoked):
        state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
        expiry = f"expires {record.expires_at:%Y-%m-%d}" if record.expires_at else "never expires"
        # A policy change can remove a department that keys still name: such keys are refused, so say so here.
        orphan = (
            ""
            if departments is None or record.department in departments
            else "  (department unknown to the policy: refused)"
        )
        click.echo(
            f"{record.key_id}  {record.user}  {record.department}  {','.join(record.roles)}  {record.clearance}  "
            f"created {record.created_at:%Y-%m-%d}  {expiry}  {state}{orphan}"
        )


@keys.command("revoke")
@config_option
@click.argument("key_id")
def keys_revoke(config: str | None, key_id: str) -> None:
    """Revoke a key by its id (from 'keys list') or the whole key."""
    if not _key_store(config).revoke(key_id):
        raise click.ClickException(f"no active key {key_id!r}")
    click.echo(f"revoked {key_id}")


@main.command()
@config_option
@click.option("--jsonl", "jsonl", is_flag=True, required=True, help="Read and write JSON Lines (the only format).")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
def scan(config: str | None, jsonl: bool, file: TextIO) -> None:
    """Run the detectors over JSON Lines from FILE (or standard input).

    \b
    Each input line is {"id", "text"} or a whole API request
    {"id", "endpoint", "headers", "body"}; each output line is
    {"id", "findings": [...], "signals": [...]}, in the same order.

    \b
    Example:
        handrail scan --jsonl prompts.jsonl > findings.jsonl
    """
    from detectors.scanner import Scanner
    from proxy.batch import scan_lines

    scanner = Scanner(_settings(config).detection)
    out = sys.stdout
    for line in scan_lines(file, scanner):
        out.write(line + "\n")
    out.flush()


def _register_subcommand_groups() -> None:
    from audit.cli import audit
    from proxy.policy.cli import policy

    main.add_command(policy)
    main.add_command(audit)


_register_subcommand_groups()

if __name__ == "__main__":
    main()

"""``handrail policy``: the security team's commands.

handrail policy eval --input input.json       decide one policy input
handrail policy explain --request body.json   detectors + policy on a whole API request
handrail policy test                          the policy's own tests (opa test, with coverage)
handrail policy check [DIR]                   what a reload would do: compile, decide, test
handrail policy compare --candidate DIR       where a candidate policy would decide differently
handrail policy bundle --output bundle.tar.gz an OPA bundle for an OPA server or bundle service
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from proxy.config import ConfigError, Settings, load_settings
from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyEngine, PolicyRejected, PolicyUnavailable

config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="YAML configuration file (default: $HANDRAIL_CONFIG, else built-in defaults).",
)
policy_option = click.option(
    "--policy",
    "policy_path",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Policy directory to use instead of the configured one. Example: --policy ./policies",
)
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="'text' for people, 'json' for scripts.",
)


def _settings(config: str | None, policy_path: Path | None = None) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if policy_path is not None:
        settings.policy.path = policy_path
        settings.policy.engine = "embedded"
    settings.policy.watch = False
    settings.policy.shadow_path = None
    return settings


def _engine(settings: Settings) -> PolicyEngine:
    from proxy.policy.engine import build_engine

    try:
        return build_engine(settings.policy)
    except (PolicyRejected, PolicyUnavailable, ValueError) as error:
        raise click.ClickException(f"the policy could not be loaded: {error}") from None


def _decide(engine: PolicyEngine, policy_input: dict[str, Any]) -> Decision:
    try:
        return engine.decide(policy_input)
    except PolicyUnavailable as error:
        raise click.ClickException(f"the policy could not decide: {error}") from None


def _print_decision(decision: Decision) -> None:
    click.echo(f"decision:       {decision.action}")
    click.echo(f"policy version: {decision.policy_version}")
    click.echo(f"experiment:     {decision.experiment or '-'}")
    if decision.redact_types:
        click.echo(f"redact:         {', '.join(sorted(decision.redact_types))}")
    for reason in decision.reasons:
        click.echo(f"reason:         {reason.code}: {reason.message}")
        if reason.evidence:
            click.echo(f"  saw:          {reason.evidence}")


def _read_json(file: Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise click.ClickException(f"{file} is not a readable JSON {what}: {error}") from None
    if not isinstance(document, dict):
        raise click.ClickException(f"{file} must hold a JSON object ({what})")
    return document


@click.group()
def policy() -> None:
    """Evaluate, test, explain and package the Rego policy."""


@policy.command("eval")
@config_option
@policy_option
@format_option
@click.option(
    "--input",
    "input_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A policy input document (proxy/policy/schema/input.schema.json). Example: --input input.json",
)
def eval_command(config: str | None, policy_path: Path | None, output_format: str, input_file: Path) -> None:
    """Decide one policy input and print the decision and its reasons.

    \b
    Example:
        handrail policy eval --input input.json   # a policy input document, as `policy explain` prints it
    """
    engine = _engine(_settings(config, policy_path))
    decision = _decide(engine, _read_json(input_file, "policy input"))
    if output_format == "json":
        click.echo(json.dumps(decision.to_document(), indent=2))
    else:
        _print_decision(decision)


@policy.command()
@config_option
@policy_option
@format_option
@click.option(
    "--request",
    "request_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A whole API request body, as a client would send it. Example: --request body.json",
)
@click.option(
    "--endpoint",
    default="/v1/chat/completions",
    show_default=True,
    help="Which API the body is for: /v1/chat/completions, /v1/responses, /v1/messages or /v1/embeddings.",
)
@click.option("--user", default="explain@example.gov.uk", show_default=True, help="The caller to decide for.")
@click.option("--department", default="GDS", show_default=True, help="The caller's department.")
@click.option("--clearance", default="OFFICIAL-SENSITIVE", show_default=True, help="The caller's clearance.")
@click.option("--classification", default="OFFICIAL", show_default=True, help="As the X-Data-Classification header.")
@click.option(
    "--experiment", default=None, help="As the X-Handrail-Experiment header. Example: --experiment gds-coding-agents"
)
def explain(
    config: str | None,
    policy_path: Path | None,
    output_format: str,
    request_file: Path,
    endpoint: str,
    user: str,
    department: str,
    clearance: str,
    classification: str,
    experiment: str | None,
) -> None:
    """Run the detectors on a whole API request and show the policy input and decision.

    Nothing is sent to a model and nothing is written to the audit trail.

    \b
    Example:
        handrail policy explain --request body.json --department GDS --experiment gds-coding-agents
    """
    from core.errors import HandrailError
    from detectors.scanner import Scanner
    from proxy.auth import Principal
    from proxy.formats import parse_request
    from proxy.policy.input import build_policy_input

    settings = _settings(config, policy_path)
    try:
        conversation = parse_request(endpoint, _read_json(request_file, "API request"))
    except HandrailError as error:
        raise click.ClickException(f"the request is not valid for {endpoint}: {error.message}") from None
    scan = Scanner(settings.detection).scan(conversation)
    principal = Principal(key_id="explain", user=user, department=department, roles=("user",), clearance=clearance)
    policy_input = build_policy_input(
        principal=principal,
        conversation=conversation,
        scan=scan,
        endpoint=endpoint,
        classification=classification,
        experiment=experiment,
        experiment_requests_today=0,
        provider="explain",
        now=datetime.now(UTC),
    )
    decision = _decide(_engine(settings), policy_input)
    if output_format == "json":
        click.echo(json.dumps({"input": policy_input, "decision": decision.to_document()}, indent=2))
        return
    click.echo("policy input:")
    click.echo(json.dumps(policy_input, indent=2))
    click.echo("")
    _print_decision(decision)


@policy.command()
@config_option
@policy_option
@click.option(
    "--coverage/--no-coverage", default=True, show_default=True, help="Report how much of the policy the tests cover."
)
@click.option("--verbose", "-v", is_flag=True, help="List every test.")
def test(config: str | None, policy_path: Path | None, coverage: bool, verbose: bool) -> None:
    """Run the policy's own tests with `opa test` (and report coverage).

    Without opa installed, checks what the embedded engine can: that the policy
    compiles and decides an ordinary request.

    \b
    Example:
        handrail policy test --policy ./policies
    """
    from proxy.policy.validate import opa_binary

    directory = _settings(config, policy_path).policy.path
    opa = opa_binary()
    if opa is None:
        click.echo("opa is not installed, so the _test.rego files cannot run here (install it: see docs/policy.md).")
        _check_directory(directory, run_tests=False)
        return
    arguments = [opa, "test", str(directory)] + (["-v"] if verbose else [])
    finished = subprocess.run(arguments)
    if finished.returncode != 0:
        sys.exit(finished.returncode)
    if coverage:
        report = subprocess.run(
            [opa, "test", "--coverage", "--format", "json", str(directory)], capture_output=True, text=True
        )
        try:
            click.echo(f"coverage: {json.loads(report.stdout)['coverage']:.1f}%")
        except (ValueError, KeyError):
            raise click.ClickException(f"opa did not report coverage: {report.stderr.strip()}") from None


@policy.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path), required=False)
@config_option
@click.option("--no-tests", is_flag=True, help="Skip the policy's own tests.")
def check(directory: Path | None, config: str | None, no_tests: bool) -> None:
    """Check a policy directory exactly as a reload would, without loading it anywhere.

    \b
    Example:
        handrail policy check ./policies
    """
    _check_directory(directory or _settings(config).policy.path, run_tests=not no_tests)


def _check_directory(directory: Path, *, run_tests: bool) -> None:
    from proxy.policy.files import PolicyFilesError, read_policy
    from proxy.policy.validate import validate_snapshot

    try:
        snapshot = read_policy(directory)
    except PolicyFilesError as error:
        raise click.ClickException(str(error)) from None
    problem = validate_snapshot(snapshot, run_tests=run_tests)
    if problem:
        raise click.ClickException(f"this policy would be rejected: {problem}")
    click.echo(f"ok: policy {snapshot.version} compiles and decides" + (" and its tests pass" if run_tests else ""))


@policy.command()
@config_option
@format_option
@click.option(
    "--candidate",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The changed policy directory. Example: --candidate ../policies-next",
)
@click.option(
    "--inputs",
    "inputs_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Policy inputs, one JSON object per line (e.g. exported by `handrail audit export`).",
)
def compare(config: str | None, output_format: str, candidate: Path, inputs_file: Path) -> None:
    """Decide a file of policy inputs with the live and a candidate policy; show where they differ.

    \b
    Example:
        handrail policy compare --candidate ../policies-next --inputs inputs.jsonl
    """
    from proxy.policy.embedded import EmbeddedEngine
    from proxy.policy.shadow import difference

    settings = _settings(config)
    live = _engine(settings)
    try:
        trial = EmbeddedEngine(settings.policy, path=candidate, watch=False)
    except PolicyRejected as error:
        raise click.ClickException(f"the candidate policy does not load: {error}") from None
    total = differing = 0
    for number, line in enumerate(inputs_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            policy_input = json.loads(line)
        except ValueError as error:
            raise click.ClickException(f"line {number} is not JSON: {error}") from None
        total += 1
        current, proposed = _decide(live, policy_input), _decide(trial, policy_input)
        changed = difference(current, proposed)
        if changed is None:
            continue
        differing += 1
        if output_format == "json":
            click.echo(json.dumps({"line": number, "live": current.to_document(), "candidate": changed}))
        else:
            was = f"{current.action} ({', '.join(r.code for r in current.reasons) or 'no reasons'})"
            now = f"{proposed.action} ({', '.join(r.code for r in proposed.reasons) or 'no reasons'})"
            click.echo(f"line {number}: {was} -> {now}")
    if output_format == "text":
        click.echo(f"{differing} of {total} decisions would change")


@policy.command()
@config_option
@policy_option
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the bundle. Example: --output bundle.tar.gz",
)
@click.option(
    "--signing-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Sign the bundle (opa sign): a PEM private key for RS*/PS*, a secret file for HS*. Example: --signing-key bundle-key.pem",
)
@click.option(
    "--signing-alg", default="RS256", show_default=True, help="JWT algorithm of the signature (RS*, PS* or HS*)."
)
@click.option("--key-id", default=None, help="The keyid claim, naming the verification key OPA should use.")
def bundle(
    config: str | None,
    policy_path: Path | None,
    output: Path,
    signing_key: Path | None,
    signing_alg: str,
    key_id: str | None,
) -> None:
    """Build a reproducible OPA bundle of the policy (tests left out), optionally signed.

    The same policy always gives the same bytes; the manifest's revision is the
    policy version every decision records. Serve it from any static HTTP server
    to OPA servers (``opa run --server --bundle``, or a bundle service) and to
    replicas.

    \b
    Example:
        handrail policy bundle --output bundle.tar.gz --signing-key bundle-key.pem
    """
    from proxy.policy.bundle import BundleError, Signing, build_bundle, revision_of
    from proxy.policy.files import PolicyFilesError, read_policy
    from proxy.policy.validate import opa_binary

    try:
        snapshot = read_policy(_settings(config, policy_path).policy.path)
    except PolicyFilesError as error:
        raise click.ClickException(str(error)) from None
    signing = Signing(signing_key, signing_alg, key_id) if signing_key is not None else None
    try:
        content = build_bundle(snapshot, signing, opa_binary())
    except BundleError as error:
        raise click.ClickException(str(error)) from None
    output.write_bytes(content)
    signed = " signed" if signing else ""
    click.echo(f"wrote{signed} {output} (revision {revision_of(snapshot)})")

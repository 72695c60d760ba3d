"""``handrail audit``: query, count, export and verify the audit trail; sign checkpoints; purge old text.

Every command reads the database named by the configuration (``audit.database_url``, or ``HANDRAIL_DATABASE_URL``)
and records itself in the trail (who ran it, with which filters) before it reads anything.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from audit.queries import DECISIONS, DEFAULT_DIMENSIONS, STAT_DIMENSIONS, EventFilter, FilterError

if TYPE_CHECKING:
    from audit.access import AuditReader
    from audit.settings import AuditSettings
    from audit.store import AuditStore
    from audit.verify import Report

_Command = TypeVar("_Command", bound=Callable[..., Any])
_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")

config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="YAML configuration file (default: $HANDRAIL_CONFIG, else built-in defaults). Example: --config handrail.yaml",
)


def filter_options(command: _Command) -> _Command:
    """The filters shared by query, stats and export; every one given must hold.

    A filter marked "several" takes several values, repeated or comma-separated (``--finding UK_NINO,PERSON`` or
    ``--finding UK_NINO --finding PERSON``): any of them matches.
    """
    several = " Several: repeat or comma-separate; any matches."

    def many(name: str, text: str) -> Callable[[_Command], _Command]:
        return click.option(name, multiple=True, help=text + several)

    options: list[Callable[[_Command], _Command]] = [
        click.option(
            "--since",
            help="From this time (inclusive): a date, an ISO time or an age. Example: --since 2025-01-01, --since 30d",
        ),
        click.option("--until", help="Up to this time (exclusive), same forms as --since. Example: --until 2025-02-01"),
        many("--user", "The user of the key that sent the request. Example: --user alice@example.gov.uk."),
        many("--department", "The user's department. Example: --department HMRC,DWP."),
        many("--model", "The model asked for. Example: --model gpt-4o."),
        many(
            "--decision",
            f"The policy's decision ({', '.join(DECISIONS)}). 'none' means refused before any "
            "decision. Example: --decision block,redact.",
        ),
        many(
            "--outcome",
            "What finally happened (completed, blocked, rejected, failed, upstream_error, cancelled, "
            "blocked_answer, forwarded = never completed). Example: --outcome upstream_error.",
        ),
        many("--reason", "A reason code the policy gave (docs/reasons.md). Example: --reason pii_to_unapproved_model."),
        many("--finding", "A finding type in the prompt or the answer. Example: --finding UK_NINO,PERSON."),
        many("--signal", "A usage signal (agentic, self_coding, internet). Example: --signal agentic."),
        many("--experiment", "The policy experiment the request was part of. Example: --experiment pilot-a."),
        many("--request-id", "One request, by the id its caller was given. Example: --request-id req_3f2a..."),
        click.option(
            "--text",
            help="Words in the redacted prompt or answer (case-insensitive; recorded only as a hash "
            "in the access entry). Example: --text 'tax return'",
        ),
        many("--policy-version", "The policy version that decided. Example: --policy-version 3e1f09c2."),
        click.option(
            "--any-personal-data",
            "personal_data",
            is_flag=True,
            default=None,
            help="Requests whose prompt or answer held personal data: a finding of any type but "
            "SECURITY_MARKING and CREDENTIAL. Example: --any-personal-data --since 7d",
        ),
        click.option(
            "--kind",
            type=click.Choice(["request", "access", "all"]),
            default="request",
            show_default=True,
            help="Requests to models, accesses to the trail (who queried what), or both. Example: --kind access",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


FILTER_NAMES = (
    "since",
    "until",
    "user",
    "department",
    "model",
    "decision",
    "outcome",
    "reason",
    "finding",
    "signal",
    "experiment",
    "request_id",
    "text",
    "policy_version",
    "personal_data",
    "kind",
)


def _filters(options: dict[str, Any]) -> EventFilter:
    try:
        given = {name: options.pop(name, None) for name in FILTER_NAMES}
        if given["personal_data"]:
            given["personal_data"] = "true"
        return EventFilter.from_mapping({name: value for name, value in given.items() if value})
    except FilterError as error:
        raise click.UsageError(str(error)) from None


def _reader(config: str | None) -> AuditReader:
    from audit.access import Auditor, AuditReader

    return AuditReader(_store(config), Auditor.from_command_line())


# The command that mounts this group (``handrail``) puts a function here that reads the gateway's configuration
# and returns its audit settings, so this package needs nothing from the layer that composes it.
SETTINGS_LOADER = "load_audit_settings"


def _settings(config: str | None) -> AuditSettings:
    context = click.get_current_context()
    load = (context.find_root().obj or {}).get(SETTINGS_LOADER)
    if load is None:
        raise click.ClickException(
            "the audit commands need the gateway's configuration loader (run them as 'handrail audit')"
        )
    settings: AuditSettings = load(config)
    return settings


def _store(config: str | None) -> AuditStore:
    from sqlalchemy.engine import make_url

    from audit.store import AuditStore

    settings = _settings(config)
    try:
        return AuditStore(settings)
    except Exception as error:
        url = make_url(settings.database_url).render_as_string(hide_password=True)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise click.ClickException(f"cannot open the audit database at {url}: {first_line}") from None


def _handled(command: Callable[_Params, _Result]) -> Callable[_Params, _Result]:
    """Turn the store's and the filters' errors into one-line messages instead of tracebacks."""

    @functools.wraps(command)
    def run(*args: _Params.args, **kwargs: _Params.kwargs) -> _Result:
        from audit.store import AuditUnavailable

        try:
            return command(*args, **kwargs)
        except FilterError as error:
            raise click.UsageError(str(error)) from None
        except AuditUnavailable as error:
            raise click.ClickException(
                f"{error}; nothing was read (every reading of the trail is recorded first)"
            ) from None

    return run


@click.group()
def audit() -> None:
    """Query, count, export and verify the audit trail.

    \b
    Every command records itself in the trail (who ran it, with which
    filters) before it reads anything. See docs/audit.md.
    """


@audit.command()
@config_option
@filter_options
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Events per page. Example: --limit 100"
)
@click.option(
    "--cursor", help="Continue after the last page: the cursor the previous page printed. Example: --cursor ZGVzYzo0Mg"
)
@click.option(
    "--order",
    type=click.Choice(["desc", "asc"]),
    default="desc",
    show_default=True,
    help="Newest first (desc) or oldest first (asc). Example: --order asc",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="A table to read, the page as one JSON document, or one event per line. Example: --format json",
)
@_handled
def query(
    config: str | None, limit: int, cursor: str | None, order: str, output_format: str, **options: object
) -> None:
    """Find events: who sent what kind of data to which model, when, and what was decided.

    \b
    Examples:
        handrail audit query --user alice@example.gov.uk --since 30d
        handrail audit query --decision block --reason pii_to_unapproved_model --format json
        handrail audit query --finding UK_NINO,PERSON --department HMRC --since 2025-01-01 --until 2025-02-01
        handrail audit query --any-personal-data --since 7d
        handrail audit query --request-id req_0f3c9a... --format json
    """
    filters = _filters(options)
    page = _reader(config).search(filters, limit, cursor, order)
    if output_format == "json":
        click.echo(json.dumps(page.to_document(), indent=2, ensure_ascii=False))
        return
    if output_format == "jsonl":
        for event in page.events:
            click.echo(json.dumps(event, ensure_ascii=False, sort_keys=True))
    else:
        _print_table(page.events)
    if page.next_cursor:
        click.echo(f"more: --cursor {page.next_cursor}", err=True)


def _print_table(events: list[dict[str, Any]]) -> None:
    if not events:
        click.echo("no events match", err=True)
        return
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    if events[0].get("kind") == "access":
        header = ("time", "id", "who", "via", "action", "parameters")
        rows = [
            (
                e["received_at"][:19],
                e["request_id"],
                e.get("user") or "-",
                e.get("via") or "-",
                e.get("action") or "-",
                json.dumps(e.get("parameters") or {}, sort_keys=True)[:60],
            )
            for e in events
        ]
    else:
        header = (
            "time",
            "request id",
            "user",
            "department",
            "model",
            "decision",
            "reasons",
            "outcome",
            "findings",
            "signals",
        )
        rows = []
        for e in events:
            if e.get("kind") == "access":
                rows.append(
                    (
                        e["received_at"][:19],
                        e["request_id"],
                        e.get("user") or "-",
                        "-",
                        "-",
                        "-",
                        "-",
                        f"audit.{e.get('action')}",
                        "-",
                        "-",
                    )
                )
                continue
            findings = {**e.get("findings", {})}
            for kind, count in (e.get("answer_findings") or {}).items():
                findings[kind] = findings.get(kind, 0) + count
            signals = sorted({s.get("type", "?") for s in (e.get("signals") or []) + (e.get("answer_signals") or [])})
            rows.append(
                (
                    e["received_at"][:19],
                    e["request_id"],
                    e.get("user") or "-",
                    e.get("department") or "-",
                    e.get("model") or "-",
                    e.get("decision") or "-",
                    ",".join(r.get("code", "?") for r in e.get("reasons") or []) or "-",
                    e.get("outcome") or "-",
                    ",".join(f"{k}×{v}" for k, v in sorted(findings.items())) or "-",
                    ",".join(signals) or "-",
                )
            )
    widths = [min(max(len(str(row[i])) for row in [header, *rows]), 40) for i in range(len(header))]
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        click.echo("  ".join(_clip(str(value), w).ljust(w) for value, w in zip(row, widths, strict=True)).rstrip())


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


@audit.command()
@config_option
@click.argument("request_id")
@_handled
def show(config: str | None, request_id: str) -> None:
    """Print everything recorded about one request, as JSON.

    \b
    Example:
        handrail audit show req_0f3c9a2b7d8e4f1a2b3c4d5e
    """
    event = _reader(config).event(request_id)
    if event is None:
        raise click.ClickException(f"no event {request_id!r} was recorded")
    click.echo(json.dumps(event, indent=2, ensure_ascii=False, sort_keys=True))


@audit.command()
@config_option
@filter_options
@click.option(
    "--by",
    "dimensions",
    multiple=True,
    type=click.Choice(STAT_DIMENSIONS),
    help=f"Count by this; repeat for several (default: {', '.join(DEFAULT_DIMENSIONS)}). finding, user and "
    "signal count each request once under each of its values. Example: --by day --by finding",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Tables to read, or one JSON document. Example: --format json",
)
@_handled
def stats(config: str | None, dimensions: tuple[str, ...], output_format: str, **options: object) -> None:
    """Count requests by day, decision, department, model, reason, outcome, finding, user or signal.

    \b
    Examples:
        handrail audit stats --since 2025-01-01 --until 2025-02-01
        handrail audit stats --department HMRC --by model --by decision
        handrail audit stats --since 7d --by reason --format json
        handrail audit stats --since 7d --any-personal-data --by finding --by user --by model
    """
    filters = _filters(options)
    result = _reader(config).stats(filters, dimensions or DEFAULT_DIMENSIONS)
    if output_format == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(f"requests: {result['total']}")
    for name, counts in result["by"].items():
        click.echo(f"\nby {name}:")
        if not counts:
            click.echo("  (none)")
        width = max((len(str(item["value"])) for item in counts), default=0)
        for item in counts:
            value = item["value"] if item["value"] is not None else "-"
            click.echo(f"  {str(value).ljust(width)}  {item['count']:>10}")


@audit.command()
@config_option
@filter_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "jsonl"]),
    required=True,
    help="CSV (one row per event, for spreadsheets) or JSON Lines (every field). Example: --format csv",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="File to write (default: standard output). Example: --output january.csv",
)
@_handled
def export(config: str | None, output_format: str, output: str, **options: object) -> None:
    """Export matching events, oldest first, streaming (any size).

    \b
    Examples:
        handrail audit export --format csv --since 2025-01-01 --until 2025-02-01 --output january.csv
        handrail audit export --format jsonl --department HMRC --decision block > blocked.jsonl
    """
    filters = _filters(options)
    chunks = _reader(config).export(filters, output_format)
    stream = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")
    count = -1 if output_format == "csv" else 0  # one chunk per event, after the CSV header
    try:
        for chunk in chunks:
            stream.write(chunk)
            count += 1
    finally:
        if stream is not sys.stdout:
            stream.close()
        else:
            stream.flush()
    if output != "-":
        click.echo(f"wrote {max(count, 0)} events to {output}", err=True)


@audit.command()
@config_option
@click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An Ed25519 public key that signed checkpoints (repeat for rotated keys); the configured key is "
    "used too. Once any key is known, every checkpoint must be signed. Example: --public-key audit-signing.pub",
)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A checkpoint kept outside the database (from 'handrail audit checkpoint --output'); the ledger "
    "must still hold the entry it names, with that hash. Example: --checkpoint 2025-01-31.checkpoint.json",
)
@click.option(
    "--witness",
    "witness_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A witness log (audit.witness_file, or a copy of what the HTTP witness received, one checkpoint "
    "JSON per line): every checkpoint in it must match the chain. Example: --witness /var/lib/handrail/witness.jsonl",
)
@click.option(
    "--skip-index", is_flag=True, help="Check only the chain, not that the query index and counts match it (faster)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A summary to read, or the full report as JSON. Example: --format json",
)
def verify(
    config: str | None,
    public_keys: tuple[str, ...],
    checkpoint_file: str | None,
    witness_file: str | None,
    skip_index: bool,
    output_format: str,
) -> None:
    """Prove the trail was not altered, or report the first entry that was.

    \b
    Checks every shard's entries, each entry's hash and its link to the one
    before in its shard, the signed checkpoints and their Merkle roots over
    every shard's head (so a cut-off tail or a dropped shard is found), with
    one line per shard when there are several, and that the index queries
    read still says what the chain says. Reads only: the database is
    opened read-only and nothing is written (not even an access entry).
    Exit status: 0 intact; 1 tampering found; 2 a checkpoint could not be
    checked because its key was not given.

    \b
    Examples:
        handrail audit verify
        handrail audit verify --public-key audit-signing.pub --checkpoint last.checkpoint.json
        handrail audit verify --witness /var/lib/handrail/witness.jsonl
    """
    from sqlalchemy.engine import make_url

    from audit.database import read_only_engine
    from audit.signing import KeyRing, SigningKeyError
    from audit.verify import verify as verify_trail
    from audit.witness import WitnessError, read_witness_log

    settings = _settings(config)
    try:
        keys = KeyRing.for_settings(settings, public_keys)
    except SigningKeyError as error:
        raise click.ClickException(str(error)) from None
    external = None
    if checkpoint_file:
        try:
            external = json.loads(Path(checkpoint_file).read_text(encoding="utf-8"))
        except ValueError as error:
            raise click.ClickException(f"{checkpoint_file} is not a checkpoint file: {error}") from None
    witness = None
    if witness_file:
        try:
            witness_log = read_witness_log(witness_file)
        except WitnessError as error:
            raise click.ClickException(str(error)) from None
        witness = witness_log.entries
    try:
        engine = read_only_engine(settings.database_url)
        try:
            report = verify_trail(
                engine, keys, check_index=not skip_index, external_checkpoint=external, witness=witness
            )
        finally:
            engine.dispose()
    except Exception as error:
        url = make_url(settings.database_url).render_as_string(hide_password=True)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise click.ClickException(f"cannot read the audit database at {url}: {first_line}") from None
    if witness_file:
        report.warnings.extend(witness_log.warnings)
    if output_format == "json":
        click.echo(json.dumps(report.to_document(), indent=2))
    else:
        _print_report(report)
    if not report.intact:
        sys.exit(1 if report.tampered else 2)


def _print_report(report: Report) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.intact:
        click.echo(
            f"intact: {report.entries} entries, the last is entry {report.last_seq} ({report.last_hash}); "
            f"{report.checkpoints} checkpoints, signed through entry {report.signed_through}; "
            + (
                f"{report.witnessed_checkpoints} witnessed, through entry {report.witnessed_through}; "
                if report.witnessed_checkpoints
                else ""
            )
            + f"{report.purged_texts} texts purged by retention; {report.purged_entries} entries purged, "
            f"{report.erased_entries} erased ({report.erasures} erasures)"
        )
        _print_shards(report)
        return
    verdict = "TAMPERED" if report.tampered else "NOT VERIFIED"
    first = report.problems[0]
    click.echo(f"{verdict}: {first.message}")
    for problem in report.problems[1:]:
        click.echo(f"  also: {problem.message}")
    if report.problems_left_out:
        click.echo(f"  and {report.problems_left_out} more problems")
    _print_shards(report)


def _print_shards(report: Report) -> None:
    """One line per shard, when the trail has more than one (a single chain is the summary line already)."""
    if len(report.shards) < 2:
        return
    for shard in report.shards:
        troubled = sum(1 for problem in report.problems if problem.shard == shard.shard)
        click.echo(
            f"  shard {shard.shard}: {shard.entries} entries, the last is entry {shard.last_seq} "
            f"({shard.last_hash[:16]}…); signed through entry {shard.signed_through}"
            + (f"; witnessed through entry {shard.witnessed_through}" if report.witnessed_checkpoints else "")
            + (f"; {troubled} problem{'s' if troubled != 1 else ''}" if troubled else "")
        )


@audit.command()
@config_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the checkpoint as JSON to this file, to keep outside the database (for verify "
    "--checkpoint). Example: --output 2025-01-31.checkpoint.json",
)
@_handled
def checkpoint(config: str | None, output: str | None) -> None:
    """Sign a checkpoint of the chain now and print it.

    \b
    The gateway signs one every audit.checkpoint_every entries or
    audit.checkpoint_seconds; run this at shutdown or from cron, and keep
    the printed checkpoint somewhere the database's administrators cannot
    change: then even cutting off the tail and the later checkpoints is found.
    The checkpoint also goes to the configured witnesses (audit.witness_file,
    audit.witness_url). 'handrail audit verify' never writes one.

    \b
    Example:
        handrail audit checkpoint --output /secure/handrail-$(date +%F).checkpoint.json
    """
    reader = _reader(config)
    written = reader.checkpoint()
    if reader.store.witnesses is not None:  # the HTTP witness is sent in the background: wait before exiting
        reader.store.witnesses.flush(reader.store.settings.witness_timeout_seconds * 4)
    if written is None:
        raise click.ClickException("the trail is empty: there is nothing to sign")
    document = json.dumps(written.to_document(), indent=2)
    if output:
        Path(output).write_text(document + "\n", encoding="utf-8")
    click.echo(document)


@audit.command("purge-text")
@config_option
@click.option(
    "--older-than",
    "older_than",
    type=click.IntRange(min=1),
    default=None,
    help="Purge the prompt and answer text of entries older than this many days (default: "
    "audit.text_retention_days). Example: --older-than 90",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_handled
def purge_text(config: str | None, older_than: int | None, yes: bool) -> None:
    """Delete old prompt and answer text; everything else, and the chain's proof, stays.

    \b
    The purge is itself recorded in the chain (who, and the cutoff) before
    any text is removed; each entry keeps the SHA-256 of its text, so
    'handrail audit verify' still proves the trail intact.

    \b
    Example:
        handrail audit purge-text --older-than 90 --yes
    """
    days = older_than or _settings(config).text_retention_days
    if days is None:
        raise click.UsageError("give --older-than DAYS (or set audit.text_retention_days in the configuration)")
    if not yes:
        click.confirm(f"Delete prompt and answer text older than {days} days?", abort=True)
    purged = _reader(config).purge_text(days)
    click.echo(f"purged the text of {purged} entries older than {days} days")


@audit.group()
def retention() -> None:
    """Remove content older than its class's retention; the chain still verifies.

    \b
    Classes and their settings (days; unset keeps the class for ever):
    text (audit.text_retention_days), evidence (audit.evidence_retention_days),
    identity (audit.identity_retention_days). See docs/audit.md#retention.

    \b
    Example:
        handrail audit retention apply --yes
    """


@retention.command("apply")
@config_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Only count what would be removed now; writes nothing. Example: --dry-run",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A summary to read, or JSON. Example: --format json",
)
@_handled
def retention_apply(config: str | None, dry_run: bool, yes: bool, output_format: str) -> None:
    """Apply the configured retention: remove text, evidence and identities older than their class's age.

    \b
    A signed purge record with each class's cutoff is appended to the chain
    first; then the content is removed in batches while the gateway keeps
    recording. Run it daily from cron. Entries written before body version 3
    keep identity and evidence inside their hashed body (counted as kept).

    \b
    Examples:
        handrail audit retention apply --dry-run
        handrail audit retention apply --yes
    """
    from audit import retention as retention_rules

    days = retention_rules.retention_days(_settings(config))
    if all(value is None for value in days.values()):
        raise click.UsageError(
            "no retention is configured: set audit.text_retention_days, evidence_retention_days or "
            "identity_retention_days"
        )
    if dry_run:
        result = retention_rules.plan(_store(config), days)
    else:
        if not yes:
            wanted = ", ".join(f"{kind} older than {d} days" for kind, d in days.items() if d is not None)
            click.confirm(f"Remove {wanted}?", abort=True)
        result = _reader(config).apply_retention(days)
    if output_format == "json":
        click.echo(json.dumps({"dry_run": dry_run, **result.to_document()}, indent=2))
        return
    verb = "would remove" if dry_run else "removed"
    for kind, count in result.removed.items():
        click.echo(f"{verb} {count} {kind} item(s) recorded before {result.cutoffs[kind]}")
    if result.kept_in_body:
        click.echo(
            f"{result.kept_in_body} entries written before body version 3 keep identity and evidence in the chain"
        )
    if not dry_run:
        click.echo(
            f"{result.exception_requests} exception request(s) and {result.policy_reloads} policy reload(s) purged; "
            f"the purge is entry {result.record_seq}"
        )


@audit.command()
@config_option
@click.option(
    "--user",
    required=True,
    help="The person to erase, as recorded (the user of their keys). Example: --user alice@example.gov.uk",
)
@click.option(
    "--reason",
    help="Why (kept sealed in the erasure record, and removable with identities; a ticket reference is best). "
    "Example: --reason 'erasure request 2025-117'",
)
@click.option("--dry-run", is_flag=True, help="Only count what would be erased; writes nothing. Example: --dry-run")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A summary to read, or JSON (with the erased request ids). Example: --format json",
)
@_handled
def erase(config: str | None, user: str, reason: str | None, dry_run: bool, yes: bool, output_format: str) -> None:
    """Erase one person: their content and identity, in every event and every table derived from the trail.

    \b
    Their identity, evidence and text are removed from each request, its
    answer and each reading of the trail they made (and their name from the
    filters of others' readings); the index shows "[erased]". A signed
    erasure record (who ran it, when, how many events, digests of what was
    erased, never the person's id) is appended; 'handrail audit verify'
    still proves the trail intact. Repeating it finds nothing and writes nothing.

    \b
    Examples:
        handrail audit erase --user alice@example.gov.uk --dry-run
        handrail audit erase --user alice@example.gov.uk --reason 'erasure request 2025-117' --yes
    """
    from audit.erasure import ErasureRefused

    if not dry_run and not yes:
        click.confirm(f"Erase every record of {user}? This cannot be undone.", abort=True)
    try:
        result = _reader(config).erase(user, reason, dry_run)
    except ErasureRefused as error:
        raise click.ClickException(f"{error}; nothing was erased") from None
    document = result.to_document()
    if output_format == "json":
        click.echo(json.dumps(document, indent=2))
        return
    verb = "would erase" if dry_run else "erased"
    if not dry_run and result.record_seq is None:
        click.echo("nothing to erase: no record of this user remains (already erased, or never recorded)")
        return
    click.echo(
        f"{verb} {document['events']} events ({document['entries']} entries, {document['removals']} fields), "
        f"{document['exception_requests']} exception request(s), {document['policy_reloads']} policy reload(s), "
        f"{document['keys']} revoked key(s)"
    )
    if document["rewritten_bodies"]:
        click.echo(
            f"{document['rewritten_bodies']} entries written before body version 3 "
            f"{'would be' if dry_run else 'were'} rewritten in place (their hash kept; the erasure record vouches)"
        )
    if not dry_run:
        click.echo(f"the erasure is entry {result.record_seq}; request ids digest {document['request_ids_sha256']}")


@audit.command()
@click.option(
    "--private-key",
    "private_key",
    type=click.Path(dir_okay=False),
    required=True,
    help="Where to write the private key (PEM, mode 0600); point audit.checkpoint_key_file at it. "
    "Example: --private-key /etc/handrail/audit-signing.pem",
)
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(dir_okay=False),
    required=True,
    help="Where to write the public key, for auditors (verify --public-key). Example: --public-key audit-signing.pub",
)
def keygen(private_key: str, public_key: str) -> None:
    """Make an Ed25519 key pair for signing checkpoints.

    \b
    Example:
        handrail audit keygen --private-key /etc/handrail/audit-signing.pem --public-key audit-signing.pub
    """
    from audit.signing import generate_key_pair

    try:
        key_id = generate_key_pair(Path(private_key), Path(public_key))
    except FileExistsError:
        raise click.ClickException(f"{private_key} already exists; it was left untouched") from None
    click.echo(f"wrote {private_key} (keep it secret) and {public_key}; key id {key_id}")

"""``handrail audit``: commands for auditors (filled in by the audit work)."""

from __future__ import annotations

import click


@click.group()
def audit() -> None:
    """Query, export and verify the audit trail."""

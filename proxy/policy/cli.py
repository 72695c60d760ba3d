"""``handrail policy``: commands for the security team (filled in by the policy work)."""

from __future__ import annotations

import click


@click.group()
def policy() -> None:
    """Evaluate, test and explain Rego policies."""

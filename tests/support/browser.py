"""A real browser for the console's tests: Debian's chromium, driven by Playwright, checked by axe-core.

No browser is downloaded (``playwright install`` cannot work air-gapped): Playwright drives the system's chromium.
Where it is missing the tests skip, except in CI, where .ci/run installs it and its absence fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import IN_CI

CHROMIUM = "/usr/bin/chromium"
ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core's rules for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def require_chromium() -> str:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message + "; CI must install it (.ci/run)")
        pytest.skip(message)
    return CHROMIUM


def launch(playwright):
    return playwright.chromium.launch(executable_path=require_chromium(), args=ARGUMENTS)


class Accessibility:
    """Runs axe-core on a page and keeps what it found, per page, for the report at the end of the tests."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self._axe = Axe()
        self.results: dict[str, int] = {}

    def violations(self, page, name: str) -> list[dict]:
        options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
        response = self._axe.run(page, options=options).response
        # axe answered with its rules run (a page where it could not run would have none): the check is real.
        assert response["testEngine"]["name"] == "axe-core" and response["passes"] is not None
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [node["target"] for node in v["nodes"]],
            }
            for v in response["violations"]
        ]
        self.results[name] = len(violations)
        return violations


def screenshot(page, directory: Path, name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)

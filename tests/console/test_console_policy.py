"""The policy team's pages through the real gateway of the console tests (a shadow candidate configured that blocks
names the live policy pseudonymises): modules, data and versions with the reload log; experiments; shadow report.
Each asserts what the trail and the policy files really hold, and that the view itself was recorded."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from proxy.policy.files import read_policy
from tests.console.conftest import PROMPTS
from tests.console.test_console_exceptions import signed_in
from tests.support.gateway import REPOSITORY, Gateway

pytestmark = pytest.mark.integration


def audited(gateway: Gateway, auditor: str, **params: str) -> list[dict]:
    response = httpx.get(
        f"{gateway.url}/v1/audit/events",
        params={"limit": 200, **params},
        headers={"authorization": f"Bearer {auditor}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["events"]


def row(page: str, element_id: str) -> str:
    found = re.search(rf'<tr class="govuk-table__row" id="{re.escape(element_id)}">(.*?)</tr>', page, re.S)
    assert found, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_the_policy_page_shows_the_version_in_force_its_modules_and_its_history(console, keys, seeded):
    admin = signed_in(console, keys["policy"])
    # A reload asked for by the policy team through the admin API: nothing changed, and it is in the log, with who.
    reloaded = httpx.post(
        f"{console.url}/admin/policies/reload", headers={"authorization": f"Bearer {keys['policy']}"}, timeout=60
    )
    assert reloaded.status_code == 200, reloaded.text
    page = admin.get("/console/policy")
    assert page.status_code == 200, page.text
    # The version in force is the files' (the browser tests may have approved an exception into them since).
    live = read_policy(console.policies)
    decided = audited(console, keys["auditor"], request_id=seeded["blocked"])[0]["policy_version"]
    assert re.search(r'id="live-version">\s*' + live.version, page.text)
    # Every module is listed, its text escaped (a Rego comparison is markup-safe), and the data document too.
    for name in live.modules:
        assert name in page.text
    assert "now_ns &lt; starts_ns" in page.text and "now_ns < starts_ns" not in page.text
    assert "gds-security@digital.cabinet-office.gov.uk" in html.unescape(page.text)
    # The versions that decided requests, from the trail: the repository's policy decided the seeded requests.
    used = re.search(r'id="versions-used">(.*?)</table>', page.text, re.S).group(1)  # type: ignore[union-attr]
    assert decided == read_policy(REPOSITORY / "policies").version and decided in used
    # The reload log: the load at start, and the admin's reload (unchanged), newest first.
    reloads = re.search(r'id="reloads">(.*?)</table>', page.text, re.S).group(1)  # type: ignore[union-attr]
    assert reloads.index("pat@gds.gov.uk") < reloads.index("gateway start")
    assert "admin-api" in reloads and "Unchanged" in reloads
    # The shadow candidate's version is shown beside the live one.
    candidate = read_policy(console.directory / "candidate").version
    assert candidate in page.text and candidate != live.version
    assert [e["action"] for e in audited(console, keys["auditor"], kind="access", user="pat@gds.gov.uk")][0] == "policy"


def test_the_experiments_page_lists_owner_relaxations_time_box_and_use(console, keys, seeded):
    auditor = signed_in(console, keys["auditor"])  # auditors may read the policy pages
    page = auditor.get("/console/experiments")
    assert page.status_code == 200, page.text
    coding = row(page.text, "experiment-gds-coding-agents")
    assert "gds-security@digital.cabinet-office.gov.uk" in coding
    assert "Tool use and agents, Code the model runs itself" in coding
    assert "2026-09-01 00:00:00 UTC to 2027-02-28 23:59:59 UTC" in coding
    research = row(page.text, "experiment-hmrc-web-research")
    assert "Users: alice@example.gov.uk, bob@example.gov.uk" in research and "Web search and browsing" in research
    recorded = [
        e for e in audited(console, keys["auditor"], kind="access", user="carol@nao.gov.uk") if e["via"] == "console"
    ]
    assert recorded[0]["action"] == "experiments"


def test_a_user_cannot_read_the_policy_pages(console, keys):
    user = signed_in(console, keys["ann"])
    for path in ("/console/policy", "/console/experiments", "/console/shadow"):
        page = user.get(path)
        assert page.status_code == 403 and "Policy team and auditors only" in page.text, path


def test_the_shadow_report_counts_where_the_candidate_disagrees_with_examples(console, keys, seeded):
    admin = signed_in(console, keys["policy"])
    page = admin.get("/console/shadow")
    assert page.status_code == 200, page.text
    # The candidate blocks names: the note to Mary Jones, redacted live, would have been blocked.
    actions = re.search(r'id="shadow-actions">(.*?)</table>', page.text, re.S).group(1)  # type: ignore[union-attr]
    assert re.search(r"Redacted</th>\s*<td[^>]*>Blocked</td>\s*<td[^>]*>1</td>", actions), actions
    reasons = re.search(r'id="shadow-reasons">(.*?)</table>', page.text, re.S).group(1)  # type: ignore[union-attr]
    assert re.search(r"blocked_data</th>\s*<td[^>]*>the candidate</td>", reasons), reasons
    examples = re.search(r'id="shadow-examples">(.*?)</table>', page.text, re.S).group(1)  # type: ignore[union-attr]
    assert seeded["person"] in examples and seeded["allowed"] not in examples
    assert "Mary Jones" not in page.text and "Draft a short note to" in examples  # the redacted prompt
    assert PROMPTS["person"][1] not in page.text
    # A policy-admin is not an auditor: the id is shown, the event link is for auditors.
    assert f'href="/console/events/{seeded["person"]}"' not in examples
    auditor = signed_in(console, keys["auditor"])
    assert f'href="/console/events/{seeded["person"]}"' in auditor.get("/console/shadow").text
    # A period with nothing in it.
    empty = admin.get("/console/shadow", params={"since": "2020-01-01", "until": "2020-01-02"})
    assert re.search(r"<strong>0</strong> of 0 decided requests", empty.text)
    recorded = [e for e in audited(console, keys["auditor"], kind="access", user="pat@gds.gov.uk")]
    assert [e["parameters"] for e in recorded if e["action"] == "shadow-report"][0] == {
        "since": "2020-01-01T00:00:00.000000Z",
        "until": "2020-01-02T00:00:00.000000Z",
    }

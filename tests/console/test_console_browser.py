"""The console in a real browser (Debian's chromium, driven by Playwright) against a real gateway, with axe-core
checking every page and state for WCAG 2.2 AA: sign in, search with filters, open an event, export, verify the
chain; a keyboard-only search; the same without JavaScript; what a user who is not an auditor sees."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest

from tests.console.conftest import PROMPTS
from tests.support.browser import Accessibility, screenshot

pytestmark = pytest.mark.integration


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def accessible(page, axe: Accessibility, name: str, screenshots=None) -> None:
    """No axe-core violation at WCAG 2.2 AA on this page in this state (and a screenshot of it, if asked)."""
    assert axe.violations(page, name) == [], name
    if screenshots is not None:
        screenshot(page, screenshots, name)


def go(page, selector: str) -> None:
    """Click something that loads a new page, and wait until it has loaded (not read the old one)."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page, url: str, key: str) -> None:
    page.goto(f"{url}/console/sign-in")
    page.fill("#key", key)
    go(page, "button:has-text('Sign in')")


def shown_ids(page) -> list[str]:
    return page.locator("#results-table tbody tr td:nth-child(2) a").all_inner_texts()


def table(page, selector: str) -> dict[str, str]:
    """A two-column table (a chart's text alternative) as {row header: number}."""
    rows = page.locator(f"{selector} tbody tr")
    return {
        rows.nth(i).locator("th").inner_text().split(":")[0].strip(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def accesses(url: str, auditor_key: str, user: str) -> list[dict]:
    response = httpx.get(
        f"{url}/v1/audit/events",
        params={"kind": "access", "user": user, "limit": 200, "order": "asc"},
        headers={"authorization": f"Bearer {auditor_key}"},
    )
    assert response.status_code == 200, response.text
    return [event for event in response.json()["events"] if event["via"] == "console"]


def test_an_auditor_signs_in_searches_opens_exports_verifies_and_signs_out(
    page, console, keys, seeded, axe, screenshots
):
    page.goto(f"{console.url}/console")
    assert page.url.startswith(f"{console.url}/console/sign-in")
    accessible(page, axe, "sign-in", screenshots)

    page.fill("#key", "hr_0123456789abcdef_not-a-real-secret")
    go(page, "button:has-text('Sign in')")
    assert page.locator(".govuk-error-summary").inner_text().splitlines()[-1] == "The API key is not valid"
    assert page.title() == "Error: Sign in – Handrail console"
    accessible(page, axe, "sign-in-error", screenshots)

    page.fill("#key", keys["auditor"])
    go(page, "button:has-text('Sign in')")
    assert page.url == f"{console.url}/console/dashboard"
    assert page.locator("#total").inner_text() == "4 requests in this period."
    assert table(page, "#table-decisions") == {"Redacted": "2", "Allowed": "1", "Blocked": "1"}
    assert table(page, "#table-refusals") == {"blocked_data": "1"}
    assert table(page, "#table-findings") == {"PERSON": "2", "EMAIL_ADDRESS": "1", "UK_NINO": "1"}
    assert table(page, "#table-departments") == {"DWP": "2", "HMRC": "2"}
    assert table(page, "#table-models") == {"demo": "4"}
    assert page.locator("svg.app-chart[role=img]").count() == 6  # the day chart and five bar charts, each with a table
    accessible(page, axe, "dashboard", screenshots)

    go(page, "nav a:has-text('Events')")
    assert set(shown_ids(page)) == set(seeded.values())
    page.get_by_label("UK_NINO", exact=True).check()
    page.get_by_label("EMAIL_ADDRESS", exact=True).check()
    page.get_by_label("Any personal data").check()
    page.fill("#user", "ann@dwp.gov.uk, bob@hmrc.gov.uk")
    go(page, "button:has-text('Search')")
    assert shown_ids(page) == [seeded["email"], seeded["blocked"]]  # newest first
    assert page.get_by_label("UK_NINO", exact=True).is_checked() and page.get_by_label("Any personal data").is_checked()
    accessible(page, axe, "events", screenshots)

    with page.expect_download() as download:
        page.click("a:has-text('CSV')")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [row["request_id"] for row in rows] == [seeded["blocked"], seeded["email"]]  # the same events, oldest first
    with page.expect_download() as download:
        page.click("a:has-text('JSON Lines')")
    lines = download.value.path().read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["request_id"] for line in lines] == [seeded["blocked"], seeded["email"]]

    go(page, f"a:has-text('{seeded['blocked']}')")
    assert page.locator("h1").inner_text() == seeded["blocked"]
    text = page.locator("main").inner_text()
    assert "blocked_data" in text and "AB123456C" not in text and "John Smith" not in text
    assert table(page, "#prompt-findings") == {"PERSON": "1", "UK_NINO": "1"}
    assert re.fullmatch(r"\d+", page.locator("#chain-position .govuk-summary-list__value").first.inner_text())
    accessible(page, axe, "event", screenshots)

    go(page, "nav a:has-text('Audit chain')")
    assert page.locator("#last-checkpoint").count() == 1
    go(page, "button:has-text('Verify the chain now')")
    assert page.locator("#verify-result h2").inner_text() == "The chain is intact"
    accessible(page, axe, "chain", screenshots)

    go(page, "button:has-text('Sign out')")
    assert page.url == f"{console.url}/console/sign-in?notice=signed_out"
    assert page.locator(".govuk-notification-banner__heading").inner_text() == "You have signed out."
    accessible(page, axe, "signed-out")
    page.goto(f"{console.url}/console/dashboard")
    assert page.url.startswith(f"{console.url}/console/sign-in")

    # Every view, export and sign-in/out was recorded, in order, with who and through what; never the key.
    recorded = accesses(console.url, keys["auditor"], "carol@nao.gov.uk")
    assert [a["action"] for a in recorded] == [
        "sign-in",
        "dashboard",
        "query",
        "query",
        "export",
        "export",
        "show",
        "chain",
        "verify",
        "sign-out",
    ]
    assert recorded[3]["parameters"] == {
        "user": ["ann@dwp.gov.uk", "bob@hmrc.gov.uk"],
        "finding": ["EMAIL_ADDRESS", "UK_NINO"],
        "personal_data": True,
        "limit": 25,
        "cursor": None,
        "order": "desc",
    }
    assert recorded[6]["parameters"] == {"request_id": seeded["blocked"]}
    assert keys["auditor"] not in json.dumps(recorded) and keys["auditor"] not in console.log()


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (and can be seen to have it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            style = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, s.boxShadow, s.backgroundColor]; }"
            )
            assert style[0] != "none" or style[1] != "none" or style[2] == "rgb(255, 221, 0)", (selector, style)
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_search(page, console, keys, seeded, axe):
    page.goto(f"{console.url}/console/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    tab_to(page, "#key")
    page.keyboard.type(keys["auditor"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{console.url}/console/dashboard")
    tab_to(page, "nav a[href='/console/events']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{console.url}/console/events")
    tab_to(page, "#since")
    page.keyboard.type("1d")
    tab_to(page, "input[name=finding][value=PERSON]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=finding][value=UK_NINO]")
    page.keyboard.press("Space")
    tab_to(page, "#search-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*finding=PERSON&finding=UK_NINO.*"))
    assert shown_ids(page) == [seeded["person"], seeded["blocked"]]
    accessible(page, axe, "events-by-keyboard")
    tab_to(page, f"#results-table a[href='/console/events/{seeded['person']}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{console.url}/console/events/{seeded['person']}")
    assert table(page, "#prompt-findings") == {"PERSON": "1"}


def test_a_wrong_filter_is_explained_and_the_page_stays_accessible(page, console, keys, seeded, axe, screenshots):
    sign_in(page, console.url, keys["auditor"])
    page.goto(f"{console.url}/console/events?since=last+tuesday&finding=PERSON")
    summary = page.locator(".govuk-error-summary")
    assert summary.locator("a").inner_text().startswith("Enter 'from' as a date like 2025-01-31")
    assert summary.locator("a").get_attribute("href") == "#since" and "last tuesday" not in summary.inner_text()
    assert page.locator("#since").input_value() == "last tuesday" and page.locator("#results-table").count() == 0
    accessible(page, axe, "events-error", screenshots)
    page.goto(f"{console.url}/console/events/req_000000000000000000000000")
    assert page.locator("h1").inner_text() == "Event not found"
    accessible(page, axe, "event-not-found")


def test_every_journey_works_without_javascript(browser, console, keys, seeded):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, console.url, keys["auditor"])
        assert page.url == f"{console.url}/console/dashboard"
        go(page, "nav a:has-text('Events')")
        page.check("input[name=decision][value=block]")
        go(page, "button:has-text('Search')")
        assert shown_ids(page) == [seeded["blocked"]]
        with page.expect_download() as download:
            page.click("a:has-text('CSV')")
        assert [r["request_id"] for r in csv.DictReader(io.StringIO(download.value.path().read_text()))] == [
            seeded["blocked"]
        ]
        go(page, f"a:has-text('{seeded['blocked']}')")
        assert table(page, "#prompt-findings") == {"PERSON": "1", "UK_NINO": "1"}
        page.goto(f"{console.url}/console/chain")
        go(page, "button:has-text('Verify the chain now')")
        assert page.locator("#verify-result h2").inner_text() == "The chain is intact"
        go(page, "button:has-text('Sign out')")
        assert page.url == f"{console.url}/console/sign-in?notice=signed_out"
    finally:
        context.close()


def test_a_user_sees_only_their_own_requests(page, console, keys, seeded, axe, screenshots):
    sign_in(page, console.url, keys["ann"])
    assert page.url == f"{console.url}/console/events"
    assert page.locator("h1").inner_text() == "My requests"
    ann = {seeded[name] for name, (user, _) in PROMPTS.items() if user == "ann"}
    assert set(shown_ids(page)) == ann and page.locator("#user").count() == 0
    accessible(page, axe, "my-requests", screenshots)
    page.goto(f"{console.url}/console/events?user=bob@hmrc.gov.uk")  # asking for someone else's changes nothing
    assert set(shown_ids(page)) == ann
    page.goto(f"{console.url}/console/events/{seeded['person']}")  # bob's
    assert page.locator("h1").inner_text() == "Event not found"
    page.goto(f"{console.url}/console/dashboard")
    assert page.locator("h1").inner_text() == "Auditors only"
    accessible(page, axe, "auditors-only")
    page.goto(f"{console.url}/console/chain")
    assert page.locator("h1").inner_text() == "Auditors only"
    with page.expect_download() as download:
        page.goto(f"{console.url}/console/events")
        page.click("a:has-text('CSV')")
    exported = {r["request_id"] for r in csv.DictReader(io.StringIO(download.value.path().read_text()))}
    assert exported == ann


def test_the_policy_team_tries_a_request_in_the_playground(page, console, keys, axe, screenshots):
    sign_in(page, console.url, keys["policy"])
    assert page.url == f"{console.url}/console/playground"
    page.select_option("#department", "HMRC")
    page.fill(
        "#request", json.dumps({"model": "demo", "messages": [{"role": "user", "content": PROMPTS["blocked"][1]}]})
    )
    go(page, "button:has-text('Try it')")
    assert page.locator("#playground-decision .govuk-tag").inner_text() == "Blocked"
    assert "blocked_data" in page.locator("#playground-decision").inner_text()
    assert table(page, "#playground-findings") == {"PERSON": "1", "UK_NINO": "1"}
    assert json.loads(page.locator("#policy-input").text_content())["principal"]["department"] == "HMRC"
    accessible(page, axe, "playground", screenshots)

    page.fill("#request", '{"model": "demo", "messages": [')
    go(page, "button:has-text('Try it')")
    assert page.locator(".govuk-error-summary a").inner_text().startswith("The request is not JSON")
    assert page.locator("#playground-decision").count() == 0
    accessible(page, axe, "playground-error")

    recorded = accesses(console.url, keys["auditor"], "pat@gds.gov.uk")
    assert [a["action"] for a in recorded] == ["sign-in", "playground", "playground"]  # every try, even a malformed one
    parameters = recorded[1]["parameters"]
    assert (
        parameters["department"] == "HMRC"
        and parameters["request_length"] > 50
        and len(parameters["request_sha256"]) == 64
    )
    assert "AB123456C" not in json.dumps(recorded)

    go(page, "button:has-text('Sign out')")
    sign_in(page, console.url, keys["auditor"])
    page.goto(f"{console.url}/console/playground")
    assert page.locator("h1").inner_text() == "Policy team only"


def test_a_user_asks_for_an_exception_by_keyboard_alone(page, console, keys, seeded, axe, screenshots):
    """The form from the refusal's link, its error state and the sent request: Tab, typing and Enter only."""
    sign_in(page, console.url, keys["ann"])
    page.goto(f"{console.url}/console/exceptions/new?request={seeded['blocked']}")  # the link in the refusal
    assert page.locator("h1").inner_text() == "Ask for an exception"
    assert "blocked_data" in page.locator("main").inner_text() and page.locator("#model").input_value() == "demo"
    accessible(page, axe, "exception-new", screenshots)

    tab_to(page, "form[action='/console/exceptions'] button[type=submit]")  # sent without saying why
    page.keyboard.press("Enter")
    page.wait_for_url(f"{console.url}/console/exceptions")
    summary = page.locator(".govuk-error-summary")
    assert summary.locator("a").inner_text() == "Explain why you need the exception"
    assert summary.locator("a").get_attribute("href") == "#justification"
    assert page.title().startswith("Error: ")
    accessible(page, axe, "exception-new-error", screenshots)

    tab_to(page, "#justification")
    page.keyboard.type("Checking a claim letter needs the NI number AB123456C, for a week.")
    tab_to(page, "#days")
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    tab_to(page, "form[action='/console/exceptions'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/console/exceptions\?sent=exc_[0-9a-f]{16}$"))
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "went to the policy team" in banner
    mine = page.locator("main table").inner_text()
    assert "Waiting for the policy team" in mine and "AB123456C" not in page.content()
    accessible(page, axe, "exceptions-mine", screenshots)


def test_the_policy_team_approves_an_exception_from_its_queue(page, console, keys, seeded, axe, screenshots):
    from tests.console.test_console_exceptions import csrf, signed_in

    # A pending request of ann's, sent as the form sends it (the keyboard test above sends one too).
    ann = signed_in(console, keys["ann"])
    form = ann.get(f"/console/exceptions/new?request={seeded['blocked']}")
    sent = ann.post(
        "/console/exceptions",
        data={
            "csrf_token": csrf(form.text),
            "request": seeded["blocked"],
            "model": "demo",
            "relax_agentic": "yes",  # an experiment that lifts nothing fails the policy's own tests, by design
            "days": "1",
            "justification": "A one-day check of the claims backlog.",
        },
    )
    exception_id = re.search(r"(exc_[0-9a-f]{16})", sent.text).group(1)  # type: ignore[union-attr]

    sign_in(page, console.url, keys["policy"])
    go(page, "nav a:has-text('Exceptions')")
    card = page.locator(f"#{exception_id}")
    assert "ann@dwp.gov.uk" in card.inner_text() and "A one-day check of the claims backlog." in card.inner_text()
    accessible(page, axe, "exceptions-queue", screenshots)
    go(page, f"button:has-text('Approve {exception_id}')")
    assert page.url == f"{console.url}/console/exceptions?notice=approved", page.locator("main").inner_text()
    assert page.locator(".govuk-notification-banner").inner_text().endswith("The exception request was approved.")
    assert page.locator(f"#{exception_id}").count() == 0  # no longer waiting
    accessible(page, axe, "exception-approved", screenshots)


def test_the_policy_pages_are_accessible(page, console, keys, seeded, axe, screenshots):
    sign_in(page, console.url, keys["policy"])
    go(page, "nav a:has-text('Policy')")
    assert page.locator("h1").inner_text() == "Policy"
    assert page.locator("#reloads tbody tr").count() >= 1 and page.locator("#versions-used tbody tr").count() >= 1
    page.locator("#module-1 summary").click()  # an open module: its text is in a focusable, labelled region
    accessible(page, axe, "policy", screenshots)
    go(page, "nav[aria-label='Policy pages'] a:has-text('Experiments')")
    assert page.locator("#experiments tbody tr").count() >= 3
    accessible(page, axe, "experiments", screenshots)
    go(page, "nav[aria-label='Policy pages'] a:has-text('Shadow report')")
    assert page.locator("#shadow-examples tbody tr").count() >= 1
    accessible(page, axe, "shadow", screenshots)
    page.fill("#since", "last tuesday")
    go(page, "button:has-text('Show')")
    assert page.locator(".govuk-error-summary a").get_attribute("href") == "#since"
    accessible(page, axe, "shadow-error")

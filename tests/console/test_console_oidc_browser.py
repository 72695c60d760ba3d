"""OIDC sign-in in a real browser (Debian's chromium, driven by Playwright) against the real gateway and the stand-in
issuer, which the browser reaches as ``localhost`` (another site than the gateway's ``127.0.0.1``, as in a
deployment): the SameSite rules of both cookies are met, the sign-in page with the issuer's button and the refusal
page pass axe-core's WCAG 2.2 AA rules, and it works from the keyboard and without JavaScript."""

from __future__ import annotations

import pytest

from tests.support.browser import Accessibility, screenshot

pytestmark = pytest.mark.integration


def new_page(browser, javascript: bool = True):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    return context.new_page()


def accessible(page, axe: Accessibility, name: str, screenshots=None) -> None:
    assert axe.violations(page, name) == [], name
    if screenshots is not None:
        screenshot(page, screenshots, name)


def test_an_auditor_signs_in_with_the_issuer_using_the_keyboard(browser, axe, oidc, screenshots):
    server, issuer = oidc
    issuer.behave("carol", ask=True)  # a button on the issuer's own page, as a real one has
    page = new_page(browser)
    page.goto(f"{server.url}/console/chain")
    assert page.url.startswith(f"{server.url}/console/sign-in?next=")
    assert page.locator("#oidc-sign-in").inner_text().strip() == "Sign in with Stand-in ID"
    assert page.locator("#key").is_visible()  # the key form is still there, beside it
    accessible(page, axe, "sign-in-oidc", screenshots)

    for _ in range(20):  # Tab from the top of the page to the issuer's button, then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "oidc-sign-in":
            break
    else:
        pytest.fail("the 'Sign in with' button cannot be reached with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(issuer.issuer + "/authorize?")
    # Back from the issuer's page (another site): the pending sign-in's Lax cookie comes back with it, and the
    # signed-in page moves on by itself so that the Strict session cookie is sent.
    page.click("#approve")
    page.wait_for_url(f"{server.url}/console/chain", timeout=20_000)
    assert page.locator("h1").inner_text() == "Audit chain"
    menu = page.locator("nav[aria-label='Menu']").inner_text()
    assert "Dashboard" in menu and "Audit chain" in menu  # the auditor's pages
    page.context.close()


def test_a_user_signs_in_without_javascript_and_sees_their_requests(browser, oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("ann")
    page = new_page(browser, javascript=False)
    page.goto(f"{server.url}/console/sign-in")
    page.click("#oidc-sign-in")
    page.wait_for_url(f"{server.url}/console/events", timeout=20_000)
    text = page.locator("main").inner_text()
    assert oidc_seeded["ann"] in text and oidc_seeded["bob"] not in text
    page.context.close()


def test_the_refusal_for_a_person_without_a_role_is_accessible(browser, axe, oidc, screenshots):
    server, issuer = oidc
    issuer.behave("dan")
    page = new_page(browser)
    page.goto(f"{server.url}/console/sign-in")
    page.click("#oidc-sign-in")
    page.wait_for_url(f"{server.url}/console/oidc/callback?*", timeout=20_000)
    assert page.locator("h1").inner_text() == "You cannot use the console"
    accessible(page, axe, "oidc-refused", screenshots)
    page.context.close()

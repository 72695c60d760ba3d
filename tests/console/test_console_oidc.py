"""OIDC sign-in to the console through the real gateway and a stand-in issuer (tests/support/issuer.py), with httpx
following the redirects: who gets in and sees what, each check that must refuse a sign-in (and records it), and no
code, token or client secret in the log or the trail."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from audit.settings import AuditSettings
from audit.store import AuditStore
from core.errors import SignInRefused
from proxy.console.oidc import OidcClient, issuer_error_code
from proxy.console.sessions import COOKIE, PENDING_COOKIE, Identity, Session, encode
from proxy.console.settings import ConsoleSettings, OidcSettings
from tests.console.conftest import OIDC_SECRET
from tests.console.test_console_app import app_for
from tests.support.gateway import REPOSITORY
from tests.support.issuer import StandInIssuer, new_key, sign_token

pytestmark = pytest.mark.integration

REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def browser(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, follow_redirects=False, headers={"connection": "close"}, timeout=30)


def callback_address(client: httpx.Client, target: str = "/console") -> str:
    """Start a sign-in and go to the issuer: where the issuer sends the browser back (the code and the state)."""
    started = client.get("/console/oidc/start", params={"next": target})
    assert started.status_code == 303, started.text
    at_issuer = httpx.get(started.headers["location"], follow_redirects=False)
    assert at_issuer.status_code == 302, at_issuer.text
    return at_issuer.headers["location"]


def sign_in(server_url: str, target: str = "/console") -> tuple[httpx.Client, httpx.Response]:
    """The whole flow, redirects followed, then the signed-in page's own step on: the client and the last page."""
    client = httpx.Client(base_url=server_url, follow_redirects=True, headers={"connection": "close"}, timeout=30)
    landed = client.get("/console/oidc/start", params={"next": target})
    assert landed.status_code == 200 and "You are signed in" in landed.text, landed.text
    onward = REFRESH.search(landed.text)
    assert onward is not None
    return client, client.get(onward.group(1))


def accesses(server_url: str, auditor_key: str, action: str) -> list[dict]:
    response = httpx.get(
        f"{server_url}/v1/audit/events",
        params={"kind": "access", "limit": 500, "order": "asc"},
        headers={"authorization": f"Bearer {auditor_key}"},
    )
    assert response.status_code == 200, response.text
    return [event for event in response.json()["events"] if event.get("action") == action]


def refused_for(client: httpx.Client, answer: httpx.Response, server_url: str, key: str, reason: str) -> dict:
    """The sign-in was refused with a page, nobody is signed in, and the trail says why: that entry."""
    assert answer.status_code == 403, answer.text
    assert "Sign-in failed" in answer.text or "You cannot use the console" in answer.text
    assert client.get("/console/events").status_code == 303  # still sent to the sign-in page
    entries = [e for e in accesses(server_url, key, "sign-in-refused") if e["parameters"]["reason"] == reason]
    assert entries, f"no sign-in-refused entry with reason {reason}"
    assert entries[-1]["via"] == "console" and entries[-1]["parameters"]["method"] == "oidc"
    return entries[-1]


def test_an_auditor_signs_in_sees_auditor_pages_and_it_is_recorded(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("carol")
    client, chain = sign_in(server.url, "/console/chain")
    assert chain.status_code == 200 and "<h1" in chain.text and "Audit chain" in chain.text
    assert str(chain.url).endswith("/console/chain")  # back where the sign-in started
    dashboard = client.get("/console/dashboard")
    assert dashboard.status_code == 200 and "carol@nao.gov.uk" in dashboard.text
    events = client.get("/console/events")
    assert oidc_seeded["ann"] in events.text and oidc_seeded["bob"] in events.text  # an auditor sees everyone's

    entry = [e for e in accesses(server.url, oidc_seeded["auditor"], "sign-in") if e["user"] == "carol@nao.gov.uk"][-1]
    assert entry["parameters"] == {"method": "oidc", "issuer": issuer.issuer, "subject": "sub-carol"}
    assert entry["roles"] == ["auditor"] and entry["department"] == "NAO" and entry["key_id"] is None

    signed_out = client.post("/console/sign-out", data={"csrf_token": csrf_of(dashboard.text)}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert client.get("/console/dashboard", follow_redirects=False).status_code == 303


def test_a_user_sees_only_their_own_requests(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("ann")
    client, home = sign_in(server.url)
    assert str(home.url).endswith("/console/events") and "My requests" in home.text
    assert oidc_seeded["ann"] in home.text and oidc_seeded["bob"] not in home.text
    assert client.get(f"/console/events/{oidc_seeded['bob']}").status_code == 404
    assert client.get(f"/console/events/{oidc_seeded['ann']}").status_code == 200
    assert client.get("/console/dashboard").status_code == 403
    entry = [e for e in accesses(server.url, oidc_seeded["auditor"], "sign-in") if e["user"] == "ann@dwp.gov.uk"][-1]
    assert entry["roles"] == ["user"] and entry["department"] == "DWP"  # from the token's dept claim


def test_the_pending_sign_in_cookie_is_lax_http_only_and_scoped_to_the_callback(oidc):
    server, issuer = oidc
    issuer.behave("carol")
    started = browser(server.url).get("/console/oidc/start")
    cookie = next(c for c in started.headers.get_list("set-cookie") if c.startswith(PENDING_COOKIE + "="))
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/console/oidc", "max-age=600"} <= attributes
    query = parse_qs(urlsplit(started.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [f"{server.url}/console/oidc/callback"] and query["scope"] == [
        "openid email profile"
    ]


def test_a_wrong_state_is_refused_and_recorded(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("carol")
    client = browser(server.url)
    back = urlsplit(callback_address(client))
    query = {**{k: v[0] for k, v in parse_qs(back.query).items()}, "state": "not-the-state-this-browser-sent"}
    answer = client.get(f"/console/oidc/callback?{urlencode(query)}")
    refused_for(client, answer, server.url, oidc_seeded["auditor"], "state_mismatch")
    assert "does not match the sign-in started in this browser" in answer.text


def test_a_callback_without_a_sign_in_started_in_this_browser_is_refused(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("carol")
    address = callback_address(browser(server.url))  # started in another browser
    other = browser(server.url)
    answer = other.get(address.removeprefix(server.url))
    refused_for(other, answer, server.url, oidc_seeded["auditor"], "no_sign_in_started")


def test_a_replayed_code_is_refused_by_the_issuer_and_recorded(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("carol")
    client = browser(server.url)
    address = callback_address(client).removeprefix(server.url)
    pending = client.cookies[PENDING_COOKIE]
    assert client.get(address).status_code == 200  # signed in
    # Someone with a copy of the callback and of the pending cookie tries the same code again.
    replay = browser(server.url)
    replay.cookies.set(PENDING_COOKIE, pending, domain="127.0.0.1", path="/console/oidc")
    answer = replay.get(address)
    entry = refused_for(replay, answer, server.url, oidc_seeded["auditor"], "code_refused")
    assert issuer.state.refusals[-1] == "code used already" and entry["parameters"]["issuer_error"] == "invalid_grant"


def test_a_code_sent_back_with_another_browsers_verifier_fails_pkce(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("carol")
    victim, attacker = browser(server.url), browser(server.url)
    stolen_code = parse_qs(urlsplit(callback_address(victim)).query)["code"][0]
    own = parse_qs(urlsplit(callback_address(attacker)).query)
    # The attacker's own state (so the state check passes) with the victim's code: only PKCE can catch it.
    answer = attacker.get("/console/oidc/callback", params={"code": stolen_code, "state": own["state"][0]})
    refused_for(attacker, answer, server.url, oidc_seeded["auditor"], "code_refused")
    assert issuer.state.refusals[-1] == "PKCE verifier does not match the challenge"


NOW = int(time.time())


@pytest.mark.parametrize(
    ("reason", "tamper", "other_key", "forge"),
    [
        ("id_token_signature", {}, True, None),
        ("id_token_algorithm", {}, False, "none"),
        ("id_token_algorithm", {}, False, "HS256"),
        ("id_token_audience", {"aud": "another-client"}, False, None),
        ("id_token_expired", {"iat": NOW - 7200, "exp": NOW - 3600}, False, None),
        ("id_token_not_yet_valid", {"iat": NOW + 3600, "exp": NOW + 7200}, False, None),
        ("id_token_nonce", {"nonce": "a-nonce-from-another-sign-in"}, False, None),
        ("id_token_nonce", {"nonce": None}, False, None),
        ("id_token_nonce", {"nonce": "n\u00e9ither-ascii"}, False, None),
        ("id_token_issuer", {"iss": "https://issuer.example"}, False, None),
        ("id_token_invalid", {"sub": None}, False, None),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused_and_recorded(oidc, oidc_seeded, reason, tamper, other_key, forge):
    server, issuer = oidc
    issuer.behave("carol", tamper=tamper, sign_with=new_key() if other_key else None, forge=forge)
    client = browser(server.url)
    answer = client.get(callback_address(client).removeprefix(server.url))
    issuer.behave("carol")
    refused_for(client, answer, server.url, oidc_seeded["auditor"], reason)


def test_a_person_with_no_mapped_role_is_refused_with_a_clear_page(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("dan")
    client = browser(server.url)
    answer = client.get(callback_address(client).removeprefix(server.url))
    entry = refused_for(client, answer, server.url, oidc_seeded["auditor"], "no_console_role")
    assert "You cannot use the console" in answer.text and "none of the roles the console accepts" in answer.text
    assert entry["user"] == "dan@dwp.gov.uk" and entry["parameters"]["subject"] == "sub-dan"


def test_an_issuer_that_refuses_is_recorded(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave(None)  # the issuer answers access_denied
    client = browser(server.url)
    answer = client.get(callback_address(client).removeprefix(server.url))
    entry = refused_for(client, answer, server.url, oidc_seeded["auditor"], "issuer_refused")
    assert entry["parameters"]["issuer_error"] == "access_denied"


def test_an_issuer_in_trouble_signs_nobody_in_and_is_recorded(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("carol", broken=True)
    client = browser(server.url)
    answer = client.get(callback_address(client).removeprefix(server.url))
    issuer.behave("carol")
    assert answer.status_code == 502 and "The sign-in service is unavailable" in answer.text
    assert client.get("/console/events").status_code == 303
    reasons = [e["parameters"]["reason"] for e in accesses(server.url, oidc_seeded["auditor"], "sign-in-refused")]
    assert reasons[-1] == "issuer_unavailable"


def test_an_oidc_session_ends_when_oidc_is_switched_off(tmp_path):
    """The session names no key to read again; without console.oidc the gateway no longer vouches for it."""
    store = AuditStore(AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"))
    cookie = encode(Session.new(time.time(), identity=Identity("carol@nao.gov.uk", "NAO", ("auditor",))), "x" * 32)
    try:
        for oidc_settings, status in ((OidcSettings.model_validate(BASE), 200), (None, 303)):
            console = ConsoleSettings(session_secret="x" * 32, oidc=oidc_settings)
            with TestClient(app_for(store, console), follow_redirects=False) as client:
                client.cookies.set(COOKIE, cookie, path="/console")
                answer = client.get("/console/chain")
            assert answer.status_code == status, answer.text
        assert answer.headers["location"].endswith("notice=ended")
    finally:
        store.engine.dispose()


def test_no_code_token_or_client_secret_in_the_log_pages_or_trail(oidc, oidc_seeded):
    server, issuer = oidc
    issuer.behave("carol")
    _, page = sign_in(server.url, "/console/events?kind=access&limit=200")
    trail = httpx.get(
        f"{server.url}/v1/audit/export",
        params={"format": "jsonl", "kind": "all"},
        headers={"authorization": f"Bearer {oidc_seeded['auditor']}"},
    ).text
    assert '"method": "oidc"' in trail and issuer.state.issued
    log = server.log()
    for secret in [OIDC_SECRET, *issuer.state.issued]:
        assert secret not in log and secret not in trail and secret not in page.text


def test_the_sign_in_page_offers_the_issuer_beside_the_key_form(oidc):
    server, _ = oidc
    page = browser(server.url).get("/console/sign-in", params={"next": "/console/chain"})
    assert 'href="/console/oidc/start?next=/console/chain"' in page.text and "Sign in with Stand-in ID" in page.text
    assert 'name="key"' in page.text


# Settings and claims, without a gateway.

BASE = {
    "issuer": "https://login.example.gov.uk",
    "client_id": "console",
    "client_secret": "s" * 20,
    "redirect_url": "https://handrail.example.gov.uk/console/oidc/callback",
    "role_map": {"auditors": "auditor"},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"issuer": "http://login.example.gov.uk"}, "must be https"),
        ({"redirect_url": "https://handrail.example.gov.uk/elsewhere"}, "/console/oidc/callback"),
        ({"scopes": ["email"]}, "must include 'openid'"),
        ({"role_map": {"auditors": "superuser"}}, "role_map"),
        ({"role_map": {}}, "role_map"),
    ],
)
def test_settings_that_cannot_work_are_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        OidcSettings.model_validate({**BASE, **change})


def test_roles_come_from_a_list_a_string_or_a_dotted_claim_and_unmapped_values_give_none():
    settings = OidcSettings.model_validate(
        {**BASE, "roles_claim": "realm_access.roles", "role_map": {"a": "auditor", "u": "user"}}
    )
    client = OidcClient(settings)
    base = {"sub": "s", "email": "e@x.gov.uk"}
    assert client.signed_in({**base, "realm_access": {"roles": ["u", "a", "other"]}}).identity.roles == (
        "user",
        "auditor",
    )
    assert client.signed_in({**base, "realm_access": {"roles": "a"}}).identity.roles == ("auditor",)
    with pytest.raises(Exception, match="none of the roles") as refused:
        client.signed_in({**base, "realm_access": {"roles": ["other"]}})
    assert getattr(refused.value, "reason", None) == "no_console_role"
    with pytest.raises(Exception, match="not verified") as unverified:
        client.signed_in({**base, "email_verified": False, "realm_access": {"roles": ["a"]}})
    assert getattr(unverified.value, "reason", None) == "email_not_verified"


def test_endpoints_on_other_hosts_or_without_tls_are_refused():
    client = OidcClient(OidcSettings.model_validate({**BASE, "endpoint_hosts": ["keys.example.gov.uk"]}))
    assert client._allowed("https://keys.example.gov.uk/jwks") == "https://keys.example.gov.uk/jwks"
    for url in ("https://elsewhere.example/token", "http://login.example.gov.uk/token"):
        with pytest.raises(Exception, match="not allowed|without TLS"):
            client._allowed(url)


def test_every_oidc_setting_is_documented():
    docs = (REPOSITORY / "docs" / "console.md").read_text(encoding="utf-8")
    example = docs.split("## Signing in through an OIDC issuer")[1].split("```yaml")[1].split("```")[0]
    assert set(re.findall(r"^    (\w+):", example, re.M)) == set(OidcSettings.model_fields)
    assert all(field.description for field in OidcSettings.model_fields.values())
    switching = docs.split("## Switching it on")[1].split("```yaml")[1].split("```")[0]
    assert set(re.findall(r"^  (\w+):", switching, re.M)) == set(ConsoleSettings.model_fields)
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    console_block = re.split(r"\n(?=\S)", readme.split("\nconsole:")[1])[0]  # up to the next top-level key
    assert set(re.findall(r"^  (\w+):", console_block, re.M)) == set(ConsoleSettings.model_fields)


def test_only_short_error_words_from_the_issuer_reach_the_trail():
    assert issuer_error_code("access_denied") == "access_denied"
    for sent in ("<script>alert(1)</script>", "x" * 41, "Access Denied", ""):
        assert issuer_error_code(sent) == "other"


def test_a_rotated_key_is_fetched_but_unknown_key_ids_do_not_flood_the_issuer(monkeypatch):
    """The gateway's OIDC client against the stand-in issuer directly: a token under a new key id makes it read the
    keys again; tokens under key ids nobody publishes make it read them at most once per KEY_REFRESH_SECONDS."""
    issuer = StandInIssuer("console", "secret", "http://127.0.0.1:9/console/oidc/callback", {}).start()
    settings = {**BASE, "issuer": issuer.issuer, "redirect_url": "http://127.0.0.1:9/console/oidc/callback"}
    client = OidcClient(OidcSettings.model_validate(settings))

    def token(kid: str) -> str:
        now = int(time.time())
        claims = {"iss": issuer.issuer, "aud": "console", "sub": "s", "iat": now, "exp": now + 60, "nonce": "n"}
        return sign_token(claims, issuer.state.key, kid)

    async def attempts() -> None:
        assert (await client.verify(token(issuer.state.key_id), "n"))["sub"] == "s"
        assert issuer.state.key_reads == 1
        for _ in range(3):  # within KEY_REFRESH_SECONDS of the last read: refused without asking again
            with pytest.raises(SignInRefused) as refused:
                await client.verify(token("nobody-publishes-this"), "n")
            assert refused.value.reason == "id_token_key_unknown"
        assert issuer.state.key_reads == 1
        issuer.rotate()
        monkeypatch.setattr("proxy.console.oidc.KEY_REFRESH_SECONDS", 0)  # as if 30 s had passed
        assert (await client.verify(token(issuer.state.key_id), "n"))["sub"] == "s"
        assert issuer.state.key_reads == 2

    try:
        anyio.run(attempts)
    finally:
        issuer.stop()

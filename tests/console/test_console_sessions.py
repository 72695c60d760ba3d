"""Console sessions against the real gateway (two workers): the cookie's attributes, CSRF, idle and absolute
timeouts, forged cookies, revoked keys, and the key kept out of pages, cookies, logs and the trail."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from proxy.console.sessions import COOKIE, Session, encode
from tests.console.conftest import SECRET
from tests.support.gateway import REPOSITORY

pytestmark = pytest.mark.integration


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(url: str, key: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, headers={"connection": "close"})
    form = client.get("/console/sign-in")
    answer = client.post("/console/sign-in", data={"csrf_token": csrf_of(form.text), "key": key})
    assert answer.status_code == 303 and answer.headers["location"] == "/console", answer.text
    return client


def test_the_session_cookie_is_http_only_strict_and_scoped_to_the_console(console, keys):
    client = httpx.Client(base_url=console.url, follow_redirects=False)
    form = client.get("/console/sign-in")
    answer = client.post("/console/sign-in", data={"csrf_token": csrf_of(form.text), "key": keys["auditor"]})
    cookie = answer.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert attributes == {"httponly", "max-age", "path", "samesite"}  # no Secure: this is plain http
    assert "samesite=strict" in cookie.lower() and "path=/console" in cookie.lower() and "max-age=900" in cookie.lower()
    assert keys["auditor"] not in cookie and keys["auditor"].split("_", 2)[2] not in cookie
    assert answer.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'")


def test_sessions_hold_across_workers(console, keys):
    client = signed_in(console.url, keys["auditor"])  # every request on a new connection: any worker may answer
    statuses = [client.get("/console/events").status_code for _ in range(12)]
    assert statuses == [200] * 12


def test_forms_need_the_csrf_token_of_their_session(console, keys):
    client = httpx.Client(base_url=console.url, follow_redirects=False)
    client.get("/console/sign-in")
    other = httpx.Client(base_url=console.url).get("/console/sign-in")  # a token from someone else's session
    refused = client.post("/console/sign-in", data={"csrf_token": csrf_of(other.text), "key": keys["auditor"]})
    assert refused.status_code == 400 and "Your sign-in form expired" in refused.text
    assert client.get("/console/events").status_code == 303  # still not signed in
    auditor = signed_in(console.url, keys["auditor"])
    kept = auditor.post("/console/sign-out", data={})
    assert kept.status_code == 400 and auditor.get("/console/events").status_code == 200  # not signed out either
    page = auditor.get("/console/chain")
    assert auditor.post("/console/chain/verify", data={"csrf_token": "forged"}).status_code == 400
    assert auditor.post("/console/chain/verify", data={"csrf_token": csrf_of(page.text)}).status_code == 200


def key_id(key: str) -> str:
    return key.split("_")[1]


@pytest.mark.parametrize(
    ("born_ago", "seen_ago", "status"),
    [(60, 30, 200), (20 * 60, 16 * 60, 303), (9 * 3600, 10, 303)],  # fresh; idle over 15 minutes; older than 8 hours
)
def test_idle_and_absolute_timeouts(console, keys, born_ago, seen_ago, status):
    now = time.time()
    cookie = encode(Session("sid", "csrf", key_id(keys["auditor"]), now - born_ago, now - seen_ago), SECRET)
    answer = httpx.get(f"{console.url}/console/events", cookies={COOKIE: cookie}, follow_redirects=False)
    assert answer.status_code == status
    if status == 303:
        assert answer.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fevents&notice=ended"


def test_a_cookie_signed_with_another_secret_is_ignored(console, keys):
    now = time.time()
    forged = encode(
        Session("sid", "csrf", key_id(keys["auditor"]), now, now), "not-the-gateway-secret-0123456789abcdef"
    )
    answer = httpx.get(f"{console.url}/console/events", cookies={COOKIE: forged}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/sign-in")


def test_revoking_the_key_ends_its_sessions(console):
    key = console.create_key("dan@dwp.gov.uk", "DWP")
    client = signed_in(console.url, key)
    assert client.get("/console/events").status_code == 200
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    env.pop("HANDRAIL_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "proxy.cli", "keys", "revoke", "--config", str(console.config_path), key_id(key)],
        env=env,
        check=True,
        capture_output=True,
        cwd=console.directory,
    )
    answer = client.get("/console/events")
    assert answer.status_code == 303 and answer.headers["location"].endswith("notice=ended")


def test_the_key_appears_in_no_page_log_or_audit_entry(console, keys, seeded):
    client = signed_in(console.url, keys["auditor"])
    pages = [
        client.get(path).text
        for path in ("/console/dashboard", "/console/events", "/console/chain", f"/console/events/{seeded['blocked']}")
    ]
    trail = httpx.get(
        f"{console.url}/v1/audit/export",
        params={"format": "jsonl", "kind": "all"},
        headers={"authorization": f"Bearer {keys['auditor']}"},
    ).text
    assert len(trail.splitlines()) > 10
    for key in keys.values():
        secret = key.split("_", 2)[2]
        assert all(secret not in page for page in pages) and secret not in trail and secret not in console.log()
    sign_ins = [json.loads(line) for line in trail.splitlines() if '"action": "sign-in"' in line]
    assert sign_ins and all(entry["via"] == "console" and entry["key_id"] for entry in sign_ins)


def test_paging_follows_the_next_link_without_repeating_or_skipping(console):
    key = console.create_key("erin@nao.gov.uk", "NAO", ("auditor",))
    client = signed_in(console.url, key)
    for _ in range(12):  # each page view is itself an access entry: 1 sign-in + 12 queries by erin so far
        assert client.get("/console/events").status_code == 200
    search = "/console/events?kind=access&user=erin%40nao.gov.uk&limit=10"
    first = client.get(search).text
    ids_first = re.findall(r'href="/console/events/(req_[0-9a-f]+)"', first)
    next_link = re.search(r'href="(/console/events\?[^"]*cursor=[^"#]+)#results" rel="next"', first).group(1)
    second = client.get(next_link.replace("&amp;", "&")).text
    ids_second = re.findall(r'href="/console/events/(req_[0-9a-f]+)"', second)
    assert len(ids_first) == 10 and len(ids_second) == 4  # sign-in, 12 queries, and the first page's own query
    assert not set(ids_first) & set(ids_second) and 'rel="next"' not in second and 'rel="first"' in second


def test_a_console_view_is_recorded_under_the_request_id_its_response_carries(console, keys):
    """One id per request: the one the middleware puts on the response is the one in the trail's access entry."""
    client = signed_in(console.url, keys["auditor"])
    response = client.get("/console/chain")
    request_id = response.headers["x-request-id"]
    trail = httpx.get(
        f"{console.url}/v1/audit/export",
        params={"format": "jsonl", "kind": "access"},
        headers={"authorization": f"Bearer {keys['auditor']}"},
    ).text
    assert request_id in {json.loads(line)["request_id"] for line in trail.splitlines()}

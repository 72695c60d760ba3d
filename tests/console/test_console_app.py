"""The console inside an app without a detector or policy (fast): switched off without a secret, a Secure cookie
over https, and the committed GOV.UK Frontend assets matching their lock file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from audit.settings import AuditSettings
from audit.store import AuditStore
from proxy.auth import KeyStore
from proxy.config import Settings
from proxy.console.routes import mount_console
from proxy.console.settings import ConsoleSettings
from proxy.services import Services

STATIC = Path(__file__).resolve().parents[2] / "proxy" / "console" / "static"
FRONTEND = Path(__file__).resolve().parents[2] / "proxy" / "console" / "frontend"


@pytest.fixture()
def store(tmp_path):
    audit_store = AuditStore(AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"))
    yield audit_store
    audit_store.engine.dispose()


def app_for(store: AuditStore, console: ConsoleSettings) -> FastAPI:
    app = FastAPI()
    settings = Settings(audit=store.settings, console=console)
    app.state.services = Services(settings=settings, upstream=None, audit=store, keys=KeyStore(store.engine))
    mount_console(app)
    return app


def test_without_a_secret_the_console_says_it_is_off(store):
    with TestClient(app_for(store, ConsoleSettings())) as client:
        answer = client.get("/console/sign-in")
    assert answer.status_code == 503 and "console.session_secret" in answer.text
    assert "set-cookie" not in answer.headers


def test_the_secret_must_be_long():
    with pytest.raises(ValueError, match="at least 32 characters"):
        ConsoleSettings(session_secret="short")


@pytest.mark.parametrize(
    ("base_url", "secure_cookie", "secure"),
    [
        ("https://console.example", "auto", True),
        ("http://console.example", "auto", False),
        ("http://console.example", "always", True),
    ],
)
def test_the_cookie_is_secure_over_tls(store, base_url, secure_cookie, secure):
    console = ConsoleSettings(session_secret="x" * 32, secure_cookie=secure_cookie)
    with TestClient(app_for(store, console), base_url=base_url) as client:
        cookie = client.get("/console/sign-in").headers["set-cookie"]
    assert ("; secure" in cookie.lower()) is secure


def test_the_committed_assets_are_the_locked_release():
    lock = json.loads((FRONTEND / "package-lock.json").read_text())["packages"]["node_modules/govuk-frontend"]
    package = json.loads((FRONTEND / "package.json").read_text())
    provenance = json.loads((STATIC / "govuk" / "VERSION.json").read_text())
    assert package["dependencies"]["govuk-frontend"] == lock["version"] == provenance["version"]  # an exact pin
    assert provenance["integrity"] == lock["integrity"]
    css = (STATIC / "govuk" / "govuk-frontend.min.css").read_text()
    assert f'--govuk-frontend-version:"{lock["version"]}"' in css
    assert "@font-face" not in css  # GDS Transport is for GOV.UK domains only
    for url in set(re.findall(r"url\(([^)]+)\)", css)):
        assert url.startswith("/console/static/govuk/assets/"), url
        assert (STATIC / url.removeprefix("/console/static/")).is_file(), url
    assert 'const version="{}"'.format(lock["version"]) in (STATIC / "govuk" / "govuk-frontend.min.js").read_text()


def test_static_assets_and_no_cdn(store):
    with TestClient(app_for(store, ConsoleSettings(session_secret="x" * 32))) as client:
        assert client.get("/console/static/govuk/govuk-frontend.min.css").status_code == 200
        assert client.get("/console/static/console.js").status_code == 200
        page = client.get("/console/sign-in").text
    # Every asset a page loads is the gateway's own: nothing from another host, so it works air-gapped.
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []

"""Analysis makes no network calls: government networks are often closed.

Sockets are blocked in-process (connect and DNS resolution raise), then a fresh
analyzer is built — models loaded, tldextract configured — and text full of
e-mail addresses and URLs is analysed.
"""

from __future__ import annotations

import socket

import pytest

from detectors.analyzer import TextAnalyzer
from detectors.settings import DetectionSettings


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2]))
        raise NetworkUsed(f"network access attempted: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_blocked_socket_really_refuses(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.com", 80))
    assert no_network


def test_loading_and_analysing_make_no_network_calls(no_network):
    analyzer = TextAnalyzer(DetectionSettings())
    text = (
        "Email jane.doe@example.co.uk or j.smith@council.gov.uk, see https://www.gov.uk/guidance and "
        "http://intranet.example.org/page; odd suffixes: a@b.c, x@y.unknownsuffix."
    )
    findings = analyzer.analyze(text)
    assert [f.value(text) for f in findings if f.type == "EMAIL_ADDRESS"] == [
        "jane.doe@example.co.uk",
        "j.smith@council.gov.uk",
    ]
    assert no_network == []

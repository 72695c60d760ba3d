"""Loaded by every Python process started with this folder on PYTHONPATH (tests only).

It refuses, and writes down, any attempt to resolve or connect to a host other
than this machine's loopback, so a test can prove the gateway makes no network
call except to its configured (local) provider. The attempt is stopped before
any packet is sent.
"""

import os
import sys

_LOG = os.environ.get("HANDRAIL_AIRGAP_LOG")
_LOOPBACK = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "", None}


def _outside(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in _LOOPBACK:
        return False
    return not (isinstance(host, str) and host.startswith("127."))


def _refuse(event: str, host: object) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event} {host}\n")
    raise OSError(f"air-gap test: network access to {host!r} refused")


def _hook(event: str, args: tuple) -> None:
    if event == "socket.getaddrinfo":
        if _outside(args[0]):
            _refuse(event, args[0])
    elif event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and _outside(address[0]):
            _refuse(event, address[0])


sys.addaudithook(_hook)
if os.environ.get("HANDRAIL_AIRGAP_LOADED"):
    with open(os.environ["HANDRAIL_AIRGAP_LOADED"], "a", encoding="utf-8") as marker:
        marker.write(f"{os.getpid()}\n")

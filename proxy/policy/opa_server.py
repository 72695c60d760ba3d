"""The OPA-server engine: decisions from a real OPA server, through opa-python-client.

The scale-out option: many gateways share one policy bundle served by OPA
(``opa run --server --bundle policies/``, or a bundle service). The gateway
never falls back to anything if the server cannot answer: the request is
refused (503) with a message that says the policy server is unreachable.

The version every decision carries is the revision of the bundle that decided it, the OPA way: each decision is
asked with ``?provenance=true`` and OPA names, in the same answer, the revision of every bundle it had active
(``provenance.bundles.<name>.revision``), so a switch between two revisions can never be recorded under the wrong
one. Between decisions (``/readyz``, start) the revision is read from OPA's Data API, where OPA keeps each bundle's
manifest (``data.system.bundles.<name>.manifest.revision``), every ``watch_interval_seconds``.

An OPA server given a directory rather than a bundle (``opa run --server policies/``) has no revision; then the
version is the same content hash the embedded engine computes, taken from what the server has loaded (its
modules, and the ``data.data`` document that ``policies/data/`` becomes), so the audit trail names the same version
whichever engine decided. ``handrail policy bundle`` writes that hash as the bundle's revision, so all three agree.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

import requests
from opa_client.errors import ConnectionsError, PolicyNotFoundError
from opa_client.opa import OpaClient

from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyUnavailable
from proxy.policy.files import TEST_SUFFIX, version_of_content
from proxy.policy.settings import PolicySettings

log = logging.getLogger(__name__)

DECISION_PACKAGE = "handrail"
DECISION_RULE = "decision"


def client_for(url: str, timeout: float) -> OpaClient:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"policy.opa_url must be an http(s) URL, not {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    # No retries: a slow or absent server refuses the request now rather than later.
    return OpaClient(host=parts.hostname, port=port, ssl=parts.scheme == "https", retries=0, timeout=timeout)


class OpaServerEngine:
    def __init__(self, settings: PolicySettings) -> None:
        self._url = settings.opa_url.rstrip("/")
        self._client = client_for(self._url, settings.opa_timeout_seconds)
        # The module listing is read with a session of our own: the client offers no public call that returns
        # the modules' source in one request.
        self._session = requests.Session()
        self._timeout = settings.opa_timeout_seconds
        self._version = ""
        self.last_rejection: str | None = None  # OPA activates bundles itself and keeps its last good one
        self._stop = threading.Event()
        try:
            self.reload()
        except PolicyUnavailable as error:
            # Start anyway: requests are refused until the server answers.
            log.error("%s", error)
        self._watcher: threading.Thread | None = None
        if settings.watch:
            self._interval = settings.watch_interval_seconds
            self._watcher = threading.Thread(target=self._watch, name="opa-version", daemon=True)
            self._watcher.start()

    @property
    def version(self) -> str:
        return self._version

    def ready(self) -> bool:
        try:
            self._client.check_connection()
        except ConnectionsError:
            return False
        return bool(self._version)

    def decide(self, policy_input: dict[str, object]) -> Decision:
        try:
            response = self._client.query_rule(
                policy_input, DECISION_PACKAGE, DECISION_RULE, query_params={"provenance": True}
            )
        except (requests.RequestException, ConnectionsError) as error:
            raise self._unavailable("did not answer") from error
        if "result" not in response:
            raise self._unavailable("has no data.handrail.decision (is the policy bundle loaded?)")
        version = revision_of_bundles(_bundles_in(response.get("provenance")), "revision")
        if version:
            self._version = version
        else:
            if not self._version:
                self._refresh_version()
            version = self._version
        try:
            return Decision.from_document(response["result"], version)
        except ValueError as error:
            raise PolicyUnavailable(str(error)) from error

    def reload(self) -> str:
        """The server loads its own bundle; reloading here means reading which version it now holds."""
        self._refresh_version()
        return self._version

    def close(self) -> None:
        self._stop.set()
        self._client.close_connection()
        self._session.close()

    def _unavailable(self, what: str) -> PolicyUnavailable:
        # The server's address is for operators (the log and /readyz), not for the person whose request was refused.
        log.error("the OPA server at %s %s", self._url, what)
        return PolicyUnavailable(f"the policy server {what}")

    def _refresh_version(self) -> None:
        self._version = self._server_version()

    def _server_version(self) -> str:
        try:
            bundles = self._client.get_data("system/bundles").get("result")
        except PolicyNotFoundError:
            bundles = None
        except (requests.RequestException, ConnectionsError, ValueError) as error:
            raise self._unavailable("did not answer") from error
        revision = revision_of_bundles(bundles if isinstance(bundles, dict) else {}, "manifest")
        return revision or self._content_version()

    def _content_version(self) -> str:
        """The content hash of what an OPA server without bundles has loaded."""
        try:
            listing = self._session.get(f"{self._url}/v1/policies", timeout=self._timeout)
            listing.raise_for_status()
            # Test modules (loaded when the server reads a directory) never decide, so they are not in the version.
            modules = [
                policy.get("raw", "")
                for policy in listing.json().get("result", [])
                if not str(policy.get("id", "")).endswith(TEST_SUFFIX)
            ]
            try:
                data = self._client.get_data("data").get("result", {})
            except PolicyNotFoundError:
                data = None
        except (requests.RequestException, ConnectionsError, ValueError) as error:
            raise self._unavailable("did not answer") from error
        if not modules:
            raise self._unavailable("has no policy loaded")
        return version_of_content(modules, {"data": data} if data is not None else {})

    def _watch(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._refresh_version()
            except PolicyUnavailable:
                pass  # decisions report the outage themselves
            except Exception:
                log.exception("could not read the OPA server's policy version")


def _bundles_in(provenance: object) -> dict[str, object]:
    bundles = provenance.get("bundles") if isinstance(provenance, dict) else None
    return bundles if isinstance(bundles, dict) else {}


def revision_of_bundles(bundles: dict[str, object], where: str) -> str:
    """The revision OPA reports for its bundles: ``bundles[name].revision`` (provenance) or
    ``bundles[name].manifest.revision`` (``data.system.bundles``). With several bundles, each as ``name:revision``."""
    revisions: dict[str, str] = {}
    for name, entry in bundles.items():
        holder = entry.get("manifest") if where == "manifest" and isinstance(entry, dict) else entry
        revision = holder.get("revision") if isinstance(holder, dict) else None
        if isinstance(revision, str) and revision:
            revisions[name] = revision
    if len(revisions) == 1:
        return next(iter(revisions.values()))
    return ",".join(f"{name}:{revision}" for name, revision in sorted(revisions.items()))

"""The embedded engine's policy from an OPA bundle server, polled as OPA polls it.

Each poll is a GET with ``If-None-Match`` carrying the ETag of the last bundle seen; ``304 Not Modified`` costs
nothing. A new bundle is opened and checked (``proxy.policy.bundle_open``: archive, signature, roots), then handed
to the engine, which compiles it and tries a decision before it switches. The ETag moves on to every bundle
downloaded, good or refused, so a refused bundle is refused once (one log line, one failure counted) and the
last good one stays in force until the server publishes another.

The bundle server is the one run-time address this talks to; nothing else is fetched.

At start, a gateway with ``bundle_persist_path`` that cannot get a good bundle from the server starts on the last
good bundle kept there (verified again with the same key); without one it is not ready, and refuses every request,
until the server answers with a good bundle.
"""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import httpx

from proxy.policy.bundle_open import BundleRefused, OpenedBundle, Verification, open_bundle
from proxy.policy.engine import PolicyRejected
from proxy.policy.settings import PolicySettings
from proxy.policy.source import PolicyRelease

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024  # compressed


class BundleSource:
    def __init__(self, settings: PolicySettings, *, client: httpx.Client | None = None) -> None:
        if not settings.bundle_url:
            raise ValueError("a bundle source needs policy.bundle_url")
        self._url = settings.bundle_url
        if httpx.URL(self._url).scheme not in ("http", "https"):
            raise ValueError(f"policy.bundle_url must be an http(s) URL, not {self._url!r}")
        self._verification = _verification(settings)
        if self._verification is None:
            log.warning("policy.bundle_verification_key is not set: bundles from %s are loaded unsigned", self._url)
        self._persist = settings.bundle_persist_path
        self._delays = (settings.bundle_polling_min_delay_seconds, settings.bundle_polling_max_delay_seconds)
        # No redirects (the bundle server is the only address configured) and nothing from the environment
        # (a proxy variable must not send the policy download elsewhere).
        self._client = client or httpx.Client(
            timeout=settings.bundle_timeout_seconds, follow_redirects=False, trust_env=False
        )
        self._etag: str | None = None
        self._pending: bytes | None = None  # the bytes of the release last handed out, kept if it is accepted

    @property
    def location(self) -> str:
        return self._url

    @property
    def waits_for_first_release(self) -> bool:
        return True

    def first(self) -> PolicyRelease:
        try:
            release = self.fetch(force=True)
        except PolicyRejected as error:
            kept = self._persisted()
            if kept is None:
                raise
            log.error("%s; starting on the last good bundle kept in %s", error, self._persist)
            return kept
        assert release is not None  # a forced fetch never answers "unchanged"
        return release

    def fetch(self, *, force: bool = False) -> PolicyRelease | None:
        headers = {"If-None-Match": self._etag} if self._etag and not force else {}
        try:
            with self._client.stream("GET", self._url, headers=headers) as response:
                if response.status_code == 304:
                    return None
                if response.status_code != 200:
                    raise PolicyRejected(f"the bundle server at {self._url} answered {response.status_code}")
                # Seen, whatever becomes of it: the same bytes are not downloaded and refused again at every poll.
                self._etag = response.headers.get("ETag")
                content = _read_at_most(response, MAX_DOWNLOAD_BYTES)
        except httpx.HTTPError as error:
            raise PolicyRejected(f"the bundle server at {self._url} did not answer: {_describe(error)}") from error
        if content is None:
            raise PolicyRejected(f"the bundle at {self._url} is larger than {MAX_DOWNLOAD_BYTES} bytes")
        release = self._release(content)
        self._pending = content
        return release

    def accepted(self, release: PolicyRelease) -> None:
        content, self._pending = self._pending, None
        if self._persist is None or content is None:
            return
        # Written whole then renamed, so a crash never leaves half a bundle for the next start.
        temporary = self._persist.with_name(f".{self._persist.name}.{os.getpid()}.tmp")
        try:
            self._persist.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(content)
            os.replace(temporary, self._persist)
        except OSError as error:
            log.error("the good bundle %s could not be kept in %s: %s", release.version, self._persist, error)

    def next_check_in(self) -> float:
        # Drawn afresh each time, as OPA does, so replicas started together do not poll in step.
        return random.uniform(*self._delays)

    def close(self) -> None:
        self._client.close()

    def _release(self, content: bytes) -> PolicyRelease:
        try:
            opened = open_bundle(content, self._url, self._verification)
        except BundleRefused as error:
            raise PolicyRejected(f"the bundle from {self._url} was refused: {error}") from error
        return _as_release(opened)

    def _persisted(self) -> PolicyRelease | None:
        if self._persist is None or not self._persist.is_file():
            return None
        try:
            content = self._persist.read_bytes()
            release = _as_release(open_bundle(content, str(self._persist), self._verification))
        except (OSError, BundleRefused) as error:
            log.error("the bundle kept in %s cannot be used: %s", self._persist, error)
            return None
        self._pending = content
        return release


def _as_release(opened: OpenedBundle) -> PolicyRelease:
    # The manifest's revision is the version OPA reports too; a bundle without one is named by its content.
    return PolicyRelease(opened.snapshot, opened.revision or opened.snapshot.version, run_tests=False)


def _verification(settings: PolicySettings) -> Verification | None:
    path: Path | None = settings.bundle_verification_key
    if path is None:
        return None
    try:
        key = path.read_bytes()
    except OSError as error:
        raise ValueError(f"policy.bundle_verification_key {path} cannot be read: {error.strerror}") from None
    return Verification(key, settings.bundle_verification_key_id, settings.bundle_signing_algorithm)


def _read_at_most(response: httpx.Response, limit: int) -> bytes | None:
    """The body, or None once it passes ``limit`` (read no further: a huge answer is not held in memory)."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _describe(error: httpx.HTTPError) -> str:
    return str(error) or type(error).__name__

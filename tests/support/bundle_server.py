"""A static HTTP server for policy bundles, as the compose topology's nginx: files from a directory, with ETags.

OPA polls with ``If-None-Match``; a 304 means "keep what you have". ``python -m http.server`` sends no ETag, so
this small one does (the hash of the file's bytes), which is what the polling path in the test exercises.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.standin import free_port


class _Handler(SimpleHTTPRequestHandler):
    _etag: str | None = None

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_file():
            etag = '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:32] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return None
            self._etag = etag
        return super().send_head()

    def end_headers(self) -> None:
        etag = self._etag
        if etag:
            self.send_header("ETag", etag)
            self._etag = None
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # What each poll asked and got: the tests check that an unchanged bundle costs a 304.
        self.server.seen.append((self.path, self.headers.get("If-None-Match"), int(code)))  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        pass


class BundleServer:
    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), partial(_Handler, directory=str(directory)))
        self._server.seen = []  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="bundle-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def seen(self) -> list[tuple[str, str | None, int]]:
        """(path, If-None-Match sent, status answered) for every request so far."""
        return list(self._server.seen)  # type: ignore[attr-defined]

    def publish(self, name: str, content: bytes) -> None:
        """Serve ``content`` as ``name`` from now on, atomically (a poll never sees half a bundle)."""
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(content)
        os.replace(temporary, self.directory / name)

    def start(self) -> BundleServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> BundleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""SIGTERM with streams open: at the end of the grace period each gets a final error event and a `cancelled` record."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, select

from audit.schema import audit_events
from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

GRACE = 2.0


class OpenStream(threading.Thread):
    """One streamed request read to its end; records when its first event arrived and when it ended."""

    def __init__(self, url: str, headers: dict, body: dict) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.body = url, headers, body
        self.lines: list[str] = []
        self.status: int | None = None
        self.request_id: str | None = None
        self.started = threading.Event()
        self.ended_at: float | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with httpx.stream("POST", self.url, json=self.body, headers=self.headers, timeout=60) as response:
                self.status = response.status_code
                self.request_id = response.headers.get("x-request-id")
                for line in response.iter_lines():
                    self.lines.append(line)
                    if line.startswith("data:"):
                        self.started.set()
        except BaseException as error:  # recorded for the test to report
            self.error = error
        finally:
            self.ended_at = time.monotonic()
            self.started.set()

    def data(self) -> list[dict]:
        return [json.loads(line[6:]) for line in self.lines if line.startswith("data: {")]


def test_sigterm_ends_open_streams_with_an_error_event_and_a_cancelled_record(standin, tmp_path):
    gateway = Gateway(
        tmp_path,
        model_list=standin.model_list(("long",)),
        settings={"server": {"shutdown_grace_seconds": GRACE}},
    ).start()
    try:
        key = gateway.create_key()
        openai = {"authorization": f"Bearer {key}"}
        anthropic = {"x-api-key": key, "anthropic-version": "2023-06-01"}
        prompt = [{"role": "user", "content": "Count slowly."}]
        streams = {
            # `long` streams for 10 s and `claude-stall` stalls after its first words: both outlive a 2 s grace.
            # (The stall's first words stay in the answer screen's held-back tail; its message_start gets through.)
            "chat": OpenStream(
                f"{gateway.url}/v1/chat/completions", openai, {"model": "long", "messages": prompt, "stream": True}
            ),
            "responses": OpenStream(
                f"{gateway.url}/v1/responses", openai, {"model": "long", "input": "Count slowly.", "stream": True}
            ),
            "messages": OpenStream(
                f"{gateway.url}/v1/messages",
                anthropic,
                {"model": "claude-stall", "max_tokens": 100, "messages": prompt, "stream": True},
            ),
        }
        for stream in streams.values():
            stream.start()
        for name, stream in streams.items():
            assert stream.started.wait(30), f"{name}: no event before the signal"
            assert stream.error is None and stream.status == 200, (name, stream.status, stream.error)
        signalled = time.monotonic()
        gateway.terminate()
        for stream in streams.values():
            stream.join(20)
        for name, stream in streams.items():
            assert stream.error is None, f"{name}: the stream broke instead of ending: {stream.error!r}"
            assert stream.ended_at is not None
            took = stream.ended_at - signalled
            # cut at the grace, not before (they were given it) and not at uvicorn's cancel (grace + 1 s margin)
            assert GRACE - 0.3 <= took < GRACE + 1.0, f"{name} ended {took:.2f} s after SIGTERM"

        chat = streams["chat"].data()
        assert chat[-1]["error"]["code"] == "server_shutting_down"
        assert chat[-1]["error"]["type"] == "service_unavailable"
        assert streams["chat"].request_id in chat[-1]["error"]["message"]
        assert "data: [DONE]" not in streams["chat"].lines
        assert any(c.get("choices") and c["choices"][0]["delta"].get("content") for c in chat[:-1])

        responses = streams["responses"].data()
        assert responses[-1]["type"] == "error"
        assert responses[-1]["code"] == "server_shutting_down"
        assert not any(event["type"] == "response.completed" for event in responses)

        messages_lines = streams["messages"].lines
        last_event = [line for line in messages_lines if line.startswith("event: ")][-1]
        assert last_event == "event: error"
        messages = streams["messages"].data()
        assert messages[-1]["type"] == "error"
        assert messages[-1]["error"]["type"] == "overloaded_error"
        assert "shutting down" in messages[-1]["error"]["message"]
        assert not any(event["type"] == "message_stop" for event in messages)

        # uvicorn re-raises the signal once it has shut down cleanly, so the process ends by SIGTERM
        assert gateway.wait(15) in (0, -signal.SIGTERM), gateway.log()
        assert "Application shutdown complete" in gateway.log()
        engine = create_engine(gateway.database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                select(audit_events.c.request_id, audit_events.c.outcome, audit_events.c.status_code)
            ).all()
        engine.dispose()
        recorded = {row.request_id: (row.outcome, row.status_code) for row in rows}
        for name, stream in streams.items():
            assert recorded.get(stream.request_id) == ("cancelled", 503), (name, recorded)
        verified = gateway.audit_verify()
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        gateway.stop()


def test_streams_that_end_within_the_grace_period_complete_as_usual(standin, tmp_path):
    gateway = Gateway(
        tmp_path, model_list=standin.model_list(("long",)), settings={"server": {"shutdown_grace_seconds": 15}}
    ).start()
    try:
        key = gateway.create_key()
        stream = OpenStream(
            f"{gateway.url}/v1/chat/completions",
            {"authorization": f"Bearer {key}"},
            {"model": "long", "messages": [{"role": "user", "content": "Count."}], "stream": True},
        )
        stream.start()
        assert stream.started.wait(30)
        gateway.terminate()
        stream.join(30)
        assert stream.error is None, repr(stream.error)
        assert stream.lines[-1] == "data: [DONE]" or "data: [DONE]" in stream.lines
        assert not any("error" in event for event in stream.data())
        assert gateway.wait(20) in (0, -signal.SIGTERM), gateway.log()
        engine = create_engine(gateway.database_url)
        with engine.connect() as connection:
            outcome = connection.execute(
                select(audit_events.c.outcome).where(audit_events.c.request_id == stream.request_id)
            ).scalar_one()
        engine.dispose()
        assert outcome == "completed"
    finally:
        gateway.stop()

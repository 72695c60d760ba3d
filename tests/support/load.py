"""Mixed load on several gateway processes sharing one audit trail, and the tally of what the trail recorded.

Used by ``tests/gateway/test_load.py`` (CI size) and ``bench/load.py`` (full size). Each request is one of:

    allowed     chat completion with no personal data                    200, recorded completed / allow
    redacted    chat completion with a name and an e-mail address        200, recorded completed / redact, restored
    blocked     chat completion with an NHS number                       403, recorded blocked
    bad_input   a body that is not JSON, or a message with a list role   400, recorded rejected
    streamed    streamed chat completion                                 200 ending in [DONE], recorded completed
    messages    Anthropic Messages call, streamed or not                 200, recorded completed

Every prompt is different (a serial number in it), so the scanners' cache never answers for them. The tally reads
the database directly: the ledger's request and completion entries and the query index, per request id.
"""

from __future__ import annotations

import json
import queue
import random
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, func, select

from audit.schema import audit_events, audit_ledger
from tests.support.gateway import Gateway, start_together

KINDS = ("allowed", "redacted", "blocked", "bad_input", "streamed", "messages")
EXPECTED_STATUS = {
    "allowed": 200,
    "redacted": 200,
    "blocked": 403,
    "bad_input": 400,
    "streamed": 200,
    "messages": 200,
}
EXPECTED_OUTCOME = {
    "allowed": "completed",
    "redacted": "completed",
    "blocked": "blocked",
    "bad_input": "rejected",
    "streamed": "completed",
    "messages": "completed",
}


@dataclass(frozen=True)
class Case:
    number: int
    kind: str
    path: str
    anthropic: bool
    body: bytes
    stream: bool
    expect_in_answer: str | None = None


@dataclass
class Answered:
    case: Case
    gateway: int
    status: int | None
    request_id: str | None
    seconds: float
    problem: str | None = None


def mixed_cases(count: int, seed: int = 12) -> list[Case]:
    """``count`` requests, the kinds in fixed proportions, shuffled reproducibly."""
    chooser = random.Random(seed)
    weights = {"allowed": 30, "redacted": 20, "blocked": 15, "bad_input": 10, "streamed": 15, "messages": 10}
    kinds = chooser.choices(list(weights), weights=list(weights.values()), k=count)
    return [_case(number, kind, chooser) for number, kind in enumerate(kinds)]


def _case(number: int, kind: str, chooser: random.Random) -> Case:
    def chat(content: str, stream: bool = False) -> bytes:
        body: dict = {"model": "echo", "messages": [{"role": "user", "content": content}]}
        if stream:
            body["stream"] = True
        return json.dumps(body).encode()

    if kind == "allowed":
        prompt = f"Summarise the minutes of meeting number {number} about the library's opening hours."
        return Case(number, kind, "/v1/chat/completions", False, chat(prompt), False, prompt)
    if kind == "redacted":
        prompt = f"Write to Margaret Thornton at margaret.thornton{number}@example.org about appointment {number}."
        # the echo model answers with what it was sent: placeholders, which the gateway turns back into the originals
        return Case(number, kind, "/v1/chat/completions", False, chat(prompt), False, f"thornton{number}@example.org")
    if kind == "blocked":
        prompt = f"Patient NHS number 943 476 5919 needs referral letter {number}."
        return Case(number, kind, "/v1/chat/completions", False, chat(prompt), False)
    if kind == "bad_input":
        if chooser.random() < 0.5:
            return Case(number, kind, "/v1/chat/completions", False, b'{"model": "echo", "messages": [', False)
        body = {"model": "echo", "messages": [{"role": ["user"], "content": f"request {number}"}]}
        return Case(number, kind, "/v1/chat/completions", False, json.dumps(body).encode(), False)
    if kind == "streamed":
        prompt = f"Stream me a short note about bin collection route {number}."
        return Case(number, kind, "/v1/chat/completions", False, chat(prompt, stream=True), True, f"route {number}")
    stream = chooser.random() < 0.5
    prompt = f"Draft a reply about parking permit {number}."
    body = {"model": "claude-echo", "max_tokens": 200, "messages": [{"role": "user", "content": prompt}]}
    if stream:
        body["stream"] = True
    return Case(number, "messages", "/v1/messages", True, json.dumps(body).encode(), stream, f"permit {number}")


def run_load(gateways: list[Gateway], keys: list[str], cases: list[Case], clients: int) -> tuple[list[Answered], float]:
    """Send every case from ``clients`` threads, spread over the gateways; the answers and the wall time."""
    work: queue.Queue[Case] = queue.Queue()
    for case in cases:
        work.put(case)
    answers: list[Answered] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        with httpx.Client(timeout=120) as http:
            while True:
                try:
                    case = work.get_nowait()
                except queue.Empty:
                    return
                target = (case.number + number) % len(gateways)
                answered = _send(http, gateways[target].url, keys[target], case)
                answered.gateway = target
                with lock:
                    answers.append(answered)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, time.monotonic() - started


def _send(http: httpx.Client, base: str, key: str, case: Case) -> Answered:
    headers = {"content-type": "application/json"}
    if case.anthropic:
        headers |= {"x-api-key": key, "anthropic-version": "2023-06-01"}
    else:
        headers["authorization"] = f"Bearer {key}"
    started = time.monotonic()
    try:
        with http.stream("POST", base + case.path, content=case.body, headers=headers) as response:
            text = response.read().decode()
            answered = Answered(case, 0, response.status_code, response.headers.get("x-request-id"), 0.0)
    except httpx.HTTPError as error:
        return Answered(case, 0, None, None, time.monotonic() - started, f"{type(error).__name__}: {error}")
    answered.seconds = time.monotonic() - started
    answered.problem = _check_body(case, answered.status, text)
    return answered


def _check_body(case: Case, status: int | None, text: str) -> str | None:
    if status != EXPECTED_STATUS[case.kind]:
        return f"HTTP {status}, expected {EXPECTED_STATUS[case.kind]}: {text[:200]}"
    if status != 200:
        return None
    if case.stream:
        if case.anthropic:
            if "event: message_stop" not in text or "event: error" in text:
                return f"stream did not end well: {text[-200:]}"
            words = "".join(
                json.loads(line[6:])["delta"].get("text", "")
                for line in text.splitlines()
                if line.startswith("data: ") and '"content_block_delta"' in line
            )
        else:
            if not text.rstrip().endswith("data: [DONE]") or '"error"' in text:
                return f"stream did not end well: {text[-200:]}"
            words = "".join(
                (chunk["choices"][0]["delta"].get("content") or "")
                for line in text.splitlines()
                if line.startswith("data: {") and (chunk := json.loads(line[6:])).get("choices")
            )
    else:
        answer = json.loads(text)
        if case.anthropic:
            words = "".join(block.get("text", "") for block in answer["content"])
        else:
            words = answer["choices"][0]["message"]["content"]
    if case.expect_in_answer and case.expect_in_answer not in words:
        return f"answer lacks {case.expect_in_answer!r}: {words[:200]!r}"
    return None


@dataclass
class Tally:
    """What the trail holds for the request ids the clients were given."""

    request_ids: int
    lost: list[str] = field(default_factory=list)  # answered, but no request entry
    duplicated: list[str] = field(default_factory=list)  # more than one request entry, completion or index row
    unexpected: list[str] = field(default_factory=list)  # recorded with another outcome than expected
    not_answered: list[str] = field(default_factory=list)  # recorded, but no client got this id
    outcomes: Counter = field(default_factory=Counter)


def tally_trail(database_url: str, answers: list[Answered]) -> Tally:
    ids = {answer.request_id: answer for answer in answers if answer.request_id}
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            entries = connection.execute(
                select(audit_ledger.c.request_id, audit_ledger.c.kind, func.count())
                .where(audit_ledger.c.kind.in_(("request", "completion")))
                .group_by(audit_ledger.c.request_id, audit_ledger.c.kind)
            ).all()
            index = connection.execute(
                select(audit_events.c.request_id, audit_events.c.outcome, audit_events.c.completion_seq)
            ).all()
    finally:
        engine.dispose()
    tally = Tally(len(ids))
    requests = {row[0]: row[2] for row in entries if row[1] == "request"}
    completions = {row[0]: row[2] for row in entries if row[1] == "completion"}
    rows = Counter(row.request_id for row in index)
    outcome = {row.request_id: row.outcome for row in index}
    for request_id, answer in ids.items():
        if request_id not in requests or request_id not in rows:
            tally.lost.append(request_id)
            continue
        if requests[request_id] > 1 or completions.get(request_id, 0) > 1 or rows[request_id] > 1:
            tally.duplicated.append(request_id)
        tally.outcomes[outcome[request_id]] += 1
        if outcome[request_id] != EXPECTED_OUTCOME[answer.case.kind]:
            tally.unexpected.append(f"{request_id} ({answer.case.kind}): {outcome[request_id]}")
        forwarded = EXPECTED_OUTCOME[answer.case.kind] == "completed"
        if forwarded and completions.get(request_id, 0) != 1:
            tally.lost.append(f"{request_id} (completion)")
    tally.not_answered = sorted(set(requests) - set(ids))
    return tally


def verify_trail(gateway: Gateway) -> subprocess.CompletedProcess:
    return gateway.audit_verify()


def latency_summary(answers: list[Answered]) -> dict[str, tuple[int, float, float]]:
    """Per kind: (count, p50 ms, p99 ms)."""
    summary = {}
    for kind in KINDS:
        times = sorted(answer.seconds * 1000 for answer in answers if answer.case.kind == kind)
        if not times:
            continue
        p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
        summary[kind] = (len(times), statistics.median(times), p99)
    return summary


def start_gateways(count: int, standin_models: list[dict], database_url: str, root, workers: int = 1) -> list[Gateway]:
    """``count`` gateway processes on one audit database, started side by side."""
    gateways = []
    for number in range(count):
        directory = root / f"gateway-{number + 1}"
        directory.mkdir(parents=True, exist_ok=True)
        gateways.append(
            Gateway(
                directory,
                model_list=standin_models,
                settings={"audit": {"database_url": database_url}},
                workers=workers,
            )
        )
    start_together(gateways)
    return gateways

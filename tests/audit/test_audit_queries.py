"""Auditors' questions: filters, pagination, counts and exports, read through the audited reader."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from audit.access import Auditor, AuditReader
from audit.queries import EventFilter, FilterError, event_stats, parse_moment
from audit.store import AuditStore

NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)


@pytest.fixture()
def reader(store: AuditStore) -> AuditReader:
    return AuditReader(store, Auditor(user="carol@audit.gov.uk", via="http", department="NAO", roles=("auditor",)))


@pytest.fixture()
def mixed(traffic):
    """A known mix over four days: allowed, redacted, blocked, rejected and failed requests."""
    made = {}
    made["allowed"] = traffic.allowed(
        received_at=NOW - timedelta(days=3), user_id="ann", department="DWP", model="gpt-4o"
    )
    made["redacted"] = traffic.redacted(
        received_at=NOW - timedelta(days=2),
        user_id="ann",
        department="DWP",
        model="claude",
        prompt_text="Write to <PERSON_1> about the Tax Return deadline.",
    )
    made["blocked"] = traffic.blocked(
        received_at=NOW - timedelta(days=1, hours=2),
        user_id="bob",
        department="HMRC",
        model="gpt-4o",
        signals=[{"type": "agentic", "evidence": "tools", "location": "tools"}],
        experiment="pilot",
    )
    made["rejected"] = traffic.rejected(received_at=NOW - timedelta(hours=3))
    made["failed"] = traffic.upstream_failure(
        received_at=NOW - timedelta(hours=1), user_id="bob", department="HMRC", model="claude", policy_version="v2"
    )
    return made


def ids(events: list[dict]) -> set[str]:
    return {e["request_id"] for e in events}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"allowed", "redacted", "blocked", "rejected", "failed"}),
        ({"user": "ann"}, {"allowed", "redacted"}),
        ({"department": "HMRC"}, {"blocked", "failed"}),
        ({"model": "claude"}, {"redacted", "failed"}),
        ({"decision": "block"}, {"blocked"}),
        ({"decision": "redact,allow"}, {"allowed", "redacted", "failed"}),
        ({"decision": "none"}, {"rejected"}),
        ({"outcome": "upstream_error"}, {"failed"}),
        ({"outcome": "completed"}, {"allowed", "redacted"}),
        ({"reason": "pii_to_unapproved_model"}, {"blocked"}),
        ({"finding": "PERSON"}, {"redacted"}),
        ({"finding": "UK_NINO"}, {"blocked"}),
        ({"signal": "agentic"}, {"blocked"}),
        ({"experiment": "pilot"}, {"blocked"}),
        ({"policy_version": "v2"}, {"failed"}),
        ({"text": "tax return"}, {"redacted"}),
        ({"text": "dear <person_1>"}, {"redacted"}),  # the redacted answer is searched too
        ({"text": "100%"}, set()),  # LIKE wildcards are taken literally
        ({"since": "2025-03-13", "until": "2025-03-14T12:00:00Z"}, {"blocked"}),
        ({"since": "2025-03-14"}, {"rejected", "failed"}),
        ({"user": "bob", "decision": "allow"}, {"failed"}),
    ],
)
def test_filters(reader, mixed, filters, expected):
    found = reader.search(EventFilter.from_mapping(filters, now=NOW), limit=100).events
    assert ids(found) == {mixed[name].request_id for name in expected}


def test_request_id_filter_and_show(reader, mixed):
    event = reader.event(mixed["blocked"].request_id)
    assert event["decision"] == "block" and event["reasons"][0]["code"] == "pii_to_unapproved_model"
    assert event["findings"] == {"UK_NINO": 1} and event["status_code"] == 403
    assert reader.event("req_unknown") is None
    found = reader.search(EventFilter(request_id=mixed["failed"].request_id)).events
    assert [e["upstream_status"] for e in found] == [500]


def test_cursor_pagination_visits_every_event_once_in_order(reader, traffic):
    made = [traffic.allowed(user_id=f"u{n % 3}").request_id for n in range(23)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = reader.search(EventFilter(), limit=5, cursor=cursor)
        seen += [e["request_id"] for e in page.events]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(reversed(made)) and pages == 5
    oldest_first = reader.search(EventFilter(), limit=100, order="asc").events
    assert [e["request_id"] for e in oldest_first] == made
    with pytest.raises(FilterError):
        reader.search(EventFilter(), cursor="not-a-cursor")
    with pytest.raises(FilterError):
        reader.search(EventFilter(), cursor=page.next_cursor or cursor, order="asc")  # a cursor belongs to its order


def test_every_reading_is_recorded_with_who_and_what_but_never_the_search_text(reader, mixed):
    reader.search(EventFilter(user="ann", text="NI number AB123456C"), limit=10)
    reader.stats(EventFilter(department="DWP"), ["day"])
    list(reader.export(EventFilter(decision=("block",)), "csv"))
    accesses = reader.search(EventFilter(kind="access"), limit=10, order="asc").events
    assert [(a["action"], a["user"], a["via"]) for a in accesses[:3]] == [
        ("query", "carol@audit.gov.uk", "http"),
        ("stats", "carol@audit.gov.uk", "http"),
        ("export", "carol@audit.gov.uk", "http"),
    ]
    assert accesses[0]["parameters"]["user"] == "ann" and accesses[0]["parameters"]["text_length"] == 19
    assert "AB123456C" not in json.dumps(accesses)
    assert accesses[2]["parameters"] == {"decision": ["block"], "format": "csv"}
    assert reader.store.count_requests() == 5  # readings are not requests


def test_stats_by_every_dimension(reader, mixed):
    result = reader.stats(EventFilter())
    assert result["total"] == 5
    by = {name: {item["value"]: item["count"] for item in items} for name, items in result["by"].items()}
    assert by["decision"] == {"allow": 2, "redact": 1, "block": 1, None: 1}
    assert by["department"] == {"DWP": 2, "HMRC": 2, None: 1}
    assert by["model"] == {"gpt-4o": 2, "claude": 2, None: 1}
    assert by["reason"] == {"pii_to_unapproved_model": 1, "personal_data_redacted": 1}
    assert by["outcome"] == {"completed": 2, "blocked": 1, "rejected": 1, "upstream_error": 1}
    assert by["day"] == {"2025-03-11": 1, "2025-03-12": 1, "2025-03-13": 1, "2025-03-14": 2}
    assert [item["value"] for item in result["by"]["day"]] == sorted(by["day"])


def test_stats_from_rollups_equal_stats_counted_from_events(store, traffic):
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in range(120):
        when = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 10))
        kind = rng.choice(["allowed", "blocked", "redacted", "rejected", "upstream_failure"])
        getattr(traffic, kind)(
            received_at=when, department=rng.choice(["DWP", "HMRC", "MoJ"]), model=rng.choice(["a", "b"])
        )
    cases = [
        EventFilter(),
        EventFilter(since=datetime(2025, 1, 3, tzinfo=UTC), until=datetime(2025, 1, 8, tzinfo=UTC)),
        EventFilter(since=datetime(2025, 1, 2, 13, 5, tzinfo=UTC), until=datetime(2025, 1, 7, 9, 45, tzinfo=UTC)),
        EventFilter(since=datetime(2025, 1, 4, 1, tzinfo=UTC), until=datetime(2025, 1, 4, 23, tzinfo=UTC)),
        EventFilter(department="HMRC", decision=("block", "none")),
        EventFilter(model="b", outcome=("completed",), since=datetime(2025, 1, 5, 6, tzinfo=UTC)),
    ]
    with store.engine.connect() as connection:
        for filters in cases:
            by = ("day", "decision", "department", "model", "outcome") + (() if filters.outcome else ("reason",))
            fast = event_stats(connection, filters, by)
            exact = event_stats(connection, filters, by, rollups=False)
            assert fast["source"] == "rollups" and exact["source"] == "events"
            assert fast["total"] == exact["total"] > 0 and fast["by"] == exact["by"], filters


def test_stats_refuse_unknown_dimensions_without_recording_anything(reader, mixed):
    with pytest.raises(FilterError):
        reader.stats(EventFilter(), ["colour"])
    assert reader.search(EventFilter(kind="access")).events[0]["action"] == "query"  # only this query


def test_export_csv_and_jsonl(reader, mixed):
    lines = list(reader.export(EventFilter(), "jsonl"))
    events = [json.loads(line) for line in lines]
    assert [e["request_id"] for e in events] == [
        mixed[n].request_id for n in ("allowed", "redacted", "blocked", "rejected", "failed")
    ]
    assert events[1]["prompt_text"] == "Write to <PERSON_1> about the Tax Return deadline."
    rows = list(csv.DictReader(io.StringIO("".join(reader.export(EventFilter(), "csv")))))
    assert len(rows) == 5
    blocked = rows[2]
    assert blocked["decision"] == "block" and blocked["reasons"] == "pii_to_unapproved_model"
    assert blocked["findings"] == "UK_NINO=1" and blocked["signals"] == "agentic" and blocked["outcome"] == "blocked"
    assert rows[3]["decision"] == "" and rows[3]["status_code"] == "401"


def test_export_is_streamed_in_batches(reader, traffic, monkeypatch):
    import audit.queries

    for _ in range(7):
        traffic.allowed()
    monkeypatch.setattr(audit.queries, "EXPORT_BATCH", 3)
    reads: list[int] = []
    original = audit.queries._index_rows

    def counting(*args, **kwargs):
        found = original(*args, **kwargs)
        reads.append(len(found))
        return found

    monkeypatch.setattr(audit.queries, "_index_rows", counting)
    chunks = reader.export(EventFilter(), "jsonl")
    assert reads == []  # nothing read until the stream is consumed
    assert len(list(chunks)) == 7 and reads == [3, 3, 1]


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(reader, traffic):
    traffic.allowed(prompt_text='=HYPERLINK("http://x")')
    row = next(csv.DictReader(io.StringIO("".join(reader.export(EventFilter(), "csv")))))
    assert row["prompt_text"] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-31", datetime(2025, 1, 31, tzinfo=UTC)),
        ("2025-01-31T09:30:00Z", datetime(2025, 1, 31, 9, 30, tzinfo=UTC)),
        ("2025-01-31T10:30:00+01:00", datetime(2025, 1, 31, 9, 30, tzinfo=UTC)),
        ("30d", NOW - timedelta(days=30)),
        ("12h", NOW - timedelta(hours=12)),
        ("90m", NOW - timedelta(minutes=90)),
    ],
)
def test_time_forms(text, expected):
    assert parse_moment(text, NOW) == expected


@pytest.mark.parametrize(
    "filters",
    [
        {"colour": "red"},
        {"since": "yesterday"},
        {"decision": "maybe"},
        {"kind": "everything"},
        {"since": "2025-02-01", "until": "2025-01-01"},
    ],
)
def test_bad_filters_are_refused_with_the_name_of_the_problem(filters):
    with pytest.raises(FilterError) as refused:
        EventFilter.from_mapping(filters)
    assert refused.value.parameter in filters

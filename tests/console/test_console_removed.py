"""The console's event page says what retention or erasure removed, instead of showing empty fields."""

from __future__ import annotations

from datetime import UTC, datetime

from audit.access import Auditor, AuditReader
from audit.events import Completion, RequestEvent
from audit.settings import AuditSettings
from audit.store import AuditStore
from proxy.auth import Principal
from proxy.console.pages import templates


def test_an_erased_event_shows_what_was_erased_and_when(tmp_path):
    store = AuditStore(AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"))
    event = RequestEvent(
        request_id="req_0123456789abcdef01234567",
        received_at=datetime.now(UTC),
        endpoint="/v1/chat/completions",
        outcome="forwarded",
        user_id="zed.erasable@example.gov.uk",
        department="DWP",
        model="demo",
        signals=[{"type": "agentic", "evidence": "declares the tool 'zed_lookup'", "location": "tools"}],
        prompt_text="Zedsecret prompt",
    )
    store.record_request(event)
    store.record_completion(
        Completion(event.request_id, datetime.now(UTC), "completed", 200, answer_text="Zedsecret answer")
    )
    operator = AuditReader(store, Auditor.from_command_line())
    operator.erase("zed.erasable@example.gov.uk", None, dry_run=False)
    shown, position = operator.event_with_chain(event.request_id)
    auditor = Principal(user="carol@nao.gov.uk", department="NAO", roles=("auditor",), clearance="OFFICIAL", key_id="k")
    html = templates.get_template("event.html").render(
        principal=auditor,
        is_auditor=True,
        csrf_token="x",
        path="/console/events",
        title="t",
        event=shown,
        position=position,
    )
    assert "zed" not in html.casefold() and "Zedsecret" not in html
    assert "[erased]" in html and "The text was erased at the person&#39;s request" in html
    assert html.count("by the rule “erasure”") == 4  # identity, evidence and text of the request; the answer's text
    assert " UTC by the rule" in html
    store.engine.dispose()

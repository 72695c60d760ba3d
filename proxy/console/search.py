"""The event search form: its fields, and turning what was submitted into filters and links.

The form is a GET form whose field names are the audit filters' own names (see ``audit.queries.EventFilter``), so a
results page's address is the search itself: it can be bookmarked, paged and exported with the same query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from audit.queries import DECISIONS, EventFilter, FilterError
from core.vocabulary import FINDING_TYPES, SIGNAL_TYPES

PAGE_SIZES = (25, 10, 50, 100)  # the first is the default
OUTCOMES = ("completed", "blocked", "rejected", "failed", "upstream_error", "cancelled", "blocked_answer", "forwarded")
DECISION_LABELS = {
    "allow": "Allowed",
    "redact": "Redacted",
    "strip": "Tools stripped",
    "block": "Blocked",
    "none": "Refused before a decision",
}

# Free-text fields: several values comma-separated. (name, label, hint)
TEXT_FIELDS = (
    ("user", "User", "Email of the key's user. Several: separate with commas."),
    ("department", "Department", "For example HMRC, DWP. Several: separate with commas."),
    ("model", "Model", "For example gpt-4o. Several: separate with commas."),
    ("reason", "Reason code", "For example pii_to_unapproved_model. Several: separate with commas."),
    ("experiment", "Experiment", "A policy experiment's name. Several: separate with commas."),
    ("policy_version", "Policy version", "Several: separate with commas."),
    ("request_id", "Request ID", "For example req_3f2a… Several: separate with commas."),
    ("text", "Words in the redacted prompt or answer", "Case does not matter. Recorded only as a hash."),
)
# Choices: (name, legend, [(value, label)])
CHOICE_FIELDS = (
    ("decision", "Decision", [(d, DECISION_LABELS[d]) for d in DECISIONS]),
    ("outcome", "Outcome", [(o, o.replace("_", " ").capitalize()) for o in OUTCOMES]),
    ("finding", "Finding types", [(f, f) for f in FINDING_TYPES]),
    ("signal", "Usage signals", [(s, s.replace("_", " ").capitalize()) for s in SIGNAL_TYPES]),
)
# What each filter's error says: the auditor's own value is never echoed back into the page's messages.
FIELD_ERRORS = {
    "since": "Enter 'from' as a date like 2025-01-31, a time like 2025-01-31T09:30:00Z or an age like 7d",
    "until": "Enter 'to' as a date like 2025-02-01, a time like 2025-02-01T00:00:00Z or an age like 1d",
    "decision": "Choose decisions from the list",
    "kind": "Choose requests, readings of the trail, or both",
    "personal_data": "Tick the box or leave it empty",
    "limit": "Choose 10, 25, 50 or 100 events per page",
    "cursor": "That page link has expired: start again from the first page",
}
PAGE_OPTIONS = ("limit", "cursor")


@dataclass
class Search:
    """A submitted search: the filters (None if they could not be read), its values to show again, its errors."""

    filters: EventFilter | None
    values: dict[str, list[str]]
    limit: int = PAGE_SIZES[0]
    cursor: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: str | None) -> str:
        """This search's query string, with ``changes`` (a value of None removes the parameter)."""
        values: dict[str, list[str]] = {name: list(items) for name, items in self.values.items() if items}
        values["limit"] = [str(self.limit)]
        for name, value in changes.items():
            values.pop(name, None)
            if value is not None:
                values[name] = [value]
        return urlencode([(name, item) for name, items in values.items() for item in items])

    def export_query(self, export_format: str) -> str:
        values = {name: items for name, items in self.values.items() if items}
        return urlencode(
            [(name, item) for name, items in values.items() for item in items] + [("format", export_format)]
        )

    def selected(self, name: str) -> set[str]:
        return {part.strip() for item in self.values.get(name, []) for part in item.split(",")}

    def text(self, name: str) -> str:
        return ", ".join(item for item in self.values.get(name, []) if item)


def read_search(parameters: Mapping[str, list[str]], only_user: str | None = None) -> Search:
    """The search in a query string. ``only_user``: a user who may see only their own requests (the filter is
    theirs whatever was asked, and readings of the trail are not theirs to see)."""
    known = (
        {name for name, *_ in TEXT_FIELDS}
        | {name for name, *_ in CHOICE_FIELDS}
        | {"since", "until", "personal_data", "kind", *PAGE_OPTIONS}
    )
    values = {name: [item for item in items if item.strip()] for name, items in parameters.items() if name in known}
    search = Search(None, {name: items for name, items in values.items() if name not in PAGE_OPTIONS})
    for name in parameters:
        if name not in known and name != "format":
            search.errors.setdefault("form", "The address has a search option the console does not know: search again")
    limit = values.get("limit", [str(PAGE_SIZES[0])])[-1]
    if limit not in {str(size) for size in PAGE_SIZES}:
        search.errors["limit"] = FIELD_ERRORS["limit"]
    else:
        search.limit = int(limit)
    cursors = values.get("cursor") or []
    search.cursor = cursors[-1] if cursors else None
    if only_user is not None:
        search.values["user"] = [only_user]
        search.values.pop("kind", None)
    try:
        search.filters = EventFilter.from_mapping(search.values)
    except FilterError as error:
        name = error.parameter or "form"
        if "before" in str(error):
            search.errors["until"] = "'To' must be after 'from'"
        else:
            search.errors[name] = FIELD_ERRORS.get(name, "Check this filter")
    if search.errors:
        search.filters = None
    return search

"""Reversible, consistent placeholders; restoration whatever the stream's chunk boundaries."""

from __future__ import annotations

import random

from core.findings import Finding
from detectors.pseudonymise import Pseudonymiser, redact_by_type

TEXT = "Ann Lee emailed ann@x.org; Ann Lee called."
FINDINGS = [Finding("PERSON", 0, 7, 0.9), Finding("EMAIL_ADDRESS", 16, 25, 1.0), Finding("PERSON", 27, 34, 0.9)]


def test_same_value_same_placeholder_numbered_in_reading_order():
    pseudonymiser = Pseudonymiser()
    assert pseudonymiser.redact(TEXT, FINDINGS) == "<PERSON_1> emailed <EMAIL_ADDRESS_1>; <PERSON_1> called."
    assert pseudonymiser.redact("Then Bob Tan.", [Finding("PERSON", 5, 12, 0.8)]) == "Then <PERSON_2>."
    assert pseudonymiser.mapping == {"<PERSON_1>": "Ann Lee", "<EMAIL_ADDRESS_1>": "ann@x.org", "<PERSON_2>": "Bob Tan"}


def test_only_requested_types_are_replaced():
    assert (
        Pseudonymiser().redact(TEXT, FINDINGS, {"EMAIL_ADDRESS"})
        == "Ann Lee emailed <EMAIL_ADDRESS_1>; Ann Lee called."
    )


def test_restore_round_trip_and_unknown_placeholders_are_left_alone():
    pseudonymiser = Pseudonymiser()
    redacted = pseudonymiser.redact(TEXT, FINDINGS)
    assert pseudonymiser.restore(redacted) == TEXT
    assert pseudonymiser.restore("<PERSON_9> stays") == "<PERSON_9> stays"


def test_other_modes_are_not_reversible():
    pseudonymiser = Pseudonymiser({"PERSON": "mask", "EMAIL_ADDRESS": "hash"})
    redacted = pseudonymiser.redact(TEXT, FINDINGS)
    assert redacted.startswith("******* emailed <EMAIL_ADDRESS:")
    assert "ann@x.org" not in redacted and pseudonymiser.mapping == {}
    dropped = Pseudonymiser({"PERSON": "drop"}).redact(TEXT, FINDINGS, {"PERSON"})
    assert dropped == "[PERSON removed] emailed ann@x.org; [PERSON removed] called."


def test_stream_restoration_is_independent_of_chunk_boundaries():
    pseudonymiser = Pseudonymiser()
    redacted = pseudonymiser.redact(TEXT, FINDINGS) + " <3 and <b> and <PERSON_"
    rng = random.Random(7)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(redacted)), rng.randint(1, 12)))
        chunks = [redacted[a:b] for a, b in zip([0, *cuts], [*cuts, len(redacted)])]
        restorer = pseudonymiser.stream_restorer()
        out = "".join(restorer.feed(chunk) for chunk in chunks) + restorer.flush()
        assert out == pseudonymiser.restore(redacted)


def test_stream_holds_back_only_a_possible_placeholder_prefix():
    pseudonymiser = Pseudonymiser()
    pseudonymiser.redact(TEXT, FINDINGS)
    restorer = pseudonymiser.stream_restorer()
    assert restorer.feed("Dear <PER") == "Dear "
    assert restorer.feed("SON_1>, hello") == "Ann Lee, hello"
    assert restorer.feed("a < b") == "a < b"


def test_audit_form_keeps_only_the_type():
    assert redact_by_type(TEXT, FINDINGS) == "<PERSON> emailed <EMAIL_ADDRESS>; <PERSON> called."

"""Placeholders come back only in prose: never where a client would fetch, follow or run them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.findings import Finding
from detectors.pseudonymise import TOOL_ARGUMENT, Pseudonymiser

NAME = "Margaret Thornton"
EMAIL = "m.thornton@example.org"
LINK = "inside a link or image target"
URL = "inside a URL"
TAG = "inside an HTML tag or attribute"


def pseudonymiser() -> Pseudonymiser:
    p = Pseudonymiser()
    text = f"{NAME} {EMAIL}"
    p.redact(text, [Finding("PERSON", 0, len(NAME), 0.9), Finding("EMAIL_ADDRESS", len(NAME) + 1, len(text), 1.0)])
    assert p.mapping == {"<PERSON_1>": NAME, "<EMAIL_ADDRESS_1>": EMAIL}
    return p


# (model answer, what the user gets, placeholders left unrestored by reason)
CASES = [
    ("Dear <PERSON_1>, thank you.", f"Dear {NAME}, thank you.", {}),
    ("**<PERSON_1>** wrote (<EMAIL_ADDRESS_1>).", f"**{NAME}** wrote ({EMAIL}).", {}),
    ("<PERSON_1>'s letter", f"{NAME}'s letter", {}),
    ("Write to:<EMAIL_ADDRESS_1>", f"Write to:{EMAIL}", {}),
    ("a < b and <PERSON_1>", f"a < b and {NAME}", {}),
    ("`<PERSON_1>` in code", f"`{NAME}` in code", {}),
    ("<PERSON_9> is not ours", "<PERSON_9> is not ours", {}),
    # markdown image and link targets
    ("![x](https://example.net/p.png?u=<PERSON_1>)", "![x](https://example.net/p.png?u=<PERSON_1>)", {LINK: 1}),
    ("![<PERSON_1>](/img?<PERSON_1>) <PERSON_1>", f"![{NAME}](/img?<PERSON_1>) {NAME}", {LINK: 1}),
    ("[mail <PERSON_1>](mailto:<EMAIL_ADDRESS_1>)", f"[mail {NAME}](mailto:<EMAIL_ADDRESS_1>)", {LINK: 1}),
    ("[a](x(<PERSON_1>)y) then <PERSON_1>", f"[a](x(<PERSON_1>)y) then {NAME}", {LINK: 1}),
    ("[a](<<PERSON_1>>)", "[a](<<PERSON_1>>)", {LINK: 1}),
    ('[a](/p "title <PERSON_1>")', '[a](/p "title <PERSON_1>")', {LINK: 1}),
    ("[ref]: https://t.example/?n=<PERSON_1>\n<PERSON_1>", f"[ref]: https://t.example/?n=<PERSON_1>\n{NAME}", {URL: 1}),
    ("[ref]: <PERSON_1>", "[ref]: <PERSON_1>", {URL: 1}),
    # autolinks and bare URLs
    ("<https://example.net/u/<PERSON_1>>", "<https://example.net/u/<PERSON_1>>", {TAG: 1}),
    (
        "see https://example.net/?u=<PERSON_1> for <PERSON_1>",
        f"see https://example.net/?u=<PERSON_1> for {NAME}",
        {URL: 1},
    ),
    ("(https://example.net/<PERSON_1>)", "(https://example.net/<PERSON_1>)", {URL: 1}),
    ("www.example.net/<PERSON_1>", "www.example.net/<PERSON_1>", {URL: 1}),
    ("example.net/p.png?u=<PERSON_1>", "example.net/p.png?u=<PERSON_1>", {URL: 1}),
    ("mailto:<EMAIL_ADDRESS_1>", "mailto:<EMAIL_ADDRESS_1>", {URL: 1}),
    ("https://<PERSON_1>.example.net x", "https://<PERSON_1>.example.net x", {URL: 1}),
    # HTML tags and attributes
    (
        '<img src="https://example.net/p.png?u=<PERSON_1>">',
        '<img src="https://example.net/p.png?u=<PERSON_1>">',
        {TAG: 1},
    ),
    (
        "<a href=/x?<PERSON_1> title='<PERSON_1> > 1'>hi <PERSON_1></a>",
        f"<a href=/x?<PERSON_1> title='<PERSON_1> > 1'>hi {NAME}</a>",
        {TAG: 2},
    ),
    ("<<PERSON_1>>", "<<PERSON_1>>", {TAG: 1}),
]


@pytest.mark.parametrize(("answer", "shown", "left"), CASES)
def test_placeholders_are_restored_in_prose_only(answer, shown, left):
    p = pseudonymiser()
    assert p.restore(answer) == shown
    assert p.unrestored == left


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(CASES), cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_any_chunking_of_a_stream_gives_the_same_answer_and_the_same_count(case, cuts):
    answer, shown, left = case
    points = sorted({c for c in cuts if 0 < c < len(answer)})
    chunks = [answer[a:b] for a, b in zip([0, *points], [*points, len(answer)])]
    p = pseudonymiser()
    restorer = p.stream_restorer()
    out = "".join(restorer.feed(chunk) for chunk in chunks) + restorer.flush()
    assert out == shown
    assert p.unrestored == left


@settings(max_examples=40, deadline=None)
@given(split=st.integers(min_value=1, max_value=60), prose=st.booleans())
def test_a_url_begun_chunks_earlier_still_keeps_its_placeholder(split, prose):
    tail = " and more prose from the model before the link. " * 2
    answer = (
        tail
        + "![chart](https://charts.example.net/render?title=<PERSON_1>&x=1)"
        + (" Thanks <PERSON_1>." if prose else "")
    )
    p = pseudonymiser()
    restorer = p.stream_restorer()
    chunks = [answer[i : i + split] for i in range(0, len(answer), split)]
    out = "".join(restorer.feed(chunk) for chunk in chunks) + restorer.flush()
    assert NAME not in out.split("Thanks")[0]
    assert out.endswith(f" Thanks {NAME}.") == prose
    assert p.unrestored == {LINK: 1}


def test_tool_call_arguments_keep_every_placeholder_and_say_so():
    p = pseudonymiser()
    arguments = '{"to": "<EMAIL_ADDRESS_1>", "note": "for <PERSON_1>", "other": "<PERSON_7>"}'
    assert p.keep_placeholders(arguments, TOOL_ARGUMENT) == arguments
    restorer = p.stream_restorer(keep=TOOL_ARGUMENT)
    streamed = "".join(restorer.feed(arguments[i : i + 5]) for i in range(0, len(arguments), 5)) + restorer.flush()
    assert streamed == arguments
    assert p.unrestored == {TOOL_ARGUMENT: 4}  # two placeholders, twice; <PERSON_7> is not this request's


def test_a_request_without_placeholders_passes_text_through_untouched():
    p = Pseudonymiser()
    text = "![x](https://example.net/<PERSON_1>) <PERSON_1>"
    assert p.restore(text) == text
    restorer = p.stream_restorer()
    assert restorer.feed(text) + restorer.flush() == text
    assert p.unrestored == {}

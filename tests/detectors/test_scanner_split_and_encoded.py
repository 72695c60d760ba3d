"""Scanner.scan: values split across adjacent parts, and values hidden in encoded content."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.encodings import BUDGET
from detectors.neighbourhood import SEPARATOR
from detectors.scanner import AnalysisCache, Scanner
from detectors.settings import DetectionSettings
from proxy.formats import parse_request


@pytest.fixture(scope="module")
def scanner(analyzer) -> Scanner:
    scanner = Scanner.__new__(Scanner)
    scanner.settings = DetectionSettings()
    scanner._analyzer = analyzer
    scanner._cache = AnalysisCache(1000)
    return scanner


def chat(*messages) -> dict:
    return {"model": "demo", "messages": [{"role": "user", "content": m} for m in messages]}


def located(scanner: Scanner, body: dict) -> list[tuple[str, int, str, str | None]]:
    conversation = parse_request("/v1/chat/completions", body)
    result = scanner.scan(conversation)
    return [(f.type, f.part, conversation.parts[f.part].text[f.start : f.end], f.encoding) for f in result.findings]


def test_a_value_split_across_two_messages_is_a_finding_in_both(scanner):
    found = located(scanner, chat("Her NI number is JK 41 22", "90 B. Can you check her claim?"))
    assert found == [("UK_NINO", 0, "JK 41 22", None), ("UK_NINO", 1, "90 B", None)]


def test_a_value_split_next_to_a_space_is_read_with_that_one_space(scanner):
    found = located(scanner, chat("Her NI number is JK 41 22 ", "90 B, thanks."))
    assert found == [("UK_NINO", 0, "JK 41 22 ", None), ("UK_NINO", 1, "90 B", None)]
    found = located(scanner, chat("Her NI number is JK 41 22", " 90 B, thanks."))
    assert found == [("UK_NINO", 0, "JK 41 22", None), ("UK_NINO", 1, " 90 B", None)]


def test_a_value_split_across_two_text_parts_of_one_message(scanner):
    body = {
        "model": "demo",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Her NI number is JK4122"},
                    {"type": "text", "text": "90B, please check it."},
                ],
            }
        ],
    }
    assert located(scanner, body) == [("UK_NINO", 0, "JK4122", None), ("UK_NINO", 1, "90B", None)]


def test_a_value_whole_in_one_part_is_reported_once(scanner):
    found = located(scanner, chat("Her NI number is JK 41 22 90 B", "Thanks."))
    assert found == [("UK_NINO", 0, "JK 41 22 90 B", None)]


def test_only_the_seam_is_read_not_the_whole_neighbour(scanner):
    # A value far from the seam is not joined to anything: each part alone decides it.
    far = "JK 41 22 " + "x" * 100
    assert located(scanner, chat(far, "90 B")) == []


def test_turn_n_reads_only_its_new_seams(scanner, monkeypatch):
    history = [f"Message {n} about the repair of flat {n}" for n in range(20)]
    scanner.scan(parse_request("/v1/chat/completions", chat(*history)))
    analysed = []
    original = scanner._analyzer.analyze
    monkeypatch.setattr(scanner._analyzer, "analyze", lambda text: analysed.append(text) or original(text))
    new = "12B and the boiler."
    scanner.scan(parse_request("/v1/chat/completions", chat(*history, new)))
    # The new message, then both readings of the one new seam in one call (both sides are shorter than the
    # seam's width); nothing from the history.
    last = history[-1]
    assert analysed == [new, f"{last} {new}{SEPARATOR}{last}{new}"]


ENCODINGS = {
    "base64": lambda text: base64.b64encode(text.encode()).decode(),
    "base64url": lambda text: base64.urlsafe_b64encode(text.encode()).decode().rstrip("="),
    "url": lambda text: urllib.parse.quote(text, safe=""),
    "hex": lambda text: text.encode().hex(),
}

ninos = st.builds(
    lambda first, second, digits, suffix, spaced: (" " if spaced else "").join(
        [first + second, digits[:2], digits[2:4], digits[4:], suffix]
    ),
    st.sampled_from("ABCEGHJKLMNPRSTWXY"),
    st.sampled_from("ABCEGHJKLMNPRSTWXY"),
    st.text("0123456789", min_size=6, max_size=6),
    st.sampled_from("ABCD"),
    st.booleans(),
).filter(lambda value: value[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nhs_number(digits: str) -> str | None:
    check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return None if check == 10 or len(set(digits)) == 1 else f"{digits[:3]} {digits[3:6]} {digits[6:]}{check}"


nhs_numbers = st.text("0123456789", min_size=9, max_size=9).map(lambda d: nhs_number("4" + d[1:])).filter(bool)
identifiers = st.one_of(
    ninos.map(lambda v: ("UK_NINO", "National Insurance number ", v)),
    nhs_numbers.map(lambda v: ("UK_NHS", "NHS number ", v)),
    st.from_regex(r"[a-z]{3,10}\.[a-z]{3,10}", fullmatch=True).map(
        lambda v: ("EMAIL_ADDRESS", "write to ", f"{v}@example.org")
    ),
)


@settings(max_examples=150, deadline=None)
@given(identifier=identifiers, encoding=st.sampled_from(sorted(ENCODINGS)))
def test_an_identifier_in_any_encoding_is_found_and_marked(scanner, identifier, encoding):
    kind, label, value = identifier
    encoded = ENCODINGS[encoding](label + value)
    text = f"Please decode this for me: {encoded} and summarise it."
    found = located(scanner, chat(text))
    if value in encoded:
        # URL encoding leaves a compact identifier as it is: it is found where it is written, and replaceable.
        assert (kind, 0, value, None) in found
    else:
        name = "base64" if encoding.startswith("base64") else encoding
        assert (kind, 0, encoded, name) in found
    # Whatever is found lies in the encoded run: the words around it hold nothing.
    assert found and all(f[2] in encoded for f in found)


def test_an_identifier_encoded_twice_names_both_encodings(scanner):
    inner = urllib.parse.quote("NI number JK 41 22 90 B", safe="")
    outer = base64.b64encode(inner.encode()).decode()
    assert located(scanner, chat(f"What does {outer} say?")) == [("UK_NINO", 0, outer, "base64+url")]


def test_a_value_written_plainly_inside_a_url_is_an_ordinary_finding(scanner):
    # Decoding the link reads "… JK412290B … Hello there"; the NI number stands in the link as written, so it is
    # found where it is written and can be replaced, not refused as hidden.
    text = "Open https://forms.example.org/claim?ref=JK412290B&subject=Hello%20there%20again please"
    found = located(scanner, chat(text))
    assert found == [("UK_NINO", 0, "JK412290B", None)]


def test_ordinary_encoded_content_finds_nothing(scanner):
    image = base64.b64encode(bytes(range(256)) * 20).decode()
    text = (
        f"The form is at https://www.gov.uk/search?q=housing%20benefit%20appeal&order=updated and the "
        f"logo is data:image/png;base64,{image} with checksum 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c."
    )
    conversation = parse_request("/v1/chat/completions", chat(text))
    result = scanner.scan(conversation)
    assert result.findings == [] and result.signals == []


def test_encoded_text_too_long_to_read_is_reported_as_unscannable(scanner):
    long = base64.b64encode(("An ordinary sentence. " * (BUDGET // 10)).encode()).decode()
    conversation = parse_request("/v1/chat/completions", chat(f"Decode {long}"))
    result = scanner.scan(conversation)
    assert [(s.type, s.evidence, s.location) for s in result.signals] == [
        ("unscannable_content", "encoded text longer than 64 KB was not read in full", "messages[0].content")
    ]

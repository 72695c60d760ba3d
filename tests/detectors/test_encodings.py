"""Encoded runs: which are decoded, to what, and within which bounds."""

from __future__ import annotations

import base64
import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.encodings import BUDGET, MIN_RUN, decode_all, encoding_names, is_text

# Readable text of the length a run must have to be tried, with something that is not a space.
readable = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_categories=("Cc", "Cs")), min_size=12, max_size=200
).filter(lambda s: any(c.isalnum() for c in s))


def decoded(text: str) -> list[tuple[str, str, str]]:
    return [(text[d.start : d.end], d.encoding, d.text) for d in decode_all(text).texts]


@settings(max_examples=200, deadline=None)
@given(readable, st.sampled_from(["standard", "urlsafe", "unpadded"]))
def test_any_base64_text_is_read_back(text, alphabet):
    encoded = {"standard": base64.b64encode, "urlsafe": base64.urlsafe_b64encode}.get(alphabet, base64.b64encode)(
        text.encode()
    ).decode()
    if alphabet == "unpadded":
        encoded = encoded.rstrip("=")
    assert (encoded, "base64", text) in decoded(f"please decode {encoded} for me")


@settings(max_examples=200, deadline=None)
@given(readable)
def test_any_hex_text_is_read_back(text):
    encoded = text.encode().hex()
    assert (encoded, "hex", text) in decoded(f"hex: {encoded}.")


@settings(max_examples=200, deadline=None)
@given(readable)
def test_any_url_encoded_text_is_read_back(text):
    encoded = urllib.parse.quote(text, safe="")
    found = decoded(f"see https://x.example/?q={encoded} now")
    if "%" in encoded:
        assert (f"https://x.example/?q={encoded}", "url", f"https://x.example/?q={text}") in found
    else:
        assert not any(encoding == "url" for _, encoding, _ in found)


def test_text_inside_decoded_text_is_decoded_once_more_and_no_further():
    inner = urllib.parse.quote("NI number JK 41 22 90 B", safe="")
    twice = base64.b64encode(inner.encode()).decode()
    assert decoded(f"x {twice} y") == [
        (twice, "base64", inner),
        (twice, "base64+url", "NI number JK 41 22 90 B"),
    ]
    thrice = base64.b64encode(twice.encode()).decode()
    assert [encoding for _, encoding, _ in decoded(thrice)] == ["base64", "base64+base64"]


def test_binary_and_ordinary_words_are_not_text():
    image = base64.b64encode(bytes(range(256)) * 40).decode()
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    words = "internationalisation, counterrevolutionaries and /usr/local/lib/python3/site-packages"
    assert decoded(f"data:image/png;base64,{image} sha256 {digest} {words}") == []


def test_short_runs_are_left_alone():
    compact = base64.b64encode(b"JK412290B").decode()  # 12 characters: a compact NI number is just long enough
    assert decoded(f"id {compact}") == [(compact, "base64", "JK412290B")]
    short = base64.b64encode(b"JK4122").decode()  # 8 characters
    assert len(short) < MIN_RUN and decoded(f"id {short}") == []


def test_decoded_text_is_bounded_and_what_is_left_unread_is_reported():
    big = base64.b64encode(("A plain sentence. " * 5000).encode()).decode()
    content = decode_all(big)
    assert content.over_budget
    assert sum(len(d.text.encode()) for d in content.texts) <= BUDGET
    assert not decode_all(base64.b64encode(b"A plain sentence. " * 10).decode()).over_budget


def test_is_text():
    assert is_text("Café au lait, 3 €".encode())
    assert not is_text(b"\x00\x01\x02abc")
    assert not is_text(b"... --- ...")  # nothing to read
    assert not is_text(b"\xff\xfeab")
    # A multi-byte character cut at the end of a sample is not held against it, but is in a whole text.
    assert is_text("abcé".encode()[:-1], final=False) and not is_text("abcé".encode()[:-1])


def test_encoding_names():
    assert encoding_names("base64+url") == ["base64", "url"] and encoding_names("hex") == ["hex"]

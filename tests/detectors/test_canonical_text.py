"""The canonical reading of a text and its exact map back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.canonical_text import canonical_text

# Characters that change length or disappear under the canonical reading, mixed with ordinary ones.
TRICKY = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066\u034f\ufe0f"  # invisible
    "\ufb01\ufb03\u2122\u3392\u2460\u00bd\u2026\u01c4\u0132"  # NFKC expands: ﬁ ﬃ ™ ㎒ ① ½ … Ǆ Ĳ
    "\u0301\u0308\u0327\u1161\u11a8\uff9e"  # combining marks and composing jamo / halfwidth voiced mark
    "\uff2a\uff4b\uff11\uff20\u00a0\u2009\u3000\u2013\u2011\u2212"  # fullwidth, spaces, dashes
    "\u041a\u0410\u0435\u0391\u03bf\u0663\u096a"  # look-alikes, Arabic-Indic and Devanagari digits
    "\u1100\uac00\u0915\u093c"  # Hangul lead jamo, a syllable, Devanagari ka + nukta
)
texts = st.text(
    alphabet=st.sampled_from(TRICKY) | st.characters(codec="utf-8") | st.sampled_from("aeAK19 -."), max_size=60
)


@settings(max_examples=600, deadline=None)
@given(texts, st.data())
def test_every_span_maps_back_to_original_text_that_reads_the_same(text, data):
    reading = canonical_text(text)
    start = data.draw(st.integers(0, len(reading.text)))
    end = data.draw(st.integers(start, len(reading.text)))
    original_start, original_end = reading.original_span(start, end)
    assert 0 <= original_start <= original_end <= len(text)
    aligned_start, aligned_end = reading.aligned_span(start, end)
    assert aligned_start <= start <= end <= aligned_end
    # What the user wrote there, read canonically, is exactly the canonical span (widened to whole pieces).
    assert canonical_text(text[original_start:original_end]).text == reading.text[aligned_start:aligned_end]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_the_whole_text_maps_to_all_but_invisible_ends_and_reading_is_stable(text):
    reading = canonical_text(text)
    start, end = reading.original_span(0, len(reading.text))
    assert canonical_text(text[:start]).text == "" and canonical_text(text[end:]).text == ""
    assert canonical_text(reading.text).text == reading.text


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("ＪＫ４１２２９０Ｂ", "JK412290B"),  # fullwidth letters and digits
        ("JK\u00a041\u200922\u300090 B", "JK 41 22 90 B"),  # no-break, thin, ideographic spaces
        ("JK\u201341\u201422\u201190\u2212B", "JK-41-22-90-B"),  # en and em dash, non-breaking hyphen, minus
        ("SEC\u200bRET and OF\u00adFICIAL\u2060", "SECRET and OFFICIAL"),  # zero-width space, soft hyphen, joiner
        ("\u041a\u0408 41 22 90 \u0412", "KJ 41 22 90 B"),  # Cyrillic look-alikes
        ("\u0391\u0392 12", "AB 12"),  # Greek look-alikes
        ("a\uff20example.com", "a@example.com"),  # fullwidth at sign
        ("\u0664\u0665\u0666 \u096a", "456 4"),  # Arabic-Indic and Devanagari digits
        ("e\u0301", "\u00e9"),  # composed, as NFKC does
        ("\ufb01le", "file"),  # a ligature expands
        ("line\u2028next", "line\nnext"),
        ("plain ASCII stays as it is\twith tabs\n", "plain ASCII stays as it is\twith tabs\n"),
    ],
)
def test_spellings_read_as_one(written, read):
    assert canonical_text(written).text == read


@pytest.mark.parametrize(
    ("written", "value", "original"),
    [
        ("NI: JK 41\u200b22 90 B.", "JK 4122 90 B", "JK 41\u200b22 90 B"),  # an invisible character inside is kept
        ("\u200bSECRET\u200b", "SECRET", "SECRET"),  # and those just outside are not
        ("x \ufb01le y", "file", "\ufb01le"),
        ("x \ufb01le y", "ile", "\ufb01le"),  # a span inside a piece widens to the whole piece
        ("ＪＫ４１ ok", "ＪＫ４１"[:2].translate({0xFF2A: "J", 0xFF2B: "K"}), "ＪＫ"),
        ("cafe\u0301 JK", "caf\u00e9", "cafe\u0301"),
    ],
)
def test_a_value_maps_back_to_exactly_what_was_written(written, value, original):
    reading = canonical_text(written)
    start = reading.text.index(value)
    original_start, original_end = reading.original_span(start, start + len(value))
    assert written[original_start:original_end] == original


def test_ascii_is_not_copied():
    text = "an ordinary prompt " * 10
    assert canonical_text(text).text is text

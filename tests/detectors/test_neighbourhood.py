"""Seams between adjacent parts: the bounded neighbourhood, and findings that cross it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.findings import Finding
from detectors.neighbourhood import (
    SEPARATOR,
    WIDTH,
    Seam,
    crossing_findings,
    read_together,
    seams,
)


def test_each_seam_holds_the_last_and_first_width_characters():
    left, right = "x" * 100 + " JK 41", "22 90 B" + " y" * 100
    [seam] = seams([left, right])
    assert seam.left == 0 and seam.right == 1
    assert seam.tail == left[-WIDTH:] and seam.tail_offset == len(left) - WIDTH
    assert seam.head == right[:WIDTH]
    assert seam.readings() == [left[-WIDTH:] + " " + right[:WIDTH], left[-WIDTH:] + right[:WIDTH]]


def test_short_parts_are_read_whole_and_blank_parts_have_no_seam():
    found = seams(["JK", "41", "   ", "22", "90B"])
    assert [(s.left, s.tail, s.head, s.tail_offset) for s in found] == [(0, "JK", "41", 0), (3, "22", "90B", 0)]


def test_whole_sentences_away_from_the_seam_are_left_out():
    left = "The board met today. It agreed the plan. Her NI number is JK 41"
    right = "22 90 B. Please check it. Then write to Mr. Evans."
    [seam] = seams([left, right])
    # "B." may be an initial, so the head runs on to the end of the next sentence.
    assert (seam.tail, seam.head, seam.tail_offset) == (
        "Her NI number is JK 41",
        "22 90 B. Please check it.",
        left.index("Her"),
    )
    # An initial or a title is not the end of a sentence.
    [seam] = seams(["Dr. Alice", "Morgan wrote. Then"])
    assert (seam.tail, seam.head) == ("Dr. Alice", "Morgan wrote.")


@pytest.mark.parametrize(
    ("tail", "head", "read"),
    [
        ("Her NI number is JK 41 22", "90 B please", True),
        ("JK4122", "90B", True),
        ("write to ann@exa", "mple.com today", True),
        ("write to", "ann@example.com", False),  # the address is wholly on one side
        ("Please write to Mrs Margaret", "Thornton about it", True),  # perhaps a name
        ("This is marked TOP", "SECRET and", True),
        ("classified", "OFFICIAL-SENSITIVE", False),  # the marking is wholly on one side
        ("write to ann", "@example.com", True),
        ("write to alice.", "morgan@example.org", True),
        ("the key is sk-proj-abc", "defgh and more", True),
        ("Draft a reply to Alice Morgan (42).", "Draft a reply", False),
        ("the phone number 07700 9", "Draft a reply", False),
        ("Ring 07700", "900123", True),
        ("The programme board reviewed the deliv", "Draft a reply", False),  # two ordinary words
        ("You are a helpful assistant for civil servants.", "Draft a reply", False),  # a sentence ends
        ("I spoke to Alice.", "Morgan said", False),
        ("Call", "me later", False),
        ("born on 12", "March 1990", False),  # a known gap: a date split between its day and its month
    ],
)
def test_a_seam_is_read_only_where_the_words_meeting_there_could_be_one_value(tail, head, read):
    assert bool(seams([tail, head])) is read


def test_only_findings_crossing_the_seam_are_reported_clipped_to_each_part():
    seam = Seam(left=4, tail="abc JK 41", head="22 90 B xyz", tail_offset=10)
    # In the spaced reading the head starts at 10; in the joined one at 9.
    inside_tail, inside_head = Finding("PERSON", 0, 3, 0.9), Finding("PERSON", 17, 20, 0.9)
    across = Finding("UK_NINO", 4, 17, 1.0)
    assert seam.crossing(" ", [inside_tail, inside_head, across]) == [
        Finding("UK_NINO", 14, 19, 1.0, part=4),
        Finding("UK_NINO", 0, 7, 1.0, part=5),
    ]
    # Ending on the space between the two sides is not crossing it.
    assert seam.crossing(" ", [Finding("X", 4, 10, 1.0)]) == []
    assert seam.crossing("", [Finding("X", 4, 10, 1.0)]) == [
        Finding("X", 14, 19, 1.0, part=4),
        Finding("X", 0, 1, 1.0, part=5),
    ]


def test_sides_are_joined_with_nothing_only_where_a_value_may_have_been_cut():
    def joins(tail: str, head: str) -> list[str]:
        return Seam(0, tail, head, 0).joins()

    assert joins("JK 4122", "90B") == [" ", ""]
    assert joins("write to ann@example.", "com") == [" ", ""]
    assert joins("sent from ann@example.com.", "and my key") == [" ", ""]  # the run-on check handles this one
    assert joins("sent from ann@example.com.", "My key") == []  # not read at all
    assert joins("Thanks!", "Next") == []  # not read at all
    assert joins("JK 41 22 ", "90 B") == [""] and joins("JK 41 22", " 90 B") == [""]


def test_both_readings_count_and_the_same_piece_is_reported_once():
    seam = Seam(left=0, tail="JK 41", head="22 90 B", tail_offset=0)
    assert seam.readings() == ["JK 41 22 90 B", "JK 4122 90 B"]
    found = crossing_findings(seam, [[Finding("UK_NINO", 0, 13, 0.75)], [Finding("UK_NINO", 0, 12, 0.9)]])
    assert sorted((f.part, f.start, f.end, f.score) for f in found) == [(0, 0, 5, 0.9), (1, 0, 7, 0.9)]


def test_texts_read_together_get_their_own_findings_back():
    analysed = []

    def analyze(text):
        analysed.append(text)
        # One finding in each text, and one reaching across the separator, which must be dropped.
        first, second = text.index("AB"), text.index("CD")
        return [
            Finding("X", first, first + 2, 1.0),
            Finding("Y", second - 3, second + 2, 1.0),
            Finding("X", second, second + 2, 1.0),
        ]

    assert read_together(["an AB", "CD here"], analyze) == [[Finding("X", 3, 5, 1.0)], [Finding("X", 0, 2, 1.0)]]
    assert analysed == ["an AB" + SEPARATOR + "CD here"]
    assert read_together([], analyze) == []


def test_reading_together_is_bounded_in_size(monkeypatch):
    from detectors import neighbourhood

    monkeypatch.setattr(neighbourhood, "BATCH_CHARACTERS", 100)
    calls = []
    found = read_together(["a" * 60, "b" * 60, "c" * 10], lambda text: calls.append(text) or [])
    assert calls == ["a" * 60, "b" * 60 + SEPARATOR + "c" * 10] and found == [[], [], []]


NINO_PREFIXES = ["AB", "CE", "JK", "PR", "WX"]


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.sampled_from(NINO_PREFIXES),
    digits=st.text("0123456789", min_size=6, max_size=6),
    suffix=st.sampled_from("ABCD"),
    spaced=st.booleans(),
    data=st.data(),
)
def test_a_national_insurance_number_split_anywhere_is_found_in_both_parts(
    analyzer, prefix, digits, suffix, spaced, data
):
    groups = [prefix, digits[:2], digits[2:4], digits[4:], suffix]
    value = (" " if spaced else "").join(groups)
    cut = data.draw(st.integers(1, len(value) - 1))
    # The user's own split leaves no trailing or leading space inside a part.
    left, right = value[:cut].rstrip(), value[cut:].lstrip()
    texts = [f"Her National Insurance number is {left}", f"{right} and she lives in Leeds."]
    [seam] = seams(texts)
    found = crossing_findings(seam, read_together(seam.readings(), analyzer.analyze))
    pieces = sorted((f.part, texts[f.part][f.start : f.end]) for f in found if f.type == "UK_NINO")
    assert pieces == [(0, left), (1, right)]


def test_a_value_complete_on_one_side_does_not_run_on_into_the_other(analyzer):
    texts = ["VPN username jdoe, password: Welcome123", "and compare the two acts."]
    [seam] = seams(texts)
    own = {(f.type, f.start, f.end, 0) for f in analyzer.analyze(texts[0])}
    assert ("CREDENTIAL", texts[0].index("Welcome123"), len(texts[0]), 0) in own
    readings = read_together(seam.readings(), analyzer.analyze)
    assert crossing_findings(seam, readings, own) == []
    # Without knowing what the part held, joined with nothing the password would swallow the next word.
    assert {(f.part, f.type) for f in crossing_findings(seam, readings)} == {(0, "CREDENTIAL"), (1, "CREDENTIAL")}

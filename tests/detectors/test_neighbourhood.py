"""Seams between adjacent parts: the bounded neighbourhood, and findings that cross it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.findings import Finding
from detectors.neighbourhood import WIDTH, Seam, crossing_findings, seams


def test_each_seam_holds_the_last_and_first_width_characters():
    left, right = "a" * 100 + "TAIL", "HEAD" + "b" * 100
    [seam] = seams([left, right])
    assert seam.left == 0 and seam.right == 1
    assert seam.tail == left[-WIDTH:] and seam.tail_offset == len(left) - WIDTH
    assert seam.head == right[:WIDTH]
    assert seam.readings() == [left[-WIDTH:] + " " + right[:WIDTH], left[-WIDTH:] + right[:WIDTH]]


def test_short_parts_are_read_whole_and_blank_parts_have_no_seam():
    found = seams(["one", "two", "   ", "three", "four"])
    assert [(s.left, s.tail, s.head, s.tail_offset) for s in found] == [(0, "one", "two", 0), (3, "three", "four", 0)]


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
    assert seam.crossing("", [Finding("X", 4, 10, 1.0)]) == [Finding("X", 14, 19, 1.0, part=4), Finding("X", 0, 1, 1.0, part=5)]


def test_sides_are_joined_with_nothing_only_where_a_value_may_have_been_cut():
    def joins(tail: str, head: str) -> list[str]:
        return Seam(0, tail, head, 0).joins()

    assert joins("JK 4122", "90B") == [" ", ""]
    assert joins("write to ann@example.", "com") == [" ", ""]
    assert joins("sent from ann@example.com.", "My key") == [" "]
    assert joins("Thanks!", "Next") == [" "]
    assert joins("JK 41 22 ", "90 B") == [" "] and joins("JK 41 22", " 90 B") == [" "]


def test_both_readings_are_analysed_and_the_same_piece_is_reported_once():
    seam = Seam(left=0, tail="JK 41", head="22 90 B", tail_offset=0)
    analysed = []

    def analyze(text):  # type: ignore[no-untyped-def]
        analysed.append(text)
        return [Finding("UK_NINO", 0, len(text), 0.75 if " 22" in text else 0.9)]

    found = crossing_findings(seam, analyze)
    assert analysed == ["JK 41 22 90 B", "JK 4122 90 B"]
    assert sorted((f.part, f.start, f.end, f.score) for f in found) == [(0, 0, 5, 0.9), (1, 0, 7, 0.9)]


NINO_PREFIXES = ["AB", "CE", "JK", "PR", "WX"]


@settings(max_examples=60, deadline=None)
@given(prefix=st.sampled_from(NINO_PREFIXES), digits=st.text("0123456789", min_size=6, max_size=6),
       suffix=st.sampled_from("ABCD"), spaced=st.booleans(), data=st.data())  # fmt: skip
def test_a_national_insurance_number_split_anywhere_is_found_in_both_parts(analyzer, prefix, digits, suffix, spaced, data):
    groups = [prefix, digits[:2], digits[2:4], digits[4:], suffix]
    value = (" " if spaced else "").join(groups)
    cut = data.draw(st.integers(1, len(value) - 1))
    # The user's own split leaves no trailing or leading space inside a part.
    left, right = value[:cut].rstrip(), value[cut:].lstrip()
    texts = [f"Her National Insurance number is {left}", f"{right} and she lives in Leeds."]
    [seam] = seams(texts)
    found = crossing_findings(seam, analyzer.analyze)
    pieces = sorted((f.part, texts[f.part][f.start : f.end]) for f in found if f.type == "UK_NINO")
    assert pieces == [(0, left), (1, right)]


def test_a_value_complete_on_one_side_does_not_run_on_into_the_other(analyzer):
    texts = ["VPN username jdoe, password: Welcome123", "Compare the two acts."]
    [seam] = seams(texts)
    own = {(f.type, f.start, f.end, 0) for f in analyzer.analyze(texts[0])}
    assert ("CREDENTIAL", texts[0].index("Welcome123"), len(texts[0]), 0) in own
    assert crossing_findings(seam, analyzer.analyze, own) == []
    # Without knowing what the part held, joined with nothing the password would swallow the next word.
    assert {(f.part, f.type) for f in crossing_findings(seam, analyzer.analyze)} == {(0, "CREDENTIAL"), (1, "CREDENTIAL")}

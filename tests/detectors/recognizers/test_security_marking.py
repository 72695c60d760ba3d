import pytest

from detectors.recognizers.security_marking import SecurityMarkingRecognizer, marking_level

recognizer = SecurityMarkingRecognizer()


@pytest.mark.parametrize(
    "text,marking",
    [
        ("OFFICIAL\n\nBriefing for the Minister", "OFFICIAL"),
        ("SECRET\n\nBriefing", "SECRET"),
        ("TOP SECRET\nNotes", "TOP SECRET"),
        ("Classification: OFFICIAL-SENSITIVE: PERSONAL. Summarise", "OFFICIAL-SENSITIVE: PERSONAL"),
        ("Classification: OFFICIAL-SENSITIVE [COMMERCIAL]. Summarise", "OFFICIAL-SENSITIVE [COMMERCIAL]"),
        ("OFFICIAL SENSITIVE\nminutes", "OFFICIAL SENSITIVE"),
        ("SECRET UK EYES ONLY\nminutes", "SECRET UK EYES ONLY"),
        ("This document is OFFICIAL-SENSITIVE and must not be shared", "OFFICIAL-SENSITIVE"),
        ("Protective marking: Official-Sensitive", "Official-Sensitive"),
        ("classified as top secret", "top secret"),
        ("official sensitive personal\nApplicant: see below", "official sensitive personal"),
        ("Notes from the call\nOfficial - Sensitive\nThe claimant", "Official - Sensitive"),
    ],
)
def test_markings(values, text, marking):
    assert values(recognizer, text) == [marking]


@pytest.mark.parametrize(
    "text",
    [
        "The secret to a good consultation response is clarity.",
        "An official letter from the council.",
        "Top secret tips for writing submissions",
        "THE SECRET TO SUCCESS IS PLANNING",
        "Summarise the Official Secrets Act.",
        "OFFICIAL SECRETS ACT 1989",
        "Explain the difference between OFFICIAL and SECRET classifications.",
        "Can I use this tool for OFFICIAL information?",
        "Write a slide saying SECRET or TOP SECRET papers never go into this tool.",
        "secret\nThe recipe for the office cake",
    ],
)
def test_words_that_are_not_markings(values, text):
    assert values(recognizer, text) == []


def test_label_context_raises_score():
    plain = max(r.score for r in recognizer.analyze("notes SECRET notes", []))
    labelled = max(r.score for r in recognizer.analyze("Classification: SECRET", []))
    assert labelled > plain


def test_marking_written_with_an_en_dash(values):
    assert values(recognizer, "OFFICIAL – SENSITIVE\nNotes") == ["OFFICIAL – SENSITIVE"]


@pytest.mark.parametrize(
    ("marking", "level"),
    [
        ("OFFICIAL-SENSITIVE: PERSONAL", "OFFICIAL-SENSITIVE"),
        ("official sensitive", "OFFICIAL-SENSITIVE"),
        ("OFFICIAL–SENSITIVE", "OFFICIAL-SENSITIVE"),
        ("TOP SECRET STRAP1", "TOP SECRET"),
        ("TOP–SECRET", "TOP SECRET"),
        ("SECRET", "SECRET"),
        ("OFFICIAL", "OFFICIAL"),
        ("Restricted", "RESTRICTED"),
    ],
)
def test_the_level_a_marking_states(marking, level):
    assert marking_level(marking) == level


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("\uff33\uff25\uff23\uff32\uff25\uff34", "SECRET"),  # fullwidth
        ("SEC\u200bRET", "SECRET"),  # zero-width space inside
        ("OFFICIAL\u2011SENSITIVE", "OFFICIAL-SENSITIVE"),  # non-breaking hyphen
        ("TOP\u00a0SECRET", "TOP SECRET"),
        ("\u0405\u0415CRET", "SECRET"),  # Cyrillic look-alikes
    ],
)
def test_the_level_of_a_marking_written_another_way(written, level):
    assert marking_level(written) == level


@pytest.mark.parametrize(
    "text,marking",
    [
        ("Please check the SECRET appendix before Friday.", "SECRET"),
        ("I have attached the OFFICIAL-SENSITIVE briefing for you.", "OFFICIAL-SENSITIVE"),
        ("The paper is Official Sensitive so keep it brief.", "Official Sensitive"),
        ("Can you summarise this OFFICIAL-SENSITIVE submission?", "OFFICIAL-SENSITIVE"),
        ("Is the SECRET annex attached to this submission?", "SECRET"),
    ],
)
def test_markings_in_running_text(values, text, marking):
    assert values(recognizer, text) == [marking]


@pytest.mark.parametrize(
    "text",
    [
        "What is the right way to store TOP SECRET material at home?",
        "When is OFFICIAL-SENSITIVE the right choice for a spreadsheet?",
        "Does SECRET ever apply to routine casework?",
        "How does an OFFICIAL-SENSITIVE report compare with a SECRET report?",
    ],
)
def test_a_question_about_a_tier_is_not_a_marking(values, text):
    assert values(recognizer, text) == []

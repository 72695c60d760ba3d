"""The analyzer as a whole: Handrail's types only, one reading of each span, model configuration."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import RecognizerResult

from core.vocabulary import FINDING_TYPES
from detectors.analyzer import TextAnalyzer, one_reading
from detectors.nlp import ModelNotInstalled, windows
from detectors.settings import DetectionSettings

CASE_NOTE = (
    "Summarise this case note: Client Isabella Callegaro, DOB 1 Jan 2019, NHS number 943 476 5919, lives at "
    "4 Mill Lane, Leeds, LS6 2AB, phone 07700 900123, email i.callegaro@example.com. "
    "Refund to sort code 12-34-56, account number 31926819, or IBAN GB82 WEST 1234 5698 7654 32."
)


def test_a_case_note_finds_every_identifier(found):
    assert found(CASE_NOTE) == [
        ("PERSON", "Isabella Callegaro"),
        ("DATE_OF_BIRTH", "1 Jan 2019"),
        ("UK_NHS", "943 476 5919"),
        ("UK_POSTCODE", "LS6 2AB"),
        ("PHONE_NUMBER", "07700 900123"),
        ("EMAIL_ADDRESS", "i.callegaro@example.com"),
        ("UK_SORT_CODE", "12-34-56"),
        ("UK_BANK_ACCOUNT", "31926819"),
        ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
    ]


def test_only_contract_types_and_no_presidio_noise(analyzer):
    text = (
        "On 12 March 2026 the US team at https://www.gov.uk met in London; SSN 078-05-1120, "
        "licence D1234567, visit www.example.com, Monday at 10am."
    )
    assert {f.type for f in analyzer.analyze(text)} <= set(FINDING_TYPES)
    assert not [f for f in analyzer.analyze(text) if f.type != "PERSON"]


def test_clean_prompt_has_no_findings(found):
    text = (
        "Write a briefing for the Senior Responsible Owner on the 34,579 households in temporary accommodation "
        "across Michaelmouth. Version 2.14.33 of the guidance, invoice FOI/2024/2229 for £250,845."
    )
    assert found(text) == []


def test_empty_text(analyzer):
    assert analyzer.analyze("   ") == []


def test_overlapping_types_keep_the_stronger_reading():
    strong = RecognizerResult("IBAN_CODE", 0, 22, 1.0)
    weak = RecognizerResult("UK_BANK_ACCOUNT", 14, 22, 0.85)
    separate = RecognizerResult("PERSON", 30, 40, 0.85)
    assert one_reading([weak, separate, strong]) == [strong, separate]


def test_score_threshold_is_applied():
    strict = TextAnalyzer(DetectionSettings(score_threshold=0.99))
    text = "Call 07700 900123 or email a.b@example.com"
    assert [f.type for f in strict.analyze(text)] == ["EMAIL_ADDRESS"]


def test_missing_model_is_a_clear_error_not_a_download():
    with pytest.raises(ModelNotInstalled, match="not installed"):
        TextAnalyzer(DetectionSettings(spacy_model="en_core_web_nonexistent"))


def test_full_ner_setting_finds_the_same(found):
    everywhere = TextAnalyzer(DetectionSettings(ner_only_where_names_may_be=False))
    assert [(f.type, f.value(CASE_NOTE)) for f in everywhere.analyze(CASE_NOTE)] == found(CASE_NOTE)


def test_vanilla_presidio_still_builds_beside_handrail_recognizers():
    # Presidio finds its predefined recognizers by class name among all subclasses; ours must not shadow them.
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    import detectors.recognizers  # noqa: F401

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": DetectionSettings().spacy_model}],
        }
    )
    assert "UK_NHS" in AnalyzerEngine(nlp_engine=provider.create_engine()).get_supported_entities()


@pytest.mark.parametrize(
    ("length", "size", "overlap"),
    [(10, 100, 20), (100, 100, 20), (101, 100, 20), (250, 100, 20), (1_000_001, 100_000, 1_000)],
)
def test_windows_cover_the_text_and_keep_each_offset_once(length, size, overlap):
    parts = windows(length, size, overlap)
    assert parts[0][0] == 0 and parts[-1][1] == length
    assert all(end - start <= size for start, end, _, _ in parts)
    # The kept ranges tile the text, each inside its window with a margin of overlap // 2 (except at the ends).
    assert [keep for _, _, keep, _ in parts[1:]] == [keep for _, _, _, keep in parts[:-1]]
    assert parts[0][2] == 0 and parts[-1][3] == length
    for start, end, keep_from, keep_to in parts:
        assert keep_from == 0 or keep_from - start >= overlap // 2
        assert keep_to == length or end - keep_to >= overlap // 2


def test_a_text_read_in_windows_finds_names_in_every_window_once(analyzer):
    filler = "the quarterly figures were discussed at length and nothing was decided. "
    names = ["Isabella Callegaro", "Gareth Evans", "Priya Shah", "Tomasz Kowalski"]
    text = "".join(f"{filler * 3}I met {name} yesterday. " for name in names)
    windowed = TextAnalyzer(DetectionSettings(ner_only_where_names_may_be=False))
    windowed._engine.nlp_engine.chunk_chars, windowed._engine.nlp_engine.chunk_overlap = 300, 100
    assert len(windows(len(text), 300, 100)) > 4
    expected = [("PERSON", name) for name in names]
    assert [(f.type, f.value(text)) for f in windowed.analyze(text)] == expected
    assert [(f.type, f.value(text)) for f in analyzer.analyze(text)] == expected


def test_a_text_longer_than_spacys_limit_is_scanned_not_refused():
    # spaCy refuses texts over its max_length; lowered here so that the test is quick (a 1 MB text of capitalised
    # words costs spaCy's NER about 40 s on the development machine).
    analyzer = TextAnalyzer(DetectionSettings())
    analyzer._engine.nlp_engine.nlp["en"].max_length = 20_000
    head = "Contact Isabella Callegaro about NI number JK 41 22 90 B. "
    tail = " Her colleague Gareth Evans has NHS number 943 476 5919."
    text = head + "Routine Words In Title Case. " * 2_000 + tail
    assert len(text) > 2 * 20_000
    found = [(f.type, f.value(text)) for f in analyzer.analyze(text)]
    assert found == [
        ("PERSON", "Isabella Callegaro"),
        ("UK_NINO", "JK 41 22 90 B"),
        ("PERSON", "Gareth Evans"),
        ("UK_NHS", "943 476 5919"),
    ]


def _one_reading_by_pairs(results):  # the definition, pair by pair: quadratic, for comparison
    kept = []
    for result in sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start)):
        if all(result.end <= other.start or other.end <= result.start for other in kept):
            kept.append(result)
    return sorted(kept, key=lambda r: (r.start, r.end, r.entity_type))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 60), st.integers(1, 12), st.sampled_from([0.5, 0.7, 0.9]), st.sampled_from(["A", "B"])
        ),
        max_size=30,
    )
)
def test_one_reading_keeps_what_the_pairwise_definition_keeps(spans):
    results = [RecognizerResult(kind, start, start + length, score) for start, length, score, kind in spans]
    assert one_reading(results) == _one_reading_by_pairs(results)

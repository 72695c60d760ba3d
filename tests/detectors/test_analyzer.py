"""The analyzer as a whole: Handrail's types only, one reading of each span, model configuration."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from detectors.analyzer import TextAnalyzer, one_reading
from detectors.findings import FINDING_TYPES
from detectors.nlp import ModelNotInstalled
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

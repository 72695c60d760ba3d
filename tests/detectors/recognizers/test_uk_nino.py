import pytest

from detectors.recognizers.uk_nino import NationalInsuranceNumberRecognizer

recognizer = NationalInsuranceNumberRecognizer()


@pytest.mark.parametrize("nino", ["JG123456C", "AB 12 34 56 D", "JG 103759 A", "ab123456c", "PE-33-71-15-B"])
def test_valid_formats_are_found(values, nino):
    assert values(recognizer, f"Her NI number is {nino}, please check.") == [nino]


def test_found_without_context_too(values):
    assert values(recognizer, "Record: TW 235901 D") == ["TW 235901 D"]


@pytest.mark.parametrize("nino", ["DA123456A", "AD123456A", "FQ123456A", "AO123456A", "QV123456B"])
def test_letters_hmrc_never_uses_are_rejected(values, nino):
    assert values(recognizer, f"NI number {nino}") == []


@pytest.mark.parametrize("nino", [f"{prefix}123456A" for prefix in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ")])
def test_unallocated_prefixes_are_rejected(values, nino):
    assert values(recognizer, f"NI number {nino}") == []


def test_bad_suffix_and_embedded_strings_are_rejected(values):
    assert values(recognizer, "NI number AB123456E") == []
    assert values(recognizer, "order XAB123456C1") == []


def test_context_raises_the_score():
    plain = recognizer.analyze("Record AB123456C", [])[0].score
    with_context = recognizer.analyze("National Insurance number AB123456C", [])[0].score
    assert with_context > plain


@pytest.mark.parametrize(
    "nino",
    [
        "JK.41.22.90.B",
        "RC/18/27/36/A",
        "JK  41  22  90  B",
        "JK_41_22_90_B",
        "JK-41-22-90-B",
        "JK 41.22/90_B",
        "jk.412290.b",
    ],
)
def test_dots_slashes_underscores_and_repeated_separators(values, nino):
    assert values(recognizer, f"NI number {nino} on file") == [nino]


@pytest.mark.parametrize(
    "text",
    [
        "NI number JK    41 22 90 B",  # four spaces: a gap, not a separator
        "see section AB.12.34.56.E",  # suffix letter beyond D
        "path /srv/JK/41/22/90/BX",  # the letter is part of a longer word
        "version JK.41.22.90.B1",
    ],
)
def test_separated_lookalikes_that_are_not_ninos(values, text):
    assert values(recognizer, text) == []


def test_results_name_their_recognizer_and_say_context_is_scored():
    (result,) = recognizer.analyze("NI number AB123456C", [])
    assert result.recognition_metadata == {
        "recognizer_name": "NationalInsuranceNumberRecognizer",
        "recognizer_identifier": recognizer.id,
        "is_score_enhanced_by_context": True,
    }
    assert result.analysis_explanation is None

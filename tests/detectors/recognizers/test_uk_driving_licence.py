import pytest

from detectors.recognizers.uk_driving_licence import DrivingLicenceNumberRecognizer, dvla_number_ok

recognizer = DrivingLicenceNumberRecognizer()


@pytest.mark.parametrize(
    "number", ["MORGA753116SM9IJ", "MORGA 753116 SM9 IJ", "SMITH951017JJ9AB", "LI999802035J99XY", "ÖZTÜR610125AB1CD"]
)
def test_dvla_numbers(values, number):
    assert values(recognizer, f"Driving licence {number} checked") == [number]


def test_found_without_context(values):
    assert values(recognizer, "ID: MORGA753116SM9IJ") == ["MORGA753116SM9IJ"]


@pytest.mark.parametrize(
    "number", ["MORGA713116SM9IJ", "MORGA750016SM9IJ", "MORGA753326SM9IJ", "MO9GA753116SM9IJ", "9ORGA753116SM9IJ"]
)
def test_impossible_dates_and_padding_are_rejected(values, number):
    assert not dvla_number_ok(number)
    assert values(recognizer, f"licence {number}") == []


def test_context_raises_score():
    with_context = recognizer.analyze("licence MORGA753116SM9IJ", [])[0].score
    assert with_context > recognizer.analyze("MORGA753116SM9IJ", [])[0].score


@pytest.mark.parametrize(
    "number",
    [
        "MORGA  753116  SM9IJ",
        "MORGA753116 SM9 IJ",
        "MORGA 753116 SM 9 IJ",
        "MORGA-753116-SM9-IJ",
        "MORGA.753116.SM9.IJ",
        "morga 753116 sm9 ij",
    ],
)
def test_odd_spacing_and_separators(values, number):
    assert values(recognizer, f"Driving licence {number} checked") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Table 512011 at 5 pm",  # words in lower case spaced like a licence
        "Licence MORGA 753116 SM 9 I",  # too short
        "Licence MORGA    753116 SM9IJ",  # four spaces
    ],
)
def test_spaced_words_that_are_not_licences(values, text):
    assert values(recognizer, text) == []

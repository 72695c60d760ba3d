from detectors.recognizers.uk_passport import PassportNumberRecognizer

recognizer = PassportNumberRecognizer()


def test_nine_digits_near_passport(values):
    assert values(recognizer, "gave passport number 925665416 as ID") == ["925665416"]
    assert values(recognizer, "Passport: 925665416") == ["925665416"]
    assert values(recognizer, "travel doc: PPT# 925665416 (exp 2031)") == ["925665416"]


def test_nine_digits_alone_are_not_a_passport(values):
    assert values(recognizer, "Order 925665416 has shipped") == []


def test_context_too_far_away_does_not_count(values):
    text = "The passport office said the total for this year and last was 925665416 pounds"
    assert values(recognizer, text) == []


def test_other_lengths_are_not_matched(values):
    assert values(recognizer, "passport 12345678 or 1234567890") == []


import pytest  # noqa: E402


@pytest.mark.parametrize(
    "number", ["5470 12345", "5470-12345", "5470.12345", "547 012 345", "547-012-345", "5470  12345"]
)
def test_nine_digits_in_groups_near_passport(values, number):
    assert values(recognizer, f"Passport number {number} issued in 2019") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Order 5470 12345 has shipped",  # no context
        "passport 547 012-345",  # mixed separators in 3-3-3
        "passport fee 54701 2345",  # 5 + 4 is not a passport grouping
        "passport 547.012.345.6",
    ],
)
def test_groups_that_are_not_passport_numbers(values, text):
    assert values(recognizer, text) == []

import pytest

from detectors.recognizers.uk_nhs import UkNhsRecognizer, nhs_check_digit_ok

recognizer = UkNhsRecognizer()
VALID = "9434765919"  # passes the modulus 11 check


def test_check_digit():
    assert nhs_check_digit_ok(VALID)
    assert not nhs_check_digit_ok("9434765918")
    assert not nhs_check_digit_ok("1111111111")


@pytest.mark.parametrize("written", [VALID, "943 476 5919", "943-476-5919"])
def test_formats_with_context(values, written):
    assert values(recognizer, f"NHS number {written} seen today") == [written]


def test_checksum_failure_is_not_reported(values):
    assert values(recognizer, "NHS number 943 476 5918") == []


def test_valid_number_without_context_is_still_reported(values):
    assert values(recognizer, f"Patient record {VALID}.") == [VALID]


def test_reference_words_outweigh_a_lucky_checksum(values):
    assert values(recognizer, f"Invoice reference {VALID} is overdue") == []


def test_leading_zero_needs_nhs_context(values):
    # 0123456789 passes the check but reads as a phone number without the word NHS.
    assert nhs_check_digit_ok("0123456789")
    assert values(recognizer, "Ring 012 345 6789") == []
    assert values(recognizer, "NHS no. 012 345 6789") == ["012 345 6789"]


def test_mixed_separators_and_longer_numbers_are_not_matched(values):
    assert values(recognizer, "NHS 943 476-5919") == []
    assert values(recognizer, "NHS 94347659191") == []


@pytest.mark.parametrize("written", ["943.476.5919", "943_476_5919", "943  476  5919"])
def test_dots_underscores_and_repeated_separators(values, written):
    assert values(recognizer, f"NHS number {written} seen today") == [written]


@pytest.mark.parametrize(
    "text",
    [
        "NHS number 943.476 5919",  # mixed separators
        "NHS number 943.476.5918",  # check digit fails
        "version 943.476.5919.1 released",  # longer dotted version
        "phone 943.476.5919",  # contrary context
    ],
)
def test_dotted_numbers_that_are_not_nhs_numbers(values, text):
    assert values(recognizer, text) == []

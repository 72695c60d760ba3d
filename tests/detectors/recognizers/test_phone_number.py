import pytest

from detectors.recognizers.phone_number import PhoneNumberRecognizer, plausible_phone

recognizer = PhoneNumberRecognizer()


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "020 7946 0958",
        "0113 496 0000",
        "(01632) 960 001",
        "+44 7700 900123",
        "+44 (0)20 7946 0958",
        "+353 1 234 5678",
        "+33 6 12 34 56 78",
        "+1 202 555 0143",
    ],
)
def test_numbers(values, phone):
    assert values(recognizer, f"Call me on {phone} tomorrow") == [phone]


def test_bracket_of_the_sentence_is_not_part_of_the_number(values):
    assert values(recognizer, "spoke to Ann (0161 496 0000) today") == ["0161 496 0000"]


def test_trailing_unrelated_digits_are_dropped(values):
    assert values(recognizer, "Ring 0161 496 0000 3 times") == ["0161 496 0000"]


@pytest.mark.parametrize(
    "text", ["on 12/05/2026", "£1,234,567", "version 10.0.19041", "reference 125 939 8449", "PO 4517598150", "0123 45"]
)
def test_not_numbers(values, text):
    assert values(recognizer, text) == []


def test_north_american_shape_needs_context(values):
    assert values(recognizer, "Document 212 555 0143 in the list") == []
    assert values(recognizer, "phone 212 555 0143") == ["212 555 0143"]


def test_uk_lengths():
    assert plausible_phone("07700 900123")
    assert not plausible_phone("07700 9001")
    assert not plausible_phone("+44 0")


@pytest.mark.parametrize(
    "phone", ["07700.900.123", "020.7946.0958", "0161.496.0000", "+44.7700.900.123", "01632.960.001"]
)
def test_numbers_grouped_with_dots(values, phone):
    assert values(recognizer, f"Call me on {phone} tomorrow") == [phone]


@pytest.mark.parametrize(
    "text",
    [
        "Call me on 01.02.2024",  # a date
        "meeting on 01.02.2024 - 03.04.2025",
        "version 0.12.3456 released",
        "dated 2024.01.15 and 15.01.2024",
    ],
)
def test_dotted_dates_and_versions_are_not_numbers(values, text):
    assert values(recognizer, text) == []

import pytest

from detectors.recognizers.iban_code import IbanCodeRecognizer, iban_checksum_ok

recognizer = IbanCodeRecognizer()


@pytest.mark.parametrize(
    "iban",
    ["GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606"],
)
def test_valid_ibans(values, iban):
    assert values(recognizer, f"Pay to {iban}. Thanks") == [iban]


def test_check_digit_failure():
    assert not iban_checksum_ok("GB83WEST12345698765432")


def test_invalid_is_not_reported(values):
    assert values(recognizer, "IBAN GB83 WEST 1234 5698 7654 32") == []


def test_spaced_iban_stops_at_its_country_length(values):
    assert values(recognizer, "IBAN GB82 WEST 1234 5698 7654 32 ABCD next") == ["GB82 WEST 1234 5698 7654 32"]

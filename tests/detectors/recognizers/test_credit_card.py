import pytest

from detectors.recognizers.credit_card import CreditCardNumberRecognizer, luhn_ok

recognizer = CreditCardNumberRecognizer()


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "378282246310005",
        "3782 822463 10005",
        "6011111111111117",
    ],
)
def test_cards(values, card):
    assert values(recognizer, f"card number {card} expired") == [card]


def test_luhn():
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")


def test_luhn_failure_is_not_reported(values):
    assert values(recognizer, "card 4111 1111 1111 1112") == []


def test_unknown_issuer_is_not_reported(values):
    assert values(recognizer, "card 9111111111111110") == []


def test_reference_context_lowers_score(values):
    assert values(recognizer, "order reference 4111111111111111") == []


@pytest.mark.parametrize(
    "card",
    [
        "4539.1488.0343.6467",
        "4539_1488_0343_6467",
        "4539  1488  0343  6467",
        "3782.822463.10005",
        "4539 - 1488 - 0343 - 6467",
    ],
)
def test_dots_underscores_and_repeated_separators(values, card):
    assert values(recognizer, f"card number {card} expired") == [card]


@pytest.mark.parametrize(
    "text",
    [
        "card 4539.1488 0343-6467",  # mixed separators
        "release 4539.1488.0343.6467.2 is out",  # a longer dotted version number
        "addresses 10.10.10.10 and 192.168.100.200",
        "dated 2024.0115.2024.0116",  # Luhn fails
        "card 4539/1488/0343/6467",  # slashes are dates and paths, not card groups
    ],
)
def test_separated_numbers_that_are_not_cards(values, text):
    assert values(recognizer, text) == []

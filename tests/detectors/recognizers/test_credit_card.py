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

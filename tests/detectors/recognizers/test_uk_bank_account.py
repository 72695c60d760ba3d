from detectors.recognizers.uk_bank_account import UkBankAccountRecognizer

recognizer = UkBankAccountRecognizer()


def test_eight_digits_near_account(values):
    assert values(recognizer, "account number 31926819") == ["31926819"]
    assert values(recognizer, "Acc no: 3192 6819") == ["3192 6819"]


def test_eight_digits_alone_are_not_an_account(values):
    assert values(recognizer, "We received 31926819 visits") == []


def test_longer_numbers_are_not_cut_into_accounts(values):
    assert values(recognizer, "account 319268191234") == []


def test_dotted_and_hyphenated_accounts(values):
    assert values(recognizer, "account number 3192.6819") == ["3192.6819"]
    assert values(recognizer, "account number 3192-6819") == ["3192-6819"]
    assert values(recognizer, "account version 3192.6819.1") == []

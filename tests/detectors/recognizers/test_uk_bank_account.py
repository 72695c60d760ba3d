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


def test_account_after_a_sort_code_and_a_slash(values):
    assert values(recognizer, "paid to 11-22-33/44556677 yesterday") == ["44556677"]
    assert values(recognizer, "sort 11 22 33 / 44556677") == ["44556677"]
    assert values(recognizer, "a/c 44556677") == ["44556677"]
    assert values(recognizer, "ref 2024/44556677") == []  # a year and a slash are not a sort code


def test_account_context_is_not_read_from_later_lines(values):
    assert values(recognizer, "Case ref: 44556677\nPassport: 123456789\nAccount number: 99887766") == ["99887766"]

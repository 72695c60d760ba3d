from detectors.recognizers.uk_sort_code import UkSortCodeRecognizer

recognizer = UkSortCodeRecognizer()


def test_grouped_sort_codes_near_the_words(values):
    assert values(recognizer, "sort code 12-34-56") == ["12-34-56"]
    assert values(recognizer, "Sort code: 12 34 56, account 12345678") == ["12 34 56"]
    assert values(recognizer, "sort code 123456") == ["123456"]


def test_six_digits_without_context_are_not_sort_codes(values):
    assert values(recognizer, "Scores were 12-34-56 in the three rounds") == []


def test_mixed_separators_and_dates_are_rejected(values):
    assert values(recognizer, "sort code 12-34 56") == []
    assert values(recognizer, "sort out the 12/04/26 meeting") == []


def test_dotted_and_doubly_spaced_sort_codes(values):
    assert values(recognizer, "sort code 12.34.56") == ["12.34.56"]
    assert values(recognizer, "sort code 12  34  56") == ["12  34  56"]
    assert values(recognizer, "sort code 12.34-56") == []
    assert values(recognizer, "sorted on 12.34.56.78") == []


def test_sort_code_before_a_slash_and_an_account(values):
    from detectors.recognizers.uk_sort_code import UkSortCodeRecognizer

    recognizer = UkSortCodeRecognizer()
    assert values(recognizer, "paid to 11-22-33/44556677 yesterday") == ["11-22-33"]
    assert values(recognizer, "s/c 112233") == ["112233"]
    assert values(recognizer, "dated 11-22-33/2024") == []

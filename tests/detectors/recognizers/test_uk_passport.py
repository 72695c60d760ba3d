from detectors.recognizers.uk_passport import PassportNumberRecognizer

recognizer = PassportNumberRecognizer()


def test_nine_digits_near_passport(values):
    assert values(recognizer, "gave passport number 925665416 as ID") == ["925665416"]
    assert values(recognizer, "Passport: 925665416") == ["925665416"]


def test_nine_digits_alone_are_not_a_passport(values):
    assert values(recognizer, "Order 925665416 has shipped") == []


def test_context_too_far_away_does_not_count(values):
    text = "The passport office said the total for this year and last was 925665416 pounds"
    assert values(recognizer, text) == []


def test_other_lengths_are_not_matched(values):
    assert values(recognizer, "passport 12345678 or 1234567890") == []

import pytest

from detectors.recognizers.uk_postcode import PostcodeRecognizer

recognizer = PostcodeRecognizer()


@pytest.mark.parametrize(
    "postcode", ["SW1A 2AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EH12 9DN", "W1A 0AX", "ec1a 1bb", "GL651SA"]
)
def test_formats(values, postcode):
    assert values(recognizer, f"They live at 1 High Street, Town, {postcode}.") == [postcode]


@pytest.mark.parametrize("postcode", ["QA1 1AA", "VA1 1AA", "XA1 1AA", "AI1 1AA", "SW1A 2AC", "SW1A 2IA", "M1 1AV"])
def test_royal_mail_letter_rules(values, postcode):
    assert values(recognizer, f"Postcode {postcode}") == []


def test_not_matched_inside_words_or_codes(values):
    assert values(recognizer, "Model XSW1A2AA7 and version 2.1.3, room B2 4") == []


def test_lower_case_needs_no_context_but_scores_lower():
    upper = recognizer.analyze("at E1 4YF", [])[0].score
    lower = max(r.score for r in recognizer.analyze("at e1 4yf", []))
    assert upper > lower >= 0.5

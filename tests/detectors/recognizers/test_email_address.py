import pytest

from detectors.recognizers.email_address import EmailAddressRecognizer

recognizer = EmailAddressRecognizer()


@pytest.mark.parametrize(
    "email", ["jane.doe@example.gov.uk", "j_o'neill+hr@nhs.net", "józef.batóg@gmail.com", "ANNA@EXAMPLE.COM"]
)
def test_addresses(values, email):
    assert values(recognizer, f"Write to {email}.") == [email]


@pytest.mark.parametrize("text", ["user@localhost", "name@server.invalidsuffixxx", "@handle", "a@b"])
def test_addresses_without_a_public_suffix_are_rejected(values, text):
    assert values(recognizer, text) == []

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


@pytest.mark.parametrize(
    "text",
    [
        "git clone git@gitlab.com:housing/rents.git",
        "remote: deploy@build.example.org:/srv/app",
        "pip install git+ssh://git@github.com/council/forms.git",
    ],
)
def test_the_user_and_host_of_a_remote_are_not_an_address(values, text):
    assert values(recognizer, text) == []


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Email: jo.bloggs@example.org: she replied on Monday.", "jo.bloggs@example.org"),
        ("Contact sam@example.gov.uk:\nthe team mailbox.", "sam@example.gov.uk"),
        ("see https://example.org/ or mail ali@example.co.uk", "ali@example.co.uk"),
    ],
)
def test_a_colon_or_link_near_an_address_keeps_it(values, text, email):
    assert values(recognizer, text) == [email]

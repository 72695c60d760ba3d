import pytest

from detectors.recognizers.credential import (
    AssignedSecretRecognizer,
    HighEntropySecretRecognizer,
    KnownTokenRecognizer,
    shannon_entropy,
)

known = KnownTokenRecognizer()
assigned = AssignedSecretRecognizer()
entropy = HighEntropySecretRecognizer()

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1kq9Z3pT\nq8d+2Lk0/Pq==\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    "token",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
        "sk-proj-Xy7pQ2mN9vR4tL8wK3jH6fD1sA5gZ0cB",
        "sk-ant-api03-Qw8eR7tY6uI5oP4aS3dF2gH1jK0lZxCv",
        "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        PEM,
    ],
)
def test_known_formats(values, token):
    assert values(known, f'key = "{token}"\n') == [token]


def test_look_alikes_are_not_tokens(values):
    assert values(known, "the sk-learn library and the task-force report") == []
    assert values(known, "AKIA is a prefix") == []


@pytest.mark.parametrize(
    "text,secret",
    [
        ("The shared drive password is Spring1437$ - change it", "Spring1437$"),
        ("password=Tr0ub4dor&3", "Tr0ub4dor&3"),
        ('"api_key": "a8f5f167f44f4964e6c998dee827110c"', "a8f5f167f44f4964e6c998dee827110c"),
        ("The wifi password for the office is Winter2593? Put it on a poster", "Winter2593"),
        ("Authorization: Bearer abc123def456ghi789", "abc123def456ghi789"),
    ],
)
def test_assigned_secrets(values, text, secret):
    assert values(assigned, text) == [secret]


@pytest.mark.parametrize(
    "text",
    [
        "The password is required for every login.",
        "password: ********",
        "Reset your password: see the intranet",
        "SECRET\n\nBriefing for the Director of Public Health",
        "token: <your token here>",
    ],
)
def test_words_after_password_are_not_secrets(values, text):
    assert values(assigned, text) == []


def test_high_entropy_needs_context(values):
    random_string = "q8ZtR2vLx9WmK4pB7nJc3HdF6sGy"
    assert values(entropy, f"the signing key is {random_string}") == [random_string]
    assert values(entropy, f"the file {random_string} was uploaded") == []
    assert values(entropy, "the api key is aaaaaaaaaaaaaaaaaaaaaaaaaaaa") == []


def test_entropy():
    assert shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == 2


def test_private_key_without_its_end_line(values):
    cut = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\nc2gtZWQyNTUxOQ"
    )
    assert values(known, f"{cut}\n\nwhy is this key rejected?") == [cut]


def test_cut_short_key_stops_at_the_blank_line(values):
    cut = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1kq9Z3pTq8d2Lk0Pq"
    assert values(known, f"{cut}\n\nPlease explain this error") == [cut]

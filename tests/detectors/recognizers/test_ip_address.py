import pytest

from detectors.recognizers.ip_address import IpAddressRecognizer

recognizer = IpAddressRecognizer()


@pytest.mark.parametrize(
    "ip",
    [
        "192.168.0.1",
        "8.8.8.8",
        "2001:db8:85a3:0:0:8a2e:370:7334",
        "2001:db8::8a2e:370:7334",
        "fe80:0:0:0:202:b3ff:fe1e:8329",
    ],
)
def test_addresses(values, ip):
    assert values(recognizer, f"Access from {ip} at night") == [ip]


@pytest.mark.parametrize("text", ["version 1.2.3.4 released", "256.1.1.1", "1.2.3", "meet at 10:30:15", "a::b"])
def test_not_addresses(values, text):
    assert values(recognizer, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "after we upgraded to 10.2.3.44 it broke",
        "image: repo/app:3.1.0.7 is pinned",
        "the driver 26.20.100.7 crashes",
        "firmware 4.4.1.19 is out",
    ],
)
def test_versions_near_upgrade_image_driver_are_not_addresses(values, text):
    assert values(recognizer, text) == []


def test_an_address_near_a_supporting_word_stays(values):
    assert values(recognizer, "server 10.2.3.44 refused the login") == ["10.2.3.44"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Block 172.16.0.0/12 at the firewall.", []),  # a network with its prefix length
        ("The laptop was on 172.16.4.21/24 when it connected.", ["172.16.4.21"]),  # a host address with its prefix
        ("Pull ghcr.io/team/app:10.2.1.7 before the release.", []),  # an image tag
        ("Logins came from 203.0.113.9 overnight.", ["203.0.113.9"]),
    ],
)
def test_networks_and_image_tags_are_not_addresses(values, text, expected):
    assert values(recognizer, text) == expected


@pytest.mark.parametrize(
    ("text", "addresses"),
    [
        ("Nodes need upgrading from 12.1.4.88 to 12.1.5.2 today.", []),
        ("Traffic from 10.2.3.4 to 10.2.3.9 was blocked.", ["10.2.3.4", "10.2.3.9"]),
    ],
)
def test_the_second_number_of_a_range_takes_the_first_ones_context(found, text, addresses):
    assert [value for kind, value in found(text) if kind == "IP_ADDRESS"] == addresses

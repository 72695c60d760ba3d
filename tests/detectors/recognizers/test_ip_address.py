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

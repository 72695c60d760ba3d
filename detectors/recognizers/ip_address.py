"""IP addresses: dotted IPv4 and IPv6 (full or ``::``-compressed), checked with :mod:`ipaddress`."""

from __future__ import annotations

import ipaddress

import regex as re

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

# "10.0.0.0/8": a network written with its prefix length, not one machine's address.
_PREFIX_AFTER = re.compile(r"/(\d{1,3})(?![\p{N}])")
# "registry.example.gov.uk/payments:3.14.15.9": the tag of an image or package, glued to its name by a colon.
_TAG_BEFORE = re.compile(r"[\p{L}\p{N}_.-]/[\p{L}\p{N}_.-]+:$")

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


class IpAddressRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("ipv4", rf"(?<![\p{{L}}\p{{N}}.])(?P<value>{_OCTET}(?:\.{_OCTET}){{3}})(?![\p{{N}}]|\.\d)", 0.75),
        Pattern(
            "ipv6", r"(?<![\p{L}\p{N}:.])(?P<value>(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![\p{L}\p{N}:])", 0.75
        ),
    ]
    CONTEXT = ["ip", "ip address", "address", "host", "server", "access from", "login", "connection", "source"]
    # "version 1.2.3.4" and "build 10.0.19041.1" are not addresses.
    NEGATIVE_CONTEXT = [
        "version",
        "versions",
        "v",
        "release",
        "build",
        "ver",
        "update",
        "upgrade",
        "upgraded",
        "upgrading",
        "patch",
        "section",
        "paragraph",
        "image",
        "tag",
        "driver",
        "firmware",
        "bios",
        "package",
        "sdk",
        "kernel",
    ]
    context_boost = 0.2
    context_words_before = 5

    def __init__(self) -> None:
        super().__init__("IP_ADDRESS", self.PATTERNS, context=self.CONTEXT, negative_context=self.NEGATIVE_CONTEXT)

    def score_in_context(self, text: str, start: int, end: int, score: float) -> float:
        prefix = _PREFIX_AFTER.match(text, end)
        if prefix and _is_network(text[start:end], prefix.group(1)):
            return 0.0
        if _TAG_BEFORE.search(text, max(0, start - 80), start):
            return 0.0
        # "upgrading from 12.1.4.88 to 12.1.5.2": the second number of a range is read with the first one's context
        # (a few links back at most, so a long chain of ranges costs no more than a short one).
        for _ in range(3):
            previous = _RANGE_BEFORE.search(text, max(0, start - 40), start)
            if not previous:
                break
            start, end = previous.span(1)
        return super().score_in_context(text, start, end, score)

    def validate_result(self, pattern_text: str) -> bool:
        if ":" in pattern_text:
            # Times such as 10:30:15 and bare "::" are not worth reporting.
            if sum(1 for group in pattern_text.split(":") if group) < 3:
                return False
        try:
            ipaddress.ip_address(pattern_text)
        except ValueError:
            return False
        return True


_RANGE_BEFORE = re.compile(r"(?<![\p{L}\p{N}.])(\d{1,3}(?:\.\d{1,4}){2,3})[ \t]*(?:to|->|→|–|-|and|or)[ \t]*$")


def _is_network(address: str, prefix: str) -> bool:
    """Whether ``address/prefix`` names a network (no host bits set), as "10.0.0.0/8" does and "10.1.2.3/24" not."""
    try:
        ipaddress.ip_network(f"{address}/{prefix}", strict=True)
    except ValueError:
        return False
    return True

"""IP addresses: dotted IPv4 and IPv6 (full or ``::``-compressed), checked with :mod:`ipaddress`."""

from __future__ import annotations

import ipaddress

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

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
    NEGATIVE_CONTEXT = ["version", "v", "release", "build", "ver", "update", "patch", "section", "paragraph"]
    context_boost = 0.2
    context_words_before = 4

    def __init__(self) -> None:
        super().__init__("IP_ADDRESS", self.PATTERNS, context=self.CONTEXT, negative_context=self.NEGATIVE_CONTEXT)

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

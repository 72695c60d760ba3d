"""E-mail address: a local part, ``@``, and a domain whose suffix is on the public suffix list.

Local parts and domains may hold accented letters ("józef@…"): the pattern uses
Unicode word characters, unlike Presidio's ASCII-only default. The suffix is
checked against tldextract's bundled snapshot (no network). The user and host of a
git or SSH remote (``git@github.com:org/repo.git``) are not an address.
"""

from __future__ import annotations

from functools import lru_cache

from detectors.offline import offline_extractor
from detectors.recognizers.base import ContextualPatternRecognizer, Pattern


class EmailAddressRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern(
            "email",
            # Not the user and host of a remote ("git@github.com:org/repo.git", "ssh://git@host/repo"): a URL's
            # "//" before it, or ":" and a path right after it.
            r"(?<![\w.+'-])(?<!//)(?P<value>[\w+'-]+(?:\.[\w+'-]+)*@(?:[\w-]+\.)+[\w-]{2,})(?![\w-]|\.[\w-]|:[\w~/.])",
            1.0,
        ),
    ]
    CONTEXT = ["email", "e mail", "mail", "contact", "address"]

    def __init__(self) -> None:
        super().__init__("EMAIL_ADDRESS", self.PATTERNS, context=self.CONTEXT)

    def validate_result(self, pattern_text: str) -> bool:
        return domain_ok(pattern_text.rsplit("@", 1)[1].lower())


@lru_cache(maxsize=4096)
def domain_ok(domain: str) -> bool:
    """The domain has a registrable name under a public suffix (remembered: texts repeat their domains)."""
    parts = offline_extractor()(domain)
    return bool(parts.suffix and parts.domain)

"""Keep the detectors off the network: government networks are often closed.

tldextract (used by Presidio's e-mail and URL recognizers, and by Handrail's
e-mail recognizer) downloads the public suffix list on first use unless told
otherwise; the copy bundled with the package is enough to tell a domain from
its suffix.
"""

from __future__ import annotations

from functools import lru_cache

import tldextract
import tldextract.tldextract


@lru_cache(maxsize=1)
def offline_extractor() -> tldextract.TLDExtract:
    """A tldextract that only ever reads its bundled public suffix snapshot."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def use_bundled_public_suffix_list() -> None:
    """Make every user of tldextract in this process (Presidio included) use the bundled snapshot."""
    offline = offline_extractor()
    tldextract.tldextract.TLD_EXTRACTOR = offline
    tldextract.extract = offline.__call__  # type: ignore[assignment]  # tldextract types its own as functools-wrapped

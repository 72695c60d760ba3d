"""Keep the detectors off the network: government networks are often closed.

tldextract (used by Presidio's e-mail and URL recognizers) downloads the public
suffix list on first use unless told otherwise; the copy bundled with the
package is enough to tell a domain from its suffix.
"""

from __future__ import annotations

import tldextract
import tldextract.tldextract


def use_bundled_public_suffix_list() -> None:
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tldextract.tldextract.TLD_EXTRACTOR = offline
    tldextract.extract = offline.__call__

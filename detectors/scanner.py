"""One entry point for detection: a whole conversation in, findings and signals out."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from core.conversation import Conversation, format_path
from core.findings import Finding, ScanResult, Signal
from detectors.analyzer import TextAnalyzer
from detectors.encodings import BUDGET, decode_all
from detectors.neighbourhood import (
    Seam,
    crossing_findings,
    read_together,
    seam_between,
    window,
)
from detectors.settings import DetectionSettings
from detectors.usage import detect_usage_signals


@dataclass(frozen=True, slots=True)
class EncodedScan:
    """What one text's encoded content holds: findings spanning their encoded runs, and whether any was left unread."""

    findings: tuple[Finding, ...] = ()
    over_budget: bool = False


@dataclass(frozen=True, slots=True)
class SeamScan:
    """The findings of each reading of one seam (``Seam.readings()``), offsets within the reading."""

    readings: tuple[tuple[Finding, ...], ...]


CacheEntry = list[Finding] | EncodedScan | SeamScan


class AnalysisCache:
    """Bounded LRU of analysis results keyed by a hash of the text.

    Chat tools resend the whole conversation on every turn; with this cache turn
    N costs the new message, not N messages.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, CacheEntry] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str, kind: bytes = b"") -> bytes:
        """``kind`` keeps different analyses of the same text apart (plain findings, encoded content)."""
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16, person=kind).digest()

    def get(self, key: bytes) -> CacheEntry | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: bytes, findings: CacheEntry) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[key] = findings
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class Scanner:
    """Loads the models once per process; safe to call from worker threads."""

    def __init__(self, settings: DetectionSettings) -> None:
        self.settings = settings
        self._analyzer = TextAnalyzer(settings)
        self._cache = AnalysisCache(settings.cache_size)

    def analyze_text(self, text: str) -> list[Finding]:
        key = AnalysisCache.key(text)
        cached = self._cache.get(key)
        if isinstance(cached, list):
            return list(cached)
        findings = self._analyzer.analyze(text)
        self._cache.put(key, findings)
        return list(findings)

    def analyze_encoded(self, text: str) -> EncodedScan:
        """Findings in the base64, URL-encoded and hex runs of ``text``.

        A value hidden by the encoding spans its whole run and names the encoding. A value that decoding only
        brought to light but that stands in the run as written (the address in ``mailto:ann@example.com?subject=
        Hello%20there``) is an ordinary finding at the place it is written: it can be replaced like any other.
        """
        key = AnalysisCache.key(text, b"encoded")
        cached = self._cache.get(key)
        if isinstance(cached, EncodedScan):
            return cached
        content = decode_all(text)
        found: dict[tuple[str, int, int, str | None], Finding] = {}
        if content.texts:
            # One analysis for every decoded text of the part: a blank line keeps them apart as sentences.
            joined, starts = "", []
            for decoded in content.texts:
                starts.append(len(joined))
                joined += decoded.text + "\n\n"
            for finding in self._analyzer.analyze(joined):
                value = joined[finding.start : finding.end]
                for decoded, start in zip(content.texts, starts):
                    # A finding reaching into a run's decoded text belongs to that run (and so to every run it touches).
                    if not (finding.start < start + len(decoded.text) and finding.end > start):
                        continue
                    written = text.find(value, decoded.start, decoded.end)
                    if written >= 0:
                        located = Finding(finding.type, written, written + len(value), finding.score)
                    else:
                        located = Finding(
                            finding.type, decoded.start, decoded.end, finding.score, encoding=decoded.encoding
                        )
                    key_of = (located.type, located.start, located.end, located.encoding)
                    if key_of not in found or found[key_of].score < located.score:
                        found[key_of] = located
        result = EncodedScan(tuple(sorted(found.values(), key=lambda f: (f.start, f.end, f.type))), content.over_budget)
        self._cache.put(key, result)
        return result

    def scan(self, conversation: Conversation) -> ScanResult:
        result = ScanResult()
        for index, part in enumerate(conversation.parts):
            plain = self.analyze_text(part.text)
            for finding in plain:
                result.findings.append(Finding(finding.type, finding.start, finding.end, finding.score, index))
            encoded = self.analyze_encoded(part.text)
            already = {(f.type, f.start, f.end) for f in plain}
            for finding in encoded.findings:
                if finding.encoded or (finding.type, finding.start, finding.end) not in already:
                    result.findings.append(
                        Finding(finding.type, finding.start, finding.end, finding.score, index, finding.encoding)
                    )
            if encoded.over_budget:
                # Fail closed: encoded text that was not read in full is content the gateway cannot vouch for.
                result.signals.append(
                    Signal(
                        "unscannable_content",
                        f"encoded text longer than {BUDGET // 1024} KB was not read in full",
                        part.location,
                    )
                )
        # A value split across two adjacent parts: each seam's neighbourhood, read through the same cache,
        # so turn N of a conversation reads only its new seams.
        own = frozenset((f.type, f.start, f.end, f.part) for f in result.findings)
        seen = set(own)
        for finding in self._seam_findings([part.text for part in conversation.parts], own):
            if (finding.type, finding.start, finding.end, finding.part) not in seen:
                seen.add((finding.type, finding.start, finding.end, finding.part))
                result.findings.append(finding)
        result.findings.sort(key=lambda f: (f.part if f.part is not None else -1, f.start, f.end, f.type))
        result.signals.extend(detect_usage_signals(conversation))
        for opaque in conversation.opaque_parts:
            result.signals.append(
                Signal("unscannable_content", f"{opaque.kind} content cannot be scanned", format_path(opaque.path))
            )
        return result

    def _seam_findings(self, texts: list[str], own: frozenset[tuple[str, int, int, int | None]]) -> list[Finding]:
        """Findings crossing the seams between consecutive texts; seams not seen before are read in one call.

        A seam is remembered by its window, found or not, so the seams of a long history cost a cache
        look-up each.
        """
        readings: dict[int, tuple[tuple[Finding, ...], ...]] = {}
        unread: list[tuple[Seam, bytes]] = []
        for index in range(len(texts) - 1):
            tail, head = window(texts[index], texts[index + 1])
            # The length keeps (tail, head) pairs apart that would concatenate alike.
            key = AnalysisCache.key(f"{len(tail)}:{tail}{head}", b"seam")
            cached = self._cache.get(key)
            if isinstance(cached, SeamScan):
                if any(cached.readings):
                    readings[index] = cached.readings
                continue
            seam = seam_between(texts[index], texts[index + 1], index)
            if seam is None:
                self._cache.put(key, SeamScan(()))
            else:
                unread.append((seam, key))
        if unread:
            found = iter(read_together([r for seam, _ in unread for r in seam.readings()], self._analyzer.analyze))
            for seam, key in unread:
                entry = SeamScan(tuple(tuple(next(found)) for _ in seam.joins()))
                self._cache.put(key, entry)
                if any(entry.readings):
                    readings[seam.left] = entry.readings
        crossing: list[Finding] = []
        for index, read in readings.items():
            seam = seam_between(texts[index], texts[index + 1], index)
            if seam is not None:
                crossing.extend(crossing_findings(seam, read, own))
        return crossing

    def ready(self) -> bool:
        return bool(self.analyze_text("readiness check") is not None)

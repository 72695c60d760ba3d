"""One entry point for detection: a whole conversation in, findings and signals out."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from detectors.analyzer import TextAnalyzer
from detectors.findings import Finding, ScanResult, Signal
from detectors.settings import DetectionSettings
from detectors.usage import detect_usage_signals
from proxy.conversation import Conversation, format_path


class AnalysisCache:
    """Bounded LRU of analysis results keyed by a hash of the text.

    Chat tools resend the whole conversation on every turn; with this cache turn
    N costs the new message, not N messages.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, list[Finding]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> list[Finding] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: bytes, findings: list[Finding]) -> None:
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
        if cached is not None:
            return list(cached)
        findings = self._analyzer.analyze(text)
        self._cache.put(key, findings)
        return list(findings)

    def scan(self, conversation: Conversation) -> ScanResult:
        result = ScanResult()
        for index, part in enumerate(conversation.parts):
            for finding in self.analyze_text(part.text):
                result.findings.append(Finding(finding.type, finding.start, finding.end, finding.score, index))
        result.signals.extend(detect_usage_signals(conversation))
        for opaque in conversation.opaque_parts:
            result.signals.append(
                Signal("unscannable_content", f"{opaque.kind} content cannot be scanned", format_path(opaque.path))
            )
        return result

    def ready(self) -> bool:
        return bool(self.analyze_text("readiness check") is not None)

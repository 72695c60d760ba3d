"""What the detectors report: typed spans of sensitive data, and usage signals."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of sensitive data. ``start``/``end`` are offsets into one text (end exclusive)."""

    type: str
    start: int
    end: int
    score: float
    part: int | None = None  # index into Conversation.parts, when scanning a conversation
    # Set when the value was found by decoding the text: the span is then the whole encoded run, and the
    # value cannot be replaced in place. Names the decoding, e.g. "base64" or "base64+url" (detectors.encodings).
    encoding: str | None = None

    @property
    def encoded(self) -> bool:
        return self.encoding is not None

    def value(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Signal:
    """Evidence that a request uses a capability the policy governs.

    ``evidence`` says what was seen and where, in words an auditor can read;
    it never quotes personal data.
    """

    type: str
    evidence: str
    location: str | None = None
    # Where the evidence came from (declared_tools, hosted_tools, history, text, response_shape):
    # the policy strips a request whose only tool use is declared function tools.
    sources: tuple[str, ...] = ()


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)

    def finding_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.type] = counts.get(finding.type, 0) + 1
        return dict(sorted(counts.items()))

    def encoded_types(self) -> list[str]:
        """Finding types found inside encoded content."""
        return sorted({finding.type for finding in self.findings if finding.encoded})

    def encodings(self) -> list[str]:
        """The encodings (``base64``, ``url``, ``hex``) that hid a finding, each step of a chain named."""
        return sorted({step for finding in self.findings if finding.encoding for step in finding.encoding.split("+")})

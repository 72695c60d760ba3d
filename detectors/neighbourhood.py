"""The neighbourhood of a seam: the end of one text part read together with the start of the next.

A value can be split across two messages ("… JK 41 22" / "90 B …") or across two
text parts of one message; neither part alone holds a whole value. So each seam
between adjacent parts is read as well, bounded to ``WIDTH`` characters either
side (longer than any identifier pattern, short enough that a long conversation
costs little). The two sides are joined twice — with a space, and with nothing
between them — because a user who splits a value mid-group leaves no space.

Only a finding that crosses the seam is new: a finding wholly on one side was
already found when that part was scanned. A crossing finding belongs to both
parts, so it is reported in each, clipped to that part, and redaction and the
policy see it wherever it lies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from detectors.findings import Finding

WIDTH = 64
# Both readings of a seam; the space is the common case, nothing between is a split mid-group.
JOINS = (" ", "")


@dataclass(frozen=True, slots=True)
class Seam:
    """Where part ``left`` ends and part ``left + 1`` begins."""

    left: int
    tail: str  # the last WIDTH characters (or fewer) of the left part
    head: str  # the first WIDTH characters (or fewer) of the right part
    tail_offset: int  # where ``tail`` starts in the left part

    @property
    def right(self) -> int:
        return self.left + 1

    def readings(self) -> list[str]:
        return [self.tail + join + self.head for join in JOINS]

    def crossing(self, reading: int, findings: Sequence[Finding]) -> list[Finding]:
        """Of ``findings`` in ``readings()[reading]``, those crossing the seam, as one clipped finding per part."""
        boundary = len(self.tail)
        head_starts = boundary + len(JOINS[reading])
        clipped: list[Finding] = []
        for finding in findings:
            if finding.start < boundary and finding.end > head_starts:
                clipped.append(Finding(finding.type, self.tail_offset + finding.start, self.tail_offset + boundary,
                                       finding.score, self.left))  # fmt: skip
                clipped.append(Finding(finding.type, 0, finding.end - head_starts, finding.score, self.right))
        return clipped


def seams(texts: Sequence[str], width: int = WIDTH) -> list[Seam]:
    """The seams between consecutive texts; a blank side cannot hide half a value, so it has none."""
    found = []
    for index in range(len(texts) - 1):
        left, right = texts[index], texts[index + 1]
        if not left.strip() or not right.strip():
            continue
        tail_offset = max(0, len(left) - width)
        found.append(Seam(index, left[tail_offset:], right[:width], tail_offset))
    return found


def crossing_findings(seam: Seam, analyze: Callable[[str], list[Finding]]) -> list[Finding]:
    """Every finding crossing ``seam``, in either reading, reported once per part and span."""
    unique: dict[tuple[str, int, int, int | None], Finding] = {}
    for index, reading in enumerate(seam.readings()):
        for finding in seam.crossing(index, analyze(reading)):
            key = (finding.type, finding.start, finding.end, finding.part)
            if key not in unique or unique[key].score < finding.score:
                unique[key] = finding
    return list(unique.values())

"""The neighbourhood of a seam: the end of one text part read together with the start of the next.

A value can be split across two messages ("… JK 41 22" / "90 B …") or across two
text parts of one message; neither part alone holds a whole value. So each seam
between adjacent parts is read as well, bounded to ``WIDTH`` characters either
side (longer than any identifier pattern, short enough that a long conversation
costs little). The two sides are joined with a space, and also with nothing
between them where a value may have been cut mid-group (a user who splits
"JK4122|90B" leaves no space) — not after the end of a sentence, where joining
"…@example.com." to "My …" would make an address out of two messages.

Only a finding that crosses the seam is new: a finding wholly on one side was
already found when that part was scanned. A crossing finding belongs to both
parts, so it is reported in each, clipped to that part, and redaction and the
policy see it wherever it lies.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from detectors.findings import Finding

WIDTH = 64
_CLAUSE_END = ".!?;:,"


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

    def joins(self) -> list[str]:
        """How the sides are joined: with a space, and with nothing where a value may have been cut mid-group."""
        last, first = self.tail[-1:], self.head[:1]
        if not last or not first or last.isspace() or first.isspace():
            return [" "]  # joined with nothing, the text would read the same
        if last in _CLAUSE_END and not first.islower():
            return [" "]  # a sentence or clause ended at the seam
        return [" ", ""]

    def readings(self) -> list[str]:
        return [self.tail + join + self.head for join in self.joins()]

    def crossing(self, join: str, findings: Sequence[Finding]) -> list[Finding]:
        """Of ``findings`` in the reading joined by ``join``, those crossing the seam, as one clipped finding per part."""
        boundary = len(self.tail)
        head_starts = boundary + len(join)
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


def crossing_findings(
    seam: Seam, analyze: Callable[[str], list[Finding]], found: Collection[tuple[str, int, int, int | None]] = ()
) -> list[Finding]:
    """Every finding crossing ``seam``, in either reading, reported once per part and span.

    ``found`` holds what each part's own scan found, as (type, start, end, part). Joined with nothing, a value
    complete on one side runs on into the other ("password: Welcome123" + "Compare …"): a crossing finding of
    that reading whose piece on either side is already a finding of its own is that run-on, not a split value.
    """
    unique: dict[tuple[str, int, int, int | None], Finding] = {}
    for join in seam.joins():
        pieces = seam.crossing(join, analyze(seam.tail + join + seam.head))
        for left, right in zip(pieces[::2], pieces[1::2]):
            if not join and any((f.type, f.start, f.end, f.part) in found for f in (left, right)):
                continue
            for finding in (left, right):
                key = (finding.type, finding.start, finding.end, finding.part)
                if key not in unique or unique[key].score < finding.score:
                    unique[key] = finding
    return list(unique.values())

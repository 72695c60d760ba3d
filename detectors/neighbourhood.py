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

import bisect
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from core.findings import Finding

WIDTH = 64
_CLAUSE_END = ".!?;:,"
# Between texts read together: a paragraph of more neutral words than any recognizer's context window (6).
SEPARATOR = "\n\n" + " ".join(["x"] * 8) + "\n\n"
BATCH_CHARACTERS = 50_000


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
        """How the sides are joined: with a space, and with nothing where a value may have been cut mid-group.

        None at all where the words meeting at the seam cannot belong to one value.
        """
        if not _may_meet_in_a_value(self.tail, self.head):
            return []
        last, first = self.tail[-1:], self.head[:1]
        if last.isspace() or first.isspace():
            return [""]  # the space is already there; another would part what the user wrote together
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
                clipped.append(
                    Finding(
                        finding.type,
                        self.tail_offset + finding.start,
                        self.tail_offset + boundary,
                        finding.score,
                        self.left,
                    )
                )
                clipped.append(Finding(finding.type, 0, finding.end - head_starts, finding.score, self.right))
        return clipped


def seams(texts: Sequence[str], width: int = WIDTH) -> list[Seam]:
    """The seams between consecutive texts that could hide a split value."""
    found = (seam_between(texts[index], texts[index + 1], index, width) for index in range(len(texts) - 1))
    return [seam for seam in found if seam is not None]


def window(left: str, right: str, width: int = WIDTH) -> tuple[str, str]:
    """What a seam depends on: the last ``width`` characters of ``left`` and the first of ``right``."""
    return left[-width:], right[:width]


def seam_between(left: str, right: str, index: int, width: int = WIDTH) -> Seam | None:
    """The seam between part ``index`` (``left``) and the next, or None if it cannot hide a split value.

    Depends only on ``window(left, right, width)`` (and the length of ``left``, for offsets), so whether a
    seam is worth reading can be remembered by its window.
    """
    tail, head = window(left, right, width)
    if not tail.strip() or not head.strip():
        return None  # a blank side cannot hide half a value
    tail_offset = len(left) - len(tail)
    # No value runs on past the end of a sentence, so whole sentences away from the seam are left out:
    # they cost the named-entity model time and cannot be part of a crossing value.
    breaks = list(_SENTENCE_BREAK.finditer(tail))
    if breaks:
        tail, tail_offset = tail[breaks[-1].end() :], tail_offset + breaks[-1].end()
    first_break = _SENTENCE_BREAK.search(head)
    if first_break:
        head = head[: first_break.start()]
    seam = Seam(index, tail, head, tail_offset)
    return seam if seam.joins() else None


# Where one sentence ends and the next begins: after a word of two or more lower-case letters (not an initial or
# "Mr."), before a capital.
_SENTENCE_BREAK = re.compile(r"(?<=[a-z]{2}[.!?])\s+(?=[A-Z])")
# A word of letters only, perhaps ending a clause.
_PLAIN_WORD = re.compile(r"([^\W\d_]+)([.,;:!?'\")]*)")
# Punctuation that joins the pieces of an address or identifier ("ann" + "@example.org", "sk-" + "proj…").
_JOINING = "@_-/+"


def _token_kind(token: str) -> str:
    """``value`` (digits, symbols or capitals, as identifiers are written), ``capitalised`` or ``lower`` word."""
    plain = _PLAIN_WORD.fullmatch(token)
    if plain is None or plain.group(1).isupper():
        return "value"
    return "capitalised" if plain.group(1)[0].isupper() else "lower"


def _may_meet_in_a_value(tail: str, head: str) -> bool:
    """Whether the last word of ``tail`` and the first of ``head`` could be two pieces of one value.

    A crossing value holds characters from both sides, so it holds the words that meet at the seam. Pieces of an
    identifier, a number or an address are written with digits, capitals or symbols on both sides ("JK 41 22" |
    "90 B", "ann@exa" | "mple.com"), or one side ends or starts with the punctuation that joins them ("ann" |
    "@example.org"), or a token is cut and continues in lower case ("sk-proj-abc" | "defgh"). Pieces of a name are
    two capitalised words, not across the end of a sentence ("Margaret" | "Thornton"). Anything else — two
    ordinary words, a sentence ending and the next beginning ("… servants." | "Draft …"), a number and the
    capitalised word starting the next message ("(42)" | "Draft …") — is not read.
    """
    last, first = tail.split()[-1:], head.split()[:1]
    if not last or not first:
        return False
    left, right = last[0], first[0]
    if left[-1] in _JOINING or right[0] in _JOINING + ".":
        return True
    if left[-1] == "." and right[0].islower():
        return True  # "alice." + "morgan@…": a sentence does not go on in lower case
    left_kind, right_kind = _token_kind(left), _token_kind(right)
    if left_kind == "value":
        return right_kind in ("value", "lower")
    return left_kind == right_kind == "capitalised" and left[-1].isalpha()


def read_together(texts: Sequence[str], analyze: Callable[[str], list[Finding]]) -> list[list[Finding]]:
    """The findings of each text, from one analysis of them all.

    A call to the analyzer costs about as much as a few hundred characters of
    text, and a seam's readings are short, so all the seams a scan has not seen
    before are read in one call. Between two texts stands a paragraph of
    neutral words, more than any recognizer looks back or ahead for context, so
    one text's words do not score another's findings; a finding reaching across
    it is dropped.
    """
    per_text: list[list[Finding]] = []
    batch: list[str] = []
    for text in texts:
        # Bounded, so that a long history read for the first time stays far below spaCy's length limit.
        if batch and sum(len(t) + len(SEPARATOR) for t in batch) + len(text) > BATCH_CHARACTERS:
            per_text.extend(_read_batch(batch, analyze))
            batch = []
        batch.append(text)
    if batch:
        per_text.extend(_read_batch(batch, analyze))
    return per_text


def _read_batch(texts: list[str], analyze: Callable[[str], list[Finding]]) -> list[list[Finding]]:
    per_text: list[list[Finding]] = [[] for _ in texts]
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(SEPARATOR)
    for finding in analyze(SEPARATOR.join(texts)):
        index = bisect.bisect_right(starts, finding.start) - 1
        if index >= 0 and finding.end <= starts[index] + len(texts[index]):
            offset = starts[index]
            per_text[index].append(Finding(finding.type, finding.start - offset, finding.end - offset, finding.score))
    return per_text


def crossing_findings(
    seam: Seam, readings: Sequence[Sequence[Finding]], found: Collection[tuple[str, int, int, int | None]] = ()
) -> list[Finding]:
    """Every finding crossing ``seam``, reported once per part and span.

    ``readings`` holds the findings of each of ``seam.readings()``. ``found`` holds what each part's own scan
    found, as (type, start, end, part). Joined with nothing, a value complete on one side runs on into the other
    ("password: Welcome123" + "Compare …"): a crossing finding of that reading whose piece on either side is
    already a finding of its own is that run-on, not a split value.
    """
    unique: dict[tuple[str, int, int, int | None], Finding] = {}
    for join, findings in zip(seam.joins(), readings, strict=True):
        pieces = seam.crossing(join, findings)
        for left, right in zip(pieces[::2], pieces[1::2]):
            if not join and any((f.type, f.start, f.end, f.part) in found for f in (left, right)):
                continue
            for finding in (left, right):
                key = (finding.type, finding.start, finding.end, finding.part)
                if key not in unique or unique[key].score < finding.score:
                    unique[key] = finding
    return list(unique.values())

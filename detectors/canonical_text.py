"""One canonical reading of a text, with a map back to what the user wrote.

The same identifier can be written many ways: ``JK 41 22 90 B`` in fullwidth
letters, with no-break or thin spaces, en dashes, a zero-width space inside, or
a Cyrillic ``К`` for the ``K``. Rather than teach every recognizer every
spelling, the analyzer reads one canonical text:

- Unicode NFKC (fullwidth and mathematical letters and digits, ``＠``, ligatures
  and other compatibility characters become their plain form);
- invisible characters are removed: format characters (zero-width space and
  joiners, soft hyphen, bidi controls, word joiner, byte order mark …),
  variation selectors, the combining grapheme joiner and Hangul fillers;
- every dash (hyphens, non-breaking hyphen, en and em dashes, minus sign …)
  becomes ``-``, every space (no-break, thin, ideographic …) becomes `` ``, a
  line or paragraph separator becomes ``\\n``;
- every decimal digit becomes its ASCII digit (Arabic-Indic, Devanagari …);
- Cyrillic and Greek letters that look like Latin letters become those Latin
  letters. This is done everywhere, not only in mixed-script words: an
  identifier written wholly in look-alikes (``СЕ``) must read as Latin too, and
  a Russian or Greek word with some letters folded is still not an identifier.

Findings are made on the canonical text and mapped back with
:meth:`CanonicalText.original_span`, so redaction replaces exactly what the user
wrote, including any invisible characters inside the value.

The map is exact because the text is canonicalised in *segments*: a character
together with the combining characters that follow it (NFKC may compose them).
A segment whose canonical form has the same length as itself, one character to
one character, keeps offsets one to one; any other segment (removed, expanded
or composed) is an atomic *piece* that maps as a whole. Only pieces are stored,
so a text with no such characters costs nothing to map, and ASCII text is
returned as it is.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import regex as re

# Letters that render like a Latin letter in common fonts (Unicode confusables, Cyrillic and Greek to Latin).
_LOOK_ALIKES = {
    # Cyrillic capitals and small letters
    "А": "A",
    "В": "B",
    "Е": "E",
    "Ѐ": "E",
    "Ё": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "Ү": "Y",
    "І": "I",
    "Ї": "I",
    "Ј": "J",
    "Ѕ": "S",
    "Ԁ": "D",
    "Ԛ": "Q",
    "Ԝ": "W",
    "Ӏ": "I",
    "Һ": "H",
    "Ь": "b",
    "а": "a",
    "е": "e",
    "ѐ": "e",
    "ё": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "һ": "h",
    "ӏ": "l",
    "к": "k",
    "м": "m",
    "н": "h",
    "т": "t",
    "в": "b",
    "ь": "b",
    # Greek capitals and small letters
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    "Ϲ": "C",
    "Ϳ": "J",
    "ο": "o",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "α": "a",
    "ϲ": "c",
    "ϳ": "j",
}
# Invisible characters outside the format category (Cf, removed by category).
_INVISIBLE = frozenset(
    ["\u034f", "\u115f", "\u1160", "\u3164", "\uffa0"]  # combining grapheme joiner, Hangul fillers
    + [chr(c) for c in range(0xFE00, 0xFE10)]  # variation selectors
    + [chr(c) for c in range(0xE0100, 0xE01F0)]  # variation selectors supplement
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=4096)
def _plain(character: str) -> str:
    """The canonical form of one character that has already been through NFKC."""
    if character in _INVISIBLE:
        return ""
    category = unicodedata.category(character)
    if category == "Cf":
        return ""
    if category == "Pd" or character in "\u2212\u2043\u02d7\u2796\u2e3a\u2e3b":
        return "-"
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp"):
        return "\n"
    if category == "Nd":
        return str(unicodedata.decimal(character))
    return _LOOK_ALIKES.get(character, character)


@lru_cache(maxsize=4096)
def _joins_previous(character: str) -> bool:
    """Whether NFKC may combine ``character`` with the character before it (so they are one segment)."""
    if unicodedata.combining(character):
        return True
    first = unicodedata.normalize("NFKC", character)[:1]
    return bool(first) and (unicodedata.combining(first) != 0 or first in _COMPOSING_STARTERS)


def _composing_starters() -> frozenset[str]:
    """Characters of combining class 0 that still compose with the character before them (Hangul vowels and
    final consonants, some Indic vowel signs): the second character of a canonical pair decomposition."""
    found = {chr(c) for c in range(0x1161, 0x1176)} | {chr(c) for c in range(0x11A8, 0x11C3)}
    for code in list(range(0x0900, 0x1100)) + list(range(0x1B00, 0x1B80)) + list(range(0x11000, 0x11400)):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2 and unicodedata.combining(chr(int(parts[1], 16))) == 0:
                found.add(chr(int(parts[1], 16)))
    return frozenset(found)


_COMPOSING_STARTERS = _composing_starters()


@lru_cache(maxsize=8192)
def canonical_segment(segment: str) -> str:
    """The canonical form of one segment (a character and the combining characters after it)."""
    return "".join(_plain(character) for character in unicodedata.normalize("NFKC", segment))


@dataclass(frozen=True, slots=True)
class CanonicalText:
    """A text read canonically (``text``) and the map back to the ``original``."""

    original: str
    text: str
    # Atomic pieces, in order: canonical [start, end) came from original [start, end).
    _canonical_starts: list[int] = field(default_factory=list, repr=False)
    _canonical_ends: list[int] = field(default_factory=list, repr=False)
    _original_starts: list[int] = field(default_factory=list, repr=False)
    _original_ends: list[int] = field(default_factory=list, repr=False)

    @property
    def unchanged(self) -> bool:
        return self.text is self.original or (not self._canonical_starts and self.text == self.original)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that canonical ``text[start:end]`` was read from.

        A span that starts or ends inside an atomic piece (say, inside the ``fi`` that came from ``ﬁ``) is widened
        to the whole piece. Invisible characters strictly inside the span are included; those just outside it are
        not.
        """
        if not self._canonical_starts:
            return start, end
        return self._original_start(start), max(self._original_start(start), self._original_end(end))

    def aligned_span(self, start: int, end: int) -> tuple[int, int]:
        """Canonical ``[start, end)`` widened to whole atomic pieces: the canonical span that ``original_span``
        maps back exactly."""
        index = bisect_right(self._canonical_starts, start) - 1
        if index >= 0 and start < self._canonical_ends[index]:
            start = self._canonical_starts[index]
        index = bisect_left(self._canonical_starts, end) - 1
        if index >= 0 and end < self._canonical_ends[index]:
            end = self._canonical_ends[index]
        return start, max(start, end)

    def _original_start(self, offset: int) -> int:
        index = bisect_right(self._canonical_starts, offset) - 1
        if index < 0:
            return offset
        if offset < self._canonical_ends[index]:
            return self._original_starts[index]
        return self._original_ends[index] + offset - self._canonical_ends[index]

    def _original_end(self, offset: int) -> int:
        index = bisect_left(self._canonical_starts, offset) - 1
        if index < 0:
            return offset
        if offset < self._canonical_ends[index]:
            return self._original_ends[index]  # inside a piece: the whole piece
        # After a piece; a removed character (an empty piece) before ``offset`` is inside the span.
        return self._original_ends[index] + offset - self._canonical_ends[index]


def canonical_text(original: str) -> CanonicalText:
    """Read ``original`` canonically. Linear in its length; ASCII text is returned unchanged without copying."""
    if original.isascii():
        return CanonicalText(original, original)
    out: list[str] = []
    canonical_starts: list[int] = []
    canonical_ends: list[int] = []
    original_starts: list[int] = []
    original_ends: list[int] = []
    length = 0  # of the canonical text so far
    copied_to = 0  # the original text is copied as it is up to here
    for run in _NON_ASCII.finditer(original):
        start, end = run.span()
        if start > copied_to and _joins_previous(original[start]):
            start -= 1  # an ASCII base letter with a combining mark after it: one segment
        out.append(original[copied_to:start])
        length += start - copied_to
        position = start
        while position < end:
            after = position + 1
            while after < end and _joins_previous(original[after]):
                after += 1
            segment = original[position:after]
            replacement = canonical_segment(segment)
            if after - position != 1 or len(replacement) != 1:
                canonical_starts.append(length)
                canonical_ends.append(length + len(replacement))
                original_starts.append(position)
                original_ends.append(after)
            out.append(replacement)
            length += len(replacement)
            position = after
        copied_to = end
    out.append(original[copied_to:])
    return CanonicalText(original, "".join(out), canonical_starts, canonical_ends, original_starts, original_ends)

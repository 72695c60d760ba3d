"""Context words without lemmas.

Presidio's default context enhancer compares spaCy lemmas, which needs the
tagger and lemmatizer in the pipeline (about a third of spaCy's time per text).
Handrail's recognizers look at the plain words around a match instead: the
text is lower-cased and every run of characters that is not a letter or digit
becomes one space, so "NHS no.:" and "nhs no" read the same and a context
phrase such as "date of birth" matches across punctuation and line breaks.

Cost: a text with many candidate values (a megabyte of digit groups) asks for
context once per candidate. So each :class:`Terms` first looks in the window for
the first word of any of its terms, in any case (one quick search); a window
without one cannot hold a term and is not read.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex as re

from detectors.recognizers.alternatives import word_alternatives

_NOT_WORD = re.compile(r"[^\p{L}\p{N}]+")
_WORD = re.compile(r"[\p{L}\p{N}]+")
# E-mail addresses and URLs are values, not context: "olawale@nhs.net, 020 …" is not about the NHS.
_ADDRESS = re.compile(r"\S+@\S+|\S+://\S+")
# Enough characters to hold the few words a context window looks at.
_CHARS_PER_WORD = 24


def normalise(text: str) -> str:
    """Lower-case ``text`` and reduce every run of non-alphanumerics to one space."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


def words_before(text: str, start: int, count: int) -> str:
    """The last ``count`` words before ``start``, normalised and joined by spaces."""
    if count <= 0:
        return ""
    window = _without_addresses(text[max(0, start - count * _CHARS_PER_WORD) : start])
    return " ".join(_WORD.findall(window.lower())[-count:])  # as normalise(window), split, but quicker


def words_after(text: str, end: int, count: int) -> str:
    """The first ``count`` words after ``end``, normalised and joined by spaces."""
    if count <= 0:
        return ""
    window = _without_addresses(text[end : end + count * _CHARS_PER_WORD])
    return " ".join(_WORD.findall(window.lower())[:count])


def _without_addresses(window: str) -> str:
    # The search is the costly part of reading a window; most windows have nothing for it to find.
    return _ADDRESS.sub(" ", window) if "@" in window or "://" in window else window


class Terms:
    """A set of context words and phrases, matched as whole words (a plural ``s`` allowed)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = tuple(dict.fromkeys(normalise(term) for term in terms if normalise(term)))
        alternatives = "|".join(re.escape(term) for term in sorted(self.terms, key=len, reverse=True))
        bounded = rf"(?<![\p{{L}}\p{{N}}])(?:{alternatives})s?(?![\p{{L}}\p{{N}}])"
        self._pattern = re.compile(bounded) if alternatives else None
        # Every term contains its first word, in any case: where none occurs, no window can hold a term.
        first_words = sorted({term.split(" ")[0] for term in self.terms})
        self._first_words = re.compile(word_alternatives(first_words, {}), re.IGNORECASE) if first_words else None

    def __bool__(self) -> bool:
        return bool(self.terms)

    def find(self, normalised_text: str) -> str | None:
        """The first term found in already-normalised text, or None."""
        if self._pattern is None or not normalised_text:
            return None
        match = self._pattern.search(normalised_text)
        return match.group(0) if match else None

    def near(self, text: str, start: int, end: int, before: int, after: int = 0) -> str | None:
        """A term among the ``before`` words preceding, or the ``after`` words following, ``text[start:end]``."""
        if before > 0 and self._may_occur(text, max(0, start - before * _CHARS_PER_WORD), start):
            found = self.find(words_before(text, start, before))
            if found:
                return found
        if after > 0 and self._may_occur(text, end, end + after * _CHARS_PER_WORD):
            return self.find(words_after(text, end, after))
        return None

    def _may_occur(self, text: str, start: int, end: int) -> bool:
        """Whether the first word of a term lies wholly inside ``text[start:end]``."""
        return self._first_words is not None and self._first_words.search(text, start, end) is not None

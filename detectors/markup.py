"""Where a position in a model's answer sits: prose a person reads, or something a client may fetch.

A chat tool renders the answer as Markdown (and often HTML): an image target is
fetched as soon as it is shown, a link is one click away, an attribute may be a
``src``. A placeholder restored there would send the real value to whichever
site the model chose, so the restorer asks this reader where each placeholder
sits and restores it only in prose.

The reader is incremental (the answer may arrive in chunks split anywhere) and
errs on the side of "not prose": a stray ``<`` opening what looks like a tag
keeps later placeholders unrestored until the tag closes, which costs a
placeholder left in the text, never a value sent to a server.
"""

from __future__ import annotations

import re
from enum import Enum

# A word (a run without whitespace) that a renderer may turn into a link: a scheme
# with "//", www., the schemes that act without "//", or a host name followed by a path.
_URL_WORD = re.compile(
    r"(?i)(?:^|[^a-z0-9+.-])[a-z][a-z0-9+.-]*://"
    r"|(?:^|[^\w.])www\."
    r"|(?:^|[^a-z0-9])(?:mailto|data|javascript|tel|sms|file|ftp):"
    r"|[a-z0-9-]+\.[a-z]{2,}(?::\d+)?/"
)
# A Markdown reference definition, "[label]: url": the word after it is a link target.
_REFERENCE_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:")
# Only these characters can complete a URL-looking word, so the pattern is tried only after them.
_URL_TRIGGERS = frozenset(":/.")
# The characters that can change where the reader is; runs of anything else are taken in one step.
_SIGNIFICANT = re.compile(r"""[\s<>()\[\]"':/.]""")
# A word longer than this keeps its verdict; the pattern needs only its start.
_WORD_KEPT = 80
_LINE_KEPT = 200


class Where(Enum):
    PROSE = "prose"
    LINK_TARGET = "inside a link or image target"
    URL = "inside a URL"
    HTML_TAG = "inside an HTML tag or attribute"


class MarkupReader:
    """Follows Markdown and HTML structure one character at a time, across any chunking."""

    def __init__(self) -> None:
        self._previous = "\n"
        self._in_tag = False
        self._quote: str | None = None
        self._after_open_angle = False  # a "<" whose next character decides whether it opens a tag
        self._target_depth = 0  # open parentheses of a "](" link target
        self._word = ""
        self._word_is_url = False
        self._next_word_is_url = False
        self._line = ""

    def where(self) -> Where:
        """Where text arriving now (a placeholder, say) would sit."""
        if self._in_tag or self._after_open_angle:
            return Where.HTML_TAG
        if self._target_depth:
            return Where.LINK_TARGET
        if self._word_is_url or self._next_word_is_url:
            return Where.URL
        return Where.PROSE

    def feed_opaque(self, token: str) -> None:
        """A placeholder: part of the current word (a URL stays a URL across it), no structure of its own."""
        if self._after_open_angle:
            # "<" right before a placeholder reads as a tag opening, the cautious reading.
            self._after_open_angle = False
            self._in_tag = True
        self._extend_word(token, check=False)
        self._previous = token[-1:] or self._previous

    def feed(self, text: str) -> None:
        position = 0
        for match in _SIGNIFICANT.finditer(text):
            if match.start() > position:
                self._plain(text[position : match.start()])
            self._step(match.group())
            position = match.end()
        if position < len(text):
            self._plain(text[position:])

    def _plain(self, run: str) -> None:
        """A run of characters that open, close or quote nothing: it only extends the word and the line."""
        if self._after_open_angle:
            self._step(run[0])  # decides whether the "<" before it opened a tag
            run = run[1:]
            if not run:
                return
        if self._next_word_is_url and not self._word:
            self._word_is_url = True
            self._next_word_is_url = False
        self._word += run[: max(0, _WORD_KEPT - len(self._word))]
        self._line += run[: max(0, _LINE_KEPT - len(self._line))]
        self._previous = run[-1]

    def _step(self, char: str) -> None:
        previous = self._previous
        self._previous = char
        if self._after_open_angle:
            self._after_open_angle = False
            if char.isalpha() or char in "/!?":
                self._in_tag = True
        if self._in_tag:
            if self._quote:
                if char == self._quote:
                    self._quote = None
            elif char in "\"'":
                self._quote = char
            elif char == ">" or (char == "\n" and previous == "\n"):
                self._in_tag = False
                self._quote = None
        elif self._target_depth:
            if char == "(":
                self._target_depth += 1
            elif char == ")":
                self._target_depth -= 1
            elif char == "\n":
                self._target_depth = 0
        elif char == "(" and previous == "]":
            self._target_depth = 1
        elif char == "<":
            self._after_open_angle = True
        self._track_line(char)
        if char.isspace():
            self._word = ""
            self._word_is_url = False
        else:
            if self._next_word_is_url and not self._word:
                self._word_is_url = True
                self._next_word_is_url = False
            self._extend_word(char, check=char in _URL_TRIGGERS)

    def _extend_word(self, text: str, check: bool) -> None:
        if len(self._word) < _WORD_KEPT:
            self._word += text
        if check and not self._word_is_url:
            self._word_is_url = bool(_URL_WORD.search(self._word))

    def _track_line(self, char: str) -> None:
        if char == "\n":
            self._line = ""
            self._next_word_is_url = False
            return
        if len(self._line) < _LINE_KEPT:
            self._line += char
        if char == ":" and self._line.endswith("]:") and _REFERENCE_DEFINITION.fullmatch(self._line):
            self._next_word_is_url = True

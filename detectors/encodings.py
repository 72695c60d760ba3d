"""Encoded text: base64, URL-encoded (%xx) and hex runs that decode to readable text.

An identifier written as ``SkstNDEtMjIt…`` (base64), ``JK%2041%2022…`` (URL
encoding) or ``4a4b20…`` (hex) passes every recognizer unread, yet a model
decodes it at once. So runs that look encoded are decoded and, when the result
is text, the text is scanned like any other. A value found that way cannot be
replaced in place (a placeholder inside base64 is not base64), so the finding is
marked with its encoding and the policy decides what to do with it.

Bounded, so that no input makes this expensive: only runs of at least
``MIN_RUN`` characters are tried; whether a run is text is judged from its first
few hundred bytes, so a megabyte of base64 image costs a few microseconds; at
most ``BUDGET`` bytes of decoded text per part are kept; and text found inside
decoded text is decoded once more (``DEPTH`` 2: base64 of URL-encoded text) and
no further.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# A compact NI number is 12 characters of base64: shorter runs cannot hide an identifier worth finding.
MIN_RUN = 12
BUDGET = 64 * 1024
DEPTH = 2
_SAMPLE = 384  # bytes decoded to judge whether a run is text at all
_READABLE_SHARE = 0.95
# Control characters other than layout, unassigned, private-use and surrogate code points: what bytes that were
# never text turn into. Spaces of every width and format characters are part of ordinary writing.
_UNREADABLE = frozenset({"Cc", "Cn", "Co", "Cs"})

# Base64 in either alphabet (standard +/ or URL-safe -_), padding optional. The look-behind keeps a run from
# starting in the middle of a word, where its four-character groups would be misaligned.
_BASE64 = re.compile(rf"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{{{MIN_RUN},}}={{0,2}}")
# Possessive, and the even length checked afterwards: a repeated pair group costs far more on a long run.
_HEX = re.compile(rf"(?<![0-9A-Fa-f])[0-9A-Fa-f]{{{MIN_RUN},}}+")
# A token (quotes and brackets end it, as they end a URL in prose) holding at least one %xx escape. Tokens are
# matched whole and possessively, and the escape looked for afterwards, so a long token costs one pass.
_TOKEN = re.compile(r"[^\s\"'<>`()\[\]{}]++")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass(frozen=True, slots=True)
class EncodedText:
    """Text found by decoding ``original[start:end]``.

    ``encoding`` names the decoding steps, outermost first: ``base64``, ``url``,
    ``hex`` or a chain such as ``base64+url``.
    """

    start: int
    end: int
    encoding: str
    text: str


@dataclass(slots=True)
class DecodedContent:
    """Everything decoded from one text, and whether the budget cut it short."""

    texts: list[EncodedText]
    over_budget: bool = False


def is_text(data: bytes, final: bool = True) -> bool:
    """UTF-8 that is almost all readable characters and holds at least one letter or digit.

    ``final=False`` judges a prefix: a multi-byte character cut at its end is not held against it.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if final or error.start < len(data) - 3:
            return False
        text = data[: error.start].decode("utf-8")
    if not text or not any(character.isalnum() for character in text):
        return False
    unreadable = sum(1 for c in text if c not in "\t\n\r" and unicodedata.category(c) in _UNREADABLE)
    return unreadable <= (1 - _READABLE_SHARE) * len(text)


def _base64_bytes(run: str, limit: int) -> bytes | None:
    body = run.rstrip("=")
    if "-" in body or "_" in body:
        if "+" in body or "/" in body:
            return None  # two alphabets in one run: not base64
        body = body.replace("-", "+").replace("_", "/")
    body = body[: (limit // 3 + 1) * 4]
    if len(body) % 4 == 1:
        body = body[:-1]  # a lone trailing character carries no whole byte
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _hex_bytes(run: str, limit: int) -> bytes | None:
    try:
        return bytes.fromhex(run[: limit * 2])
    except ValueError:
        return None


def _url_bytes(run: str, limit: int) -> bytes | None:
    if len(run) < MIN_RUN:
        return None
    return urllib.parse.unquote_to_bytes(run[: limit * 3].replace("+", " "))


def _base64_runs(text: str) -> Iterator[re.Match[str]]:
    return _BASE64.finditer(text)


def _hex_runs(text: str) -> Iterator[re.Match[str]]:
    return (run for run in _HEX.finditer(text) if len(run.group()) % 2 == 0)


def _url_runs(text: str) -> Iterator[re.Match[str]]:
    if "%" not in text:
        return iter(())
    return (token for token in _TOKEN.finditer(text) if _ESCAPE.search(token.group()))


_DECODERS = (("base64", _base64_runs, _base64_bytes), ("hex", _hex_runs, _hex_bytes), ("url", _url_runs, _url_bytes))


def _decode_run(decoder: Callable[[str, int], bytes | None], run: str, budget: int) -> tuple[str | None, bool]:
    """The run's text (``None`` if it is not text) and whether it was longer than ``budget`` bytes."""
    sample = decoder(run, _SAMPLE)
    if sample is None or not is_text(sample[:_SAMPLE], final=False):
        return None, False
    data = decoder(run, budget + 1)
    if data is None:
        return None, False
    over = len(data) > budget
    data = data[:budget]
    if not is_text(data, final=not over):
        return None, False
    return data.decode("utf-8", errors="ignore"), over


def decode_all(text: str, budget: int = BUDGET, depth: int = DEPTH) -> DecodedContent:
    """Every encoded run in ``text`` that decodes to text, nested runs included, within ``budget`` bytes."""
    content = DecodedContent([])
    _collect(text, 0, len(text), "", depth, budget, content)
    return content


def _collect(text: str, start: int, end: int, chain: str, depth: int, budget: int, content: DecodedContent) -> int:
    """Add the runs of ``text`` to ``content``; found inside decoded text they keep the outer span ``start:end``."""
    for name, runs, decoder in _DECODERS:
        for match in runs(text):
            if budget <= 0:
                content.over_budget = True
                return 0
            decoded, over = _decode_run(decoder, match.group(), budget)
            if decoded is None or decoded == match.group():
                continue
            content.over_budget |= over
            budget -= len(decoded.encode("utf-8"))
            span = (start, end) if chain else match.span()
            encoding = f"{chain}+{name}" if chain else name
            content.texts.append(EncodedText(span[0], span[1], encoding, decoded))
            if depth > 1:
                budget = _collect(decoded, span[0], span[1], encoding, depth - 1, budget, content)
    return budget


def encoding_names(encoding: str) -> list[str]:
    """The steps of an encoding chain: ``base64+url`` → ``["base64", "url"]``."""
    return encoding.split("+")

"""Reversible pseudonymisation of one request's personal data.

Each detected value becomes a placeholder such as ``<PERSON_1>``; the same
value gets the same placeholder in every message of the request, so the model
can still reason about "who did what". The mapping lives only in this object,
in memory, for the life of one request; the model's answer is restored with it
before the user sees it (streamed answers too, where a placeholder may be split
across chunks) — but only in prose. A placeholder inside a URL, a link or image
target or an HTML tag stays as it is (a client would send the real value to
that site), as does one in a tool-call argument (the client may execute it);
the pseudonymiser counts them, by where they were, for the audit trail.

Other modes, chosen per finding type in configuration, are not reversible:
``mask`` (asterisks), ``hash`` (a keyed digest, stable within a deployment) and
``drop`` (the value is removed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from core.findings import Finding
from detectors.markup import MarkupReader, Where
from detectors.settings import PseudonymMode

PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_(\d+)>")
# The longest text that could still turn out to be the start of a placeholder.
_MAX_PLACEHOLDER = 48
_PARTIAL_PLACEHOLDER = re.compile(r"<[A-Z_]*\d*$")

# Why a placeholder in a tool call's arguments is never restored: the client may run the call.
TOOL_ARGUMENT = "in a tool-call argument"

_anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]  # Presidio leaves its __init__ unannotated
# Keyed so that a hash cannot be reversed by hashing every possible NI number;
# stable for the life of the process unless a deployment passes its own key.
_PROCESS_HASH_KEY = secrets.token_bytes(32)


class Pseudonymiser:
    """Per-request value ↔ placeholder mapping."""

    def __init__(self, modes: Mapping[str, PseudonymMode] | None = None, hash_key: bytes | None = None) -> None:
        self._modes = dict(modes or {})
        self._hash_key = hash_key or _PROCESS_HASH_KEY
        self._placeholder_of: dict[tuple[str, str], str] = {}
        self._value_of: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._unrestored: dict[str, int] = {}

    def __bool__(self) -> bool:
        """True once any value has been given a placeholder."""
        return bool(self._value_of)

    @property
    def mapping(self) -> dict[str, str]:
        """Placeholder → original value (for restoring; never logged)."""
        return dict(self._value_of)

    def placeholder(self, entity_type: str, value: str) -> str:
        key = (entity_type, value)
        if key not in self._placeholder_of:
            number = self._counters.get(entity_type, 0) + 1
            self._counters[entity_type] = number
            placeholder = f"<{entity_type}_{number}>"
            self._placeholder_of[key] = placeholder
            self._value_of[placeholder] = value
        return self._placeholder_of[key]

    def redact(self, text: str, findings: Iterable[Finding], types: Iterable[str] | None = None) -> str:
        """``text`` with every finding of ``types`` (all types if None) replaced."""
        wanted = None if types is None else set(types)
        results = [
            RecognizerResult(f.type, f.start, f.end, f.score)
            for f in findings
            if (wanted is None or f.type in wanted) and 0 <= f.start < f.end <= len(text)
        ]
        if not results:
            return text
        # Number placeholders in reading order (the anonymizer works from the end backwards).
        for result in sorted(results, key=lambda r: r.start):
            if self._modes.get(result.entity_type, "placeholder") == "placeholder":
                self.placeholder(result.entity_type, text[result.start : result.end])
        operators = {result.entity_type: self._operator(result.entity_type) for result in results}
        return _anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text

    def _operator(self, entity_type: str) -> OperatorConfig:
        mode = self._modes.get(entity_type, "placeholder")
        if mode == "mask":
            return OperatorConfig("custom", {"lambda": lambda value: "*" * len(value)})
        if mode == "hash":
            return OperatorConfig("custom", {"lambda": lambda value, t=entity_type: self._digest(t, value)})
        if mode == "drop":
            return OperatorConfig("custom", {"lambda": lambda value, t=entity_type: removal_marker(t)})
        return OperatorConfig("custom", {"lambda": lambda value, t=entity_type: self.placeholder(t, value)})

    def _digest(self, entity_type: str, value: str) -> str:
        digest = hmac.new(self._hash_key, f"{entity_type}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"<{entity_type}:{digest[:12]}>"

    def restore(self, text: str) -> str:
        """Put the original values back in place of this request's placeholders, in prose only."""
        if not self._value_of or "<" not in text:
            return text
        restorer = self.stream_restorer()
        return restorer.feed(text) + restorer.flush()

    def keep_placeholders(self, text: str, reason: str) -> str:
        """``text`` unchanged, its placeholders counted as left unrestored (a tool call's arguments, say)."""
        if self._value_of and "<" in text:
            for match in PLACEHOLDER.finditer(text):
                self._note_unrestored(match.group(0), reason)
        return text

    @property
    def unrestored(self) -> dict[str, int]:
        """Why placeholders of this request were left in the answer → how many (never which values)."""
        return dict(self._unrestored)

    def _restore_one(self, placeholder: str, where: Where) -> str:
        if where is Where.PROSE:
            return self._value_of.get(placeholder, placeholder)
        self._note_unrestored(placeholder, where.value)
        return placeholder

    def _note_unrestored(self, placeholder: str, reason: str) -> None:
        if placeholder in self._value_of:
            self._unrestored[reason] = self._unrestored.get(reason, 0) + 1

    def stream_restorer(self, keep: str | None = None) -> StreamRestorer:
        """A restorer for one streamed text; with ``keep`` (a reason), one that only counts placeholders."""
        return StreamRestorer(self, keep)


class StreamRestorer:
    """Restores placeholders in a streamed answer, whatever the chunk boundaries.

    Text is passed on as soon as it cannot be part of a placeholder; only a
    possible placeholder prefix (``<PERS``) is held back until the next chunk
    completes or rules it out, so the first token is never delayed by more than
    that prefix. A :class:`MarkupReader` follows the text as it passes, so a
    placeholder is restored only where it is prose, even when the link or URL
    around it began several chunks earlier.
    """

    def __init__(self, pseudonymiser: Pseudonymiser, keep: str | None = None) -> None:
        self._pseudonymiser = pseudonymiser
        self._keep = keep
        self._pending = ""
        self._reader = MarkupReader()

    def feed(self, chunk: str) -> str:
        if not self._pseudonymiser:
            return chunk
        text = self._pending + chunk
        cut = text.rfind("<")
        if cut != -1 and len(text) - cut <= _MAX_PLACEHOLDER and _PARTIAL_PLACEHOLDER.fullmatch(text[cut:]):
            self._pending = text[cut:]
            text = text[:cut]
        else:
            self._pending = ""
        return self._restore(text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return self._restore(text)

    def _restore(self, text: str) -> str:
        if not self._pseudonymiser:
            return text
        if self._keep is not None:
            return self._pseudonymiser.keep_placeholders(text, self._keep)
        out: list[str] = []
        position = 0
        for match in PLACEHOLDER.finditer(text):
            self._reader.feed(text[position : match.start()])
            out.append(text[position : match.start()])
            out.append(self._pseudonymiser._restore_one(match.group(0), self._reader.where()))
            self._reader.feed_opaque(match.group(0))
            position = match.end()
        self._reader.feed(text[position:])
        out.append(text[position:])
        return "".join(out)


def removal_marker(entity_type: str) -> str:
    """What stands where a value was dropped: the kind of data, never the value."""
    return f"[{entity_type} removed]"


def redact_by_type(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with every finding replaced by its type alone (``<PERSON>``): the audit trail's form.

    Not reversible and not numbered, so the stored text says what kind of data
    was there and nothing more.
    """
    results = [RecognizerResult(f.type, f.start, f.end, f.score) for f in findings if 0 <= f.start < f.end <= len(text)]
    if not results:
        return text
    operators = {r.entity_type: OperatorConfig("replace", {"new_value": f"<{r.entity_type}>"}) for r in results}
    return _anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text

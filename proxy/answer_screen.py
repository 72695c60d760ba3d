"""A streamed answer, scanned before it is passed on, holding back only a bounded tail.

An identifier can arrive split over any number of chunks ("AB 12", " 34 56 C"),
so text is released only once it has been scanned with at least ``hold_back``
characters after it — as long as the longest identifier the detectors read — or
once its stream (or its part of the stream) has ended. Everything before that
point has been seen whole by the detectors; nothing after it has left. The
hold-back is fixed, never the whole answer, so a long answer still streams.

Each piece of text is one *channel*: a choice's text, or one tool call's
arguments (scanned like text: a client may execute them). Findings the user did
not send go to a judge (the policy, phase "response"), which raises to end the
stream or names the kinds to drop; dropped values become ``[TYPE removed]``, as
in a non-streamed answer.

Output keeps the provider's chunking: each incoming piece goes out as one piece,
in the order it came; only a piece longer than the hold-back is split where the
scanned point falls inside it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from core.findings import Finding
from detectors.pseudonymise import redact_by_type, removal_marker
from proxy.answer import AnswerDelta, ToolCallDelta

# The longest identifier the detectors read, written with separators (an IBAN is
# up to 34 characters plus spaces; a credential header and key run longer but are
# caught by their start): text is released once this much follows it.
HOLD_BACK = 64
# Scan again once this much more has arrived beyond the hold-back. Each scan reads
# LEFT_CONTEXT + HOLD_BACK + SCAN_STEP characters to release SCAN_STEP, so the step
# sets the CPU cost (here about 3x a single scan of the whole answer) against how
# evenly text flows (here in pieces of about 64 characters, a dozen tokens).
SCAN_STEP = 64
# Text before the scanned point that is scanned again for context (names, labels).
LEFT_CONTEXT = 64

Analyze = Callable[[str], Awaitable[list[Finding]]]
# Given the new findings (kinds and counts are what matter), the kinds to drop; raises to end the stream.
Judge = Callable[[list[Finding]], Awaitable[set[str]]]

Key: TypeAlias = (
    tuple[Literal["text"], int] | tuple[Literal["call"], int, int]
)  # (text, choice) or (call, choice, index)


@dataclass(slots=True)
class _Channel:
    raw: str = ""
    decided: int = 0  # raw[:decided] is scanned (with enough after it) and judged
    first_end: int = 0  # where the channel's first piece ends: the first scan waits for the hold-back after it
    removals: list[tuple[int, int, str]] = field(default_factory=list)  # sorted, disjoint spans to drop
    findings: list[Finding] = field(default_factory=list)  # everything found, offsets into raw (for the audit)


@dataclass(slots=True)
class _Item:
    """One piece of the outgoing stream, waiting for its channel to be judged up to its end."""

    choice: int
    key: Key | None  # None: a finish marker
    start: int = 0
    end: int = 0
    call_id: str | None = None
    call_name: str | None = None
    finish_reason: str | None = None


class StreamScreen:
    """Holds back, scans and judges the text of one streamed answer; releases it in order."""

    def __init__(
        self,
        analyze: Analyze | None,
        judge: Judge,
        sent_text: str,
        hold_back: int = HOLD_BACK,
        step: int = SCAN_STEP,
    ) -> None:
        self._analyze = analyze  # None: answers are not scanned here (detection.scan_answers is off)
        self._judge = judge
        self._sent = sent_text
        self._hold_back = hold_back
        self._step = step
        self._channels: dict[Key, _Channel] = {}
        self._queue: list[_Item] = []

    @property
    def scanning(self) -> bool:
        return self._analyze is not None

    async def push(self, delta: AnswerDelta) -> list[AnswerDelta]:
        """Take one delta from upstream; return what may now be passed on."""
        choice = delta.choice
        touched: set[Key] = set()
        if delta.tool_calls:
            # Text before a tool call is finished, and so is an earlier call's arguments once the next begins.
            await self._settle(("text", choice))
            indexes = {call.index for call in delta.tool_calls}
            for key in list(self._channels):
                if key[0] == "call" and key[1] == choice and key[2] not in indexes:
                    await self._settle(key)
        if delta.text:
            touched.add(self._append(("text", choice), delta.text, choice))
        for call in delta.tool_calls:
            touched.add(self._append(("call", choice, call.index), call.arguments, choice, call.id, call.name))
        if delta.finish_reason is not None:
            for key in [k for k in self._channels if k[1] == choice]:
                await self._settle(key)
            self._queue.append(_Item(choice, None, finish_reason=delta.finish_reason))
        for key in touched:
            channel = self._channels[key]
            if not self.scanning:
                channel.decided = len(channel.raw)
            elif len(channel.raw) - self._hold_back >= self._next_scan_at(channel):
                await self._decide(channel, len(channel.raw) - self._hold_back)
        return self._release()

    def _next_scan_at(self, channel: _Channel) -> int:
        """How much must be releasable before the next scan is worth making."""
        if channel.decided:
            return channel.decided + self._step
        # The first piece goes out as soon as it has its hold-back after it (a long one is split at once).
        return channel.first_end if channel.first_end <= self._hold_back else 1

    async def finish(self) -> list[AnswerDelta]:
        """The stream has ended: judge what is held and release it."""
        for key in list(self._channels):
            await self._settle(key)
        return self._release()

    def finding_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for channel in self._channels.values():
            for finding in channel.findings:
                counts[finding.type] = counts.get(finding.type, 0) + 1
        return dict(sorted(counts.items()))

    def scanned_texts(self) -> dict[int, str]:
        """Each choice's text as far as it was scanned, raw (for a later scan when this screen did not scan)."""
        return {key[1]: channel.raw[: channel.decided] for key, channel in self._channels.items() if key[0] == "text"}

    def audit_text(self) -> str:
        """Each choice's scanned text, findings replaced by their kind; never the unscanned tail."""
        texts = sorted((key[1], channel) for key, channel in self._channels.items() if key[0] == "text")
        return "\n".join(redact_by_type(channel.raw[: channel.decided], channel.findings) for _, channel in texts)

    def _append(
        self, key: Key, text: str, choice: int, call_id: str | None = None, call_name: str | None = None
    ) -> Key:
        channel = self._channels.setdefault(key, _Channel())
        start = len(channel.raw)
        channel.raw += text
        channel.first_end = channel.first_end or len(channel.raw)
        if text or call_id or call_name:
            self._queue.append(_Item(choice, key, start, len(channel.raw), call_id, call_name))
        return key

    async def _settle(self, key: Key) -> None:
        channel = self._channels.get(key)
        if channel is None or channel.decided >= len(channel.raw):
            return
        if not self.scanning:
            channel.decided = len(channel.raw)
            return
        await self._decide(channel, len(channel.raw))

    async def _decide(self, channel: _Channel, cut: int) -> None:
        """Scan around ``raw[decided:cut]`` and judge what is found there; then ``decided = cut``."""
        assert self._analyze is not None
        left = max(0, channel.decided - LEFT_CONTEXT)
        window = channel.raw[left:]
        found = [Finding(f.type, f.start + left, f.end + left, f.score) for f in await self._analyze(window)]
        # A value that straddles the cut is judged now, whole: the cut moves to its end.
        moved = True
        while moved:
            moved = False
            for finding in found:
                if finding.start < cut < finding.end:
                    cut, moved = finding.end, True
        relevant = [f for f in found if f.end > channel.decided and f.start < cut]
        channel.findings.extend(relevant)
        new = [f for f in relevant if f.value(channel.raw).casefold() not in self._sent]
        if new:
            drop = await self._judge(new)
            for finding in new:
                if finding.type in drop:
                    self._remove(channel, max(finding.start, channel.decided), finding.end, finding.type)
        channel.decided = cut

    @staticmethod
    def _remove(channel: _Channel, start: int, end: int, kind: str) -> None:
        """Add a span to drop; overlapping values are dropped as one, named by the first."""
        overlapping = [span for span in channel.removals if span[0] < end and span[1] > start]
        merged = min([*overlapping, (start, end, kind)])
        merged = (merged[0], max(span[1] for span in [*overlapping, (start, end, kind)]), merged[2])
        channel.removals = sorted([span for span in channel.removals if span not in overlapping] + [merged])

    def _release(self) -> list[AnswerDelta]:
        out: list[AnswerDelta] = []
        while self._queue:
            item = self._queue[0]
            if item.key is None:
                out.append(AnswerDelta(item.choice, finish_reason=item.finish_reason))
                self._queue.pop(0)
                continue
            channel = self._channels[item.key]
            end = min(item.end, channel.decided)
            if end < item.end and (end <= item.start or item.end - item.start <= self._hold_back):
                # A piece no longer than the hold-back waits to go out whole (a token is not cut in two);
                # only a longer one is split where the scanned text ends.
                break
            out.append(self._delta(item, self._text(channel, item.start, end)))
            if end < item.end:
                item.start, item.call_id, item.call_name = end, None, None  # the rest waits; its header went out
                break
            self._queue.pop(0)
        return out

    @staticmethod
    def _delta(item: _Item, text: str) -> AnswerDelta:
        assert item.key is not None
        if item.key[0] == "text":
            return AnswerDelta(item.choice, text)
        return AnswerDelta(item.choice, tool_calls=[ToolCallDelta(item.key[2], item.call_id, item.call_name, text)])

    @staticmethod
    def _text(channel: _Channel, start: int, end: int) -> str:
        if not channel.removals:
            return channel.raw[start:end]
        parts, position = [], start
        for span_start, span_end, kind in channel.removals:
            if span_end <= start or span_start >= end:
                continue
            if span_start >= start:
                parts += [channel.raw[position:span_start], removal_marker(kind)]
            position = min(span_end, end)
        parts.append(channel.raw[position:end])
        return "".join(parts)

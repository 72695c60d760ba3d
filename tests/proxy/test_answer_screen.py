"""The stream screen: nothing leaves before it is scanned with enough after it, and the hold-back stays bounded.

Real detectors (spaCy and the recognizers) and the real Rego policy decide; the
judge below only turns the policy's decision into the screen's terms, as the
gateway does.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import PolicyRefusal
from core.findings import Finding, ScanResult
from detectors.analyzer import TextAnalyzer
from detectors.settings import DetectionSettings
from proxy.answer import AnswerDelta, ToolCallDelta
from proxy.answer_screen import HOLD_BACK, SCAN_STEP, StreamScreen
from proxy.policy.compile_check import SMOKE_INPUT
from proxy.policy.embedded import EmbeddedEngine
from proxy.policy.settings import PolicySettings
from tests.policy.helpers import copy_policies

NINO = "JG 10 37 59 A"
PROSE = (
    "Here is a short summary of the points you raised, with the actions agreed at the meeting and the owners for "
    "each of them, so the team can follow up before the next review. "
)
# Appended to a copy of the policy: an answer holding an NI number is withheld rather than redacted.
BLOCK_RULE = """
blocks contains {"priority": 29, "code": "answer_identifier", "message": "The answer held an NI number."} if {
	input.phase == "response"
	"UK_NINO" in present
}
"""


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer(DetectionSettings())


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> EmbeddedEngine:
    policies = copy_policies(tmp_path_factory.mktemp("screen") / "policies")
    return EmbeddedEngine(PolicySettings(path=policies, watch=False))


@pytest.fixture(scope="module")
def blocking_engine(tmp_path_factory) -> EmbeddedEngine:
    policies = copy_policies(tmp_path_factory.mktemp("screen-block") / "policies")
    protection = Path(policies) / "handrail" / "protection" / "protection.rego"
    protection.write_text(protection.read_text() + BLOCK_RULE)
    return EmbeddedEngine(PolicySettings(path=policies, watch=False, run_tests_on_reload=False))


class Judged:
    """The policy, phase "response", as the gateway asks it; remembers what it was asked."""

    def __init__(self, engine: EmbeddedEngine) -> None:
        self.engine = engine
        self.asked: list[dict[str, int]] = []

    async def __call__(self, findings: list[Finding]) -> set[str]:
        counts = ScanResult(findings=findings).finding_counts()
        self.asked.append(counts)
        document = copy.deepcopy(SMOKE_INPUT)
        document["phase"] = "response"
        document["findings"] = {"counts": counts, "types": sorted(counts), "markings": []}
        decision = self.engine.decide(document)
        if decision.action == "block":
            raise PolicyRefusal(decision.explanation(), code=decision.first_reason_code)
        return set(decision.redact_types) if decision.action == "redact" else set()


def screen_for(analyzer: TextAnalyzer, judge: Judged, sent: str = "", scanning: bool = True) -> StreamScreen:
    async def analyze(text: str) -> list[Finding]:
        return analyzer.analyze(text)

    return StreamScreen(analyze if scanning else None, judge, sent.casefold())


def chunked(text: str, points: list[int]) -> list[str]:
    cuts = sorted({p for p in points if 0 < p < len(text)})
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def run_stream(screen: StreamScreen, chunks: list[str], finish: bool = True) -> tuple[str, list[str]]:
    """Push the chunks; return all text released and, after each push, the text released so far."""

    async def go() -> tuple[str, list[str]]:
        released, history = "", []
        for chunk in chunks:
            released += "".join(d.text for d in await screen.push(AnswerDelta(0, chunk)))
            history.append(released)
        if finish:
            released += "".join(d.text for d in await screen.push(AnswerDelta(0, finish_reason="stop")))
            released += "".join(d.text for d in await screen.finish())
        return released, history

    return asyncio.run(go())


def test_a_new_ni_number_split_over_chunks_is_removed_before_any_of_it_is_released(analyzer, engine):
    answer = PROSE + f"The claimant's number is {NINO}, as recorded. " + PROSE
    judge = Judged(engine)
    start = answer.index(NINO)
    chunks = chunked(answer, [start + 2, start + 5, start + 6, start + 11])  # "JG", " 10", " ", "37 59", " A…"
    released, history = run_stream(screen_for(analyzer, judge), chunks)
    expected = answer.replace(NINO, "[UK_NINO removed]")
    assert released == expected
    for so_far in history:  # at every moment, what was out is what the user finally reads, never a raw fragment
        assert expected.startswith(so_far)
    assert judge.asked == [{"UK_NINO": 1}]


@settings(max_examples=25, deadline=None)
@given(points=st.lists(st.integers(min_value=1, max_value=400), max_size=40))
def test_any_chunking_gives_the_same_redacted_answer(analyzer, engine, points):
    answer = PROSE + f"Number: {NINO}. " + PROSE
    released, history = run_stream(screen_for(analyzer, Judged(engine)), chunked(answer, points))
    expected = answer.replace(NINO, "[UK_NINO removed]")
    assert released == expected
    assert all(expected.startswith(so_far) for so_far in history)


def test_the_hold_back_is_bounded_so_a_long_answer_still_streams(analyzer, engine):
    answer = PROSE * 12  # ~2 KB, no personal data
    chunks = chunked(answer, list(range(5, len(answer), 5)))
    released, history = run_stream(screen_for(analyzer, Judged(engine)), chunks, finish=False)
    received = 0
    for chunk, so_far in zip(chunks, history):
        received += len(chunk)
        assert received - len(so_far) < HOLD_BACK + SCAN_STEP + 2 * 5  # a piece goes out whole, so one more may wait
    assert len(history[-1]) > len(answer) - (HOLD_BACK + SCAN_STEP + 2 * 5)


def test_a_value_the_user_sent_is_not_put_to_the_policy_again(analyzer, engine):
    answer = PROSE + f"The number you gave, {NINO}, is on file."
    judge = Judged(engine)
    released, _ = run_stream(
        screen_for(analyzer, judge, sent=f"What about {NINO.lower()}?"), chunked(answer, list(range(9, len(answer), 9)))
    )
    assert released == answer
    assert judge.asked == []


def test_block_ends_the_stream_before_any_part_of_the_value_is_released(analyzer, blocking_engine):
    answer = PROSE + f"It is {NINO[:6]}" + f"{NINO[6:]} and more. " + PROSE
    screen = screen_for(analyzer, Judged(blocking_engine))
    released = ""

    async def go() -> None:
        nonlocal released
        for chunk in chunked(answer, list(range(7, len(answer), 7))):
            released += "".join(d.text for d in await screen.push(AnswerDelta(0, chunk)))

    with pytest.raises(PolicyRefusal) as refused:
        asyncio.run(go())
    assert refused.value.code == "answer_identifier"
    assert "JG" not in released
    assert released == answer[: len(released)] and len(released) <= answer.index(NINO)
    assert screen.finding_counts() == {"UK_NINO": 1}


def test_tool_call_arguments_are_scanned_like_text_and_follow_the_text_before_them(analyzer, engine):
    screen = screen_for(analyzer, Judged(engine))
    arguments = '{"claimant": "' + NINO + '", "note": "urgent"}'

    async def go() -> list[AnswerDelta]:
        out = await screen.push(AnswerDelta(0, "Let me look that up."))
        out += await screen.push(AnswerDelta(0, tool_calls=[ToolCallDelta(0, "call_1", "lookup", "")]))
        for index in range(0, len(arguments), 4):
            out += await screen.push(
                AnswerDelta(0, tool_calls=[ToolCallDelta(0, arguments=arguments[index : index + 4])])
            )
        out += await screen.push(AnswerDelta(0, finish_reason="tool_calls"))
        return out + await screen.finish()

    out = asyncio.run(go())
    assert out[0].text == "Let me look that up."  # released when the tool call began, before it
    assert (out[1].tool_calls[0].id, out[1].tool_calls[0].name) == ("call_1", "lookup")
    assert "".join(d.tool_calls[0].arguments for d in out if d.tool_calls) == arguments.replace(
        NINO, "[UK_NINO removed]"
    )
    assert out[-1].finish_reason == "tool_calls"
    assert screen.finding_counts() == {"UK_NINO": 1}


def test_the_audit_text_is_only_what_was_scanned_with_findings_by_kind(analyzer, engine):
    screen = screen_for(analyzer, Judged(engine))
    answer = f"Reference {NINO} noted. " + PROSE + PROSE
    released, _ = run_stream(screen, chunked(answer, list(range(10, len(answer), 10))), finish=False)
    stored = screen.audit_text()
    assert NINO not in stored and stored.startswith("Reference <UK_NINO> noted. ")
    assert len(stored) < len(answer.replace(NINO, "<UK_NINO>"))  # the held tail, unscanned, is not stored
    assert released.startswith("Reference [UK_NINO removed] noted.")


def test_pieces_go_out_whole_unless_longer_than_the_hold_back(analyzer, engine):
    words = [f"word{number} " for number in range(40)]

    async def go(pieces: list[str]) -> list[str]:
        screen = screen_for(analyzer, Judged(engine))
        out = []
        for piece in pieces:
            out += [d.text for d in await screen.push(AnswerDelta(0, piece))]
        return out + [d.text for d in await screen.finish()]

    assert asyncio.run(go(words)) == words  # each token as it came, none cut in two
    long_piece = PROSE * 3
    released = asyncio.run(go([long_piece, "and the end."]))
    assert "".join(released) == long_piece + "and the end." and len(released) == 3  # the long piece split once


def test_the_first_piece_goes_out_as_soon_as_the_hold_back_follows_it(analyzer, engine):
    screen = screen_for(analyzer, Judged(engine))
    words = [f"word{number} " for number in range(20)]  # 6 characters each

    async def go() -> list[int]:
        released_after = []
        for number, word in enumerate(words):
            if await screen.push(AnswerDelta(0, word)):
                released_after.append(number + 1)
        return released_after

    released_after = asyncio.run(go())
    assert released_after[0] == 12  # 72 characters in: the first word (6) has 66 after it; with 11 words, only 60


def test_without_answer_scanning_text_passes_at_once(analyzer, engine):
    screen = screen_for(analyzer, Judged(engine), scanning=False)
    released, history = run_stream(screen, ["a ", NINO, " b"], finish=False)
    assert history == ["a ", "a " + NINO, "a " + NINO + " b"]

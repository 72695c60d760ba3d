"""UK Government Security Classifications markings, as markings rather than as words.

OFFICIAL, OFFICIAL-SENSITIVE (with or without its hyphen, and with descriptors
such as PERSONAL, COMMERCIAL or LOCSEN after a colon, in brackets or after a
space), SECRET and TOP SECRET, with caveats such as "UK EYES ONLY".

Markings are written in capitals. A capitalised marking is reported wherever it
stands, except inside a run of other capitalised words (a shouted heading such as
"THE SECRET TO SUCCESS"). Written in lower or mixed case ("Classification:
Official-Sensitive") it counts only after a word that introduces a marking, so
"the secret to a good response" and "an official letter" are not markings.
"""

from __future__ import annotations

import regex as re

from detectors.canonical_text import canonical_text
from detectors.recognizers.base import ContextualPatternRecognizer, Pattern

_DESCRIPTOR = r"(?:PERSONAL|COMMERCIAL|LOCSEN|SENSITIVE|MARKET\s+SENSITIVE|CABINET|RECIPIENTS\s+ONLY|HMG|ORCON)"
_CAVEAT = r"(?:(?:UK|UK/US|[A-Z]{2,4})\s+EYES\s+ONLY|EYES\s+ONLY|STRAP\s?[123]|NATO|RELEASABLE\s+TO\s+[A-Z]+)"
_SEPARATOR = r"[\s\-–]+"
_CORE = rf"(?:TOP{_SEPARATOR}SECRET|SECRET|OFFICIAL(?:{_SEPARATOR}SENSITIVE)?)"
_SUFFIX = (
    rf"(?:(?:\s*[:\-–]\s*|\s*\[\s*|\s*\(\s*|[ \t]+){_DESCRIPTOR}\]?\)?)?"  # OFFICIAL-SENSITIVE: PERSONAL / [PERSONAL]
    rf"(?:(?:\s*[:\-–]\s*|[ \t]+){_CAVEAT})?"
)
_B = r"(?<![\p{L}\p{N}-])"
_E = r"(?![\p{L}\p{N}]|-\p{L})"

_SHOUTED_WORD = re.compile(r"^[\p{Lu}\p{N}'’]{2,}$")
# Words around a tier's name that show the text talks about the tier ("for OFFICIAL information",
# "between OFFICIAL and SECRET") instead of carrying it.
_MENTION_BEFORE = frozenset(
    {
        "between",
        "and",
        "or",
        "than",
        "for",
        "about",
        "of",
        "the",
        "above",
        "below",
        "to",
        "from",
        "versus",
        "vs",
        "handle",
        "handling",
        "use",
        "using",
    }
)
_MENTION_AFTER = frozenset(
    {
        "classification",
        "classifications",
        "tier",
        "tiers",
        "level",
        "levels",
        "information",
        "data",
        "material",
        "materials",
        "documents",
        "assets",
        "work",
        "systems",
        "networks",
        "clearance",
        "vetting",
        "than",
    }
)
# "the TOP SECRET annex is attached": a tier before a document noun marks that document.
_DOCUMENT_AFTER = frozenset(
    {
        "annex",
        "annexe",
        "appendix",
        "attachment",
        "paper",
        "papers",
        "report",
        "document",
        "file",
        "files",
        "briefing",
        "brief",
        "note",
        "notes",
        "submission",
        "draft",
        "minutes",
        "letter",
        "email",
        "e-mail",
        "memo",
        "slides",
        "pack",
        "version",
        "copy",
        "section",
        "addendum",
        "summary",
        "annexes",
    }
)
_DETERMINER_BEFORE = frozenset({"the", "this", "that", "a", "an", "attached", "our", "my", "its", "enclosed"})
# A question about a tier ("When should I use OFFICIAL-SENSITIVE?", "Is TOP SECRET ever used …?") names it as a topic.
# Requests ("Can you summarise this OFFICIAL-SENSITIVE briefing?") are not questions about the tier.
_QUESTION_OPENING = frozenset({"what", "when", "why", "how", "which", "is", "are", "does", "do", "should"})
# "Official Sensitive" in title case is the tier's name, not an ordinary phrase.
_TITLE_CASE_SENSITIVE = (
    rf"{_B}(?P<value>Official{_SEPARATOR}Sensitive(?:(?:\s*[:\-–]\s*|[ \t]+)(?i:{_DESCRIPTOR}))?){_E}"
)
_SECRETS_ACT = re.compile(r"(?i)official[\s-]+secrets?\s+act")
_LETTERS = re.compile(r"[\p{L}]+")
_COMPARISON = re.compile(r"(?i:\bdifference\s+between\b|\bcompared?\b|\bversus\b|\bvs\.?\s)")
_WORDS = re.compile(r"[\p{L}\p{N}'’]+")
# Only this far back is looked at for the start of the line: an unbounded look is quadratic in a long line of markings.
_LINE_LOOKBACK = 200
_TIER_WORDS = frozenset({"official", "secret", "top"})
_WHOLE_LINE_END = re.compile(r"[ \t]*(?:\n|$)")
_SENSITIVE_TIER = re.compile(r"(?i:sensitive|top[\s_-]*secret)")
_MARKING_WORDS = frozenset({"OFFICIAL", "SENSITIVE", "SECRET", "TOP", "PERSONAL", "COMMERCIAL", "UK", "EYES", "ONLY"})


class SecurityMarkingRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        Pattern("marking in capitals", rf"{_B}(?P<value>{_CORE}{_SUFFIX}){_E}", 0.75),
        Pattern("marking in any case", rf"{_B}(?P<value>(?i:{_CORE}{_SUFFIX})){_E}", 0.2),
        Pattern("Official Sensitive in title case", _TITLE_CASE_SENSITIVE, 0.6),
    ]
    CONTEXT = [
        "classification",
        "classified",
        "classified as",
        "marking",
        "protective marking",
        "security marking",
        "marked",
        "marked as",
        "security classification",
        "gsc",
        "handling",
        "caveat",
        "tier",
    ]
    context_words_before = 3
    context_boost = 0.5

    def __init__(self) -> None:
        super().__init__("SECURITY_MARKING", self.PATTERNS, context=self.CONTEXT, case_sensitive=True)

    def score_in_context(self, text: str, start: int, end: int, score: float) -> float:
        value = text[start:end]
        if score < self.PATTERNS[0].score and value.isupper():
            # The any-case pattern over a marking in capitals: the capitals pattern read the same span, scoring it at
            # least as high. Skipping it halves the work on a text full of markings.
            return 0.0
        if _SECRETS_ACT.match(text, start, start + 25):
            return 0.0  # the Official Secrets Act is a law, not a marking
        # SECRET and OFFICIAL are also English words: in a capitalised heading they are just words.
        ambiguous = value.upper() in ("SECRET", "OFFICIAL")
        lookback = max(0, start - _LINE_LOOKBACK)
        newline = text.rfind("\n", lookback, start)
        # No line break in the look-back: the start of the text if it is in reach, else not at a line's start.
        line_start = newline + 1 if newline >= 0 else (0 if lookback == 0 else -1)
        at_line_start = line_start >= 0 and not text[line_start:start].strip()
        if ambiguous and not at_line_start and self._inside_shouting(text, start, end):
            return 0.0
        if not at_line_start and self._asked_about(text, start, end):
            return 0.0  # "Is TOP SECRET ever used in a normal department?"
        if score >= 0.5 and not at_line_start and self._mentioned_not_applied(text, start, end):
            score = 0.3  # "the difference between OFFICIAL and SECRET": the tiers as a topic
        if score < 0.5 and at_line_start and _WHOLE_LINE_END.match(text, end) and _SENSITIVE_TIER.search(value):
            # "official sensitive personal" alone on the first line of a pasted note: a header, whatever the case.
            # "Official" or "secret" alone on a line stays a word.
            score = self.PATTERNS[0].score
        return super().score_in_context(text, start, end, score)

    @staticmethod
    def _asked_about(text: str, start: int, end: int) -> bool:
        """The tier is the topic of a question: the sentence opens with a question word and ends in "?"."""
        question = text.find("?", end, end + 300)  # str.find, not a regular expression: a text can hold many markings
        if question < 0 or any(text.find(mark, end, question) >= 0 for mark in ".!\n"):
            return False
        lookback = max(0, start - 200)
        opening = max(text.rfind(mark, lookback, start) for mark in ".!?\n") + 1 or lookback
        first = _LETTERS.findall(text[opening:start].lower())[:1]
        if not (first and first[0] in _QUESTION_OPENING):
            return False
        if _COMPARISON.search(text, opening, question):
            return True  # "What's the difference between a SECRET and a TOP SECRET document?": tiers compared
        following = _LETTERS.findall(text[end : end + 30].lower())[:1]
        # "Is the SECRET annex attached?" asks about a document that carries the marking.
        return not (following and following[0] in _DOCUMENT_AFTER)

    @staticmethod
    def _mentioned_not_applied(text: str, start: int, end: int) -> bool:
        """The tier named in a sentence about classification, rather than marking this text."""
        before = _LETTERS.findall(text[max(0, start - 30) : start].lower())[-1:]
        following = _LETTERS.findall(text[end : end + 30].lower())[:2]
        after = following[:1]
        if len(following) == 2 and following[0] in ("and", "or", "nor") and following[1] in _TIER_WORDS:
            return True  # "SECRET and TOP SECRET material must never …": tiers listed together are a topic
        if after and after[0] in _DOCUMENT_AFTER and (not before or before[0] in _DETERMINER_BEFORE):
            return False  # "the TOP SECRET annex": this document's marking
        return bool((before and before[0] in _MENTION_BEFORE) or (after and after[0] in _MENTION_AFTER))

    @staticmethod
    def _inside_shouting(text: str, start: int, end: int) -> bool:
        before = _WORDS.findall(text[max(0, start - 30) : start])
        after = _WORDS.findall(text[end : end + 30])
        neighbours = [word for word in (before[-1:] + after[:1]) if word not in _MARKING_WORDS]
        return any(_SHOUTED_WORD.match(word) and len(word) > 2 for word in neighbours)


# Highest level first: "TOP SECRET" also contains "SECRET".
_LEVELS = (
    (re.compile(rf"\bTOP{_SEPARATOR}SECRET\b"), "TOP SECRET"),
    (re.compile(rf"\bOFFICIAL{_SEPARATOR}SENSITIVE\b"), "OFFICIAL-SENSITIVE"),
    (re.compile(r"\bSECRET\b"), "SECRET"),
    (re.compile(r"\bOFFICIAL\b"), "OFFICIAL"),
)


def marking_level(marking: str) -> str:
    """The classification a found marking states: ``OFFICIAL-SENSITIVE: PERSONAL`` → ``OFFICIAL-SENSITIVE``.

    The marking is read canonically first (as the recognizer read it), so
    ``ＳＥＣＲＥＴ`` or ``SEC<zero-width space>RET`` as the user wrote it states
    SECRET. A marking that names no known level is passed on as written (upper
    case); the policy ranks it cautiously.
    """
    text = canonical_text(marking).text.upper()
    for pattern, level in _LEVELS:
        if pattern.search(text):
            return level
    return " ".join(text.split())

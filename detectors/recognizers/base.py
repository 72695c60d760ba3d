"""The shape every Handrail pattern recognizer shares.

Each recognizer is a Presidio :class:`PatternRecognizer`: patterns with scores,
context words and ``validate_result``/``invalidate_result`` checks. Three things
differ from the vanilla class:

- context is scored here, from the plain words around the match
  (see :mod:`detectors.recognizers.context`), so no lemmatizer is needed;
- ``negative_context`` words lower the score ("invoice 4517598150" is not an
  NHS number even if its digits pass the checksum);
- a pattern may mark the value it reports with a named group ``value``, so that
  "password is X" reports X, not the whole phrase.

Scores: a pattern's own score is what a match is worth with no context; context
adds ``context_boost``. Patterns that are only plausible with context (eight
digits for a bank account) score below the analyzer's threshold on their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

from detectors.recognizers.alternatives import word_alternatives
from detectors.recognizers.context import Terms

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = ["ContextualPatternRecognizer", "Pattern", "word_alternatives"]


class ContextualPatternRecognizer(PatternRecognizer):
    """A pattern recognizer that scores context itself and can report a group of the match."""

    #: words before / after a match that are searched for context words
    context_words_before = 6
    context_words_after = 0
    context_boost = 0.4
    negative_context_penalty = 0.5
    #: a match that carries no context at all is dropped (not merely scored low)
    requires_context = False

    def __init__(
        self,
        supported_entity: str,
        patterns: list[Pattern],
        context: list[str] | None = None,
        negative_context: list[str] | None = None,
        case_sensitive: bool = False,
        name: str | None = None,
    ) -> None:
        flags = re.DOTALL | re.MULTILINE | (0 if case_sensitive else re.IGNORECASE)
        super().__init__(
            supported_entity=supported_entity,
            name=name or self.__class__.__name__,
            patterns=patterns,
            context=list(context or []),
            global_regex_flags=flags,
        )
        self.context_terms = Terms(context or [])
        self.negative_terms = Terms(negative_context or [])
        self._compiled = [(pattern, re.compile(pattern.regex, flags=flags)) for pattern in patterns]
        # Looked up once, not per match: a text can hold tens of thousands of candidate values.
        self._validates = type(self).validate_result is not PatternRecognizer.validate_result
        self._invalidates = type(self).invalidate_result is not PatternRecognizer.invalidate_result

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        entity = self.supported_entities[0]
        metadata = self.result_metadata()
        validates, invalidates, score_in_context = self._validates, self._invalidates, self.score_in_context
        # Where context is required and scored here, look for it before the (costlier) validation.
        context_first = (
            self.requires_context and type(self).score_in_context is ContextualPatternRecognizer.score_in_context
        )
        for pattern, compiled in self._compiled:
            group = "value" if "value" in compiled.groupindex else 0
            for match in compiled.finditer(text):
                start, end = match.span(group)
                if start < 0 or end <= start:
                    continue
                if context_first and not self.context_terms.near(
                    text, start, end, self.context_words_before, self.context_words_after
                ):
                    continue
                if validates or invalidates:
                    value = text[start:end]
                    if validates and self.validate_result(value) is False:
                        continue
                    if invalidates and self.invalidate_result(value):
                        continue
                if context_first:  # context found above: what score_in_context would add
                    score = pattern.score + self.context_boost
                else:
                    score = score_in_context(text, start, end, pattern.score)
                if score <= 0:
                    continue
                results.append(
                    RecognizerResult(entity, start, end, round(min(score, 1.0), 4), recognition_metadata=dict(metadata))
                )
        return results

    def result_metadata(self) -> dict[str, object]:
        """What every result of this recognizer carries: its name and id, and that its context is scored already."""
        return {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,  # type: ignore[has-type]  # set by Presidio's base class
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            # Context is already scored; Presidio's enhancer must not add it again.
            RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True,
        }

    def score_in_context(self, text: str, start: int, end: int, score: float) -> float:
        """``score`` raised by supporting context words and lowered by contrary ones."""
        if score >= 1.0 and not self.requires_context and not self.negative_terms:
            return score  # nothing can change it: a text of ten thousand e-mail addresses need not read their context
        supported = (
            bool(self.context_terms)
            and self.context_terms.near(text, start, end, self.context_words_before, self.context_words_after)
            is not None
        )
        if self.requires_context and not supported:
            return 0.0
        if supported:
            score += self.context_boost
        elif self.negative_terms and self.negative_terms.near(text, start, end, self.context_words_before):
            score -= self.negative_context_penalty
        return score

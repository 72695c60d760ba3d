"""Handrail's own PERSON model (detectors/person_model.py): shipped in the package, offline, and switchable."""

from __future__ import annotations

import socket

import pytest

from detectors import person_model
from detectors.analyzer import TextAnalyzer
from detectors.nlp import TrimmedSpacyNlpEngine
from detectors.recognizers.person import TRAINED, TRAINED_MODEL_LABEL, PersonRecognizer
from detectors.settings import DetectionSettings


def test_the_model_is_in_the_package_and_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args[:2]!r}")

    for target, name in ((socket.socket, "connect"), (socket, "create_connection"), (socket, "getaddrinfo")):
        monkeypatch.setattr(target, name, refuse)
    assert person_model.MODEL_PATH.is_dir()
    assert (person_model.MODEL_PATH / "ner" / "model").is_file()
    person_model.person_model.cache_clear()
    nlp = person_model.person_model()
    assert nlp.pipe_names == ["ner"]
    assert nlp.get_pipe("ner").labels == ("PERSON",)  # type: ignore[attr-defined]
    size = sum(p.stat().st_size for p in person_model.MODEL_PATH.rglob("*") if p.is_file())
    assert size < 10_000_000


def names(text: str) -> list[str]:
    return [text[start:end] for start, end in person_model.person_spans(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("[14:20] Nkechi Obi: the draft is ready for review", "Nkechi Obi"),
        ("Attendees: Marek Nowicki, Ines Carvalho and the deputy director", "Marek Nowicki"),
        ("Yours sincerely,\nHåkon Berntsen\nHead of Finance", "Håkon Berntsen"),
        ("visit note: uncle is dermot quinlan, lives upstairs", "dermot quinlan"),
        ("Deliver to: Ayodele Fashola, 12 Mill Lane, Derby", "Ayodele Fashola"),
    ],
)
def test_the_model_finds_names(text: str, name: str) -> None:
    assert name in names(text)


@pytest.mark.parametrize(
    "text",
    [
        "The Environment Agency and Companies House both replied on Friday.",
        "Please export the Power BI report for the Leeds and Bradford offices.",
        "Reminder\nSubmit the travel claims to the Finance Business Partner by Tuesday.",
        "Traffic on Station Road near Basingstoke is heavy this morning.",
    ],
)
def test_the_model_leaves_places_bodies_and_products(text: str) -> None:
    assert names(text) == []


def test_the_setting_adds_the_models_candidates() -> None:
    text = "home visit - uncle is dermot quinlan, lives upstairs"
    off = TrimmedSpacyNlpEngine(DetectionSettings().spacy_model, trained_person_model=False)
    on = TrimmedSpacyNlpEngine(DetectionSettings().spacy_model, trained_person_model=True)
    off.load()
    on.load()
    recognizer = PersonRecognizer()
    off_candidates = set(recognizer._candidates(text, off.process_text(text, "en")))
    on_candidates = set(recognizer._candidates(text, on.process_text(text, "en")))
    assert not any(evidence == TRAINED for _, _, evidence in off_candidates)
    added = on_candidates - off_candidates
    assert added and all(evidence == TRAINED for _, _, evidence in added)
    assert {text[start:end] for start, end, _ in added} == {"dermot quinlan"}
    assert all(ent.label_ != TRAINED_MODEL_LABEL for ent in off.process_text(text, "en").entities)


def test_the_setting_is_on_by_default_and_the_analyzer_runs_with_it_off() -> None:
    assert DetectionSettings().trained_person_model is True
    text = "home visit - uncle is dermot quinlan, lives upstairs. The Environment Agency replied."
    on = TextAnalyzer(DetectionSettings()).analyze(text)
    assert [(f.type, f.value(text)) for f in on] == [("PERSON", "dermot quinlan")]
    off = TextAnalyzer(DetectionSettings(trained_person_model=False)).analyze(text)
    assert all(f.type == "PERSON" for f in off)

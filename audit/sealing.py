"""Sealed sections: the parts of an entry that retention and erasure may remove without breaking the chain.

An entry of body version 3 keeps, in its chained body, only what may be kept for ever (kinds, counts, decisions,
times). Identity and evidence are split off into **sections**, each stored in ``audit_sealed`` as canonical JSON with
a random salt, and the body holds the section's commitment ``sha256(salt ":" content)`` under ``sealed``:

- ``identity``  who: user, department, roles, clearance, key id, client address, user agent (an auditor's own
  identity, for an access entry);
- ``evidence``  what the usage signals quoted (``signals[].evidence``, ``answer_signals[].evidence``);
- ``subjects``  people named by an auditor's reading (its ``user`` filter), by an erasure's reason, or by a console
  sign-in (the OIDC ``subject`` the issuer gave the person signing in).

Deleting a section's row leaves the body, its hash and the chain unchanged; with the salt gone the commitment no
longer confirms a guess of what was removed. Text (the redacted prompt or answer) stays where it always was, in the
ledger's ``text`` column with ``text_sha256`` in the body.

Which sections belong to which retention class is ``SECTION_CLASS``; a removed field is shown as ``[purged]`` or
``[erased]`` (``unseal``), never as an empty value.
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

from audit.canonical import canonical_json, sha256_hex

IDENTITY = "identity"
EVIDENCE = "evidence"
SUBJECTS = "subjects"
TEXT = "text"
BODY = "body"  # a version 1 or 2 body, rewritten by an erasure (it held what version 3 seals)
# The retention class each section (and the text) belongs to.
SECTION_CLASS = {IDENTITY: "identity", SUBJECTS: "identity", EVIDENCE: "evidence", TEXT: "text", BODY: "identity"}
RETENTION_CLASSES = ("text", "evidence", "identity")
PURGED = "[purged]"
ERASED = "[erased]"

REQUEST_IDENTITY = ("user_id", "department", "roles", "clearance", "key_id", "client_address", "user_agent")
ACCESS_IDENTITY = ("actor", "department", "roles", "key_id", "client_address")
ACCESS_KINDS = frozenset({"access", "purge", "erasure"})
_SIGNALS = {"request": "signals", "completion": "answer_signals"}


def commitment(salt: str, content: str) -> str:
    """What the body holds for a section: the salt keeps a removed section's digest from confirming guesses."""
    return sha256_hex(f"{salt}:{content}")


def new_salt() -> str:
    return secrets.token_hex(16)


def split(kind: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``data`` as the chained body keeps it, and its sections (only those with something in them)."""
    public = copy.deepcopy(data)
    sections: dict[str, Any] = {}
    names = ACCESS_IDENTITY if kind in ACCESS_KINDS else REQUEST_IDENTITY if kind == "request" else ()
    identity = {name: public.pop(name) for name in names if name in public}
    if any(value not in (None, "", []) for value in identity.values()):
        sections[IDENTITY] = identity
    else:
        public.update(identity)  # nothing personal: kept in the body as it was
    signals_key = _SIGNALS.get(kind)
    signals = public.get(signals_key) if signals_key else None
    if isinstance(signals, list) and any(isinstance(s, dict) and s.get("evidence") for s in signals):
        sections[EVIDENCE] = {signals_key: [s.pop("evidence", None) if isinstance(s, dict) else None for s in signals]}
    if kind in ACCESS_KINDS:
        subjects = {}
        parameters = public.get("parameters")
        if isinstance(parameters, dict) and parameters.get("user") not in (None, "", []):
            subjects["user"] = parameters.pop("user")
        if isinstance(parameters, dict) and parameters.get("subject") not in (None, ""):
            subjects["subject"] = parameters.pop("subject")  # a console sign-in's OIDC subject (``sub``)
        if public.get("reason") not in (None, ""):
            subjects["reason"] = public.pop("reason")
        if subjects:
            sections[SUBJECTS] = subjects
    return public, sections


def seal(sections: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The commitments for the body, and the ``audit_sealed`` rows (without their ``seq``)."""
    commitments: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for name, content in sorted(sections.items()):
        text = canonical_json(content)
        salt = new_salt()
        commitments[name] = commitment(salt, text)
        rows.append({"section": name, "salt": salt, "content": text})
    return commitments, rows


def tombstone(rule: str) -> str:
    return ERASED if rule.startswith("erasure") else PURGED


def unseal(kind: str, public: dict[str, Any], present: dict[str, str], removed: dict[str, str]) -> dict[str, Any]:
    """The entry's data as recorded: ``present`` maps a section to its content (canonical JSON), ``removed`` a removed
    section to the rule that removed it; a removed field reads ``[purged]`` or ``[erased]``."""
    data = copy.deepcopy(public)
    for name, rule in removed.items():
        mark = tombstone(rule)
        if name == IDENTITY:
            for field in ACCESS_IDENTITY if kind in ACCESS_KINDS else REQUEST_IDENTITY:
                data[field] = [mark] if field == "roles" else mark
        elif name == EVIDENCE:
            for signal in data.get(_SIGNALS.get(kind, ""), None) or []:
                if isinstance(signal, dict):
                    signal["evidence"] = mark
        elif name == SUBJECTS:
            if isinstance(data.get("parameters"), dict):
                named = "subject" if str(data.get("action", "")).startswith("sign-in") else "user"
                data["parameters"][named] = mark
    for name, text in present.items():
        content = json.loads(text)
        if name == IDENTITY:
            data.update(content)
        elif name == EVIDENCE:
            key = _SIGNALS.get(kind, "")
            for signal, evidence in zip(data.get(key) or [], content.get(key) or [], strict=False):
                if isinstance(signal, dict):
                    signal["evidence"] = evidence
        elif name == SUBJECTS:
            for named in ("user", "subject"):
                if named in content and isinstance(data.get("parameters"), dict):
                    data["parameters"][named] = content[named]
            if "reason" in content:
                data["reason"] = content["reason"]
    return data


def redact_in_body(kind: str, data: dict[str, Any], whole: bool, user: str) -> dict[str, Any]:
    """A version 1 or 2 body's data with a person erased in place (the body holds what version 3 seals): ``whole`` for
    their own entries (identity and evidence), else only a ``user`` filter that names them."""
    redacted = copy.deepcopy(data)
    if whole:
        for name in ACCESS_IDENTITY if kind in ACCESS_KINDS else REQUEST_IDENTITY if kind == "request" else ():
            if redacted.get(name) not in (None, "", []):
                redacted[name] = [ERASED] if name == "roles" else ERASED
        for signal in redacted.get(_SIGNALS.get(kind, ""), None) or []:
            if isinstance(signal, dict) and signal.get("evidence"):
                signal["evidence"] = ERASED
    parameters = redacted.get("parameters")
    if whole and isinstance(parameters, dict) and parameters.get("subject") not in (None, ""):
        parameters["subject"] = ERASED  # their own console sign-in: the issuer's subject for them
    if isinstance(parameters, dict):
        named = parameters.get("user")
        if named == user or (isinstance(named, list) and user in named):
            parameters["user"] = ERASED
    return redacted

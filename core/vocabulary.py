"""Every closed vocabulary of the project, written once.

The JSON Schemas of the policy input and decision, the CLI's choices, the
Rego data checks and the docs tables are generated from, or tested against,
these tuples (tests/core/test_vocabulary.py), so a new finding type or role
cannot be known to one part and silently ignored by another.
"""

from __future__ import annotations

# Finding types the detectors report (the names the evaluation contract fixes); detectors may report others too.
FINDING_TYPES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "UK_NINO",
    "UK_NHS",
    "UK_POSTCODE",
    "UK_PASSPORT",
    "UK_DRIVING_LICENCE",
    "UK_SORT_CODE",
    "UK_BANK_ACCOUNT",
    "IBAN_CODE",
    "CREDIT_CARD",
    "IP_ADDRESS",
    "DATE_OF_BIRTH",
    "SECURITY_MARKING",
    "CREDENTIAL",
)

# Usage signals: the three safeguards, what is reported but allowed by default, and content nobody can read.
SIGNAL_TYPES: tuple[str, ...] = ("agentic", "self_coding", "internet", "structured_output", "unscannable_content")

# UK government classifications, lowest first; a key's clearance is one of the first three.
CLASSIFICATIONS: tuple[str, ...] = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET")
CLEARANCES: tuple[str, ...] = CLASSIFICATIONS[:3]

# What a key may do.
ROLES: tuple[str, ...] = ("user", "auditor", "policy-admin")

# The policy's decisions.
ACTIONS: tuple[str, ...] = ("allow", "redact", "strip", "block")

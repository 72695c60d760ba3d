"""Policy inputs for the differential test and the schema tests.

Generated, not hand-picked: every combination that matters is drawn from a
fixed seed, so the same few hundred inputs are decided on every run, and the
default data in ``policies/data`` (catalogue, experiments, departments) is
exercised on its edges: experiment windows, caps, unlisted models,
classifications above a model's ceiling, blocked and pseudonymised finding
types, markings, unscannable content, answers, and malformed inputs.
"""

from __future__ import annotations

import copy
import random

from core import vocabulary
from core.vocabulary import CLASSIFICATIONS

MODELS = [
    "demo",
    "gpt-4o-uk",
    "claude-sonnet-uk",
    "llama-internal",
    "gpt-4o-public",
    "frontier-preview",
    "legacy-chat",
    "unlisted-model",
]
DEPARTMENTS = ["HMRC", "DWP", "GDS", "HO", "MOJ", "UNKNOWN-DEPT"]
USERS = ["alice@example.gov.uk", "bob@example.gov.uk", "carol@example.gov.uk"]
LEVELS = list(CLASSIFICATIONS)
EXPERIMENTS = [
    None,
    None,
    None,
    "gds-coding-agents",
    "hmrc-web-research",
    "frontier-preview-evaluation",
    "no-such-trial",
]
FINDING_TYPES = list(vocabulary.FINDING_TYPES)
MARKINGS = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET", "RESTRICTED"]
SIGNALS = [
    ("agentic", "the request declares the tool 'run_shell'", "tools", ["declared_tools"]),
    ("agentic", "the text carries an agent loop", "messages[0]", ["declared_tools", "text"]),
    ("self_coding", "asks for code to be written and run", "messages[0]", ["text"]),
    ("internet", "declares the web_search tool", "tools", ["hosted_tools"]),
    ("internet", "declares the function tool 'fetch_page'", "tools", ["declared_tools"]),
    (
        "structured_output",
        "the request forces the tool 'Letter' as the shape of the answer",
        "tools[0]",
        ["declared_tools"],
    ),
    ("unscannable_content", "an image part", "messages[0].content[1]", []),
]
TIMES = [
    "2026-08-15T09:00:00+00:00",
    "2026-10-15T09:00:00+00:00",
    "2026-11-30T12:00:00+00:00",
    "2027-01-15T09:00:00+00:00",
    "2027-03-01T09:00:00+00:00",
]
APIS = [
    ("/v1/chat/completions", "openai.chat"),
    ("/v1/responses", "openai.responses"),
    ("/v1/messages", "anthropic.messages"),
    ("/v1/embeddings", "openai.embeddings"),
]


# Participants who meet an experiment's terms, so experiments also apply, not only refuse.
PARTICIPANTS = [
    ("gds-coding-agents", "carol@example.gov.uk", "GDS", ["demo", "gpt-4o-uk", "claude-sonnet-uk"]),
    ("hmrc-web-research", "alice@example.gov.uk", "HMRC", ["gpt-4o-uk"]),
    ("frontier-preview-evaluation", "bob@example.gov.uk", "GDS", ["frontier-preview"]),
]


def one_input(rng: random.Random) -> dict:
    document = _any_input(rng)
    if rng.random() < 0.3:
        name, user, department, models = rng.choice(PARTICIPANTS)
        model = rng.choice(models)
        document["principal"].update(user=user, department=department)
        document["request"].update(experiment=name, model=model, classification="OFFICIAL")
        document["model"]["name"] = model
        document["time"] = rng.choice(TIMES[1:4])
        document["experiment_usage"]["requests_today"] = rng.choice([0, 10, 150])
    return document


def _any_input(rng: random.Random) -> dict:
    endpoint, api = rng.choice(APIS)
    model = rng.choice(MODELS)
    found = rng.sample(FINDING_TYPES, k=rng.choice([0, 0, 1, 1, 2, 3]))
    counts = {kind: rng.randint(1, 3) for kind in found}
    markings = sorted(set(rng.sample(MARKINGS, k=rng.randint(1, 2)))) if "SECURITY_MARKING" in counts else []
    signals = [
        dict(zip(("type", "evidence", "location", "sources"), s))
        for s in rng.sample(SIGNALS, k=rng.choice([0, 0, 1, 2]))
    ]
    experiment = rng.choice(EXPERIMENTS)
    return {
        "phase": rng.choice(["request", "request", "request", "response"]),
        "time": rng.choice(TIMES),
        "principal": {
            "user": rng.choice(USERS),
            "department": rng.choice(DEPARTMENTS),
            "roles": rng.choice([["user"], ["user", "auditor"], ["policy-admin"]]),
            "clearance": rng.choice(LEVELS),
        },
        "request": {
            "endpoint": endpoint,
            "api": api,
            "model": model,
            "stream": rng.random() < 0.5,
            "classification": rng.choice(LEVELS[:3] + ["OFFICIAL"] * 3),
            "experiment": experiment,
            "unscannable_kinds": rng.choice([[], [], ["image"], ["file"], ["audio", "image"]]),
        },
        "model": {"name": model, "configured": True, "provider": rng.choice(["azure", "bedrock", "openai", "mock"])},
        "experiment_usage": {"requests_today": rng.choice([0, 5, 199, 200, 1999, 2000, 5000]) if experiment else 0},
        "findings": {"counts": counts, "types": sorted(counts), "markings": markings},
        "signals": signals,
    }


def malformed_inputs(base: dict) -> list[dict]:
    """Inputs a policy must refuse rather than guess about."""
    broken = []
    for path, value in [
        (("phase",), "later"),
        (("time",), "yesterday"),
        (("principal", "clearance"), "ULTRA"),
        (("request", "classification"), 7),
        (("findings", "counts"), ["PERSON"]),
        (("signals",), "agentic"),
        (("experiment_usage", "requests_today"), "many"),
        (("model", "name"), None),
    ]:
        document = copy.deepcopy(base)
        node = document
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        broken.append(document)
    missing = copy.deepcopy(base)
    del missing["principal"]
    broken.append(missing)
    return broken


def policy_inputs(count: int = 300, seed: int = 20261130) -> list[dict]:
    rng = random.Random(seed)
    inputs = [one_input(rng) for _ in range(count)]
    return inputs + malformed_inputs(inputs[0])

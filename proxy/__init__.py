"""Handrail's gateway: the HTTP front, the request pipeline and the CLI."""

import os

# Air-gapped by default. This package is imported before any of its modules,
# so this runs before litellm is first imported: without it litellm fetches its
# model cost map from the internet at import time.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

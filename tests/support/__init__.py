"""Helpers shared by the test suite."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_binary(name: str, why: str) -> str:
    """The path of ``name``; skips the test where it is missing, but fails it in CI.

    In CI every integration server is installed by .ci/run, so a missing one is a
    broken pipeline, not a reason to skip.
    """
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({why})"
        if IN_CI:
            pytest.fail(message + "; CI must install it (.ci/run)")
        pytest.skip(message)
    return path

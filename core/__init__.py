"""The bottom layer: the shapes every other package shares, and nothing else.

``core`` imports nothing of the project. ``detectors`` and ``audit`` build on it
and never on each other or on ``proxy``; ``proxy`` composes them all
(checked by import-linter, configured in pyproject.toml).
"""

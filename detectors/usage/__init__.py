"""Usage safeguards: is the request agentic, self-coding, or given the internet?"""

from __future__ import annotations

from detectors.usage.signals import detect_usage_signals

__all__ = ["detect_usage_signals"]

"""The JSON log format and the bounded metric labels."""

from __future__ import annotations

import io
import json
import logging

from proxy import logs, metrics


def emit(log_format: str, message: str, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = logs.logging_config(log_format, "info")
    handler.setFormatter(logs.JsonFormatter() if log_format == "json" else logging.Formatter(logs.TEXT_FORMAT))
    logger = logging.getLogger(f"test.{log_format}")
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    logger.info(message, extra=extra)
    assert config["root"]["handlers"] == ["stderr"]
    return stream.getvalue()


def test_a_json_line_carries_the_request_fields_and_nothing_else_it_was_given():
    line = emit(
        "json",
        "request done",
        request_id="req_1",
        user="alice@example.gov.uk",
        department="HMRC",
        model="gpt-4o",
        decision="redact",
        latency_ms=12.5,
        prompt="My NI number is QQ123456C",
    )
    document = json.loads(line)
    assert document["request_id"] == "req_1" and document["department"] == "HMRC" and document["decision"] == "redact"
    assert document["latency_ms"] == 12.5 and document["level"] == "info" and document["message"] == "request done"
    assert "QQ123456C" not in line and "prompt" not in document


def test_uvicorn_and_the_gateway_share_one_formatter():
    config = logs.logging_config("json", "warning")
    assert config["formatters"]["handrail"] == {"()": "proxy.logs.JsonFormatter"}
    for name in ("uvicorn", "uvicorn.error"):
        assert config["loggers"][name] == {"handlers": [], "level": "WARNING", "propagate": True}
    # No access lines: an address's query can hold a secret (an OIDC code), and the trail records every request.
    assert config["loggers"]["uvicorn.access"] == {"handlers": [], "level": "WARNING", "propagate": False}
    assert logs.logging_config("text", "info")["formatters"]["handrail"] == {"format": logs.TEXT_FORMAT}


def test_model_labels_are_the_configured_names_only():
    metrics.bound_labels(["gpt-4o"])
    metrics.observe_outcome("gpt-4o", "HMRC", "allow", "abc", {"UK_NINO": 2})
    metrics.observe_outcome("made-up-model-123", "HMRC", "block", "abc", {})
    assert metrics.MODEL_REQUESTS.labels("gpt-4o", "HMRC", "allow")._value.get() >= 1
    assert metrics.MODEL_REQUESTS.labels("other", "HMRC", "block")._value.get() >= 1
    assert metrics.FINDINGS.labels("UK_NINO", "HMRC")._value.get() >= 2
    assert metrics.POLICY_DECISIONS.labels("allow", "abc")._value.get() >= 1


def test_departments_beyond_the_cap_share_one_label():
    bounded = metrics._Bounded(limit=2)
    assert [bounded(d) for d in ("A", "B", "C", "A", None)] == ["A", "B", "other", "A", "none"]


def test_the_revision_in_force_is_the_only_one_at_one():
    metrics.note_policy_revision("rev1")
    metrics.note_policy_revision("rev2")
    assert metrics.POLICY_REVISION.labels("rev2")._value.get() == 1
    assert metrics.POLICY_REVISION.labels("rev1")._value.get() == 0

"""One log format for the gateway and uvicorn: text for people, JSON lines for collectors.

The JSON formatter writes a fixed set of fields, and of a record's extras only
the request fields below, so nothing else a log call carries (a prompt, a key,
a header) can reach the log by accident. The gateway's per-request line
(``proxy.request_context``) fills those fields; it never holds prompt text.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The only extras a JSON line may carry: ids, kinds and numbers.
REQUEST_FIELDS = (
    "request_id",
    "endpoint",
    "user",
    "department",
    "model",
    "decision",
    "policy_version",
    "outcome",
    "status",
    "latency_ms",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                document[name] = value
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` document routing the root, the gateway's and uvicorn's loggers alike."""
    formatter = {"()": "proxy.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"handrail": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "handrail", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": level},
        # uvicorn's loggers carry their own handlers by default; here they hand everything to the root's.
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def uvicorn_log_config(log_format: str, level: str) -> dict[str, Any]:
    return logging_config(log_format, level)


def configure(log_format: str, level: str) -> None:
    logging.config.dictConfig(logging_config(log_format, level))

"""Logging that never writes a whole phone number: text for development, JSON lines for production,
each record carrying the request id (web) or job id (workers) it belongs to."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from typing import Any

from service.phones import mask

_PHONE = re.compile(r"(?:whatsapp:)?\+\d{8,15}")


class MaskingFilter(logging.Filter):
    """Masks anything that looks like an E.164 number in a record's final text, and tags the
    record with the current request or job id."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub(lambda m: mask(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, None
        if not hasattr(record, "trace_id"):
            record.trace_id = _trace_id()
        return True


def _trace_id() -> str:
    try:
        from flask import g, has_app_context

        if has_app_context() and "request_id" in g:
            return str(g.request_id)
    except ImportError:  # pragma: no cover
        pass
    try:
        from rq import get_current_job

        job = get_current_job()
        if job is not None:
            return f"job:{job.id}"
    except Exception:  # noqa: BLE001 - outside a worker there is simply no job
        pass
    return "-"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "msg": record.getMessage(),
            "trace_id": getattr(record, "trace_id", "-"),
        }
        if record.exc_info:
            entry["exc"] = _PHONE.sub(lambda m: mask(m.group(0)), self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(trace_id)s] %(message)s"


def formatter(fmt: str = "text") -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def configure(level: str = "INFO", fmt: str = "text") -> None:
    root = logging.getLogger()
    root.setLevel(level)
    # The twilio client logs every request's headers at INFO: noise, and a privacy risk if it grows.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    if any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(fmt))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)


def gunicorn_logconfig(level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own lines (boot, worker timeouts, the access log when one is
    asked for) in the same format as Village's, numbers masked, to stderr."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"village": {"()": "service.logs.formatter", "fmt": fmt}},
        "filters": {"mask": {"()": "service.logs.MaskingFilter"}},
        "handlers": {"village": {"class": "logging.StreamHandler", "formatter": "village", "filters": ["mask"],
                                 "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["village"]},
        "loggers": {name: {"level": level, "handlers": ["village"], "propagate": False, "qualname": name}
                    for name in ("gunicorn.error", "gunicorn.access")},
    }

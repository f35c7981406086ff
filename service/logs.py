"""Logging set-up that never writes a whole phone number."""
from __future__ import annotations

import logging
import re

from service.phones import mask

_PHONE = re.compile(r"(?:whatsapp:)?\+\d{8,15}")


class MaskingFilter(logging.Filter):
    """Masks anything that looks like an E.164 number in a record's final text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub(lambda m: mask(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: str = "INFO") -> None:
    root = logging.getLogger()
    root.setLevel(level)
    # The twilio client logs every request's headers at INFO: noise, and a privacy risk if it grows.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    if any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)

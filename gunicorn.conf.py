"""gunicorn reads this file from the working directory: its own log lines (boot, worker timeouts,
the access log when asked for) come out like Village's, JSON when LOG_FORMAT=json, numbers masked.
A malformed setting stops gunicorn here with one line, before it configures any logging."""
import sys
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from service.config import ConfigError, load_dotenv_file, load_settings
from service.logs import gunicorn_logconfig

load_dotenv_file()
try:
    _settings = load_settings()
except ConfigError as exc:
    sys.exit(f"gunicorn: {exc}")

logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.log_format)


class AccessLogWhenAsked(Logger):
    """gunicorn writes an access line for every request whenever a logging config is given, as
    `logconfig_dict` is here, even without --access-logfile: two lines for each text sent (its
    status callbacks), each built from every header and environ entry of the request. Only with
    --access-logfile, as the README says."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if self.cfg.accesslog is not None:
            super().access(resp, req, environ, request_time)


logger_class = AccessLogWhenAsked

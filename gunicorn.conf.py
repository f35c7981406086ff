"""gunicorn reads this file from the working directory: its own log lines (boot, worker timeouts,
the access log when asked for) come out like Village's, JSON when LOG_FORMAT=json, numbers masked.
A malformed setting stops gunicorn here with one line, before it configures any logging."""
import sys

from service.config import ConfigError, load_dotenv_file, load_settings
from service.logs import gunicorn_logconfig

load_dotenv_file()
try:
    _settings = load_settings()
except ConfigError as exc:
    sys.exit(f"gunicorn: {exc}")

logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.log_format)

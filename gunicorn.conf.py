"""gunicorn reads this file from the working directory: its own log lines (boot, worker timeouts,
the access log when asked for) come out like Village's, JSON when LOG_FORMAT=json, numbers masked."""
import os

from service.logs import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig(os.environ.get("LOG_LEVEL", "INFO").upper(), os.environ.get("LOG_FORMAT", "text"))

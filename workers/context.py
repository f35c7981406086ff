"""Per-process settings and the Transport for jobs: configured by the process entry point
(or a test), otherwise read once from the environment."""
from __future__ import annotations

import functools

from redis import Redis

from service.config import Settings, load_dotenv_file, load_settings
from service.messaging import TwilioTransport
from service.queues import redis_from_url

_settings: Settings | None = None


def configure(settings: Settings | None) -> None:
    global _settings
    _settings = settings


def settings() -> Settings:
    global _settings
    if _settings is None:
        load_dotenv_file()
        _settings = load_settings()
    return _settings


def redis() -> Redis:
    return redis_from_url(settings().redis_url)


@functools.lru_cache(maxsize=4)
def _transport(s: Settings) -> TwilioTransport:
    return TwilioTransport(s)


def transport() -> TwilioTransport:
    return _transport(settings())

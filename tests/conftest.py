"""Real parts, named people: a real Redis server, a real database (SQLite always, PostgreSQL when
reachable), the app served over real HTTP, the simulator over real HTTP, RQ workers in burst mode."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import psycopg
import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from flask import got_request_exception

from service import create_app
from service.config import Settings, load_settings
from service.db import engine_for, session_scope
from service.migrate import upgrade
from service.models import Base
from service.queues import DEFAULT, URGENT, queue
from service.redis_server import free_port, start_redis
from service.simulator import Simulator
from workers import context
from workers.clock import enqueue_status_writer

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = os.environ.get("TEST_POSTGRES_DB", "village_test")  # one per checkout running at once


@dataclass(frozen=True)
class Person:
    name: str
    phone: str


MOM = Person("Amanda", "+12025550143")
BUDDY = Person("Sarah", "+12025550178")
STRANGER = Person("Pat", "+12025550199")
OPERATOR = Person("Olu", "+12025550111")


# ---------------------------------------------------------------- servers


def gunicorn_env(tmp_path: Any, port: int) -> dict[str, str]:
    """The environment of a gunicorn started on its own: JSON logs, SQLite and simulator files under
    tmp_path, a Redis nobody answers, and none of the caller's Twilio, database or Redis settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_", "REDIS_"))}
    env.update(LOG_FORMAT="json", DATABASE_URL=f"sqlite:///{tmp_path / 'village.db'}",
               SIMULATOR_DB=str(tmp_path / "simulator.db"), SPOOL_DIR=str(tmp_path / "spool"),
               REDIS_URL="redis://127.0.0.1:1/0", PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    return env

@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(timeout=10)


def _postgres_url() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_TEST_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_TEST_DB}")
    except psycopg.Error as exc:
        if os.environ.get("CI") == "true" and os.environ.get("VILLAGE_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{PG_TEST_DB}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'village.db'}"
    else:
        url = _postgres_url()
        assert url is not None
    upgrade(url)  # the real migrations, not create_all: tests see the schema production gets
    yield url
    engine_for(url).dispose()


@pytest.fixture(scope="session")
def ports() -> dict[str, int]:
    return {"app": free_port(), "sim": free_port()}


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, ports: dict[str, int],
             tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = f"http://127.0.0.1:{ports['app']}"
    return load_settings(
        {}, database_url=database_url, redis_url=redis_url, public_base_url=base,
        twilio_api_base_url=f"http://127.0.0.1:{ports['sim']}", twilio_http_timeout=5.0,
        simulator_db=str(tmp_path_factory.mktemp("mounted-sim") / "sim.db"), testing=True,
        secret_key="test-secret-key", log_level="INFO", operator_alert_phone=OPERATOR.phone,
        quiet_hours="off")  # the wall clock must not decide a test; quiet-hours tests set their own


@pytest.fixture(scope="session")
def simulator_server(settings: Settings, ports: dict[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    sim = Simulator(str(tmp_path_factory.mktemp("sim") / "sim.db"), inbound_url=settings.inbound_url,
                    village_number=settings.twilio_from_number, callback_delay=0.02)
    sim.serve(port=ports["sim"])
    yield sim
    sim.shutdown()


@pytest.fixture(scope="session")
def live_app(settings: Settings, ports: dict[str, int]) -> Iterator[Any]:
    app = create_app(settings)
    # Any unhandled exception in the live app (a status callback from the simulator, say) fails
    # the test that caused it, even when no test asserts on that request.
    app.extensions["test_errors"] = errors = []
    got_request_exception.connect(lambda sender, exception, **kw: errors.append(repr(exception)), app, weak=False)
    server = make_server("127.0.0.1", ports["app"], app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- per test

def truncate_tables(url: str) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine_for(url).begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def app(live_app: Any, settings: Settings, simulator_server: Simulator, redis_url: str) -> Iterator[Any]:
    """The app with a clean database, Redis and simulator; jobs in this process use the same settings."""
    truncate_tables(settings.database_url)
    Redis.from_url(redis_url).flushdb()
    simulator_server.reset()
    context.configure(settings)
    live_app.extensions["test_errors"].clear()
    yield live_app
    simulator_server.wait_idle(5)
    context.configure(None)
    errors = live_app.extensions["test_errors"]
    assert not errors, f"the live app raised during this test: {errors}"


@pytest.fixture
def sim(app: Any, simulator_server: Simulator) -> Simulator:
    return simulator_server


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def db(app: Any, settings: Settings) -> Callable[[], Any]:
    """`with db() as s:` a session on the test database."""
    return lambda: session_scope(settings.database_url)


class BurstWorker(SimpleWorker):
    """A real RQ worker without the pub/sub command channel: a burst run never receives remote
    commands, and stopping that listener thread costs a whole second per run."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


@pytest.fixture
def run_jobs(settings: Settings, redis_url: str, simulator_server: Simulator) -> Callable[[], int]:
    """Drain both queues with real RQ workers in burst mode, urgent first, until nothing is left."""
    connection = Redis.from_url(redis_url)

    def run() -> int:
        total = 0
        for _round in range(10):
            # Callbacks that land meanwhile may enqueue work of their own (the routine delivery
            # statuses are written by a job): wait for them before deciding nothing is left.
            simulator_server.wait_idle(5)
            enqueue_status_writer(connection)  # as the clock does each second
            before = sum(queue(n, connection).count for n in (URGENT, DEFAULT))
            if before == 0:
                break
            for name in (URGENT, DEFAULT):
                BurstWorker([queue(name, connection)], connection=connection).work(burst=True, logging_level="WARNING")
            total += before
        simulator_server.wait_idle(5)
        return total

    return run


@pytest.fixture
def signed_post(client: Any, settings: Settings) -> Callable[..., Any]:
    """POST form data to a webhook signed exactly as Twilio signs it."""
    validator = RequestValidator(settings.twilio_auth_token)

    def post(path: str, data: dict[str, str], *, signature: str | None = None) -> Any:
        sig = validator.compute_signature(settings.public_base_url + path, data) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        return client.post(path, data=data, headers=headers)

    return post


@pytest.fixture
def cli(app: Any) -> Callable[..., Any]:
    runner = app.test_cli_runner()
    return lambda *args, **kw: runner.invoke(args=list(args), **kw)


def texts_to(sim: Simulator, phone: str) -> list[str]:
    return [m["body"] for m in sim.messages(to=phone)]


@pytest.fixture(scope="session", autouse=True)
def _no_twilio_env() -> Iterator[None]:
    # TWILIO_REGION/TWILIO_EDGE rewrite the API host; the transport ignores them, and so do tests.
    saved = {k: os.environ.pop(k) for k in ("TWILIO_REGION", "TWILIO_EDGE") if k in os.environ}
    yield
    os.environ.update(saved)


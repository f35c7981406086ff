"""Process-level parts for the fault tests: a Redis server that can be stopped and restarted,
gunicorn serving the app, the standalone simulator (`python -m service.simulator`), RQ worker
processes that can be SIGKILLed, and the sweeper stepping on a thread.

The fault tests run once, on PostgreSQL when one answers (the production database, and the one
where many processes write at once) and on SQLite otherwise; they never take the suite's
`database_url` parameter, so they are not repeated per database.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg
import pytest
import requests
from redis import Redis
from twilio.request_validator import RequestValidator

from service.config import Settings, load_settings
from service.db import engine_for, session_scope
from service.migrate import upgrade
from service.models import Buddy, Member
from service.redis_server import free_port, redis_server_binary
from tests.conftest import PG_ADMIN, PG_TEST_DB, truncate_tables
from workers import context

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
WAIT = 300.0  # a liveness bound, not a timing: a busy machine is slow, a lost message never arrives


# ---------------------------------------------------------------- processes

def _wait_for(check: Callable[[], bool], timeout: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001  a server that is still starting refuses connections
            pass
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class RedisServer:
    """A real redis-server on a fixed port, stoppable like an outage (no persistence: it comes back empty)."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_for(lambda: Redis.from_url(self.url, socket_connect_timeout=0.2).ping(), 10, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


class Proc:
    """One child process with its output in a log file, stopped by its own pid."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = open(log, "ab")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            self.popen.wait(15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
        self._out.close()


class Workers:
    """RQ worker processes (`python -m workers.worker`), startable and killable one by one."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: list[tuple[str, Proc]] = []
        self.started = 0

    def start(self, queue: str, count: int = 1) -> None:
        for _ in range(count):
            self.started += 1
            name = f"w{self.started}-{queue}"
            self.running.append((queue, Proc([PYTHON, "-m", "workers.worker", "--queue", queue, "--name", name],
                                             self.env, self.logs / f"{name}.log")))

    def kill_one(self, queue: str) -> None:
        """SIGKILL the longest-running worker of `queue` (started up, so most likely mid-job) and
        start a replacement."""
        victim = next(pair for pair in self.running if pair[0] == queue)
        self.running.remove(victim)
        victim[1].kill(signal.SIGKILL)
        self.start(queue)

    def stop_all(self) -> None:
        for _queue, proc in self.running:
            proc.kill(signal.SIGTERM)
        self.running.clear()


class Stack:
    """Everything a fault test drives, with helpers that speak to it only over its real interfaces."""

    def __init__(self, settings: Settings, env: dict[str, str], redis: RedisServer, tmp: Path) -> None:
        self.settings, self.env, self.redis, self.tmp = settings, env, redis, tmp
        self.sim_url = settings.twilio_api_base_url
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.http = requests.Session()
        self.workers = Workers(env, tmp)

    # --- webhooks, signed as Twilio signs them
    def post(self, path: str, data: dict[str, str], *, signed: bool = True, **kw: Any) -> requests.Response:
        headers = {"X-Twilio-Signature": self.validator.compute_signature(self.settings.public_base_url + path, data)
                   } if signed else {}
        return requests.post(self.settings.public_base_url + path, data=data, headers=headers, timeout=20, **kw)

    # --- the simulator's control API
    def set_faults(self, **faults: Any) -> None:
        self.http.post(f"{self.sim_url}/_sim/faults", json=faults, timeout=10).raise_for_status()

    def sim_requests(self) -> list[dict[str, Any]]:
        return self.http.get(f"{self.sim_url}/_sim/requests", timeout=30).json()["requests"]

    def sim_messages(self) -> list[dict[str, Any]]:
        return self.http.get(f"{self.sim_url}/_sim/messages", timeout=30).json()["messages"]

    def sends_per_recipient(self) -> Counter[str]:
        return Counter(r["to"] for r in self.sim_requests())

    # --- the sweeper, stepping as the clock would, only faster
    def sweeping(self, every: float = 0.3) -> "Sweeper":
        return Sweeper(every)

    # --- the clock's job for queued delivery statuses, each tick, only faster
    def writing_statuses(self, every: float = 0.2) -> "Sweeper":
        from workers.clock import enqueue_status_writer

        connection = Redis.from_url(self.settings.redis_url)
        return Sweeper(every, lambda: enqueue_status_writer(connection))

    def wait_for(self, check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        _wait_for(check, timeout, what, step=0.5)


class Sweeper:
    """Runs `step` (the sweeper unless told) every `every` seconds in a thread, as the clock would."""

    def __init__(self, every: float, step: Callable[[], object] | None = None) -> None:
        from workers.periodic import sweep_outbox

        step = step or sweep_outbox
        self._stop = threading.Event()
        self.errors: list[str] = []

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    step()
                except Exception as exc:  # noqa: BLE001  Redis may be down on purpose; the next step retries
                    self.errors.append(type(exc).__name__)

        self._thread = threading.Thread(target=loop, name="sweeper", daemon=True)

    def __enter__(self) -> "Sweeper":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


# ---------------------------------------------------------------- fixtures

def _fault_database(tmp: Path) -> str:
    name = f"{PG_TEST_DB}_faults"
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error:
        return f"sqlite:///{tmp / 'village.db'}"
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


@pytest.fixture(scope="session")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("faults")
    # The simulator keeps its state in SQLite; on tmpfs its commits skip the disk's fsync, which
    # would otherwise cap the whole system at a few dozen sends a second.
    shm = Path(tempfile.mkdtemp(prefix="village-faults-sim-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    database_url = _fault_database(tmp)
    upgrade(database_url)
    redis = RedisServer(tmp)
    redis.start()
    app_port, sim_port = free_port(), free_port()
    env_values = {
        "DATABASE_URL": database_url, "REDIS_URL": redis.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{sim_port}",
        "TWILIO_HTTP_TIMEOUT": "1", "SEND_MAX_ATTEMPTS": "10",
        "SENDING_STUCK_SECONDS": "3", "OUTBOX_LOST_AFTER_SECONDS": "2",
        "RETRY_FIRST_DELAY_SECONDS": "0.2", "RETRY_MAX_DELAY_SECONDS": "1",
        "SPOOL_DIR": str(tmp / "spool"), "SIMULATOR_DB": str(tmp / "mounted-sim.db"),
        "SECRET_KEY": "fault-test-secret-key", "LOG_LEVEL": "WARNING", "OPERATOR_ALERT_PHONE": "+12025550111",
        # The wall clock must not decide a fault test: a low alert to a Denver buddy is held
        # overnight there (04:30-15:00 UTC) by the default quiet hours.
        "QUIET_HOURS": "off",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env.update(env_values, PYTHONPATH=str(ROOT))
    settings = load_settings(env_values)
    procs = [
        Proc([PYTHON, "-m", "service.simulator", "--port", str(sim_port), "--db", str(shm / "sim.db"),
              "--inbound-url", settings.inbound_url, "--callback-delay", "0.05"], env, tmp / "simulator.log"),
        Proc([PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{app_port}", "--workers", "3", "--threads", "4",
              "--timeout", "30", "service:create_app()"], env, tmp / "gunicorn.log"),
    ]
    stack = Stack(settings, env, redis, tmp)
    _wait_for(lambda: requests.get(f"{stack.sim_url}/_sim/faults", timeout=1).ok, 20, "the simulator")
    _wait_for(lambda: requests.get(settings.public_base_url + "/healthz", timeout=1).status_code == 200, 30,
              "gunicorn")
    print(f"\nfault tests on {database_url.split(':', 1)[0]}; logs in {tmp}")
    yield stack
    stack.workers.stop_all()
    for proc in reversed(procs):
        proc.kill(signal.SIGTERM)
    redis.stop()
    engine_for(database_url).dispose()
    shutil.rmtree(shm, ignore_errors=True)


@pytest.fixture
def stack(fault_stack: Stack) -> Iterator[Stack]:
    """A clean system: empty database, Redis, simulator and spool; this process's jobs see the same settings."""
    s = fault_stack
    if s.redis.process is None:
        s.redis.start()
    truncate_tables(s.settings.database_url)
    Redis.from_url(s.redis.url).flushall()
    s.http.post(f"{s.sim_url}/_sim/reset", timeout=10).raise_for_status()
    shutil.rmtree(s.settings.spool_dir, ignore_errors=True)
    context.configure(s.settings)
    yield s
    s.workers.stop_all()
    s.set_faults()
    context.configure(None)


def mom_phone(i: int) -> str:
    return f"+1202555{i:04d}"


def buddy_phone(i: int) -> str:
    return f"+1303555{i:04d}"


def seed_moms(settings: Settings, count: int, *, buddies: bool) -> list[int]:
    """`count` active moms (each said YES), each with an accepted buddy when asked."""
    now = datetime.now(timezone.utc)
    with session_scope(settings.database_url) as db:
        members = [Member(name=f"Mom{i}", phone=mom_phone(i), timezone="America/New_York", checkin_time="20:00",
                          status="active", consent_at=now) for i in range(count)]
        db.add_all(members)
        db.flush()
        if buddies:
            db.add_all([Buddy(member_id=m.id, name=f"Buddy{i}", phone=buddy_phone(i), consent="accepted",
                              invited_at=now, consent_at=now) for i, m in enumerate(members)])
        return [m.id for m in members]


class TcpProxy:
    """A loopback TCP proxy in front of the database: `cut()` is an outage (existing connections
    drop, new ones are refused), `restore()` ends it. The network edge, not our code, fails."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                try:  # close() alone leaves a thread blocked in accept() still accepting on Linux
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

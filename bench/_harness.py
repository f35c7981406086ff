"""Shared process helpers for the benches: a private Redis, a bench database, the service's
processes (gunicorn, RQ workers, the clock), bulk enrolment, a load generator, /proc readings.

Everything runs on 127.0.0.1. Every process a bench starts is registered with a `Processes`
stack and stopped (its whole process group, by id) on exit, Ctrl-C or an exception.
"""
from __future__ import annotations

import atexit
import http.client
import itertools
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service.config import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN, DEV_FROM_NUMBER  # noqa: E402
from service.redis_server import free_port, start_redis  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "village_bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOW_REPLIES = ("2", "rough day, really struggling", "not great. so tired", "1 exhausted", "pretty low today")


def plain_twilio_client(api_base_url: str) -> Any:
    """The benches' ceiling: the official twilio client, with the HTTP client Village's workers use
    (service.messaging.PooledHttpClient), pointed at `api_base_url` (the simulator)."""
    from twilio.rest import Client

    from service.messaging import PooledHttpClient

    client = Client(DEV_ACCOUNT_SID, DEV_AUTH_TOKEN, http_client=PooledHttpClient(10), environment={})
    client.api.base_url = api_base_url
    return client


def mom_phone(i: int) -> str:
    return f"+1202{2000000 + i}"


def buddy_phone(i: int) -> str:
    return f"+1303{2000000 + i}"


# ---------------------------------------------------------------- processes

class Processes:
    """Starts processes in their own sessions and stops every one of them (by group id) on exit."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def __enter__(self) -> "Processes":
        # SIGTERM behaves like Ctrl-C, so `finally` and __exit__ always run.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self.stop_all()
        if exc_type is None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            print(f"(process logs kept in {self.workdir})", file=sys.stderr)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")
        process = subprocess.Popen(list(argv), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.started.append((name, process))
        return process

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 10) -> None:
        if process.poll() is None:
            # Our own starts lead their process group (gunicorn's workers go with it); Redis
            # (started by service.redis_server) does not, so it is signalled alone.
            own_group = os.getpgid(process.pid) == process.pid
            kill = (lambda sig: os.killpg(process.pid, sig)) if own_group else process.send_signal
            try:
                kill(signal.SIGTERM)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                kill(signal.SIGKILL)
                process.wait(timeout=5)
            except ProcessLookupError:
                pass
        self.started = [(n, p) for n, p in self.started if p is not process]

    def stop_all(self) -> None:
        for _name, process in reversed(list(self.started)):
            self.stop(process)

    def check_alive(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.workdir / (name + '.log')}")


def _raise_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def python() -> str:
    return sys.executable


def gunicorn_argv(app: str, port: int, *, workers: int = 2, threads: int = 4,
                  pythonpath: str | None = None) -> list[str]:
    """The Procfile's web line (gthread, 4 threads), with an explicit worker count."""
    argv = [python(), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--threads", str(threads), "--timeout", "30", "--backlog", "2048"]
    if pythonpath:
        argv += ["--pythonpath", pythonpath]
    return argv + [app]


def wait_http(url: str, timeout: float = 30, processes: Processes | None = None) -> None:
    host, port, path = split_url(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes is not None:
            processes.check_alive()
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def split_url(url: str) -> tuple[str, int, str]:
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port or 80), "/" + path


# ---------------------------------------------------------------- database and redis

def bench_database(workdir: Path) -> tuple[str, str]:
    """(SQLAlchemy URL, note): PostgreSQL `village_bench` freshly created, else SQLite with a note."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=2, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}", "PostgreSQL 127.0.0.1:5432/" + PG_DB
    except Exception as exc:  # noqa: BLE001  any failure means: no PostgreSQL here
        path = workdir / "village.db"
        return f"sqlite:///{path}", f"SQLite {path} (NOTE: PostgreSQL unreachable: {type(exc).__name__})"


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from service.db import engine_for

    engine_for(url).dispose()
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=2, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    except Exception as exc:  # noqa: BLE001
        print(f"(could not drop {PG_DB}: {exc})", file=sys.stderr)


def migrate(url: str) -> None:
    import logging

    from service.migrate import upgrade

    upgrade(url)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def start_private_redis(processes: Processes) -> str:
    process, url = start_redis(processes.workdir / "redis")
    # Registered like the others, so it is stopped with them.
    processes.started.insert(0, ("redis", process))
    return url


def service_env(*, database_url: str, redis_url: str, public_base_url: str, twilio_api_base_url: str,
                workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, PUBLIC_BASE_URL=public_base_url,
               TWILIO_API_BASE_URL=twilio_api_base_url, SECRET_KEY="bench-secret-key",
               SIMULATOR_DB=str(workdir / "mounted-sim.db"), LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
               QUIET_HOURS="off")  # a bench measures at any hour: low alerts are never held overnight
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


# ---------------------------------------------------------------- enrolment

def seed_moms(url: str, count: int, *, now: datetime, status: str = "active", open_checkin: bool = True,
              checkin_time: str = "09:00", zone: str = "America/New_York") -> None:
    """Bulk-insert `count` consented moms, each with one accepted buddy and (optionally) a sent,
    unanswered check-in from an hour ago, so every reply is a full answer to a real check-in."""
    from sqlalchemy import insert, text

    from service.db import engine_for
    from service.models import Buddy, CheckIn, Member

    consent = now - timedelta(days=30)
    members = [dict(id=i, name=f"Mom{i}", phone=mom_phone(i), channel="sms", timezone=zone,
                    checkin_time=checkin_time, checkin_days="0123456", status=status, share_words=False,
                    consent_at=consent, created_at=consent, buddy_alerts_paused=False) for i in range(1, count + 1)]
    buddies = [dict(id=i, member_id=i, name=f"Buddy{i}", phone=buddy_phone(i), channel="sms", position=0,
                    consent="accepted", invited_at=consent, consent_at=consent) for i in range(1, count + 1)]
    checkins = [dict(id=i, member_id=i, due_at=now - timedelta(hours=1), state="sent", manual=False,
                     followup_asked=False, created_at=now - timedelta(hours=1)) for i in range(1, count + 1)]
    engine = engine_for(url)
    with engine.begin() as conn:
        for table, rows in ((Member, members), (Buddy, buddies), (CheckIn, checkins if open_checkin else [])):
            for start in range(0, len(rows), 2000):
                conn.execute(insert(table.__table__), rows[start:start + 2000])
        if url.startswith("postgresql"):
            for table in ("members", "buddies", "checkins"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))
        else:
            conn.execute(text("ANALYZE"))
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def truncate_all(url: str) -> None:
    from sqlalchemy import text

    from service.db import engine_for
    from service.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine_for(url).begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


# ---------------------------------------------------------------- signed inbound replies

def signed_reply(public_base_url: str, index: int, body: str, *, path: str = "/twilio/inbound") -> tuple[bytes, str]:
    """A reply from mom `index`, form-encoded and signed exactly as Twilio signs it."""
    from twilio.request_validator import RequestValidator

    sid = "SM%032x" % (0xBE7C400000 + index)
    params = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": DEV_ACCOUNT_SID,
              "From": mom_phone(index), "To": DEV_FROM_NUMBER, "Body": body, "NumMedia": "0",
              "NumSegments": "1", "ApiVersion": "2010-04-01", "FromCountry": "US"}
    signature = RequestValidator(DEV_AUTH_TOKEN).compute_signature(public_base_url + path, params)
    return urlencode(params).encode(), signature


# ---------------------------------------------------------------- load generator

@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, from the scheduled (or actual) send
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    started: float = 0.0
    finished: float = 0.0
    cpu: float = 0.0  # the generator's own CPU seconds
    due: int = 0  # open loop: requests due within the window (sent or not)

    @property
    def sent(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.sent / max(self.finished - self.started, 1e-9)

    def merge(self, other: "LoadResult") -> None:
        self.latencies += other.latencies
        for k, v in other.statuses.items():
            self.statuses[k] = self.statuses.get(k, 0) + v
        self.errors += other.errors
        self.started = min(self.started or other.started, other.started)
        self.finished = max(self.finished, other.finished)
        self.cpu += other.cpu
        self.due += other.due


def _load_process(host: str, port: int, path: str, requests: list[tuple[bytes, str]], rate: float | None,
                  duration: float, threads: int, start_at: float, out: Any) -> None:
    result = LoadResult()
    lock = threading.Lock()
    counter = itertools.count()
    deadline = start_at + duration
    cpu0 = time.process_time()

    def run() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: list[float] = []
        statuses: dict[int, int] = {}
        errors = 0
        while True:
            i = next(counter)
            if i >= len(requests):
                break
            scheduled = start_at + i / rate if rate else None
            now = time.perf_counter()
            if scheduled is not None:
                # An overloaded server must not stretch the phase without end: what is not even
                # started 5 s after the window closes is counted as due but never sent.
                if scheduled >= deadline or now > deadline + 5:
                    break
                if scheduled > now:
                    time.sleep(scheduled - now)
            elif now >= deadline:
                break
            body, signature = requests[i]
            begin = time.perf_counter()
            try:
                conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                  "X-Twilio-Signature": signature})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                errors += 1
                continue
            end = time.perf_counter()
            mine.append(end - (scheduled if scheduled is not None else begin))
            statuses[status] = statuses.get(status, 0) + 1
        conn.close()
        with lock:
            result.latencies.extend(mine)
            result.errors += errors
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    now = time.perf_counter()
    if start_at > now:
        time.sleep(start_at - now)
    result.started = time.perf_counter()
    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    result.finished = time.perf_counter()
    result.cpu = time.process_time() - cpu0
    result.due = min(len(requests), int(duration * rate + 0.999)) if rate else result.sent
    out.put(result)


def generate_load(url: str, requests: Sequence[tuple[bytes, str]], *, rate: float | None = None,
                  duration: float = 10.0, processes: int = 2, threads: int = 8) -> LoadResult:
    """POST `requests` (body, signature) to `url` from several processes of http.client threads.

    Closed loop (rate=None): every thread sends as fast as answers come, until `duration` or the
    requests run out. Open loop (rate=N/s overall): request i is due at start + i/rate in its
    process, and its latency counts from that due time, so a slow server cannot hide its queue.
    """
    host, port, path = split_url(url)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.perf_counter() + 0.3
    shares = [list(requests[p::processes]) for p in range(processes)]
    procs = [ctx.Process(target=_load_process, daemon=True,
                         args=(host, port, path, shares[p], rate / processes if rate else None, duration,
                               threads, start_at + (p / rate if rate else 0), out))
             for p in range(processes)]
    for p in procs:
        p.start()
    try:
        total = LoadResult()
        for _ in procs:
            total.merge(out.get(timeout=duration + 60))
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
    return total


def percentile(values: Iterable[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# ---------------------------------------------------------------- /proc readings

def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the peak resident set size of a process, in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for child in children(pid):
        pids += process_tree(child)
    return pids


def total_cpu(pids: Iterable[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def postgres_backend_pids(url: str) -> list[int]:
    if not url.startswith("postgresql"):
        return []
    from sqlalchemy import text

    from service.db import engine_for

    with engine_for(url).connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]


class CpuWatch:
    """CPU seconds used by a changing set of processes: samples each pid so exits lose nothing."""

    def __init__(self, pids: Callable[[], Iterable[int]]) -> None:
        self._pids = pids
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}

    def sample(self) -> None:
        for pid in self._pids():
            value = cpu_seconds(pid)
            self._first.setdefault(pid, value)
            if value:
                self._last[pid] = value

    def used(self) -> float:
        return sum(self._last.get(p, v) - v for p, v in self._first.items())


def bench_workdir(name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"village-bench-{name}-"))


def simulator_db() -> str:
    """A file for the simulator's SQLite store, in memory (/dev/shm) when there is one: the
    simulator stands in for Twilio, so its disk syncs must not count against Village."""
    shm = Path("/dev/shm")
    directory = Path(tempfile.mkdtemp(prefix="village-bench-sim-", dir=shm if shm.is_dir() else None))
    atexit.register(shutil.rmtree, directory, True)
    return str(directory / "simulator.db")


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def port() -> int:
    return free_port()


def bare_app() -> Any:
    """The ceiling: a bare Flask endpoint answering static TwiML (gunicorn loads `_harness:bare_app()`)."""
    from flask import Flask, Response

    app = Flask("bare")
    twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thank you.</Message></Response>'

    @app.post("/twilio/inbound")
    def inbound() -> Response:
        return Response(twiml, mimetype="text/xml")

    @app.get("/health")
    def health() -> str:
        return "ok"

    return app


def socket_free(port_number: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port_number)) != 0


def calibration() -> str:
    """How fast this machine runs Python, so absolute CPU figures can be read elsewhere."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        sum(range(10**6))
        best = min(best, time.process_time() - start)
    return (f"sum(range(10**6)) takes {best * 1000:.0f} ms CPU here (about 15-20 ms on a current desktop core); "
            f"load average {load_average()}")

"""Fan-out: N members due in the same minute, planned, then sent by 2 real workers to the simulator.

Run from the repo root: python bench/fanout.py [--members 10000] [--workers 2] [--postgres]
Everything is private and on loopback: a Redis server of its own, a temporary SQLite database (and,
with --postgres, a scratch PostgreSQL database at 127.0.0.1:5432), the Twilio simulator started
standalone (`python -m service.simulator`), `python -m workers.worker --queue default` processes,
TWILIO_MPS=0 (unlimited). Prints check-ins planned/s (the planner: one read, set-based inserts, one
commit), enqueued/s, and sent/s from the first enqueue until every check-in was accepted by the
simulator, against a ceiling measured in the same run: a plain loop sending the same number of
messages with the official twilio client (with Village's HTTP client for it, as the workers use)
to the same simulator. The last line is the headline.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import psycopg  # noqa: E402
import requests  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from service import outbox  # noqa: E402
from service.checkins import plan_due  # noqa: E402
from service.config import DEV_FROM_NUMBER, load_settings  # noqa: E402
from service.db import engine_for, session_factory  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.models import Member, Message  # noqa: E402
from service.redis_server import free_port, start_redis  # noqa: E402

PY = sys.executable
ZONE = "America/New_York"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "village_bench_fanout"


def start_simulator(tmp: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """The simulator keeps its store in memory-backed /dev/shm when there is one: it stands in for
    Twilio, whose disk is not ours to measure (the ceiling and the workers share it alike)."""
    port = free_port()
    shm = Path("/dev/shm")
    store = Path(tempfile.mkdtemp(prefix="fanout-sim-", dir=shm if shm.is_dir() else tmp)) / "sim.db"
    process = subprocess.Popen(
        [PY, "-m", "service.simulator", "--port", str(port), "--db", str(store),
         "--callback-delay", "3600", "--inbound-url", "http://127.0.0.1:9/twilio/inbound"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(url + "/", timeout=0.5)
            return process, url, store
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError("simulator did not start")


def ceiling(sim_url: str, n: int) -> float:
    """Messages/s of a plain loop with the twilio client (and Village's HTTP client for it) to the
    same simulator."""
    client = h.plain_twilio_client(sim_url)
    start = time.perf_counter()
    for i in range(n):
        client.messages.create(to=f"+1303{5000000 + i:07d}", from_=DEV_FROM_NUMBER, body="ceiling loop",
                               status_callback="http://127.0.0.1:9/twilio/status", validity_period=7200)
    return n / (time.perf_counter() - start)


def enrol(url: str, n: int, now: datetime) -> None:
    """All N members active and due at this very minute in New York: one bulk insert."""
    at = now.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")
    consent = now - timedelta(days=1)
    rows = [{"name": f"Mom{i}", "phone": f"+1202{5000000 + i:07d}", "channel": "sms", "timezone": ZONE,
             "checkin_time": at, "checkin_days": "0123456", "status": "active", "consent_at": consent,
             "share_words": False, "checkin_every": 1, "nudge_buddy": False, "created_at": consent}
            for i in range(n)]
    with engine_for(url).begin() as conn:
        conn.execute(insert(Member), rows)


def run(url: str, redis_url: str, sim_url: str, n: int, workers: int, tmp: Path) -> dict[str, float]:
    upgrade(url)
    Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "TWILIO_API_BASE_URL": sim_url,
           "PUBLIC_BASE_URL": "http://127.0.0.1:9", "TWILIO_MPS": "0", "LOG_LEVEL": "WARNING"}
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_REGION", "TWILIO_EDGE"):
        env.pop(key, None)
    settings = load_settings(env)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    enrol(url, n, now)
    procs = [subprocess.Popen([PY, "-m", "workers.worker", "--queue", "default", "--name", f"fanout-{i}-{os.getpid()}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / f"worker{i}.log", "w"))
             for i in range(workers)]
    try:
        connection = Redis.from_url(redis_url)
        while connection.scard("rq:workers") < workers:  # both ready before the burst
            time.sleep(0.05)
        session = session_factory(url)()
        t0 = time.perf_counter()
        planned = plan_due(session, settings, now + timedelta(seconds=30))
        pending = session.info.pop("outbox", [])
        session.commit()
        t1 = time.perf_counter()
        outbox.dispatch(connection, pending)
        t2 = time.perf_counter()
        sent = 0
        while sent < planned and time.perf_counter() - t2 < 600:
            time.sleep(0.1)
            sent = session.scalar(select(func.count()).select_from(Message).where(Message.status == "sent")) or 0
            session.rollback()
        t3 = time.perf_counter()
        session.close()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    return {"planned": planned, "plan_s": t1 - t0, "enqueue_s": t2 - t1, "sent": sent, "send_s": t3 - t1}


def postgres_url() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    except psycopg.Error:
        return None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="also run on a scratch PostgreSQL database")
    args = parser.parse_args()
    n = args.members
    with tempfile.TemporaryDirectory(prefix="fanout-") as name:
        tmp = Path(name)
        redis_process, redis_url = start_redis(tmp / "redis")
        sim_process, sim_url, sim_store = start_simulator(tmp)
        try:
            roof = ceiling(sim_url, n)
            print(f"ceiling: plain twilio-client loop, {n} messages to the simulator: {roof:,.0f} msg/s")
            databases = [("sqlite", f"sqlite:///{tmp / 'village.db'}")]
            pg = postgres_url() if args.postgres else None
            if pg:
                databases.append(("postgresql", pg))
            ratios = []
            for label, url in databases:
                r = run(url, redis_url, sim_url, n, args.workers, tmp)
                rate = r["sent"] / r["send_s"]
                ratios.append(rate / roof)
                print(f"{label:10}  planned {r['planned']:,.0f} check-ins in {r['plan_s']:.2f} s "
                      f"({r['planned'] / r['plan_s']:,.0f}/s); enqueued in {r['enqueue_s']:.2f} s; "
                      f"{args.workers} workers sent {r['sent']:,.0f} in {r['send_s']:.1f} s ({rate:,.0f}/s) "
                      f"= {rate / roof:.2f} x ceiling")
                engine_for(url).dispose()
        finally:
            sim_process.terminate()
            redis_process.terminate()
            sim_process.wait(10)
            redis_process.wait(10)
            shutil.rmtree(sim_store.parent, ignore_errors=True)
    print(f"fanout_sent_vs_ceiling: {min(ratios):.2f}")


if __name__ == "__main__":
    main()

"""Load: signed replies at a fixed rate against gunicorn, then count what was stored.

    python bench/load.py [--rate 200] [--seconds 60] [--database-url URL] [--web-workers 2]

Everything runs on loopback and stops by itself: a private Redis, a fresh database (SQLite in a
temporary directory unless --database-url names an empty PostgreSQL database), the real migrations,
gunicorn serving `service:create_app()`. The load is open-loop (request i leaves at t0 + i/rate
whatever happened before it), and latency counts from that planned moment, so a stall is not hidden.
The ceiling is the same gunicorn answering a bare, unsigned POST as fast as it can, measured in the
same run. Prints throughput, p50/p99 latency, errors and lost replies; last line `load: ...`.
"""
from __future__ import annotations

import argparse
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from service.config import load_settings  # noqa: E402
from service.db import session_scope  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.models import Buddy, Member, Message  # noqa: E402
from service.redis_server import free_port, start_redis  # noqa: E402

REPLIES = ["2", "3", "4", "5", "pretty good today", "tired but ok", "exhausted and alone", "fine", "1", "good"]
MOMS = 2000
CLIENT_THREADS = 64


def seed(database_url: str) -> list[str]:
    now = datetime.now(timezone.utc)
    phones = [f"+1202555{i:04d}" for i in range(MOMS)]
    with session_scope(database_url) as db:
        members = [Member(name=f"Mom{i}", phone=p, timezone="America/New_York", checkin_time="20:00",
                          status="active", consent_at=now) for i, p in enumerate(phones)]
        db.add_all(members)
        db.flush()
        db.add_all([Buddy(member_id=m.id, name=f"Buddy{i}", phone=f"+1303555{i:04d}", consent="accepted",
                          invited_at=now, consent_at=now) for i, m in enumerate(members)])
    return phones


def drive(url: str, plan: list[dict[str, str]], rate: float, sign: RequestValidator | None,
          public_url: str) -> tuple[list[float], int, float]:
    """Send `plan` open-loop at `rate`; returns latencies (s), errors and the elapsed time."""
    work: queue.Queue[tuple[float, dict[str, str]] | None] = queue.Queue()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        while (item := work.get()) is not None:
            due, form = item
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            headers = {"X-Twilio-Signature": sign.compute_signature(public_url, form)} if sign else {}
            try:
                ok = session.post(url, data=form, headers=headers, timeout=15).status_code == (200 if sign else 403)
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - due)
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    start = time.perf_counter() + 0.2
    for i, form in enumerate(plan):
        work.put((start + i / rate, form))
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def ceiling(url: str, seconds: float) -> tuple[float, float]:
    """Closed-loop requests/s and p50 of the same gunicorn refusing an unsigned POST (no database)."""
    stop = time.perf_counter() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        while time.perf_counter() < stop:
            t = time.perf_counter()
            session.post(url, data={"Body": "x"}, timeout=15)
            with lock:
                latencies.append(time.perf_counter() - t)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / seconds, percentile(latencies, 50)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="signed replies per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database-url", default="", help="an empty database (default: SQLite in a temp dir)")
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()
    if not 0 < args.rate <= 2000 or not 0 < args.seconds <= 600:
        parser.error("keep it bounded: --rate in (0, 2000], --seconds in (0, 600]")
    tmp = Path(tempfile.mkdtemp(prefix="village-load-"))
    redis_proc, redis_url = start_redis(tmp / "redis")
    database_url = args.database_url or f"sqlite:///{tmp / 'village.db'}"
    port = free_port()
    env_values = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                  "TWILIO_API_BASE_URL": "http://127.0.0.1:9", "SECRET_KEY": "load-bench-secret",
                  "LOG_LEVEL": "WARNING", "SIMULATOR_DB": str(tmp / "sim.db"), "SPOOL_DIR": str(tmp / "spool")}
    settings = load_settings(env_values)
    upgrade(database_url)
    phones = seed(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")} | env_values | {"PYTHONPATH": str(ROOT)}
    log = open(tmp / "gunicorn.log", "wb")
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                            str(args.web_workers), "--threads", "8", "--backlog", "2048", "service:create_app()"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(settings.public_base_url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        url = settings.inbound_url
        bare_rps, bare_p50 = ceiling(url, 5.0)
        rng = random.Random(1)
        count = int(args.rate * args.seconds)
        plan = [{"MessageSid": f"SM{i:032x}", "From": rng.choice(phones), "To": settings.twilio_from_number,
                 "Body": rng.choice(REPLIES), "NumMedia": "0", "AccountSid": settings.twilio_account_sid}
                for i in range(count)]
        latencies, errors, elapsed = drive(url, plan, args.rate, RequestValidator(settings.twilio_auth_token), url)
        with session_scope(database_url) as db:
            stored = db.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) or 0
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(30)
        redis_proc.terminate()
        redis_proc.wait(10)
        log.close()
    shutil.rmtree(tmp, ignore_errors=True)
    throughput = count / elapsed
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    print(f"database:            {database_url.split(':', 1)[0]}, gunicorn {args.web_workers} workers x 8 threads")
    print(f"offered:             {count} signed replies at {args.rate:.0f}/s for {args.seconds:.0f} s")
    print(f"throughput:          {throughput:.1f} replies/s ({throughput / args.rate:.2f} of the offered rate)")
    print(f"latency:             p50 {p50:.1f} ms, p99 {p99:.1f} ms (from each reply's planned send time)")
    print(f"ceiling (bare POST): {bare_rps:.0f} requests/s, p50 {bare_p50 * 1000:.1f} ms; "
          f"offered rate = {args.rate / bare_rps:.2f} of it, reply p50 = {p50 / (bare_p50 * 1000):.1f}x bare p50")
    print(f"errors:              {errors}")
    print(f"lost:                {count - stored} (stored {stored} of {count})")
    print(f"load: {throughput:.1f} replies/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, {errors} errors, {count - stored} lost")
    return 0 if errors == 0 and stored == count else 1


if __name__ == "__main__":
    sys.exit(main())

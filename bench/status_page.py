"""How fast the status page renders with 10,000 members and 1,000,000 messages.

Run from the repo root: python bench/status_page.py [--messages N] [--members N] [--sqlite-only]
Seeds a scratch SQLite database in a temporary directory (and a scratch PostgreSQL database,
village_bench_status, when a server is reachable at TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1),
with 40 days of check-ins, replies, alerts and failures, then times GET /status in-process
(server time: no network) against the ceiling of a trivial logged-in page served by the same stack
in the same run. Loopback only; a private Redis server is started for the run. Last line: the headline.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.auth import login_required, session_fields  # noqa: E402
from service.config import load_settings  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.redis_server import start_redis  # noqa: E402

DAYS = 40
ROUNDS = 7
PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "village_bench_status"
FAIL_CODES = ("30003", "30005", "30006", "30007", "21610", "21211", "63016")


def rows(members: int, messages: int, now: datetime) -> dict[str, Iterator[tuple[Any, ...]]]:
    """Plain tuples for each table: members, buddies, check-ins, messages, alerts, events."""
    rnd = random.Random(6)
    start = now - timedelta(days=DAYS)
    checkins = messages * 2 // 5           # 40% of messages are check-ins, 30% replies in, 30% other out
    per_day = max(1, checkins // DAYS)

    def member_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, members + 1):
            status = "active" if i % 20 else rnd.choice(("paused", "pending", "opted_out"))
            yield (i, f"Mom {i:05d}", f"+1202{i:07d}", "sms", "America/New_York", f"{7 + i % 14:02d}:00",
                   "0123456", status, False, start + timedelta(minutes=i % 9000))

    def buddy_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, members + 1):
            yield (i, i, f"Buddy {i:05d}", f"+1303{i:07d}", "sms", 0, "accepted" if i % 7 else "invited", start)

    def checkin_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(1, checkins + 1):
            due = start + timedelta(days=(n - 1) // per_day, seconds=(n * 7) % 86000)
            state = "answered" if n % 3 else rnd.choice(("missed", "sent", "skipped"))
            mood = rnd.choice(("ok", "ok", "ok", "low", "crisis")) if state == "answered" else None
            yield (n, (n - 1) % members + 1, due, state, False, False, mood,
                   due + timedelta(minutes=20) if state == "answered" else None, due)

    def message_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(1, messages + 1):
            at = start + timedelta(seconds=int(DAYS * 86400 * n / messages))
            member = n % members + 1
            if n % 10 < 4:
                kind, direction = "checkin", "out"
                status = "delivered" if n % 50 else rnd.choice(("failed", "undelivered"))
            elif n % 10 < 7:
                kind, direction, status = "inbound", "in", "received"
            else:
                kind, direction, status = "reply", "out", "delivered"
            code = rnd.choice(FAIL_CODES) if status in ("failed", "undelivered") else None
            yield (n, direction, member, f"+1202{member:07d}", "+15005550006", "private words", kind, False, status,
                   code, 1, at, at)

    def alert_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(1, checkins // 100 + 1):
            at = start + timedelta(minutes=n * DAYS * 1440 // (checkins // 100 + 1))
            acked = at + timedelta(minutes=rnd.randint(1, 40)) if n % 4 else None
            yield (n, n % members + 1, n % members + 1, "buddy", rnd.choice(("low", "crisis")),
                   "acknowledged" if acked else "sent", at, acked)

    def event_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(1, messages // 10 + 1):
            at = start + timedelta(seconds=int(DAYS * 86400 * n / (messages // 10)))
            yield (n, at, rnd.choice(("member_consent", "alert_low", "member_opt_out", "buddy_accept")),
                   n % members + 1, "member" if n % 500 else "operator:ops@example.org")

    return {
        "members (id, name, phone, channel, timezone, checkin_time, checkin_days, status, share_words, created_at)":
            member_rows(),
        "buddies (id, member_id, name, phone, channel, position, consent, invited_at)": buddy_rows(),
        "checkins (id, member_id, due_at, state, manual, followup_asked, mood_level, answered_at, created_at)":
            checkin_rows(),
        "messages (id, direction, member_id, to_addr, from_addr, body, kind, urgent, status, error_code, attempts, "
        "created_at, updated_at)": message_rows(),
        "alerts (id, member_id, buddy_id, recipient, level, state, created_at, acknowledged_at)": alert_rows(),
        "events (id, created_at, kind, member_id, actor)": event_rows(),
    }


def seed_sqlite(url: str, members: int, messages: int, now: datetime) -> None:
    import sqlite3

    def value(v: Any) -> Any:  # SQLAlchemy's SQLite DateTime format, in UTC
        return v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    for table, data in rows(members, messages, now).items():
        marks = ", ".join("?" * (table.count(",") + 1))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", (tuple(map(value, r)) for r in data))
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def seed_postgres(url: str, members: int, messages: int, now: datetime) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for table, data in rows(members, messages, now).items():
            with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for r in data:
                    copy.write_row(r)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def postgres_url() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=2, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"PostgreSQL not reachable ({type(exc).__name__}): SQLite only")
        return None
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{PG_DB}"


def timed(client: Any, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def measure(url: str, redis_url: str) -> tuple[float, float]:
    from flask import render_template_string

    from service.db import session_scope
    from service.models import Operator

    settings = load_settings({}, database_url=url, redis_url=redis_url, secret_key="bench", log_level="WARNING")
    with session_scope(url) as db:
        operator = Operator(email="bench@example.org", password_hash="x")
        db.add(operator)
        db.flush()
        operator_id = operator.id
    app = create_app(settings)
    # The ceiling: a logged-in page through the same stack (session, DB session, headers, template).
    app.add_url_rule("/bench-trivial", "bench_trivial",
                     login_required(lambda: render_template_string("{% extends 'base.html' %}")))
    client = app.test_client()
    with client.session_transaction() as session:  # what a real login stores (service.auth)
        session.update(session_fields(operator_id, 0, datetime.now(timezone.utc)))
    timed(client, "/status")
    timed(client, "/bench-trivial")  # warm both
    page = statistics.median(timed(client, "/status") for _ in range(ROUNDS))
    trivial = statistics.median(timed(client, "/bench-trivial") for _ in range(ROUNDS))
    return page, trivial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        redis, redis_url = start_redis(Path(tmp))
        try:
            targets = [("sqlite", f"sqlite:///{tmp}/bench.db", seed_sqlite)]
            pg = None if args.sqlite_only else postgres_url()
            if pg:
                targets.append(("postgresql", pg, seed_postgres))
            for name, url, seed in targets:
                started = time.perf_counter()
                upgrade(url)
                seed(url, args.members, args.messages, now)
                print(f"{name}: seeded {args.members:,} members and {args.messages:,} messages "
                      f"in {time.perf_counter() - started:.0f} s")
                page, trivial = measure(url, redis_url)
                results[name] = page
                print(f"{name}: GET /status {page:.1f} ms (median of {ROUNDS}); trivial logged-in page "
                      f"{trivial:.1f} ms; ratio {page / trivial:.1f}x; budget 200 ms: "
                      f"{'within' if page < 200 else 'OVER'}")
        finally:
            redis.terminate()
            redis.wait(timeout=10)
    print(f"status_page_ms: {max(results.values()):.1f}")


if __name__ == "__main__":
    main()

"""Webhook throughput and latency: signed low-mood replies through gunicorn, against the ceiling.

Run from the repo root: python bench/webhook.py [--seconds 10] [--steady-seconds 15] [--rate 100]

The ceiling is a bare Flask endpoint answering static TwiML under the same gunicorn (2 workers,
4 threads, as in the Procfile), driven by the same load generator with the same signed bodies;
its figure is also the load generator's own ceiling. Then Village's real webhook on PostgreSQL
(database `village_bench`, created and dropped here; SQLite with a note when PostgreSQL is
unreachable): every reply comes from a different enrolled, consented mom with an accepted buddy
and an open check-in, so every one is fully processed (stored, scored, check-in answered, a low
alert and its outbox row written, a job enqueued) and none is cheapened by the 24-hour limit.
Two phases each: closed loop (as fast as answers come) and open loop at a steady rate, where
latency counts from each request's due time. Last, the `floor`: a hand-written lower bound of the
same reply's work (raw SQL, one process, no ORM, no Flask), to show what a ratio of 0.4 would
demand of any implementation on this stack. The last line is the headline.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402


def measure(name: str, url: str, replies: list[tuple[bytes, str]], pids: list[int], args: argparse.Namespace,
            database_url: str | None = None) -> dict[str, float]:
    warm, rest = replies[:args.warmup], replies[args.warmup:]
    h.generate_load(url, warm, duration=30, processes=args.procs, threads=args.threads)
    # After the warm-up, so the connections the gunicorn workers opened under load are counted.
    db_pids = h.postgres_backend_pids(database_url) if database_url else []
    closed_budget = len(rest) - int(args.rate * args.steady_seconds) - 10
    closed_set, steady_set = rest[:closed_budget], rest[closed_budget:]
    cpu0, pg0, busy0 = h.total_cpu(pids), h.total_cpu(db_pids or []), h.machine_cpu_seconds()
    closed = h.generate_load(url, closed_set, duration=args.seconds, processes=args.procs, threads=args.threads)
    cpu1, pg1, busy1 = h.total_cpu(pids), h.total_cpu(db_pids or []), h.machine_cpu_seconds()
    steady = h.generate_load(url, steady_set, rate=args.rate, duration=args.steady_seconds,
                             processes=args.procs, threads=args.threads)
    wall = closed.finished - closed.started
    machine = (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1e-9)
    bad = sum(v for k, v in closed.statuses.items() if k != 200) + closed.errors
    bad += sum(v for k, v in steady.statuses.items() if k != 200) + steady.errors
    print(f"{name}:")
    print(f"  closed loop   {closed.sent:6d} replies in {wall:5.1f} s = {closed.rate:7.1f}/s   "
          f"p50 {h.fmt_ms(h.percentile(closed.latencies, 50))}  p99 {h.fmt_ms(h.percentile(closed.latencies, 99))}"
          f"   ({args.procs}x{args.threads} connections)")
    unsent = f"; {steady.due - steady.sent} of {steady.due} due never sent (overloaded)" if steady.due > steady.sent else ""
    print(f"  steady {args.rate:.0f}/s {steady.sent:6d} replies at {steady.rate:7.1f}/s   "
          f"p50 {h.fmt_ms(h.percentile(steady.latencies, 50))}  p99 {h.fmt_ms(h.percentile(steady.latencies, 99))}"
          f"  max {h.fmt_ms(max(steady.latencies, default=0))}{unsent}")
    print(f"  CPU per reply (closed loop): server {1000 * (cpu1 - cpu0) / max(closed.sent, 1):.2f} ms"
          + (f", PostgreSQL backends {1000 * (pg1 - pg0) / max(closed.sent, 1):.2f} ms" if db_pids else "")
          + f", load generator {1000 * closed.cpu / max(closed.sent, 1):.2f} ms;"
          f" machine busy {100 * machine:.0f}% of 2 cores")
    print(f"  non-200 answers or errors: {bad}")
    figures = {"rate": closed.rate, "longest": max(steady.latencies, default=0.0), "steady_rate": steady.rate,
               "sent": closed.sent + steady.sent + len(warm), "bad": bad,
               "server_cpu": (cpu1 - cpu0) / max(closed.sent, 1), "generator_cpu": closed.cpu / max(closed.sent, 1)}
    # The unsent would have waited longer than any sent one: p99 counts them as endless.
    waits = steady.latencies + [float("inf")] * (steady.due - steady.sent)
    figures["p99_steady"] = h.percentile(waits, 99)
    return figures


def floor(database_url: str, redis_url: str, public_base_url: str, count: int = 1500) -> dict[str, float]:
    """CPU ms per reply of a hand-written lower bound of the same work, run here in one process on
    the bench's database: the signature check, the reply stored and committed on its own, one
    query for her, her accepted buddy and her open check-in, mood scoring, the check-in answered,
    the alert and its outbox row written and committed, one RQ enqueue. It leaves out what the
    service also does (the 24-hour limit, her trend, the audit event, the reply's own row, Flask's
    form parsing and TwiML), so the service can only cost more. PostgreSQL's backend CPU apart."""
    from datetime import datetime, timezone
    from urllib.parse import parse_qsl

    from redis import Redis
    from rq import Queue
    from sqlalchemy import text
    from twilio.request_validator import RequestValidator

    from service import mood
    from service.db import engine_for

    body, signature = h.signed_reply(public_base_url, 1, h.LOW_REPLIES[0])
    params, url = dict(parse_qsl(body.decode())), public_base_url + "/twilio/inbound"
    validator = RequestValidator(h.DEV_AUTH_TOKEN)
    queue = Queue("floor", connection=Redis.from_url(redis_url))
    store = text("INSERT INTO messages (direction, to_addr, from_addr, body, kind, urgent, status, provider_sid, attempts, "
                 "created_at, updated_at) VALUES ('in', :to, :from_, :body, 'inbound', false, 'received', :sid, 0, :now, :now) "
                 "RETURNING id")
    find = text("SELECT m.id, m.name, b.id, b.name, c.id FROM members m JOIN buddies b ON b.member_id = m.id "
                "AND b.consent = 'accepted' LEFT JOIN checkins c ON c.member_id = m.id AND c.state IN ('sent', 'answered') "
                "WHERE m.phone = :phone ORDER BY b.position LIMIT 1")
    answer = text("UPDATE checkins SET state = 'answered', mood_level = :level, mood_score = :score, answered_at = :now "
                  "WHERE id = :id")
    alert = text("INSERT INTO alerts (member_id, checkin_id, buddy_id, recipient, level, state, created_at) "
                 "VALUES (:member, :checkin, :buddy, 'buddy', 'low', 'pending', :now) RETURNING id")
    outbox = text("INSERT INTO messages (direction, member_id, buddy_id, alert_id, to_addr, from_addr, body, kind, urgent, "
                  "status, attempts, created_at, updated_at) VALUES ('out', :member, :buddy, :alert, :to, :from_, :body, "
                  "'alert', true, 'pending', 0, :now, :now) RETURNING id")
    with engine_for(database_url).connect() as conn:
        backends = [conn.execute(text("SELECT pg_backend_pid()")).scalar_one()] if database_url.startswith("postgresql") else []
        conn.commit()
        pg0, started = h.total_cpu(backends), time.process_time()
        for i in range(count):
            assert validator.validate(url, params, signature)
            now = datetime.now(timezone.utc)
            conn.execute(store, {"to": h.DEV_FROM_NUMBER, "from_": params["From"], "body": params["Body"],
                                 "sid": f"SMf{i:031x}", "now": now})
            conn.commit()
            member, name, buddy, buddy_name, checkin = conn.execute(find, {"phone": h.mom_phone(1 + i % 500)}).one()
            scored = mood.score(params["Body"])
            conn.execute(answer, {"level": scored.level, "score": scored.score, "now": now, "id": checkin})
            alert_id = conn.execute(alert, {"member": member, "checkin": checkin, "buddy": buddy, "now": now}).scalar_one()
            message_id = conn.execute(outbox, {"member": member, "buddy": buddy, "alert": alert_id, "to": h.buddy_phone(1),
                                               "from_": h.DEV_FROM_NUMBER, "body": f"{buddy_name}, {name} had a hard day",
                                               "now": now}).scalar_one()
            conn.commit()
            queue.enqueue("os.getpid", message_id, result_ttl=0)
        figures = {"process": (time.process_time() - started) / count, "postgres": (h.total_cpu(backends) - pg0) / count}
    queue.empty()
    return figures


def worker_pids(master: int) -> list[int]:
    return [p for p in h.process_tree(master) if p != master]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="closed-loop phase length")
    parser.add_argument("--steady-seconds", type=float, default=15, help="open-loop phase length")
    parser.add_argument("--rate", type=float, default=100, help="open-loop replies per second")
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--threads", type=int, default=8, help="connections per generator process")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--max-rate", type=float, default=600, help="cap on replies prepared for the closed loop")
    args = parser.parse_args()

    workdir = h.bench_workdir("webhook")
    database_url, note = h.bench_database(workdir)
    print(f"webhook bench: gunicorn 2 workers x 4 threads; database {note}")
    print(f"machine: {h.calibration()}")
    count = args.warmup + int(args.max_rate * args.seconds) + int(args.rate * args.steady_seconds) + 20
    try:
        with h.Processes(workdir) as procs:
            redis_url = h.start_private_redis(procs)
            h.migrate(database_url)
            started = time.perf_counter()
            h.seed_moms(database_url, count, now=datetime.now(timezone.utc))
            print(f"seeded {count} moms, buddies and open check-ins in {time.perf_counter() - started:.1f} s")

            bare_port, app_port = h.port(), h.port()
            bare_base = f"http://127.0.0.1:{bare_port}"
            app_base = f"http://127.0.0.1:{app_port}"
            bodies = [h.LOW_REPLIES[i % len(h.LOW_REPLIES)] for i in range(count + 1)]
            env = h.service_env(database_url=database_url, redis_url=redis_url, public_base_url=app_base,
                                twilio_api_base_url=f"http://127.0.0.1:{h.port()}", workdir=workdir)

            bare = procs.start("bare", h.gunicorn_argv("_harness:bare_app()", bare_port,
                                                       pythonpath=str(Path(__file__).parent)), env)
            h.wait_http(bare_base + "/health", processes=procs)
            # The same signed bodies (signed for the app's URL; the bare endpoint does not check).
            replies = [h.signed_reply(app_base, i, bodies[i]) for i in range(1, count + 1)]
            ceiling = measure("bare Flask endpoint, static TwiML (the ceiling, and the load generator's own)", bare_base + "/twilio/inbound",
                              replies * 4, h.process_tree(bare.pid), args)
            bare_rss = max(h.peak_rss_mb(p) for p in worker_pids(bare.pid))
            procs.stop(bare)

            web = procs.start("web", h.gunicorn_argv("service:create_app()", app_port), env)
            h.wait_http(app_base + "/healthz", processes=procs)
            village = measure("Village /twilio/inbound, full processing", app_base + "/twilio/inbound",
                              replies, h.process_tree(web.pid), args, database_url)
            web_rss = max(h.peak_rss_mb(p) for p in worker_pids(web.pid))
            alerts, answered = _outcome(database_url)
            print(f"  written: {alerts} low alerts with outbox rows, {answered} check-ins answered "
                  f"(replies sent: {village['sent']})")
            print(f"peak RSS per gunicorn worker: Village {web_rss:.0f} MB, bare {bare_rss:.0f} MB (target <= 150 MB)")
            procs.stop(web)
            steps = floor(database_url, redis_url, app_base)
    finally:
        h.drop_database(database_url)

    ratio = village["rate"] / ceiling["rate"]

    def p99(run: dict[str, float]) -> str:
        if run["p99_steady"] == float("inf"):
            return f"over {run['longest'] * 1000:.0f} ms (overloaded: {run['steady_rate']:.0f}/s sustained)"
        return f"{run['p99_steady'] * 1000:.1f} ms"

    # A closed loop is bound by all the CPU a reply takes on the machine (server, generator, database):
    # what a ratio of 0.4 leaves beyond the bare endpoint's own.
    bare_total = ceiling["server_cpu"] + ceiling["generator_cpu"]
    print(f"floor: a hand-written lower bound of the same reply (signature check, store and commit, one query, "
          f"score, answer, alert and outbox row, commit, enqueue) takes {1000 * steps['process']:.2f} ms CPU here"
          + (f" plus {1000 * steps['postgres']:.2f} ms of PostgreSQL's" if database_url.startswith("postgresql") else "")
          + f"; a ratio of 0.4 leaves "
          f"{1000 * (bare_total / 0.4 - bare_total):.2f} ms beyond the bare endpoint's {1000 * bare_total:.2f} ms "
          f"(server and load generator)")
    print(f"ratio {ratio:.2f} (target >= 0.4: {'met' if ratio >= 0.4 else 'missed'}); p99 at {args.rate:.0f}/s "
          f"{p99(village)} (target <= 50 ms: {'met' if village['p99_steady'] <= 0.05 else 'missed'}); "
          f"bare p99 at {args.rate:.0f}/s {p99(ceiling)}")
    print(f"webhook: ratio {ratio:.2f} vs bare endpoint ({village['rate']:.0f}/s vs {ceiling['rate']:.0f}/s), "
          f"p99 {p99(village)} at {args.rate:.0f}/s")
    return 0


def _outcome(url: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from service.db import session_scope
    from service.models import Alert, CheckIn

    with session_scope(url) as db:
        alerts = db.scalar(select(func.count()).select_from(Alert).where(Alert.level == "low")) or 0
        answered = db.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.state == "answered")) or 0
    return alerts, answered


if __name__ == "__main__":
    sys.exit(main())

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
latency counts from each request's due time. The last line is the headline.
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
            db_pids: list[int] | None = None) -> dict[str, float]:
    warm, rest = replies[:args.warmup], replies[args.warmup:]
    h.generate_load(url, warm, duration=30, processes=args.procs, threads=args.threads)
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
               "sent": closed.sent + steady.sent + len(warm), "bad": bad}
    # The unsent would have waited longer than any sent one: p99 counts them as endless.
    waits = steady.latencies + [float("inf")] * (steady.due - steady.sent)
    figures["p99_steady"] = h.percentile(waits, 99)
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
                              replies, h.process_tree(web.pid), args, h.postgres_backend_pids(database_url))
            web_rss = max(h.peak_rss_mb(p) for p in worker_pids(web.pid))
            alerts, answered = _outcome(database_url)
            print(f"  written: {alerts} low alerts with outbox rows, {answered} check-ins answered "
                  f"(replies sent: {village['sent']})")
            print(f"peak RSS per gunicorn worker: Village {web_rss:.0f} MB, bare {bare_rss:.0f} MB (target <= 150 MB)")
            procs.stop(web)
    finally:
        h.drop_database(database_url)

    ratio = village["rate"] / ceiling["rate"]

    def p99(run: dict[str, float]) -> str:
        if run["p99_steady"] == float("inf"):
            return f"over {run['longest'] * 1000:.0f} ms (overloaded: {run['steady_rate']:.0f}/s sustained)"
        return f"{run['p99_steady'] * 1000:.1f} ms"

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

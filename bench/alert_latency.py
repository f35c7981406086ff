"""Alert latency: from a low reply's POST to the buddy alert arriving at the Twilio simulator.

Run from the repo root: python bench/alert_latency.py [--replies 500] [--rate 20]

Village runs as in production: gunicorn (2 workers x 4 threads) on PostgreSQL (`village_bench`,
created and dropped here; SQLite with a note when PostgreSQL is unreachable), one idle `urgent`
worker (`python -m workers.worker --queue urgent`). The simulator runs inside this process, with
a hook that stamps each create request on arrival (its own `date_created` has one-second
resolution), on the same monotonic clock as the POSTs. Each reply comes from a different enrolled
mom with her own accepted buddy, so every reply raises exactly one alert and arrivals map back to
replies by the buddy's number.

The ceiling, measured first in the same run: the same urgent worker running a job that does only
the official twilio library's send to the simulator, enqueued from here at the same rate: RQ
plus the Twilio call, without Village's database work. The last line is the headline.
"""
from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _harness as h  # noqa: E402

_client: Any = None


def bare_send(to: str) -> str:
    """The ceiling's job (runs in the worker): one twilio-library send (with Village's HTTP client
    for it), nothing else."""
    global _client
    if _client is None:
        _client = h.plain_twilio_client(os.environ["TWILIO_API_BASE_URL"])
    return str(_client.messages.create(to=to, from_=h.DEV_FROM_NUMBER, body="bench").sid)


class Arrivals:
    """Stamps every Messages create request as it reaches the simulator, keyed by `To`."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def hook(self) -> None:
        import flask

        request = flask.request
        if request.method == "POST" and request.path.endswith("/Messages.json"):
            stamp = time.perf_counter()
            with self.lock:
                self.at.setdefault(request.form.get("To", ""), stamp)
                self.changed.notify_all()

    def wait_for(self, phones: list[str], timeout: float) -> int:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                missing = sum(1 for p in phones if p not in self.at)
                if missing == 0 or time.monotonic() >= deadline:
                    return len(phones) - missing
                self.changed.wait(0.2)


def start_simulator(workdir: Path, callback_url_base: str, arrivals: Arrivals) -> tuple[Any, str]:
    import logging

    from service.simulator import Simulator

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access line per simulated send
    sim = Simulator(h.simulator_db(), inbound_url=callback_url_base + "/twilio/inbound",
                    callback_delay=0.05)
    app = sim.wsgi_app()
    app.before_request(arrivals.hook)
    sim.wsgi_app = lambda: app  # type: ignore[method-assign]  # serve() builds its server from this
    return sim, sim.serve(port=h.port())


def paced(count: int, rate: float, action: Any, threads: int = 8) -> None:
    """Run action(i) for i in range(count), each at start + i/rate (open loop)."""
    start = time.perf_counter() + 0.2

    def run(i: int) -> None:
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        action(i)

    pool = ThreadPoolExecutor(threads)
    try:
        list(pool.map(run, range(count)))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # on Ctrl-C, drop what is not yet due


def rq_timings(redis_url: str, queue_name: str, func_name: str) -> tuple[list[float], list[float]]:
    """(enqueue-to-start, start-to-end) seconds of the finished jobs of one function."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    connection = Redis.from_url(redis_url)
    registry = FinishedJobRegistry(queue=Queue(queue_name, connection=connection))
    ids = registry.get_job_ids()
    waits, runs = [], []
    for start in range(0, len(ids), 200):
        for job in Job.fetch_many(ids[start:start + 200], connection=connection):
            if job is None or not job.func_name.endswith(func_name) or not job.enqueued_at:
                continue
            waits.append((job.started_at - job.enqueued_at).total_seconds())
            runs.append((job.ended_at - job.started_at).total_seconds())
    return waits, runs


def summary(label: str, values: list[float]) -> str:
    return (f"{label} p50 {h.fmt_ms(h.percentile(values, 50))}  p99 {h.fmt_ms(h.percentile(values, 99))}"
            f"  max {h.fmt_ms(max(values, default=float('nan')))}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--ceiling-jobs", type=int, default=200)
    args = parser.parse_args()

    workdir = h.bench_workdir("alerts")
    database_url, note = h.bench_database(workdir)
    print(f"alert latency bench: {args.replies} low replies at {args.rate:.0f}/s; gunicorn 2x4; one urgent worker; "
          f"database {note}")
    print(f"machine: {h.calibration()}")
    warm = 20
    count = warm + args.replies
    arrivals = Arrivals()
    sim = None
    try:
        with h.Processes(workdir) as procs:
            redis_url = h.start_private_redis(procs)
            h.migrate(database_url)
            h.seed_moms(database_url, count, now=datetime.now(timezone.utc))
            app_port = h.port()
            app_base = f"http://127.0.0.1:{app_port}"
            sim, sim_url = start_simulator(workdir, app_base, arrivals)
            env = h.service_env(database_url=database_url, redis_url=redis_url, public_base_url=app_base,
                                twilio_api_base_url=sim_url, workdir=workdir,
                                PYTHONPATH=str(HERE))  # so the worker can import this file's bare_send
            web = procs.start("web", h.gunicorn_argv("service:create_app()", app_port), env)
            urgent = procs.start("urgent", [h.python(), "-m", "workers.worker", "--queue", "urgent"], env)
            h.wait_http(app_base + "/healthz", processes=procs)

            # The ceiling: RQ + the twilio library, nothing of Village's.
            from redis import Redis
            from rq import Queue

            queue = Queue("urgent", connection=Redis.from_url(redis_url))
            bare_phones = [f"+1404{2000000 + i}" for i in range(args.ceiling_jobs + warm)]
            bare_enqueued: dict[str, float] = {}

            def enqueue(i: int) -> None:
                bare_enqueued[bare_phones[i]] = time.perf_counter()
                queue.enqueue("alert_latency.bare_send", bare_phones[i], result_ttl=600)

            paced(warm, args.rate, enqueue)
            arrivals.wait_for(bare_phones[:warm], 30)
            paced(args.ceiling_jobs, args.rate, lambda i: enqueue(warm + i))
            measured = bare_phones[warm:]
            got = arrivals.wait_for(measured, 60)
            bare = [arrivals.at[p] - bare_enqueued[p] for p in measured if p in arrivals.at]
            bare_waits, bare_runs = rq_timings(redis_url, "urgent", "bare_send")

            # Village: signed low replies through the webhook.
            local = threading.local()
            posted: dict[str, float] = {}
            answered: list[float] = []
            failures: list[int] = []
            replies = [h.signed_reply(app_base, i, h.LOW_REPLIES[i % len(h.LOW_REPLIES)]) for i in range(1, count + 1)]

            def reply(i: int) -> None:
                conn = getattr(local, "conn", None)
                if conn is None:
                    conn = local.conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)
                body, signature = replies[i]
                begin = time.perf_counter()
                posted[h.buddy_phone(i + 1)] = begin
                conn.request("POST", "/twilio/inbound", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                                "X-Twilio-Signature": signature})
                response = conn.getresponse()
                response.read()
                answered.append(time.perf_counter() - begin)
                if response.status != 200:
                    failures.append(response.status)

            paced(warm, args.rate, reply)
            arrivals.wait_for([h.buddy_phone(i + 1) for i in range(warm)], 30)
            answered.clear()
            web_cpu0, urgent_cpu0, busy0 = h.total_cpu(h.process_tree(web.pid)), h.cpu_seconds(urgent.pid), \
                h.machine_cpu_seconds()
            paced(args.replies, args.rate, lambda i: reply(warm + i))
            buddies = [h.buddy_phone(i + 1) for i in range(warm, count)]
            got_village = arrivals.wait_for(buddies, 60)
            sim.wait_idle(10)  # the status callbacks of the last sends belong to this run's cost
            web_cpu = (h.total_cpu(h.process_tree(web.pid)) - web_cpu0) / args.replies
            urgent_cpu = (h.cpu_seconds(urgent.pid) - urgent_cpu0) / args.replies
            busy1 = h.machine_cpu_seconds()
            busy = (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1e-9)
            village = [arrivals.at[p] - posted[p] for p in buddies if p in arrivals.at]
            waits, runs = rq_timings(redis_url, "urgent", "send_message")
            web_rss = max(h.peak_rss_mb(p) for p in h.process_tree(web.pid) if p != web.pid)
            urgent_rss = h.peak_rss_mb(urgent.pid)
    finally:
        if sim is not None:
            sim.shutdown()
        h.drop_database(database_url)

    print(f"ceiling (RQ job doing only the twilio send, enqueued here): {got}/{len(measured)} arrived")
    print("  " + summary("enqueue -> simulator", bare))
    print("  " + summary("RQ enqueue -> start", bare_waits))
    print("  " + summary("job run", bare_runs))
    print(f"Village (signed low reply -> webhook -> urgent worker -> simulator): {got_village}/{len(buddies)} "
          f"alerts arrived, {len(failures)} non-200 answers")
    print("  " + summary("POST -> alert at simulator", village))
    print("  " + summary("webhook answer", answered))
    print("  " + summary("RQ enqueue -> start", waits))
    print("  " + summary("send_message job run", runs))
    print(f"  CPU per alert: web {h.fmt_ms(web_cpu)} (the reply and the alert's two status callbacks; the `delivered` one is queued in Redis for a default worker, none of which runs here), "
          f"urgent worker {h.fmt_ms(urgent_cpu)}; one worker's CPU budget at {args.rate:.0f}/s is "
          f"{h.fmt_ms(1 / args.rate)} per alert; machine busy {100 * busy:.0f}% of 2 cores")
    print(f"peak RSS: urgent worker {urgent_rss:.0f} MB, gunicorn worker {web_rss:.0f} MB (target <= 150 MB)")
    p50, p99 = h.percentile(village, 50), h.percentile(village, 99)
    ratio = p50 / h.percentile(bare, 50)
    print(f"targets: p50 <= 30 ms ({'met' if p50 <= 0.030 else 'missed'}), "
          f"p99 <= 100 ms ({'met' if p99 <= 0.100 else 'missed'})")
    print(f"alert_latency: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms over {len(village)} alerts at "
          f"{args.rate:.0f}/s ({ratio:.1f}x the bare RQ+twilio p50 of {h.percentile(bare, 50) * 1000:.1f} ms)")
    return 0 if got_village == len(buddies) else 1


if __name__ == "__main__":
    sys.exit(main())

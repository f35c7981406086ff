"""Cost per check-in and send throughput with 1, 2 and 4 worker processes; peak RSS of each process.

Run from the repo root: python bench/cost.py [--checkins 1000] [--workers 1 2 4]

For each worker count, Village runs as in production on PostgreSQL (`village_bench`, created and
dropped here; SQLite with a note when PostgreSQL is unreachable): gunicorn (2 workers x 4
threads), the clock (`python -m workers.clock`) and N `default` workers, against the standalone
simulator (`python -m service.simulator`, status callbacks 50 ms apart). The moms are enrolled by
bulk insert as `pending` so nothing is due; once every process is up and idle, they are made
active and the clock's plan-checkins job is enqueued, as the clock would within 30 s. The run
ends when every check-in is planned, sent and marked delivered (the web queues the `delivered`
callbacks in Redis and a default worker's job writes them in bulk). CPU is
read from /proc for every Village process (web, clock, workers; not the simulator, Redis or
PostgreSQL, which are shown apart).

The ceiling, in the same run: the same number of plain processes sending the same count through
the official twilio library, with Village's HTTP client for it (service.messaging.PooledHttpClient),
to the same simulator, with no database, queue or callbacks.
The last line is the headline.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402
from service.queues import BATCH_SIZE  # noqa: E402


def _bare_sender(sim_url: str, phones: list[str], out: Any) -> None:
    client = h.plain_twilio_client(sim_url)
    client.messages.create(to="+14049999999", from_=h.DEV_FROM_NUMBER, body="warm")
    cpu0 = time.process_time()
    start = time.perf_counter()
    for phone in phones:
        client.messages.create(to=phone, from_=h.DEV_FROM_NUMBER, body="How are you today? Reply 1-5.")
    out.put((start, time.perf_counter(), time.process_time() - cpu0))


def bare_ceiling(sim_url: str, count: int, processes: int) -> tuple[float, float]:
    """(sends per second, CPU ms per send) of plain twilio-library senders."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    phones = [f"+1505{2000000 + i}" for i in range(count)]
    procs = [ctx.Process(target=_bare_sender, args=(sim_url, phones[p::processes], out), daemon=True)
             for p in range(processes)]
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
    span = max(r[1] for r in results) - min(r[0] for r in results)
    return count / span, 1000 * sum(r[2] for r in results) / count


def rq_noop_cost(redis_url: str, count: int = 300) -> float:
    """CPU ms per job that RQ itself spends (enqueue plus a SimpleWorker running a no-op job)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(redis_url)
    queue = Queue("noop", connection=connection)
    start = time.process_time()
    for _ in range(count):
        queue.enqueue("os.getpid", result_ttl=60)
    SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
    return 1000 * (time.process_time() - start) / count


def checkin_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from service.db import session_scope
    from service.models import Message

    with session_scope(url) as db:
        rows = db.execute(select(Message.status, func.count()).where(Message.kind == "checkin")
                          .group_by(Message.status)).all()
    return {status: n for status, n in rows}


def send_span(redis_url: str) -> tuple[float, int]:
    """Seconds from the first send job's start to the last one's end, and how many messages they
    carried (a batch job carries several)."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    connection = Redis.from_url(redis_url)
    ids = FinishedJobRegistry(queue=Queue("default", connection=connection)).get_job_ids()
    starts, ends = [], []
    carried = 0
    for i in range(0, len(ids), 200):
        for job in Job.fetch_many(ids[i:i + 200], connection=connection):
            if job is not None and job.func_name.endswith(("send_message", "send_batch")):
                starts.append(job.started_at)
                ends.append(job.ended_at)
                carried += len(job.args[0]) if job.func_name.endswith("send_batch") else 1
    if not starts:
        return float("nan"), 0
    return (max(ends) - min(starts)).total_seconds(), carried


def wait_workers(redis_url: str, count: int, procs: h.Processes) -> None:
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while len(Worker.all(connection=connection)) < count:
        procs.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not register within 60 s")
        time.sleep(0.1)


def one_run(args: argparse.Namespace, workers: int, database_url: str, redis_url: str, sim_url: str,
            sim_pid: int, procs: h.Processes) -> dict[str, Any]:
    from redis import Redis
    from rq import Queue
    from sqlalchemy import update

    from service.db import session_scope
    from service.models import Member

    h.truncate_all(database_url)
    Redis.from_url(redis_url).flushdb()
    now = datetime.now(timezone.utc)
    due = (now - timedelta(minutes=2)).strftime("%H:%M")
    h.seed_moms(database_url, args.checkins, now=now, status="pending", open_checkin=False,
                checkin_time=due, zone="UTC")
    app_port = h.port()
    app_base = f"http://127.0.0.1:{app_port}"
    env = h.service_env(database_url=database_url, redis_url=redis_url, public_base_url=app_base,
                        twilio_api_base_url=sim_url, workdir=procs.workdir)
    web = procs.start(f"web-{workers}", h.gunicorn_argv("service:create_app()", app_port), env)
    clock = procs.start(f"clock-{workers}", [h.python(), "-m", "workers.clock"], env)
    rq_workers = [procs.start(f"worker-{workers}-{i}", [h.python(), "-m", "workers.worker", "--queue", "default"], env)
                  for i in range(workers)]
    h.wait_http(app_base + "/healthz", processes=procs)
    wait_workers(redis_url, workers, procs)
    time.sleep(1.5)  # the clock's first tick and its periodic jobs run before the baseline

    groups = {"web": lambda: h.process_tree(web.pid), "clock": lambda: [clock.pid],
              "workers": lambda: [w.pid for w in rq_workers]}
    watches = {name: h.CpuWatch(pids) for name, pids in groups.items()}
    watches["simulator"] = h.CpuWatch(lambda: [sim_pid])
    watches["postgres"] = h.CpuWatch(lambda: h.postgres_backend_pids(database_url))
    for watch in watches.values():
        watch.sample()
    busy0 = h.machine_cpu_seconds()
    start = time.perf_counter()
    with session_scope(database_url) as db:
        db.execute(update(Member).values(status="active"))
    Queue("default", connection=Redis.from_url(redis_url)).enqueue(
        "workers.periodic.plan_checkins", job_timeout=120, result_ttl=60, description="periodic plan-checkins")
    sent_at = delivered_at = None
    deadline = start + args.timeout
    counts: dict[str, int] = {}
    while time.perf_counter() < deadline:
        time.sleep(0.1)
        for watch in watches.values():
            watch.sample()
        counts = checkin_counts(database_url)
        done_sending = sum(n for s, n in counts.items() if s in ("sent", "delivered"))
        if sent_at is None and done_sending >= args.checkins:
            sent_at = time.perf_counter()
        if counts.get("delivered", 0) >= args.checkins:
            delivered_at = time.perf_counter()
            break
        procs.check_alive()
    busy1 = h.machine_cpu_seconds()
    for watch in watches.values():
        watch.sample()
    span, jobs = send_span(redis_url)
    rss = {"web": max(h.peak_rss_mb(p) for p in h.process_tree(web.pid) if p != web.pid),
           "worker": max(h.peak_rss_mb(w.pid) for w in rq_workers), "clock": h.peak_rss_mb(clock.pid)}
    for process in [*rq_workers, clock, web]:
        procs.stop(process)
    if delivered_at is None:
        raise RuntimeError(f"not every check-in was delivered within {args.timeout} s: {counts}")
    elapsed = delivered_at - start
    return {"workers": workers, "cpu": {k: w.used() for k, w in watches.items()}, "elapsed": elapsed,
            "to_sent": (sent_at or delivered_at) - start, "span": span, "jobs": jobs,
            "busy": (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1e-9), "rss": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 1,000 per run: over a run of a few seconds, what idle processes spend each second (heartbeats,
    # the clock's ticks) would weigh on the per-check-in figure more than the check-ins themselves.
    parser.add_argument("--checkins", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()

    workdir = h.bench_workdir("cost")
    database_url, note = h.bench_database(workdir)
    print(f"cost bench: {args.checkins} check-ins per run, planned, sent and status-updated; web gunicorn 2x4, "
          f"one clock, N default workers; database {note}")
    print(f"machine: {h.calibration()}")
    runs, ceilings = [], {}
    try:
        with h.Processes(workdir) as procs:
            redis_url = h.start_private_redis(procs)
            h.migrate(database_url)
            sim_port = h.port()
            sim_url = f"http://127.0.0.1:{sim_port}"
            sim = procs.start("simulator", [h.python(), "-m", "service.simulator", "--port", str(sim_port),
                                            "--db", h.simulator_db(), "--callback-delay", "0.05",
                                            "--inbound-url", "http://127.0.0.1:9/twilio/inbound"],
                              h.service_env(database_url=database_url, redis_url=redis_url,
                                            public_base_url="http://127.0.0.1:9", twilio_api_base_url=sim_url,
                                            workdir=workdir))
            h.wait_http(sim_url + "/_sim/messages", processes=procs)
            rq_noop = rq_noop_cost(redis_url)
            for workers in args.workers:
                ceilings[workers] = bare_ceiling(sim_url, args.checkins, workers)
                runs.append(one_run(args, workers, database_url, redis_url, sim_url, sim.pid, procs))
    finally:
        h.drop_database(database_url)

    n = args.checkins
    print(f"{'workers':>7} {'sends/s':>8} {'bare/s':>7} {'ratio':>5} {'all sent':>9} {'all delivered':>13} "
          f"{'Village CPU/check-in':>21} {'(web':>6} {'workers':>7} {'clock)':>6} {'simulator':>9} {'postgres':>8} "
          f"{'bare CPU/send':>13} {'machine busy':>12}")
    for run in runs:
        cpu = run["cpu"]
        village = cpu["web"] + cpu["workers"] + cpu["clock"]
        rate = run["jobs"] / run["span"]
        bare_rate, bare_cpu = ceilings[run["workers"]]
        print(f"{run['workers']:>7} {rate:>8.1f} {bare_rate:>7.1f} {rate / bare_rate:>5.2f} {run['to_sent']:>8.1f}s "
              f"{run['elapsed']:>12.1f}s {1000 * village / n:>18.2f} ms {1000 * cpu['web'] / n:>6.2f} "
              f"{1000 * cpu['workers'] / n:>7.2f} {1000 * cpu['clock'] / n:>6.2f} {1000 * cpu['simulator'] / n:>6.2f} ms "
              f"{1000 * cpu['postgres'] / n:>5.2f} ms {bare_cpu:>10.2f} ms {100 * run['busy']:>11.0f}%")
    print("(sends/s: messages the send jobs carried / first job start to last job end; 'all sent'/'all delivered': seconds from "
          "enqueueing the planner; CPU per check-in over the whole run, planning, both status callbacks and the jobs writing the delivered statuses included)")
    print(f"for reference: RQ's own cost per job (enqueue + SimpleWorker running a no-op job, one process): "
          f"{rq_noop:.2f} ms CPU; check-ins planned together go {BATCH_SIZE} to a job")
    total = max(1000 * sum(r["cpu"].values()) / n for r in runs)
    print(f"all processes together (Village, simulator, PostgreSQL backends) need up to {total:.1f} ms CPU per "
          f"check-in: at most {2000 / total:.0f} check-ins/s on 2 cores if nothing else ran on the machine")
    rss = {k: max(r["rss"][k] for r in runs) for k in ("web", "worker", "clock")}
    print(f"peak RSS: gunicorn worker {rss['web']:.0f} MB, RQ worker {rss['worker']:.0f} MB, clock {rss['clock']:.0f} MB "
          f"(target <= 150 MB each)")
    cpu_per = [1000 * (r["cpu"]["web"] + r["cpu"]["workers"] + r["cpu"]["clock"]) / n for r in runs]
    rates = " / ".join(f"{r['jobs'] / r['span']:.0f}" for r in runs)
    ratios = " / ".join(f"{(r['jobs'] / r['span']) / ceilings[r['workers']][0]:.2f}" for r in runs)
    best = min(cpu_per)
    print(f"target <= 5 ms CPU per check-in: {'met' if max(cpu_per) <= 5 else 'missed'}")
    print(f"cost: {best:.1f}-{max(cpu_per):.1f} ms CPU per check-in; sends/s with "
          f"{'/'.join(str(r['workers']) for r in runs)} workers {rates} (ratio to bare twilio senders {ratios}); "
          f"peak RSS web {rss['web']:.0f} MB, worker {rss['worker']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make run` (scripts/dev.py) brings the whole service up, and stops all of it on SIGTERM as on Ctrl-C:
a process manager or a closed terminal signals dev.py alone, not its process group."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from service.redis_server import free_port, start_redis

ROOT = Path(__file__).resolve().parents[2]


def _processes_with(marker: str) -> list[int]:
    """Every live process whose environment holds `marker`: dev.py and all it started, even those
    honcho put in sessions of their own, and even once orphaned."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_make_run_comes_up_and_a_sigterm_to_it_alone_stops_every_process(tmp_path: Path) -> None:
    redis, redis_url = start_redis(tmp_path / "redis")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_", "REDIS_"))}
    run_id = uuid.uuid4().hex
    marker = f"VILLAGE_MAKE_RUN_TEST={run_id}"
    env.update(PORT=str(port), REDIS_URL=redis_url, DATABASE_URL=f"sqlite:///{tmp_path / 'village.db'}",
               SIMULATOR_DB=str(tmp_path / "simulator.db"), SPOOL_DIR=str(tmp_path / "spool"),
               VILLAGE_MAKE_RUN_TEST=run_id)
    with (tmp_path / "dev.log").open("wb") as log:
        dev = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "dev.py")], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not _healthy(f"http://127.0.0.1:{port}/healthz"):
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()
            assert time.monotonic() < deadline, "make run did not answer /healthz within 90 s"
            time.sleep(0.5)
        # dev.py, honcho, gunicorn's arbiter and a worker, two RQ workers and the clock.
        assert len(_processes_with(marker)) >= 6, (tmp_path / "dev.log").read_text()

        dev.send_signal(signal.SIGTERM)
        assert dev.wait(timeout=30) is not None
        deadline = time.monotonic() + 20
        while _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_with(marker) == [], "processes left running after SIGTERM"
    finally:
        for pid in _processes_with(marker):
            os.kill(pid, signal.SIGKILL)
        redis.terminate()
        redis.wait(timeout=10)

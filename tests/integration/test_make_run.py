"""`make run` (scripts/dev.py) brings the whole service up, and stops all of it on SIGTERM as on Ctrl-C:
a process manager or a closed terminal signals dev.py alone, not its process group. Every process
sees `.env` as the app's own loader reads it, a malformed setting stops it with one line, and the
"Try it" command it prints works pasted as it is."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import fields
from pathlib import Path
from typing import Callable

import pytest

from service.redis_server import free_port, start_redis
from service.texts import render, variants

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


# ---------------------------------------------------------------- .env, config errors and the "Try it" hint
# These run dev.py in a copy of the code with its own `.env` (never the checkout's), as `make run` would.

HELP_CONTACT = "call or text Maria at 202-555-0100"
# Exactly the lines .env.example shows for these two settings.
DOTENV = f"""HELP_CONTACT={HELP_CONTACT}
CRISIS_LINES={{"FR": ["call 3114", "112"]}}
"""
CODE = ["service", "workers", "scripts", "migrations", "templates", "static", "Procfile", "alembic.ini",
        "gunicorn.conf.py"]


def _checkout(tmp_path: Path, dotenv: str) -> Path:
    copy = tmp_path / "village"
    copy.mkdir()
    for name in CODE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    (copy / ".env").write_text(dotenv)
    return copy


def _clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any Village setting: `.env` alone speaks (plus `extra`)."""
    from service.config import Settings

    names = {f.name.upper() for f in fields(Settings)} | {"PORT", "WEB_HOST", "WEB_CONCURRENCY", "PROCFILE"}
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith(("FLASK_", "TWILIO_"))}
    env.update(extra)
    return env


def _wait_until(predicate: Callable[[], object], what: str, dev: subprocess.Popen[bytes], log: Path) -> None:
    """Polls until `predicate()` holds; fails at once if dev.py has exited. The long bound only keeps a
    hung run from hanging the suite: nothing here depends on how fast anything is."""
    give_up = time.monotonic() + 180
    while not predicate():
        assert dev.poll() is None, f"make run exited ({dev.returncode}) before {what}:\n{log.read_text()}"
        assert time.monotonic() < give_up, f"never saw {what}:\n{log.read_text()}"
        time.sleep(0.3)


def _stop(dev: subprocess.Popen[bytes], marker: str) -> None:
    if dev.poll() is None:
        dev.send_signal(signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    for pid in _processes_with(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


ENV_DUMP = """import json, os, sys, time
path = os.path.join("var", "env-%s.json" % sys.argv[1])
with open(path + ".part", "w") as f:
    json.dump(dict(os.environ), f)
os.replace(path + ".part", path)
time.sleep(3600)
"""


def test_every_process_sees_the_env_file_exactly_as_the_app_reads_it(tmp_path: Path, redis_url: str) -> None:
    # honcho reads `.env` too by default, shell-style, and its values won: the moms' HELP reply said
    # "callortextMariaat202-555-0100" and CRISIS_LINES lost its quotes (web and workers crashed).
    copy = _checkout(tmp_path, DOTENV + "LOG_LEVEL=DEBUG\nNOTE='kept # as written'\n")
    (copy / "envdump.py").write_text(ENV_DUMP)
    (copy / "Procfile").write_text("".join(f"{name}: python envdump.py {name}\n"
                                           for name in ("web", "worker", "urgent", "scheduler")))
    run_id = uuid.uuid4().hex
    marker = f"VILLAGE_MAKE_RUN_TEST={run_id}"
    env = _clean_env(PORT=str(free_port()), REDIS_URL=redis_url, LOG_LEVEL="WARNING", VILLAGE_MAKE_RUN_TEST=run_id)
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        dev = subprocess.Popen([sys.executable, str(copy / "scripts" / "dev.py")], cwd=copy, env=env,
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    dumps = [copy / "var" / f"env-{name}.json" for name in ("web", "worker", "urgent", "scheduler")]
    try:
        _wait_until(lambda: all(d.exists() for d in dumps), "every process's environment", dev, log)
        from dotenv import dotenv_values

        loaded = dotenv_values(copy / ".env")  # what service.config.load_dotenv_file reads
        for dump in dumps:
            seen = json.loads(dump.read_text())
            assert {k: seen.get(k) for k in ("HELP_CONTACT", "CRISIS_LINES", "NOTE")} == {
                k: loaded[k] for k in ("HELP_CONTACT", "CRISIS_LINES", "NOTE")}, dump.name
            assert seen["HELP_CONTACT"] == HELP_CONTACT
            assert json.loads(seen["CRISIS_LINES"]) == {"FR": ["call 3114", "112"]}
            assert seen["NOTE"] == "kept # as written"
            assert seen["LOG_LEVEL"] == "WARNING", "the environment wins over .env, as for the flask CLI"
    finally:
        _stop(dev, marker)


def test_make_run_with_the_example_env_lines_answers_help_and_its_try_it_command_works_pasted(tmp_path: Path) -> None:
    copy = _checkout(tmp_path, DOTENV)
    port = free_port()
    run_id = uuid.uuid4().hex
    marker = f"VILLAGE_MAKE_RUN_TEST={run_id}"
    terminal = _clean_env()  # another terminal: the hint must carry whatever else it needs
    env = {**terminal, "PORT": str(port), "VILLAGE_MAKE_RUN_TEST": run_id}  # no REDIS_URL: a private Redis
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        dev = subprocess.Popen([sys.executable, str(copy / "scripts" / "dev.py")], cwd=copy, env=env,
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    amanda, sarah = "+12025550143", "+12025550178"

    def texts(to: str, direction: str) -> list[str]:
        query = urllib.parse.urlencode({"to": to, "direction": direction})
        with urllib.request.urlopen(f"{base}/sim/_sim/messages?{query}", timeout=10) as response:
            return [m["body"] for m in json.load(response)["messages"]]

    def reply(number: str, body: str) -> None:
        data = urllib.parse.urlencode({"Body": body}).encode()
        with urllib.request.urlopen(f"{base}/sim/phone/{urllib.parse.quote(number)}", data=data, timeout=30):
            pass  # the simulator posts it to Village and records the answer before it redirects

    try:
        _wait_until(lambda: _healthy(f"{base}/healthz"), "/healthz answering", dev, log)
        reply(amanda, "HELP")
        assert any(body.endswith(f"Questions: {HELP_CONTACT}") for body in texts(amanda, "outbound-reply")), \
            texts(amanda, "outbound-reply")

        reply(amanda, "YES")
        reply(sarah, "YES")
        lines = log.read_text().splitlines()
        hint = lines[[i for i, line in enumerate(lines) if line.startswith("Try it")][0] + 1].strip()
        pasted = subprocess.run(["bash", "-c", hint], cwd=copy, env=terminal, capture_output=True, text=True,
                                timeout=120)
        assert pasted.returncode == 0 and "queued" in pasted.stdout, (hint, pasted.stdout, pasted.stderr)
        # Queued on the Redis make run's workers listen to: the check-in reaches Amanda's phone.
        checkins = {render("checkin", variant=i, name="Amanda") for i in range(variants("checkin"))}
        _wait_until(lambda: checkins & set(texts(amanda, "outbound-api")), "the check-in on Amanda's phone",
                    dev, log)
    finally:
        _stop(dev, marker)
    assert _processes_with(marker) == []


@pytest.mark.parametrize("line, name", [
    ("LOG_LEVEL=LOUD", "LOG_LEVEL"),
    ("CRISIS_LINES=[1]", "CRISIS_LINES"),
    ("CHECKIN_VALIDITY_SECONDS=two hours", "CHECKIN_VALIDITY_SECONDS"),
    ("DATABASE_URL=village.db", "DATABASE_URL"),
])
def test_a_malformed_setting_stops_make_run_with_one_line_before_anything_starts(
        tmp_path: Path, line: str, name: str) -> None:
    copy = _checkout(tmp_path, line + "\n")
    finished = subprocess.run([sys.executable, str(copy / "scripts" / "dev.py")], cwd=copy, env=_clean_env(),
                              capture_output=True, text=True, timeout=120, start_new_session=True)

    assert finished.returncode != 0
    assert finished.stdout == ""
    assert len(finished.stderr.splitlines()) == 1 and name in finished.stderr, finished.stderr
    assert not (copy / "var").exists(), "nothing (Redis, the database) was started"

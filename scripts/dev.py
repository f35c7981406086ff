"""`make run`: the whole service locally on embedded defaults.

Reads `.env` once, with the same loader as the app and the `flask` CLI (service.config.load_dotenv_file:
python-dotenv, the environment winning), and hands every process exactly that environment: honcho is
told to read no env file of its own (it would parse `.env` again, its own way, and override). A
malformed setting stops start-up with one line on stderr, before anything is started.

Then starts a private Redis server when REDIS_URL is unset, migrates the database once, seeds the
demo people, and runs the Procfile's processes (all but `release`, which honcho would treat as a
process that exits) until Ctrl-C, SIGTERM or SIGHUP.
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.cli import DEMO_MOM  # noqa: E402
from service.config import VAR_DIR, ConfigError, Settings, load_dotenv_file, load_settings  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.redis_server import start_redis  # noqa: E402

PROCESSES = ["web", "worker", "urgent", "scheduler"]
SETTING_NAMES = {f.name.upper() for f in fields(Settings)}


def main() -> int:
    load_dotenv_file()
    env = dict(os.environ)
    port = env.setdefault("PORT", "5000")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("WEB_HOST", "127.0.0.1")  # the simulator has no login: keep it off the network
    # A newcomer trying the demo at night would otherwise wait until 08:00 for the welcome text.
    env.setdefault("QUIET_HOURS", "off")
    try:
        load_settings(env)  # every value checked before anything starts
    except ConfigError as exc:
        return _fail(f"{exc} (from the environment or {ROOT / '.env'})")
    VAR_DIR.mkdir(exist_ok=True)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    redis_process = None
    # Until honcho runs, a SIGTERM or SIGHUP ends this script through its `finally` (Redis stopped).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    if not env.get("REDIS_URL"):
        redis_process, env["REDIS_URL"] = start_redis(VAR_DIR / "redis", persist=True)
        print(f"Started a private Redis server at {env['REDIS_URL']} (data in var/redis)", flush=True)
    try:
        settings = load_settings(env)
        upgrade(settings.database_url)
        seed = subprocess.run([sys.executable, "-m", "flask", "--app", "service", "demo", "seed"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        # Its own "Try it" line names a bare `flask` that would reach another Redis: ours replaces it.
        print("".join(line for line in seed.stdout.splitlines(keepends=True) if not line.startswith("Try it")),
              end="", flush=True)
        if seed.returncode != 0:
            return _fail(f"`flask --app service demo seed` failed (exit {seed.returncode}); see above")
        if settings.use_simulator:
            print(try_it(env), flush=True)
        print("Starting web, worker, urgent and scheduler. Ctrl-C stops everything.\n", flush=True)
        # `-e os.devnull`: honcho would otherwise read `.env` itself (shell-style: "call or text Maria"
        # became "callortextMaria", JSON lost its quotes) and override what the processes inherit.
        command = [sys.executable, "-m", "honcho", "start", "-e", os.devnull, "-f", str(ROOT / "Procfile"),
                   "-p", port, *PROCESSES]
        honcho = subprocess.Popen(command, env=env, cwd=ROOT)
        # Ctrl-C reaches every process in the terminal's group; a SIGTERM or SIGHUP (a process
        # manager, a closed terminal) reaches only this one: pass it on, and honcho stops the rest.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda _signum, _frame: honcho.terminate())
        while True:
            try:
                return honcho.wait()
            except KeyboardInterrupt:
                continue  # honcho got the same Ctrl-C and is stopping its processes
    except ConfigError as exc:  # not expected after the check above; still one line
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)


def try_it(env: Mapping[str, str]) -> str:
    """The demo hint, with a command that works pasted as it is into another terminal: this venv's
    flask, and the settings this script added (the private Redis's URL above all), since that
    terminal has only the environment and `.env`."""
    added = {name: value for name, value in env.items()
             if name in SETTING_NAMES and os.environ.get(name) != value}
    flask = Path(sys.executable).parent / "flask"
    program = [str(flask)] if flask.is_file() else [sys.executable, "-m", "flask"]
    if Path(program[0]).is_relative_to(ROOT) and Path.cwd().resolve() == ROOT:
        program[0] = os.path.relpath(program[0], ROOT)
    words = [f"{name}={shlex.quote(value)}" for name, value in sorted(added.items())]
    words += [shlex.quote(word) for word in [*program, "--app", "service", "checkins", "send-now",
                                             "--phone", DEMO_MOM.phone]]
    command = " ".join(words)
    if Path.cwd().resolve() != ROOT:
        command = f"cd {shlex.quote(str(ROOT))} && {command}"
    return f"Try it: reply YES on both phones, then send Amanda a check-in and answer it:\n    {command}"


def _fail(message: str) -> int:
    print(f"make run: {message}", file=sys.stderr, flush=True)
    return 2


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())

"""`make run`: the whole service locally on embedded defaults.

Starts a private Redis server when REDIS_URL is unset, migrates the database
once, seeds the demo people, then runs the Procfile's processes (all but
`release`, which honcho would treat as a process that exits) until Ctrl-C, SIGTERM or SIGHUP.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.config import VAR_DIR, load_dotenv_file, load_settings  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.redis_server import start_redis  # noqa: E402

PROCESSES = ["web", "worker", "urgent", "scheduler"]


def main() -> int:
    load_dotenv_file()
    VAR_DIR.mkdir(exist_ok=True)
    env = dict(os.environ)
    port = env.setdefault("PORT", "5000")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("WEB_HOST", "127.0.0.1")  # the simulator has no login: keep it off the network
    # A newcomer trying the demo at night would otherwise wait until 08:00 for the welcome text.
    env.setdefault("QUIET_HOURS", "off")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    redis_process = None
    # Until honcho runs, a SIGTERM or SIGHUP ends this script through its `finally` (Redis stopped).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    if not env.get("REDIS_URL"):
        redis_process, env["REDIS_URL"] = start_redis(VAR_DIR / "redis", persist=True)
        print(f"Started a private Redis server at {env['REDIS_URL']} (data in var/redis)")
    try:
        settings = load_settings(env)
        upgrade(settings.database_url)
        subprocess.run([sys.executable, "-m", "flask", "--app", "service", "demo", "seed"],
                       env=env, cwd=ROOT, check=True)
        print("Starting web, worker, urgent and scheduler. Ctrl-C stops everything.\n")
        command = [sys.executable, "-m", "honcho", "start", "-f", str(ROOT / "Procfile"), "-p", port, *PROCESSES]
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
    except KeyboardInterrupt:
        return 130
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())

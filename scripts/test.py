"""`make test`: the whole suite, on SQLite always and on PostgreSQL when a server is reachable.

Extra arguments go to pytest. Exits with pytest's status.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def ensure_chromium() -> None:
    """The browser test drives Debian's Chromium: install it where we can (root with apt-get), quietly."""
    if os.path.exists("/usr/bin/chromium") or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "check": False}
    print("installing chromium for the browser test (apt-get)…", flush=True)
    if subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], **quiet).returncode != 0:  # type: ignore[call-overload]
        subprocess.run(["apt-get", "update", "-qq"], **quiet)  # type: ignore[call-overload]
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], **quiet)  # type: ignore[call-overload]


def main() -> int:
    os.chdir(ROOT)
    ensure_chromium()
    for name in ("TWILIO_REGION", "TWILIO_EDGE", "TWILIO_ACCOUNT_SID", "DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)  # tests build their own settings; these would only confuse them
    return int(pytest.main(["-p", "no:cacheprovider", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())

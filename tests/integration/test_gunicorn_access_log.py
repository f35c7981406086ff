"""gunicorn writes an access line only when asked (--access-logfile), then in Village's format: two
status callbacks per text sent must not each cost a log line nobody asked for."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, gunicorn_env


def served_lines(tmp_path: Path, *extra: str) -> list[dict[str, str]]:
    """The JSON lines gunicorn's stderr holds after one unsigned status callback (refused: 403)."""
    root = Path(__file__).resolve().parents[2]
    port = free_port()
    env = gunicorn_env(tmp_path, port)
    log = tmp_path / "web.log"
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", *extra,
                            "service:create_app()"], cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/twilio/status", data=b"MessageSid=SM1", timeout=2)
            except urllib.error.HTTPError as refused:
                assert refused.code == 403
                break
            except OSError:
                assert web.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=30)
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize(("extra", "access_lines"), [((), 0), (("--access-logfile", "-"), 1)],
                         ids=["by default", "with --access-logfile"])
def test_gunicorn_writes_an_access_line_only_when_asked(tmp_path: Path, extra: tuple[str, ...],
                                                        access_lines: int) -> None:
    entries = served_lines(tmp_path, *extra)
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert len(access) == access_lines, entries
    assert all("POST /twilio/status" in e["msg"] and '" 403 ' in e["msg"] for e in access)

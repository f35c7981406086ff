"""Production shape: migrations match the models, retention erases old bodies, logs mask numbers."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from service.db import engine_for
from service.logs import JsonFormatter, MaskingFilter
from service.models import Base, Message
from service.retention import erase_old_bodies
from tests.conftest import MOM


def test_the_migrations_and_the_models_agree(settings: Any) -> None:
    with engine_for(settings.database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Type-affinity noise aside, nothing may differ: every model change has its migration.
    assert [d for d in diff if d[0] not in ("modify_type",)] == []


def test_retention_erases_old_bodies_and_keeps_the_metadata(db: Any) -> None:
    now = datetime.now(timezone.utc)
    with db() as s:
        for age in (91, 89):
            s.add(Message(direction="in", status="received", to_addr="+15005550006", from_addr=MOM.phone,
                          body=f"{age} days old", kind="inbound", mood_level="low",
                          created_at=now - timedelta(days=age)))
    with db() as s:
        assert erase_old_bodies(s, 90, now) == 1
    with db() as s:
        rows = s.execute(select(Message.body, Message.mood_level).order_by(Message.created_at)).all()
    assert [tuple(r) for r in rows] == [(None, "low"), ("89 days old", "low")]


def test_json_logs_mask_numbers_and_carry_a_trace_id() -> None:
    record = logging.LogRecord("village", logging.INFO, __file__, 1, "texted %s", (MOM.phone,), None)
    MaskingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert MOM.phone not in entry["msg"] and entry["msg"].endswith("0143") and entry["trace_id"] == "-"


def test_gunicorns_own_lines_are_json_too_and_mask_numbers(tmp_path: Path) -> None:
    """With LOG_FORMAT=json every line on the web process's stderr is a JSON object, gunicorn's
    boot and shutdown lines included, and no whole phone number appears."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.conftest import free_port, gunicorn_env

    root = Path(__file__).resolve().parents[2]
    port = free_port()
    env = gunicorn_env(tmp_path, port)
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                            "service:create_app()"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                           stderr=(tmp_path / "web.log").open("wb"))
    try:
        form = urllib.parse.urlencode({"From": MOM.phone, "Body": "hi", "MessageSid": "SM" + "0" * 32}).encode()
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/twilio/inbound", data=form, timeout=2)
            except urllib.error.HTTPError as refused:
                assert refused.code == 403  # unsigned: logged, refused
                break
            except OSError:
                assert web.poll() is None and time.monotonic() < deadline, (tmp_path / "web.log").read_text()
                time.sleep(0.3)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=30)
    lines = [line for line in (tmp_path / "web.log").read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # raises on any line that is not JSON
    loggers = {e["logger"] for e in entries}
    assert "gunicorn.error" in loggers and "service.webhooks" in loggers, loggers
    assert not any(MOM.phone in line or MOM.phone[1:] in line for line in lines)

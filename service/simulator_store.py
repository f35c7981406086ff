"""SQLite-backed state of the Twilio simulator: messages, accepted requests, faults.

The simulator can be mounted in a multi-process web server (gunicorn), so every
piece of state lives in one SQLite file that all processes share. Each call opens
its own short-lived connection: sqlite3 connections must not cross threads, and a
fresh connection always sees what other processes committed.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "from" TEXT,
    body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    error_code INTEGER,
    num_segments INTEGER NOT NULL DEFAULT 1,
    num_media INTEGER NOT NULL DEFAULT 0,
    content_sid TEXT,
    content_variables TEXT,
    messaging_service_sid TEXT,
    validity_period INTEGER,
    status_callback TEXT,
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_to ON messages ("to");
CREATE INDEX IF NOT EXISTS messages_from ON messages ("from");
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "from" TEXT,
    params TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    config TEXT NOT NULL,
    draws INTEGER NOT NULL DEFAULT 0
);
"""

# Final statuses never move backwards, mirroring how Village must treat callbacks.
_FINAL_STATUSES = ("delivered", "undelivered", "failed", "read")


@dataclass(frozen=True)
class Faults:
    """Fault injection settings; the same keys as `Simulator.set_faults` and POST /_sim/faults."""

    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500,)
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    delay_ms: int = 0
    number_errors: dict[str, int] = field(default_factory=dict)
    delivery_errors: dict[str, int] = field(default_factory=dict)
    seed: int | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Faults:
        """Build from JSON-ish input; unknown keys are an error so typos don't silently do nothing."""
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError("unknown fault keys: %s" % ", ".join(sorted(unknown)))
        seed = raw.get("seed")
        return cls(
            error_rate=float(raw.get("error_rate", 0.0)),
            error_statuses=tuple(int(s) for s in raw.get("error_statuses", (500,))) or (500,),
            timeout_rate=float(raw.get("timeout_rate", 0.0)),
            timeout_seconds=float(raw.get("timeout_seconds", 30.0)),
            delay_ms=int(raw.get("delay_ms", 0)),
            number_errors={str(k): int(v) for k, v in (raw.get("number_errors") or {}).items()},
            delivery_errors={str(k): int(v) for k, v in (raw.get("delivery_errors") or {}).items()},
            seed=None if seed is None else int(seed),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["error_statuses"] = list(self.error_statuses)
        return data


@dataclass(frozen=True)
class Draw:
    """One create request's random outcome, decided before the request is handled."""

    error_status: int | None
    timeout: bool


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """Fixed-width UTC timestamps, so SQLite can compare them as plain strings."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


class SimulatorStore:
    """All simulator state, in one SQLite file shared by threads and processes."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        # Several processes may open a new file at once (gunicorn's workers each mount the
        # simulator): switching it to WAL needs a lock SQLite does not wait for, so try again.
        deadline = time.monotonic() + 10
        while True:
            try:
                with self._connect() as conn:
                    # WAL lets the phone page read while a worker process writes; it stays set in the file.
                    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.db_path, timeout=10.0, isolation_level=None)) as conn:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so read-then-write steps can't interleave.
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- messages -------------------------------------------------------------

    def add_message(self, message: dict[str, Any], params: dict[str, Any] | None = None) -> None:
        """Store a message; with `params` it also logs the accepted API request, atomically."""
        columns = ", ".join('"%s"' % key for key in message)
        marks = ", ".join("?" for _ in message)
        with self._transaction() as conn:
            conn.execute("INSERT INTO messages (%s) VALUES (%s)" % (columns, marks), tuple(message.values()))
            if params is not None:
                conn.execute(
                    'INSERT INTO requests (sid, "to", "from", params, received_at) VALUES (?, ?, ?, ?, ?)',
                    (message["sid"], message["to"], message.get("from"), json.dumps(params), message["date_created"]),
                )

    def update_status(self, sid: str, status: str, error_code: int | None = None) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE messages SET status = ?, error_code = ?, date_updated = ? "
                "WHERE sid = ? AND status NOT IN (%s)" % ", ".join("?" for _ in _FINAL_STATUSES),
                (status, error_code, iso(utcnow()), sid, *_FINAL_STATUSES),
            )

    def get_message(self, sid: str) -> dict[str, Any] | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM messages WHERE sid = ?", (sid,)).fetchone()
        return None if row is None else dict(row)

    def find_messages(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        direction: str | None = None,
        party: str | None = None,
        sent_after: str | None = None,
        sent_before: str | None = None,
        newest_first: bool = False,
        limit: int = -1,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Messages matching every given filter; `party` matches either end of the conversation."""
        clauses: list[str] = []
        args: list[Any] = []
        for sql, value in (
            ('"to" = ?', to),
            ('"from" = ?', from_),
            ("direction = ?", direction),
            ("date_created >= ?", sent_after),
            ("date_created <= ?", sent_before),
        ):
            if value is not None:
                clauses.append(sql)
                args.append(value)
        if party is not None:
            clauses.append('("to" = ? OR "from" = ?)')
            args.extend((party, party))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        order = "DESC" if newest_first else "ASC"
        query = "SELECT * FROM messages %s ORDER BY seq %s LIMIT ? OFFSET ?" % (where, order)
        with self._connect() as conn:
            rows = conn.execute(query, (*args, limit, offset)).fetchall()
        return [dict(row) for row in rows]

    def phone_numbers(self, village_numbers: set[str]) -> list[str]:
        """Every number that has exchanged messages, most recently active first."""
        with self._connect() as conn:
            rows = conn.execute(
                'SELECT CASE WHEN direction = \'inbound\' THEN "from" ELSE "to" END AS phone, MAX(seq) AS last '
                "FROM messages GROUP BY phone ORDER BY last DESC"
            ).fetchall()
        return [row["phone"] for row in rows if row["phone"] not in village_numbers]

    def accepted_requests(self) -> list[dict[str, Any]]:
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM requests ORDER BY id").fetchall()
        return [{**dict(row), "params": json.loads(row["params"])} for row in rows]

    # --- faults ---------------------------------------------------------------

    def set_faults(self, faults: Faults) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO faults (id, config, draws) VALUES (1, ?, 0) "
                "ON CONFLICT (id) DO UPDATE SET config = excluded.config, draws = 0",
                (json.dumps(faults.to_dict()),),
            )

    def faults(self) -> Faults:
        with self._connect() as conn:
            row = conn.execute("SELECT config FROM faults WHERE id = 1").fetchone()
        return Faults() if row is None else Faults.from_dict(json.loads(row["config"]))

    def draw(self, faults: Faults) -> Draw:
        """Decide one request's fate; with a seed the n-th draw is the same in every process."""
        if faults.error_rate <= 0 and faults.timeout_rate <= 0:
            return Draw(error_status=None, timeout=False)
        with self._transaction() as conn:
            row = conn.execute("UPDATE faults SET draws = draws + 1 WHERE id = 1 RETURNING draws").fetchone()
        number = row["draws"] if row is not None else 0
        rng = random.Random("%s:%s" % (faults.seed, number)) if faults.seed is not None else random.Random()
        if rng.random() < faults.error_rate:
            return Draw(error_status=rng.choice(faults.error_statuses), timeout=False)
        return Draw(error_status=None, timeout=rng.random() < faults.timeout_rate)

    def reset(self) -> None:
        with self._transaction() as conn:
            for table in ("messages", "requests", "faults"):
                conn.execute("DELETE FROM %s" % table)

"""Engine and session lifecycle: one session per request, `session_scope()` for jobs and CLI."""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (and so one pool) per process and URL, built on first use."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        # A deferred BEGIN lets a transaction read, then fail with "database is
        # locked" when it tries to write after another writer committed (WAL
        # snapshots cannot be upgraded). Taking the write lock up front makes
        # SQLite transactions queue on busy_timeout instead; fine at dev scale.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_recycle=1800)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@functools.lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


# A job that runs many short transactions in a row can hold one pooled connection for all of them.
_held: ContextVar[tuple[str, Connection] | None] = ContextVar("village_held_connection", default=None)


@contextmanager
def one_connection(url: str) -> Iterator[None]:
    """Run the `session_scope`s for `url` inside this block on one pooled connection: one checkout
    and one pre-ping instead of one per transaction. Each scope still commits on its own. Only for
    sequential scopes in one thread (a send batch), never across requests."""
    if _held.get() is not None:
        yield
        return
    with engine_for(url).connect() as connection:
        token = _held.set((url, connection))
        try:
            yield
        finally:
            _held.reset(token)


@contextmanager
def request_session(url: str) -> Iterator[Session]:
    """A session for one request that commits more than once (an inbound text is stored, then
    processed): all its transactions on one pooled connection, so one checkout and one pre-ping.
    Closed, and anything unfinished rolled back, when the block ends."""
    with engine_for(url).connect() as connection:
        session = Session(bind=connection, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()


@contextmanager
def single_statement(url: str) -> Iterator[Connection]:
    """A connection for one statement that needs no transaction around it. On PostgreSQL it runs
    in autocommit: a pre-ping and the statement, without BEGIN and COMMIT round trips. On SQLite
    (whose "begin" hook takes the write lock) it is an ordinary short transaction."""
    engine = engine_for(url)
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work for a job or a CLI command: commit on success, roll back on error."""
    held = _held.get()
    if held is not None and held[0] == url and not held[1].in_transaction():
        session = Session(bind=held[1], expire_on_commit=False)
    else:
        session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def connection_scope(url: str) -> Iterator[Connection]:
    """A transaction for table-level statements that load no objects (a send's record): commit on
    success, roll back on error. Inside `one_connection` on the held connection. A Session would
    cost more CPU than the statement it runs here."""
    held = _held.get()
    if held is not None and held[0] == url and not held[1].in_transaction():
        with held[1].begin():
            yield held[1]
        return
    with engine_for(url).begin() as connection:
        yield connection


def init_app(app: Any) -> None:
    """Give each request its own session, closed (and rolled back if unfinished) on teardown."""
    from flask import g

    url = app.config["SETTINGS"].database_url

    def close_session(exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    app.teardown_appcontext(close_session)
    app.extensions["village_session_factory"] = lambda: session_factory(url)()


def get_session() -> Session:
    from flask import current_app, g

    if "db_session" not in g:
        g.db_session = current_app.extensions["village_session_factory"]()
    return g.db_session

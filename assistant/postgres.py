"""The ledger in a PostgreSQL database (``ASSISTANT_LEDGER_URL``), and the writer lock there.

Every assistant process, on any machine, that is given the same URL shares one ledger; the
writer lock is a session-level advisory lock in that database, so it holds across machines
and is released by the server when the process holding it dies. psycopg 3 is used directly
(``pip install 'news-assistant[postgres]'``).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError, IndexStoreError
from .locks import lock_refused, take_within

WRITER_LOCK_KEY = 0x4E_45_57_53_4C_45_44_47  # "NEWSLEDG": the advisory lock of the writer
SCHEMA_LOCK_KEY = WRITER_LOCK_KEY + 1  # serialises the first CREATE TABLEs of two processes
CONNECT_TIMEOUT_S = 10
URL_HINT = "fix ASSISTANT_LEDGER_URL (--ledger-url): postgresql://user:password@host:port/db"
DOWN_HINT = (
    "start the database or fix ASSISTANT_LEDGER_URL (--ledger-url); the assistant reconnects"
    " by itself once it is back"
)
_APP_NAME = re.compile(r"assistant writer pid (\d+) on (\S+)")


def is_postgres_url(url: str) -> bool:
    """True for ``postgresql://`` and ``postgres://`` URLs."""
    return url.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=user + netloc))


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError(
            "a PostgreSQL ledger needs the psycopg package",
            hint="pip install 'news-assistant[postgres]'",
        ) from None
    return psycopg


def _one_line(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


def database_error(error: BaseException, url: str, doing: str) -> IndexStoreError:
    """Our error for a failed database call: a bad URL, refused login, unreachable server,
    or a failed statement; one line, password hidden, with a hint."""
    psycopg = _psycopg()
    where, detail = f"the ledger database at {redact(url)}", _one_line(error)
    lowered = detail.lower()
    if "invalid" in lowered and any(word in lowered for word in ("option", "uri", "dsn")):
        return IndexStoreError(f"{where} is not a usable URL ({detail})", hint=URL_HINT)
    if "authentication failed" in lowered or "no password supplied" in lowered:
        return IndexStoreError(
            f"{where} refused the login ({detail})",
            hint="check the user and password in ASSISTANT_LEDGER_URL (--ledger-url)",
        )
    if "does not exist" in lowered and doing == "connecting":
        return IndexStoreError(
            f"{where} does not exist ({detail})", hint="create it (createdb NAME) or fix the URL"
        )
    if isinstance(error, psycopg.OperationalError):
        return IndexStoreError(
            f"{where} cannot be reached while {doing} ({detail})", hint=DOWN_HINT
        )
    return IndexStoreError(
        f"{where} failed while {doing} ({detail})",
        hint="check the database user's rights, or rebuild with: assistant index --rebuild",
    )


def connect(url: str, application_name: str = "assistant") -> Any:
    """An autocommit connection to ``url``; failures are :class:`IndexStoreError`."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name=application_name,
        )
    except psycopg.Error as error:
        raise database_error(error, url, "connecting") from None


class PostgresDatabase:
    """The ledger's connection to PostgreSQL, with the interface of the SQLite one.

    Statements are written with ``?`` placeholders. One connection is shared by the
    process's threads; a transaction holds it, so no other thread's statement lands inside
    it. A connection that broke (database restarted) is reopened on the next statement.
    """

    def __init__(self, url: str):
        self.url = url
        self.name = redact(url)
        self.path: Path | None = None  # no file: the ledger is in a server
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = connect(url)

    def _live(self) -> Any:
        if self._conn.closed or self._conn.broken:
            if self._depth:
                raise IndexStoreError(
                    f"the ledger database at {self.name} dropped the connection mid-change",
                    hint=DOWN_HINT,
                )
            self._conn = connect(self.url)
        return self._conn

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except _psycopg().Error as error:
            raise database_error(error, self.url, doing) from None

    def execute(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (none for a change)."""
        with self._lock, self._errors("reading" if sql.startswith("SELECT") else "writing"):
            cursor = self._live().execute(sql.replace("?", "%s"), tuple(params))
            return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement for each row of parameters."""
        with self._lock, self._errors("writing"), self._live().cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), [tuple(row) for row in rows])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[PostgresDatabase]:
        """One atomic change: all of it lands, or none of it."""
        with self._lock, self._errors("writing"), self._live().transaction():
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1

    def create_schema(self, statements: list[str]) -> None:
        """Create the tables once, even when several processes start together."""
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK_KEY,))
            for statement in statements:
                self.execute(statement.replace("datetime('now')", "now()::text"))

    def writer_lock(self, wait_s: float) -> AdvisoryLock:
        """The index's writer lock: an advisory lock in this database."""
        return AdvisoryLock(self.url, wait_s)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class AdvisoryLock:
    """``pg_try_advisory_lock`` on a connection of its own, held until exit (or death).

    Waits up to ``wait_s`` for another writer, then refuses naming it: its connection's
    ``application_name`` says which process on which machine holds the lock.
    """

    def __init__(self, url: str, wait_s: float = 30.0, key: int = WRITER_LOCK_KEY):
        self.url, self.wait_s, self.key = url, wait_s, key
        self._conn: Any = None  # psycopg's Connection, while the lock is held

    def __enter__(self) -> AdvisoryLock:
        me = f"assistant writer pid {os.getpid()} on {socket.gethostname()}"
        self._conn = connect(self.url, application_name=me[:63])
        if not take_within(self._try, self.wait_s):
            holder = self._holder()
            self._conn.close()
            raise lock_refused(holder, redact(self.url), self.wait_s)
        return self

    def _try(self) -> bool:
        try:
            return self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]
        except _psycopg().Error as error:
            self._conn.close()
            raise database_error(error, self.url, "taking the writer lock") from None

    def _holder(self) -> str:
        """The " (pid N on HOST)" of the holder, or its database session if not an assistant."""
        sql = (
            "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a"
            " ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1"
        )
        key = (self.key >> 32, self.key & 0xFFFFFFFF)
        with contextlib.suppress(Exception):
            row = self._conn.execute(sql, key).fetchone()
            if row is not None:
                found = _APP_NAME.fullmatch(row[0] or "")
                return f" (pid {found[1]} on {found[2]})" if found else f" (session {row[1]})"
        return ""

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self._conn.close()

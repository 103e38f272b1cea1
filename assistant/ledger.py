"""The ledger: a SQL record of which articles are in which Chroma collection.

It is the index's source of truth for incremental updates (content fingerprints), for
listing sources, and for the active generation. It lives in ``<index_dir>/ledger.sqlite``
by default, or in the database ``ASSISTANT_LEDGER_URL`` names (PostgreSQL, shared by every
machine: :mod:`assistant.postgres`; or ``sqlite:///path``). Every change is one
transaction, so a process killed at any moment leaves the ledger either before or after
the change.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .articles import Article
from .errors import IndexStoreError
from .locks import FileLock
from .postgres import is_postgres_url

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    collection TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_file TEXT,
    article_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    outlet TEXT NOT NULL,
    title TEXT,
    published TEXT,
    author TEXT,
    url TEXT,
    language TEXT,
    text TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    indexed_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (collection, origin)
);
CREATE INDEX IF NOT EXISTS articles_by_id ON articles (collection, article_id);
CREATE INDEX IF NOT EXISTS articles_by_hash ON articles (collection, content_hash)
"""
SQLITE_PREFIX = "sqlite:///"


@dataclass(frozen=True)
class LedgerRow:
    """What the ledger knows about one indexed article."""

    origin: str
    source_file: str | None
    article_id: str
    content_hash: str
    fingerprint: str
    outlet: str
    title: str | None
    published: str | None
    author: str | None
    url: str | None
    n_chunks: int

    def chunk_ids(self) -> list[str]:
        """The Chroma ids of this article's chunks."""
        return chunk_ids(self.article_id, self.n_chunks)


@dataclass(frozen=True)
class LedgerState:
    """The ledger's state table as read at one moment: the active collection, the version
    stamp, the embedder and chunking it was built with, and where its collection lives."""

    values: dict[str, str]

    @property
    def active(self) -> str | None:
        """Name of the collection queries read from (None before the first build)."""
        return self.values.get("active_collection")

    @property
    def version(self) -> str:
        """Changes on every committed update."""
        return self.values.get("version") or "0"

    @property
    def embedder(self) -> str | None:
        """The embedder id the index was built with."""
        return self.values.get("embedder")

    @property
    def chunking(self) -> str | None:
        """The chunk settings (``tokens/overlap``) the index was built with."""
        return self.values.get("chunking")

    @property
    def location(self) -> str | None:
        """Which Chroma store holds the active collection (``embedded:chroma`` or
        ``server:URL tenant=T database=D``); None in ledgers older than this record."""
        return self.values.get("chroma_store")


def chunk_ids(article_id: str, count: int) -> list[str]:
    """Deterministic chunk ids: re-adding the same article overwrites, never duplicates."""
    return [f"{article_id}-{number:04d}" for number in range(count)]


class LedgerDatabase(Protocol):
    """What the ledger needs of its database: SQLite (:class:`SqliteDatabase`) or
    PostgreSQL (:class:`assistant.postgres.PostgresDatabase`). Statements use ``?``."""

    name: str  # for messages (a server's URL without its password)
    path: Path | None  # the SQLite file; None for a server

    def execute(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (none for a change)."""
        ...

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement for each row of parameters."""
        ...

    def transaction(self) -> AbstractContextManager[LedgerDatabase]:
        """One atomic change: all of it lands, or none of it."""
        ...

    def create_schema(self, statements: list[str]) -> None:
        """Create the tables when they are missing."""
        ...

    def writer_lock(self, wait_s: float) -> AbstractContextManager[Any]:
        """The writer lock that goes with this database."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


class SqliteDatabase:
    """The ledger's SQLite file (WAL): one connection shared by the process's threads."""

    def __init__(self, path: Path):
        self.path: Path | None = Path(path)
        self.file = Path(path)
        self.name = str(self.file)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.file, timeout=30, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")

    def execute(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (none for a change)."""
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement for each row of parameters."""
        with self._lock:
            self._conn.executemany(sql, [tuple(row) for row in rows])

    @contextmanager
    def transaction(self) -> Iterator[SqliteDatabase]:
        """One atomic change: all of it lands, or none of it."""
        with self._lock, self._conn:
            yield self

    def create_schema(self, statements: list[str]) -> None:
        """Create the tables when they are missing."""
        self._conn.executescript(";\n".join(statements))

    def writer_lock(self, wait_s: float) -> FileLock:
        """The writer lock beside a ledger outside the index folder (the folder's own lock
        serves the default ledger)."""
        return FileLock(self.file.with_name(self.file.name + ".lock"), wait_s)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def is_ledger_url(url: str) -> bool:
    """True for the ledger URLs we take: ``sqlite:///path`` and ``postgresql://...``."""
    return url.startswith(SQLITE_PREFIX) or is_postgres_url(url)


def open_database(where: Path | str) -> LedgerDatabase:
    """The ledger's database: a SQLite path, ``sqlite:///path`` or ``postgresql://...``."""
    if isinstance(where, str) and where.startswith(SQLITE_PREFIX):
        where = Path(where[len(SQLITE_PREFIX) :])
    if isinstance(where, str):
        from .postgres import PostgresDatabase

        if not is_ledger_url(where):
            raise IndexStoreError(
                f"'{where}' is not a ledger URL",
                hint="give postgresql://user:password@host:port/db or sqlite:///path",
            )
        return PostgresDatabase(where)
    return SqliteDatabase(where)


class Ledger:
    """SQL record of indexed articles and of the index's state (SQLite or PostgreSQL)."""

    def __init__(self, where: Path | str):
        self.location = str(where)
        try:
            self._db: LedgerDatabase = open_database(where)
            self.location = self._db.name
            self._db.create_schema([part.strip() for part in _SCHEMA.split(";")])
            stored = self.get_state("schema")
            self.path = self._db.path  # the SQLite file (None for a server)
        except sqlite3.DatabaseError as error:
            raise IndexStoreError(
                f"the index ledger {self.location} is corrupt or not an assistant index ({error})",
                hint="rebuild it with: assistant index --rebuild",
            ) from error
        if stored is None:
            self.set_state(schema=SCHEMA_VERSION)
        elif stored != SCHEMA_VERSION:
            where = self.path.parent if self.path else self.location
            raise IndexStoreError(
                f"the index at {where} has format {stored}, expected {SCHEMA_VERSION}",
                hint="rebuild it with: assistant index --rebuild",
            )

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[LedgerDatabase]:
        """One atomic change: all of it lands, or none of it."""
        with self._db.transaction() as db:
            yield db

    def writer_lock(
        self, wait_s: float, default_path: Path | None = None
    ) -> AbstractContextManager[Any]:
        """The lock a writer holds across machines: an advisory lock in a PostgreSQL ledger,
        a file lock beside a SQLite ledger elsewhere; nothing extra for ``default_path``."""
        if self.path is not None and default_path and self.path.resolve() == default_path.resolve():
            return contextlib.nullcontext()
        return self._db.writer_lock(wait_s)

    def get_state(self, key: str) -> str | None:
        """A value from the state table."""
        rows = self._db.execute("SELECT value FROM state WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def state(self) -> LedgerState:
        """The whole state table in one read (what a request works from)."""
        return LedgerState(dict(self._db.execute("SELECT key, value FROM state")))

    def set_state(self, db: LedgerDatabase | None = None, **values: str) -> None:
        """Set state values (inside ``db``'s transaction when given)."""
        rows = [(key, str(value)) for key, value in values.items()]
        sql = (
            "INSERT INTO state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        if db is None:
            with self._db.transaction() as own:
                own.executemany(sql, rows)
        else:
            db.executemany(sql, rows)

    def rows(self, collection: str) -> dict[str, LedgerRow]:
        """Every article in ``collection``, keyed by origin."""
        rows = self._db.execute(
            "SELECT origin, source_file, article_id, content_hash, fingerprint, outlet, title,"
            " published, author, url, n_chunks FROM articles WHERE collection = ?",
            (collection,),
        )
        return {row[0]: LedgerRow(*row) for row in rows}

    def stored_articles(self, collection: str) -> list[tuple[Article, str | None]]:
        """Every article of ``collection`` rebuilt from the ledger, with its source file (to
        re-embed an index whose vectors cannot be read)."""
        rows = self._db.execute(
            "SELECT text, outlet, origin, title, published, author, url, language, source_file"
            " FROM articles WHERE collection = ? ORDER BY origin",
            (collection,),
        )
        return [
            (
                Article(
                    text=text,
                    outlet=outlet,
                    origin=origin,
                    title=title or "",
                    published=published,
                    author=author,
                    url=url,
                    language=language,
                ),
                source_file,
            )
            for text, outlet, origin, title, published, author, url, language, source_file in rows
        ]

    def copy_collection(self, db: LedgerDatabase, source: str, target: str) -> None:
        """Record every article of ``source`` under ``target`` too, in a transaction."""
        columns = (
            "origin, source_file, article_id, content_hash, fingerprint, outlet, title,"
            " published, author, url, language, text, n_chunks, indexed_at"
        )
        db.execute(
            f"INSERT INTO articles (collection, {columns}) SELECT CAST(? AS TEXT), {columns}"
            " FROM articles"
            " WHERE collection = ?",
            (target, source),
        )

    def has_rows(self, collection: str) -> bool:
        """True when ``collection`` has at least one article."""
        return bool(
            self._db.execute("SELECT 1 FROM articles WHERE collection = ? LIMIT 1", (collection,))
        )

    def put(
        self,
        db: LedgerDatabase,
        collection: str,
        article: Article,
        source_file: str | None,
        n_chunks: int,
    ) -> None:
        """Record ``article`` (replacing the row of the same origin) in a transaction."""
        self.delete(db, collection, [article.origin])
        db.execute(
            "INSERT INTO articles (collection, origin, source_file, article_id,"
            " content_hash, fingerprint, outlet, title, published, author, url, language, text,"
            " n_chunks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                collection,
                article.origin,
                source_file,
                article.article_id,
                article.content_hash,
                article.fingerprint,
                article.outlet,
                article.title,
                article.published,
                article.author,
                article.url,
                article.language,
                article.text,
                n_chunks,
            ),
        )

    def delete(self, db: LedgerDatabase, collection: str, origins: Iterable[str]) -> None:
        """Forget articles by origin, in a transaction."""
        db.executemany(
            "DELETE FROM articles WHERE collection = ? AND origin = ?",
            [(collection, origin) for origin in origins],
        )

    def drop_collection(self, db: LedgerDatabase, collection: str) -> None:
        """Forget every article of a collection, in a transaction."""
        db.execute("DELETE FROM articles WHERE collection = ?", (collection,))

    def collections(self) -> set[str]:
        """Every collection the ledger has rows for."""
        return {row[0] for row in self._db.execute("SELECT DISTINCT collection FROM articles")}

    def article_texts(self, collection: str, article_ids: Iterable[str]) -> dict[str, str]:
        """Cleaned text of the given articles, by article id."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            "SELECT article_id, text FROM articles"
            f" WHERE collection = ? AND article_id IN ({marks})",
            (collection, *ids),
        )
        return dict(rows)

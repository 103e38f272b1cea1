"""The ledger: a SQLite record of which articles are in which Chroma collection.

It is the index's source of truth for incremental updates (content fingerprints), for
listing sources, and for the active generation. Every change is one SQLite transaction,
so a process killed at any moment leaves the ledger either before or after the change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .articles import Article
from .errors import IndexStoreError

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
CREATE INDEX IF NOT EXISTS articles_by_hash ON articles (collection, content_hash);
"""


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


def chunk_ids(article_id: str, count: int) -> list[str]:
    """Deterministic chunk ids: re-adding the same article overwrites, never duplicates."""
    return [f"{article_id}-{number:04d}" for number in range(count)]


class Ledger:
    """SQLite-backed record of indexed articles and of the index's state."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            stored = self.get_state("schema")
        except sqlite3.DatabaseError as error:
            raise IndexStoreError(
                f"the index ledger {self.path} is corrupt or not an assistant index ({error})",
                hint="rebuild it with: assistant index --rebuild",
            ) from error
        if stored is None:
            self.set_state(schema=SCHEMA_VERSION)
        elif stored != SCHEMA_VERSION:
            raise IndexStoreError(
                f"the index at {self.path.parent} has format {stored}, expected {SCHEMA_VERSION}",
                hint="rebuild it with: assistant index --rebuild",
            )

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: all of it lands, or none of it."""
        with self._db:
            yield self._db

    def get_state(self, key: str) -> str | None:
        """A value from the state table."""
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, db: sqlite3.Connection | None = None, **values: str) -> None:
        """Set state values (inside ``db``'s transaction when given)."""
        target = db or self._db
        rows = [(key, str(value)) for key, value in values.items()]
        if db is None:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", rows)
        else:
            target.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", rows)

    def rows(self, collection: str) -> dict[str, LedgerRow]:
        """Every article in ``collection``, keyed by origin."""
        cursor = self._db.execute(
            "SELECT origin, source_file, article_id, content_hash, fingerprint, outlet, title,"
            " published, author, url, n_chunks FROM articles WHERE collection = ?",
            (collection,),
        )
        return {row[0]: LedgerRow(*row) for row in cursor}

    def has_rows(self, collection: str) -> bool:
        """True when ``collection`` has at least one article."""
        cursor = self._db.execute(
            "SELECT 1 FROM articles WHERE collection = ? LIMIT 1", (collection,)
        )
        return cursor.fetchone() is not None

    def put(
        self, db: sqlite3.Connection, collection: str, article: Article, source_file: str | None,
        n_chunks: int,
    ) -> None:  # fmt: skip
        """Record ``article`` (replacing the row of the same origin) in a transaction."""
        db.execute(
            "INSERT OR REPLACE INTO articles (collection, origin, source_file, article_id,"
            " content_hash, fingerprint, outlet, title, published, author, url, language, text,"
            " n_chunks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                collection, article.origin, source_file, article.article_id, article.content_hash,
                article.fingerprint, article.outlet, article.title, article.published,
                article.author, article.url, article.language, article.text, n_chunks,
            ),
        )  # fmt: skip

    def delete(self, db: sqlite3.Connection, collection: str, origins: Iterable[str]) -> None:
        """Forget articles by origin, in a transaction."""
        db.executemany(
            "DELETE FROM articles WHERE collection = ? AND origin = ?",
            [(collection, origin) for origin in origins],
        )

    def drop_collection(self, db: sqlite3.Connection, collection: str) -> None:
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
        cursor = self._db.execute(
            "SELECT article_id, text FROM articles"
            f" WHERE collection = ? AND article_id IN ({marks})",
            (collection, *ids),
        )
        return dict(cursor.fetchall())

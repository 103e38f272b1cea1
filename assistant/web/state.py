"""Fetch state in ``<index>/web/web.sqlite``: validators, seen links, pages and wire copies.

Kept apart from the ledger (which the store owns): losing this file only costs refetching,
never an indexed article. Every write is one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "web.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
    link TEXT PRIMARY KEY, canonical TEXT NOT NULL, entry_updated TEXT, duplicate_of TEXT
);
CREATE TABLE IF NOT EXISTS pages (
    canonical TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    article_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    outlet TEXT NOT NULL,
    title TEXT,
    published TEXT,
    signature BLOB,
    indexed_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS pages_by_hash ON pages (content_hash);
CREATE TABLE IF NOT EXISTS bands (band TEXT NOT NULL, canonical TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bands_by_band ON bands (band);
CREATE TABLE IF NOT EXISTS wire (
    canonical TEXT NOT NULL, other TEXT NOT NULL, similarity REAL NOT NULL,
    PRIMARY KEY (canonical, other)
)
"""


@dataclass(frozen=True)
class PageRow:
    """An indexed web page."""

    canonical: str
    origin: str
    article_id: str
    content_hash: str
    outlet: str
    title: str | None
    published: str | None
    signature: bytes | None


class WebState:
    """The fetch state of one index folder."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / STATE_FILE
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change."""
        with self._lock, self._db:
            yield self._db

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # ----- validators (conditional GET) ---------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """``(etag, last_modified)`` last seen for ``url``."""
        rows = self._rows("SELECT etag, last_modified FROM validators WHERE url = ?", (url,))
        return rows[0] if rows else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of a 200 answer."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO validators VALUES (?, ?, ?, datetime('now'))",
                (url, etag, last_modified),
            )

    # ----- links and pages ----------------------------------------------------------------

    def link(self, link: str) -> tuple[str, str | None, str | None] | None:
        """``(canonical, entry_updated, duplicate_of)`` of a link seen before, or None."""
        rows = self._rows(
            "SELECT canonical, entry_updated, duplicate_of FROM links WHERE link = ?", (link,)
        )
        return rows[0] if rows else None

    def set_link(
        self,
        link: str,
        canonical: str,
        entry_updated: str | None,
        duplicate_of: str | None = None,
    ) -> None:
        """Remember that ``link`` is ``canonical`` (or a copy of an article indexed as
        ``duplicate_of``), as the feed stamped it."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?)",
                (link, canonical, entry_updated, duplicate_of),
            )

    def page(self, canonical: str) -> PageRow | None:
        """The indexed page of a canonical URL, or None."""
        rows = self._rows(
            "SELECT canonical, origin, article_id, content_hash, outlet, title, published,"
            " signature FROM pages WHERE canonical = ?",
            (canonical,),
        )
        return PageRow(*rows[0]) if rows else None

    def page_by_hash(self, content_hash: str) -> PageRow | None:
        """An indexed page with exactly this cleaned text, or None."""
        rows = self._rows("SELECT canonical FROM pages WHERE content_hash = ?", (content_hash,))
        return self.page(rows[0][0]) if rows else None

    def page_by_key(self, key: str) -> PageRow | None:
        """The page whose canonical URL, origin or article id is ``key``."""
        rows = self._rows(
            "SELECT canonical FROM pages WHERE canonical = ? OR origin = ? OR article_id = ?",
            (key, key, key),
        )
        return self.page(rows[0][0]) if rows else None

    def pages(self) -> list[PageRow]:
        """Every indexed page."""
        rows = self._rows("SELECT canonical FROM pages ORDER BY canonical")
        return [page for (canonical,) in rows if (page := self.page(canonical))]

    def put_page(self, page: PageRow, bands: list[str]) -> None:
        """Record an indexed page and its MinHash bands (replacing an older record)."""
        with self.transaction() as db:
            db.execute("DELETE FROM bands WHERE canonical = ?", (page.canonical,))
            db.execute(
                "INSERT OR REPLACE INTO pages (canonical, origin, article_id, content_hash,"
                " outlet, title, published, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    page.canonical,
                    page.origin,
                    page.article_id,
                    page.content_hash,
                    page.outlet,
                    page.title,
                    page.published,
                    page.signature,
                ),
            )
            db.executemany(
                "INSERT INTO bands VALUES (?, ?)", [(band, page.canonical) for band in bands]
            )

    def forget_page(self, canonical: str) -> None:
        """Forget a removed page, its links and its wire-copy pairs."""
        with self.transaction() as db:
            for sql in (
                "DELETE FROM pages WHERE canonical = ?",
                "DELETE FROM bands WHERE canonical = ?",
                "DELETE FROM links WHERE canonical = ?",
                "DELETE FROM wire WHERE canonical = ?",
                "DELETE FROM wire WHERE other = ?",
            ):
                db.execute(sql, (canonical,))

    # ----- wire copies --------------------------------------------------------------------

    def candidates(self, bands: list[str], canonical: str) -> list[str]:
        """Pages sharing at least one MinHash band with these (not ``canonical`` itself)."""
        if not bands:
            return []
        marks = ",".join("?" * len(bands))
        rows = self._rows(
            f"SELECT DISTINCT canonical FROM bands WHERE band IN ({marks}) AND canonical != ?",
            (*bands, canonical),
        )
        return [row[0] for row in rows]

    def set_wire(self, canonical: str, pairs: list[tuple[str, float]]) -> None:
        """Record ``canonical``'s near-duplicates (both directions), replacing older pairs."""
        with self.transaction() as db:
            db.execute("DELETE FROM wire WHERE canonical = ? OR other = ?", (canonical, canonical))
            for other, similarity in pairs:
                db.execute(
                    "INSERT OR REPLACE INTO wire VALUES (?, ?, ?)", (canonical, other, similarity)
                )
                db.execute(
                    "INSERT OR REPLACE INTO wire VALUES (?, ?, ?)", (other, canonical, similarity)
                )

    def wire(self, canonical: str) -> list[tuple[str, float]]:
        """``(other canonical URL, similarity)`` of each near-duplicate of ``canonical``."""
        return [
            (other, similarity)
            for other, similarity in self._rows(
                "SELECT other, similarity FROM wire WHERE canonical = ? ORDER BY other",
                (canonical,),
            )
        ]

"""The stories of an index, kept in ``<index_dir>/stories.sqlite`` and brought up to date
from the ledger: articles new to the ledger are clustered in, articles gone from it leave.

The file is a cache derived from the index (delete it and it is rebuilt on the next read);
it records the index version it reflects, so reading it when nothing changed costs one query.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..store import published_timestamp
from .clustering import Cluster, Clusterer, Item, StoryConfig
from .terms import key_terms

if TYPE_CHECKING:
    from ..store import IndexStore

STORIES_FILE = "stories.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    article_id TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    outlet TEXT NOT NULL,
    title TEXT,
    published TEXT,
    ts INTEGER,
    url TEXT,
    terms TEXT NOT NULL,
    mean BLOB NOT NULL,
    lead BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS members_by_story ON members (story_id);
CREATE TABLE IF NOT EXISTS stories (story_id TEXT PRIMARY KEY, title_article_id TEXT NOT NULL);
"""


@dataclass
class Member:
    """A story member as listed (no vectors)."""

    article_id: str
    story_id: str
    outlet: str
    title: str
    published: str | None
    ts: int | None
    url: str | None
    terms: dict[str, int]


@dataclass
class SyncReport:
    """What a sync changed."""

    joined: dict[str, str]  # article id -> story id
    left: dict[str, str]  # article id -> the story id it left
    seconds_reading: float = 0.0


class StoryIndex:
    """The story table of one index folder (see the module docstring)."""

    def __init__(self, index_dir: Path, config: StoryConfig | None = None):
        self.config = config or StoryConfig()
        self._lock = threading.RLock()
        self.db = _connect(Path(index_dir) / STORIES_FILE)
        with self._lock, self.db:
            self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    # ----- reading ---------------------------------------------------------------------------

    def state(self, key: str) -> str | None:
        """A state value (``version``, ``config``)."""
        with self._lock:
            row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def is_current(self, version: str, collection: str | None = None) -> bool:
        """Whether the table reflects index ``version`` (of ``collection``) under the current
        config."""
        return (
            self.state("version") == version
            and self.state("config") == self._config_key()
            and self.state("collection") == (collection or "")
        )

    def members(self) -> list[Member]:
        """Every clustered article."""
        with self._lock:
            rows = self.db.execute(
                "SELECT article_id, story_id, outlet, title, published, ts, url, terms FROM members"
            ).fetchall()
        return [
            Member(a, story, outlet, title or "", published, ts, url, json.loads(terms))
            for a, story, outlet, title, published, ts, url, terms in rows
        ]

    def titles(self) -> dict[str, str]:
        """Story id -> the article whose headline titles it."""
        with self._lock:
            return dict(self.db.execute("SELECT story_id, title_article_id FROM stories"))

    def items(self) -> list[Item]:
        """Every clustered article with its vector, for the clusterer."""
        column = "lead" if self.config.vector == "lead" else "mean"
        with self._lock:
            rows = self.db.execute(
                f"SELECT article_id, outlet, title, published, ts, terms, {column} FROM members"
            ).fetchall()
        return [
            Item(a, o, t or "", p, ts, np.frombuffer(v, dtype=np.float32), json.loads(terms))
            for a, o, t, p, ts, terms, v in rows
        ]

    def story_map(self) -> dict[str, str]:
        """Article id -> story id."""
        with self._lock:
            return dict(self.db.execute("SELECT article_id, story_id FROM members"))

    # ----- bringing it up to date ------------------------------------------------------------

    def sync(self, store) -> SyncReport:
        """Cluster in the articles the index gained and drop those it lost since the last
        sync; re-cluster everything when the configuration changed."""
        with self._lock:
            version, collection = store.version, getattr(store, "active", None) or ""
            if self.is_current(version, collection):
                return SyncReport({}, {})
            rows = {row.article_id: row for row in store.articles()}
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                stale = (
                    self.state("config") != self._config_key()
                    or self.state("collection") != collection
                )
                if stale:  # new thresholds, or a rebuilt index (new vectors): start over
                    self.db.execute("DELETE FROM members")
                    self.db.execute("DELETE FROM stories")
                report = self._apply(store, rows)
                self._set_state(version=version, config=self._config_key(), collection=collection)
            return report

    def _apply(self, store, rows: dict) -> SyncReport:
        known = self.story_map()
        gone = [a for a in known if a not in rows]
        new = [a for a in rows if a not in known]
        clusterer = Clusterer(self.config)
        for item in sorted(self.items(), key=lambda i: i.article_id):
            story_id = known[item.article_id]
            clusterer.clusters.setdefault(story_id, Cluster(story_id)).add(item)
            clusterer.story_of[item.article_id] = story_id
        left = {a: clusterer.remove(a) or "" for a in gone}
        vectors = article_vectors(store, new, whole=len(new) == len(rows))
        texts = store.article_texts(new) if new else {}
        fresh: list[tuple[Item, np.ndarray, np.ndarray]] = []
        for article_id in new:
            if article_id not in vectors:
                continue  # no chunks (should not happen): not clusterable
            row = rows[article_id]
            mean, lead = vectors[article_id]
            terms = key_terms(row.title or "", texts.get(article_id, ""), row.outlet)
            vector = lead if self.config.vector == "lead" else mean
            ts = published_timestamp(row.published)
            item = Item(article_id, row.outlet, row.title or "", row.published, ts, vector, terms)
            fresh.append((item, mean, lead))
        clusterer.add_all(item for item, _, _ in fresh)
        joined = {item.article_id: clusterer.story_of[item.article_id] for item, _, _ in fresh}
        self.db.executemany("DELETE FROM members WHERE article_id = ?", [(a,) for a in gone])
        self.db.executemany(
            "INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i.article_id,
                    joined[i.article_id],
                    i.outlet,
                    i.title,
                    i.published,
                    i.ts,
                    rows[i.article_id].url,
                    json.dumps(i.terms),
                    mean.astype(np.float32).tobytes(),
                    lead.astype(np.float32).tobytes(),
                )
                for i, mean, lead in fresh
            ],
        )
        touched = set(joined.values()) | set(left.values())
        for story_id in touched:
            self.db.execute("DELETE FROM stories WHERE story_id = ?", (story_id,))
            cluster = clusterer.clusters.get(story_id)
            if cluster is not None:
                self.db.execute(
                    "INSERT INTO stories VALUES (?, ?)", (story_id, cluster.central().article_id)
                )
        return SyncReport(joined, left)

    def _set_state(self, **values: str) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", list(values.items())
        )

    def _config_key(self) -> str:
        return json.dumps(asdict(self.config), sort_keys=True)


def _connect(path: Path) -> sqlite3.Connection:
    """The stories file (WAL, shared by threads); in memory when the folder is read-only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS probe (x)")
        db.execute("DROP TABLE probe")
    except (sqlite3.Error, OSError):
        db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    return db


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector).astype(np.float32)


def article_vectors(
    store: IndexStore, article_ids: list[str], whole: bool
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Article id -> (unit mean of its chunk vectors, its first chunk's unit vector), read
    from the index (``whole``: every article is wanted, read the collection in full)."""
    if not article_ids:
        return {}
    include = ["embeddings", "metadatas"]
    if whole:
        got = store.collection().get(include=include)
    else:
        got = store.collection().get(
            where={"article_id": {"$in": list(article_ids)}}, include=include
        )
    chunks: dict[str, list[tuple[int, np.ndarray]]] = {}
    for meta, vector in zip(got["metadatas"], got["embeddings"], strict=False):
        if meta is None or vector is None:
            continue
        number = int(meta.get("chunk", 0))
        chunks.setdefault(meta.get("article_id", ""), []).append(
            (number, np.asarray(vector, dtype=np.float32))
        )
    found = {}
    wanted = set(article_ids)
    for article_id, parts in chunks.items():
        if article_id not in wanted:
            continue
        parts.sort(key=lambda part: part[0])
        mean = _unit(np.mean([_unit(v) for _, v in parts], axis=0))
        found[article_id] = (mean, _unit(parts[0][1]))
    return found

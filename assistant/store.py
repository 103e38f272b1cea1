"""The on-disk index: chunks and vectors in Chroma, articles in the ledger, BM25 beside them.

Crash safety: new chunks are written before the ledger row that names them, and old chunks
are deleted only after it; a rebuild fills a fresh collection and switches to it in one
ledger transaction. A process killed at any point therefore leaves an index that answers
with old or new content, and the next run removes what the killed one left behind.

The Chroma side (clients, error mapping, the guarded collection) is
:mod:`assistant.chroma_store`; moving an index between stores is
:mod:`assistant.relocation`; the report and plan of a run are :mod:`assistant.indexing`.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .chroma_store import (
    CHROMA_DIR,
    ChromaStore,
    GuardedCollection,
    StoredChunk,
    chroma_error,
    is_unreachable,
    open_chroma,
    open_chroma_server,
    parse_chunks,
)
from .errors import IndexStoreError
from .indexing import (
    IndexReport,
    Progress,
    embedding_text,
    published_timestamp,
)
from .ledger import Ledger, LedgerRow, LedgerState
from .lexical import LexicalIndex
from .locks import FileLock
from .protocols import Embedder
from .store_writer import LEDGER_FILE, LOCK_FILE, IndexWriter

__all__ = [  # what callers imported from here before the split
    "IndexReport",
    "IndexStore",
    "Progress",
    "StoredChunk",
    "chroma_error",
    "embedding_text",
    "is_unreachable",
    "make_store",
    "open_chroma",
    "open_chroma_server",
    "published_timestamp",
]

LEXICAL_DIR = "lexical"
DEFAULT_MAX_FILE_BYTES = 20_000_000


def check_index_dir(index_dir: Path) -> None:
    """Refuse a folder that holds something other than an assistant index."""
    index_dir = Path(index_dir)
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise IndexStoreError(f"the index path {index_dir} is a file, not a folder")
    # "models": the onnx-int8 embedder's export; a folder whose ledger is in a database
    # (ASSISTANT_LEDGER_URL) has no ledger file, only these.
    # "web": fetch state of followed feeds and URLs (assistant/web); "stories.sqlite": the
    # story clusters (assistant/stories); "uploads": files added in the browser chat (ui/).
    ours = {
        LEDGER_FILE,
        CHROMA_DIR,
        LEXICAL_DIR,
        LOCK_FILE,
        "models",
        "web",
        "stories.sqlite",
        "stories.sqlite-wal",
        "stories.sqlite-shm",
        "uploads",
        "README.md",
        ".gitkeep",
    }
    names = {entry.name for entry in index_dir.iterdir()}
    if names and (LEDGER_FILE not in names) and (names - ours - {f"{LEDGER_FILE}-wal"}):
        raise IndexStoreError(
            f"{index_dir} holds files that are not an assistant index",
            hint="point ASSISTANT_INDEX_DIR at an empty or assistant-made folder",
        )


def make_store(settings: Any, embeddings: Embedder, client: Any = None) -> IndexStore:
    """The index store the settings describe: embedded Chroma under ``index_dir``, or the
    Chroma server at ``chroma_url``; the ledger in ``index_dir``, or in the database at
    ``ledger_url`` (BM25 stays in ``index_dir``, a cache of this machine). A ``client``
    passed in is used as is and never reopened."""
    index_dir = Path(settings.index_dir)
    reopen: Callable[[], Any] | None = None
    if client is None and settings.chroma_url:
        client = open_chroma_server(settings.chroma_url, settings.chroma_token)
    elif client is None:
        client = open_chroma(index_dir)
        reopen = lambda: open_chroma(index_dir, fresh=True)  # noqa: E731
    return IndexStore(
        index_dir,
        client,
        embeddings,
        settings.chunk_tokens,
        settings.chunk_overlap_tokens,
        reopen=reopen,
        server_url=settings.chroma_url,
        lock_wait_s=settings.index_lock_wait_s,
        ledger_url=settings.ledger_url,
        max_file_bytes=settings.max_file_bytes,
    )


class _RequestState(threading.local):
    """The ledger state of this thread's current request (None outside one)."""

    state: LedgerState | None = None


class IndexStore(IndexWriter):
    """Reads and writes one index folder. The Chroma client and embedder are passed in.

    ``reopen`` makes a new client with a fresh view of the store (embedded Chroma: see
    :func:`open_chroma`); the store calls it when the ledger shows that another process has
    changed the index, and when a read races such a change. ``server_url`` names the Chroma
    server the client talks to (None for the embedded store), for error messages.
    ``ledger_url`` puts the ledger (and the writer lock) in that database instead of
    ``index_dir``; the BM25 snapshot in ``index_dir`` is then this machine's own cache.
    Files over ``max_file_bytes`` are skipped with the reason.
    """

    def __init__(
        self,
        index_dir: Path,
        client: Any,
        embeddings: Embedder,
        chunk_tokens: int = 200,
        overlap_tokens: int = 40,
        *,
        reopen: Callable[[], Any] | None = None,
        server_url: str | None = None,
        lock_wait_s: float = 30.0,
        ledger_url: str | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ):
        self.index_dir = Path(index_dir)
        check_index_dir(self.index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.chroma = ChromaStore(
            client, reopen=reopen, server_url=server_url, collection_metadata=self._new_metadata
        )
        self.server_url = server_url
        self.lock_wait_s = lock_wait_s
        self.max_file_bytes = max_file_bytes
        self._lock_owner: int | None = None
        self._request = _RequestState()
        self._location_checked = False
        self.embeddings = embeddings
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        self.ledger = Ledger(ledger_url or self.index_dir / LEDGER_FILE)
        self._lexical: LexicalIndex | None = None
        self._count_tokens: Callable[[str], int] | None = None
        self._seen_version = self.version  # the ledger version our Chroma view reflects

    # ----- the ledger state, once per request ----------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[LedgerState]:
        """One request's view of the ledger state, read once and used by every step inside
        (nested scopes share the outer one's); outside a scope every read is fresh."""
        outer = self._request.state
        if outer is not None:
            yield outer
            return
        self._request.state = state = self.ledger.state()
        try:
            yield state
        finally:
            self._request.state = None

    def state(self) -> LedgerState:
        """The ledger state: the current request's, or read now."""
        current = self._request.state
        return current if current is not None else self.ledger.state()

    def _set_state(self, db: Any = None, **values: str) -> None:
        self.ledger.set_state(db, **values)
        self._request.state = None  # a write ends the snapshot: later reads see it

    @property
    def client(self) -> Any:
        """The Chroma client in use (renewed when another process changed the index)."""
        return self.chroma.client

    @property
    def active(self) -> str | None:
        """Name of the collection queries read from (None before the first build)."""
        return self.state().active

    @property
    def version(self) -> str:
        """Changes on every committed update; the lexical index is stamped with it."""
        return self.state().version

    # ----- reading -------------------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when no article is indexed."""
        active = self.active
        return not active or not self.ledger.has_rows(active)

    def check_embedder(self) -> None:
        """Refuse to query an index built by a different embedder."""
        built_with, current = self.state().embedder, self.embeddings.embedder_id
        if built_with and built_with != current:
            raise IndexStoreError(
                f"this index was built with embedder '{built_with}' but '{current}' is configured",
                hint="rebuild it with: assistant index --rebuild (or configure the original model)",
            )

    def _check_location(self, state: LedgerState) -> None:
        """Refuse to read a collection the ledger places in another store than the configured
        one (``assistant index`` moves it: :meth:`IndexWriter._move_here`)."""
        from .relocation import moved_error

        if not state.active or state.location == self.chroma.location:
            return
        legacy = state.location is None  # a ledger from before the record: look once
        if legacy and (self._location_checked or self.chroma.has_collection(state.active)):
            self._location_checked = True
            return
        raise moved_error(state.location, self.chroma, self.index_dir)

    def collection(self, name: str | None = None, create: bool = False) -> GuardedCollection:
        """A Chroma collection (the active one by default, resolved at every call).

        Its calls fail as :class:`IndexStoreError`; reads that race another process's update
        are retried on a fresh view. ``create`` makes the collection when it is missing.
        """
        if name is None:
            with self.reading() as state:
                self._active_or_fail(state)
                self._check_location(state)
        return GuardedCollection(self.chroma, lambda: name or self._active_or_fail(), create)

    def _active_or_fail(self, state: LedgerState | None = None) -> str:
        active = (state or self.state()).active
        if active is None:
            raise IndexStoreError("the index is empty", hint="build it with: assistant index")
        return active

    def chunks(
        self,
        ids: Iterable[str] | None = None,
        *,
        article_ids: Iterable[str] | None = None,
        vectors: bool = False,
    ) -> list[StoredChunk]:
        """Chunks of the active collection: those with ``ids`` (in that order), or every
        chunk of ``article_ids``, or all; chunks deleted meanwhile are left out. ``vectors``
        adds each chunk's embedding."""
        include = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        with self.reading() as state:
            if not state.active:
                return []
            collection = self.collection()
            if ids is not None:
                wanted = list(dict.fromkeys(ids))
                if not wanted:
                    return []
                found = {c.id: c for c in parse_chunks(collection.get(ids=wanted, include=include))}
                return [found[i] for i in wanted if i in found]
            if article_ids is not None:
                articles = list(dict.fromkeys(article_ids))
                if not articles:
                    return []
                where = {"article_id": {"$in": articles}}
                return parse_chunks(collection.get(where=where, include=include))
            return parse_chunks(collection.get(include=include))

    def chunks_containing(self, text: str, limit: int = 8) -> list[StoredChunk]:
        """Up to ``limit`` chunks of the active collection whose text holds ``text`` exactly
        (case-sensitive): whether the index mentions a name at all, not only what was
        retrieved."""
        if not text.strip():
            return []
        with self.reading() as state:
            if not state.active:
                return []
            got = self.collection().get(
                where_document={"$contains": text},
                limit=limit,
                include=["documents", "metadatas"],
            )
            return parse_chunks(got)

    def _index_id(self) -> str:
        """This index's id, tagged on its collections (a shared server holds other indexes)."""
        index_id = self.state().values.get("index_id")
        if index_id is None:
            index_id = uuid.uuid4().hex[:12]
            self._set_state(index_id=index_id)
        return index_id

    def _new_metadata(self) -> dict[str, Any]:
        return {"hnsw:space": "cosine", "assistant_index": self._index_id()}

    def refresh(self) -> None:
        """Take in an update made by another process: reopen Chroma if the ledger moved."""
        if self.version != self._seen_version:
            self._renew_view()

    def _renew_view(self) -> None:
        """Reopen the Chroma view so other processes' writes show."""
        version = self.version
        self.chroma.renew()
        self._seen_version = version

    def articles(self) -> list[LedgerRow]:
        """Every indexed article of the active collection."""
        active = self.active
        return list(self.ledger.rows(active).values()) if active else []

    def article_texts(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Cleaned text of indexed articles, by article id."""
        active = self.active
        return self.ledger.article_texts(active, article_ids) if active else {}

    def lexical(self) -> LexicalIndex:
        """The BM25 index of the current version, loaded or (if stale) rebuilt and saved."""
        with self.reading() as state:
            self.refresh()
            if self._lexical is not None and self._lexical.version == state.version:
                return self._lexical
            loaded = LexicalIndex.load(
                self.index_dir / LEXICAL_DIR, state.active or "none", state.version
            )
            self._lexical = loaded or self._build_lexical(state)
            return self._lexical

    def _build_lexical(self, state: LedgerState) -> LexicalIndex:
        ids, texts, outlets, dates, days, chunk_texts = [], [], [], [], [], []
        vectors = None
        if state.active:
            self._check_location(state)
            found = self.chunks(vectors=True)
            for chunk in found:
                meta = chunk.metadata
                ids.append(chunk.id)
                texts.append(f"{meta.get('title', '')}\n{meta.get('outlet', '')}\n{chunk.text}")
                outlets.append(meta.get("outlet", ""))
                dates.append(meta.get("published_ts"))
                days.append(str(meta.get("published") or "")[:10])
                chunk_texts.append(chunk.text)
            present = [chunk.vector for chunk in found if chunk.vector is not None]
            if len(present) == len(found):  # all or nothing: rows must line up with ids
                vectors = present
        index = LexicalIndex.build(
            ids, texts, outlets, dates, state.version, vectors, days, chunk_texts
        )
        self._save_lexical(index, state.active or "none")
        return index

    def _save_lexical(self, index: LexicalIndex, name: str) -> None:
        """Save BM25 for other processes, unless a writer is busy or the folder is read-only
        (the index then lives in memory only and still answers)."""
        root = self.index_dir / LEXICAL_DIR
        if self._lock_owner == threading.get_ident():
            with contextlib.suppress(OSError):
                index.save(root, name)
            return
        lock = FileLock(self.index_dir / LOCK_FILE, wait_s=0)
        with contextlib.suppress(OSError, IndexStoreError), lock:
            if self.ledger.state().version == index.version:
                index.save(root, name)

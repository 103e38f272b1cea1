"""The on-disk index: chunks and vectors in Chroma, articles in the ledger, BM25 beside them.

Crash safety: new chunks are written before the ledger row that names them, and old chunks
are deleted only after it; a rebuild fills a fresh collection and switches to it in one
ledger transaction. A process killed at any point therefore leaves an index that answers
with old or new content, and the next run removes what the killed one left behind.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from .articles import Article
from .chunking import Span, chunk_spans
from .errors import ChromaServerError, IndexStoreError
from .ledger import Ledger, LedgerRow, chunk_ids
from .lexical import LexicalIndex
from .loaders import LoadResult, Skipped, iter_source_files, load_file
from .locks import FileLock as _FileLock

Progress = Callable[[int, int], None]
LEDGER_FILE = "ledger.sqlite"
CHROMA_DIR = "chroma"
LEXICAL_DIR = "lexical"
LOCK_FILE = "write.lock"
EMBED_GROUP = 256  # chunks embedded and written per step
READ_ATTEMPTS = 5  # a read that races another process's write is retried on a fresh view
SERVER_URL_HINT = "give the Chroma server as http://host:port (ASSISTANT_CHROMA_URL, --chroma-url)"


@dataclass
class IndexReport:
    """What an indexing run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when nothing was skipped."""
        return not self.skipped

    def summary(self) -> str:
        """One line of counts."""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)},"
            f" unchanged {len(self.unchanged)}, skipped {len(self.skipped)}"
            f" ({self.chunks_embedded} chunks embedded in {self.seconds:.1f}s)"
        )

    def to_dict(self) -> dict:
        """JSON-serialisable form."""
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "notes": self.notes,
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Work:
    article: Article
    source_file: str | None
    spans: list[Span]
    old: LedgerRow | None


def published_timestamp(published: str | None) -> int | None:
    """Unix seconds of an ISO date (naive dates count as UTC), for range filters."""
    if not published:
        return None
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def embedding_text(article: Article | LedgerRow, chunk: str) -> str:
    """The text embedded for a chunk: a short header (title, outlet, date) then the chunk."""
    date = (article.published or "")[:10]
    return f"{article.title}\n{article.outlet} {date}\n{chunk}"


def open_chroma(index_dir: Path, fresh: bool = False):
    """An embedded, persistent Chroma client under ``index_dir`` (telemetry off).

    ``fresh`` gives a new view of the disk: embedded Chroma keeps each path's segments in
    memory per process, so writes by another process only show in a newly opened system.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path = Path(index_dir) / CHROMA_DIR
    path.mkdir(parents=True, exist_ok=True)
    if fresh:
        _forget_cached_system(str(path))
    try:
        return chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
        )
    except Exception as error:  # chromadb raises assorted errors for damaged stores
        if _read_only(path, error):
            raise IndexStoreError(
                f"the index folder {path.parent} is read-only ({error})",
                hint="make it writable (embedded Chroma writes even to answer), or serve the "
                "index from a Chroma server (--chroma-url)",
            ) from error
        raise IndexStoreError(
            f"the Chroma store at {path} cannot be opened ({type(error).__name__}: {error})",
            hint="rebuild it with: assistant index --rebuild",
        ) from error


READ_ONLY_SIGNS = ("readonly database", "read-only file system", "permission denied")


def _read_only(path: Path, error: Exception) -> bool:
    """Whether opening the store failed because its folder cannot be written (not damage)."""
    message = str(error).lower()
    return any(sign in message for sign in READ_ONLY_SIGNS) or not os.access(path, os.W_OK)


def _forget_cached_system(identifier: str) -> None:
    """Drop this process's shared Chroma system for a path so the next client opens anew.

    The old system is not stopped: reads already running in other threads finish on it,
    and it is freed when the last of its collections is.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        SharedSystemClient._identifier_to_system.pop(identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def open_chroma_server(url: str, token: str | None = None):
    """A client of the Chroma server at ``url`` (``http[s]://host:port``).

    ``token`` is sent as ``Authorization: Bearer <token>`` on every request (chromadb's
    token auth provider), for a server or a proxy in front of it that checks it.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    parts = urlsplit(url)
    if not parts.hostname:
        raise ChromaServerError(f"'{url}' is not a server address", hint=SERVER_URL_HINT)
    ssl = parts.scheme == "https"
    auth = {}
    if token:
        auth = {
            "chroma_client_auth_provider": "chromadb.auth.token_authn.TokenAuthClientProvider",
            "chroma_client_auth_credentials": token,
        }
    settings = ChromaSettings(anonymized_telemetry=False, **auth)
    try:
        return chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if ssl else 80),
            ssl=ssl,
            settings=settings,
        )
    except Exception as error:
        raise chroma_error(error, url, "connecting") from error


def is_unreachable(error: BaseException) -> bool:
    """True for a network failure talking to a Chroma server (refused, reset, timed out)."""
    import httpx

    if isinstance(error, (httpx.TransportError, ConnectionError)):
        return True
    return "Could not connect to a Chroma server" in str(error)  # chromadb's own ValueError


def chroma_error(error: BaseException, server_url: str | None, doing: str) -> IndexStoreError:
    """Our error for a failed Chroma call: the server is down, refused us, or the store failed."""
    if isinstance(error, IndexStoreError):
        return error
    detail = f"{type(error).__name__}: {error}"
    if server_url and is_unreachable(error):
        return ChromaServerError(
            f"the Chroma server at {server_url} cannot be reached while {doing} ({detail})",
            hint="start it (chroma run --path DIR --port PORT) or fix ASSISTANT_CHROMA_URL;"
            " the assistant reconnects by itself once it is back",
        )
    if server_url and _is_refusal(error):
        return ChromaServerError(
            f"the Chroma server at {server_url} refused the request while {doing} ({detail})",
            hint="check ASSISTANT_CHROMA_TOKEN (--chroma-token)",
        )
    return IndexStoreError(
        f"{doing} the Chroma index failed ({detail})",
        hint="check free disk space and permissions of the index folder, or rebuild it with:"
        " assistant index --rebuild",
    )


def _is_refusal(error: BaseException) -> bool:
    from chromadb.errors import AuthorizationError, ChromaAuthError

    text = str(error)
    return isinstance(error, (ChromaAuthError, AuthorizationError)) or any(
        code in text for code in ("401", "403", "Unauthorized", "Forbidden")
    )


def check_index_dir(index_dir: Path) -> None:
    """Refuse a folder that holds something other than an assistant index."""
    index_dir = Path(index_dir)
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise IndexStoreError(f"the index path {index_dir} is a file, not a folder")
    # "models": the onnx-int8 embedder's export; a folder whose ledger is in a database
    # (ASSISTANT_LEDGER_URL) has no ledger file, only these.
    # "web": fetch state of followed feeds and URLs (assistant/web).
    ours = {
        LEDGER_FILE,
        CHROMA_DIR,
        LEXICAL_DIR,
        LOCK_FILE,
        "models",
        "web",
        "README.md",
        ".gitkeep",
    }
    names = {entry.name for entry in index_dir.iterdir()}
    if names and (LEDGER_FILE not in names) and (names - ours - {f"{LEDGER_FILE}-wal"}):
        raise IndexStoreError(
            f"{index_dir} holds files that are not an assistant index",
            hint="point ASSISTANT_INDEX_DIR at an empty or assistant-made folder",
        )


def make_store(settings, embeddings, client=None) -> IndexStore:
    """The index store the settings describe: embedded Chroma under ``index_dir``, or the
    Chroma server at ``chroma_url``; the ledger in ``index_dir``, or in the database at
    ``ledger_url`` (BM25 stays in ``index_dir``, a cache of this machine). A ``client``
    passed in is used as is and never reopened."""
    index_dir = Path(settings.index_dir)
    if client is not None:
        reopen = None
    elif settings.chroma_url:
        client = open_chroma_server(settings.chroma_url, settings.chroma_token)
        reopen = None
    else:
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
    )


class IndexStore:
    """Reads and writes one index folder. The Chroma client and embedder are passed in.

    ``reopen`` makes a new client with a fresh view of the store (embedded Chroma: see
    :func:`open_chroma`); the store calls it when the ledger shows that another process has
    changed the index, and when a read races such a change. ``server_url`` names the Chroma
    server the client talks to (None for the embedded store), for error messages.
    ``ledger_url`` puts the ledger (and the writer lock) in that database instead of
    ``index_dir``; the BM25 snapshot in ``index_dir`` is then this machine's own cache.
    """

    embed_group = EMBED_GROUP

    def __init__(
        self,
        index_dir: Path,
        client,
        embeddings,
        chunk_tokens=200,
        overlap_tokens=40,
        *,
        reopen: Callable[[], object] | None = None,
        server_url: str | None = None,
        lock_wait_s: float = 30.0,
        ledger_url: str | None = None,
    ):
        self.index_dir = Path(index_dir)
        check_index_dir(self.index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.client = client
        self.server_url = server_url
        self.lock_wait_s = lock_wait_s
        self._reopen = reopen
        self._view_lock = threading.RLock()
        self._lock_owner: int | None = None
        self.embeddings = embeddings
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        self.ledger = Ledger(ledger_url or self.index_dir / LEDGER_FILE)
        self._lexical: LexicalIndex | None = None
        self._collections: dict[str, object] = {}
        self._count_tokens = None
        self._seen_version = self.version  # the ledger version our Chroma view reflects

    # ----- reading -------------------------------------------------------------------------

    @property
    def active(self) -> str | None:
        """Name of the collection queries read from (None before the first build)."""
        return self.ledger.get_state("active_collection")

    @property
    def version(self) -> str:
        """Changes on every committed update; the lexical index is stamped with it."""
        return self.ledger.get_state("version") or "0"

    def is_empty(self) -> bool:
        """True when no article is indexed."""
        return not self.active or not self.ledger.has_rows(self.active)

    def check_embedder(self) -> None:
        """Refuse to query an index built by a different embedder."""
        built_with = self.ledger.get_state("embedder")
        current = self.embeddings.embedder_id
        if built_with and built_with != current:
            raise IndexStoreError(
                f"this index was built with embedder '{built_with}' but '{current}' is configured",
                hint="rebuild it with: assistant index --rebuild (or configure the original model)",
            )

    def collection(self, name: str | None = None, create: bool = False) -> _Collection:
        """A Chroma collection (the active one by default, resolved at every call).

        Its calls fail as :class:`IndexStoreError`; reads that race another process's update
        are retried on a fresh view. ``create`` makes the collection when it is missing.
        """
        if name is None and self.active is None:
            raise IndexStoreError("the index is empty", hint="build it with: assistant index")
        return _Collection(self, name, create)

    def _raw_collection(self, name: str | None, create: bool):
        name = name or self.active
        if name is None:
            raise IndexStoreError("the index is empty", hint="build it with: assistant index")
        with self._view_lock:
            if name not in self._collections:
                if create:
                    metadata = {"hnsw:space": "cosine", "assistant_index": self._index_id()}
                    found = self.client.get_or_create_collection(
                        name=name, metadata=metadata, embedding_function=None
                    )
                else:
                    found = self.client.get_collection(name=name, embedding_function=None)
                self._collections[name] = found
            return self._collections[name]

    def _index_id(self) -> str:
        """This index's id, tagged on its collections (a shared server holds other indexes)."""
        index_id = self.ledger.get_state("index_id")
        if index_id is None:
            index_id = uuid.uuid4().hex[:12]
            self.ledger.set_state(index_id=index_id)
        return index_id

    def _read(self, name: str | None, method: str, kwargs: dict):
        """A read from Chroma, retried on a fresh view when it races another process."""
        for attempt in range(READ_ATTEMPTS):
            try:
                return getattr(self._raw_collection(name, create=False), method)(**kwargs)
            except IndexStoreError:
                raise
            except Exception as error:
                final = attempt == READ_ATTEMPTS - 1
                if final or (self.server_url and is_unreachable(error)):
                    raise chroma_error(error, self.server_url, "reading") from error
            time.sleep(0.05 * (attempt + 1))
            self._renew_view()
        raise AssertionError("unreachable")  # pragma: no cover

    def _call(self, doing: str, method, *args, **kwargs):
        """A Chroma call whose failure becomes our error."""
        try:
            return method(*args, **kwargs)
        except IndexStoreError:
            raise
        except Exception as error:
            raise chroma_error(error, self.server_url, doing) from error

    def refresh(self) -> None:
        """Take in an update made by another process: reopen Chroma if the ledger moved."""
        if self.version != self._seen_version:
            self._renew_view()

    def _renew_view(self) -> None:
        """Forget cached collections; reopen the embedded store so other processes' writes
        show (a server is always current)."""
        with self._view_lock:
            version = self.version
            if self._reopen is not None:
                self.client = self._reopen()
            self._collections.clear()
            self._seen_version = version

    def articles(self) -> list[LedgerRow]:
        """Every indexed article of the active collection."""
        return list(self.ledger.rows(self.active).values()) if self.active else []

    def article_texts(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Cleaned text of indexed articles, by article id."""
        return self.ledger.article_texts(self.active, article_ids) if self.active else {}

    def lexical(self) -> LexicalIndex:
        """The BM25 index of the current version, loaded or (if stale) rebuilt and saved."""
        self.refresh()
        version = self.version
        if self._lexical is not None and self._lexical.version == version:
            return self._lexical
        name = self.active or "none"
        loaded = LexicalIndex.load(self.index_dir / LEXICAL_DIR, name, version)
        self._lexical = loaded or self._build_lexical(version)
        return self._lexical

    def _build_lexical(self, version: str) -> LexicalIndex:
        ids, texts, outlets, dates, days, chunk_texts, vectors = [], [], [], [], [], [], None
        if self.active:
            got = self.collection().get(include=["documents", "metadatas", "embeddings"])
            for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                ids.append(chunk_id)
                texts.append(f"{meta.get('title', '')}\n{meta.get('outlet', '')}\n{text}")
                outlets.append(meta.get("outlet", ""))
                dates.append(meta.get("published_ts"))
                days.append(str(meta.get("published") or "")[:10])
                chunk_texts.append(text)
            vectors = got["embeddings"]
        index = LexicalIndex.build(ids, texts, outlets, dates, version, vectors, days, chunk_texts)
        self._save_lexical(index)
        return index

    def _save_lexical(self, index: LexicalIndex) -> None:
        """Save BM25 for other processes, unless a writer is busy or the folder is read-only
        (the index then lives in memory only and still answers)."""
        root, name = self.index_dir / LEXICAL_DIR, self.active or "none"
        if self._lock_owner == threading.get_ident():
            with contextlib.suppress(OSError):
                index.save(root, name)
            return
        lock = _FileLock(self.index_dir / LOCK_FILE, wait_s=0)
        with contextlib.suppress(OSError, IndexStoreError), lock:
            if self.version == index.version:
                index.save(root, name)

    # ----- writing -------------------------------------------------------------------------

    def sync(
        self, paths: Iterable[Path], remove_missing: bool = True, progress: Progress | None = None
    ) -> IndexReport:
        """Bring the index in line with ``paths``: add new, re-embed changed, drop removed."""
        with self._write_lock():
            if self.active and self.ledger.get_state("chunking") != self._chunking_id():
                # Chunks of another size cannot be updated in place: rebuild beside them.
                report = self._sync_into(
                    self._new_collection_name(),
                    list(paths),
                    True,
                    progress,
                    switch=True,
                    fresh=True,
                )
                report.notes.insert(0, "chunk settings changed: the index was rebuilt")
                return report
            collection = self.active or self._new_collection_name()
            return self._sync_into(collection, list(paths), remove_missing, progress, switch=True)

    def rebuild(self, paths: Iterable[Path], progress: Progress | None = None) -> IndexReport:
        """Build a fresh collection from ``paths``, then switch to it atomically."""
        with self._write_lock():
            paths = [Path(p).resolve() for p in paths]
            fresh = self._new_collection_name()
            everything = paths + self._indexed_files_outside(paths)
            return self._sync_into(fresh, everything, True, progress, switch=True, fresh=True)

    def _indexed_files_outside(self, paths: list[Path]) -> list[Path]:
        """Files of indexed articles (e.g. uploads) that ``paths`` do not cover: a rebuild
        re-reads them too, so it never drops an article that was added by hand."""
        files = {row.source_file for row in self.articles() if row.source_file}
        return sorted(
            Path(file) for file in files if not self._under(file, paths) and Path(file).is_file()
        )

    def remove(self, keys: Iterable[str]) -> list[str]:
        """Remove articles by article id or origin; returns the origins removed."""
        with self._write_lock():
            if not self.active:
                return []
            wanted = set(keys)
            rows = self.ledger.rows(self.active)
            doomed = [r for r in rows.values() if r.origin in wanted or r.article_id in wanted]
            self._bump_version()
            self._delete_rows(self.active, doomed)
            self._finish(self.active)
            return [row.origin for row in doomed]

    def _sync_into(self, collection, paths, remove_missing, progress, switch, fresh=False):
        started = time.perf_counter()
        report = IndexReport()
        self._bump_version()  # before any write: a killed run leaves BM25 visibly stale
        paths = [Path(p).resolve() for p in paths]
        known = {} if fresh else self.ledger.rows(collection)
        loaded = LoadResult()
        loaded_from: dict[str, str] = {}
        for file in iter_source_files(paths):
            result = load_file(file)
            loaded.extend(result)
            loaded_from.update((article.origin, str(file)) for article in result.articles)
        report.skipped.extend(loaded.skipped)
        unreadable = {skip.path for skip in loaded.skipped}
        # Articles of the scanned folders that are gone; a file that could not be read this
        # time keeps its old articles (nothing is lost to a transient read error).
        gone = [
            row
            for origin, row in known.items()
            if remove_missing
            and origin not in loaded_from
            and self._under(row.source_file, paths)
            and row.source_file not in unreadable
        ]
        staying = [row for origin, row in known.items() if row not in gone]
        work, superseded = self._plan(loaded.articles, loaded_from, known, staying, report)
        gone.extend(superseded)
        self._write(collection, work, report, progress)
        self._delete_rows(collection, gone)
        report.removed.extend(row.origin for row in gone)
        if switch:
            self._switch_to(collection)
        self._finish(collection)
        report.seconds = time.perf_counter() - started
        return report

    def _plan(self, articles, loaded_from, known, staying, report):
        """Decide what to embed: ``(work, superseded rows)``; duplicates are skipped."""
        loaded_origins = {article.origin for article in articles}
        seen_hashes = {r.content_hash: r.origin for r in staying if r.origin not in loaded_origins}
        work: list[_Work] = []
        superseded: list[LedgerRow] = []
        # Already-indexed copies come first, so a new copy of an old article is the duplicate.
        for article in sorted(articles, key=lambda a: a.origin not in known):
            old = known.get(article.origin)
            duplicate_of = seen_hashes.get(article.content_hash)
            if duplicate_of and duplicate_of != article.origin:
                report.skipped.append(Skipped(article.origin, f"duplicate of {duplicate_of}"))
                if old:
                    superseded.append(old)
                continue
            seen_hashes[article.content_hash] = article.origin
            report.notes.extend(f"{article.origin}: {note}" for note in article.notes)
            if old and old.fingerprint == article.fingerprint:
                report.unchanged.append(article.origin)
                continue
            (report.updated if old else report.added).append(article.origin)
            spans = chunk_spans(
                article.text, self.chunk_tokens, self.overlap_tokens, self._token_counter()
            )
            work.append(_Work(article, loaded_from.get(article.origin), spans, old))
        return work, superseded

    def _write(self, collection, work: list[_Work], report: IndexReport, progress) -> None:
        total = sum(len(item.spans) for item in work)
        done = 0
        if progress:
            progress(0, total)
        group: list[_Work] = []
        for item in work:
            group.append(item)
            if sum(len(g.spans) for g in group) >= self.embed_group:
                done += self._write_group(collection, group)
                group = []
                if progress:
                    progress(done, total)
        if group:
            done += self._write_group(collection, group)
            if progress:
                progress(done, total)
        report.chunks_embedded += done

    def _write_group(self, collection: str, group: list[_Work]) -> int:
        """Embed and store a few articles' chunks, then record them, then drop old chunks."""
        ids, documents, metadatas, texts = [], [], [], []
        for item in group:
            article = item.article
            base = article.metadata()
            ts = published_timestamp(article.published)
            for number, span in enumerate(item.spans):
                chunk = span.of(article.text)
                meta = {**base, "chunk": number, "start": span.start, "end": span.end}
                if ts is not None:
                    meta["published_ts"] = ts
                ids.append(chunk_ids(article.article_id, number + 1)[-1])
                documents.append(chunk)
                metadatas.append(meta)
                texts.append(embedding_text(article, chunk))
        vectors = self.embeddings.embed_documents(texts) if texts else []
        target = self.collection(collection, create=True)
        if ids:
            target.upsert(ids=ids, embeddings=vectors, documents=documents, metadatas=metadatas)
        stale: list[str] = []
        with self.ledger.transaction() as db:
            for item in group:
                self.ledger.put(db, collection, item.article, item.source_file, len(item.spans))
                if item.old and item.old.article_id != item.article.article_id:
                    stale.extend(item.old.chunk_ids())
                elif item.old and item.old.n_chunks > len(item.spans):
                    stale.extend(item.old.chunk_ids()[len(item.spans) :])
            self.ledger.set_state(
                db, embedder=self.embeddings.embedder_id, chunking=self._chunking_id()
            )
        if stale:
            target.delete(ids=stale)
        return len(ids)

    def _delete_rows(self, collection: str, rows: list[LedgerRow]) -> None:
        if not rows:
            return
        with self.ledger.transaction() as db:
            self.ledger.delete(db, collection, [row.origin for row in rows])
        ids = [chunk_id for row in rows for chunk_id in row.chunk_ids()]
        self.collection(collection, create=True).delete(ids=ids)

    def _switch_to(self, collection: str) -> None:
        previous = self.active
        if previous == collection:
            return
        with self.ledger.transaction() as db:
            self.ledger.set_state(db, active_collection=collection)
            if previous:
                self.ledger.drop_collection(db, previous)
        self._collections.pop(previous, None)

    def _finish(self, collection: str) -> None:
        """Collect garbage a killed run may have left, bump the version, refresh BM25."""
        self._collect_garbage(collection)
        self._bump_version()
        self._lexical = None
        self.lexical()

    def _bump_version(self) -> None:
        version = uuid.uuid4().hex[:12]
        with self.ledger.transaction() as db:
            self.ledger.set_state(db, version=version)
        self._seen_version = version  # our own writes are in our view

    def _collect_garbage(self, active: str) -> None:
        for stale in self.ledger.collections() - {active}:
            with self.ledger.transaction() as db:
                self.ledger.drop_collection(db, stale)
        for name in self._own_collections():
            if name != active:
                self._call("deleting a collection in", self.client.delete_collection, name)
                self._collections.pop(name, None)
        expected = {cid for row in self.ledger.rows(active).values() for cid in row.chunk_ids()}
        target = self.collection(active, create=True)
        orphans = sorted(set(target.get(include=[])["ids"]) - expected)
        if orphans:
            target.delete(ids=orphans)

    def _own_collections(self) -> list[str]:
        """Names of this index's collections. An embedded store holds only ours; on a shared
        server, only those tagged with our index id."""
        found = self._call("listing", self.client.list_collections)
        names = []
        for existing in found:
            name = getattr(existing, "name", existing)
            if not name.startswith("chunks_"):
                continue
            tag = (getattr(existing, "metadata", None) or {}).get("assistant_index")
            if self.server_url is None or tag == self._index_id():
                names.append(name)
        return names

    # ----- helpers -------------------------------------------------------------------------

    def _token_counter(self):
        if self._count_tokens is None:
            counter = getattr(self.embeddings, "token_counter", None)
            if counter is None:
                from .chunking import approx_token_count

                self._count_tokens = approx_token_count
            else:
                self._count_tokens = counter()
        return self._count_tokens

    def _chunking_id(self) -> str:
        return f"{self.chunk_tokens}/{self.overlap_tokens}"

    @staticmethod
    def _new_collection_name() -> str:
        return f"chunks_{uuid.uuid4().hex[:10]}"

    @staticmethod
    def _under(source_file: str | None, paths: list[Path]) -> bool:
        if not source_file:
            return False
        file = Path(source_file)
        for root in paths:
            root = Path(root)
            if file == root or root in file.parents:
                return True
        return False

    @contextlib.contextmanager
    def _write_lock(self):
        """Hold the index's writer lock (the ledger's, shared by every machine, then this
        folder's); first take in what other writers did."""
        shared = self.ledger.writer_lock(self.lock_wait_s, self.index_dir / LEDGER_FILE)
        with shared, _FileLock(self.index_dir / LOCK_FILE, wait_s=self.lock_wait_s):
            self.refresh()
            self._lock_owner = threading.get_ident()
            try:
                yield
            finally:
                self._lock_owner = None


GET_PAGE = 5_000  # records per Chroma read


def _merged(parts: list[dict]) -> dict:
    """One ``get`` result from the results of its pages (each record once, in order)."""
    if len(parts) == 1:
        return parts[0]
    seen: set[str] = set()
    rows: list[tuple[dict, int]] = []  # (page, position) of each record kept
    for part in parts:
        for position, record_id in enumerate(part["ids"]):
            if record_id not in seen:
                seen.add(record_id)
                rows.append((part, position))
    merged = dict(parts[0])
    for key, value in parts[0].items():
        if key not in ("include", "included") and value is not None and not isinstance(value, str):
            merged[key] = [part[key][position] for part, position in rows]
            if hasattr(value, "shape"):  # embeddings come as one array
                merged[key] = np.asarray(merged[key])
    return merged


class _Collection:
    """A Chroma collection seen through its store: failures are our errors, and reads that
    race another process's update are retried on a fresh view."""

    def __init__(self, store: IndexStore, name: str | None, create: bool):
        self._store, self._name, self._create = store, name, create

    @property
    def name(self) -> str | None:
        """The collection's name (the active one when none was given)."""
        return self._name or self._store.active

    def query(self, **kwargs):
        """Nearest neighbours (chromadb ``Collection.query``)."""
        return self._store._read(self._name, "query", kwargs)

    def get(self, **kwargs):
        """Records by id or filter (chromadb ``Collection.get``), read in pages: one read of
        tens of thousands of records exceeds SQLite's limit on query variables."""
        ids = kwargs.get("ids")
        if ids is not None:
            ids = list(ids)
            pages = [
                {**kwargs, "ids": ids[at : at + GET_PAGE]} for at in range(0, len(ids), GET_PAGE)
            ]
            return _merged(
                [self._store._read(self._name, "get", page) for page in pages or [kwargs]]
            )
        if "limit" in kwargs or "offset" in kwargs:
            return self._store._read(self._name, "get", kwargs)
        parts, offset = [], 0
        while True:
            part = self._store._read(
                self._name, "get", {**kwargs, "limit": GET_PAGE, "offset": offset}
            )
            parts.append(part)
            if len(part["ids"]) < GET_PAGE:
                return _merged(parts)
            offset += GET_PAGE

    def count(self) -> int:
        """Number of records."""
        return self._store._read(self._name, "count", {})

    def upsert(self, **kwargs) -> None:
        """Add or overwrite records."""
        self._store._call("writing to", self._target().upsert, **kwargs)

    def delete(self, **kwargs) -> None:
        """Delete records."""
        self._store._call("deleting from", self._target().delete, **kwargs)

    def _target(self):
        return self._store._call("opening", self._store._raw_collection, self._name, self._create)

"""Writing the index: syncing it with article files, rebuilding it, removing articles, and
moving it to the configured Chroma store. :class:`IndexWriter` is the writing half of
:class:`assistant.store.IndexStore` (the reading half, the ledger state and the Chroma
adapter are there)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .articles import Article
from .chroma_store import ChromaStore, GuardedCollection, describe_location
from .chunking import approx_token_count, chunk_spans
from .errors import AssistantError, IndexStoreError
from .indexing import ArticleToEmbed, IndexReport, Progress, chunk_metadata, embedding_text
from .ledger import Ledger, LedgerRow, LedgerState, chunk_ids
from .lexical import LexicalIndex
from .loaders import LoadResult, Skipped, iter_source_files, load_file
from .locks import FileLock
from .protocols import Embedder

LEDGER_FILE = "ledger.sqlite"
LOCK_FILE = "write.lock"
EMBED_GROUP = 256  # chunks embedded and written per step


class IndexWriter(ABC):
    """The writing half of the index store. :class:`assistant.store.IndexStore` sets these
    attributes and implements the abstract reading methods the writing uses."""

    embed_group = EMBED_GROUP
    index_dir: Path
    chroma: ChromaStore
    ledger: Ledger
    embeddings: Embedder
    chunk_tokens: int
    overlap_tokens: int
    max_file_bytes: int
    lock_wait_s: float
    server_url: str | None
    _lock_owner: int | None
    _lexical: LexicalIndex | None
    _count_tokens: Callable[[str], int] | None
    _seen_version: str
    _location_checked: bool

    @property
    @abstractmethod
    def active(self) -> str | None:
        """Implemented by IndexStore."""

    @abstractmethod
    def state(self) -> LedgerState:
        """Implemented by IndexStore."""

    @abstractmethod
    def _set_state(self, db: Any = None, **values: str) -> None:
        """Implemented by IndexStore."""

    @abstractmethod
    def _check_location(self, state: LedgerState) -> None:
        """Implemented by IndexStore."""

    @abstractmethod
    def collection(self, name: str | None = None, create: bool = False) -> GuardedCollection:
        """Implemented by IndexStore."""

    @abstractmethod
    def articles(self) -> list[LedgerRow]:
        """Implemented by IndexStore."""

    @abstractmethod
    def lexical(self) -> LexicalIndex:
        """Implemented by IndexStore."""

    @abstractmethod
    def refresh(self) -> None:
        """Implemented by IndexStore."""

    @abstractmethod
    def _index_id(self) -> str:
        """Implemented by IndexStore."""

    # ----- writing -------------------------------------------------------------------------

    def sync(
        self, paths: Iterable[Path], remove_missing: bool = True, progress: Progress | None = None
    ) -> IndexReport:
        """Bring the index in line with ``paths``: add new, re-embed changed, drop removed."""
        with self._write_lock():
            notes = self._move_here(progress)
            if self.active and self.state().chunking != self._chunking_id():
                # Chunks of another size cannot be updated in place: rebuild beside them.
                report = self._sync_into(
                    self._new_collection_name(),
                    list(paths),
                    True,
                    progress,
                    fresh=True,
                )
                report.notes.insert(0, "chunk settings changed: the index was rebuilt")
            else:
                collection = self.active or self._new_collection_name()
                report = self._sync_into(collection, list(paths), remove_missing, progress)
            report.notes[:0] = notes
            return report

    def rebuild(self, paths: Iterable[Path], progress: Progress | None = None) -> IndexReport:
        """Build a fresh collection from ``paths``, then switch to it atomically."""
        with self._write_lock():
            paths = [Path(p).resolve() for p in paths]
            fresh = self._new_collection_name()
            everything = paths + self._indexed_files_outside(paths)
            return self._sync_into(fresh, everything, True, progress, fresh=True)

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
            active = self.active
            if not active:
                return []
            self._check_location(self.state())
            wanted = set(keys)
            rows = self.ledger.rows(active)
            doomed = [r for r in rows.values() if r.origin in wanted or r.article_id in wanted]
            self._bump_version()
            self._delete_rows(active, doomed)
            self._finish(active)
            return [row.origin for row in doomed]

    def _move_here(self, progress: Progress | None) -> list[str]:
        """When the ledger places the active collection in another Chroma store than the
        configured one, build it here (copying the vectors when the old store is readable,
        else re-embedding the ledger's articles) and switch to it; what was done, as notes."""
        from .relocation import copy_chunks, open_old_store

        state = self.state()
        here = self.chroma.location
        if not state.active or state.location == here:
            return []
        if state.location is None and self.chroma.has_collection(state.active):
            self._set_state(chroma_store=here)  # a ledger from before the record
            return []
        old = state.location or "another Chroma store"
        moved = f"the index moved from {describe_location(old, self.index_dir)} to"
        moved += f" {describe_location(here, self.index_dir)}"
        target = self._new_collection_name()
        rows = self.ledger.rows(state.active).values()
        expected = {chunk_id for row in rows for chunk_id in row.chunk_ids()}
        try:
            if state.location is None:
                raise IndexStoreError("the ledger does not say which store it was")
            source = open_old_store(state.location, self.index_dir)
            copied = copy_chunks(source, state.active, self.collection(target, True), expected)
        except AssistantError as error:
            report = IndexReport()
            work = [
                self._to_embed(article, source_file, None)
                for article, source_file in self.ledger.stored_articles(state.active)
            ]
            self._write(target, work, report, progress)
            note = f"{moved}: re-embedded {report.chunks_embedded} chunks ({error.message})"
        else:
            with self.ledger.transaction() as db:
                self.ledger.copy_collection(db, state.active, target)
            note = f"{moved}: copied {copied} chunks with their vectors"
        self._ensure_collection(target)
        self._switch_to(target)
        self._location_checked = False
        return [note]

    def _sync_into(
        self,
        collection: str,
        paths: list[Path],
        remove_missing: bool,
        progress: Progress | None,
        fresh: bool = False,
    ) -> IndexReport:
        started = time.perf_counter()
        report = IndexReport()
        self._bump_version()  # before any write: a killed run leaves BM25 visibly stale
        paths = [Path(p).resolve() for p in paths]
        known = {} if fresh else self.ledger.rows(collection)
        loaded, loaded_from = self._load(paths, report)
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
        if not self.active and not work:  # nothing to put in a new index: make nothing
            self._bump_version()
            report.seconds = time.perf_counter() - started
            return report
        self._write(collection, work, report, progress)
        self._delete_rows(collection, gone)
        report.removed.extend(row.origin for row in gone)
        self._ensure_collection(collection)
        self._switch_to(collection)
        self._finish(collection)
        report.seconds = time.perf_counter() - started
        return report

    def _load(self, paths: list[Path], report: IndexReport) -> tuple[LoadResult, dict[str, str]]:
        """Load the article files under ``paths``: what was read, and each article's file.
        A path that does not exist, or a folder with no article file, is said so."""
        loaded = LoadResult()
        loaded_from: dict[str, str] = {}
        for path in paths:
            if not path.exists():
                loaded.skipped.append(Skipped(str(path), "no such file or folder"))
                continue
            files = list(iter_source_files([path]))
            if not files and path.is_dir():
                report.notes.append(f"{path}: no article files in this folder")
            for file in files:
                result = load_file(file, max_bytes=self.max_file_bytes)
                loaded.extend(result)
                loaded_from.update((article.origin, str(file)) for article in result.articles)
        report.skipped.extend(loaded.skipped)
        return loaded, loaded_from

    def _plan(
        self,
        articles: list[Article],
        loaded_from: dict[str, str],
        known: dict[str, LedgerRow],
        staying: list[LedgerRow],
        report: IndexReport,
    ) -> tuple[list[ArticleToEmbed], list[LedgerRow]]:
        """Decide what to embed: ``(work, superseded rows)``; duplicates are skipped."""
        loaded_origins = {article.origin for article in articles}
        seen_hashes = {r.content_hash: r.origin for r in staying if r.origin not in loaded_origins}
        work: list[ArticleToEmbed] = []
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
            work.append(self._to_embed(article, loaded_from.get(article.origin), old))
        return work, superseded

    def _to_embed(
        self, article: Article, source_file: str | None, old: LedgerRow | None
    ) -> ArticleToEmbed:
        spans = chunk_spans(
            article.text, self.chunk_tokens, self.overlap_tokens, self._token_counter()
        )
        return ArticleToEmbed(article, source_file, spans, old)

    def _write(
        self,
        collection: str,
        work: list[ArticleToEmbed],
        report: IndexReport,
        progress: Progress | None,
    ) -> None:
        total = sum(len(item.spans) for item in work)
        done = 0
        if progress:
            progress(0, total)
        group: list[ArticleToEmbed] = []
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

    def _write_group(self, collection: str, group: list[ArticleToEmbed]) -> int:
        """Embed and store a few articles' chunks, then record them, then drop old chunks."""
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        texts: list[str] = []
        for item in group:
            article = item.article
            for number, span in enumerate(item.spans):
                chunk = span.of(article.text)
                ids.append(chunk_ids(article.article_id, number + 1)[-1])
                documents.append(chunk)
                metadatas.append(chunk_metadata(article, number, span))
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
            self._set_state(db, embedder=self.embeddings.embedder_id, chunking=self._chunking_id())
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

    def _ensure_collection(self, name: str) -> None:
        """Make collection ``name`` in Chroma (a run that wrote nothing creates it here)."""
        self.chroma.call("creating a collection in", self.chroma.raw_collection, name, True)

    def _switch_to(self, collection: str) -> None:
        """Make ``collection`` (in the configured store) the active one."""
        previous = self.active
        here = self.chroma.location
        if previous == collection and self.state().location == here:
            return
        with self.ledger.transaction() as db:
            self._set_state(db, active_collection=collection, chroma_store=here)
            if previous and previous != collection:
                self.ledger.drop_collection(db, previous)
        if previous != collection:
            self.chroma.forget(previous)

    def _finish(self, collection: str) -> None:
        """Collect garbage a killed run may have left, bump the version, refresh BM25."""
        self._collect_garbage(collection)
        self._bump_version()
        self._lexical = None
        self.lexical()

    def _bump_version(self) -> None:
        version = uuid.uuid4().hex[:12]
        with self.ledger.transaction() as db:
            self._set_state(db, version=version)
        self._seen_version = version  # our own writes are in our view

    def _collect_garbage(self, active: str) -> None:
        for stale in self.ledger.collections() - {active}:
            with self.ledger.transaction() as db:
                self.ledger.drop_collection(db, stale)
        for name in self._own_collections():
            if name != active:
                self.chroma.delete_collection(name)
        expected = {cid for row in self.ledger.rows(active).values() for cid in row.chunk_ids()}
        target = self.collection(active, create=True)
        orphans = sorted(set(target.get(include=[])["ids"]) - expected)
        if orphans:
            target.delete(ids=orphans)

    def _own_collections(self) -> list[str]:
        """Names of this index's collections. An embedded store holds only ours; on a shared
        server, only those tagged with our index id."""
        names = []
        for name, metadata in self.chroma.collections():
            if not name.startswith("chunks_"):
                continue
            if self.server_url is None or metadata.get("assistant_index") == self._index_id():
                names.append(name)
        return names

    # ----- helpers -------------------------------------------------------------------------

    def _token_counter(self) -> Callable[[str], int]:
        if self._count_tokens is None:
            self._count_tokens = self.embeddings.token_counter() or approx_token_count
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
    def _write_lock(self) -> Iterator[None]:
        """Hold the index's writer lock (the ledger's, shared by every machine, then this
        folder's); first take in what other writers did."""
        shared = self.ledger.writer_lock(self.lock_wait_s, self.index_dir / LEDGER_FILE)
        with shared, FileLock(self.index_dir / LOCK_FILE, wait_s=self.lock_wait_s):
            self.refresh()
            self._lock_owner = threading.get_ident()
            try:
                yield
            finally:
                self._lock_owner = None

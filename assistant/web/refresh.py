"""Refresh the web sources: fetch listed feeds and pages, index what is new or changed.

One refresh: each feed is fetched conditionally (an unchanged feed costs one 304); each of
its newest entries (up to the feed's limit) is fetched unless its link is known and the
feed does not say it was updated; a fetched page is skipped when its canonical URL is
indexed with the same text (content hash), re-embedded when the text changed, indexed
when new. Pages go through the store's ordinary file path (``IndexStore.sync`` on the
cached ``page.html``), so they are crash-safe like any file. A failed fetch changes
nothing already indexed; a 410 removes the article.

A stop request (``stop`` event) is honoured between articles: what was fetched so far is
indexed, then the refresh returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..locks import FileLock
from ..store import IndexReport, IndexStore
from . import pages as page_files
from . import wirecopy
from .feeds import FeedEntry, FeedError, parse_feed
from .fetch import FEED_TYPES, Fetcher, FetchError, FetchPolicy, Response
from .sources_file import SourcesFile, WebSource
from .state import PageRow, WebState

if TYPE_CHECKING:
    from ..ledger import LedgerRow
    from ..settings import Settings

WEB_DIR = wirecopy.WEB_DIR
PAGES_DIR = "pages"
LOCK_FILE = "refresh.lock"
BATCH = 8  # pages embedded per store call
FEED_ACCEPT = ", ".join(FEED_TYPES) + ", */*;q=0.5"


@dataclass
class WebReport:
    """What a refresh of the web sources did, with a one-line reason per failed URL."""

    feeds_checked: int = 0
    feeds_unchanged: int = 0  # answered 304
    entries: int = 0  # feed entries considered (within the limits)
    fetched: int = 0  # pages downloaded (200)
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    wire_copies: list[tuple[str, str]] = field(default_factory=list)  # (url, also published by)
    index: IndexReport = field(default_factory=IndexReport)
    stopped: bool = False

    @property
    def chunks_embedded(self) -> int:
        """Chunks embedded by this refresh."""
        return self.index.chunks_embedded

    def summary(self) -> str:
        """One line of counts."""
        return (
            f"web: {self.feeds_checked} feeds checked ({self.feeds_unchanged} unchanged),"
            f" {len(self.new)} new, {len(self.updated)} updated, {len(self.unchanged)} unchanged,"
            f" {len(self.removed)} removed, {len(self.failed)} failed"
            f" ({self.fetched} pages fetched, {self.chunks_embedded} chunks embedded)"
            + (" — stopped early" if self.stopped else "")
        )

    def lines(self) -> list[str]:
        """The summary, then a line per note, wire copy and failure."""
        out = [self.summary()]
        out += [f"  note: {note}" for note in self.notes]
        out += [f"  wire copy: {url} is {also}" for url, also in self.wire_copies]
        out += [f"  failed {url}: {reason}" for url, reason in self.failed]
        return out

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "feeds_checked": self.feeds_checked,
            "feeds_unchanged": self.feeds_unchanged,
            "entries": self.entries,
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "duplicates": self.duplicates,
            "failed": [{"url": url, "reason": reason} for url, reason in self.failed],
            "notes": self.notes,
            "wire_copies": [{"url": url, "note": also} for url, also in self.wire_copies],
            "chunks_embedded": self.chunks_embedded,
            "stopped": self.stopped,
            "index": self.index.to_dict(),
        }


@dataclass(frozen=True)
class _Item:
    """A page to consider: from a feed entry or listed directly."""

    link: str
    outlet: str | None
    entry: FeedEntry | None = None


@dataclass
class _Pending:
    staged: page_files.StagedPage
    canonical: str
    link: str
    item: _Item
    response: Response
    old: PageRow | None


def policy_from(settings: Settings) -> FetchPolicy:
    """The fetch policy the settings describe."""
    return FetchPolicy(
        timeout_s=settings.fetch_timeout_s,
        retries=settings.fetch_retries,
        backoff_s=settings.fetch_backoff_s,
        host_delay_s=settings.fetch_delay_s,
        max_bytes=settings.fetch_max_bytes,
    )


class Refresher:
    """Refreshes one index's web sources; ``store`` is the assistant's :class:`IndexStore`."""

    def __init__(
        self,
        store: IndexStore,
        index_dir: Path,
        policy: FetchPolicy | None = None,
        stop: threading.Event | None = None,
        progress: Callable[[int, int], None] | None = None,
        wire_threshold: float = wirecopy.THRESHOLD,
        lock_wait_s: float = 60.0,
    ):
        self.store = store
        self.folder = Path(index_dir).resolve() / WEB_DIR
        self.pages_dir = self.folder / PAGES_DIR
        self.policy = policy or FetchPolicy()
        self.stop = stop or threading.Event()
        self.progress = progress
        self.wire_threshold = wire_threshold
        self.lock_wait_s = lock_wait_s
        self._indexed: set[str] = set()

    def refresh(self, sources: SourcesFile, urls: list[str] | None = None) -> WebReport:
        """Refresh ``sources`` (feeds and pages) and ``urls``; returns the report."""
        report = WebReport()
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(self.folder / LOCK_FILE, wait_s=self.lock_wait_s):
            state = WebState(self.folder)
            fetcher = Fetcher(self.policy, sleep=self._sleep)
            # A page removed from the index by hand (assistant remove) counts as not indexed.
            self._indexed = {row.origin for row in self.store.articles()}
            try:
                items = self._items(fetcher, state, sources, urls or [], report)
                self._process(fetcher, state, items, report)
            finally:
                fetcher.close()
                state.close()
                self._clean_staging()
        return report

    def _sleep(self, seconds: float) -> None:
        self.stop.wait(seconds)

    # ----- what to look at ----------------------------------------------------------------

    def _items(
        self,
        fetcher: Fetcher,
        state: WebState,
        sources: SourcesFile,
        urls: list[str],
        report: WebReport,
    ) -> list[_Item]:
        items: list[_Item] = []
        for feed in sources.feeds:
            if self.stop.is_set():
                report.stopped = True
                break
            items.extend(self._feed_items(fetcher, state, feed, report))
        items.extend(_Item(page.url, page.outlet) for page in sources.pages)
        items.extend(_Item(url.strip(), None) for url in urls)
        unique: dict[str, _Item] = {}
        for item in items:
            unique.setdefault(item.link, item)
        return list(unique.values())

    def _feed_items(
        self, fetcher: Fetcher, state: WebState, feed: WebSource, report: WebReport
    ) -> list[_Item]:
        report.feeds_checked += 1
        etag, modified = state.validators(feed.url)
        try:
            answer = fetcher.get(feed.url, etag, modified, accept=FEED_ACCEPT)
        except FetchError as error:
            report.failed.append((feed.url, f"feed: {error.reason}"))
            return []
        if answer.not_modified:
            report.feeds_unchanged += 1
            return []
        try:
            parsed = parse_feed(answer.body, answer.final_url)
        except FeedError as error:
            report.failed.append((feed.url, f"feed: {error}"))
            return []
        state.set_validators(feed.url, answer.etag, answer.last_modified)
        entries = parsed.entries[: feed.limit] if feed.limit else parsed.entries
        report.entries += len(entries)
        return [_Item(entry.link, feed.outlet, entry) for entry in entries]

    # ----- fetching and indexing ----------------------------------------------------------

    def _process(
        self, fetcher: Fetcher, state: WebState, items: list[_Item], report: WebReport
    ) -> None:
        batch: list[_Pending] = []
        for number, item in enumerate(items, start=1):
            if self.stop.is_set():
                report.stopped = True
                break
            pending = self._one(fetcher, state, item, report)
            if pending is not None:
                batch.append(pending)
            if len(batch) >= BATCH:
                self._index(state, batch, report)
                batch = []
            if self.progress:
                self.progress(number, len(items))
        self._index(state, batch, report)

    def _one(
        self, fetcher: Fetcher, state: WebState, item: _Item, report: WebReport
    ) -> _Pending | None:
        known = state.link(item.link)
        entry_stamp = item.entry.updated if item.entry else None
        old = self._page(state, known[0]) if known else None
        unchanged_entry = known and item.entry is not None and known[1] == entry_stamp
        if unchanged_entry and known and known[2]:
            report.duplicates.append(item.link)  # seen before: the text of another article
            return None
        if unchanged_entry and old and Path(old.origin).is_file():
            report.unchanged.append(item.link)  # the feed says it has not changed
            return None
        etag, modified = state.validators(item.link) if old else (None, None)
        try:
            answer = fetcher.get(item.link, etag, modified)
        except FetchError as error:
            self._failed(state, item.link, old, error, report)
            return None
        if answer.not_modified:
            report.unchanged.append(item.link)
            state.set_link(item.link, old.canonical if old else item.link, entry_stamp)
            return None
        report.fetched += 1
        if not answer.is_html:
            report.failed.append((item.link, f"not HTML ({answer.content_type or 'no type'})"))
            return None
        return self._stage(state, item, answer, report)

    def _page(self, state: WebState, canonical: str) -> PageRow | None:
        page = state.page(canonical)
        return page if page is not None and page.origin in self._indexed else None

    def _failed(
        self,
        state: WebState,
        link: str,
        old: PageRow | None,
        error: FetchError,
        report: WebReport,
    ) -> None:
        if error.gone and old is not None:
            removed = self.store.remove([old.origin])
            page_files.discard(Path(old.origin).parent)
            state.forget_page(old.canonical)
            report.removed.extend(removed or [old.canonical])
            report.failed.append((link, f"{error.reason}; removed from the index"))
            return
        kept = "; the indexed copy is kept" if old is not None else ""
        report.failed.append((link, f"{error.reason}{kept}"))

    def _stage(
        self, state: WebState, item: _Item, answer: Response, report: WebReport
    ) -> _Pending | None:
        html = page_files.decode_html(answer.body, answer.charset)
        meta = page_files.page_metadata(html, answer.final_url)
        canonical = meta.canonical
        old = self._page(state, canonical)
        outlet, outlet_from = page_files.settle_outlet(item.outlet, meta, answer.final_url)
        feed_date = item.entry.published if item.entry else None
        extracted = None if meta.published else page_files.trafilatura_date(html, canonical)
        published, date_from = page_files.settle_date(meta, extracted, feed_date)
        entry = {"outlet": outlet, "url": canonical, "published": published or ""}
        staged = page_files.stage_page(self.pages_dir, html, meta, entry, outlet_from, date_from)
        article = staged.article
        if article is None:
            page_files.discard(staged.folder)
            kept = "; the indexed copy is kept" if old else ""
            report.failed.append((item.link, f"{staged.problem}{kept}"))
            return None
        entry_stamp = item.entry.updated if item.entry else None
        if old and old.content_hash == article.content_hash and Path(old.origin).is_file():
            page_files.discard(staged.folder)
            state.set_validators(item.link, answer.etag, answer.last_modified)
            state.set_link(item.link, canonical, entry_stamp)
            report.unchanged.append(item.link)
            return None
        same = state.page_by_hash(article.content_hash)
        if same and same.canonical != canonical:
            page_files.discard(staged.folder)
            state.set_link(item.link, canonical, entry_stamp, same.canonical)
            report.duplicates.append(item.link)
            report.notes.append(f"{item.link}: the same text as {same.canonical}, not re-indexed")
            return None
        return _Pending(staged, canonical, item.link, item, answer, old)

    def _index(self, state: WebState, batch: list[_Pending], report: WebReport) -> None:
        if not batch:
            return
        placed = {}
        for pending in batch:
            key = page_files.page_key(pending.canonical)
            placed[str(page_files.place_page(pending.staged, self.pages_dir, key))] = pending
        result = self.store.sync(list(map(Path, placed)), remove_missing=False)
        _merge(report.index, result)
        done = {*result.added, *result.updated, *result.unchanged}
        for skipped in result.skipped:
            found = placed.get(skipped.path.split("#")[0])
            if found is None:
                continue
            pending = found
            if skipped.reason.startswith("duplicate of"):
                report.duplicates.append(pending.link)
                original = skipped.reason[13:]
                report.notes.append(f"{pending.link}: the same text as {original}")
                state.set_link(pending.link, pending.canonical, _stamp(pending.item), original)
            else:
                report.failed.append((pending.link, skipped.reason))
            if pending.old is None:
                page_files.discard(Path(skipped.path).parent)
        rows = {row.origin: row for row in self.store.articles()}
        for origin, pending in placed.items():
            if origin in done:
                self._record(state, origin, pending, rows.get(origin), report)

    def _record(
        self,
        state: WebState,
        origin: str,
        pending: _Pending,
        row: LedgerRow | None,
        report: WebReport,
    ) -> None:
        article = pending.staged.article
        assert article is not None
        sig = wirecopy.signature(article.text)
        page = PageRow(
            pending.canonical,
            origin,
            row.article_id if row else article.article_id,
            article.content_hash,
            row.outlet if row else article.outlet,
            row.title if row else article.title,
            row.published if row else article.published,
            wirecopy.to_blob(sig),
        )
        state.put_page(page, wirecopy.bands(sig))
        entry_stamp = _stamp(pending.item)
        state.set_link(pending.link, pending.canonical, entry_stamp)
        if pending.link != pending.canonical:
            state.set_link(pending.canonical, pending.canonical, entry_stamp)
        response = pending.response
        state.set_validators(pending.link, response.etag, response.last_modified)
        (report.updated if pending.old else report.new).append(pending.canonical)
        staged = pending.staged
        report.notes.append(
            f"{pending.canonical}: outlet '{page.outlet}' from {staged.outlet_from};"
            f" date {page.published or 'unknown'}"
            + ("" if staged.date_from == "date unknown" else f" from {staged.date_from}")
        )
        copies = wirecopy.near_duplicates(state, pending.canonical, sig, self.wire_threshold)
        state.set_wire(pending.canonical, copies)
        others = [state.page(other) for other, _ in copies]
        outlets = sorted({p.outlet for p in others if p is not None and p.outlet != page.outlet})
        if outlets:
            report.wire_copies.append(
                (pending.canonical, "the same agency text, also published by " + ", ".join(outlets))
            )

    def _clean_staging(self) -> None:
        if self.pages_dir.is_dir():
            for leftover in self.pages_dir.glob(".*"):
                page_files.discard(leftover)


def _stamp(item: _Item) -> str | None:
    return item.entry.updated if item.entry else None


def _merge(total: IndexReport, part: IndexReport) -> None:
    total.added += part.added
    total.updated += part.updated
    total.removed += part.removed
    total.unchanged += part.unchanged
    total.skipped += part.skipped
    total.notes += part.notes
    total.chunks_embedded += part.chunks_embedded
    total.seconds += part.seconds

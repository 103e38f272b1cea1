"""Entry points over :mod:`assistant.web.refresh` for the core, the CLI and the UI."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ..indexing import Progress
from ..loaders import Skipped
from ..store import IndexReport
from .fetch import is_url
from .refresh import Refresher, WebReport, policy_from
from .sources_file import SourcesFile, load_sources_file

if TYPE_CHECKING:
    from ..core import Assistant
    from ..settings import Settings


def sources_file_path(settings: Settings) -> Path:
    """The sources file: ``ASSISTANT_SOURCES_FILE``, else ``sources.toml`` beside the index."""
    if settings.sources_file is not None:
        return Path(settings.sources_file)
    return Path(settings.index_dir).parent / "sources.toml"


def web_sources(settings: Settings) -> SourcesFile:
    """The feeds and pages the sources file and ``ASSISTANT_FEEDS`` list."""
    return load_sources_file(sources_file_path(settings), list(settings.feeds), settings.feed_limit)


def split_sources(items: Iterable[str | Path]) -> tuple[list[str], list[Path]]:
    """``(urls, paths)`` of a mixed list of URLs and file paths."""
    urls: list[str] = []
    paths: list[Path] = []
    for item in items:
        text = str(item)
        if is_url(text):
            urls.append(text.strip())
        else:
            paths.append(Path(item))
    return urls, paths


def refresh_web(
    assistant: Assistant,
    urls: list[str] | None = None,
    feeds: bool = True,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> WebReport:
    """Fetch the listed feeds and pages (when ``feeds``) and ``urls``; index what changed."""
    settings = assistant.settings
    sources = web_sources(settings) if feeds else SourcesFile()
    store = assistant.store
    store.check_embedder()
    refresher = Refresher(
        store,
        settings.index_dir,
        policy_from(settings),
        stop=stop,
        progress=progress,
        wire_threshold=settings.wire_copy_threshold,
    )
    return refresher.refresh(sources, urls or [])


def as_index_report(web: WebReport) -> IndexReport:
    """The web report as an :class:`IndexReport` (failures as skipped, counts as notes)."""
    report = IndexReport(
        added=list(web.index.added),
        updated=list(web.index.updated),
        removed=list(web.removed) + list(web.index.removed),
        unchanged=list(web.index.unchanged) + list(web.unchanged),
        skipped=[Skipped(url, reason) for url, reason in web.failed],
        notes=[web.summary(), *web.notes]
        + [f"wire copy: {url} is {also}" for url, also in web.wire_copies],
        chunks_embedded=web.chunks_embedded,
        seconds=web.index.seconds,
    )
    return report


def add_urls(
    assistant: Assistant, urls: list[str], progress: Progress | None = None
) -> IndexReport:
    """Fetch and index article URLs (other indexed articles are kept)."""
    return as_index_report(refresh_web(assistant, urls=urls, feeds=False, progress=progress))


def merge_reports(first: IndexReport, second: IndexReport) -> IndexReport:
    """One report of two indexing runs."""
    return IndexReport(
        added=first.added + second.added,
        updated=first.updated + second.updated,
        removed=first.removed + second.removed,
        unchanged=first.unchanged + second.unchanged,
        skipped=first.skipped + second.skipped,
        notes=first.notes + second.notes,
        chunks_embedded=first.chunks_embedded + second.chunks_embedded,
        seconds=first.seconds + second.seconds,
    )


class StopSignals:
    """SIGINT/SIGTERM set ``event`` (ending a loop between articles) instead of killing us."""

    def __init__(self, event: threading.Event, announce: bool = True):
        self.event = event
        self.announce = announce
        self._previous: dict[int, object] = {}

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.announce and not self.event.is_set():
            name = signal.Signals(number).name
            print(f"{name}: stopping after the current article", file=sys.stderr, flush=True)
        self.event.set()

    def __enter__(self) -> StopSignals:
        for number in (signal.SIGINT, signal.SIGTERM):
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def every(interval_s: float, work: Callable[[], None], stop: threading.Event) -> None:
    """Run ``work`` now and then every ``interval_s`` seconds until ``stop`` is set."""
    while not stop.is_set():
        work()
        stop.wait(interval_s)


def start_background_refresh(
    assistant: Assistant,
    interval_s: float,
    stop: threading.Event,
    report: Callable[[WebReport], None] | None = None,
) -> threading.Thread:
    """A daemon thread refreshing the web sources every ``interval_s`` until ``stop``."""

    def once() -> None:
        try:
            result = refresh_web(assistant, stop=stop)
        except Exception as error:  # keep serving; say why this refresh failed
            print(f"refresh failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            return
        if report:
            report(result)

    thread = threading.Thread(
        target=every, args=(interval_s, once, stop), name="web-refresh", daemon=True
    )
    thread.start()
    return thread

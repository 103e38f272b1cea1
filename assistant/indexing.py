"""What an indexing run produces and plans: its report, the articles it will embed, and the
text and metadata each chunk is stored with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .articles import Article
from .chunking import Span
from .ledger import LedgerRow
from .loaders import Skipped

Progress = Callable[[int, int], None]


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

    def to_dict(self) -> dict[str, Any]:
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
class ArticleToEmbed:
    """A new or changed article of an indexing run: its chunk spans, the file it came from,
    and the ledger row it replaces (None when it is new)."""

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


def chunk_metadata(article: Article, number: int, span: Span) -> dict[str, Any]:
    """The Chroma metadata of an article's chunk ``number``."""
    meta: dict[str, Any] = {**article.metadata(), "chunk": number, "start": span.start}
    meta["end"] = span.end
    ts = published_timestamp(article.published)
    if ts is not None:
        meta["published_ts"] = ts
    return meta

"""RSS 2.0 / Atom feeds parsed with feedparser into the entries we fetch."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from ..articles import clean_optional, normalise_date


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed: the article link and what the feed says about it."""

    link: str
    title: str | None
    published: str | None  # ISO 8601 with the feed's time zone, or None
    updated: str | None  # the feed's updated stamp (raw), to notice an edited article


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title and entries, newest first as the feed lists them."""

    title: str | None
    entries: list[FeedEntry]


class FeedError(ValueError):
    """A feed that could not be parsed."""


def parse_feed(body: bytes, url: str) -> Feed:
    """The feed in ``body``; FeedError when it is not RSS or Atom."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f" ({type(problem).__name__})" if problem else ""
        raise FeedError(f"not an RSS or Atom feed{detail}")
    with warnings.catch_warnings():  # feedparser warns about its updated/published fallback
        warnings.simplefilter("ignore", DeprecationWarning)
        entries = [_entry(item) for item in parsed.entries]
    return Feed(title=clean_optional(parsed.feed.get("title")), entries=[e for e in entries if e])


def _entry(item: Mapping[str, object]) -> FeedEntry | None:
    link = clean_optional(item.get("link"))
    if not link:
        return None
    raw_published = item.get("published") or item.get("created") or item.get("updated")
    return FeedEntry(
        link=link,
        title=clean_optional(item.get("title")),
        published=normalise_date(clean_optional(raw_published)),
        updated=clean_optional(item.get("updated") or item.get("published")),
    )

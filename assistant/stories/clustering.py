"""Incremental story clustering: a new article joins the most similar story or starts one.

An article is a vector (the normalised mean of its chunk vectors, or its lead chunk's) and a
set of key terms (:mod:`assistant.stories.terms`). Its score against a story is

    cosine(article, story centroid) + term_weight * mean Dice(article terms, member terms)

over the stories whose publication span, widened by ``window_days`` on both sides, holds
the article's date (an undated article, or a story with no dated member, is not held back).
It joins the best-scoring story when that score reaches ``threshold``; otherwise it starts a
new story. Articles are added in publication order when a whole index is clustered, so the
result does not depend on the order files were indexed in. An article that leaves the index
leaves its story; a story left empty disappears (a story is not split when a member that
bridged two halves of it leaves: the remaining members stay together).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

DAY = 86_400


@dataclass
class StoryConfig:
    """The clustering's thresholds (measured on MultiHop-RAG dev: ``docs/stories.md``)."""

    threshold: float = 0.72
    term_weight: float = 0.3
    window_days: float = 3.0
    vector: str = "mean"  # "mean" of the chunk vectors, or the "lead" (first) chunk's


@dataclass
class Item:
    """One article as the clustering sees it."""

    article_id: str
    outlet: str
    title: str
    published: str | None
    ts: int | None
    vector: np.ndarray
    terms: dict[str, int]


@dataclass
class Cluster:
    """A story being built: its members and the running sum of their vectors."""

    story_id: str
    members: list[Item] = field(default_factory=list)
    total: np.ndarray | None = None

    def add(self, item: Item) -> None:
        """Take ``item`` in."""
        self.members.append(item)
        self.total = item.vector.copy() if self.total is None else self.total + item.vector

    def remove(self, article_id: str) -> None:
        """Let the article go (the centroid is recomputed from the members left)."""
        self.members = [m for m in self.members if m.article_id != article_id]
        self.total = np.sum([m.vector for m in self.members], axis=0) if self.members else None

    def centroid(self) -> np.ndarray:
        """The unit mean vector of the members."""
        assert self.total is not None
        norm = float(np.linalg.norm(self.total))
        return self.total / norm if norm else self.total

    def span(self) -> tuple[int, int] | None:
        """Earliest and latest publication time of the dated members."""
        dated = [m.ts for m in self.members if m.ts is not None]
        return (min(dated), max(dated)) if dated else None

    def central(self) -> Item:
        """The member closest to the centroid (the earliest on a tie): its headline titles
        the story."""
        centre = self.centroid()
        return max(
            self.members,
            key=lambda m: (round(float(m.vector @ centre), 6), -(m.ts or 0), m.article_id),
        )


def dice(a: Iterable[str], b: Iterable[str]) -> float:
    """Dice overlap of two term sets (0 when either is empty)."""
    first, second = set(a), set(b)
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


class Clusterer:
    """Assigns articles to stories one at a time (see the module docstring)."""

    def __init__(self, config: StoryConfig | None = None):
        self.config = config or StoryConfig()
        self.clusters: dict[str, Cluster] = {}
        self.story_of: dict[str, str] = {}

    def within_window(self, item: Item, cluster: Cluster) -> bool:
        """Whether the article's date lies within the story's span widened by the window."""
        span = cluster.span()
        if item.ts is None or span is None:
            return True
        margin = self.config.window_days * DAY
        return span[0] - margin <= item.ts <= span[1] + margin

    def score(self, item: Item, cluster: Cluster) -> float:
        """Vector cosine to the centroid plus the weighted mean term overlap."""
        cosine = float(item.vector @ cluster.centroid())
        overlap = float(np.mean([dice(item.terms, m.terms) for m in cluster.members]))
        return cosine + self.config.term_weight * overlap

    def best(self, item: Item) -> tuple[Cluster | None, float]:
        """The best-scoring story within the window, and its score."""
        found, top = None, -1.0
        for cluster in self.clusters.values():
            if not self.within_window(item, cluster):
                continue
            value = self.score(item, cluster)
            if value > top:
                found, top = cluster, value
        return found, top

    def add(self, item: Item) -> str:
        """Put the article in a story (joining one or starting one); returns the story id."""
        if item.article_id in self.story_of:
            return self.story_of[item.article_id]
        cluster, top = self.best(item)
        if cluster is None or top < self.config.threshold:
            cluster = Cluster(story_id=new_story_id(item, self.clusters))
            self.clusters[cluster.story_id] = cluster
        cluster.add(item)
        self.story_of[item.article_id] = cluster.story_id
        return cluster.story_id

    def add_all(self, items: Iterable[Item]) -> None:
        """Add many articles, in publication order (undated last, then by id)."""
        for item in sorted(items, key=publication_order):
            self.add(item)

    def remove(self, article_id: str) -> str | None:
        """Take the article out of its story; returns the story id it left (None if unknown)."""
        story_id = self.story_of.pop(article_id, None)
        if story_id is None:
            return None
        cluster = self.clusters[story_id]
        cluster.remove(article_id)
        if not cluster.members:
            del self.clusters[story_id]
        return story_id


def publication_order(item: Item) -> tuple:
    """Sort key: dated articles by time, undated after them, ties by outlet then id."""
    return (item.ts is None, item.ts or 0, item.outlet.lower(), item.article_id)


def new_story_id(item: Item, taken: dict[str, Cluster]) -> str:
    """A stable id from the founding article's id."""
    for length in (8, 12, 16):
        candidate = f"s-{item.article_id[:length]}"
        if candidate not in taken:
            return candidate
    number = len(taken)
    while f"s-{item.article_id}-{number}" in taken:
        number += 1
    return f"s-{item.article_id}-{number}"

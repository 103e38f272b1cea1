"""A story's timeline: its articles in publication order, each with its lead claim quoted;
which outlet first reported each claim several articles carry; and claims that changed.

Claims are sentences of the articles (verbatim, with offsets). Two articles' sentences are
matched when each is the other's best match and their embeddings' cosine is at least
``MATCH``; matched sentences form one claim, first reported by the earliest article. A
matched pair changed when its numbers differ (a figure revised) or a hedge ("alleged",
"reportedly", ...) of the earlier one is gone from, or turned into a confirmation in, the
later one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from ..answer_models import Citation
from ..chunking import split_sentences
from .models import ClaimChange, FirstReport, Report, Story, TimelineEntry

MATCH = 0.72
MIN_WORDS = 8
SENTENCES_PER_ARTICLE = 14
MAX_ARTICLES = 12
MAX_FIRST_REPORTS = 8
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[a-z]+")
HEDGES = {
    "alleged",
    "allegedly",
    "reportedly",
    "suspected",
    "unconfirmed",
    "purported",
    "purportedly",
    "claimed",
    "possible",
    "possibly",
    "might",
    "likely",
    "unverified",
}
CONFIRMATIONS = {"confirmed", "confirms", "confirm", "officially", "verified", "announced"}


@dataclass
class Sentence:
    """A sentence of a story article, with its offsets in the article text."""

    article: int  # position on the timeline
    start: int
    end: int
    text: str


class Citer:
    """Numbers the quotes of a story view; the same quote keeps its number."""

    def __init__(self, story: Story, texts: dict[str, str], chunks: dict[str, list[dict]]):
        self.articles = {a.article_id: a for a in story.articles}
        self.texts, self.chunks = texts, chunks
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, article_id: str, start: int, end: int) -> int:
        """The number of the citation quoting ``[start, end)`` of the article."""
        key = (article_id, start, end)
        if key in self._numbers:
            return self._numbers[key]
        article, text = self.articles[article_id], self.texts[article_id]
        chunk = self._chunk(article_id, start, end)
        number = len(self.citations) + 1
        self.citations.append(
            Citation(
                number=number,
                outlet=article.outlet,
                title=article.title,
                published=article.published,
                url=article.url,
                article_id=article_id,
                chunk_id=chunk["id"] if chunk else "",
                quote=text[start:end],
                start=start,
                end=end,
                passage=text[chunk["start"] : chunk["end"]] if chunk else text[start:end],
                passage_start=chunk["start"] if chunk else start,
            )
        )
        self._numbers[key] = number
        return number

    def _chunk(self, article_id: str, start: int, end: int) -> dict | None:
        candidates = self.chunks.get(article_id, [])
        holding = [c for c in candidates if c["start"] <= start and c["end"] >= end]
        touching = [c for c in candidates if c["start"] <= start < c["end"]]
        found = holding or touching or candidates
        return found[0] if found else None

    def report(self, sentence: Sentence, story: Story) -> Report:
        """The sentence as a cited report of its outlet."""
        article = story.articles[sentence.article]
        number = self.cite(article.article_id, sentence.start, sentence.end)
        return Report(
            outlet=article.outlet, published=article.published, quote=sentence.text, citation=number
        )


def claim_sentences(text: str, title: str, article: int) -> list[Sentence]:
    """The article's first sentences that read as claims (enough words, not the headline)."""
    found = []
    headline = " ".join(title.split()).lower()
    for span in split_sentences(text):
        sentence = text[span.start : span.end]
        flat = " ".join(sentence.split())
        if len(flat.split()) < MIN_WORDS or flat.lower() == headline or "\n" in sentence:
            continue
        found.append(Sentence(article, span.start, span.end, sentence))
        if len(found) >= SENTENCES_PER_ARTICLE:
            break
    return found


def build_timeline(story: Story, sentences: list[list[Sentence]], citer: Citer) -> list:
    """Timeline entries: each article in order, with its first claim quoted."""
    entries = []
    for position, article in enumerate(story.articles):
        lead = sentences[position][0] if sentences[position] else None
        entries.append(
            TimelineEntry(
                article_id=article.article_id,
                outlet=article.outlet,
                title=article.title,
                published=article.published,
                lead=citer.cite(article.article_id, lead.start, lead.end) if lead else None,
                lead_quote=lead.text if lead else "",
            )
        )
    return entries


def matched_pairs(sentences: list[list[Sentence]], vectors: list[np.ndarray]) -> list:
    """Mutual best matches (cosine >= MATCH) between the sentences of every two articles."""
    pairs = []
    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            if not sentences[i] or not sentences[j]:
                continue
            scores = vectors[i] @ vectors[j].T
            for a in range(scores.shape[0]):
                b = int(np.argmax(scores[a]))
                if scores[a, b] >= MATCH and int(np.argmax(scores[:, b])) == a:
                    pairs.append((sentences[i][a], sentences[j][b], float(scores[a, b])))
    return pairs


def first_reports(pairs: list, story: Story, citer: Citer) -> list[FirstReport]:
    """Claims several outlets carry, each with the outlet that reported it first."""
    parent: dict[tuple, tuple] = {}

    def root(key: tuple) -> tuple:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    by_key: dict[tuple, Sentence] = {}
    for a, b, _ in pairs:
        ka, kb = (a.article, a.start), (b.article, b.start)
        by_key[ka], by_key[kb] = a, b
        parent[root(kb)] = root(ka)
    groups: dict[tuple, list[Sentence]] = {}
    for key, sentence in by_key.items():
        groups.setdefault(root(key), []).append(sentence)
    reports = []
    for group in groups.values():
        group.sort(key=lambda s: (s.article, s.start))
        firsts: dict[int, Sentence] = {}
        for sentence in group:
            firsts.setdefault(sentence.article, sentence)
        ordered = list(firsts.values())
        outlets = {story.articles[s.article].outlet for s in ordered}
        if len(outlets) < 2:
            continue
        reports.append(
            FirstReport(
                first=citer.report(ordered[0], story),
                followed_by=[citer.report(s, story) for s in ordered[1:]],
            )
        )
    reports.sort(key=lambda r: (-len(r.followed_by), r.first.citation))
    return reports[:MAX_FIRST_REPORTS]


def changed(before: str, after: str) -> tuple[str, str] | None:
    """('figure' | 'hedge', what changed) when the later sentence revised the earlier."""
    numbers_before, numbers_after = set(_NUMBER.findall(before)), set(_NUMBER.findall(after))
    if numbers_before and numbers_after and numbers_before != numbers_after:
        old = ", ".join(sorted(numbers_before - numbers_after))
        new = ", ".join(sorted(numbers_after - numbers_before))
        return "figure", f"{old} -> {new}"
    words_before = set(_WORD.findall(before.lower()))
    words_after = set(_WORD.findall(after.lower()))
    dropped = sorted((words_before & HEDGES) - words_after)
    confirmed = sorted((words_after & CONFIRMATIONS) - words_before)
    if dropped and confirmed:
        return "hedge", f"'{dropped[0]}' -> '{confirmed[0]}'"
    if dropped and not words_after & HEDGES:
        return "hedge", f"'{dropped[0]}' no longer written"
    added = sorted((words_after & HEDGES) - words_before)
    if added and words_before & CONFIRMATIONS:
        return "hedge", f"'{sorted(words_before & CONFIRMATIONS)[0]}' -> '{added[0]}'"
    return None


def claim_changes(pairs: list, story: Story, citer: Citer) -> list[ClaimChange]:
    """Matched claims whose figure or hedge changed from the earlier article to the later."""
    changes = []
    for a, b, _ in sorted(pairs, key=lambda p: (p[0].article, p[1].article, p[0].start)):
        if story.articles[a.article].published == story.articles[b.article].published:
            continue  # published at the same moment: no "before" and "after"
        found = changed(a.text, b.text)
        if found:
            kind, what = found
            changes.append(
                ClaimChange(
                    kind=kind,
                    what=what,
                    before=citer.report(a, story),
                    after=citer.report(b, story),
                )
            )
    return changes


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def sentence_vectors(embeddings: Embeddings, sentences: list[list[Sentence]]) -> list[np.ndarray]:
    """Unit embeddings of every article's claim sentences (one embedding call)."""
    flat = [s.text for group in sentences for s in group]
    matrix = np.asarray(embeddings.embed_documents(flat), dtype=np.float32) if flat else None
    vectors, at = [], 0
    for group in sentences:
        block = matrix[at : at + len(group)] if matrix is not None and group else np.zeros((0, 1))
        vectors.append(unit_rows(block) if len(group) else block)
        at += len(group)
    return vectors

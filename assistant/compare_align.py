"""Claims and their alignment across outlets: sentences of the compared articles, the
pairing of claims that say the same thing, the headline claim of one story, centrality."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from langchain_core.documents import Document

from .chunking import split_sentences


@dataclass
class CompareConfig:
    """Thresholds of the comparison (calibrated in ``docs/compare.md``)."""

    survey_k: int = 30  # passages searched to find which outlets cover the topic
    per_outlet_k: int = 8  # passages searched per compared outlet
    coverage_floor: float = 0.25  # best passage cosine under which an outlet does not cover it
    coverage_margin: float = 0.12  # outlets whose best passage is this close to the best
    max_outlets: int = 4
    article_margin: float = 0.08  # an outlet's articles this close to its best are compared
    max_articles_per_outlet: int = 2
    whole_article_chunks: int = 4  # articles of at most this many chunks are compared whole
    max_claims_per_outlet: int = 24
    min_claim_words: int = 5
    lexical_weight: float = 0.5
    align_threshold: float = 0.85
    # Two articles whose headlines say the same (cosine >= headline_match) tell one story; the
    # claim restating one's headline and its mutual best match in the other are the story's
    # central claim, shared when they score >= headline_threshold (docs/compare.md).
    headline_match: float = 0.7
    headline_threshold: float = 0.7
    # a lead's match counts as mutual when it is within this of the match's own best: with
    # lexical overlap in the score, a near-tie with a sentence sharing a place name decides
    headline_margin: float = 0.02
    phrase_threshold: float = 0.65
    slot_threshold: float = 0.55
    context_threshold: float = 0.6  # sentences this similar give their phrases a shared context
    max_wording_differences: int = 8


@dataclass
class Sentence:
    """A sentence of a compared article, located in the chunk it is quoted from."""

    outlet: str
    document: Document  # the chunk
    start: int  # offsets in the chunk text
    end: int
    is_claim: bool
    relevance: float = 0.0
    centrality: float = 0.0
    index: int = -1  # position among all compared sentences (rows of the embedding matrix)

    @property
    def text(self) -> str:
        """The sentence, verbatim."""
        return self.document.page_content[self.start : self.end]

    @property
    def key(self) -> tuple[str, int]:
        """(article id, offset in the article): the sentence's identity across chunks."""
        meta = self.document.metadata
        return meta.get("article_id", ""), int(meta.get("start", 0)) + self.start


_COMPARE_PREFIX = re.compile(
    r"^\s*(?:please\s+)?(?:compare|contrast)\b(?:\s+how\b)?(?:.*?\b(?:report(?:s|ed)?|cover(?:s|ed)?"
    r"|describe[sd]?|tell|portray(?:s|ed)?|frame[sd]?|present(?:s|ed)?)\b(?:\s+(?:on|about))?)?",
    re.IGNORECASE,
)


def topic_of(text: str) -> str:
    """The subject of a "Compare how the outlets report X" request (the text itself else)."""
    stripped = _COMPARE_PREFIX.sub("", text).strip(" ?.:")
    return stripped if len(stripped) >= 3 else text.strip()


def is_claim_text(text: str, min_words: int) -> bool:
    """Whether a sentence states something: a full statement, not a lead-in ("The paper
    notes:"), a heading ("Altman and board in talks") or a question."""
    ending = text.rstrip().rstrip("\"'”’»)]")
    return ending.endswith((".", "!", "…")) and len(re.findall(r"\w+", text)) >= min_words


def article_sentences(chunks: list[Document], outlet: str, min_words: int) -> list[Sentence]:
    """Sentences of an article's chunks (in article order, each quoted from its first chunk)."""
    seen: set[tuple[str, int]] = set()
    sentences: list[Sentence] = []
    for chunk in sorted(chunks, key=lambda d: int(d.metadata.get("start", 0))):
        for span in split_sentences(chunk.page_content):
            text = span.of(chunk.page_content)
            sentence = Sentence(outlet, chunk, span.start, span.end, is_claim_text(text, min_words))
            if sentence.key not in seen:
                seen.add(sentence.key)
                sentences.append(sentence)
    return sentences


def inverse_document_frequencies(word_sets: list[set[str]]) -> dict[str, float]:
    """``log(1 + n / df)`` of every word over the compared sentences."""
    counts: dict[str, int] = {}
    for words in word_sets:
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    n = max(len(word_sets), 1)
    return {word: math.log(1 + n / count) for word, count in counts.items()}


def weighted_dice(a: set[str], b: set[str], idf: dict[str, float]) -> float:
    """Dice overlap of two word sets, each word weighted by its rarity."""
    total = sum(idf.get(w, 1.0) for w in a) + sum(idf.get(w, 1.0) for w in b)
    return 2 * sum(idf.get(w, 1.0) for w in a & b) / total if total else 0.0


def alignment_scores(vectors_a, vectors_b, words_a, words_b, idf, lexical_weight) -> np.ndarray:
    """Claim-by-claim alignment scores: cosine plus weighted overlap of content words."""
    cosine = np.asarray(vectors_a) @ np.asarray(vectors_b).T
    lexical = np.array([[weighted_dice(a, b, idf) for b in words_b] for a in words_a])
    return cosine + lexical_weight * lexical.reshape(cosine.shape)


def align(scores: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """One-to-one pairs (row, column, score) of maximal total score, at or over ``threshold``."""
    if scores.size == 0:
        return []
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(scores, maximize=True)
    pairs = [(int(r), int(c), float(scores[r, c])) for r, c in zip(rows, cols, strict=False)]
    return [pair for pair in pairs if pair[2] >= threshold]


def article_titles(sentences: list[Sentence]) -> dict[str, str]:
    """Article id -> headline of the compared articles that have one."""
    titles: dict[str, str] = {}
    for sentence in sentences:
        title = str(sentence.document.metadata.get("title") or "").strip()
        if title:
            titles.setdefault(sentence.key[0], title)
    return titles


def headline_pairs(a, b, scores, aligned, headlines, vectors, config) -> list:
    """Pairs (row, column, score) of the claims restating the headlines of one story.

    For each article of ``a`` and of ``b`` whose headlines match (cosine >= ``headline_match``),
    the claim closest to one article's headline and its best match in the other article are
    paired when each is the other's best match (within ``headline_margin``), the pair scores
    at least ``headline_threshold`` and neither claim is aligned yet. The headline is what the
    article is about, so the claims restating it are its central claim, and two outlets' central
    claims on one story are often worded too differently for the general threshold ("peace
    talks would be possible if Kiev takes back Kherson" / "if and when Kherson is returned,
    then negotiations can begin").
    """
    taken_a = {row for row, _, _ in aligned}
    taken_b = {col for _, col, _ in aligned}
    rows_of = _rows_by_article(a, headlines)
    cols_of = _rows_by_article(b, headlines)
    found = []
    for article_a, rows in rows_of.items():
        for article_b, cols in cols_of.items():
            if float(headlines[article_a] @ headlines[article_b]) < config.headline_match:
                continue
            sub = scores[np.ix_(rows, cols)]
            lead_a = rows.index(_lead(a, rows, vectors, headlines[article_a]))
            lead_b = cols.index(_lead(b, cols, vectors, headlines[article_b]))
            # each lead with its best match in the other article
            for i, j in (
                (lead_a, int(sub[lead_a].argmax())),
                (int(sub[:, lead_b].argmax()), lead_b),
            ):
                row, col, score = rows[i], cols[j], float(sub[i, j])
                best = min(float(sub[i].max()), float(sub[:, j].max()))
                mutual = score >= best - config.headline_margin
                if (
                    mutual
                    and score >= config.headline_threshold
                    and row not in taken_a
                    and col not in taken_b
                ):
                    taken_a.add(row)
                    taken_b.add(col)
                    found.append((row, col, score))
    return found


def _rows_by_article(claims: list[Sentence], headlines) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for row, claim in enumerate(claims):
        if claim.key[0] in headlines:
            rows.setdefault(claim.key[0], []).append(row)
    return rows


def _lead(claims: list[Sentence], rows: list[int], vectors, headline) -> int:
    """The row of the claim closest to the article's headline."""
    return max(rows, key=lambda row: float(vectors[claims[row].index] @ headline))


def rate_centrality(claims: list[Sentence], vectors: np.ndarray) -> None:
    """Set each claim's centrality: the mean of its topic relevance and its cosine to the
    centroid of the outlet's claims (what the outlet's story is mostly about)."""
    if not claims:
        return
    own = vectors[[s.index for s in claims]]
    centroid = own.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    for claim, cosine in zip(claims, own @ centroid, strict=True):
        claim.centrality = round((claim.relevance + float(cosine)) / 2, 4)


def merge_pairs(pairs) -> list[tuple[list[Sentence], float]]:
    """Rows of the comparison: aligned pairs joined when they share a claim (one per outlet)."""
    groups: list[tuple[list[Sentence], float]] = []
    where: dict[tuple[str, int], int] = {}
    for a, b, score in pairs:
        ga, gb = where.get(a.key), where.get(b.key)
        if ga is None and gb is None:
            where[a.key] = where[b.key] = len(groups)
            groups.append(([a, b], score))
        elif ga is not None and gb is None:
            members, similarity = groups[ga]
            if b.outlet not in {s.outlet for s in members}:
                groups[ga] = (members + [b], min(similarity, score))
                where[b.key] = ga
        elif gb is not None and ga is None:
            members, similarity = groups[gb]
            if a.outlet not in {s.outlet for s in members}:
                groups[gb] = (members + [a], min(similarity, score))
                where[a.key] = gb
    return groups

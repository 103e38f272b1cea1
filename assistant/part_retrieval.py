"""Per-part retrieval: a search for each part of a multi-part question, fused with the
search for the whole question.

Each part (see ``question_split``) is searched with its own words, under its outlet's filter
when it names one (else under the outlets the question names, if any), and re-ordered by its
best sentence. The lists are fused by reciprocal rank; before the fused order fills the
rest, every part gets its best passage a slot within k, so each part's evidence is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .question_split import QuestionPart

if TYPE_CHECKING:
    from .retrieval import Filters, HybridRetriever, _Hit, _Query

RRF_K = 5  # reciprocal-rank constant: lower trusts each list's top more (swept 20, 10, 5)
WHOLE_WEIGHT = 2.0  # the whole question's list counts more than any one part's
PART_WINDOW = 20  # a part's best passages re-ordered by their sentences
CONTEXT_WEIGHT = 0.5  # weight of the whole question in each part's search
WHOLE_FIRST = 1  # the whole question's best passages keep the lead
SLOTS_PER_PART = 2  # passages each part is guaranteed within k


def part_query(q: _Query, part: QuestionPart, vector: np.ndarray) -> _Query:
    """The search for one part: its words and vector, with the whole question's blended in
    at ``CONTEXT_WEIGHT`` (a part alone loses the question's subject). A part that names a
    date of its own ("the report published on November 6, 2023") favours that date only."""
    from .retrieval import LEXICAL_WEIGHT, _Query, dates_named_in

    blended = vector + CONTEXT_WEIGHT * q.vector
    blended = blended / (np.linalg.norm(blended) or 1.0)
    scores = _unit_max(q.snapshot.scores(part.text)) + CONTEXT_WEIGHT * _unit_max(q.lexical_scores)
    scale = LEXICAL_WEIGHT / (1 + CONTEXT_WEIGHT)
    dates = dates_named_in(part.text) or q.dates
    return _Query(part.text, q.snapshot, blended, scores, scale, dates, q.vectors)


def _unit_max(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores


def part_filters(part: QuestionPart, named: list[str], filters: Filters) -> Filters:
    """A part naming an outlet searches that outlet; others, the outlets the question names.
    A part naming one day ("the report published on October 2, 2023") searches that day
    only, unless the caller gave a date range (a bonus alone let other days outrank it)."""
    from .retrieval import Filters, dates_named_in, to_timestamp

    if part.outlet:
        filters = filters.narrowed_to(part.outlet)
    elif named:
        filters = Filters(list(named), filters.since_ts, filters.until_ts)
    days = dates_named_in(part.text)
    if len(days) == 1 and filters.since_ts is None and filters.until_ts is None:
        day = next(iter(days))
        return Filters(filters.outlets, to_timestamp(day), to_timestamp(day, end_of_day=True))
    return filters


def rank_part(
    retriever: HybridRetriever,
    q: _Query,
    part: QuestionPart,
    vector: np.ndarray,
    named: list[str],
    filters: Filters,
) -> list[_Hit]:
    """One part's passages, best first."""
    pq = part_query(q, part, vector)
    ranked = retriever._search(pq, part_filters(part, named, filters), PART_WINDOW)
    if retriever.sentence_weight:
        ranked = retriever._by_best_sentence(pq, ranked[:PART_WINDOW])
    return ranked


def fuse(whole: list[_Hit], parts: list[list[_Hit]], k: int) -> list[_Hit]:
    """Reciprocal-rank fusion of the whole question's list and each part's, with each part's
    best ``SLOTS_PER_PART`` passages guaranteed a place in the top k."""
    scores: dict[str, float] = {}
    hits: dict[str, _Hit] = {}
    for weight, ranked in [(WHOLE_WEIGHT, whole), *((1.0, p) for p in parts)]:
        for rank, hit in enumerate(ranked):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + weight / (RRF_K + rank + 1)
            hits.setdefault(hit.chunk_id, hit)
    chosen: list[str] = [hit.chunk_id for hit in whole[:WHOLE_FIRST]]
    for ranked in parts:
        fresh = [hit.chunk_id for hit in ranked if hit.chunk_id not in chosen]
        chosen.extend(fresh[:SLOTS_PER_PART])
    chosen = chosen[:k]
    for chunk_id in sorted(scores, key=lambda c: -scores[c]):
        if len(chosen) >= k:
            break
        if chunk_id not in chosen:
            chosen.append(chunk_id)
    lead = chosen[:WHOLE_FIRST]
    rest = sorted(chosen[WHOLE_FIRST:], key=lambda c: -scores[c])
    return [hits[c] for c in lead + rest]


def retrieve_by_parts(
    retriever: HybridRetriever,
    q: _Query,
    parts: list[QuestionPart],
    vectors: list[np.ndarray],
    named: list[str],
    filters: Filters,
    whole: list[_Hit],
    k: int,
) -> list[_Hit]:
    """The whole question's hits fused with every part's (vectors: one per part)."""
    ranked = [
        rank_part(retriever, q, part, vector, named, filters)
        for part, vector in zip(parts, vectors, strict=True)
    ]
    return fuse(whole, ranked, k)

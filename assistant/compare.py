"""Compare how outlets report the same topic, claim by claim, with no language model.

How a comparison is made (see ``docs/compare.md`` for the calibration):

1. **Outlets.** The outlets asked for, else those the topic names, else every outlet whose
   best passage is close to the best passage of any outlet (``CompareConfig.coverage_margin``)
   and above ``coverage_floor``.
2. **Claims.** Each outlet is searched under its own filter, so every outlet gets enough
   passages. Its most relevant articles (within ``article_margin`` of its best) are split
   into sentences with exact offsets; a short article is compared whole (every one of its
   sentences is a claim of the outlet's version of the story), a long one only in its
   retrieved passages, ranked by relevance to the topic.
3. **Alignment.** For every two outlets, each pair of claims is scored
   ``cosine(sentence embeddings) + lexical_weight * dice(content words, weighted by rarity)``
   and claims are paired one-to-one by the Hungarian method; a pair scoring at least
   ``align_threshold`` is "reported by several outlets", every other claim is "reported only
   by" its outlet. Pairs of several outlet pairs that share a claim are merged into one row.
4. **Wording.** Candidate noun phrases are cut from each outlet's sentences (a determiner
   or proper-noun led run of content words, ending on a noun-like word). Phrases the other
   outlet never writes are embedded and paired across the two outlets by cosine:
   mutual best matches at or above ``phrase_threshold`` (lower, ``slot_threshold``, when the
   two phrases sit in an aligned pair of claims, i.e. fill the same slot of the same claim).
   Further phrases of one outlet whose best match is an already paired phrase join it as
   variants ("the paper", "the newspaper" for "the publication").

The parts live beside this module: the result models (``compare_models``), claims and their
alignment (``compare_align``), noun phrases and wording (``compare_phrases``), building and
rendering the result (``compare_render``). This module gathers each outlet's sentences from the
index (given the retriever, store and embedder it needs, never the ``Assistant``) and runs them.

Every quote is a verbatim substring of the cleaned article text with its offsets, and
every sentence of the rendered text names the outlet it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from .compare_align import (
    CompareConfig,
    Sentence,
    align,
    alignment_scores,
    article_sentences,
    article_titles,
    headline_pairs,
    inverse_document_frequencies,
    is_claim_text,
    rate_centrality,
    topic_of,
    weighted_dice,
)
from .compare_models import (
    Claim,
    Comparison,
    ComparisonSummary,
    Phrasing,
    SharedClaim,
    WordingDifference,
)
from .compare_phrases import (
    WordingFinder,
    names_the_source,
    phrase_key,
    phrase_spans,
    same_name,
    states_a_fact,
    word_string,
)
from .compare_render import ComparisonBuilder, render_text
from .lexical import tokenize
from .outlets import outlets_named_in, resolve_outlets

if TYPE_CHECKING:
    from .retrieval import HybridRetriever
    from .store import IndexStore

__all__ = [
    "Claim",
    "CompareConfig",
    "Comparer",
    "Comparison",
    "ComparisonSummary",
    "Phrasing",
    "Sentence",
    "SharedClaim",
    "WordingDifference",
    "align",
    "alignment_scores",
    "article_sentences",
    "compare_outlets",
    "inverse_document_frequencies",
    "is_claim_text",
    "phrase_key",
    "phrase_spans",
    "render_text",
    "same_name",
    "names_the_source",
    "states_a_fact",
    "topic_of",
    "weighted_dice",
    "word_string",
]


class Comparer:
    """Builds a :class:`Comparison` from each outlet's retrieved passages and article chunks."""

    def __init__(self, embeddings, config: CompareConfig | None = None):
        self.embeddings = embeddings
        self.config = config or CompareConfig()

    def compare(
        self,
        topic: str,
        sentences_by_outlet: dict[str, list[Sentence]],
        not_covering: Iterable[str] = (),
    ) -> Comparison:
        """Align the outlets' claims and find where they word the same thing differently."""
        outlets = [o for o, sentences in sentences_by_outlet.items() if sentences]
        everything = [s for outlet in outlets for s in sentences_by_outlet[outlet]]
        for index, sentence in enumerate(everything):
            sentence.index = index
        titles = article_titles(everything)
        vectors = self._embed([topic] + list(titles.values()) + [s.text for s in everything])
        topic_vector, vectors = vectors[0], vectors[1:]
        headlines = dict(zip(titles, vectors[: len(titles)], strict=True))
        vectors = vectors[len(titles) :]
        for sentence in everything:
            sentence.relevance = round(float(vectors[sentence.index] @ topic_vector), 4)
        claims = {o: self._claims(sentences_by_outlet[o]) for o in outlets}
        for outlet_claims in claims.values():
            rate_centrality(outlet_claims, vectors)
        pairs = self._align_all(outlets, claims, vectors, headlines)
        finder = WordingFinder(self._embed, self.config)
        differences = finder.find(outlets, sentences_by_outlet, pairs, vectors)
        builder = ComparisonBuilder(
            topic, outlets, list(not_covering), everything, self.config.align_threshold
        )
        return builder.build(claims, pairs, differences)

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def _claims(self, sentences: list[Sentence]) -> list[Sentence]:
        """The outlet's claims in article order, the most relevant when there are too many."""
        claims = [s for s in sentences if s.is_claim]
        if len(claims) > self.config.max_claims_per_outlet:
            keep = sorted(claims, key=lambda s: -s.relevance)[: self.config.max_claims_per_outlet]
            claims = [s for s in claims if s in keep]
        return claims

    def _align_all(
        self, outlets, claims, vectors, headlines=None
    ) -> list[tuple[Sentence, Sentence, float]]:
        """Aligned claim pairs for every two outlets, best first: the Hungarian pairs over
        ``align_threshold``, then the headline claims of one story (see :func:`headline_pairs`).
        """
        words = {s.index: set(tokenize(s.text)) for o in outlets for s in claims[o]}
        idf = inverse_document_frequencies(list(words.values()))
        pairs = []
        for n, outlet_a in enumerate(outlets):
            for outlet_b in outlets[n + 1 :]:
                a, b = claims[outlet_a], claims[outlet_b]
                if not a or not b:
                    continue
                scores = alignment_scores(
                    vectors[[s.index for s in a]],
                    vectors[[s.index for s in b]],
                    [words[s.index] for s in a],
                    [words[s.index] for s in b],
                    idf,
                    self.config.lexical_weight,
                )
                found = align(scores, self.config.align_threshold)
                if headlines:
                    found += headline_pairs(a, b, scores, found, headlines, vectors, self.config)
                for row, col, score in found:
                    pairs.append((a[row], b[col], round(score, 4)))
        return sorted(pairs, key=lambda pair: -pair[2])


# ----- gathering from the index -------------------------------------------------------------


def article_chunks(store: IndexStore, article_ids: Iterable[str]) -> dict[str, list[Document]]:
    """Every chunk of the given articles, as Documents with the index metadata."""
    chunks: dict[str, list[Document]] = {}
    for chunk in store.chunks(article_ids=article_ids):
        chunks.setdefault(chunk.metadata.get("article_id", ""), []).append(chunk.document())
    return chunks


def choose_outlets(
    retriever: HybridRetriever, query: str, outlets, since, until, config: CompareConfig
) -> tuple[list[str], bool]:
    """The outlets to compare and whether the user named them."""
    known = retriever.known_outlets()
    if outlets:
        return resolve_outlets(outlets, known), True
    named = outlets_named_in(query, known)
    if len(named) >= 2:
        return named, True
    survey = retriever.invoke(query, k=config.survey_k, since=since, until=until)
    best: dict[str, float] = {}
    for document in survey:
        outlet = document.metadata.get("outlet", "")
        best[outlet] = max(best.get(outlet, -1.0), float(document.metadata.get("similarity", 0)))
    top = max(best.values(), default=0.0)
    floor = max(config.coverage_floor, top - config.coverage_margin)
    covering = sorted((o for o, s in best.items() if s >= floor), key=lambda o: -best[o])
    chosen = list(dict.fromkeys(named + covering))
    return chosen[: max(config.max_outlets, len(named))], False


def outlet_sentences(
    retriever: HybridRetriever,
    store: IndexStore,
    query: str,
    outlet: str,
    since,
    until,
    config: CompareConfig,
) -> list[Sentence]:
    """The sentences of an outlet's most relevant articles (whole when they are short)."""
    passages = retriever.invoke(
        query, k=config.per_outlet_k, outlets=[outlet], since=since, until=until
    )
    best: dict[str, float] = {}
    for passage in passages:
        article = passage.metadata.get("article_id", "")
        best[article] = max(best.get(article, -1.0), float(passage.metadata.get("similarity", 0)))
    if not best or max(best.values()) < config.coverage_floor:
        return []
    top = max(best.values())
    articles = [
        a for a in sorted(best, key=lambda a: -best[a]) if best[a] >= top - config.article_margin
    ]
    articles = articles[: config.max_articles_per_outlet]
    chunks = article_chunks(store, articles)
    sentences: list[Sentence] = []
    for article in articles:
        mine = chunks.get(article, [])
        if len(mine) > config.whole_article_chunks:
            retrieved = {p.metadata.get("chunk_id") for p in passages}
            mine = [c for c in mine if c.metadata.get("chunk_id") in retrieved]
        sentences.extend(article_sentences(mine, outlet, config.min_claim_words))
    return sentences


def compare_outlets(
    retriever: HybridRetriever,
    store: IndexStore,
    embeddings: Embeddings,
    topic: str,
    outlets: list[str] | None = None,
    since=None,
    until=None,
    k: int | None = None,
    config: CompareConfig | None = None,
) -> Comparison:
    """Compare how the outlets covering ``topic`` (or the given ``outlets``) report it.

    ``retriever`` finds each outlet's passages, ``store`` gives their articles' chunks and
    ``embeddings`` embeds the sentences and phrases; ``topic`` is taken as given (validate it
    first) and the caller holds the ledger read (``store.reading()``)."""
    config = config or CompareConfig()
    if k:
        config = CompareConfig(**{**config.__dict__, "per_outlet_k": k})
    query = topic_of(topic)
    chosen, requested = choose_outlets(retriever, query, outlets, since, until, config)
    sentences: dict[str, list[Sentence]] = {}
    not_covering: list[str] = []
    for outlet in chosen:
        found = outlet_sentences(retriever, store, query, outlet, since, until, config)
        if found:
            sentences[outlet] = found
        elif requested:
            not_covering.append(outlet)
    return Comparer(embeddings, config).compare(topic, sentences, not_covering)

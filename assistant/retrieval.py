"""Hybrid (BM25 + dense), outlet-aware retrieval as a LangChain ``BaseRetriever``.

Dense hits come from Chroma, lexical hits from BM25, scored together (cosine plus scaled
BM25). When the question names outlets, each named outlet is searched under its own filter
so that every one is represented; otherwise the top k is diversified so that each outlet
that covers the question gets at least one passage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .chunking import split_sentences
from .errors import IndexStoreError, InputError
from .lexical import LexicalIndex, tokenize
from .outlets import outlet_clauses, outlets_named_in, resolve_outlets
from .part_retrieval import retrieve_by_parts
from .question_split import QuestionPart, question_parts

LEXICAL_WEIGHT = 0.6  # relevance = cosine + weight * BM25 / the query's best BM25 anywhere
DATE_BONUS = 0.4  # for passages of articles published on a date the question names
COVERAGE_MARGIN = 0.12  # an outlet "covers" a question when its best passage is this close
_MONTHS = "january february march april may june july august september october november december"
_DATE_IN_TEXT = re.compile(
    r"\b(" + "|".join(_MONTHS.split()) + r")\s+(\d{1,2}),?\s+(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b",
    re.I,
)


@dataclass
class Filters:
    """Restrictions on what may be retrieved."""

    outlets: list[str] | None = None
    since_ts: int | None = None
    until_ts: int | None = None

    def chroma_where(self) -> dict | None:
        """The equivalent Chroma ``where`` clause."""
        clauses: list[dict] = []
        if self.outlets is not None:
            clauses.append({"outlet": {"$in": list(self.outlets)}})
        if self.since_ts is not None:
            clauses.append({"published_ts": {"$gte": self.since_ts}})
        if self.until_ts is not None:
            clauses.append({"published_ts": {"$lte": self.until_ts}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def narrowed_to(self, outlet: str) -> Filters:
        """The same filters, for one outlet only."""
        return Filters([outlet], self.since_ts, self.until_ts)


def to_timestamp(value: str | date | datetime | None, end_of_day: bool = False) -> int | None:
    """Unix seconds of a date given as ISO text, ``date`` or ``datetime``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as error:
            raise InputError(f"'{value}' is not a date", hint="use YYYY-MM-DD") from error
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
        if end_of_day:
            value = value.replace(hour=23, minute=59, second=59)
    elif end_of_day and value.hour == value.minute == value.second == 0:
        value = value.replace(hour=23, minute=59, second=59)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


@dataclass
class _Hit:
    chunk_id: str
    relevance: float
    similarity: float
    outlet: str
    document: str | None = None  # filled from Chroma, by the query or one final fetch
    metadata: dict | None = None
    row: int | None = None  # in the search snapshot
    boost: float = 0.0  # from the best sentence's match (see _by_best_sentence)

    @property
    def rank_score(self) -> float:
        return self.relevance + self.boost


@lru_cache(maxsize=20_000)
def _sentence_terms(text: str) -> tuple[frozenset[str], ...]:
    """The term set of each sentence of a chunk (memoised: popular chunks recur)."""
    return tuple(frozenset(tokenize(span.of(text))) for span in split_sentences(text))


def dates_named_in(text: str) -> set[str]:
    """ISO dates (YYYY-MM-DD) the text names, e.g. "published on October 12, 2023"."""
    found = set()
    for match in _DATE_IN_TEXT.finditer(text):
        if match.group(1):
            month = _MONTHS.split().index(match.group(1).lower()) + 1
            day, year = int(match.group(2)), int(match.group(3))
        else:
            year, month, day = (int(match.group(i)) for i in (4, 5, 6))
        if 1 <= day <= 31:
            found.add(f"{year:04d}-{month:02d}-{day:02d}")
    return found


def outlets_first(hits: list[_Hit]) -> list[_Hit]:
    """The best hit, then the best hit of each other outlet, then the rest, each in order.

    Multi-hop evidence spans outlets: on MultiHop-RAG dev this moved MAP@10 0.392 -> 0.401
    and MRR@10 0.752 -> 0.754 with the same passages (one per article first did less).
    """
    seen: set[str] = set()
    firsts: list[_Hit] = []
    rest: list[_Hit] = []
    for hit in hits:
        (rest if firsts and hit.outlet in seen else firsts).append(hit)
        seen.add(hit.outlet)
    return firsts + rest


@dataclass
class _Query:
    """What every search for one question shares."""

    text: str
    snapshot: LexicalIndex  # one consistent view for the whole question
    vector: np.ndarray
    lexical_scores: np.ndarray
    lexical_scale: float
    dates: set[str]
    vectors: dict[str, np.ndarray] | None = None  # embedded in the question's batch


# "Did X report … before Y …?": searching each event alone found fewer of both events'
# passages on MultiHop-RAG dev (temporal all-facts@10 0.375 whole vs 0.332 by part; with
# sequence questions searched whole: all questions 0.431 vs 0.409 whole-only, p50 x1.76).
_SEQUENCE = re.compile(r"\b(before|after|prior to|subsequent|following|earlier|later)\b", re.I)


class HybridRetriever(BaseRetriever):
    """Fuses Chroma and BM25 results, per outlet when the question names outlets.

    ``invoke(question, k=..., outlets=[...], since=..., until=...)`` takes per-call filters.
    Each returned ``Document`` has the chunk text as ``page_content`` and the index metadata
    plus ``chunk_id``, ``score`` (relevance) and ``similarity`` (cosine to the question).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    embeddings: Any
    k: int = 8
    fetch_k: int = 40
    diversify: bool = True
    sentence_weight: float = 5.0  # weight of the best sentence's term match in the final order
    clause_dense: bool = True  # the clause is embedded too (one more query embedding)
    clause_weight: float = 0.5  # weight of the clause about an outlet in its own search
    sentence_window: int = 20  # a named outlet's best passages re-ordered by their sentences
    per_part: bool = True  # multi-part questions: each part retrieved for, results fused

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        outlets: list[str] | None = None,
        since: Any = None,
        until: Any = None,
    ) -> list[Document]:
        k = k or self.k
        if not isinstance(query, str) or not query.strip():
            return []
        snapshot = self.store.lexical()
        if not snapshot.ids:
            return []
        known = self.known_outlets()
        filters = Filters(
            outlets=resolve_outlets(outlets, known) if outlets else None,
            since_ts=to_timestamp(since),
            until_ts=to_timestamp(until, end_of_day=True),
        )
        named = [] if filters.outlets else outlets_named_in(query, known)
        parts = (
            question_parts(query, known) if self.per_part and not _SEQUENCE.search(query) else []
        )
        parts = parts if len(parts) > 1 else []
        vectors = self._embedded(query, named, parts)
        lexical_scores = snapshot.scores(query)
        top_lexical = float(lexical_scores.max()) if len(lexical_scores) else 0.0
        q = _Query(
            text=query,
            snapshot=snapshot,
            vector=vectors[query],
            lexical_scores=lexical_scores,
            lexical_scale=LEXICAL_WEIGHT / top_lexical if top_lexical > 0 else 0.0,
            dates=dates_named_in(query),
            vectors=vectors,
        )
        hits = self._whole(q, named, known, filters, k)
        if parts:
            part_vectors = [vectors[part.text] for part in parts]
            hits = retrieve_by_parts(self, q, parts, part_vectors, named, filters, hits, k)
        hits = self._with_texts(hits)
        if self.sentence_weight and not named and not parts:  # those paths ordered their hits
            hits = self._by_best_sentence(q, hits)
        return [self._document(hit) for hit in outlets_first(hits)]

    def _embedded(
        self, query: str, named: list[str], parts: list[QuestionPart]
    ) -> dict[str, np.ndarray]:
        """The question's vector, with its parts' and outlet clauses' when per-part retrieval
        is on, embedded in one batch."""
        texts = [query]
        if parts:
            texts += [part.text for part in parts]
            if self.clause_dense and self.clause_weight and len(named) > 1:
                texts += list(outlet_clauses(query, named).values())
        texts = list(dict.fromkeys(texts))
        if len(texts) == 1:
            return {query: np.asarray(self.embeddings.embed_query(query), dtype=np.float32)}
        batch = self.embeddings.embed_documents(texts)
        return {text: np.asarray(v, dtype=np.float32) for text, v in zip(texts, batch)}

    def _whole(
        self, q: _Query, named: list[str], known: list[str], filters: Filters, k: int
    ) -> list[_Hit]:
        """The hits for the question as a whole (per named outlet when it names some)."""
        if named and len(named) < len(known):
            hits = self._per_outlet(q, named, filters, k)
        else:
            hits = self._search(q, filters, max(self.fetch_k, k))
            if self.sentence_weight:
                hits = self._by_best_sentence(q, hits[: 2 * k])
            hits = self._diversified(hits, k) if self.diversify else hits[:k]
        return hits

    def known_outlets(self) -> list[str]:
        """Outlets that have chunks in the index."""
        return self.store.lexical().outlet_names

    # ----- search --------------------------------------------------------------------------

    def _search(self, q: _Query, filters: Filters, n: int) -> list[_Hit]:
        """Union of the n best dense and n best lexical chunks, by relevance.

        Unfiltered, the dense side is Chroma's nearest-neighbour query; under a filter (an
        outlet, a date range) it is an exact scan of the filtered rows of the in-memory
        snapshot, which is faster than Chroma's metadata pre-filter and exact as well.
        """
        snapshot = q.snapshot
        outlets = set(filters.outlets) if filters.outlets is not None else None
        mask = snapshot.mask(outlets, filters.since_ts, filters.until_ts)
        if mask is None or snapshot.vectors is None:
            hits = self._dense(q, filters, n)
        else:
            hits = self._scan(q, np.flatnonzero(mask), n)
        lexical = snapshot.search(q.lexical_scores, n, mask=mask)
        missing = [chunk_id for chunk_id, _ in lexical if chunk_id not in hits]
        if missing:
            hits.update(self._score_rows(q, missing))
        ranked = sorted(hits.values(), key=lambda hit: -hit.relevance)
        return ranked

    def _relevance(self, q: _Query, row: int | None, similarity: float, day: str) -> float:
        lexical_score = float(q.lexical_scores[row]) if row is not None else 0.0
        relevance = similarity + q.lexical_scale * lexical_score
        if q.dates and day in q.dates:
            relevance += DATE_BONUS
        return relevance

    def _hit(self, q: _Query, chunk_id: str, row: int | None, similarity: float, **found) -> _Hit:
        snapshot = q.snapshot
        meta = found.get("metadata")
        if row is not None:
            outlet = snapshot.outlets[row]
            day = snapshot.days[row] if snapshot.days is not None else ""
        else:
            outlet = (meta or {}).get("outlet", "")
            day = str((meta or {}).get("published") or "")[:10]
        relevance = self._relevance(q, row, similarity, day)
        return _Hit(chunk_id, relevance, similarity, outlet, row=row, **found)

    def _scan(self, q: _Query, rows: np.ndarray, n: int) -> dict[str, _Hit]:
        """The n rows most similar to the question, scored exactly in memory."""
        if not len(rows):
            return {}
        snapshot = q.snapshot
        similarities = snapshot.similarities(q.vector, rows)
        count = min(n, len(rows))
        top = np.argpartition(-similarities, count - 1)[:count]
        return {
            snapshot.ids[rows[i]]: self._hit(
                q, snapshot.ids[rows[i]], int(rows[i]), float(similarities[i])
            )
            for i in top
        }

    def _score_rows(self, q: _Query, chunk_ids: list[str]) -> dict[str, _Hit]:
        """Hits for chunks found by BM25 only: cosine from the snapshot (or from Chroma)."""
        snapshot = q.snapshot
        rows = [snapshot.position(chunk_id) for chunk_id in chunk_ids]
        if snapshot.vectors is None or any(row is None for row in rows):
            return self._fetch(q, chunk_ids)
        similarities = snapshot.similarities(q.vector, np.asarray(rows))
        return {
            chunk_id: self._hit(q, chunk_id, row, float(similarity))
            for chunk_id, row, similarity in zip(chunk_ids, rows, similarities)
        }

    def _dense(self, q: _Query, filters: Filters, n: int) -> dict[str, _Hit]:
        """The n nearest chunks by Chroma's query, with their texts, in rank order."""
        try:
            result = self.store.collection().query(
                query_embeddings=[q.vector.tolist()],
                n_results=n,
                where=filters.chroma_where(),
                include=["documents", "metadatas", "distances"],
            )
        except IndexStoreError:
            raise
        except Exception as error:
            raise IndexStoreError(
                f"querying the Chroma index failed ({type(error).__name__}: {error})",
                hint="if the index is damaged, rebuild it with: assistant index --rebuild",
            ) from error
        snapshot = q.snapshot
        found = {}
        for chunk_id, distance, text, meta in zip(
            result["ids"][0],
            result["distances"][0],
            result["documents"][0],
            result["metadatas"][0],
        ):
            found[chunk_id] = self._hit(
                q,
                chunk_id,
                snapshot.position(chunk_id),
                1.0 - float(distance),
                document=text,
                metadata=meta,
            )
        return found

    def _fetch(self, q: _Query, chunk_ids: list[str]) -> dict[str, _Hit]:
        got = self.store.collection().get(
            ids=chunk_ids, include=["documents", "metadatas", "embeddings"]
        )
        snapshot = q.snapshot
        found = {}
        for chunk_id, text, meta, emb in zip(
            got["ids"], got["documents"], got["metadatas"], got["embeddings"]
        ):
            if text is None or meta is None or emb is None:
                continue  # deleted by a concurrent update since the snapshot was built
            similarity = float(np.dot(np.asarray(emb, dtype=np.float32), q.vector))
            found[chunk_id] = self._hit(
                q, chunk_id, snapshot.position(chunk_id), similarity, document=text, metadata=meta
            )
        return found

    def _with_texts(self, hits: list[_Hit]) -> list[_Hit]:
        """The hits with their chunk texts and metadata (one Chroma fetch for those scored in
        memory); chunks deleted meanwhile by a concurrent update are dropped."""
        missing = [hit.chunk_id for hit in hits if hit.document is None]
        if missing:
            got = self.store.collection().get(ids=missing, include=["documents", "metadatas"])
            texts = {
                chunk_id: (text, meta)
                for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"])
                if text is not None and meta is not None
            }
            for hit in hits:
                if hit.document is None and hit.chunk_id in texts:
                    hit.document, hit.metadata = texts[hit.chunk_id]
        return [hit for hit in hits if hit.document is not None]

    # ----- outlet awareness ----------------------------------------------------------------

    def _per_outlet(self, q: _Query, named: list[str], filters: Filters, k: int) -> list[_Hit]:
        """Each named outlet's best passages, topped up from their joint ranking.

        Relevance is comparable across outlets (absolute cosine, BM25 scaled by the query's
        best score anywhere), so the final order is by relevance, not by outlet.
        """
        per = max(2, -(-k // len(named)))
        chosen: dict[str, _Hit] = {}
        clauses = outlet_clauses(q.text, named) if self.clause_weight and len(named) > 1 else {}
        for outlet in named:
            q_outlet = self._clause_query(q, clauses[outlet]) if outlet in clauses else q
            window = max(2 * per, self.sentence_window)
            ranked = self._search(q_outlet, filters.narrowed_to(outlet), window)
            if self.sentence_weight:  # against the clause about the outlet and the question
                terms = f"{clauses[outlet]} {q.text}" if outlet in clauses else q.text
                ranked = self._by_best_sentence(q, ranked[:window], terms)
            for hit in ranked[:per]:
                chosen.setdefault(hit.chunk_id, hit)
        joint = Filters(named, filters.since_ts, filters.until_ts)
        top_up = self._search(q, joint, max(self.fetch_k, k))
        if self.sentence_weight:
            top_up = self._by_best_sentence(q, top_up[: 2 * k])
        for hit in top_up:
            if len(chosen) >= k:
                break
            chosen.setdefault(hit.chunk_id, hit)
        return sorted(chosen.values(), key=lambda hit: -hit.rank_score)[:k]

    def _by_best_sentence(
        self, q: _Query, hits: list[_Hit], terms_text: str | None = None
    ) -> list[_Hit]:
        """Re-order by relevance plus how well the chunk's best sentence matches the question
        (idf-weighted share of the terms of ``terms_text``, by default the question): of two
        chunks of the same story, the one holding the sentence that answers comes first."""
        terms = set(tokenize(terms_text or q.text))
        texts = [self._text(q, hit) for hit in hits]
        if not terms or not hits or any(text is None for text in texts):
            return hits
        sentences = [_sentence_terms(text) for text in texts]
        counts: dict[str, int] = {}
        for chunk in sentences:
            for term in set().union(*chunk) if chunk else ():
                counts[term] = counts.get(term, 0) + 1
        idf = {t: math.log(1 + len(hits) / counts.get(t, 0.5)) for t in terms}
        total = sum(idf.values())
        for hit, chunk in zip(hits, sentences):
            best = max((sum(idf[t] for t in terms & words) for words in chunk), default=0.0)
            hit.boost = self.sentence_weight * best / total
        return sorted(hits, key=lambda hit: -hit.rank_score)

    @staticmethod
    def _text(q: _Query, hit: _Hit) -> str | None:
        if hit.document is not None:
            return hit.document
        texts = q.snapshot.texts
        return texts[hit.row] if texts is not None and hit.row is not None else None

    def _clause_query(self, q: _Query, clause: str) -> _Query:
        """The question seen through the clause about one outlet: its vector and BM25 scores
        blended in with ``clause_weight``."""
        w = self.clause_weight
        vector = q.vector
        if self.clause_dense:
            clause_vector = (q.vectors or {}).get(clause)
            if clause_vector is None:
                clause_vector = np.asarray(self.embeddings.embed_query(clause), dtype=np.float32)
            vector = q.vector + w * clause_vector
            vector /= np.linalg.norm(vector) or 1.0
        clause_scores = q.snapshot.scores(clause)
        top_full = float(q.lexical_scores.max()) if len(q.lexical_scores) else 0.0
        top_clause = float(clause_scores.max()) if len(clause_scores) else 0.0
        scores = (q.lexical_scores / top_full if top_full > 0 else q.lexical_scores) + w * (
            clause_scores / top_clause if top_clause > 0 else clause_scores
        )
        return _Query(
            q.text, q.snapshot, vector, scores, LEXICAL_WEIGHT / (1 + w), q.dates, q.vectors
        )

    @staticmethod
    def _diversified(hits: list[_Hit], k: int) -> list[_Hit]:
        """Top k by score, but every outlet close to the best gets at least one passage."""
        if not hits:
            return []
        best = max(hit.similarity for hit in hits)
        firsts: dict[str, _Hit] = {}
        for hit in hits:
            outlet = hit.outlet
            if outlet not in firsts and hit.similarity >= best - COVERAGE_MARGIN:
                firsts[outlet] = hit
        reserved = list(firsts.values())[:k]
        chosen = {hit.chunk_id for hit in reserved}
        rest = [hit for hit in hits if hit.chunk_id not in chosen][: k - len(reserved)]
        picked = {hit.chunk_id for hit in reserved + rest}
        return [hit for hit in hits if hit.chunk_id in picked]

    @staticmethod
    def _document(hit: _Hit) -> Document:
        if hit.document is None:  # _with_texts drops these; reaching here is a bug
            raise ValueError(f"chunk {hit.chunk_id} reached the answer without its text")
        metadata = {
            **(hit.metadata or {}),
            "chunk_id": hit.chunk_id,
            "score": round(hit.rank_score, 6),
            "similarity": round(hit.similarity, 4),
        }
        return Document(page_content=hit.document, metadata=metadata, id=hit.chunk_id)

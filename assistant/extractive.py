"""The default answerer: verbatim quotes of the most relevant sentences, grouped by outlet.

No language model is involved, so nothing can be misquoted or misattributed: every sentence
of the answer is a quotation, each with its citation, introduced by the outlet that wrote it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from langchain_core.documents import Document

from .answer_models import Answer
from .answer_text import citation_for, compose, neutralise_markers, not_from, not_mentioned
from .claims import another_report, claims_of
from .debris import posts_by_article
from .lead import (
    entity_lead,
    metadata_answer,
    names_answer,
    names_in_outlet,
    naming_quotes,
    unnamed_notes,
)
from .lexical import tokenize
from .outlet_summary import summary_points
from .outlets import outlets_named_in
from .question_parts import QUESTION_NOISE, QuestionParts, parse_question, question_terms
from .quote_span import quotable_spans, trimmed, without_near_duplicates
from .rest_of_articles import RestOfArticles, chunk_key
from .semantic import MEANING_MATCH, WEAK, Need, SentenceVectors, by_meaning, with_meaning
from .verdict import (
    Support,
    answering,
    complement,
    every_part_matched,
    support_for,
    support_notes,
    verdict_lead,
    with_rest,
)

__all__ = [
    "QUESTION_NOISE",
    "ExtractiveAnswerer",
    "ExtractiveConfig",
    "citation_for",
    "compose",
    "neutralise_markers",
    "question_terms",
]


@dataclass
class ExtractiveConfig:
    """Thresholds of the extractive answerer (calibrated in ``benchmarks/retrieval.py``)."""

    refuse_below: float = 0.45  # best passage cosine under which the articles do not cover it
    min_term_overlap: float = 0.34  # ...unless this share of the question's terms is matched
    passage_floor: float = 0.30  # once covered, passages under this cosine (and overlap) are noise
    outlet_margin: float = 0.15  # outlets whose best passage is this close to the best are cited
    lexical_margin: float = 0.6  # ...or whose best sentence matches this share of the best's terms
    cite_named: bool = True  # outlets the question names are cited when they have a passage
    max_sentences: int = 6
    claim_match: float = 0.3  # share of a part's key terms a sentence must have to be quoted
    named_factor: float = 1.0  # ...times this for a named outlet no part's best quote is from
    meaning_match: float = MEANING_MATCH  # a part no sentence matches by its key words is
    # supported by the sentence closest to it in meaning at this cosine (needs ``embeddings``)
    weak_match: float = WEAK  # a part's quote with less of its key terms is weighed by meaning
    rerank_candidates: int = 0  # sentence-embedding re-rank: off; it cost ~100 ms and quoted
    # no more gold facts on MultiHop-RAG dev (0.615 with 12, 0.618 without; docs/benchmarks.md)


@dataclass
class _Candidate:
    document: Document
    rank: int
    start: int  # offset in the chunk text
    end: int
    text: str
    lexical: float = 0.0
    score: float = 0.0
    words: frozenset[str] = frozenset()  # the sentence's terms
    # a fragment quoted with its lead-in: each sentence's [start, end) in the chunk text
    sentences: tuple[tuple[int, int], ...] = ()
    referent: str = ""  # who the quote's opening "He" is, when its lead-in is cut

    @property
    def outlet(self) -> str:
        return self.document.metadata.get("outlet", "")

    @property
    def key(self) -> tuple[str, int, int]:
        meta = self.document.metadata
        offset = int(meta.get("start", 0))
        return meta.get("article_id", ""), offset + self.start, offset + self.end


# "What does X say about <topic>?": the topic a refusal names
_TOPIC = re.compile(
    r"\b(?:say|said|says|report|reports|reported|write|writes|wrote)\s+(?:about|on|regarding)"
    r"\s+(?:the\s+)?([^?]{3,80}?)\s*\??$",
    re.I,
)


class ExtractiveAnswerer:
    """Builds an :class:`Answer` from retrieved passages by quoting their best sentences."""

    name = "extractive"

    def __init__(
        self,
        embeddings=None,
        config: ExtractiveConfig | None = None,
        outlets: Callable[[], list[str]] | None = None,
        article_chunks: Callable[[set[str]], list[Document]] | None = None,
        chunks_naming: Callable[[str], list[Document]] | None = None,
    ):
        self.embeddings = embeddings
        self.config = config or ExtractiveConfig()
        self.outlets = outlets  # the index's outlets, to tell "none in the index" from "none found"
        # every chunk of given articles: a part the retrieved chunks miss is looked for in the
        # rest of the retrieved articles before the answer says nothing matches it
        self.article_chunks = article_chunks
        # chunks anywhere in the index naming a name: "do not mention X" only when none does
        self.chunks_naming = chunks_naming

    def _known_outlets(self) -> list[str]:
        """The index's outlets (none when the answerer was given no way to list them)."""
        return self.outlets() if self.outlets is not None else []

    def _missing(self, parts: QuestionParts, documents: list[Document]) -> list[str]:
        """Salient names no passage holds, but words of an indexed outlet's name."""
        known = self._known_outlets()
        return [n for n in _missing_names(parts, documents) if not _of_outlet_name(n, known)]

    def _unindexed(self, parts: QuestionParts, documents: list[Document]) -> list[str]:
        """Outlets the question asks about that the index holds no article from (without an
        outlet list: that no retrieved passage comes from)."""
        known = self.outlets() if self.outlets is not None else [_outlet_of(d) for d in documents]
        return [name for name in parts.sources if not _is_among(name, sorted(set(known)))]

    def _refusal(self, question: str) -> Answer:
        """The refusal; for a question about one indexed outlet's take on a topic, said of
        that outlet: "fakty.com.ua: no passage found on weapons deliveries." ("found", not
        "mentions": a retrieval miss is no proof of absence)."""
        topic = _TOPIC.search(question)
        named = outlets_named_in(question, self.outlets()) if self.outlets and topic else []
        if topic and len(named) == 1:
            text = f"{named[0]}: no passage found on {topic.group(1).strip()}."
            return Answer.refusal(question, text=text)
        return Answer.refusal(question)

    def answer(self, question: str, documents: list[Document]) -> Answer:
        """Quote the passages' best sentences, each outlet in turn, or refuse."""
        if not documents:
            return self._refusal(question)
        parts = parse_question(question, sorted({d.metadata.get("outlet", "") for d in documents}))
        terms = parts.terms
        candidates = self._candidates(documents, terms)
        if parts.kind == "metadata":
            found = metadata_answer(question, parts, documents, candidates)
            if found is not None:
                return found
        unindexed = self._unindexed(parts, documents)
        if unindexed and (self.outlets is not None or len(unindexed) == len(parts.sources)):
            # the question asks about an article the index does not hold: quoting the
            # others' articles would answer a different question
            return not_from(question, unindexed, indexed=self.outlets is not None)
        rest = RestOfArticles(self.article_chunks, self._candidates, documents, terms)
        missing = self._missing(parts, documents)
        if missing:  # a name the retrieved chunks lack may be in the rest of their articles
            missing = self._missing(parts, documents + rest.documents())
        if missing and self.chunks_naming is not None:  # ...or in other articles of the index
            extra = _naming_chunks(self.chunks_naming, missing, documents + rest.documents())
            if extra:
                documents = documents + extra
                candidates = self._candidates(documents, terms)
                missing = self._missing(parts, documents + rest.documents())
        if missing and (len(missing) == len(parts.names) or parts.kind == "open"):
            return not_mentioned(question, missing, refused=len(missing) == len(parts.names))
        claims = claims_of(parts, sorted({_outlet_of(d) for d in documents}))
        if not self._covered(documents, candidates, terms) and not every_part_matched(
            claims, candidates, self._idf(candidates)
        ):
            return self._refusal(question)
        self._rerank(question, candidates)
        selection = self._select(candidates, documents, question, claims, rest)
        if not selection.chosen:
            return self._refusal(question)
        selection.chosen += summary_points(question, claims, candidates, selection.chosen)
        if _unquoted_names(parts, candidates):  # said unquoted only if no sentence names it
            rest.candidates()
        return self._write(question, parts, candidates + rest.loaded, selection, unindexed)

    def _write(
        self, question: str, parts: QuestionParts, candidates, selection, unindexed: list[str]
    ) -> Answer:
        """The lead line for the question's kind, notes on unsupported parts, the quotes."""
        chosen, weights = selection.chosen, selection.weights
        lead, lead_keys, unnamed = "", [], []
        forms: list[str] = []
        if parts.kind == "entity":
            lead, extra, forms = entity_lead(parts, candidates, chosen)
            chosen = _merge(chosen, extra)
            if lead:
                chosen, lead_keys, unnamed = naming_quotes(parts, forms, chosen, candidates)
        chosen, selection = _trimmed_quotes(chosen, selection, forms if lead else [])
        if lead_keys:  # trimming moves a quote's ends: its key too
            lead_keys = [c.key for c in chosen if names_answer(parts, forms, c)]
        known = self._known_outlets()
        unquoted = [n for n in _unquoted_names(parts, candidates) if not _of_outlet_name(n, known)]
        # a single-part question's answer is its lead and quotes: a note on "its part" would
        # only say the question's words are not all quoted; the yes/no lead says it itself
        told = parts.kind == "yes_no" or (bool(lead) and len(selection.supports) == 1)
        notes = [] if told else support_notes(selection.supports, weights)
        sources = unnamed_notes(unnamed, lead) + [
            note
            for note in self._source_notes(parts, chosen, unindexed)
            if not _is_among(note.split(":")[0], unnamed)
        ]
        named = [o for o in parts.outlets if lead and names_in_outlet(parts, forms, candidates, o)]
        notes += _unquoted_outlet_notes(parts, selection, chosen, sources + named)
        notes += _missing_notes(unquoted) + sources
        chosen = _ordered(_without_overlaps(chosen))
        numbers = {c.key: n for n, c in enumerate(chosen, start=1)}
        if parts.kind == "yes_no":
            supports = _verdict_supports(selection.supports, chosen)
            numbered = {
                s.best.key: _number_of(s.best.key, chosen, numbers) for s in supports if s.best
            }
            lead = verdict_lead(question, supports, numbered, weights)
            lead_numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", lead)})
            return compose(question, chosen, lead, lead_numbers, notes)
        lead_numbers = sorted({numbers[k] for k in _kept_keys(lead_keys, chosen)})
        if lead and lead_numbers:
            lead = f"{lead} " + " ".join(f"[{n}]" for n in lead_numbers)
        elif lead and parts.kind == "entity":
            lead = ""
        return compose(question, chosen, lead, lead_numbers, notes)

    def _source_notes(self, parts: QuestionParts, chosen, unindexed: list[str]) -> list[str]:
        # without the index's outlet list, "not retrieved" cannot be told from "not indexed"
        not_indexed = set(unindexed) if self.outlets is not None else set()
        notes = []
        for name in _absent_sources(parts, chosen):
            if name in not_indexed:
                notes.append(f"{name}: the indexed articles include nothing from it.")
            else:
                notes.append(f"{name}: no quoted passage comes from it.")
        return notes

    # ----- scoring -------------------------------------------------------------------------

    def _candidates(self, documents: list[Document], terms: set[str]) -> list[_Candidate]:
        candidates: list[_Candidate] = []
        seen: set[tuple[str, int, int]] = set()
        posts = posts_by_article(documents)
        for rank, document in enumerate(documents):
            text = document.page_content
            offset, article = int(document.metadata.get("start", 0)), chunk_key(document)[0]
            for start, end, run in quotable_spans(text):
                if any(a < offset + end and offset + start < b for a, b in posts[article]):
                    continue  # an embedded post's lines are not the outlet's reporting
                candidate = _Candidate(document, rank, start, end, text[start:end])
                candidate.sentences = run
                if candidate.key in seen:
                    continue
                seen.add(candidate.key)
                candidates.append(candidate)
        for candidate in candidates:
            candidate.words = frozenset(tokenize(candidate.text))
        weights = self._idf(candidates)
        total = sum(weights.get(term, 1.0) for term in terms) or 1.0
        for candidate in candidates:
            matched = sum(weights.get(term, 1.0) for term in terms & candidate.words)
            candidate.lexical = matched / total
            similarity = float(candidate.document.metadata.get("similarity", 0.0))
            candidate.score = 0.6 * candidate.lexical + 0.4 * similarity - 0.01 * candidate.rank
        return candidates

    @staticmethod
    def _idf(candidates: list[_Candidate]) -> dict[str, float]:
        counts: dict[str, int] = {}
        for candidate in candidates:
            for term in candidate.words:
                counts[term] = counts.get(term, 0) + 1
        n = max(len(candidates), 1)
        return {term: math.log(1 + n / count) for term, count in counts.items()}

    def _covered(self, documents, candidates, terms) -> bool:
        best_similarity = max(float(d.metadata.get("similarity", 0.0)) for d in documents)
        if best_similarity >= self.config.refuse_below:
            return True
        best_overlap = max((c.lexical for c in candidates), default=0.0)
        return bool(terms) and best_overlap >= self.config.min_term_overlap

    def _rerank(self, question: str, candidates: list[_Candidate]) -> None:
        """Blend in sentence-level embedding similarity for the strongest candidates."""
        if self.embeddings is None or not candidates or self.config.rerank_candidates <= 0:
            return  # off: not even the question is embedded again
        top = sorted(candidates, key=lambda c: -c.score)[: self.config.rerank_candidates]
        vectors = np.asarray(self.embeddings.embed_documents([question] + [c.text for c in top]))
        similarities = vectors[1:] @ vectors[0]
        for candidate, similarity in zip(top, similarities):
            candidate.score = 0.5 * candidate.score + 0.5 * float(similarity)

    def _covering(self, candidates, documents: list[Document], question: str) -> list[str]:
        """Outlets whose passages match the question about as well as the best outlet's, or
        that the question names."""
        config = self.config
        best_by_outlet: dict[str, float] = {}
        for document in documents:
            outlet = document.metadata.get("outlet", "")
            similarity = float(document.metadata.get("similarity", 0.0))
            best_by_outlet[outlet] = max(best_by_outlet.get(outlet, -1.0), similarity)
        bar = max(best_by_outlet.values()) - config.outlet_margin
        named = (
            set(outlets_named_in(question, list(best_by_outlet))) if config.cite_named else set()
        )
        best_lexical = _best_lexical_by_outlet(candidates)
        top_lexical = max(best_lexical.values(), default=0.0)
        return [
            outlet
            for outlet, best in best_by_outlet.items()
            if best >= bar
            or (outlet in named and best >= config.passage_floor)
            or _matches_as_well(best_lexical.get(outlet, 0.0), top_lexical, best, config)
        ]

    def _select(
        self,
        candidates: list[_Candidate],
        documents: list[Document],
        question: str,
        claims,
        rest: RestOfArticles | None = None,
    ) -> _Selection:
        """The best sentence for each claim of the question, then one for each outlet the
        question names (else each covering outlet) not yet quoted: once a sentence answers a
        part, no other is quoted for it, and a sentence that speaks to no part is not quoted."""
        weights = self._idf(candidates)
        covering = self._covering(candidates, documents, question)
        named = outlets_named_in(question, sorted({_outlet_of(d) for d in documents}))
        allowed = set(named) or set(covering)
        threshold = self.config.claim_match
        supports: list[Support] = []
        needs: list[Need] = []
        avoided: list[frozenset[str]] = []
        for claim in claims:
            used = frozenset(  # a part about another report of an outlet: another article
                s.best.key[0] for s in supports if s.best and another_report(claim, s.claim)
            )
            avoided.append(used)
            allowed_here = allowed | {claim.outlet or ""}
            support = support_for(claim, candidates, allowed_here, weights, threshold, used)
            support = with_rest(support, rest, allowed_here, weights, threshold)
            if support.best is None or support.match < self.config.weak_match:
                pool = candidates + (rest.loaded if rest is not None else [])
                pool = [c for c in pool if c.outlet in allowed_here]
                needs.append(Need(len(supports), claim, pool, used, support.best))
            supports.append(support)
        vectors = SentenceVectors(self.embeddings) if self.embeddings is not None else None
        if vectors is not None:  # said in other words, or nearer the point: found by meaning
            meant = by_meaning(needs, vectors, weights, self.config.meaning_match)
            supports = with_meaning(supports, meant, vectors)
        chosen: list[_Candidate] = []
        for index, support in enumerate(supports):
            if support.best is None:
                continue
            eligible = [c for c in chosen if c.key[0] not in avoided[index]]
            answered = answering(support, eligible, weights, threshold)
            if answered is None:
                chosen.append(support.best)
            else:  # the part's quote is the chosen sentence that answers it
                supports[index] = replace(support, best=answered)
        for support in supports:
            extra = complement(support, candidates, chosen, weights, threshold)
            if extra is not None:
                chosen.append(extra)
        for outlet in named or covering:
            if any(c.outlet == outlet for c in chosen):
                continue
            found = [  # an outlet the question asks about: its best sentence on any part
                support_for(c, candidates, {outlet}, weights, threshold * self.config.named_factor)
                for c in claims
                if c.outlet in (None, outlet)
            ]
            best = max(found, key=lambda s: s.match, default=None)
            if best is not None and best.best is not None:
                chosen.append(best.best)
        if not chosen:  # nothing speaks to any part: the closest sentence of each outlet
            ranked = sorted(candidates, key=lambda c: -c.score)
            for outlet in named or covering:
                chosen += [c for c in ranked if c.outlet == outlet][:1]
        chosen = without_near_duplicates(chosen)[: self.config.max_sentences]
        return _Selection(chosen, supports, weights)


@dataclass
class _Selection:
    chosen: list[_Candidate]
    supports: list[Support]
    weights: dict[str, float]


def _trimmed_quotes(chosen, selection: _Selection, forms: list[str]):
    """The chosen quotes without the sentences of a fragment's run that carry none of the
    key terms of the parts they may speak to (nor the answer's name), and the supports'
    best quotes replaced by the cut ones."""
    cut = {}
    for candidate in chosen:
        claims = [s.claim for s in selection.supports if s.claim.outlet in (None, candidate.outlet)]
        cut[candidate.key] = trimmed(candidate, claims, selection.weights, forms)
    supports = [
        replace(s, best=cut[s.best.key]) if s.best is not None and s.best.key in cut else s
        for s in selection.supports
    ]
    return [cut[c.key] for c in chosen], replace(selection, supports=supports)


def _unquoted_outlet_notes(
    parts: QuestionParts, selection: _Selection, chosen, sources: list[str]
) -> list[str]:
    """ "Nothing from Fortune matches the question's parts." for an outlet the question names
    that no quote comes from and no part's note, verdict line or source note names."""
    quoted = {c.outlet for c in chosen}
    with_part = {s.claim.outlet for s in selection.supports}
    return [
        f"Nothing from {outlet} matches the question's parts."
        for outlet in parts.outlets
        if outlet not in quoted
        and outlet not in with_part
        and not any(outlet in note for note in sources)
    ]


def _verdict_supports(supports: list[Support], chosen: list[_Candidate]) -> list[Support]:
    """The claims' supports; a single claim about no one outlet speaks for every outlet
    quoted, each with its best sentence."""
    if len(supports) != 1 or supports[0].claim.outlet is not None or supports[0].best is None:
        return supports
    claim = supports[0].claim
    per_outlet: dict[str, _Candidate] = {}
    for candidate in sorted(chosen, key=lambda c: -c.score):
        per_outlet.setdefault(candidate.outlet, candidate)
    return [
        Support(replace(claim, outlet=outlet), best, supports[0].match)
        for outlet, best in per_outlet.items()
    ]


def _number_of(key, chosen: list[_Candidate], numbers: dict) -> int | None:
    kept = _kept_keys([key], chosen)
    return numbers[kept[0]] if kept else None


def _best_lexical_by_outlet(candidates: list[_Candidate]) -> dict[str, float]:
    best: dict[str, float] = {}
    for candidate in candidates:
        best[candidate.outlet] = max(best.get(candidate.outlet, 0.0), candidate.lexical)
    return best


def _matches_as_well(lexical: float, top_lexical: float, similarity: float, config) -> bool:
    """An outlet whose best sentence matches the question's terms nearly as well as the best
    outlet's is cited, however strongly one short article matches as a whole (issue 16)."""
    return (
        top_lexical > 0
        and lexical >= config.lexical_margin * top_lexical
        and similarity >= config.passage_floor
    )


def _absent_sources(parts: QuestionParts, documents: list) -> list[str]:
    """Outlets the question says its articles come from, with no passage among ``documents``
    (passages or chosen sentences)."""
    outlets = sorted({_outlet_of(d) for d in documents})
    return [name for name in parts.sources if not _is_among(name, outlets)]


def _outlet_of(item) -> str:
    document = item.document if isinstance(item, _Candidate) else item
    return document.metadata.get("outlet", "")


def _is_among(name: str, outlets: list[str]) -> bool:
    wanted = set(tokenize(name))
    return bool(outlets_named_in(name, outlets)) or any(
        wanted and wanted <= set(tokenize(outlet)) for outlet in outlets
    )


def _naming_chunks(naming, names: list[str], have: list[Document]) -> list[Document]:
    """The index's chunks naming any of ``names`` that are not among ``have``."""
    seen = {chunk_key(d) for d in have}
    extra = []
    for name in names:
        for document in naming(name):
            if chunk_key(document) not in seen:
                seen.add(chunk_key(document))
                extra.append(document)
    return extra


def _missing_names(parts: QuestionParts, documents: list[Document]) -> list[str]:
    """Salient names of the question that no retrieved passage contains."""
    return _not_named(parts.names, " ".join(d.page_content for d in documents))


def _unquoted_names(parts: QuestionParts, candidates: list[_Candidate]) -> list[str]:
    """Salient names of the question that no quotable sentence contains."""
    return _not_named(parts.names, " ".join(c.text for c in candidates))


def _of_outlet_name(name: str, outlets: list[str]) -> bool:
    """Whether ``name`` is words of an indexed outlet's name ("FOX News", "Health" of "FOX
    News - Health"): an outlet, not something its articles must mention."""
    words = set(name.split())
    return any(words <= set(outlet.split()) for outlet in outlets)


def _not_named(names: list[str], text: str) -> list[str]:
    """Names ``text`` does not contain in full, nor by a distinctive first or last word
    ("Ravens" for "Baltimore Ravens", "Tremblant" for "Tremblant Ski Resort"; case-sensitive,
    so "Red Cross" is not found in "the cross-border Red Army")."""
    words = set(tokenize(text))
    missing = []
    for name in names:
        if set(tokenize(name)) <= words:
            continue
        ends = {name.split()[0], name.split()[-1]} if len(name.split()) > 1 else set()
        if any(len(w) >= 5 and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in ends):
            continue
        missing.append(name)
    return missing


def _missing_notes(missing: list[str]) -> list[str]:
    return [f"No quotable sentence mentions {' or '.join(missing)}."] if missing else []


def _merge(chosen: list[_Candidate], extra: list[_Candidate]) -> list[_Candidate]:
    keys = {c.key for c in chosen}
    return chosen + [c for c in extra if c.key not in keys]


def _ordered(chosen: list[_Candidate]) -> list[_Candidate]:
    """Outlets by their best sentence; an article's sentences together, in text order."""
    order = {outlet: index for index, outlet in enumerate(_outlet_order(chosen))}
    return sorted(chosen, key=lambda c: (order[c.outlet], c.key))


def _outlet_order(chosen: list[_Candidate]) -> list[str]:
    best: dict[str, float] = {}
    for candidate in chosen:
        best[candidate.outlet] = max(best.get(candidate.outlet, -1e9), candidate.score)
    return sorted(best, key=lambda outlet: -best[outlet])


def _overlaps(a: _Candidate, b: _Candidate) -> bool:
    """Two spans of one article that share text (a fragment quoted with its lead-in, the same
    sentence from two overlapping chunks)."""
    (article_a, start_a, end_a), (article_b, start_b, end_b) = a.key, b.key
    return article_a == article_b and start_a < end_b and start_b < end_a


def _without_overlaps(chosen: list[_Candidate]) -> list[_Candidate]:
    """The best-scoring of each group of overlapping spans: no sentence is quoted twice."""
    kept: list[_Candidate] = []
    for candidate in sorted(chosen, key=lambda c: -c.score):
        if not any(_overlaps(candidate, other) for other in kept):
            kept.append(candidate)
    return kept


def _kept_keys(keys: list, chosen: list[_Candidate]) -> list:
    """Lead keys mapped to the kept span that overlaps them (a dropped overlap's stand-in)."""
    by_key = {c.key: c for c in chosen}
    mapped = []
    for key in keys:
        if key in by_key:
            mapped.append(key)
            continue
        article, start, end = key
        mapped += [
            c.key for c in chosen if c.key[0] == article and c.key[1] < end and start < c.key[2]
        ]
    return mapped

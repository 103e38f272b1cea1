"""Grounding a generated answer in the passages it was written from.

After generation, every answer sentence is checked against the passages it cites:

1. ``[n]`` markers are parsed (also ``[1, 2]``, ``[1][2]``, ``[1-3]``); numbers that point at
   no passage are removed.
2. A sentence is *supported* by a passage when both hold:

   - word overlap: at least ``MIN_TERM_OVERLAP`` of the sentence's content terms (stemmed,
     without stop words, outlet names and reporting verbs) occur in the passage or its title;
   - meaning: the cosine between the sentence and the passage's best-matching unit (a
     sentence, one of its clauses, or two adjacent sentences) is at least ``MIN_COSINE``
     (same embedder as the index);

   and every number in the sentence occurs in the passage, its title or its date. When the
   sentence names outlets ("TASS reports ..."), only passages of those outlets can support it.
3. Cited passages that do not support the sentence lose their citation. A supported sentence
   whose citations are missing or wrong gets the passage that supports it best (one per
   outlet it names). A sentence no passage supports is marked ``supported=False`` and loses
   its markers, or is dropped when ``drop_unsupported`` is set.
4. Each citation quotes the passage sentence (or sentence pair) that best matches the claim,
   always an exact substring of the chunk, with article offsets
   (:func:`assistant.answer_text.citation_for`).
   Citations are renumbered 1..n in order of first use and the markers rewritten.

Calibration (``benchmarks/grounding_calibration.py --questions 30 --chunks 3``; details in
``docs/grounding.md``): 402 labelled (claim, article) pairs, each claim attributed to the
article's outlet and checked against the article's 3 chunks sharing most words with it.
Seeds: 34 hand-written paraphrases as positives; 28 negatives (claims only the other seed
makes, invented claims, a wrong date, chatbot filler, an injected instruction). MultiHop-RAG
(30 inference/comparison dev questions): gold facts attributed, whole and cut to 60% of their
words, against their own article (170 positives); against the question's other evidence
article (85 hard negatives) and an article of another category (85 easy negatives). Over a
grid of overlap 0.3-0.8 x cosine 0.35-0.75, overlap 0.5 / cosine 0.55 has the best macro
Youden J (0.91, ties to the stricter pair): seed positives 94% supported, multihop positives
99%; seed negatives 7%, hard negatives 9% (mostly two outlets reporting the same event),
easy negatives 0%.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from .answer_models import Answer, AnswerSentence, Citation
from .answer_text import citation_for
from .chunking import Span, split_sentences
from .lexical import tokenize
from .outlets import outlet_aliases, outlets_named_in
from .question_parts import QUESTION_NOISE

MIN_TERM_OVERLAP = 0.5  # share of a claim's content terms found in the passage
MIN_COSINE = 0.55  # cosine of the claim with the passage's best-matching sentence

CLAIM_NOISE = QUESTION_NOISE | set(
    tokenize("note notes noted state states stated add adds added publication paper newspaper")
)
_MARKER = re.compile(
    r"\[\s*(?:(?:passages?|sources?|refs?)\s*)?"
    r"(\d{1,3}(?:\s*(?:,|;|-|–|and)\s*(?:(?:passages?|sources?)\s*)?\d{1,3})*)\s*\]",
    re.IGNORECASE,
)
_LEADING_MARKERS = re.compile(rf"^(?:\s*{_MARKER.pattern})+", re.IGNORECASE)
_MARKER_WITH_SPACE = re.compile(rf"\s*{_MARKER.pattern}", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_AFTER_CITED_STOP = re.compile(r"\]\s*[.!?]+[\"'”’»)]*\s+")
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:]|\s[-–—]\s)\s*")
_VERDICT = re.compile(r"^\W*(?:yes|no|both|neither|only|none|the answer is)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TRAILING_PUNCTUATION = re.compile(r"[.!?…:;]+[\"'”’»)]*$")
_COVERAGE_STATEMENT = re.compile(
    r"\b(?:do(?:es)?\s*n[o']t|cannot|can't|did\s*n[o']t)\s+(?:\w+\s+){0,2}"
    r"(?:cover|answer|mention|address|contain|discuss|say|provide|include)\b"
    r"|\bnot\s+covered\b|\bno\s+(?:relevant\s+)?information\b|\binsufficient\s+information\b",
    re.IGNORECASE,
)


def parse_markers(text: str) -> list[int]:
    """Citation numbers in ``text``, in order, each once: "[1, 2]" and "[3][1]" -> [1, 2, 3]."""
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        for number in _expand(match.group(1)):
            if number not in numbers:
                numbers.append(number)
    return numbers


def _expand(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group, flags=re.IGNORECASE):
        bounds = [int(n) for n in re.findall(r"\d+", part)]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] <= 20:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def strip_markers(text: str) -> str:
    """``text`` without citation markers."""
    return _MARKER_WITH_SPACE.sub("", text).strip()


def content_terms(text: str, outlets: Sequence[str] = ()) -> set[str]:
    """Stemmed content words of a claim, without outlet names and reporting verbs."""
    outlet_terms = {t for o in outlets for alias in outlet_aliases(o) for t in tokenize(alias)}
    return set(tokenize(text)) - CLAIM_NOISE - outlet_terms


def _numbers(text: str, parts: bool = False) -> set[str]:
    """Numbers in ``text`` ("1,000" -> "1000", "07" -> "7"); with ``parts``, also each digit run
    ("08.11.2022" -> "8.11.2022", "8", "11", "2022")."""
    found = _NUMBER.findall(text) + (re.findall(r"\d+", text) if parts else [])
    return {n.replace(",", "").lstrip("0") or "0" for n in found}


@dataclass
class Support:
    """How well one passage supports one claim."""

    overlap: float
    cosine: float
    numbers_ok: bool
    quote: Span  # the passage sentence that matches the claim best (chunk offsets)

    def supports(
        self, min_overlap: float = MIN_TERM_OVERLAP, min_cosine: float = MIN_COSINE
    ) -> bool:
        """Both thresholds met and no number the passage lacks."""
        return self.overlap >= min_overlap and self.cosine >= min_cosine and self.numbers_ok


@dataclass
class _Unit:
    """A piece of a passage compared with claims: a sentence, a clause, or two sentences."""

    span: Span  # what is embedded (chunk offsets)
    quote: Span  # what a citation quotes when this unit matches best: its sentence(s)
    terms: set[str]


def passage_units(text: str) -> list[_Unit]:
    """Sentences, their clauses (a claim often restates one clause of a long sentence) and
    adjacent sentence pairs (a claim may merge two)."""
    sentences = [s for s in split_sentences(text) if len(s.of(text).strip()) >= 3]
    sentences = sentences or [Span(0, len(text))]
    units = [_Unit(s, s, set(tokenize(s.of(text)))) for s in sentences]
    for sentence in sentences:
        clauses = _clauses(text, sentence)
        if len(clauses) > 1:
            units += [_Unit(c, sentence, set(tokenize(c.of(text)))) for c in clauses]
    for first, second in zip(sentences, sentences[1:], strict=False):
        pair = Span(first.start, second.end)
        units.append(_Unit(pair, pair, set(tokenize(pair.of(text)))))
    return units


def _clauses(text: str, sentence: Span) -> list[Span]:
    clauses, start = [], sentence.start
    for cut in _CLAUSE_BREAK.finditer(text, sentence.start, sentence.end):
        clauses.append(Span(start, cut.start()))
        start = cut.end()
    clauses.append(Span(start, sentence.end))
    return [c for c in clauses if len(c.of(text).split()) >= 4]


@dataclass
class _Passage:
    document: Document
    units: list[_Unit]
    vectors: np.ndarray
    terms: set[str]
    numbers: set[str]

    @property
    def outlet(self) -> str:
        return str(self.document.metadata.get("outlet", ""))


@dataclass
class _Sentence:
    raw: Span  # in the generated text
    claim: str  # without markers
    cited: list[int] = field(default_factory=list)  # valid passage numbers (1-based)
    kind: str = "claim"  # claim | framing | coverage | verdict (a bare "Yes." / "Both do.")
    verdict: bool = False  # states the answer's conclusion ("Yes", "Both", "Only TASS ...")
    prefix: str = ""  # list bullet ("-", "1.") the sentence's line starts with
    supported: bool = True
    # (passage index, quote span) pairs backing the sentence
    sources: list[tuple[int, Span]] = field(default_factory=list)


class Grounder:
    """Checks generated sentences against passages and rebuilds the answer with citations."""

    def __init__(
        self,
        embeddings: Embeddings,
        min_overlap: float = MIN_TERM_OVERLAP,
        min_cosine: float = MIN_COSINE,
    ):
        self.embeddings = embeddings
        self.min_overlap = min_overlap
        self.min_cosine = min_cosine

    # ----- scoring -------------------------------------------------------------------------

    def passages(self, documents: Sequence[Document]) -> list[_Passage]:
        """Split the passages into units and embed them (one embedding call for all)."""
        units = [passage_units(d.page_content) for d in documents]
        pairs = zip(documents, units, strict=True)
        texts = [unit.span.of(doc.page_content) for doc, doc_units in pairs for unit in doc_units]
        vectors = self._embed(texts)
        passages, at = [], 0
        for document, doc_units in zip(documents, units, strict=True):
            meta = document.metadata
            extra = f"{meta.get('title') or ''} {meta.get('published') or ''}"
            passages.append(
                _Passage(
                    document=document,
                    units=doc_units,
                    vectors=vectors[at : at + len(doc_units)],
                    terms=set(tokenize(f"{document.page_content} {extra}")),
                    numbers=_numbers(f"{document.page_content} {extra}", parts=True),
                )
            )
            at += len(doc_units)
        return passages

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectors = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def support(
        self, claim: str, vector: np.ndarray, passage: _Passage, outlets: Sequence[str]
    ) -> Support:
        """Overlap, cosine, numbers and best quote of ``passage`` for ``claim``."""
        terms = content_terms(claim, outlets)
        overlap = len(terms & passage.terms) / len(terms) if terms else 0.0
        cosines = passage.vectors @ vector
        lexical = np.asarray([len(terms & u.terms) / max(len(terms), 1) for u in passage.units])
        best = passage.units[int(np.argmax(cosines + 0.1 * lexical))]
        numbers_ok = _numbers(claim) <= passage.numbers
        return Support(overlap, float(cosines.max()), numbers_ok, best.quote)

    def score(self, claims: Sequence[str], documents: Sequence[Document]) -> list[list[Support]]:
        """Support of every document for every claim (used by the calibration script)."""
        passages = self.passages(documents)
        outlets = sorted({p.outlet for p in passages})
        vectors = self._embed(list(claims))
        return [
            [self.support(claim, vector, passage, outlets) for passage in passages]
            for claim, vector in zip(claims, vectors, strict=True)
        ]

    # ----- grounding -----------------------------------------------------------------------

    def ground(
        self,
        question: str,
        text: str,
        documents: Sequence[Document],
        answerer: str,
        drop_unsupported: bool = False,
    ) -> Answer:
        """The grounded :class:`Answer` for generated ``text`` over numbered ``documents``."""
        documents = list(documents)
        outlets = sorted({str(d.metadata.get("outlet", "")) for d in documents})
        sentences = split_answer(text, len(documents), outlets)
        if not any(s.kind == "claim" for s in sentences):
            return Answer.refusal(question, answerer=answerer)
        self.judge(sentences, documents)
        answer = render(question, text, sentences, documents, answerer, drop_unsupported)
        if not answer.sentences:
            return Answer.refusal(
                question,
                answerer=answerer,
                notice="The model's answer was not supported by the articles, so it was withheld.",
            )
        return answer

    def judge(self, sentences: Sequence[_Sentence], documents: Sequence[Document]) -> None:
        """Check each claim of :func:`split_answer`'s ``sentences`` against ``documents``:
        sets its ``supported`` flag and the ``sources`` (passage index, quote) behind it."""
        outlets = sorted({str(d.metadata.get("outlet", "")) for d in documents})
        passages = self.passages(documents)
        claims = [s for s in sentences if s.kind == "claim"]
        vectors = self._embed([s.claim for s in claims])
        for sentence, vector in zip(claims, vectors, strict=True):
            self._check(sentence, vector, passages, outlets)
        judge_verdicts(sentences)

    def _check(
        self,
        sentence: _Sentence,
        vector: np.ndarray,
        passages: list[_Passage],
        outlets: Sequence[str],
    ) -> None:
        named = outlets_named_in(sentence.claim, outlets)
        allowed = [i for i, p in enumerate(passages) if not named or p.outlet in named]
        supports = {i: self.support(sentence.claim, vector, passages[i], outlets) for i in allowed}
        good = {i: s for i, s in supports.items() if s.supports(self.min_overlap, self.min_cosine)}
        cited = [n - 1 for n in sentence.cited if n - 1 in good]
        if not cited:
            cited = _best_per_outlet(good, passages, named)
        sentence.supported = bool(cited)
        sentence.sources = [(i, good[i].quote) for i in cited]


def judge_verdicts(sentences: Sequence[_Sentence]) -> None:
    """A verdict ("Yes, both report it", "Only TASS does") stands on the claims after it (its
    parts, up to the next verdict): it is supported only when every part is, and a bare
    verdict ("Yes.") cites what its parts cite. A verdict with no part behind it is only as
    good as its own check; a bare one with none is unsupported."""
    for index, verdict in enumerate(sentences):
        if not verdict.verdict:
            continue
        parts = []
        for later in sentences[index + 1 :]:
            if later.verdict:
                break
            if later.kind == "claim":
                parts.append(later)
        bare = verdict.kind == "verdict"
        if not parts:
            verdict.supported = verdict.supported and not bare
        else:
            verdict.supported = verdict.supported and all(part.supported for part in parts)
        if not verdict.supported:
            verdict.sources = []
        elif bare:
            verdict.sources = list(dict.fromkeys(src for part in parts for src in part.sources))


def _best_per_outlet(
    good: dict[int, Support], passages: list[_Passage], named: list[str]
) -> list[int]:
    """The strongest supporting passage, or one per named outlet."""
    ranked = sorted(good, key=lambda i: -(good[i].cosine + good[i].overlap))
    if len(named) < 2:
        return ranked[:1]
    chosen: dict[str, int] = {}
    for index in ranked:
        chosen.setdefault(passages[index].outlet, index)
    return [chosen[outlet] for outlet in named if outlet in chosen]


def split_answer(text: str, n_passages: int, outlets: Sequence[str] = ()) -> list[_Sentence]:
    """The answer's sentences (each line split separately), with their valid citations.

    Markers at the start of a sentence ("... claim. [1] Next ...") belong to the one before.
    """
    sentences: list[_Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        bullet = _LIST_ITEM.match(line.group())
        offset = line.start() + (bullet.end() if bullet else 0)
        for position, span in enumerate(_answer_sentences(text[offset : line.end()])):
            raw = Span(offset + span.start, offset + span.end)
            piece = raw.of(text)
            leading = _LEADING_MARKERS.match(piece)
            if leading and sentences:
                _add_citations(sentences[-1], leading.group(), n_passages)
                piece = piece[leading.end() :]
            claim = strip_markers(piece)
            if not re.search(r"\w", claim):
                continue
            prefix = bullet.group().strip() + " " if bullet and position == 0 else ""
            sentence = _Sentence(raw=raw, claim=claim, kind=_kind(claim, outlets), prefix=prefix)
            verdict = _VERDICT.match(claim) if sentence.kind in ("claim", "framing") else None
            if verdict:
                sentence.verdict = True
                if not content_terms(claim[verdict.end() :], outlets):
                    sentence.kind = "verdict"  # bare: nothing in it to check but its parts
            _add_citations(sentence, piece, n_passages)
            sentences.append(sentence)
    return sentences


def _answer_sentences(line: str) -> list[Span]:
    """Sentence spans of one line; "... [1]. fakty.com.ua reports" splits even before a
    lower-case outlet name."""
    spans: list[Span] = []
    for span in split_sentences(line):
        start = span.start
        for cut in _AFTER_CITED_STOP.finditer(line, span.start, span.end):
            spans.append(Span(start, cut.start() + len(cut.group().rstrip())))
            start = cut.end()
        spans.append(Span(start, span.end))
    return spans


def _add_citations(sentence: _Sentence, text: str, n_passages: int) -> None:
    for number in parse_markers(text):
        if 1 <= number <= n_passages and number not in sentence.cited:
            sentence.cited.append(number)


def _kind(claim: str, outlets: Sequence[str]) -> str:
    if _COVERAGE_STATEMENT.search(claim):
        return "coverage"
    if not content_terms(claim, outlets) or (claim.endswith(":") and len(claim.split()) <= 6):
        return "framing"
    return "claim"


def render(
    question: str,
    text: str,
    sentences: list[_Sentence],
    documents: list[Document],
    answerer: str,
    drop_unsupported: bool,
) -> Answer:
    """Rebuild the text with renumbered markers and collect citations in order of first use."""
    numbers: dict[tuple[int, int, int], int] = {}
    citations: list[Citation] = []
    out: list[str] = []
    answer_sentences: list[AnswerSentence] = []
    gap = ""
    for index, sentence in enumerate(sentences):
        following = _gap_after(text, sentences, index)
        if drop_unsupported and not sentence.supported:
            gap = max(gap, following, key=lambda g: g.count("\n"))
            continue
        cited = []
        for passage_index, quote in sentence.sources:
            key = (passage_index, quote.start, quote.end)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                document = documents[passage_index]
                citations.append(citation_for(numbers[key], document, quote.start, quote.end))
            if numbers[key] not in cited:
                cited.append(numbers[key])
        rendered = with_markers(sentence.claim, cited)
        out.append((gap if out else "") + sentence.prefix + rendered)
        answer_sentences.append(
            AnswerSentence(text=rendered, citations=cited, supported=sentence.supported)
        )
        gap = following
    return Answer(
        question=question,
        text="".join(out).strip(),
        citations=citations,
        outlets=list(dict.fromkeys(c.outlet for c in citations)),
        sentences=answer_sentences,
        answerer=answerer,
    )


def _gap_after(text: str, sentences: list[_Sentence], index: int) -> str:
    if index + 1 >= len(sentences):
        return ""
    between = text[sentences[index].raw.end : sentences[index + 1].raw.start]
    return "\n\n" if "\n\n" in between else "\n" if "\n" in between else " "


def with_markers(claim: str, numbers: Sequence[int]) -> str:
    """``claim`` with "[a][b]" placed before its closing punctuation."""
    if not numbers:
        return claim
    markers = "".join(f"[{n}]" for n in numbers)
    tail = _TRAILING_PUNCTUATION.search(claim)
    if tail:
        return f"{claim[: tail.start()].rstrip()} {markers}{tail.group()}"
    return f"{claim} {markers}"

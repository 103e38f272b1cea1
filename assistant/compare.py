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

Every quote is a verbatim substring of the cleaned article text with its offsets, and
every sentence of the rendered text names the outlet it comes from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from langchain_core.documents import Document
from pydantic import BaseModel, Field

from .chunking import split_sentences
from .extractive import citation_for
from .lexical import tokenize
from .models import AnswerSentence, Citation
from .outlets import outlets_named_in, resolve_outlets

# ----- the result ---------------------------------------------------------------------------


class Claim(BaseModel):
    """A sentence one outlet published, quoted verbatim, and the citation that locates it."""

    outlet: str
    quote: str = Field(description="verbatim substring of the cleaned article text")
    citation: int = Field(description="number of the Citation in Comparison.citations")
    relevance: float = Field(default=0.0, description="cosine of the sentence to the topic")
    centrality: float = Field(
        default=0.0,
        description="how central the claim is to the outlet's story on the topic: the mean of"
        " its cosine to the topic and to the centroid of the outlet's claims",
    )


class SharedClaim(BaseModel):
    """Claims of different outlets (one each) that say the same thing."""

    claims: list[Claim]
    similarity: float = Field(
        description="lowest alignment score between the claims: cosine + 0.5 x weighted word"
        " overlap (0 to 1.5; rows start at CompareConfig.align_threshold)"
    )
    headline: bool = Field(
        default=False,
        description="paired as the claim restating both articles' (aligned) headlines, with a"
        " score under align_threshold (CompareConfig.headline_threshold)",
    )

    @property
    def outlets(self) -> list[str]:
        """The outlets reporting this claim, in column order."""
        return [claim.outlet for claim in self.claims]


class Phrasing(BaseModel):
    """How one outlet names something, as written, with the citations it appears in."""

    outlet: str
    text: str = Field(description="the phrase as the outlet wrote it")
    variants: list[str] = Field(default_factory=list, description="other forms it also uses")
    citations: list[int] = Field(default_factory=list)


class WordingDifference(BaseModel):
    """Two outlets naming the same thing differently, side by side."""

    phrasings: list[Phrasing]
    similarity: float = Field(description="cosine between the two phrasings")
    in_shared_claim: bool = Field(
        default=False, description="found in the same slot of an aligned pair of claims"
    )


class ComparisonSummary(BaseModel):
    """An LLM's short neutral summary of a comparison, grounded like a generated answer.

    Its ``[n]`` markers are the comparison's own citation numbers (see
    :mod:`assistant.compare_summary`).
    """

    text: str = Field(description="the summary with [n] markers into Comparison.citations")
    sentences: list[AnswerSentence] = Field(default_factory=list)
    citations: list[int] = Field(default_factory=list, description="the numbers it cites")
    answerer: str = Field(description="the LLM that wrote it, e.g. openai:gpt-4o-mini")


class Comparison(BaseModel):
    """How each outlet covering a topic reports it, claim by claim, all of it cited."""

    topic: str
    text: str = Field(description="the comparison as attributed text with [n] markers")
    outlets: list[str] = Field(default_factory=list)
    per_outlet: dict[str, list[Claim]] = Field(default_factory=dict)
    shared: list[SharedClaim] = Field(default_factory=list)
    unique: dict[str, list[Claim]] = Field(default_factory=dict)
    wording_differences: list[WordingDifference] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    not_covering: list[str] = Field(
        default_factory=list, description="outlets asked for that have nothing on the topic"
    )
    summary: ComparisonSummary | None = Field(
        default=None, description="an LLM's neutral summary on top, when an LLM is configured"
    )
    summary_notice: str | None = Field(
        default=None, description="why there is no summary although one was asked for"
    )
    answerer: str = "extractive"
    notice: str | None = None

    def citation(self, number: int) -> Citation | None:
        """The citation with this number, if any."""
        return next((c for c in self.citations if c.number == number), None)


# ----- configuration ------------------------------------------------------------------------


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
    phrase_threshold: float = 0.65
    slot_threshold: float = 0.55
    context_threshold: float = 0.6  # sentences this similar give their phrases a shared context
    max_wording_differences: int = 8


# ----- sentences and claims -----------------------------------------------------------------


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


# ----- alignment ----------------------------------------------------------------------------


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


# ----- noun phrases -------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+(?:[’'\-.][^\W_]+)*", re.UNICODE)
FUNCTION_WORDS = frozenset(
    """a an the this that these those its their his her our my your some any such another each
    every no of in on at to for from by with about into onto over under after before between
    against during without within through across toward towards upon via among around behind
    beyond per than and or but nor so yet if then as because although though while whereas
    unless since until whether i you he she it we they me him us them who whom whose which what
    where when why how there here is are was were be been being am do does did done have has
    had having will would shall should can could may might must not also just only even still
    already very more most less much many few several various all both either neither one ones
    according however least back due out up down off away again ago too well now""".split()  # noqa: SIM905
)
DETERMINERS = frozenset(
    "the a an this that these those its their his her our my your another every".split()  # noqa: SIM905
)
# Common verbs of news prose ("X says", "the paper notes"): a phrase never ends on one.
NEWS_VERBS = frozenset(
    """say says said tell tells told think thinks thought believe believes believed note notes
    noted write writes wrote report reports reported claim claims claimed point points pointed
    add adds added state states stated argue argues argued suggest suggests suggested warn
    warns warned want wants wanted know knows knew see sees saw take takes took make makes
    made give gives gave get gets got go goes went come comes came seem seems seemed become
    becomes became remain remains remained confirm confirms confirmed allow allows allowed
    show shows showed mean means meant need needs needed call calls called""".split()  # noqa: SIM905
)
_ADJECTIVE_ENDINGS = ("ian", "ese", "ish", "ical", "al", "ive", "ous", "ful", "ible", "able")
# A word right after these is a verb ("to start negotiations", "may facilitate talks").
_VERB_CUES = frozenset("to can could will would shall should may might must cannot".split())  # noqa: SIM905
_ADJECTIVES = frozenset(
    "former latter first second third new old main other same whole last next possible".split()  # noqa: SIM905
)


@dataclass
class Phrase:
    """A candidate noun phrase: where it occurs and how it is normalised."""

    outlet: str
    text: str
    key: str  # lower-cased words without a leading determiner
    sentences: list[int] = field(default_factory=list)  # Sentence.index of each occurrence
    neighbours: set[str] = field(default_factory=set)  # content words next to it (2 each side)


def _word(token: str) -> str:
    return token.lower().replace("’", "'")


def _is_content(token: str) -> bool:
    lower = _word(token)
    if lower in FUNCTION_WORDS or lower.isdigit() or len(lower) < 2:
        return False
    # lower-case -ing and -ly words are verbs and adverbs far more often than nouns
    return not (token[0].islower() and lower.endswith(("ing", "ly")))


def _can_end_phrase(tokens: list[str], index: int, joined_next: bool) -> bool:
    """Whether a noun phrase may end on ``tokens[index]`` (a noun-like word)."""
    token, lower = tokens[index], _word(tokens[index])
    if token[0].islower() and index > 0 and (lower in NEWS_VERBS or lower.endswith("ed")):
        return False
    nxt = tokens[index + 1] if joined_next and index + 1 < len(tokens) else None
    if nxt and token[0].isupper() and nxt[0].isupper():
        return False  # inside a proper name ("the United | States")
    if token[0].islower() and (lower in _ADJECTIVES or lower.endswith(_ADJECTIVE_ENDINGS)):
        return False
    return not (token[0].isupper() and lower.endswith(("ian", "ese", "ish")) and nxt)


def phrase_spans(text: str) -> list[tuple[int, int]]:
    """Candidate noun-phrase spans of a sentence: determiner- or name-led runs of content words.

    A run of content words (no punctuation between them) yields: the run with its determiner
    cut at each noun-like word ("the Kiev regime", "the publication" of "the publication
    notes"), and its tails of up to four words that start a name or hold two words or more.
    """
    matches = list(_TOKEN.finditer(text))
    words = [m.group() for m in matches]
    joined = [
        text[matches[i].end() : matches[i + 1].start()].strip() == ""
        for i in range(len(matches) - 1)
    ] + [False]
    spans: set[tuple[int, int]] = set()
    i = 0
    while i < len(words):
        if not _is_content(words[i]):
            i += 1
            continue
        j = i
        while joined[j] and j + 1 < len(words) and _is_content(words[j + 1]):
            j += 1
        has_determiner = i > 0 and _word(words[i - 1]) in DETERMINERS and joined[i - 1]
        for end in range(i, min(j, i + 3) + 1):
            if not _can_end_phrase(words, end, joined[end]):
                continue
            if has_determiner:
                spans.add((matches[i - 1].start(), matches[end].end()))
            for first in range(max(i, end - 3), end + 1):
                if _can_start_bare_phrase(words, first, joined, end):
                    spans.add((matches[first].start(), matches[end].end()))
        i = j + 1
    return sorted(spans)


def _can_start_bare_phrase(words: list[str], first: int, joined: list[bool], end: int) -> bool:
    """Whether a phrase without determiner may start on ``words[first]`` and end on ``end``."""
    token, lower = words[first], _word(words[first])
    if not (token[0].isupper() or end > first):
        return False  # a lone lower-case word is too vague to compare
    if token[0].islower() and (lower in NEWS_VERBS or lower.endswith("ed")):
        return False
    after_cue = first > 0 and joined[first - 1] and _word(words[first - 1]) in _VERB_CUES
    return not (after_cue and token[0].islower())


_FACT_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december jan feb mar apr jun jul aug sep
    sept oct nov dec today yesterday tomorrow two three four five six seven eight nine ten
    eleven twelve twenty thirty forty fifty hundred thousand million billion trillion dozen
    percent""".split()  # noqa: SIM905
)


def _states_a_fact(key: str) -> bool:
    """Numbers and dates differ between outlets because the facts differ, not the wording."""
    return any(word in _FACT_WORDS or any(ch.isdigit() for ch in word) for word in key.split())


def phrase_key(phrase: str) -> str:
    """Lower-cased words of a phrase without its leading determiner."""
    words = [_word(w) for w in _TOKEN.findall(phrase)]
    if words and words[0] in DETERMINERS:
        words = words[1:]
    return " ".join(words)


def word_string(text: str) -> str:
    """`` w1 w2 ... `` of a text, to test whether it contains a phrase key as whole words."""
    return " " + " ".join(_word(w) for w in _TOKEN.findall(text)) + " "


def _base(word: str) -> str:
    word = word.removesuffix("'s")
    return word[:-1] if len(word) > 2 and word.endswith("s") else word


def _same_word(a: str, b: str) -> bool:
    """Forms of one word: "Ukraine" ~ "Ukrainian", "AI's" ~ "AI", "PCs" ~ "PC"."""
    a, b = _base(a), _base(b)
    short, long = sorted((a, b), key=len)
    return (
        a == b
        or (len(short) >= 4 and long.startswith(short))
        or (len(short) >= 5 and a[:5] == b[:5])
    )


def _unshared_words(key_a: str, key_b: str) -> tuple[str, str]:
    """The words of each phrase that (in no form) occur in the other."""
    words_a, words_b = key_a.split(), key_b.split()
    rest_a = [w for w in words_a if not any(_same_word(w, v) for v in words_b)]
    rest_b = [w for w in words_b if not any(_same_word(w, v) for v in words_a)]
    return " ".join(rest_a), " ".join(rest_b)


def _same_name(key_a: str, key_b: str) -> bool:
    """True when every word of one phrase is (a form of) a word of the other."""
    words_a, words_b = key_a.split(), key_b.split()

    def covered(small, big):
        return all(any(_same_word(w, v) for v in big) for w in small)

    return covered(words_a, words_b) or covered(words_b, words_a)


# ----- the comparer -------------------------------------------------------------------------


@dataclass
class _Difference:
    a: Phrase
    b: Phrase
    score: float
    in_slot: bool
    variants_a: list[Phrase] = field(default_factory=list)
    variants_b: list[Phrase] = field(default_factory=list)


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
        titles = _titles(everything)
        vectors = self._embed([topic] + list(titles.values()) + [s.text for s in everything])
        topic_vector, vectors = vectors[0], vectors[1:]
        headlines = dict(zip(titles, vectors[: len(titles)], strict=True))
        vectors = vectors[len(titles) :]
        for sentence in everything:
            sentence.relevance = round(float(vectors[sentence.index] @ topic_vector), 4)
        claims = {o: self._claims(sentences_by_outlet[o]) for o in outlets}
        for outlet_claims in claims.values():
            _rate_centrality(outlet_claims, vectors)
        pairs = self._align_all(outlets, claims, vectors, headlines)
        differences = self._wording(outlets, sentences_by_outlet, pairs, vectors)
        builder = _Builder(
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

    # ----- wording ---------------------------------------------------------------------------

    def _wording(self, outlets, sentences_by_outlet, pairs, vectors) -> list[_Difference]:
        """Wording differences between every two outlets that share at least one claim."""
        found: list[_Difference] = []
        for n, outlet_a in enumerate(outlets):
            for outlet_b in outlets[n + 1 :]:
                slots = {
                    (a.index, b.index)
                    for a, b, _ in pairs
                    if a.outlet == outlet_a and b.outlet == outlet_b
                }
                if slots:
                    found.extend(
                        self._differences(
                            sentences_by_outlet[outlet_a],
                            sentences_by_outlet[outlet_b],
                            slots,
                            vectors,
                        )
                    )
        found.sort(key=lambda d: (not d.in_slot, -d.score))
        return found[: self.config.max_wording_differences]

    def _differences(self, sentences_a, sentences_b, slots, sentence_vectors):
        """Phrase pairs naming the same thing in two outlets' sentences."""
        text_a = word_string(" ".join(s.text for s in sentences_a))
        text_b = word_string(" ".join(s.text for s in sentences_b))
        phrases_a = self._phrases(sentences_a, used_by_other=text_b)
        phrases_b = self._phrases(sentences_b, used_by_other=text_a)
        if not phrases_a or not phrases_b:
            return []
        vectors = self._embed([p.text for p in phrases_a] + [p.text for p in phrases_b])
        cosine = vectors[: len(phrases_a)] @ vectors[len(phrases_a) :].T
        occurs_a = _incidence([p.sentences for p in phrases_a], len(sentence_vectors))
        occurs_b = _incidence([p.sentences for p in phrases_b], len(sentence_vectors))
        slot_matrix = np.zeros((len(sentence_vectors),) * 2)
        for i, j in slots:
            slot_matrix[i, j] = 1.0
        in_slot = occurs_a @ slot_matrix @ occurs_b.T > 0
        in_context = self._same_context(phrases_a, phrases_b, occurs_a, occurs_b, sentence_vectors)
        cosine[~(in_slot | in_context)] = -1.0
        threshold = np.where(in_slot, self.config.slot_threshold, self.config.phrase_threshold)
        self._discount_shared_words(phrases_a, phrases_b, cosine, threshold)
        return self._pair_phrases(phrases_a, phrases_b, cosine, in_slot, threshold)

    def _same_context(self, phrases_a, phrases_b, occurs_a, occurs_b, sentence_vectors):
        """Whether two phrases are used alike: in similar sentences, or next to the same word."""
        similar = sentence_vectors @ sentence_vectors.T >= self.config.context_threshold
        in_similar = occurs_a @ similar.astype(float) @ occurs_b.T > 0
        vocabulary: dict[str, int] = {}
        for phrase in [*phrases_a, *phrases_b]:
            for word in phrase.neighbours:
                vocabulary.setdefault(word, len(vocabulary))
        near_a = _incidence(
            [[vocabulary[w] for w in p.neighbours] for p in phrases_a], len(vocabulary)
        )
        near_b = _incidence(
            [[vocabulary[w] for w in p.neighbours] for p in phrases_b], len(vocabulary)
        )
        return in_similar | (near_a @ near_b.T > 0)

    def _discount_shared_words(self, phrases_a, phrases_b, cosine, threshold) -> None:
        """Phrases that share words are only as similar as the words they do not share.

        The similarity of such a pair is averaged with that of its unshared words: "a
        strategic target" and "strategic cornerstones" look alike only because of "strategic";
        "tactical nuclear weapons" and "a nuclear bomb" differ in words that name the same
        thing. Names that are forms of each other are not differences at all.
        """
        residuals: dict[tuple[int, int], tuple[str, str]] = {}
        for i, j in np.argwhere(cosine > 0):  # pairs out of context are already at -1
            pa, pb = phrases_a[i], phrases_b[j]
            if _same_name(pa.key, pb.key):
                cosine[i, j] = -1.0
            elif cosine[i, j] >= threshold[i, j]:
                rest_a, rest_b = _unshared_words(pa.key, pb.key)
                if rest_a != pa.key or rest_b != pb.key:
                    residuals[(int(i), int(j))] = (rest_a, rest_b)
        if not residuals:
            return
        texts = [text for pair in residuals.values() for text in pair]
        vectors = self._embed(texts)
        for n, (i, j) in enumerate(residuals):
            rest = float(vectors[2 * n] @ vectors[2 * n + 1])
            cosine[i, j] = (cosine[i, j] + rest) / 2

    @staticmethod
    def _pair_phrases(phrases_a, phrases_b, cosine, in_slot, threshold) -> list[_Difference]:
        """Mutual best matches over threshold, then variants that best match a paired phrase."""
        # Within a slot the match is the more telling: rank slot pairs first.
        rank = cosine + 0.1 * in_slot
        best_b = rank.argmax(axis=1)
        best_a = rank.argmax(axis=0)
        differences: dict[tuple[int, int], _Difference] = {}
        taken_a: set[str] = set()
        taken_b: set[str] = set()
        order = sorted(((rank[i, best_b[i]], i) for i in range(len(phrases_a))), reverse=True)
        for _, i in order:
            j = int(best_b[i])
            if best_a[j] != i or cosine[i, j] < threshold[i, j]:
                continue
            pa, pb = phrases_a[i], phrases_b[j]
            if _overlaps(pa.key, taken_a) or _overlaps(pb.key, taken_b):
                continue
            taken_a.add(pa.key)
            taken_b.add(pb.key)
            differences[(i, j)] = _Difference(pa, pb, float(cosine[i, j]), bool(in_slot[i, j]))
        by_a = {i: d for (i, _), d in differences.items()}
        by_b = {j: d for (_, j), d in differences.items()}
        for i, pa in enumerate(phrases_a):
            j = int(best_b[i])
            if i not in by_a and j in by_b and cosine[i, j] >= threshold[i, j]:
                by_b[j].variants_a.append(pa)
        for j, pb in enumerate(phrases_b):
            i = int(best_a[j])
            if j not in by_b and i in by_a and cosine[i, j] >= threshold[i, j]:
                by_a[i].variants_b.append(pb)
        return list(differences.values())

    @staticmethod
    def _phrases(sentences: list[Sentence], used_by_other: str) -> list[Phrase]:
        """Candidate phrases of an outlet's sentences that the other outlet never writes."""
        phrases: dict[str, Phrase] = {}
        for sentence in sentences:
            text = sentence.text
            for start, end in phrase_spans(text):
                surface = text[start:end]
                key = phrase_key(surface)
                if not key or f" {key} " in used_by_other or _states_a_fact(key):
                    continue
                phrase = phrases.setdefault(key, Phrase(sentence.outlet, surface, key))
                if sentence.index not in phrase.sentences:
                    phrase.sentences.append(sentence.index)
                around = _TOKEN.findall(text[:start])[-2:] + _TOKEN.findall(text[end:])[:2]
                phrase.neighbours.update(tokenize(" ".join(around)))
        return list(phrases.values())


def _titles(sentences: list[Sentence]) -> dict[str, str]:
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
    paired when each is the other's best match, the pair scores at least
    ``headline_threshold`` and neither claim is aligned yet. The headline is what the article
    is about, so the claims restating it are its central claim, and two outlets' central
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
                mutual = int(sub[i].argmax()) == j and int(sub[:, j].argmax()) == i
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


def _rate_centrality(claims: list[Sentence], vectors: np.ndarray) -> None:
    """Set each claim's centrality: the mean of its topic relevance and its cosine to the
    centroid of the outlet's claims (what the outlet's story is mostly about)."""
    if not claims:
        return
    own = vectors[[s.index for s in claims]]
    centroid = own.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    for claim, cosine in zip(claims, own @ centroid, strict=True):
        claim.centrality = round((claim.relevance + float(cosine)) / 2, 4)


def _incidence(members: list[list[int]], size: int) -> np.ndarray:
    """A 0/1 matrix with a row per item and a 1 in each column the item has."""
    matrix = np.zeros((len(members), size))
    for row, columns in enumerate(members):
        matrix[row, columns] = 1.0
    return matrix


def _overlaps(key: str, taken: set[str]) -> bool:
    words = set(key.split())
    return any(words & set(other.split()) for other in taken)


# ----- building the result ------------------------------------------------------------------


class _Builder:
    """Numbers the citations and writes the attributed text."""

    def __init__(
        self, topic, outlets: list[str], not_covering: list[str], sentences, align_threshold=0.85
    ):
        self.topic = topic
        self.align_threshold = align_threshold
        self.sentences = {sentence.index: sentence for sentence in sentences}
        self.outlets = outlets
        self.not_covering = not_covering
        self.citations: list[Citation] = []
        self.numbers: dict[tuple[str, int], int] = {}

    def cite(self, sentence: Sentence) -> int:
        """The citation number of a sentence (a new one on first use)."""
        number = self.numbers.get(sentence.key)
        if number is None:
            number = len(self.citations) + 1
            self.numbers[sentence.key] = number
            self.citations.append(
                citation_for(number, sentence.document, sentence.start, sentence.end)
            )
        return number

    def claim(self, sentence: Sentence) -> Claim:
        """The Claim model of a sentence."""
        return Claim(
            outlet=sentence.outlet,
            quote=sentence.text,
            citation=self.cite(sentence),
            relevance=sentence.relevance,
            centrality=sentence.centrality,
        )

    def build(self, claims, pairs, differences) -> Comparison:
        """The finished comparison."""
        groups = _merge_pairs(pairs)
        shared = [
            SharedClaim(
                claims=[self.claim(s) for s in group],
                similarity=similarity,
                headline=similarity < self.align_threshold,
            )
            for group, similarity in groups
        ]
        in_shared = {s.key for group, _ in groups for s in group}
        unique = {
            outlet: [self.claim(s) for s in claims[outlet] if s.key not in in_shared]
            for outlet in self.outlets
        }
        per_outlet = {outlet: [self.claim(s) for s in claims[outlet]] for outlet in self.outlets}
        wording = [self.difference(d) for d in differences]
        comparison = Comparison(
            topic=self.topic,
            text="",
            outlets=self.outlets,
            per_outlet=per_outlet,
            shared=shared,
            unique=unique,
            wording_differences=wording,
            citations=sorted(self.citations, key=lambda c: c.number),
            not_covering=self.not_covering,
        )
        comparison.text = render_text(comparison)
        if len(self.outlets) < 2:
            comparison.notice = "only one outlet covers this topic: there is nothing to compare"
        return comparison

    def difference(self, difference: _Difference) -> WordingDifference:
        """The WordingDifference model, citing the sentences each phrase occurs in."""
        phrasings = []
        for main, variants in (
            (difference.a, difference.variants_a),
            (difference.b, difference.variants_b),
        ):
            main, variants = _distinct_forms(main, variants)
            cited = [
                self.cite(self.sentences[i]) for p in [main, *variants] for i in p.sentences[:2]
            ]
            phrasings.append(
                Phrasing(
                    outlet=main.outlet,
                    text=main.text,
                    variants=[v.text for v in variants],
                    citations=list(dict.fromkeys(cited)),
                )
            )
        return WordingDifference(
            phrasings=phrasings,
            similarity=round(difference.score, 4),
            in_shared_claim=difference.in_slot,
        )


def _distinct_forms(main: Phrase, variants: list[Phrase]) -> tuple[Phrase, list[Phrase]]:
    """Drop forms that only occur inside a longer form ("nuclear weapons" of "tactical
    nuclear weapons"); the main form becomes the longest form that contained it."""
    forms = [main, *variants]
    kept = []
    for form in forms:
        container = next(
            (
                other
                for other in forms
                if other is not form
                and f" {form.key} " in f" {other.key} "
                and other.key != form.key
                and set(form.sentences) <= set(other.sentences)
            ),
            None,
        )
        if container is None:
            kept.append(form)
        elif form is main:
            main = container
    fuller = [f for f in kept if f is not main and f" {main.key} " in f" {f.key} "]
    if fuller:  # "the Kiev regime" names what "Kiev" stands for here: it leads
        main = max(fuller, key=lambda f: len(f.key.split()))
    variants = [form for form in kept if form is not main]
    return main, variants


def _merge_pairs(pairs) -> list[tuple[list[Sentence], float]]:
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


# ----- text ---------------------------------------------------------------------------------


def render_text(comparison: Comparison) -> str:
    """The comparison as text; every quote is introduced by the outlet that wrote it."""
    if not comparison.outlets:
        return f"No indexed outlet covers “{comparison.topic}”."
    blocks: list[str] = []
    if comparison.shared:
        lines = ["Reported by several outlets:"]
        for row in comparison.shared:
            lines.append("- " + "; ".join(_attributed(claim) for claim in row.claims))
        blocks.append("\n".join(lines))
    for outlet, claims in comparison.unique.items():
        if claims:
            lines = [f"Reported only by {outlet}:"]
            lines.extend(f"- {_attributed(claim)}" for claim in claims)
            blocks.append("\n".join(lines))
    if comparison.wording_differences:
        lines = ["Differences in wording:"]
        for difference in comparison.wording_differences:
            lines.append("- " + " where ".join(_phrased(p) for p in difference.phrasings))
        blocks.append("\n".join(lines))
    if comparison.not_covering:
        blocks.append("No passage on this topic from: " + ", ".join(comparison.not_covering) + ".")
    return "\n\n".join(blocks)


def _attributed(claim: Claim) -> str:
    return f"{claim.outlet} reports: “{claim.quote}” [{claim.citation}]"


def _phrased(phrasing: Phrasing) -> str:
    forms = "”, “".join([phrasing.text, *phrasing.variants])
    markers = "".join(f"[{n}]" for n in phrasing.citations)
    return f"{phrasing.outlet} writes “{forms}” {markers}".rstrip()


# ----- gathering from the index -------------------------------------------------------------


def article_chunks(store, article_ids: Iterable[str]) -> dict[str, list[Document]]:
    """Every chunk of the given articles, as Documents with the index metadata."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return {}
    got = store.collection().get(
        where={"article_id": {"$in": ids}}, include=["documents", "metadatas"]
    )
    chunks: dict[str, list[Document]] = {}
    for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=False):
        if text is None or meta is None:
            continue
        document = Document(page_content=text, metadata={**meta, "chunk_id": chunk_id}, id=chunk_id)
        chunks.setdefault(meta.get("article_id", ""), []).append(document)
    return chunks


def choose_outlets(assistant, query, outlets, since, until, config) -> tuple[list[str], bool]:
    """The outlets to compare and whether the user named them."""
    known = assistant.retriever.known_outlets()
    if outlets:
        return resolve_outlets(outlets, known), True
    named = outlets_named_in(query, known)
    if len(named) >= 2:
        return named, True
    survey = assistant.retrieve(query, k=config.survey_k, since=since, until=until)
    best: dict[str, float] = {}
    for document in survey:
        outlet = document.metadata.get("outlet", "")
        best[outlet] = max(best.get(outlet, -1.0), float(document.metadata.get("similarity", 0)))
    top = max(best.values(), default=0.0)
    floor = max(config.coverage_floor, top - config.coverage_margin)
    covering = sorted((o for o, s in best.items() if s >= floor), key=lambda o: -best[o])
    chosen = list(dict.fromkeys(named + covering))
    return chosen[: max(config.max_outlets, len(named))], False


def outlet_sentences(assistant, query, outlet, since, until, config) -> list[Sentence]:
    """The sentences of an outlet's most relevant articles (whole when they are short)."""
    passages = assistant.retrieve(
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
    chunks = article_chunks(assistant.store, articles)
    sentences: list[Sentence] = []
    for article in articles:
        mine = chunks.get(article, [])
        if len(mine) > config.whole_article_chunks:
            retrieved = {p.metadata.get("chunk_id") for p in passages}
            mine = [c for c in mine if c.metadata.get("chunk_id") in retrieved]
        sentences.extend(article_sentences(mine, outlet, config.min_claim_words))
    return sentences


def compare_outlets(
    assistant,
    topic: str,
    outlets: list[str] | None = None,
    since=None,
    until=None,
    k: int | None = None,
    config: CompareConfig | None = None,
) -> Comparison:
    """Compare how the outlets covering ``topic`` (or the given ``outlets``) report it."""
    config = config or CompareConfig()
    if k:
        config = CompareConfig(**{**config.__dict__, "per_outlet_k": k})
    query = topic_of(topic)
    chosen, requested = choose_outlets(assistant, query, outlets, since, until, config)
    sentences: dict[str, list[Sentence]] = {}
    not_covering: list[str] = []
    for outlet in chosen:
        found = outlet_sentences(assistant, query, outlet, since, until, config)
        if found:
            sentences[outlet] = found
        elif requested:
            not_covering.append(outlet)
    return Comparer(assistant.embeddings, config).compare(topic, sentences, not_covering)

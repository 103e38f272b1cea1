"""Wording differences: candidate noun phrases cut by small English rules (no tagger ships
offline), and the pairing of two outlets' phrases that name the same thing differently."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .compare_align import CompareConfig, Sentence
from .lexical import tokenize

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


def states_a_fact(key: str) -> bool:
    """Numbers and dates differ between outlets because the facts differ, not the wording."""
    return any(word in _FACT_WORDS or any(ch.isdigit() for ch in word) for word in key.split())


# Words by which an outlet refers to the text it reports on ("the article notes", "the
# publication writes"): house style, not a different description of the story.
_SOURCE_WORDS = frozenset(
    "article articles publication paper newspaper daily report outlet author piece story".split()
)


def names_the_source(key: str) -> bool:
    """Whether a phrase only refers to the reported text itself ("the article", "the paper")."""
    return bool(key) and all(word in _SOURCE_WORDS for word in key.split())


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


def same_name(key_a: str, key_b: str) -> bool:
    """True when every word of one phrase is (a form of) a word of the other."""
    words_a, words_b = key_a.split(), key_b.split()

    def covered(small, big):
        return all(any(_same_word(w, v) for v in big) for w in small)

    return covered(words_a, words_b) or covered(words_b, words_a)


@dataclass
class PhraseDifference:
    """Two phrases of two outlets naming one thing, with the variants of each."""

    a: Phrase
    b: Phrase
    score: float
    in_slot: bool
    variants_a: list[Phrase] = field(default_factory=list)
    variants_b: list[Phrase] = field(default_factory=list)


class WordingFinder:
    """Finds the wording differences between outlets whose claims are aligned."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], config: CompareConfig):
        self._embed = embed  # texts -> unit vectors
        self.config = config

    def find(self, outlets, sentences_by_outlet, pairs, vectors) -> list[PhraseDifference]:
        """Wording differences between every two outlets that share at least one claim."""
        found: list[PhraseDifference] = []
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
        occurs_a = incidence([p.sentences for p in phrases_a], len(sentence_vectors))
        occurs_b = incidence([p.sentences for p in phrases_b], len(sentence_vectors))
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
        near_a = incidence(
            [[vocabulary[w] for w in p.neighbours] for p in phrases_a], len(vocabulary)
        )
        near_b = incidence(
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
            if same_name(pa.key, pb.key):
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
    def _pair_phrases(phrases_a, phrases_b, cosine, in_slot, threshold) -> list[PhraseDifference]:
        """Mutual best matches over threshold, then variants that best match a paired phrase."""
        # Within a slot the match is the more telling: rank slot pairs first.
        rank = cosine + 0.1 * in_slot
        best_b = rank.argmax(axis=1)
        best_a = rank.argmax(axis=0)
        differences: dict[tuple[int, int], PhraseDifference] = {}
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
            differences[(i, j)] = PhraseDifference(pa, pb, float(cosine[i, j]), bool(in_slot[i, j]))
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
                if (
                    not key
                    or f" {key} " in used_by_other
                    or states_a_fact(key)
                    or names_the_source(key)
                ):
                    continue
                phrase = phrases.setdefault(key, Phrase(sentence.outlet, surface, key))
                if sentence.index not in phrase.sentences:
                    phrase.sentences.append(sentence.index)
                around = _TOKEN.findall(text[:start])[-2:] + _TOKEN.findall(text[end:])[:2]
                phrase.neighbours.update(tokenize(" ".join(around)))
        return list(phrases.values())


def incidence(members: list[list[int]], size: int) -> np.ndarray:
    """A 0/1 matrix with a row per item and a 1 in each column the item has."""
    matrix = np.zeros((len(members), size))
    for row, columns in enumerate(members):
        matrix[row, columns] = 1.0
    return matrix


def _overlaps(key: str, taken: set[str]) -> bool:
    words = set(key.split())
    return any(words & set(other.split()) for other in taken)


def distinct_forms(main: Phrase, variants: list[Phrase]) -> tuple[Phrase, list[Phrase]]:
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

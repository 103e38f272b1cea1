"""Support found by meaning (issue 12): a part of the question that no sentence matches by its
key words may still be said in other words ("the prosecution painted … wealth, power and
influence" for a part about a motive; "separated since 2016" for the year a separation began).

For each part key words found nothing for, the candidate sentences of its outlet's retrieved
articles (and the rest of those articles) are scored by their embedding similarity to the
part's text, with the project's own embedder; the closest is its support when it is at
least ``threshold`` similar and shares a content word with the part. The sentences of one
answer are embedded in one call and their vectors kept for the rest of the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .claims import Claim, on_day
from .debris import asks
from .outlets import outlet_aliases
from .verdict import Support, match

# Calibrated on MultiHop-RAG dev with benchmarks/answers.py (docs/answers.md).
MEANING_MATCH = 0.5  # cosine of a sentence to a part's text for it to support the part
MIN_SHARED_TERMS = 1  # ...and the part's key terms (not of names) it must share: "Google"
# alone does not make a sentence about Google's capability to resolve issues
WEAK = 0.4  # a part's best quote holding less than this share of its key terms is weak
WEAK_POOL = 8  # ...and the best this many by key words are weighed by meaning too
WEAK_MEANING = 1.0  # weight of the similarity against the key-word share among them


@dataclass
class Need:
    """A part key words found no sentence for, and the candidates that may speak to it."""

    index: int  # the part's place among the answer's supports
    claim: Claim
    candidates: list
    avoid: frozenset[str] = frozenset()  # articles of the outlet's other report
    weak: Any = None  # the part's best quote by key words, when it holds few of them


class SentenceVectors:
    """Unit vectors of an answer's sentences and parts, embedded on first need and kept by the
    sentence's place in its article, so a sentence is embedded once per answer."""

    def __init__(self, embeddings: Any):
        self._embeddings = embeddings
        self._vectors: dict[Any, np.ndarray] = {}

    def embed(self, items: Sequence[tuple[Any, str]]) -> dict[Any, np.ndarray]:
        """The vector of each ``(key, text)``; the texts not yet embedded in one call."""
        missing = {key: text for key, text in items if key not in self._vectors}
        if missing:
            vectors = np.asarray(self._embeddings.embed_documents(list(missing.values())))
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms == 0, 1.0, norms)
            self._vectors.update(zip(missing, vectors))
        return {key: self._vectors[key] for key, _ in items}


def by_meaning(
    needs: list[Need],
    vectors: SentenceVectors,
    weights: dict[str, float],
    threshold: float = MEANING_MATCH,
) -> dict[int, Support]:
    """For each need, the support of the sentence closest in meaning to its part (by the
    need's index), when one is close enough and shares a key term with the part; for a part
    with a weak quote, the sentence of its best few by key words that is closest to it."""
    pools = {need.index: _pool(need, weights) for need in needs}
    if not any(pools.values()):
        return {}
    items: list[tuple[Any, str]] = [(("part", n.index), part_text(n.claim)) for n in needs]
    items += [(c.key, c.text) for pool in pools.values() for c in pool]
    embedded = vectors.embed(list(dict(items).items()))
    found: dict[int, Support] = {}
    for need in needs:
        if pools[need.index]:
            support = _closest(need, pools[need.index], embedded, weights)
            if _better(need, support, threshold):
                found[need.index] = support
    return found


def _better(need: Need, support: Support, threshold: float) -> bool:
    """A weak quote gives way to another sentence; no quote to one ``threshold`` close."""
    if need.weak is not None:
        return bool(support.best.key != need.weak.key)
    return support.meaning >= threshold


# Words that frame a part as a question about a report, not what the report says.
_FRAMING = re.compile(
    r"\b(?:does|did|do|is|was|while|whereas|and|the|article|report|reports|piece|from|"
    r"suggests?|claims?|indicates?|implies?|that)\b",
    re.I,
)


def part_text(claim: Claim) -> str:
    """What a part's embedding is of: its words without its outlet's name and the words that
    frame it as a question ("while the Baltic Post reports that the walkout ended" -> "walkout
    ended"), so a sentence is compared with what the part says."""
    text = claim.text
    if claim.outlet:
        aliases = sorted({claim.outlet.lower(), *outlet_aliases(claim.outlet)}, key=len)
        for alias in reversed(aliases):
            name = r"\W+".join(map(re.escape, alias.split()))
            text = re.sub(rf"(?i)['\"“‘]?{name}['\"”’]?", " ", text)
    return re.sub(r"\s+", " ", _FRAMING.sub(" ", text)).strip() or claim.text


def _closest(need: Need, pool: list, embedded: dict, weights: dict[str, float]) -> Support:
    """The need's best sentence: the closest in meaning to its part; for a weak quote, by
    its key-word share plus ``WEAK_MEANING`` times its similarity."""
    part = embedded[("part", need.index)]

    def score(candidate) -> tuple[float, int]:
        similarity = float(embedded[candidate.key] @ part)
        if need.weak is not None:
            similarity = match(need.claim, candidate.words, weights) + WEAK_MEANING * similarity
        return similarity, -candidate.rank

    best = max(pool, key=score)
    lexical = match(need.claim, best.words, weights)
    return Support(need.claim, best, lexical, float(embedded[best.key] @ part))


def _pool(need: Need, weights: dict[str, float]) -> list:
    """The need's candidates that share a key term other than a name with its part (for a
    weak quote, its best few by key words); of the day's article when the part names a day,
    and of another article than ``avoid`` when one is left."""
    claim = need.claim
    pool = [
        c
        for c in need.candidates
        if (claim.outlet is None or c.outlet == claim.outlet)
        and len((claim.terms - claim.names) & c.words) >= MIN_SHARED_TERMS
        and not asks(c.text)  # "Is T.J. Hockenson playing Week 10?" answers nothing
    ]
    if need.weak is not None:
        pool.sort(key=lambda c: -match(claim, c.words, weights))
        pool = [need.weak] + [c for c in pool[:WEAK_POOL] if c.key != need.weak.key]
    pool = _preferring(pool, lambda c: on_day(claim.day, _published(c))) if claim.day else pool
    return _preferring(pool, lambda c: c.key[0] not in need.avoid)


def _preferring(pool: list, keep: Callable[[Any], bool]) -> list:
    return [c for c in pool if keep(c)] or pool


def _published(candidate) -> str:
    return str(candidate.document.metadata.get("published") or "")


def with_meaning(
    supports: list[Support], found: dict[int, Support], vectors: SentenceVectors | None = None
) -> list[Support]:
    """``supports`` with the parts found by meaning filled in or replaced, and (given
    ``vectors``) a best quote that misses its part's point replaced by the first sentence of
    its article nearer the point (``Support.nearer``) that is at least as close in meaning to
    the part: "willingness to defeat Benavidez" is, for Andrade's skills to defeat him; "Taylor
    was beginning to experiment with vocal styles" (the stem of "experiences") is not, for the
    control Taylor Swift has over her experiences."""
    supports = [found.get(i, s) for i, s in enumerate(supports)]
    rivalled = [i for i, s in enumerate(supports) if s.nearer and i not in found]
    if vectors is None or not rivalled:
        return supports
    items = [(("part", i), part_text(supports[i].claim)) for i in rivalled]
    items += [(c.key, c.text) for i in rivalled for c in _sentences(supports[i])]
    embedded = vectors.embed(list(dict(items).items()))  # every part's in one call
    for i in rivalled:
        supports[i] = _nearer_point(supports[i], embedded, embedded[("part", i)])
    return supports


def _sentences(support: Support) -> list:
    return [support.best] + [c for _, c in support.nearer]


def _nearer_point(support: Support, embedded: dict, part: np.ndarray) -> Support:
    bar = float(embedded[support.best.key] @ part)
    for lexical, candidate in support.nearer:
        if float(embedded[candidate.key] @ part) >= bar:
            return replace(support, best=candidate, match=lexical, nearer=())
    return support


__all__ = ["MEANING_MATCH", "WEAK", "Need", "SentenceVectors", "by_meaning", "with_meaning"]

"""Building a :class:`~assistant.compare_models.Comparison` from aligned sentences (numbered
citations) and writing it as attributed text."""

from __future__ import annotations

from .answer_models import Citation
from .compare_align import Sentence, merge_pairs
from .compare_models import (
    Claim,
    Comparison,
    Phrasing,
    SharedClaim,
    WordingDifference,
)
from .compare_phrases import PhraseDifference, distinct_forms
from .extractive import citation_for


class ComparisonBuilder:
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
        groups = merge_pairs(pairs)
        shared = [
            SharedClaim(
                claims=[self.claim(s) for s in group],
                similarity=similarity,
                headline=similarity < self.align_threshold,
            )
            for group, similarity in groups
        ]
        # the story's central claim (the headline pair) first, whatever its score
        shared.sort(key=lambda row: not row.headline)
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

    def difference(self, difference: PhraseDifference) -> WordingDifference:
        """The WordingDifference model, citing the sentences each phrase occurs in."""
        phrasings = []
        for main, variants in (
            (difference.a, difference.variants_a),
            (difference.b, difference.variants_b),
        ):
            main, variants = distinct_forms(main, variants)
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


def render_text(comparison: Comparison) -> str:
    """The comparison as text; every quote is introduced by the outlet that wrote it."""
    if not comparison.outlets:
        return f"No indexed outlet covers “{comparison.topic}”."
    blocks: list[str] = []
    if comparison.shared:
        lines = ["Reported by several outlets:"]
        for row in comparison.shared:
            lines.append("- " + "; ".join(attributed(claim) for claim in row.claims))
        blocks.append("\n".join(lines))
    for outlet, claims in comparison.unique.items():
        if claims:
            lines = [f"Reported only by {outlet}:"]
            lines.extend(f"- {attributed(claim)}" for claim in claims)
            blocks.append("\n".join(lines))
    if comparison.wording_differences:
        lines = ["Differences in wording:"]
        for difference in comparison.wording_differences:
            lines.append("- " + " where ".join(phrased(p) for p in difference.phrasings))
        blocks.append("\n".join(lines))
    if comparison.not_covering:
        blocks.append("No passage on this topic from: " + ", ".join(comparison.not_covering) + ".")
    return "\n\n".join(blocks)


def attributed(claim: Claim) -> str:
    """A claim introduced by the outlet that wrote it, with its citation marker."""
    return f"{claim.outlet} reports: “{claim.quote}” [{claim.citation}]"


def phrased(phrasing: Phrasing) -> str:
    """One side of a wording difference: the outlet, its forms of the phrase, the markers."""
    forms = "”, “".join([phrasing.text, *phrasing.variants])
    markers = "".join(f"[{n}]" for n in phrasing.citations)
    return f"{phrasing.outlet} writes “{forms}” {markers}".rstrip()

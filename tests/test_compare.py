"""Comparing outlets: real model and real Chroma on the seeds, plus unit tests of the parts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.cli import main
from assistant.compare import (
    Comparison,
    align,
    is_claim_text,
    names_the_source,
    phrase_key,
    phrase_spans,
    same_name,
    states_a_fact,
    topic_of,
)
from assistant.core import Assistant

from .conftest import SEEDS

TOPIC = "Compare how the outlets report the Kherson negotiations"


@pytest.fixture(scope="module")
def comparison(seed_reader) -> Comparison:
    """The comparison of the two seed outlets on the Kherson story."""
    return seed_reader.compare(TOPIC)


def claims_of(comparison: Comparison, outlet: str, *words: str) -> list[str]:
    """Quotes of ``outlet``'s unique claims containing every one of ``words``."""
    return [
        c.quote
        for c in comparison.unique.get(outlet, [])
        if all(w.lower() in c.quote.lower() for w in words)
    ]


# ----- the seeds --------------------------------------------------------------------------


def test_both_seed_outlets_are_compared(comparison):
    assert set(comparison.outlets) == {"TASS", "fakty.com.ua"}
    assert all(comparison.per_outlet[o] for o in comparison.outlets)
    assert comparison.notice is None


def test_defeat_of_putin_hands_russia_to_china_is_a_shared_claim(comparison):
    rows = [
        row
        for row in comparison.shared
        if all("complete defeat" in claim.quote for claim in row.claims)
    ]
    assert len(rows) == 1, [[c.quote for c in row.claims] for row in comparison.shared]
    row = rows[0]
    assert set(row.outlets) == {"TASS", "fakty.com.ua"}
    assert all("China" in claim.quote for claim in row.claims)
    assert row.similarity >= 0.85


def test_talks_once_kherson_is_retaken_is_the_shared_headline_claim(comparison):
    """The claim both headlines state, worded too differently for the general threshold."""
    rows = [
        row
        for row in comparison.shared
        if any("launching peace talks" in c.quote for c in row.claims)
        and any("if and when Kherson is returned" in c.quote for c in row.claims)
    ]
    assert len(rows) == 1, [[c.quote for c in row.claims] for row in comparison.shared]
    assert rows[0].headline and set(rows[0].outlets) == {"TASS", "fakty.com.ua"}
    assert rows[0].similarity >= 0.7
    assert not [row for row in comparison.shared if row.headline and row is not rows[0]]


def test_missiles_and_midterms_are_reported_only_by_tass(comparison):
    assert claims_of(comparison, "TASS", "anti-drone missiles")
    assert claims_of(comparison, "TASS", "midterm elections")
    shared_quotes = [c.quote for row in comparison.shared for c in row.claims]
    assert not [q for q in shared_quotes if "anti-drone" in q or "midterm" in q]


def test_trenches_and_polish_nervousness_are_reported_only_by_fakty(comparison):
    assert claims_of(comparison, "fakty.com.ua", "triple line of trenches")
    assert claims_of(comparison, "fakty.com.ua", "nervousness", "Poland")
    shared_quotes = [c.quote for row in comparison.shared for c in row.claims]
    assert not [q for q in shared_quotes if "trenches" in q or "Poland" in q]


def test_kiev_regime_versus_ukrainian_authorities_is_a_wording_difference(comparison):
    pairs = [
        {p.outlet: [p.text, *p.variants] for p in d.phrasings}
        for d in comparison.wording_differences
    ]
    match = [
        pair
        for pair in pairs
        if any("Kiev regime" in form for form in pair.get("TASS", []))
        and any("Ukrainian authorities" in form for form in pair.get("fakty.com.ua", []))
    ]
    assert match, pairs


def test_wording_differences_cite_sentences_holding_each_phrase(comparison):
    assert comparison.wording_differences
    for difference in comparison.wording_differences:
        assert len({p.outlet for p in difference.phrasings}) == 2
        for phrasing in difference.phrasings:
            quotes = [comparison.citation(n).quote for n in phrasing.citations]
            assert all(comparison.citation(n).outlet == phrasing.outlet for n in phrasing.citations)
            assert any(phrasing.text in quote for quote in quotes), (phrasing, quotes)


def test_every_quote_is_verbatim_and_every_claim_cited(comparison, seed_reader):
    texts = seed_reader.store.article_texts({c.article_id for c in comparison.citations})
    for citation in comparison.citations:
        assert texts[citation.article_id][citation.start : citation.end] == citation.quote
        assert (
            citation.passage[citation.start - citation.passage_start :][: len(citation.quote)]
            == citation.quote
        )
    assert [c.number for c in comparison.citations] == list(range(1, len(comparison.citations) + 1))
    claims = [c for cs in comparison.per_outlet.values() for c in cs]
    claims += [c for row in comparison.shared for c in row.claims]
    for claim in claims:
        cited = comparison.citation(claim.citation)
        assert cited.quote == claim.quote and cited.outlet == claim.outlet


def test_shared_and_unique_partition_each_outlets_claims(comparison):
    for outlet, claims in comparison.per_outlet.items():
        shared = {c.citation for row in comparison.shared for c in row.claims if c.outlet == outlet}
        unique = {c.citation for c in comparison.unique[outlet]}
        assert shared.isdisjoint(unique)
        assert shared | unique == {c.citation for c in claims}


def test_text_attributes_every_quote_to_its_outlet(comparison):
    quoted_lines = [line for line in comparison.text.splitlines() if "“" in line]
    assert quoted_lines
    for line in quoted_lines:
        for part in line.lstrip("- ").split("; "):
            if "reports: “" in part:
                assert part.split(" reports: ")[0] in comparison.outlets, part
            else:
                assert " writes “" in part, part
    assert "Reported only by TASS:" in comparison.text
    assert "Reported only by fakty.com.ua:" in comparison.text


def test_comparison_round_trips_through_json(comparison):
    again = Comparison.model_validate_json(comparison.model_dump_json())
    assert again == comparison
    assert json.loads(comparison.model_dump_json())["shared"]


def test_one_requested_outlet_says_there_is_nothing_to_compare(seed_reader):
    result = seed_reader.compare("Kherson", outlets=["tass"])
    assert result.outlets == ["TASS"]
    assert result.notice and "nothing to compare" in result.notice
    assert not result.shared and result.unique["TASS"]


def test_outlets_named_in_the_topic_are_compared(seed_reader):
    result = seed_reader.compare("How do TASS and Fakty describe the nuclear threat?")
    assert set(result.outlets) == {"TASS", "fakty.com.ua"}
    assert any("nuclear" in c.quote for row in result.shared for c in row.claims)


def test_bad_input_is_an_input_error(seed_reader):
    from assistant.errors import InputError

    with pytest.raises(InputError):
        seed_reader.compare("   ")
    with pytest.raises(InputError):
        seed_reader.compare("Kherson", outlets=["The Daily Nowhere"])


# ----- the CLI ----------------------------------------------------------------------------


def test_cli_compare_prints_aligned_claims_and_sources(seed_copy, capsys):
    assert main(["--index-dir", str(seed_copy), "compare", TOPIC]) == 0
    out = capsys.readouterr().out
    assert "Reported by several outlets:" in out
    assert "Reported only by TASS:" in out and "Reported only by fakty.com.ua:" in out
    assert "Differences in wording:" in out and "Sources:" in out
    assert "anti-drone missiles" in out


def test_cli_compare_json(seed_copy, capsys):
    code = main(
        [
            "--index-dir",
            str(seed_copy),
            "compare",
            TOPIC,
            "--outlet",
            "TASS",
            "--outlet",
            "fakty",
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["outlets"]) == {"TASS", "fakty.com.ua"}
    assert data["shared"] and data["citations"] and data["wording_differences"]
    Comparison.model_validate(data)


def test_cli_compare_unknown_outlet_is_one_line_error(seed_copy, capsys):
    code = main(["--index-dir", str(seed_copy), "compare", "Kherson", "--outlet", "Nowhere"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown outlet(s): Nowhere") and "Traceback" not in err


# ----- the parts --------------------------------------------------------------------------


def test_topic_of_strips_the_request_words():
    assert topic_of(TOPIC) == "the Kherson negotiations"
    assert topic_of("compare coverage of Kherson") == "coverage of Kherson"
    assert topic_of("Kherson negotiations") == "Kherson negotiations"


def spans(text: str) -> set[str]:
    return {text[a:b] for a, b in phrase_spans(text)}


def test_phrases_end_on_nouns_not_verbs_or_half_names():
    found = spans("The publication notes that the United States sent aid to the Kiev regime.")
    assert {"The publication", "the United States", "the Kiev regime"} <= found
    assert not {"The publication notes", "the United"} & found


def test_phrases_skip_verbs_after_to_and_modals():
    found = spans("It is time to start negotiations, which may facilitate short-term talks.")
    assert "start negotiations" not in found and "facilitate short-term talks" not in found
    assert "short-term talks" in found


def test_phrase_key_drops_determiner_and_case():
    assert phrase_key("The Kiev Regime") == "kiev regime"
    assert phrase_key("Russia’s leader") == "russia's leader"


def test_claims_are_statements_not_lead_ins_headings_or_questions():
    assert is_claim_text("The paper notes that talks are possible.", 5)
    assert is_claim_text("“We will win,” he said.”", 5) and is_claim_text("He quit “today.”", 3)
    assert not is_claim_text("The publication points to two aspects:", 5)
    assert not is_claim_text("Altman and board in talks", 5)
    assert not is_claim_text("Do you work at OpenAI and know more?", 5)
    assert not is_claim_text("Kherson is key.", 5)


def test_forms_of_one_name_are_not_wording_differences():
    assert same_name("ukraine", "ukrainian troops") and same_name("ai's risk", "ai risks")
    assert same_name("handheld pcs", "valve's handheld pc")
    assert not same_name("kiev regime", "ukrainian authorities")
    assert not same_name("nuclear weapons", "nuclear bomb")


def test_dates_and_numbers_are_facts_not_wording():
    assert states_a_fact("friday night") and states_a_fact("six months")
    assert states_a_fact("2023 season")
    assert states_a_fact("nov") and not states_a_fact("kiev regime")


def test_align_is_one_to_one_and_respects_threshold():
    scores = np.array([[0.9, 0.88, 0.1], [0.87, 0.2, 0.1], [0.1, 0.1, 0.5]])
    pairs = align(scores, 0.85)
    assert {(r, c) for r, c, _ in pairs} == {(0, 1), (1, 0)}
    assert align(np.zeros((0, 3)), 0.5) == []


def test_the_headline_claim_is_shared_with_the_default_onnx_embedder(onnx_embeddings, tmp_path):
    """The shipped embedder (int8 ONNX) scores the two central claims a near-tie with a
    sentence sharing "Brussels"; they are still aligned as the shared headline claim, first."""
    from assistant.settings import load_settings

    assistant = Assistant(
        load_settings(index_dir=tmp_path / "index", sources=[SEEDS]), embeddings=onnx_embeddings
    )
    assistant.index()
    first = assistant.compare(TOPIC).shared[0]
    assert first.headline and set(first.outlets) == {"TASS", "fakty.com.ua"}
    quotes = " ".join(c.quote for c in first.claims)
    assert "launching peace talks" in quotes and "if and when Kherson is returned" in quotes


def test_words_for_the_reported_text_itself_are_not_wording_differences():
    assert names_the_source("article") and names_the_source("publication")
    assert names_the_source("paper") and not names_the_source("kiev regime")

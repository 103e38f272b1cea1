"""Hybrid, outlet-aware retrieval on the real seed index, and LangChain's standard suite."""

from __future__ import annotations

import shutil

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.core import Assistant
from assistant.errors import InputError
from assistant.outlets import normalise_outlet, outlet_clauses, outlets_named_in, resolve_outlets
from assistant.retrieval import HybridRetriever
from assistant.settings import load_settings

KNOWN = ["TASS", "fakty.com.ua", "The Verge", "TechCrunch", "Sporting News", "Fox News"]


def test_outlet_names_match_case_punctuation_and_the_insensitively():
    assert normalise_outlet("The Verge") == normalise_outlet("the-verge") == "verge"
    assert outlets_named_in("What did the verge and TECHCRUNCH report?", KNOWN) == [
        "The Verge",
        "TechCrunch",
    ]
    assert outlets_named_in("what does tass say about it", KNOWN) == ["TASS"]
    assert outlets_named_in("According to Fakty, who negotiates?", KNOWN) == ["fakty.com.ua"]
    assert outlets_named_in("What did Sporting News say?", KNOWN) == ["Sporting News"]
    assert outlets_named_in("Who won the match?", KNOWN) == []
    music = ["Business World", "Music Business Worldwide"]
    question = "Did Business World and Music Business Worldwide agree?"
    assert outlets_named_in(question, music) == music
    assert resolve_outlets(["the verge", "FAKTY.COM.UA"], KNOWN) == ["The Verge", "fakty.com.ua"]
    with pytest.raises(InputError, match="unknown outlet"):
        resolve_outlets(["Pravda"], KNOWN)


def outlets_of(documents):
    return {document.metadata["outlet"] for document in documents}


def test_named_outlet_restricts_retrieval(seed_assistant):
    documents = seed_assistant.retrieve("What does TASS say about nuclear weapons?", k=4)
    assert documents and outlets_of(documents) == {"TASS"}


def test_question_both_cover_gets_both_outlets_even_at_small_k(seed_assistant):
    documents = seed_assistant.retrieve("Would a defeat of Putin hand Russia to China?", k=2)
    assert outlets_of(documents) == {"TASS", "fakty.com.ua"}


def test_filters_by_outlet_and_date(seed_assistant):
    only_fakty = seed_assistant.retrieve("negotiations", k=5, outlets=["fakty"])
    assert outlets_of(only_fakty) == {"fakty.com.ua"}
    since = seed_assistant.retrieve("negotiations", k=5, since="2022-11-08")
    assert outlets_of(since) == {"fakty.com.ua"}
    until = seed_assistant.retrieve("negotiations", k=5, until="2022-11-07")
    assert outlets_of(until) == {"TASS"}
    with pytest.raises(InputError, match="not a date"):
        seed_assistant.retrieve("negotiations", since="last Tuesday")


def test_documents_carry_exact_offsets_into_the_article(seed_assistant):
    documents = seed_assistant.retrieve("anti-drone missiles", k=3)
    texts = seed_assistant.store.article_texts(d.metadata["article_id"] for d in documents)
    for document in documents:
        meta = document.metadata
        assert texts[meta["article_id"]][meta["start"] : meta["end"]] == document.page_content
        assert -1.0 <= meta["similarity"] <= 1.0


def test_lexical_half_finds_exact_terms(seed_assistant):
    hits = seed_assistant.store.lexical().search("Dnieper trenches", k=3)
    assert hits
    top = seed_assistant.store.collection().get(ids=[hits[0][0]], include=["documents"])
    assert "Dnieper" in top["documents"][0]


@pytest.fixture(scope="class")
def standard_parts(request, seed_index_template, real_embeddings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("standard") / "index"
    shutil.copytree(seed_index_template, folder)
    assistant = Assistant(load_settings(index_dir=folder), embeddings=real_embeddings)
    request.cls.parts = {"store": assistant.store, "embeddings": real_embeddings}


@pytest.mark.usefixtures("standard_parts")
class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's own retriever suite (langchain-tests) against HybridRetriever."""

    parts: dict = {}

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return dict(self.parts)

    @property
    def retriever_query_example(self) -> str:
        return "negotiations with Russia after Kherson"


def test_each_named_outlet_gets_the_clause_about_it():
    question = (
        "After the Polygon report on the Steam Deck OLED screen, and the Engadget review "
        "praising its battery, did The Verge agree?"
    )
    named = outlets_named_in(question, ["Polygon", "Engadget", "The Verge", "TechCrunch"])
    clauses = outlet_clauses(question, named)
    assert set(clauses) == {"Polygon", "Engadget", "The Verge"}
    assert clauses["Polygon"].startswith("polygon report on") and "screen" in clauses["Polygon"]
    assert "battery" in clauses["Engadget"] and "screen" not in clauses["Engadget"]
    assert clauses["The Verge"].startswith("verge") and "battery" not in clauses["The Verge"]


def test_the_chunk_holding_the_answering_sentence_comes_first():
    from types import SimpleNamespace

    from assistant.retrieval import _Hit

    retriever = HybridRetriever.model_construct(sentence_weight=3.0)
    question = SimpleNamespace(text="How many crossings a day does the Chop ferry make?")
    scattered = _Hit(
        "a-0",
        0.60,
        0.60,
        "X",
        document=(
            "The ferry company met in Chop. Crossings were discussed. A day of talks ended. "
            "The ferry may resume."
        ),
    )
    answering = _Hit(
        "a-1",
        0.55,
        0.55,
        "X",
        document=("Officials spoke. The Chop ferry makes four crossings a day since Monday."),
    )
    ordered = retriever._by_best_sentence(question, [scattered, answering])
    assert [hit.chunk_id for hit in ordered] == ["a-1", "a-0"]
    assert ordered[0].rank_score > ordered[1].rank_score


def test_an_outlet_the_question_names_is_cited_when_it_has_a_passage(seed_assistant):
    answer = seed_assistant.answer("What did fakty.com.ua and TASS report about Kherson?")
    assert {c.outlet for c in answer.citations} == {"TASS", "fakty.com.ua"}

"""Who "he" is (issue 12): a fragment whose lead-in only names its subject is quoted alone,
with the name in brackets; anything uncertain keeps the lead-in."""

from __future__ import annotations

from langchain_core.documents import Document

from assistant.extractive import ExtractiveAnswerer
from assistant.referents import referent, with_referent

CHAIN = [
    "Yedidia said he and Bankman-Fried spoke about it at the pickleball court in Nassau.",
    "He asked his boss if things were OK.",
    "He was concerned because it seemed like a lot of money from FTX customers was at risk.",
]


def test_the_subject_of_the_sentence_a_he_chain_leans_on_is_named():
    assert referent(CHAIN) == "Yedidia"
    passage = "Former FTX engineer Adam Yedidia testified on Thursday. " + " ".join(CHAIN)
    assert referent(CHAIN, passage) == "Adam Yedidia"  # its fullest form in the passage
    assert with_referent(CHAIN[-1], "Adam Yedidia").startswith("He [Adam Yedidia] was concerned")


def test_an_uncertain_subject_names_nobody():
    for lead_in, fragment in [
        ("Google said it would appeal the ruling.", "He left the company."),  # no person
        ("A Google spokesperson said it would appeal.", "He declined to comment."),
        ("Yedidia and Wang said the code was changed.", "He was worried."),  # two people
        ("Yedidia’s lawyer said the code was changed.", "He was worried."),  # the lawyer
        ("When two fighters meet, Andrade said he wins.", "He is unbeaten."),  # not opening
        ("Former FTX engineers said it was changed.", "He was worried."),
    ]:
        assert referent([lead_in, fragment]) is None, lead_in
    # a chain broken by another pronoun is not followed back
    assert referent([CHAIN[0], "She asked him if things were OK.", CHAIN[2]]) is None
    assert referent(["Yedidia said he was worried."]) is None  # no lead-in at all


def test_the_answer_quotes_the_fragment_alone_with_its_subject_in_brackets():
    text = "The jury heard testimony on Thursday about the code. " + " ".join(CHAIN)
    meta = {"outlet": "CNBC", "article_id": "a1", "start": 0, "similarity": 0.6, "title": "t"}
    answer = ExtractiveAnswerer().answer(
        "Was there a concern about the risk to FTX customers' money?",
        [Document(page_content=text, metadata=meta)],
    )
    assert [c.quote for c in answer.citations] == [CHAIN[2]]  # verbatim, without lead-ins
    assert "“He [Yedidia] was concerned because" in answer.text
    assert "pickleball" not in answer.text

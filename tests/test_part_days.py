"""A part that names its article's day (issue 12): the day is read from the part's own words,
and the part's quote comes from that day's article of its outlet whenever one speaks to it.
Real Documents and the real extractive answerer (no model involved)."""

from __future__ import annotations

import re

from assistant.claims import claims_of, part_day
from assistant.extractive import ExtractiveAnswerer
from assistant.question_parts import parse_question, question_terms
from assistant.question_split import question_parts

from .test_answers import document

OUTLETS = ["TechCrunch", "Fortune", "Polygon", "Engadget", "Sporting News", "The Verge"]


def claims(question: str):
    return claims_of(parse_question(question, OUTLETS), OUTLETS)


def test_a_date_before_or_after_which_is_a_range_not_the_article_day():
    assert part_day("the TechCrunch report published after October 31, 2023") == ""
    assert part_day("as reported before November 1, 2023") == ""
    assert part_day("after 2023-10-02, and the one on 2023-11-06") == "2023-11-06"
    assert part_day("the Fortune article published on October 4, 2023") == "10-04"


def test_the_same_date_is_the_day_of_the_part_before():
    found = claims(
        "After the Polygon report on Valve's updates to the Steam Deck hardware published on "
        "November 9, 2023, and the Engadget review of the Steam Deck OLED version published on "
        "the same date, was the reporting on Valve's improvements consistent?"
    )
    assert [(c.outlet, c.day) for c in found] == [("Polygon", "11-09"), ("Engadget", "11-09")]


def test_a_subject_borrowed_from_the_part_before_brings_no_date():
    found = claims(
        "Was there inconsistency in the portrayal of Sam Bankman-Fried's actions related to the "
        "allegations of fraud between the report from Fortune published on October 4, 2023, "
        "and the report from TechCrunch?"
    )
    days = {c.outlet: c.day for c in found}
    assert days == {"Fortune": "10-04", "TechCrunch": ""}


def test_a_thousands_comma_does_not_split_a_part_from_its_date():
    parts = question_parts(
        "After the Sporting News report on Tyreek Hill's chances of achieving 2,000-plus "
        "receiving yards published on December 5, 2023, and the Sporting News report on Tyreek "
        "Hill being the league's leading receiver published on December 7, 2023, was there a "
        "change in the portrayal of Tyreek Hill's performance?",
        OUTLETS,
    )
    first = next(p.text for p in parts if "Tyreek Hill's chances" in p.text)
    assert "December 5" in first


def _cited_days(answer) -> list[str]:
    return sorted({(c.published or "")[:10] for c in answer.citations})


QUESTION = (
    "Did the TechCrunch report published on November 6, 2023, say that Epic Games sued Google "
    "over app store fees, while Fortune reported record profits at Nvidia?"
)


def test_a_part_naming_its_day_quotes_that_day_article_over_a_better_match():
    other_day = document(
        "Epic Games sued Google over app store fees and won the antitrust case in court.",
        "TechCrunch",
        "t1",
        published="2023-12-12",
        similarity=0.7,
    )
    of_the_day = document(
        "Epic Games takes Google to court today in San Francisco.",
        "TechCrunch",
        "t2",
        published="2023-11-06",
        similarity=0.5,
    )
    fortune = document("Nvidia reported record profits again.", "Fortune", "f1")
    answer = ExtractiveAnswerer().answer(QUESTION, [other_day, of_the_day, fortune])
    techcrunch = [c for c in answer.citations if c.outlet == "TechCrunch"]
    assert [(c.published or "")[:10] for c in techcrunch] == ["2023-11-06"], answer.text


def test_the_day_article_is_looked_for_in_the_rest_of_the_retrieved_articles():
    other_day = document(
        "Epic Games sued Google over app store fees and won the antitrust case in court.",
        "TechCrunch",
        "t1",
        published="2023-12-12",
    )
    retrieved = document(
        "The weather in San Francisco was mild.",
        "TechCrunch",
        "t2",
        published="2023-11-06",
    )
    unread = document(
        "Epic Games takes Google to court today over its app store.",
        "TechCrunch",
        "t2",
        published="2023-11-06",
        start=400,
        chunk_id="t2:1",
    )
    fortune = document("Nvidia reported record profits again.", "Fortune", "f1")
    documents = [other_day, retrieved, fortune]
    chunks = {"t1": [other_day], "t2": [retrieved, unread], "f1": [fortune]}

    def article_chunks(ids):
        return [chunk for article in sorted(ids) for chunk in chunks[article]]

    answer = ExtractiveAnswerer(article_chunks=article_chunks).answer(QUESTION, documents)
    techcrunch = [c for c in answer.citations if c.outlet == "TechCrunch"]
    assert [c.quote for c in techcrunch] == [
        "Epic Games takes Google to court today over its app store."
    ], answer.text


def test_no_second_sentence_of_another_day_completes_a_dated_part():
    of_the_day = document(
        "Epic Games takes Google to court today.",
        "TechCrunch",
        "t2",
        published="2023-11-06",
    )
    other_day = document(
        "Developers lost a record sum in app store fees, they said.",
        "TechCrunch",
        "t1",
        published="2023-12-12",
    )
    fortune = document("Nvidia reported record profits again.", "Fortune", "f1")
    answer = ExtractiveAnswerer().answer(
        "Did the TechCrunch report published on November 6, 2023, say that Epic Games sued "
        "Google over app store fees, claiming developers lost a record sum?",
        [of_the_day, other_day, fortune],
    )
    assert _cited_days(answer) == ["2023-11-06"], answer.text
    assert re.search(r"TechCrunch \(2023-11-06\) on “", answer.text)


def test_a_publication_date_is_no_term_the_quotes_must_share():
    terms = question_terms(
        "Did Sporting News report a comeback on November 19, 2023, and on 2023-12-03, before "
        "the launch on November 16th?",
        OUTLETS,
    )
    assert {"comeback", "launch", "16th"} <= terms
    assert not terms & {"19", "2023", "decemb", "03", "12"}


def test_a_question_naming_its_articles_dates_is_covered_by_their_sentences():
    dillon = document(
        "8:28 p.m.: A.J. Dillon bursts through the mire to pick up the first down.",
        "Sporting News",
        "s1",
        published="2023-12-03",
        similarity=0.3,
    )
    hankerson = document(
        "Anthony Hankerson gets two first downs for the Buffs, a style that changed.",
        "Sporting News",
        "s2",
        published="2023-10-07",
        similarity=0.3,
    )
    answer = ExtractiveAnswerer().answer(
        "Did the reporting style on players achieving first downs in Sporting News articles "
        "change between the article featuring Anthony Hankerson on October 7, 2023, and the "
        "one highlighting A.J. Dillon on December 3, 2023?",
        [dillon, hankerson],
    )
    # the dates' words would dilute its share of the question's terms under the bar (0.32)
    assert not answer.refused, answer.text
    assert _cited_days(answer) == ["2023-10-07", "2023-12-03"], answer.text


def test_of_that_day_articles_the_one_whose_headline_the_part_describes():
    sites = document(
        "You can usually bet on NBA futures odds throughout the season.",
        "Sporting News",
        "s1",
        published="2023-10-02",
        title="The Best NBA Betting Sites and Apps",
        similarity=0.5,
    )
    props = document(
        "Every bettor has strategies, and there are three tips for NBA props.",
        "Sporting News",
        "s2",
        published="2023-10-02",
        title="NBA Prop Bets - Best Team and Player Props",
        similarity=0.5,
    )
    answer = ExtractiveAnswerer().answer(
        "Did the approach to presenting prop bets to bettors by Sporting News change between "
        "the report on NBA prop bets published on October 2, 2023, and the report on NCAAF "
        "bowl season prop bets published later?",
        [sites, props],
    )
    assert [c.article_id for c in answer.citations] == ["s2"], answer.text

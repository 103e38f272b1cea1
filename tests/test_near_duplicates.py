"""Near-duplicate quotes: a sentence repeating one of its own article's is dropped, another
article's near-copy is the quote of its own part. Real Documents and the real extractive
answerer (no model involved)."""

from __future__ import annotations

from assistant.extractive import ExtractiveAnswerer
from assistant.quote_span import without_near_duplicates

from .test_answers import document


def _guide(kind: str, article: str, published: str):
    return document(
        f"In this Diablo 4 guide, we have gathered and simplified the best {kind} builds for "
        "season 2.",
        "Polygon",
        article,
        published=published,
        title=f"The best {kind} builds and skills in Diablo 4",
    )


def test_two_articles_near_copies_are_each_their_part_quote():
    answer = ExtractiveAnswerer().answer(
        "Does the Polygon Diablo 4 guide for Sorcerer builds in season 2 provide simplified "
        "versions of the builds in a similar manner to how the Polygon Diablo 4 guide for "
        "Barbarian builds does for the same season?",
        [_guide("Sorcerer", "p1", "2023-10-18"), _guide("Barbarian", "p2", "2023-10-19")],
    )
    assert sorted(c.article_id for c in answer.citations) == ["p1", "p2"], answer.text
    assert "Nothing from Polygon matches" not in answer.text


def test_a_sentence_repeated_in_its_own_article_is_kept_once():
    text = "The Sorcerer builds for season 2 were simplified in this Diablo 4 guide."
    first = document(text, "Polygon", "p1", chunk_id="p1:0")
    again = document(text[:-1] + " today.", "Polygon", "p1", chunk_id="p1:1", start=900)
    copy = document(text, "Polygon", "p2", chunk_id="p2:0")
    candidates = ExtractiveAnswerer()._candidates([first, again, copy], {"sorcer", "build"})
    kept = without_near_duplicates(candidates)
    assert [(c.key[0], c.key[1]) for c in kept] == [("p1", 0), ("p2", 0)]

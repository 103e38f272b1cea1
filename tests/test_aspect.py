"""A part's point (issue 12): a part that names someone is quoted with the sentence of its
article that says what the part asks of them, not one that only names them (dev-971: "Andrade
has the skills to defeat Benavidez" was quoted with "fighters avoided by top opponents")."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.aspect import named_terms, point_terms, rivals
from assistant.claims import Claim
from assistant.extractive import ExtractiveAnswerer
from assistant.lexical import tokenize

from .test_answers import document

ONLY_NAMES = (
    "Two great fighters avoided by top opponents for so long meet at last, Demetrius Andrade "
    "said of David Benavidez."
)
ON_POINT = "Andrade has the skills and the will to defeat Benavidez under any means possible."
ARTICLE = (
    "The super middleweight bout is set for Saturday night in Las Vegas. "
    f"{ONLY_NAMES} The undercard opens at five. {ON_POINT}"
)
QUESTION = (
    "Does the Ring Report article suggest that Demetrius Andrade has the skills necessary to "
    "potentially defeat David Benavidez?"
)


def _claim() -> Claim:
    text = "Demetrius Andrade has the skills necessary to potentially defeat David Benavidez"
    terms = frozenset(tokenize(text))
    names = frozenset(tokenize("Demetrius Andrade David Benavidez"))
    return Claim(text, "Ring Report", terms, tuple(text.split()), "", names)


def _sentence(start: int, text: str):
    key = ("a1", start, start + len(text))
    return SimpleNamespace(key=key, words=frozenset(tokenize(text)), text=text)


def test_a_part_s_point_is_what_it_says_of_whom_it_names():
    claim = _claim()
    assert named_terms(claim) == frozenset(tokenize("Demetrius Andrade David Benavidez"))
    assert point_terms(claim) == frozenset(tokenize("skills necessary potentially defeat"))


def test_a_sentence_holding_the_point_is_a_rival_of_one_holding_only_names():
    claim = _claim()
    names_only, on_point = _sentence(0, ONLY_NAMES), _sentence(200, ON_POINT)
    filler = _sentence(100, "The undercard opens at five.")
    scored = [(0.45, names_only), (0.42, on_point)]
    found = rivals(claim, scored[0], scored, [names_only, on_point, filler], lambda item: 0.0)
    assert [c for _, c in found] == [on_point]
    # the best already holds the rarest point word: no rival
    assert rivals(claim, scored[1], scored, [names_only, on_point, filler], lambda i: 0.0) == ()
    # a rival keeps enough of the best's match
    assert rivals(claim, (0.9, names_only), scored, [names_only, on_point], lambda i: 0.0) == ()


def test_a_part_naming_no_one_has_no_rivals():
    text = "his motivation for alleged fraud was personal gain"
    claim = Claim(text, None, frozenset(tokenize(text)), tuple(text.split()))
    best = _sentence(0, "He is in court for alleged fraud.")
    other = _sentence(50, "Personal gain drove him, the prosecution said.")
    scored = [(0.5, best), (0.45, other)]
    assert rivals(claim, scored[0], scored, [best, other], lambda item: 0.0) == ()


def test_the_quote_of_a_part_says_its_point_not_only_its_names(real_embeddings):
    docs = [document(ARTICLE, "Ring Report", "r1", title="Benavidez vs. Andrade preview")]
    without = ExtractiveAnswerer().answer(QUESTION, docs)
    assert [c.quote for c in without.citations] == [ONLY_NAMES]  # key words alone
    answer = ExtractiveAnswerer(real_embeddings).answer(QUESTION, docs)
    assert [c.quote for c in answer.citations] == [ON_POINT], answer.text
    assert "skills, defeat" in answer.text.split("\n\n", 1)[0], answer.text


def test_a_rival_further_in_meaning_from_the_part_is_not_quoted(real_embeddings):
    """ "experiment" shares the stem of "experiences" but not what the part asks."""
    names_only = "Every article was like, here is Taylor Swift standing near some guy."
    stem_only = "Taylor was beginning to experiment with different vocal styles on the album."
    text = f"The album came out in 2014. {names_only} The tour sold out. {stem_only}"
    question = (
        "Does the Ring Report article imply that Taylor Swift has control over the privacy of "
        "her personal experiences?"
    )
    docs = [document(text, "Ring Report", "r2", title="The stories behind the album")]
    answer = ExtractiveAnswerer(real_embeddings).answer(question, docs)
    assert [c.quote for c in answer.citations] == [names_only], answer.text


def test_of_rivals_as_near_the_point_the_one_keeping_the_best_s_point_words_comes_first():
    text = "the Pittsburgh Penguins' game report a successful penalty kill"
    terms = frozenset(tokenize(text))
    claim = Claim(text, None, terms, tuple(text.split()), "", frozenset(tokenize("Penguins")))
    best = _sentence(0, "Right after the Penguins killed off the minor, Pittsburgh scores.")
    other_game = _sentence(100, "The Blackhawks get a delay of game penalty; the Penguins score.")
    kills = _sentence(200, "Pittsburgh kills off the penalty, then Letang takes a minor.")
    more = ["The game was cold.", "The game ended late.", "Another kill came later."]
    filler = [_sentence(300 + 50 * i, text) for i, text in enumerate(more)]
    scored = [(0.65, best), (0.55, other_game), (0.55, kills)]
    pool = [best, other_game, kills, *filler]
    found = rivals(claim, scored[0], scored, pool, lambda item: -item[1].key[1])  # game first
    assert [c for _, c in found] == [kills, other_game]


def test_a_surname_the_article_shares_between_two_people_does_not_make_a_rival():
    text = "Jeff Shiffrin's skiing habits"
    words = ("Jeff Shiffrin", "skiing", "habits")
    claim = Claim(text, None, frozenset(tokenize(text)), words, "", frozenset(tokenize(words[0])))
    best = _sentence(0, "The passion of Jeff and Eileen shows in their daughter, Mikaela Shiffrin.")
    mikaela = _sentence(100, "In Alpine skiing, Shiffrin has long been a dominant force.")
    scored = [(0.6, best), (0.5, mikaela)]
    assert rivals(claim, scored[0], scored, [best, mikaela], lambda item: 0.0) == ()
    # no other Shiffrin in the article: the surname is Jeff's
    alone = SimpleNamespace(key=best.key, words=best.words, text="The passion of Jeff shows.")
    found = rivals(claim, scored[0], scored, [alone, mikaela], lambda item: 0.0)
    assert [c for _, c in found] == [mikaela]

"""Support found by meaning (issue 12): a part the articles say in other words is quoted, with
the real embedding model; "nothing matches" only when neither key words nor meaning find it."""

from __future__ import annotations

from assistant.extractive import ExtractiveAnswerer
from assistant.question_parts import salient_names
from assistant.semantic import SentenceVectors

from .test_answers import document

WIRE = "The Warsaw Wire says the grain talks resumed on Monday in Geneva after a long pause."
OTHER_WORDS = (
    "The dock strike is over: the workers went back once bosses agreed to the pay rise they wanted."
)
QUESTION = (
    "Does the Warsaw Wire report that the grain talks resumed, while the Baltic Post reports "
    "that the harbour walkout finished once the wage demands of the workers were met?"
)


class CountingEmbeddings:
    """The real embedder, counting its calls."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def embed_documents(self, texts):
        self.calls.append(list(texts))
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def _documents(post_text: str):
    wire = document(WIRE, "Warsaw Wire", "w1", similarity=0.6)
    post = document(post_text, "Baltic Post", "b1", similarity=0.5)
    return [wire, post]


def test_a_part_said_in_other_words_is_quoted_by_meaning(real_embeddings):
    post = f"The mayor opened a new bridge over the river on Friday. {OTHER_WORDS}"
    without = ExtractiveAnswerer().answer(QUESTION, _documents(post))
    assert "Nothing from Baltic Post matches" in without.text  # key words alone find nothing
    counting = CountingEmbeddings(real_embeddings)
    answer = ExtractiveAnswerer(counting).answer(QUESTION, _documents(post))
    lead = answer.text.split("\n\n", 1)[0]
    assert "Nothing from" not in answer.text, answer.text
    assert "Baltic Post (2022-11-08) on “harbour … walkout" in lead
    assert "(the closest in meaning) mentions workers" in lead
    cited = [c for c in answer.citations if c.outlet == "Baltic Post"]
    assert [c.quote for c in cited] == [OTHER_WORDS]  # verbatim, not the bridge
    assert (cited[0].start, cited[0].end) == (post.index(OTHER_WORDS), len(post))
    assert len(counting.calls) == 1  # the part and its candidates in one call


def test_a_sentence_sharing_a_word_but_not_the_meaning_is_not_support(real_embeddings):
    post = "The mayor opened a new bridge on Friday. Workers at the bakery complained of the heat."
    answer = ExtractiveAnswerer(real_embeddings).answer(QUESTION, _documents(post))
    assert "Nothing from Baltic Post matches “harbour … walkout" in answer.text
    assert {c.outlet for c in answer.citations} == {"Warsaw Wire"}


def test_nothing_is_embedded_when_key_words_answer_every_part(real_embeddings):
    counting = CountingEmbeddings(real_embeddings)
    post = "The harbour walkout finished after the wage demands of the workers were met."
    answer = ExtractiveAnswerer(counting).answer(QUESTION, _documents(post))
    assert {c.outlet for c in answer.citations} == {"Warsaw Wire", "Baltic Post"}
    assert "closest in meaning" not in answer.text
    assert counting.calls == []


def test_sentence_vectors_are_embedded_once_per_answer(real_embeddings):
    counting = CountingEmbeddings(real_embeddings)
    vectors = SentenceVectors(counting)
    first = vectors.embed([("a", "The strike ended."), ("b", "The bridge opened.")])
    again = vectors.embed([("a", "The strike ended."), ("c", "The talks resumed.")])
    assert counting.calls == [["The strike ended.", "The bridge opened."], ["The talks resumed."]]
    assert (first["a"] == again["a"]).all()
    assert abs(float(first["a"] @ first["a"]) - 1.0) < 1e-5


def test_a_dated_part_is_not_answered_by_another_days_article():
    first = document(
        "Sportsbooks explain that bettors can place prop bets on player statistics.",
        "Warsaw Wire",
        "d1",
        published="2023-10-02",
    )
    second = document(
        "A prop bet lets bettors wager on events within a game, not only its result.",
        "Warsaw Wire",
        "d2",
        published="2023-11-06",
    )
    question = (
        "Between the article published by Warsaw Wire on 2023-10-02 and the one on 2023-11-06, "
        "has the explanation of what bettors can place prop bets on remained consistent?"
    )
    answer = ExtractiveAnswerer().answer(question, [first, second])
    lead = answer.text.split("\n\n", 1)[0]
    assert "Nothing from" not in lead, lead
    assert "Warsaw Wire (2023-10-02) on" in lead and "Warsaw Wire (2023-11-06) on" in lead
    assert {c.published[:10] for c in answer.citations} == {"2023-10-02", "2023-11-06"}


def test_a_quoted_phrase_opening_with_a_common_word_is_not_a_name():
    question = (
        "Does Polygon describe the requirement for 'Players of Baldur’s Gate 3' to choose an "
        "otherworldly patron for Warlocks during character creation?"
    )
    names = salient_names(question, ["Polygon"])
    assert not any(name.startswith("Players") for name in names)
    assert "Warlocks" in names
    assert "Jada Pinkett Smith" in salient_names("Is “Jada Pinkett Smith” quoted?", [])


def test_a_question_closest_in_meaning_is_not_quoted_for_the_part(real_embeddings):
    """ "Is T.J. Hockenson playing Week 10?" is closest in meaning to a part about his playing
    but says nothing of it: the sentence that does is quoted (dev-381, dev-771)."""
    asked = "Was the harbour walkout finished once the wage demands of the workers were met?"
    post = f"The mayor opened a new bridge over the river on Friday. {asked} {OTHER_WORDS}"
    answer = ExtractiveAnswerer(real_embeddings).answer(QUESTION, _documents(post))
    cited = [c.quote for c in answer.citations if c.outlet == "Baltic Post"]
    assert cited == [OTHER_WORDS], answer.text

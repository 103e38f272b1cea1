"""The answer layer (issues 12 and 16): real Documents, and the real seed index where the
behaviour involves retrieval."""

from __future__ import annotations

import re

from langchain_core.documents import Document

from assistant.extractive import ExtractiveAnswerer

from .test_index import make_article

MARKER = re.compile(r"\[\d+\]")


def document(text: str, outlet: str = "Warsaw Wire", article: str = "a1", **meta) -> Document:
    """A retrieved chunk as the retriever returns it (the whole article, at offset 0)."""
    metadata = {
        "outlet": outlet,
        "title": meta.pop("title", f"{outlet} on Kherson"),
        "published": meta.pop("published", "2022-11-08"),
        "author": meta.pop("author", ""),
        "url": meta.pop("url", f"https://example.org/{article}"),
        "article_id": article,
        "chunk_id": meta.pop("chunk_id", f"{article}:0"),
        "start": meta.pop("start", 0),
        "similarity": meta.pop("similarity", 0.6),
        **meta,
    }
    return Document(page_content=text, metadata=metadata)


def test_a_marker_in_article_text_is_not_a_live_citation():
    text = (
        "The ceasefire in Kherson was agreed on Monday, as TASS confirmed [3] in a statement. "
        "Kherson talks between the sides will continue next week in Istanbul."
    )
    answer = ExtractiveAnswerer().answer("Was a ceasefire in Kherson agreed?", [document(text)])
    assert not answer.refused
    assert set(MARKER.findall(answer.text)) == {f"[{c.number}]" for c in answer.citations}
    assert "[\u20603]" in answer.text
    for sentence in answer.sentences:
        assert len(MARKER.findall(sentence.text)) == len(sentence.citations)
    assert any("TASS confirmed [3]" in c.quote for c in answer.citations)  # verbatim
    for citation in answer.citations:
        assert text[citation.start : citation.end] == citation.quote


def test_one_short_strong_article_does_not_push_the_other_outlets_out(seed_assistant, tmp_path):
    folder = tmp_path / "pasted"
    folder.mkdir()
    make_article(
        folder,
        "mallory.md",
        "Mallory Times",
        "What a defeat of Putin would mean",
        "A complete defeat of Putin would lead to the collapse of his regime in Moscow. "
        "Analysts say the defeat of Putin would lead to a new government in Russia. "
        "Such a complete defeat could also lead to chaos across the region.",
    )
    seed_assistant.add_sources([folder])
    answer = seed_assistant.answer("What would a complete defeat of Putin lead to?")
    assert {"Mallory Times", "TASS", "fakty.com.ua"} <= set(answer.outlets)
    texts = seed_assistant.store.article_texts(c.article_id for c in answer.citations)
    for citation in answer.citations:
        assert texts[citation.article_id][citation.start : citation.end] == citation.quote


def assert_verbatim(assistant, answer):
    texts = assistant.store.article_texts(c.article_id for c in answer.citations)
    for citation in answer.citations:
        assert texts[citation.article_id][citation.start : citation.end] == citation.quote


def test_lead_line_names_the_newspaper_both_reports_cite(seed_assistant):
    answer = seed_assistant.answer("Which newspaper do both reports cite?")
    lead = answer.text.split("\n\n", 1)[0]
    assert "La Repubblica" in lead
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", lead)]
    assert numbers and all("La Repubblica" in answer.citation(n).quote for n in numbers)
    assert_verbatim(seed_assistant, answer)


def test_an_organisation_no_article_mentions_is_said_so_without_nearby_quotes(seed_assistant):
    answer = seed_assistant.answer("What does Greenpeace say about Kherson?")
    assert "do not mention Greenpeace" in answer.text
    assert answer.citations == []


def test_a_name_the_retrieved_passages_miss_is_looked_for_in_the_whole_index(seed_assistant):
    # the real index answers "who names it" by exact text, whatever was retrieved
    assert seed_assistant._chunks_naming("La Repubblica")
    assert seed_assistant._chunks_naming("Greenpeace") == []
    retrieved = [document("Talks on Kherson were discussed in Brussels on Monday.", "TASS")]
    elsewhere = document(
        "Greenpeace warned that the Kakhovka dam near Kherson was at risk.", "Baltic Post", "b1"
    )
    asked = []

    def naming(name: str) -> list[Document]:
        asked.append(name)
        return [elsewhere] if name == "Greenpeace" else []

    answer = ExtractiveAnswerer(chunks_naming=naming).answer(
        "What does Greenpeace say about Kherson?", retrieved
    )
    assert asked == ["Greenpeace"]
    assert "do not mention" not in answer.text  # it is in the index: no false absence
    assert any("Greenpeace warned" in c.quote for c in answer.citations)
    nowhere = ExtractiveAnswerer(chunks_naming=lambda name: []).answer(
        "What does Greenpeace say about Kherson?", retrieved
    )
    assert "do not mention Greenpeace" in nowhere.text


def test_words_of_an_indexed_outlets_name_are_no_name_to_find():
    doc = document("YouTube was the app kids used most overnight, the study found.", "Polygon")
    answer = ExtractiveAnswerer(outlets=lambda: ["Polygon", "FOX News - Health"]).answer(
        "Which platform is the most used app by kids overnight according to a study reported "
        "by Polygon and FOX News - Health?",
        [doc],
    )
    assert "do not mention" not in answer.text and "FOX News or Health" not in answer.text


def test_author_and_date_come_from_the_article_metadata():
    text = "Kherson talks may start once the city is retaken, officials in Brussels said."
    doc = document(text, outlet="TASS", author="Ivan Petrov", published="2022-11-07T10:00:00")
    author = ExtractiveAnswerer().answer("Who wrote the TASS article about Kherson talks?", [doc])
    assert not author.refused
    assert author.text.startswith("The article TASS")
    assert "was written by Ivan Petrov. [1]" in author.text
    date = ExtractiveAnswerer().answer("When was the TASS article on Kherson published?", [doc])
    assert "was published on 2022-11-07. [1]" in date.text
    assert date.citations[0].quote == text


def test_debris_is_never_quoted():
    text = (
        "ROME, November 7. /TASS/. Kherson talks could begin once the city is retaken. "
        "Also Read: Kherson talks live updates and more. "
        "They are unable to respond to the Kherson offensive talks."
    )
    answer = ExtractiveAnswerer().answer("When could Kherson talks begin?", [document(text)])
    quotes = [c.quote for c in answer.citations]
    assert quotes and all("/TASS/" not in q and not q.startswith("Also Read") for q in quotes)
    assert not any(q.startswith("They are") for q in quotes)  # fragment: only with its lead-in
    assert any(q.startswith("Kherson talks could begin") for q in quotes)


def test_two_articles_of_one_outlet_stay_apart():
    first = document(
        "Kherson talks could begin in spring, diplomats said.",
        "TASS",
        "t1",
        title="Talks in spring",
        published="2022-11-07",
    )
    second = document(
        "Kherson talks are unlikely before summer, officials said.",
        "TASS",
        "t2",
        title="Talks not before summer",
        published="2022-11-09",
    )
    answer = ExtractiveAnswerer().answer(
        "Could Kherson talks begin in spring, or are Kherson talks unlikely before summer?",
        [first, second],
    )
    assert "TASS, “Talks in spring” (2022-11-07) reports:" in answer.text
    assert "TASS, “Talks not before summer” (2022-11-09) reports:" in answer.text
    assert len(answer.citations) == 2


def test_a_part_with_nothing_matching_is_said_plainly_and_the_verdict_is_per_part():
    tass = document(
        "Washington confirmed sending anti-drone missiles to Kiev this week.",
        "TASS",
        "t1",
        similarity=0.6,
    )
    fakty = document(
        "Kherson residents queued for water and bread after the retreat.",
        "fakty.com.ua",
        "f1",
        similarity=0.35,
    )
    question = (
        "Does TASS report that Washington is sending missiles to Kiev, while fakty.com.ua "
        "reports weapons deliveries?"
    )
    answer = ExtractiveAnswerer().answer(question, [tass, fakty])
    lead = answer.text.split("\n\n", 1)[0]
    # first what the answer holds, then part by part: the TASS part against its quote, the
    # fakty.com.ua part said plainly
    opening = "Only the TASS part is quoted. "
    assert lead.startswith(
        opening + "TASS (2022-11-08) on “Washington … sending … missiles … Kiev”: [1]"
    )
    assert "Nothing from fakty.com.ua matches “weapons … deliveries”." in lead
    assert [c.outlet for c in answer.citations] == ["TASS"]  # no padding from fakty.com.ua
    assert not re.match(r"(yes|no)\b", lead, re.I)  # never a guessed verdict
    both = ExtractiveAnswerer().answer(
        "Does TASS report that Washington is sending missiles to Kiev, while fakty.com.ua "
        "reports Kherson residents queued for water?",
        [tass, fakty],
    )
    lead = both.text.split("\n\n", 1)[0]
    assert "TASS (2022-11-08) on" in lead and "fakty.com.ua (2022-11-08) on" in lead
    assert "Nothing from" not in lead and "but not" not in lead  # both parts matched in full
    assert lead.startswith(
        "Both parts are quoted below; whether they bear out what the question says"
    )
    consistent = ExtractiveAnswerer().answer(
        "Is the report by TASS that Washington is sending missiles to Kiev consistent with "
        "fakty.com.ua's report that Kherson residents queued for water?",
        [tass, fakty],
    )
    assert consistent.text.startswith(
        "Both reports are quoted below; whether they agree is left to the reader."
    )


def test_the_newspaper_lead_cites_each_outlet_that_names_it(seed_assistant):
    # fakty.com.ua names it only in "The Italian edition of "La Repubblica" reports:".
    answer = seed_assistant.answer("Which newspaper do both reports cite?")
    lead = answer.text.split("\n\n", 1)[0]
    cited = {answer.citation(int(n)).outlet for n in re.findall(r"\[(\d+)\]", lead)}
    assert cited == {"TASS", "fakty.com.ua"}


def test_no_sentence_is_quoted_twice(seed_assistant):
    for question in (
        "What would a complete defeat of Putin lead to?",
        "Which newspaper do both reports cite?",
    ):
        spans = [(c.article_id, c.start, c.end) for c in seed_assistant.answer(question).citations]
        for i, (article, start, end) in enumerate(spans):
            for other, s2, e2 in spans[i + 1 :]:
                assert not (article == other and start < e2 and s2 < end), question


def test_an_outlet_the_question_asks_about_but_no_article_comes_from_is_said_so(seed_assistant):
    answer = seed_assistant.answer("What does a Bloomberg report say about Kherson talks?")
    assert answer.refused and answer.citations == []
    assert "nothing from Bloomberg" in answer.text


def test_source_claims_are_outlets_not_months():
    from assistant.question_parts import source_claims

    question = (
        "Considering a Forbes article on Beats and a Wall Street Journal report, and the "
        "article from December 3, what did an article by The Verge say?"
    )
    assert source_claims(question) == ["Forbes", "Wall Street Journal", "Verge"]


def test_a_yes_no_lead_names_the_outlets_that_report_it(seed_assistant):
    answer = seed_assistant.answer(
        "Do both outlets say negotiations are possible after Kherson is retaken?"
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert not re.match(r"(yes|no)\b", lead, re.I)  # what support was found, not a guess
    opening = "Both outlets are quoted below; whether they bear out what the question says"
    assert lead.startswith(opening) and "reader. TASS (2022-11-07) on “negotiations" in lead
    assert "fakty.com.ua (2022-11-08) on" in lead
    assert "comes before" not in lead  # "after Kherson is retaken" orders no reports
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", lead)]
    assert numbers == sorted(numbers)
    assert {answer.citation(n).outlet for n in numbers} == {"TASS", "fakty.com.ua"}


def test_captions_and_headings_are_not_quoted():
    from assistant.debris import is_debris

    assert is_debris("Tremblant is Quebec’s premier resort (Getty Images)")
    assert is_debris("How Mikaela Shiffrin’s parents fell in love through skiing")
    assert not is_debris("Tremblant is Quebec’s premier resort, the tourism board said.")
    assert not is_debris('The Italian edition of "La Repubblica" reports:')


def test_an_outlet_in_the_index_but_not_retrieved_is_not_said_to_be_missing_from_it():
    doc = document("Kherson talks could begin once the city is retaken, diplomats said.", "TASS")
    indexed = ExtractiveAnswerer(outlets=lambda: ["TASS", "Cnbc | World Business News Leader"])
    answer = indexed.answer("What did a CNBC report say about Kherson talks?", [doc])
    assert "CNBC: no quoted passage comes from it." in answer.text
    assert "include nothing from" not in answer.text
    # an outlet the index holds nothing from: the question is about an article it lacks
    lacking = indexed.answer("What did a CNBC report and a Bloomberg article say about it?", [doc])
    assert lacking.refused and "include nothing from Bloomberg" in lacking.text
    assert lacking.citations == []


def test_a_name_found_by_its_distinctive_word_is_not_said_to_be_missing():
    doc = document("The Ravens defense needs to pick up the pieces before the Bengals game.")
    answer = ExtractiveAnswerer().answer(
        "Does the article say the Baltimore Ravens defense must improve before the Bengals game?",
        [doc],
    )
    assert "do not mention" not in answer.text and "no passage mentions" not in answer.text


def test_author_and_date_of_the_seed_articles_come_from_their_metadata(seed_assistant):
    author = seed_assistant.answer("Who wrote the fakty.com.ua article?")
    assert "written by Oleg Kotov" in author.text.splitlines()[0], author.text
    assert {c.outlet for c in author.citations} == {"fakty.com.ua"}
    date = seed_assistant.answer("When was the TASS article published?")
    assert "published on 2022-11-07" in date.text.splitlines()[0], date.text
    assert {c.outlet for c in date.citations} == {"TASS"}
    # the citation points at the article's opening sentence, not at one about something else
    [cited] = date.citations
    assert cited.quote.startswith("The US and NATO think that launching peace talks"), cited


def test_the_seed_dateline_is_never_quoted(seed_assistant):
    for question in (
        "What does TASS say about Kherson?",
        "What did La Repubblica write on Monday?",
    ):
        answer = seed_assistant.answer(question)
        assert answer.citations, question
        for citation in answer.citations:
            assert "/TASS/" not in citation.quote and not citation.quote.startswith("ROME")


def test_a_question_about_one_outlet_with_nothing_on_the_topic_says_so_of_that_outlet(
    seed_assistant,
):
    answer = seed_assistant.answer("What does fakty.com.ua say about weapons deliveries?")
    assert answer.refused and not answer.citations
    assert answer.text == "fakty.com.ua: no passage found on weapons deliveries."


def test_on_the_seeds_a_part_without_evidence_is_said_so_part_by_part(seed_assistant):
    answer = seed_assistant.answer(
        "Does TASS report that the US and NATO believe talks with Russia are possible after "
        "Kherson is retaken, while fakty.com.ua reports deliveries of tanks to Kiev?"
    )
    lead = answer.text.split("\n\n", 1)[0]
    assert not re.match(r"(yes|no)\b", lead, re.I)  # the support found, never a guessed verdict
    tass = re.search(r"TASS \(2022-11-07\) on “[^”]+”: \[(\d+)\] mentions", lead)
    assert tass and answer.citation(int(tass.group(1))).outlet == "TASS"
    assert "Nothing from fakty.com.ua matches “" in lead and "tanks" in lead
    assert {c.outlet for c in answer.citations} == {"TASS"}  # no padding for the unmatched part
    assert_verbatim(seed_assistant, answer)


def test_a_named_answer_gets_no_note_on_the_words_its_quotes_lack(seed_reader):
    answer = seed_reader.answer("Which newspaper do both reports cite?")
    assert answer.text.startswith("The answer: La Repubblica.")
    assert "matches" not in answer.text  # no "No quoted sentence matches “cite”" under it


def test_a_part_the_retrieved_chunks_miss_is_read_from_the_rest_of_their_article():
    first = document(
        "The Warsaw Wire says the trade talks resumed on Monday after a long pause in Geneva."
    )
    later = "Farmers in the north protested the grain import quotas outside parliament, it adds."
    rest = document(later, chunk_id="a1:1", start=400)
    question = (
        "Does the Warsaw Wire report that the trade talks resumed, and that farmers protested "
        "the grain import quotas?"
    )
    without = ExtractiveAnswerer().answer(question, [first])
    assert "grain import quotas outside parliament" not in without.text
    asked = []

    def chunks_of(article_ids):
        asked.append(set(article_ids))
        return [first, rest]

    answer = ExtractiveAnswerer(article_chunks=chunks_of).answer(question, [first])
    assert asked == [{"a1"}]
    assert "grain import quotas outside parliament" in answer.text, answer.text
    cited = next(c for c in answer.citations if "grain" in c.quote)
    assert (cited.start, cited.end) == (400, 400 + len(later)) and cited.quote == later


def test_the_rest_of_the_articles_is_not_read_when_the_retrieved_chunks_answer():
    def chunks_of(article_ids):
        raise AssertionError("read although every part matched")

    doc = document("The Warsaw Wire says the trade talks resumed on Monday in Geneva.")
    answer = ExtractiveAnswerer(article_chunks=chunks_of).answer(
        "Did the trade talks resume in Geneva?", [doc]
    )
    assert answer.citations


def test_an_outlet_called_the_word_is_not_named_by_the_word_in_lower_case():
    from assistant.outlets import outlets_named_in

    known = ["The Age", "TechCrunch"]
    question = "Who, reported by TechCrunch as the richest in that age group, faces trial?"
    assert outlets_named_in(question, known) == ["TechCrunch"]
    assert outlets_named_in("What does the age say about rates?", known) == ["The Age"]


def test_page_widget_words_and_time_phrases_are_not_fragments_or_quotes():
    from assistant.debris import dateline_length, is_fragment, is_quoted_statement

    sentence = "Loading Wall Street has dealt with such shutdowns in the past."
    assert sentence[dateline_length(sentence) :].startswith("Wall Street")
    assert not is_fragment("This month, Wired posted an opinion article by a lawyer.")
    assert is_fragment("This is what the lawyer alleged in the article.")
    assert is_quoted_statement("No one actually knows what will happen,” he said.")
    assert not is_quoted_statement("He said “yes” to the offer on Monday.")


def test_on_the_seeds_what_an_outlet_says_about_a_topic_quotes_its_few_best_points(seed_assistant):
    answer = seed_assistant.answer("What does TASS say about Kherson?")
    assert not answer.refused
    assert {c.outlet for c in answer.citations} == {"TASS"}
    quotes = re.findall(r"“(.+?)” \[\d+\]", answer.text)
    assert 2 <= len(quotes) <= 3  # more than one point of view, still no page of quotes
    assert all("Kherson" in quote for quote in quotes)

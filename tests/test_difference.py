"""Difference questions answered from the comparison (issue 12 item 4): detection units, and
the real model and Chroma on the seed index through the API, streaming and the CLI."""

from __future__ import annotations

import re

import pytest

from assistant.answer_models import Citation
from assistant.cli import main
from assistant.compare import Claim, Comparison, Phrasing, SharedClaim, WordingDifference
from assistant.difference import (
    DIFFER,
    LEAVES_OUT,
    answer_from_comparison,
    parse_difference,
    topic_without,
)

from .test_index import make_article

OUTLETS = ["TASS", "fakty.com.ua", "The Verge"]
MARKER = re.compile(r"\[(\d+)\]")
WORDING = "How do TASS and fakty.com.ua describe the Ukrainian government differently?"
LEFT_OUT = "What does TASS report that fakty.com.ua leaves out?"


# ----- detection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind", "outlets", "topic"),
    [
        (WORDING, DIFFER, ["TASS", "fakty.com.ua"], "Ukrainian government"),
        (LEFT_OUT, LEAVES_OUT, ["TASS", "fakty.com.ua"], ""),
        (
            "What does Fakty report that TASS doesn't mention about Kherson?",
            LEAVES_OUT,
            ["fakty.com.ua", "TASS"],
            "Kherson",
        ),
        (
            "How do TASS and Fakty differ on the Kherson negotiations?",
            DIFFER,
            ["TASS", "fakty.com.ua"],
            "Kherson negotiations",
        ),
        (
            "What is the difference between TASS's and The Verge's coverage of the summit?",
            DIFFER,
            ["TASS", "The Verge"],
            "summit",
        ),
        ("Which claims about Kherson does fakty omit that TASS makes?", LEAVES_OUT, None, None),
        (
            "Compare how TASS and Fakty report the nuclear threat",
            DIFFER,
            ["TASS", "fakty.com.ua"],
            "nuclear threat",
        ),
    ],
)
def test_difference_questions_are_detected(question, kind, outlets, topic):
    parsed = parse_difference(question, OUTLETS)
    assert parsed is not None and parsed.kind == kind
    if outlets is not None:
        assert parsed.outlets == outlets
    if topic is not None:
        assert parsed.topic == topic


@pytest.mark.parametrize(
    "question",
    [
        "What does TASS say about Kherson?",  # one outlet, no difference asked
        "How does TASS describe the Ukrainian government differently?",  # one outlet
        "Did TASS and fakty.com.ua both report the nuclear threat?",  # a yes/no question
        "Which newspaper do TASS and fakty.com.ua cite?",
        # MultiHop-RAG's yes/no comparisons and entity questions (none of its 1,026 dev
        # questions is taken for a difference question)
        "Does the TASS article suggest that talks are near, in contrast to the fakty.com.ua"
        " article's claim that they are not?",
        "Does the TASS article suggest a different approach compared to The Verge?",
        "Which company, recently compared by TASS with a rival, is also named by The Verge?",
    ],
)
def test_other_questions_are_not_difference_questions(question):
    assert parse_difference(question, OUTLETS) is None


def test_describing_questions_ask_about_wording():
    assert parse_difference(WORDING, OUTLETS).about_wording
    assert not parse_difference(
        "How do TASS and Fakty differ on the Kherson negotiations?", OUTLETS
    ).about_wording


def test_topic_drops_outlet_names_possessives_and_question_words():
    assert topic_without(
        "How do TASS's and Fakty's reports of the strike differ?", OUTLETS[:2]
    ) == ("strike")


# ----- the answer, from a comparison built by hand -------------------------------------------


def _citation(number: int, outlet: str, quote: str) -> Citation:
    return Citation(
        number=number,
        outlet=outlet,
        title=f"{outlet} title",
        article_id=outlet,
        chunk_id=f"{outlet}:0",
        quote=quote,
        start=0,
        end=len(quote),
    )


def _comparison() -> Comparison:
    quotes = {
        1: ("Alpha", "Both say the talks may start once the city is retaken."),
        2: ("Beta", "Talks can begin when the city is returned, it says."),
        3: ("Alpha", "Only A reports the missiles sent to the capital regime."),
        4: ("Alpha", "Only A reports the elections in the autumn."),
        5: ("Alpha", "Only A reports the contacts with the other capital."),
        6: ("Alpha", "Only A reports a fourth thing about the war."),
        7: ("Beta", "Only B reports the trenches dug by the local authorities."),
    }
    claims = {
        n: Claim(outlet=o, quote=q, citation=n, centrality=1 - n / 10)
        for n, (o, q) in quotes.items()
    }
    return Comparison(
        topic="the city",
        text="",
        outlets=["Alpha", "Beta"],
        per_outlet={"Alpha": [claims[n] for n in (1, 3, 4, 5, 6)], "Beta": [claims[2], claims[7]]},
        shared=[SharedClaim(claims=[claims[1], claims[2]], similarity=0.9)],
        unique={"Alpha": [claims[n] for n in (6, 5, 4, 3)], "Beta": [claims[7]]},
        wording_differences=[
            WordingDifference(
                phrasings=[
                    Phrasing(outlet="Alpha", text="the capital regime", citations=[3]),
                    Phrasing(outlet="Beta", text="the local authorities", citations=[7]),
                ],
                similarity=0.6,
            )
        ],
        citations=[_citation(n, o, q) for n, (o, q) in quotes.items()],
    )


def _check_markers(answer):
    numbers = {int(n) for n in MARKER.findall(answer.text)}
    assert numbers == {c.number for c in answer.citations}
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_leaves_out_lists_the_reporters_own_claims_most_central_first():
    parsed = parse_difference("What does Alpha report that Beta leaves out?", ["Alpha", "Beta"])
    answer = answer_from_comparison("q", parsed, _comparison())
    _check_markers(answer)
    lines = answer.text.splitlines()
    assert lines[0] == "Alpha reports 4 claims that Beta does not, the most central first:"
    assert lines[1].startswith("- “Only A reports the missiles")
    assert {c.outlet for c in answer.citations} == {"Alpha"}
    assert "Both say" not in answer.text and "Only B" not in answer.text
    assert "and 1 more Alpha-only claim; see `assistant compare`" in answer.text


def test_wording_question_names_both_wordings_first():
    parsed = parse_difference(
        "How do Alpha and Beta describe the authorities differently?", ["Alpha", "Beta"]
    )
    answer = answer_from_comparison("q", parsed, _comparison())
    _check_markers(answer)
    first = answer.text.splitlines()[0]
    assert "“the capital regime”" in first and "“the local authorities”" in first
    # a wording question gets the wording in context, not the whole comparison
    assert "In context:\n- Alpha: “" in answer.text and "\n- Beta: “" in answer.text
    assert "Both report:" not in answer.text and "Only Beta:" not in answer.text
    assert "see `assistant compare`" in answer.text
    assert answer.answerer == "comparison"


# ----- the real model on the seed index ----------------------------------------------------


def _verbatim(assistant, answer):
    texts = assistant.store.article_texts({c.article_id for c in answer.citations})
    for citation in answer.citations:
        assert texts[citation.article_id][citation.start : citation.end] == citation.quote


def test_wording_question_names_both_wordings_on_the_first_line(seed_reader):
    answer = seed_reader.answer(WORDING)
    assert answer.answerer == "comparison" and not answer.refused
    first = answer.text.splitlines()[0]
    assert "the Kiev regime" in first and "the Ukrainian authorities" in first, answer.text
    cited = {int(n): answer.citation(int(n)) for n in MARKER.findall(first)}
    assert {c.outlet for c in cited.values()} == {"TASS", "fakty.com.ua"}
    assert any("Kiev regime" in c.quote for c in cited.values())
    assert any("Ukrainian authorities" in c.quote for c in cited.values())
    _check_markers(answer)
    _verbatim(seed_reader, answer)


def test_leaves_out_question_lists_only_tass_only_claims(seed_reader):
    answer = seed_reader.answer(LEFT_OUT)
    assert answer.answerer == "comparison"
    comparison = seed_reader.compare(
        "US, NATO believe talks on Ukraine possible if Kiev takes Kherson"
    )
    tass_only = {c.quote for c in comparison.unique["TASS"]}
    shared = {c.quote for row in comparison.shared for c in row.claims}
    first, claims = answer.text.split("\n", 1)
    opening = r"TASS reports \d+ claims that fakty\.com\.ua does not, the most central first:"
    assert re.fullmatch(opening, first)
    assert claims.startswith("- “")
    assert answer.citations and all(c.outlet == "TASS" for c in answer.citations)
    assert all(c.quote in tass_only and c.quote not in shared for c in answer.citations)
    assert "see `assistant compare`" in answer.text  # the rest is counted, not listed
    assert len(answer.citations) <= 3
    _verbatim(seed_reader, answer)


def test_kherson_talks_are_shared_and_lead_the_shared_claims(seed_reader):
    answer = seed_reader.answer("How do TASS and Fakty differ on the Kherson negotiations?")
    both = answer.text.split("Both report:\n", 1)[1].splitlines()[0]
    assert "launching peace talks" in both and "if and when Kherson is returned" in both


def test_stream_gives_the_same_difference_answer_first_line_first(seed_reader):
    pieces = list(seed_reader.stream(WORDING))
    final = pieces[-1]
    assert final.answerer == "comparison"
    assert pieces[0].strip() == final.text.split("\n\n")[0]
    assert final.text == seed_reader.answer(WORDING).text


def test_cli_ask_answers_a_difference_question_from_the_comparison(seed_copy, capsys):
    assert main(["--index-dir", str(seed_copy), "ask", WORDING]) == 0
    out = capsys.readouterr().out
    assert "the Kiev regime" in out and "the Ukrainian authorities" in out
    assert "In context:" in out and "The story's central claim, in both:" in out


def test_an_outlet_without_passages_falls_back_to_the_normal_answer(seed_assistant, tmp_path):
    folder = tmp_path / "pasted"
    folder.mkdir()
    make_article(
        folder,
        "garden.md",
        "Mallory Times",
        "Tomatoes in November",
        "Gardeners in the valley picked the last tomatoes of the year on Sunday. "
        "The autumn was warm enough for a second crop of beans, growers said.",
    )
    seed_assistant.add_sources([folder])
    question = "How do TASS and Mallory Times describe the Kherson negotiations differently?"
    assert parse_difference(question, seed_assistant.retriever.known_outlets()) is not None
    answer = seed_assistant.answer(question)
    assert answer.answerer == "extractive"
    assert "Mallory Times" not in {c.outlet for c in answer.citations}
    streamed = list(seed_assistant.stream(question))[-1]
    assert streamed.answerer == "extractive" and streamed.text == answer.text


def test_compare_view_shows_the_most_central_own_claims_and_the_rest_behind_show_all():
    from ui import render  # noqa: F401 - ui.render first (it imports ui.render_compare)
    from ui.render_compare import SHOWN_OWN_CLAIMS, comparison_html

    comparison = _comparison()
    many = [
        Claim(outlet="Alpha", quote=f"Alpha claim number {n} is here.", citation=3, centrality=n)
        for n in range(SHOWN_OWN_CLAIMS + 2)
    ]
    comparison.unique["Alpha"] = many
    html = comparison_html(comparison)
    shown, hidden = html.split('<details class="cmp-more">', 1)
    assert "Show all (2 more)" in hidden
    assert f"Alpha claim number {SHOWN_OWN_CLAIMS + 1} is here." in shown  # most central first
    assert "Alpha claim number 0 is here." in hidden.split("</details>")[0]


def test_chat_answers_a_difference_question_from_the_comparison(seed_assistant, tmp_path):
    """Through the real Gradio app's /ask endpoint, as the chat asks."""
    from gradio_client import Client

    from ui.app import build_demo

    from .support import free_port

    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads")
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        client = Client(demo.local_url, verbose=False)
        _, chat, _, sources, answer = client.predict(WORDING, [], [], "", "", api_name="/ask")
    finally:
        demo.close()
    assert answer["answerer"] == "comparison"
    message = chat[-1]["content"][0]["text"]
    assert "the Kiev regime" in message and "the Ukrainian authorities" in message
    assert {c["outlet"] for c in answer["citations"]} == {"TASS", "fakty.com.ua"}
    for citation in answer["citations"]:
        assert f'href="#src-0-{citation["number"]}"' in message


def test_importing_compare_loads_nothing_of_core():
    import subprocess
    import sys

    code = "import sys, assistant.compare; print('assistant.core' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

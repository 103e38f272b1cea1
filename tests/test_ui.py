"""The Gradio app, launched for real over the seed index and driven through gradio_client."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant.answer_models import Answer, AnswerSentence, Citation
from assistant.cli import main as cli_main
from assistant.compare import Claim, Comparison, Phrasing, SharedClaim, WordingDifference
from assistant.errors import ConfigError
from ui import render
from ui.app import build_demo, check_bind, conversation, safe_stem

from .support import free_port

BOTH_OUTLETS = "What would a complete defeat of Putin lead to?"
NEW_ARTICLE = """---
outlet: Danube Ledger
title: Izmail opens a grain terminal on the Danube
published: 2024-03-01
---

The port of Izmail opened a new grain terminal on the Danube on Friday. The harbour master said
the terminal can load four million tonnes of grain a year onto river barges. The first barges
are expected to leave for Constanta in April, the port authority said.
"""
NEW_QUESTION = "How much grain can the new Izmail terminal on the Danube load?"


@pytest.fixture
def app(seed_assistant, tmp_path):
    """The app over a private copy of the seed index, served on a free port."""
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads")
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        yield demo
    finally:
        demo.close()


@pytest.fixture
def client(app):
    return Client(app.local_url, verbose=False)


def ask(client: Client, question: str, history=None, outlets=None, since="", until=""):
    """Ask through the app's /ask endpoint; returns (chat, coverage, sources, answer json)."""
    _, chat, coverage, sources, answer = client.predict(
        question, history or [], outlets or [], since, until, api_name="/ask"
    )
    return chat, coverage, sources, answer


def cited_outlets(answer: dict) -> set[str]:
    return {citation["outlet"] for citation in answer["citations"]}


# ----- through the running app ------------------------------------------------------------------


def test_seed_question_cites_both_outlets_with_linked_sources(client):
    chat, coverage, sources, answer = ask(client, BOTH_OUTLETS)
    assert cited_outlets(answer) == {"TASS", "fakty.com.ua"}
    message = chat[-1]["content"][0]["text"]
    for citation in answer["citations"]:
        anchor = f'id="src-0-{citation["number"]}"'
        assert f'href="#src-0-{citation["number"]}"' in message
        assert anchor in sources
        assert render.escape_text(citation["quote"]) in sources
    assert sources.count("<mark>") == len(answer["citations"])
    assert "TASS" in coverage and "fakty.com.ua" in coverage and "passage" in coverage


def test_follow_up_question_uses_the_chat_history(client):
    chat, _, _, first = ask(client, BOTH_OUTLETS)
    _, _, _, follow_up = ask(client, "and what does TASS say about it?", history=chat)
    assert not follow_up["refused"]
    assert cited_outlets(follow_up) == {"TASS"}
    assert "Putin" in follow_up["text"]


def test_outlet_filter_restricts_cited_outlets(client):
    for outlet in ("TASS", "fakty.com.ua"):
        _, _, sources, answer = ask(client, BOTH_OUTLETS, outlets=[outlet])
        assert answer["citations"]
        assert cited_outlets(answer) == {outlet}
        other = ({"TASS", "fakty.com.ua"} - {outlet}).pop()
        assert other not in sources


def test_date_range_filters_and_bad_dates_are_chat_messages(client):
    _, _, _, before = ask(client, BOTH_OUTLETS, until="2022-11-07")
    assert cited_outlets(before) == {"TASS"}
    chat, _, sources, error = ask(client, BOTH_OUTLETS, since="next tuesday")
    assert error["error"] and "date" in error["error"]
    assert "msg-error" in chat[-1]["content"][0]["text"]
    assert "Traceback" not in chat[-1]["content"][0]["text"]


def test_empty_question_is_an_error(client):
    with pytest.raises(AppError, match="Type a question"):
        ask(client, "   ")


def test_uploaded_article_becomes_answerable(client, seed_assistant, tmp_path):
    _, _, _, before = ask(client, NEW_QUESTION)
    assert "Danube Ledger" not in cited_outlets(before)
    article = tmp_path / "izmail.md"
    article.write_text(NEW_ARTICLE, encoding="utf-8")
    report, outlets, library, _, _, _, status = client.predict(
        [handle_file(str(article))], api_name="/add_files"
    )
    assert "added 1" in report
    assert "Danube Ledger" in library and "3 articles" in status
    assert "Danube Ledger" in seed_assistant.outlets()
    _, _, sources, after = ask(client, NEW_QUESTION)
    assert "Danube Ledger" in cited_outlets(after)
    assert "four million tonnes" in sources
    uploads = list((tmp_path / "uploads").iterdir())
    assert [path.suffix for path in uploads] == [".md"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty"),
        ("blob.txt", bytes(range(256)) * 8, "binary"),
        ("notes.pdf", b"%PDF-1.4 not an article", "(?i)file type"),
    ],
)
def test_bad_upload_is_refused_and_leaves_the_index_unchanged(
    client, seed_assistant, tmp_path, name, content, reason
):
    before = seed_assistant.sources()
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(AppError, match=reason):
        client.predict([handle_file(str(bad))], api_name="/add_files")
    assert seed_assistant.sources() == before
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_pasted_article_is_added_then_removed(client, seed_assistant):
    body = NEW_ARTICLE.split("---", 2)[2]
    report, _, library, *_ = client.predict(
        "Danube Ledger", "Izmail terminal", "2024-03-01", body, api_name="/add_text"
    )
    assert "added 1" in report and "Izmail terminal" in library
    _, _, _, answer = ask(client, NEW_QUESTION)
    assert "Danube Ledger" in cited_outlets(answer)
    article_id = seed_assistant.sources()["Danube Ledger"][0]["article_id"]
    report, *_ = client.predict([article_id], api_name="/remove_articles")
    assert "Removed" in report
    assert "Danube Ledger" not in seed_assistant.outlets()
    _, _, _, answer = ask(client, NEW_QUESTION)
    assert "Danube Ledger" not in cited_outlets(answer)


def test_pasted_article_needs_outlet_and_a_real_date(client, seed_assistant):
    before = seed_assistant.sources()
    with pytest.raises(AppError, match="outlet"):
        client.predict("", "t", "", "Some text.", api_name="/add_text")
    with pytest.raises(AppError, match="not a date"):
        client.predict("Outlet", "t", "yesterday", "Some text.", api_name="/add_text")
    assert seed_assistant.sources() == before


def test_too_many_files_are_refused(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", max_files=2)
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        files = []
        for number in range(3):
            path = tmp_path / f"a{number}.md"
            path.write_text(NEW_ARTICLE, encoding="utf-8")
            files.append(handle_file(str(path)))
        with pytest.raises(AppError, match="at most 2"):
            Client(demo.local_url, verbose=False).predict(files, api_name="/add_files")
    finally:
        demo.close()


def test_credentials_are_enforced(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads")
    demo.launch(prevent_thread_lock=True, server_port=free_port(), auth=("reader", "s3cret"))
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises assorted types
            Client(demo.local_url, verbose=False).predict(api_name="/refresh")
        signed_in = Client(demo.local_url, auth=("reader", "s3cret"), verbose=False)
        *_, status = signed_in.predict(api_name="/refresh")
        assert "2 articles" in status
    finally:
        demo.close()


def compare(client: Client, topic: str, outlets=None, since="", until=""):
    """Compare through the app's /compare endpoint; returns (columns, sources, comparison)."""
    return client.predict(topic, outlets or [], since, until, api_name="/compare")


def test_compare_shows_outlet_columns_with_the_shared_claim_side_by_side(client):
    table, sources, comparison = compare(client, "Kherson negotiations")
    assert set(comparison["outlets"]) == {"TASS", "fakty.com.ua"}
    heads = table.split('class="cmp-grid cmp-head"')[1].split("</div></div>")[0]
    assert "TASS" in heads and "fakty.com.ua" in heads
    rows = table.split('<div class="cmp-row cmp-shared">')[1:]
    defeat = [row for row in rows if row.count("complete defeat") == 2]
    assert len(defeat) == 1, "both outlets' “complete defeat” quotes share one row"
    assert "TASS reports:" in defeat[0] and "fakty.com.ua reports:" in defeat[0]
    for claim in comparison["per_outlet"]["TASS"] + comparison["per_outlet"]["fakty.com.ua"]:
        assert f'href="#src-cmp-{claim["citation"]}"' in table
        assert f'id="src-cmp-{claim["citation"]}"' in sources
    assert "Reported by one outlet only" in table and "Differences in wording" in table
    badges = sources.count('<div class="outlet-group-head">')
    assert badges == 2 and sources.count("<mark>") == len(comparison["citations"])


def test_compare_errors_are_messages(client):
    with pytest.raises(AppError, match="Type a topic"):
        compare(client, "  ")
    with pytest.raises(AppError, match="date"):
        compare(client, "Kherson negotiations", since="next tuesday")


# ----- serving rules ----------------------------------------------------------------------------


def test_public_host_requires_credentials():
    with pytest.raises(ConfigError, match="without credentials"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ConfigError, match="user:password"):
        check_bind("0.0.0.0", "just-a-user")
    assert check_bind("0.0.0.0", "reader:s3cret") == ("reader", "s3cret")
    assert check_bind("127.0.0.1", None) is None
    assert check_bind("::1", None) is None


def test_serve_command_refuses_public_host_without_auth(tmp_path, capsys):
    code = cli_main(["--index-dir", str(tmp_path / "index"), "serve", "--host", "0.0.0.0"])
    err = capsys.readouterr().err
    assert code == 2
    assert "without credentials" in err and "--auth" in err
    assert "Traceback" not in err


# ----- rendering (our own logic, no server) -----------------------------------------------------


def hostile_answer() -> Answer:
    passage = (
        "Before. <script>window.__pwned=1</script> quoted <img src=x onerror=alert(1)> part. After."
    )
    quote = "<script>window.__pwned=1</script> quoted <img src=x onerror=alert(1)> part."
    start = passage.index(quote)
    citation = Citation(
        number=1,
        outlet="<b>Evil</b> Times",
        title="<i>t</i> ${7*7}",
        article_id="a",
        chunk_id="a-0",
        quote=quote,
        start=100 + start,
        end=100 + start + len(quote),
        passage=passage,
        passage_start=100,
        url="javascript:alert(1)",
    )
    text = f"Evil says: “{quote}” [1] And *this* is [made up](javascript:alert(1))."
    return Answer(
        question="q",
        text=text,
        citations=[citation],
        outlets=[citation.outlet],
        sentences=[
            AnswerSentence(text=f"Evil says: “{quote}” [1]", citations=[1]),
            AnswerSentence(text="And *this* is [made up](javascript:alert(1)).", supported=False),
        ],
    )


def test_rendered_html_never_contains_article_markup():
    answer = hostile_answer()
    for html in (
        render.answer_message(answer, 0),
        render.sources_html(answer, 0),
        render.coverage_html(answer),
        render.library_html(
            {
                "<b>Evil</b>": [
                    {
                        "article_id": "x",
                        "title": "<script>",
                        "url": "javascript:alert(1)",
                        "published": None,
                        "chunks": 1,
                    }
                ]
            }
        ),
    ):
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert 'href="javascript' not in html and "${" not in html
    assert "](" not in render.answer_message(answer, 0)  # no Markdown link survives


def test_comparison_html_never_contains_article_markup():
    answer = hostile_answer()
    citation = answer.citations[0]
    other = citation.model_copy(update={"number": 2, "outlet": "Plain News"})
    evil = Claim(outlet=citation.outlet, quote=citation.quote, citation=1)
    plain = Claim(outlet="Plain News", quote="${7*7} <b>bold</b> {{x}}", citation=2)
    comparison = Comparison(
        topic="<script>t</script>",
        text="",
        outlets=[citation.outlet, "Plain News"],
        per_outlet={citation.outlet: [evil], "Plain News": [plain]},
        shared=[SharedClaim(claims=[evil, plain], similarity=0.9)],
        unique={citation.outlet: [evil]},
        wording_differences=[
            WordingDifference(
                phrasings=[
                    Phrasing(outlet=citation.outlet, text="<i>x</i>", variants=["<u>"]),
                    Phrasing(outlet="Plain News", text="$" + "{y}", citations=[2]),
                ],
                similarity=0.7,
            )
        ],
        citations=[citation, other],
        not_covering=["<b>Gone</b>"],
    )
    for html in (render.comparison_html(comparison), render.comparison_sources_html(comparison)):
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert "<i>" not in html and "<u>" not in html
        assert 'href="javascript' not in html and "${" not in html and "{{" not in html
    table = render.comparison_html(comparison)
    assert "&lt;b&gt;Evil&lt;/b&gt; Times reports:" in table


def test_quote_is_highlighted_at_its_offset_within_the_passage():
    sources = render.sources_html(hostile_answer(), 3)
    assert 'id="src-3-1"' in sources
    marked = sources.split("<mark>")[1].split("</mark>")[0]
    assert marked.startswith("&lt;script&gt;window.__pwned=1")
    assert sources.split("<mark>")[0].endswith("Before. ")


def test_unsupported_sentences_are_marked_in_chat_and_panel():
    answer = hostile_answer()
    message = render.answer_message(answer, 0)
    assert message.count('class="unsupported"') == 1
    assert "not supported" in message
    assert "Not supported by the cited passages" in render.sources_html(answer, 0)


def test_history_for_the_assistant_is_the_plain_text_shown():
    answer = hostile_answer()
    history = [
        {"role": "user", "content": [{"type": "text", "text": render.user_message("a *b* <c>")}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": render.answer_message(answer, 0)}],
        },
    ]
    user, bot = conversation(history)
    assert user == {"role": "user", "content": "a *b* <c>"}
    assert bot["content"] == answer.text


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win"),
        ("...", "upload"),
        ("Überblick – März.md", "Uberblick-Marz"),
        ("/abs/path/x.md", "x"),
        ("a b/../c.txt", "c"),
    ],
)
def test_upload_names_never_leave_the_upload_folder(name, stem):
    assert safe_stem(name) == stem
    assert "/" not in safe_stem(name) and ".." not in safe_stem(name)


def test_staged_upload_lands_inside_the_upload_folder(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads")
    source = tmp_path / "x.md"
    source.write_text(NEW_ARTICLE, encoding="utf-8")
    staged = demo.handlers.index.uploads.stage(source, "../../../outside.md")
    assert staged.parent == (tmp_path / "uploads").resolve()
    assert staged.name.startswith("outside-") and staged.suffix == ".md"
    assert not (tmp_path.parent / "outside.md").exists()
    assert isinstance(staged, Path)


# ----- limits and failures through the running app -----------------------------------------------


def test_requests_over_the_rate_limit_get_a_message_and_the_index_is_untouched(
    seed_assistant, tmp_path
):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=2)
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        client = Client(demo.local_url, verbose=False)
        for _ in range(2):
            _, _, _, answer = ask(client, BOTH_OUTLETS)
            assert answer["citations"]
        chat, _, sources, refused = ask(client, BOTH_OUTLETS)
        assert refused["error"].startswith("Too many requests: the limit is 2 a minute.")
        assert "Try again in" in refused["error"]
        assert "msg-error" in chat[-1]["content"][0]["text"]
        assert "Traceback" not in chat[-1]["content"][0]["text"]
        before = seed_assistant.sources()
        article = tmp_path / "izmail.md"
        article.write_text(NEW_ARTICLE, encoding="utf-8")
        with pytest.raises(AppError, match="Too many requests"):
            client.predict([handle_file(str(article))], api_name="/add_files")
        assert seed_assistant.sources() == before
    finally:
        demo.close()


def test_an_oversized_upload_is_refused_with_its_limit(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", max_file_bytes=2_000)
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        big = tmp_path / "big.md"
        big.write_text(NEW_ARTICLE + "The harbour master spoke again. " * 200, encoding="utf-8")
        before = seed_assistant.sources()
        with pytest.raises(Exception, match=r"(?i)too large|limit|exceeds|2[.,]?0* ?(kb|bytes)"):
            Client(demo.local_url, verbose=False).predict(
                [handle_file(str(big))], api_name="/add_files"
            )
        assert seed_assistant.sources() == before
        assert not list((tmp_path / "uploads").glob("**/big*"))
    finally:
        demo.close()


def test_a_dead_llm_server_is_reported_in_the_chat_and_the_extractive_answerer_answers(
    seed_assistant, tmp_path
):
    from assistant.core import Assistant

    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = seed_assistant.settings.model_copy(
        update={"llm": "openai:smollm2", "llm_base_url": url, "llm_timeout_s": 5.0}
    )
    assistant = Assistant(settings, embeddings=seed_assistant.embeddings)
    demo = build_demo(assistant, upload_dir=tmp_path / "uploads")
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        chat, _, _, answer = ask(Client(demo.local_url, verbose=False), BOTH_OUTLETS)
        message = chat[-1]["content"][0]["text"]
        assert "msg-notice" in message and f"The LLM at {url} failed" in message
        assert answer["answerer"] == "extractive"
        assert cited_outlets(answer) == {"TASS", "fakty.com.ua"}
        assert "Traceback" not in message
    finally:
        demo.close()


@pytest.mark.slow  # the real CLI builds an index with the real model, then serves
def test_serve_on_a_fresh_install_builds_the_seed_index_then_answers(tmp_path):
    """The quickstart's path: ``assistant serve`` with no index builds one from seeds/ (with
    a progress bar), then serves; a seed question through the running app cites both."""
    import os
    import subprocess
    import sys
    import time

    index_dir = tmp_path / "fresh-index"
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_EMBEDDING_BACKEND": "torch",
    }
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 300
        client = None
        while client is None and time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(1)
        assert client is not None, "the server never started"
        _, _, _, answer = ask(client, BOTH_OUTLETS)
        assert cited_outlets(answer) == {"TASS", "fakty.com.ua"}
        output = (tmp_path / "serve.log").read_text()
        assert "building the index from the seeds" in output, output
        assert "index built: added 2" in output, output
        assert "Traceback" not in output
        assert (index_dir / "ledger.sqlite").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

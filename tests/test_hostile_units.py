"""Hostile users, unit level (issue 16): each attack on our own logic, reproduced and bounded.

The attacks through the running server (real Gradio, real Chromium) are in test_hostile.py
and test_ui_browser.py; these are the pieces they rely on, fast enough for the quick loop.
"""

from __future__ import annotations

import codecs
import json
import time

import pytest

from assistant.answer_models import Answer, AnswerSentence, Citation
from assistant.articles import clean_text
from assistant.loaders import decode_text, load_file
from ui import render
from ui.access import LoginThrottle, forwarded_allow_ips
from ui.chat import bounded_history, conversation
from ui.render_library import library_page
from ui.uploads import identity_notes, relative_text

NOTICE = '<div class="msg-notice">'


def seconds(call, *args) -> float:
    started = time.perf_counter()
    call(*args)
    return time.perf_counter() - started


# ----- 1. the history a client sends ------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [NOTICE * 30_000, "<" * 500_000, (NOTICE + "<") * 20_000, "<div " * 200_000],
    ids=["unclosed-notices", "unclosed-tags", "both", "div-openers"],
)
def test_plain_text_is_linear_in_hostile_markup(content):
    # Before: two backtracking patterns, 76 s for 30,000 unclosed notices (issue 16).
    assert seconds(render.plain_text, content) < 2.0


def test_plain_text_still_strips_what_the_renderers_add():
    message = f'{NOTICE}Fallback</div>\n\nTASS reports: <a href="#x">[1]</a> \\*'
    assert render.plain_text(message) == "TASS reports: [1] *"
    assert render.plain_text("a < b and c > d") == "a  d"  # a tag-looking span goes, as before
    assert render.plain_text("x <unclosed") == "x <unclosed"


def test_history_is_bounded_oldest_first():
    history = [{"role": "user", "content": f"q{n}"} for n in range(100)]
    kept, dropped = bounded_history(history, max_messages=10, max_chars=10_000)
    assert [m["content"] for m in kept] == [f"q{n}" for n in range(90, 100)]
    assert dropped == 90
    big = [{"role": "user", "content": "x" * 600}, {"role": "assistant", "content": "y" * 600}]
    kept, dropped = bounded_history(big, max_messages=10, max_chars=1_000)
    assert [m["role"] for m in kept] == ["assistant"] and dropped == 1


def test_history_bound_ignores_what_is_not_a_message():
    junk = ["text", 7, None, {"role": "system", "content": "x"}, {"content": "no role"}]
    kept, _ = bounded_history([*junk, {"role": "user", "content": "q"}], 10, 100)
    assert kept == [{"role": "user", "content": "q"}]
    assert bounded_history("not a list", 10, 100) == ([], 0)


def test_twenty_thousand_turns_are_cut_before_anything_reads_them():
    history = [{"role": "user", "content": NOTICE * 10}] * 20_000
    started = time.perf_counter()
    kept, dropped = bounded_history(history, 40, 40_000)
    conversation(kept)
    assert time.perf_counter() - started < 1.0
    assert len(kept) == 40 and dropped == 19_960


# ----- 2. markers in quoted article text --------------------------------------------------------


def forged_answer() -> Answer:
    """Warsaw Wire's quote carries "[3]" (TASS's citation): article text, not our marker."""
    quote = "The offensive stalled, as TASS confirmed [3] on Monday."
    text = (
        f"Warsaw Wire reports: “{quote}” [1]\n\nfakty.com.ua writes: “Talks may follow.” [2]"
        "\n\nTASS writes: “Kherson matters.” [3]"
    )

    def cite(number: int, outlet: str, said: str) -> Citation:
        return Citation(
            number=number,
            outlet=outlet,
            article_id=f"a{number}",
            chunk_id=f"a{number}-0000",
            quote=said,
            start=0,
            end=len(said),
            passage=said,
        )

    return Answer(
        question="q",
        text=text,
        citations=[
            cite(1, "Warsaw Wire", quote),
            cite(2, "fakty.com.ua", "Talks may follow."),
            cite(3, "TASS", "Kherson matters."),
        ],
        sentences=[
            AnswerSentence(text=f"Warsaw Wire reports: “{quote}” [1]", citations=[1]),
            AnswerSentence(text="fakty.com.ua writes: “Talks may follow.” [2]", citations=[2]),
            AnswerSentence(text="TASS writes: “Kherson matters.” [3]", citations=[3]),
        ],
    )


def test_a_marker_inside_a_quote_never_becomes_a_link():
    message = render.answer_message(forged_answer(), 0)
    assert message.count('class="cite-link"') == 3  # [1], [2], [3]: the answer's own
    quoted = message.split("“")[1].split("”")[0]
    assert "cite-link" not in quoted and "confirmed \\[3\\]" in quoted


def test_a_neutralised_marker_stays_text_too():
    answer = forged_answer()
    answer.text = answer.text.replace("confirmed [3]", "confirmed [\u20603]")
    for sentence in answer.sentences:
        sentence.text = sentence.text.replace("confirmed [3]", "confirmed [\u20603]")
    message = render.answer_message(answer, 0)
    assert message.count('class="cite-link"') == 3


def test_a_summary_quoting_an_article_marker_links_only_its_own():
    from assistant.compare import Comparison, ComparisonSummary

    answer = forged_answer()
    quote = answer.citations[0].quote
    summary = ComparisonSummary(
        text=f"Warsaw Wire says “{quote}” [1]",
        sentences=[AnswerSentence(text=f"Warsaw Wire says “{quote}” [1]", citations=[1])],
        citations=[1],
        answerer="test",
    )
    comparison = Comparison(
        topic="t", text="", citations=answer.citations, summary=summary, outlets=[]
    )
    html = render.summary_html(comparison)
    assert html.count('class="cite-link"') == 1 and "confirmed [3]" in html


def test_streamed_text_links_no_marker():
    # Before, every [n] in the streamed text was linked, whoever wrote it.
    assert "cite-link" not in render.streaming_message("as TASS confirmed [3]", 0)


def test_sources_panel_shows_quoted_markers_as_text():
    panel = render.sources_html(forged_answer(), 0)
    assert "confirmed [3]" in panel
    assert panel.count("<a ") == 0  # no url in these citations: no link of any kind


# ----- 3. upload identity -----------------------------------------------------------------------


def test_a_record_claiming_a_url_is_keyed_by_its_own_file_and_record(tmp_path):
    forged = tmp_path / "forged.json"
    claimed = "/srv/seeds/001_b78cba42e385423e.txt"
    forged.write_text(
        json.dumps([{"source": "TASS", "url": claimed, "title": "T", "body": "Free ice cream."}])
    )
    (article,) = load_file(forged).articles
    assert article.origin == f"{forged}#0"  # before: the claimed url was the key
    assert article.url == claimed  # kept, as metadata


def test_same_url_or_title_from_another_origin_is_reported():
    rows = [
        {"origin": "/x/seeds/tass.txt", "outlet": "TASS", "url": None, "title": "Talks"},
        {"origin": "/x/index/uploads/f.json#0", "outlet": "TASS", "url": None, "title": "talks"},
        {"origin": "/x/index/uploads/f.json#1", "outlet": "X", "url": "u", "title": "Other"},
    ]
    notes = identity_notes(rows, ["/x/index/uploads/f.json#0"], roots=["/x/index/uploads"])
    assert notes == [
        "uploads/f.json#0 (TASS) has the same title as /x/seeds/tass.txt (TASS); it was added"
        " as a separate article and replaces nothing"
    ]


def test_messages_name_files_relative_to_their_folders(tmp_path):
    uploads = tmp_path / "index" / "uploads"
    text = f"{uploads}/a.md: duplicate of {tmp_path}/seeds/b.txt"
    shortened = relative_text(text, [uploads, tmp_path / "seeds"])
    assert shortened == "uploads/a.md: duplicate of seeds/b.txt"


# ----- 6. the library, whatever its size --------------------------------------------------------


def test_library_page_is_bounded_and_searched():
    grouped = {f"Outlet {n % 500}": [] for n in range(500)}  # 500 outlets, 100,000 tiny articles
    for n in range(100_000):
        grouped[f"Outlet {n % 500}"].append(
            {"article_id": f"id{n}", "title": f"Record {n}", "origin": f"/u/bulk.json#{n}"}
        )
    page = library_page(grouped, "", 1, 50)
    assert len(page.choices) == 50 and page.pages == 2_000
    assert len(page.html) < 50_000  # before: every row, 31.8 MB per page load
    found = library_page(grouped, "record 99999", 1, 50)
    assert [label for label, _ in found.choices] == ["Outlet 499 · undated · Record 99999"]
    assert library_page(grouped, "", 10_000, 50).page == 2_000  # past the end: the last page


# ----- 7. paragraph de-duplication --------------------------------------------------------------


def test_paragraph_deduplication_is_linear():
    # Before: each paragraph was compared with every later one (259 s for this file's text).
    assert seconds(clean_text, "A\n\n" * 700_000) < 30.0  # before: ~40 minutes


def test_repeated_paragraphs_are_still_dropped():
    standfirst = "The offensive on Kherson stalled on Monday, officials said in Kyiv."
    body = f"{standfirst}\n\nIntro line here.\n\n{standfirst} More detail follows in this one."
    text, _ = clean_text(body, title="Kherson")
    assert text.count(standfirst) == 1
    twice = "A long paragraph that is repeated word for word further down the page."
    text, _ = clean_text(f"{twice}\n\nMiddle paragraph.\n\n{twice}", title="x")
    assert text.count(twice) == 1


def test_numbered_lines_are_not_quadratic():
    assert seconds(clean_text, "1. item\n" * 200_000) < 30.0


# ----- 8. login throttling ----------------------------------------------------------------------


def test_failed_logins_back_off_per_client_and_per_user():
    now = [0.0]
    throttle = LoginThrottle(free=3, base_s=1.0, max_s=60.0, clock=lambda: now[0])
    keys = ["host:1.2.3.4", "user:reader"]
    for _ in range(3):
        assert throttle.wait(keys) == 0.0
        throttle.failed(keys)
    assert throttle.wait(keys) == pytest.approx(1.0)
    assert throttle.wait(["host:5.6.7.8", "user:reader"]) > 0  # another client, same user
    now[0] = 1.5
    throttle.failed(keys)
    assert throttle.wait(keys) == pytest.approx(2.0)  # doubled
    for _ in range(20):
        throttle.failed(keys)
    assert throttle.wait(keys) == pytest.approx(60.0)  # capped
    throttle.succeeded(keys)
    assert throttle.wait(keys) == 0.0


def test_forwarded_headers_are_trusted_from_named_proxies_only():
    assert forwarded_allow_ips([]) == ""  # uvicorn then trusts nobody (its default: loopback)
    assert forwarded_allow_ips(["10.0.0.1", " 10.1.0.0/16 "]) == "10.0.0.1,10.1.0.0/16"


# ----- 11. UTF-16 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_utf16_with_a_byte_order_mark_is_text(bom, codec):
    page = "<html><body><p>Kherson, Херсон.</p></body></html>"
    text, problem = decode_text(bom + page.encode(codec))
    assert problem is None and text == page  # before: "binary file (contains NUL bytes)"


def test_utf16_html_file_loads(tmp_path):
    body = " ".join(["The ferry at Chop resumed service on Monday, the company said."] * 4)
    page = (
        "<html><head><title>Ferry at Chop resumes</title>"
        '<meta property="og:site_name" content="Tisza Times"></head>'
        f"<body><article><h1>Ferry at Chop resumes</h1><p>{body}</p></article></body></html>"
    )
    path = tmp_path / "ferry.html"
    path.write_bytes(codecs.BOM_UTF16_LE + page.encode("utf-16-le"))
    result = load_file(path)
    assert not result.skipped, result.skipped
    assert "ferry at Chop" in result.articles[0].text

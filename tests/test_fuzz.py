"""Hostile and malformed input, generated with hypothesis, through every entry point.

Questions go through the public API (answer, stream, retrieve, compare), the CLI and the
browser chat's handlers; article files go through ``add_sources``. Whatever comes in, only
our documented errors (assistant.errors) may come out, the CLI and UI answer with a message,
and a rejected file leaves the index exactly as it was. The real embedder and real Chroma
over the seed index are used throughout; example counts are kept modest.
"""

from __future__ import annotations

import itertools
import json
import re
import string
import subprocess
import sys

import gradio as gr
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from langchain_core.documents import Document

from assistant.answer_models import Answer
from assistant.cli import main as cli_main
from assistant.compare import Comparison
from assistant.errors import AssistantError, InputError
from ui.app import build_demo

from .conftest import ROOT

FIXTURES_OK = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
]
FEW = settings(max_examples=12, deadline=None, suppress_health_check=FIXTURES_OK)
SOME = settings(max_examples=30, deadline=None, suppress_health_check=FIXTURES_OK)

# ----- questions ---------------------------------------------------------------------------------

WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u2028\u2029\u200b\ufeff"
CONTROLS = "".join(chr(c) for c in range(32)) + "\x7f\x85"
SCRIPTS = "Херсон 赫尔松 خيرسون חרסון Χερσώνα ヘルソン Kherson ٣ ๓ "
RTL_PIECES = ["\u202e", "\u202b", "\u200f", "שלום", "مرحبا", "Kherson", " ", "?"]
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)


def _long(piece: str, size: int) -> str:
    return (piece * (size // max(len(piece), 1) + 1))[:size]


questions = st.one_of(
    st.just(""),
    st.text(alphabet=WHITESPACE, max_size=30),
    st.builds(
        _long,
        st.sampled_from(["a", "Kherson ", "\x00", "€", "🇺🇦"]),
        st.integers(min_value=1990, max_value=100_000),
    ),
    st.text(alphabet=CONTROLS, min_size=1, max_size=40),
    st.builds(
        "".join,
        st.lists(
            st.sampled_from(["Kherson", "\x00", "\x1b[31m", " talks", "\x07"]),
            min_size=1,
            max_size=8,
        ),
    ),
    st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=5).map(
        lambda s: f"Kherson {s} talks"
    ),  # lone surrogates: Python strings can carry them
    st.text(alphabet=SCRIPTS, min_size=1, max_size=80),
    st.text(alphabet=string.punctuation, min_size=1, max_size=60),
    st.builds("".join, st.lists(st.sampled_from(RTL_PIECES), min_size=1, max_size=12)),
    st.text(alphabet=EMOJI, min_size=1, max_size=30),
    st.text(max_size=200),
)
METHODS = ["answer", "stream", "retrieve", "compare"]


def ask_api(assistant, method: str, question, **filters):
    """Call one public method; returns what it returned (a stream is consumed)."""
    if method == "stream":
        return list(assistant.stream(question, **filters))
    return getattr(assistant, method)(question, **filters)


def check_result(method: str, result) -> None:
    """The result has the documented type, and answers cite only passages they carry."""
    if method == "retrieve":
        assert all(isinstance(doc, Document) for doc in result)
        return
    if method == "compare":
        assert isinstance(result, Comparison)
        return
    final = result[-1] if method == "stream" else result
    assert isinstance(final, Answer)
    if method == "stream":
        assert all(isinstance(piece, str) for piece in result[:-1])
    check_citations(final)


def check_citations(answer: Answer) -> None:
    """Every marker names a citation; every citation quotes its own passage verbatim."""
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    for sentence in answer.sentences:
        assert set(sentence.citations) <= set(numbers)
    for citation in answer.citations:
        offset = citation.start - citation.passage_start
        assert citation.passage[offset : offset + len(citation.quote)] == citation.quote


@SOME
@given(question=questions, method=st.sampled_from(METHODS))
@example(question="\x00" * 10, method="answer")
@example(question="a" * 100_000, method="stream")
@example(question="Kherson \ud800 talks", method="compare")
@example(question="\u202eשלום Kherson?", method="retrieve")
def test_any_question_gets_a_result_or_an_input_error(seed_assistant, question, method):
    try:
        result = ask_api(seed_assistant, method, question)
    except AssistantError as error:
        assert isinstance(error, InputError), error
        assert error.message and "\n" not in error.message
        return
    check_result(method, result)


filter_values = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=20),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=10)), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@FEW
@given(
    method=st.sampled_from(METHODS),
    outlets=st.one_of(filter_values, st.just(["TASS"]), st.just("TASS")),
    since=st.one_of(filter_values, st.just("2022-11-01")),
    k=st.one_of(st.none(), filter_values, st.integers(min_value=1, max_value=50)),
)
@example(method="answer", outlets=None, since=None, k="3")  # was a TypeError
@example(method="retrieve", outlets=[None], since=None, k=None)  # was an AttributeError
@example(method="compare", outlets=None, since=12345, k=None)  # was an AttributeError
@example(method="stream", outlets="TASS", since=None, k=None)  # was split into letters
def test_any_filter_values_give_a_result_or_an_input_error(
    seed_assistant, method, outlets, since, k
):
    question = "What would a complete defeat of Putin lead to?"
    try:
        result = ask_api(seed_assistant, method, question, outlets=outlets, since=since, k=k)
    except AssistantError as error:
        assert isinstance(error, InputError), error
        return
    check_result(method, result)
    if outlets == "TASS" and method in ("answer", "stream"):
        final = result[-1] if method == "stream" else result
        assert {c.outlet for c in final.citations} == {"TASS"}


# ----- the CLI (a few examples: each one that gets past the checks loads the model) -------------


@pytest.fixture
def cli_env(seed_assistant, monkeypatch):
    """ASSISTANT_* pointing the CLI at the seed index and the embedder that built it."""
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(seed_assistant.settings.index_dir))
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "torch")
    return seed_assistant.settings.index_dir


@pytest.mark.parametrize(
    ("question", "code", "says"),
    [
        ("", 2, "empty"),
        ("\x00\x00\x00", 2, "empty"),
        ("a" * 100_000, 2, "100,000 characters"),
        ("?!.,;:()[]{}", 0, None),
        ("Херсон 赫尔松 \u202eKherson 🔥 \x1b[31m\x07", 0, None),
    ],
)
def test_cli_ask_with_hostile_questions_exits_with_a_message(cli_env, capsys, question, code, says):
    exit_code = cli_main(["ask", question])
    out, err = capsys.readouterr()
    assert exit_code == code
    assert "Traceback" not in out + err
    if code:
        assert err.startswith("error: ") and says in err
    else:
        assert out.strip()


@pytest.mark.parametrize(
    "filters", [["-k", "0"], ["--since", "next tuesday"], ["--outlet", "\x1b[2J nowhere"]]
)
def test_cli_ask_with_bad_filters_exits_2_in_a_subprocess(cli_env, filters):
    run = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", "Why is Kherson important?", *filters],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and run.stderr.startswith("error: ")
    assert "hint: " in run.stderr or "k must" in run.stderr


# ----- the browser chat's handlers --------------------------------------------------------------


@FEW
@given(question=questions)
@example(question="a" * 100_000)
@example(question="\x00")
def test_chat_handler_answers_any_question_with_a_message(seed_assistant, tmp_path, question):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=0)
    try:
        updates = list(demo.handlers.questions.respond(question, [], [], "", "", []))
    except gr.Error as error:  # only for a question with nothing in it
        assert "Type a question" in str(error)
        assert not "".join(ch for ch in question if ch.isprintable()).strip()
        return
    _, chat, _, _, answers, raw = updates[-1]
    message = chat[-1]["content"]
    assert "Traceback" not in message
    if raw and "error" in raw:
        assert "msg-error" in message and raw["error"]
        assert answers[-1]["answer"] is None
    else:
        check_citations(Answer.model_validate(raw))
    assert len(chat[-2]["content"]) < 2_000  # an over-long question is shown shortened


def test_app_over_gradio_client_answers_hostile_questions_with_messages(seed_assistant, tmp_path):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from .support import free_port

    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=0)
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        client = Client(demo.local_url, verbose=False)
        for question in ("\x00\x07 Kherson \x1b[0m", "🔥" * 50, "a" * 100_000, "Херсон?!"):
            _, chat, _, _, raw = client.predict(question, [], [], "", "", api_name="/ask")
            text = chat[-1]["content"][0]["text"]
            assert "Traceback" not in text
            if len(question) > 2000:
                assert "limit is 2,000" in raw["error"] and "msg-error" in text
            else:
                assert "error" not in raw, raw
        with pytest.raises(AppError, match="Type a question"):
            client.predict("\x00 \t", [], [], "", "", api_name="/ask")
        table, _, comparison = client.predict("\x00?!", [], "", "", api_name="/compare")
        assert "Traceback" not in table and isinstance(comparison, dict)
    finally:
        demo.close()


# ----- chat histories a client sends -------------------------------------------------------------

HISTORY_PIECES = [
    '<div class="msg-notice">',
    '<div class="msg-coverage">',
    "</div>",
    "<",
    ">",
    "<a href='#src-0-1'>",
    "[1]",
    "[\u20603]",
    "\\[",
    "\\",
    "&lt;",
    "&#",
    "Kherson ",
    "\x00",
    "${x}",
]
history_text = st.one_of(
    st.builds("".join, st.lists(st.sampled_from(HISTORY_PIECES), max_size=40)),
    st.builds(
        _long,
        st.sampled_from(HISTORY_PIECES),
        st.integers(min_value=1_000, max_value=300_000),
    ),
    st.text(max_size=200),
)
odd_values = st.one_of(st.none(), st.integers(), st.booleans())
history_content = st.one_of(
    history_text,
    st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": history_text}), max_size=3),
    odd_values,
)
history_messages = st.one_of(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant"]), "content": history_content}
    ),
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "tool", "", None]), "content": history_content}
    ),
    odd_values,
    st.text(max_size=20),
)
histories = st.one_of(
    st.lists(history_messages, max_size=80),
    st.builds(lambda m, n: [m] * n, history_messages, st.integers(0, 30_000)),
)


@settings(max_examples=60, deadline=3_000, suppress_health_check=FIXTURES_OK)
@given(history=histories)
def test_any_history_is_bounded_and_read_in_linear_time(history):
    from ui.chat import bounded_history, conversation

    kept, dropped = bounded_history(history, max_messages=40, max_chars=40_000)
    assert len(kept) <= 40 and dropped == len(history) - len(kept)
    for message in conversation(kept):  # the deadline catches any backtracking
        assert message["role"] in ("user", "assistant")
        assert isinstance(message["content"], str)


@SOME
@given(text=st.text(max_size=300) | history_text)
def test_what_the_chat_shows_of_a_question_reads_back_as_the_question(text):
    from ui import render

    assert render.plain_text(render.user_message(text)) == text.strip()


@FEW
@given(history=histories)
def test_chat_handler_answers_over_any_history(seed_assistant, tmp_path, history):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=0)
    updates = list(demo.handlers.questions.respond("Why is Kherson important?", history))
    _, chat, _, _, _, raw = updates[-1]
    assert len(chat) <= seed_assistant.settings.max_history_messages + 2
    assert "Traceback" not in chat[-1]["content"]
    assert raw and ("citations" in raw or "error" in raw)


# ----- article files ----------------------------------------------------------------------------

FRONT = "---\noutlet: Fuzz Courier\ntitle: Fuzzed\npublished: 2024-01-02\n---\n"
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
record_keys = st.sampled_from(
    ["title", "source", "body", "published_at", "author", "url", "outlet", "text", "language"]
)


def _html(depth: int, tag: str) -> bytes:
    body = b"The ferry at Chop resumed service on Monday with four crossings a day. " * 3
    return b"<html><body>" + f"<{tag}>".encode() * depth + body + f"</{tag}>".encode() * depth


def _with_bad_bytes(text: str, bad: bytes, at: int) -> bytes:
    data = (FRONT + text).encode()
    at = min(at, len(data))
    return data[:at] + bad + data[at:]


def _jsonl(lines: list) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode()


article_files = st.one_of(
    st.tuples(
        st.sampled_from([".txt", ".md", ".html", ".json", ".jsonl"]), st.binary(max_size=3000)
    ),  # random bytes
    st.tuples(st.sampled_from([".txt", ".md", ".json"]), st.sampled_from([b"", b" \n\t ", b"\n"])),
    st.tuples(
        st.just(".md"),
        st.builds(
            lambda n, c: (FRONT + c * n).encode(),
            st.integers(1000, 60_000),
            st.sampled_from(["a", "é", "x/", "\u05e9"]),
        ),
    ),
    st.tuples(st.just(".txt"), st.builds(lambda n: b"word " * n, st.integers(1000, 100_000))),
    st.tuples(
        st.just(".html"),
        st.builds(_html, st.integers(50, 20_000), st.sampled_from(["div", "b", "table", "span"])),
    ),  # deeply nested HTML
    st.tuples(st.just(".json"), json_values.map(lambda v: json.dumps(v).encode())),
    st.tuples(
        st.just(".json"),
        st.lists(st.dictionaries(record_keys, json_values, max_size=5), max_size=4).map(
            lambda v: json.dumps(v).encode()
        ),
    ),  # wrong types and shapes
    st.tuples(
        st.just(".md"),
        st.builds(
            _with_bad_bytes,
            st.text(max_size=200),
            st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\xf8\x88"]),
            st.integers(0, 300),
        ),
    ),  # invalid UTF-8 (incl. an encoded lone surrogate)
    st.tuples(
        st.sampled_from([".txt", ".md"]),
        st.builds(
            lambda bom, text: bom + text.encode(),
            st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf" * 3]),
            st.sampled_from(["", FRONT + "A ferry resumed service at Chop on Monday."]),
        ),
    ),
    st.tuples(
        st.just(".jsonl"),
        st.lists(
            st.one_of(
                st.just('{"body": "Ferry resumed at Chop.", "source": "Fuzz Courier"'),
                st.just(""),
                st.just("[1, 2]"),
                st.just("NaN"),
                st.just("{" * 5000 + "}" * 5000),
                st.dictionaries(record_keys, json_values, max_size=4),
            ),
            min_size=1,
            max_size=5,
        ).map(_jsonl),
    ),  # .jsonl with broken lines
)
manifests = st.one_of(
    st.none(),
    st.text(max_size=200),
    st.sampled_from(
        [
            "x = [unclosed\n",
            '["a.md"]\noutlet = 5\ntitle = [1, 2]\n',
            '"a.txt" = 7\n',
            '["a.txt"]\noutlet = "Manifest Daily"\npublished = 1979-05-27T07:32:00Z\n',
            '["a.txt"]\noutlet = ""\n',
            "\x00\x00",
            '["a.txt"]\noutlet = "\u202eevil"\n',
        ]
    ),
)
_folders = itertools.count()


def index_state(assistant) -> tuple:
    """What must not change: the ledger's articles and the number of chunks in Chroma."""
    return assistant.sources(), assistant.store.collection().count()


def accounted_for(file, report) -> bool:
    """The report names the file: as indexed (its path or a record of it) or as skipped."""
    names = [s.path for s in report.skipped] + report.added + report.updated + report.unchanged
    return any(name == str(file) or name.startswith(f"{file}#") for name in names) or (
        file.suffix in (".json", ".jsonl") and bool(report.added + report.updated)
    )


@SOME
@given(files=st.lists(article_files, min_size=1, max_size=3), manifest=manifests)
@example(files=[(".json", b"[" * 100_000 + b"]" * 100_000)], manifest=None)  # RecursionError
@example(files=[(".json", b'[{"body": "Ferry at Chop.", "source": NaN}]')], manifest=None)
@example(files=[(".json", b'[{"body": "Ferry resumed at Chop.", "source": 7}]')], manifest=None)
@example(files=[(".txt", b"A ferry resumed service at Chop on Monday.")], manifest="x = [")
@example(files=[(".md", (FRONT + "a" * 60_000).encode())], manifest=None)  # one 60 KB "word"
def test_bad_article_files_are_skipped_with_a_reason_and_change_nothing(
    seed_assistant, tmp_path, files, manifest
):
    folder = tmp_path / f"f{next(_folders)}" / "uploads"  # a generic name: no outlet from it
    folder.mkdir(parents=True)
    paths = []
    for number, (suffix, data) in enumerate(files):
        name = "a.txt" if number == 0 and suffix == ".txt" else f"file{number}{suffix}"
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    if manifest is not None:
        (folder / "manifest.toml").write_text(manifest, encoding="utf-8", errors="surrogatepass")
    before = index_state(seed_assistant)
    try:
        report = seed_assistant.add_sources([folder])
    except AssistantError as error:
        pytest.fail(f"add_sources raised for bad files: {error}")
    for path in paths:
        assert accounted_for(path, report), (path, report.to_dict())
    for skipped in report.skipped:
        assert skipped.reason.strip() and "Traceback" not in skipped.reason
    indexed = report.added + report.updated
    for origin in indexed:  # whatever was accepted is a real, bounded article
        check_indexed(seed_assistant, origin)
    seed_assistant.remove_sources(indexed)
    assert index_state(seed_assistant) == before


def check_indexed(assistant, origin: str) -> None:
    """An accepted fuzzed article has an outlet, and no chunk is absurdly long."""
    rows = [row for row in assistant.store.articles() if row.origin == origin]
    assert len(rows) == 1 and rows[0].outlet.strip()
    chunks = assistant.store.collection().get(ids=rows[0].chunk_ids(), include=["documents"])[
        "documents"
    ]
    limit = assistant.settings.chunk_tokens * 10
    assert chunks and all(len(chunk) <= limit for chunk in chunks)


def test_wrongly_typed_json_fields_are_named_in_the_reason(seed_assistant, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "feed.json").write_text(
        json.dumps(
            [
                {"body": "The ferry resumed at Chop.", "source": 7},
                {"body": "The ferry resumed at Chop.", "source": "Fuzz", "title": ["a"]},
                {"body": "The ferry resumed at Chop on Monday.", "source": "Fuzz Courier"},
            ]
        )
    )
    report = seed_assistant.add_sources([folder])
    reasons = {s.path.rsplit("#", 1)[1]: s.reason for s in report.skipped}
    assert reasons == {
        "0": "field 'source' must be text, not a number",
        "1": "field 'title' must be text, not a list",
    }
    assert report.added == [f"{folder / 'feed.json'}#2"]


def test_a_broken_manifest_is_named_when_the_file_is_skipped(seed_assistant, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "manifest.toml").write_text('["a.txt"]\noutlet = "Chop Courier\n')
    (folder / "a.txt").write_text("The ferry at Chop resumed service on Monday.")
    before = index_state(seed_assistant)
    report = seed_assistant.add_sources([folder])
    assert [s.path for s in report.skipped] == [str(folder / "a.txt")]
    assert re.search(r"manifest\.toml beside it is not valid TOML", report.skipped[0].reason)
    assert index_state(seed_assistant) == before

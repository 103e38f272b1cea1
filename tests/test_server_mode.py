"""Server mode: the index in a real ``chroma run`` server instead of the embedded store."""

from __future__ import annotations

import shutil
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from assistant.core import Assistant
from assistant.errors import ChromaServerError
from assistant.settings import load_settings

from . import support
from .conftest import SEEDS
from .support import ChromaServer, free_port, serve_in_background

SEED_QUESTIONS = [
    "Which missiles did Washington and NATO send to Kiev?",
    "What defensive lines and natural barriers are being built?",
    "What would a complete defeat of Putin lead to?",
    "What does TASS say about Kherson?",
]


def server_assistant(index_dir, server, embeddings, **overrides) -> Assistant:
    """An Assistant whose chunks live in ``server`` and whose ledger and BM25 in ``index_dir``."""
    settings = load_settings(
        **{"index_dir": index_dir, "sources": [SEEDS], "chroma_url": server.url, **overrides}
    )
    return Assistant(settings, embeddings=embeddings)


def citations(answer) -> list[tuple[str, str]]:
    """What a reader sees of the citations: outlet and quote, in order."""
    return [(c.outlet, c.quote) for c in answer.citations]


def test_seed_questions_cite_the_same_as_embedded(
    seed_assistant, chroma_server, tmp_path, real_embeddings
):
    remote = server_assistant(tmp_path / "remote", chroma_server, real_embeddings)
    assert len(remote.index().added) == 2
    assert not (tmp_path / "remote" / "chroma").exists()  # nothing embedded on disk
    for question in SEED_QUESTIONS:
        local, served = seed_assistant.answer(question), remote.answer(question)
        assert citations(served) == citations(local), question
        assert served.text == local.text
    assert citations(remote.answer(SEED_QUESTIONS[2]))  # not vacuously equal
    docs = remote.retrieve("Kherson", k=6)
    assert [d.id for d in docs] == [d.id for d in seed_assistant.retrieve("Kherson", k=6)]


def test_update_and_remove_in_server_mode(chroma_server, tmp_path, real_embeddings):
    source = tmp_path / "src"
    shutil.copytree(SEEDS, source)
    remote = server_assistant(tmp_path / "remote", chroma_server, real_embeddings, sources=[source])
    remote.index()
    first = sorted((source).glob("*.txt"))[0]
    first.write_text(first.read_text() + "\n\nA harbour crane collapsed in Odesa on Monday.")
    report = remote.index()
    assert len(report.updated) == 1 and len(report.unchanged) == 1
    assert remote.retrieve("harbour crane collapsed in Odesa", k=1)[0].page_content.endswith(
        "collapsed in Odesa on Monday."
    )
    removed = remote.remove_sources([remote.store.articles()[0].article_id])
    assert len(removed) == 1
    rows = remote.store.articles()
    expected = {cid for row in rows for cid in row.chunk_ids()}
    assert set(remote.store.collection().get(include=[])["ids"]) == expected
    assert set(remote.store.lexical().ids) == expected


def test_two_indexes_on_one_server_keep_their_collections(chroma_server, tmp_path, fake_embeddings):
    """An index's clean-up deletes only its own collections from a shared server."""
    first = server_assistant(tmp_path / "a", chroma_server, fake_embeddings)
    second = server_assistant(tmp_path / "b", chroma_server, fake_embeddings)
    first.index()
    second.index()
    first.index(rebuild=True)  # deletes its previous collection, and only that
    assert second.retrieve("Kherson", k=3)
    names = {c.name for c in first.store.client.list_collections()}
    assert {first.store.active, second.store.active} <= names


def test_server_stopped_mid_session_is_a_clear_error_then_service_resumes(
    tmp_path, real_embeddings
):
    server = ChromaServer(tmp_path / "data", free_port())
    server.start()
    try:
        remote = server_assistant(tmp_path / "remote", server, real_embeddings)
        remote.index()
        before = citations(remote.answer(SEED_QUESTIONS[2]))
        server.stop()
        with pytest.raises(ChromaServerError) as caught:
            remote.answer(SEED_QUESTIONS[2])
        assert server.url in caught.value.message and "cannot be reached" in caught.value.message
        assert "chroma run" in caught.value.hint
        cli = run_cli(tmp_path / "remote", server.url, "ask", SEED_QUESTIONS[2])
        assert cli.returncode == 2
        assert f"error: the Chroma server at {server.url} cannot be reached" in cli.stderr
        assert "hint: start it" in cli.stderr and "Traceback" not in cli.stderr
        server.start()  # same port, same data; the same Assistant object carries on
        assert citations(remote.answer(SEED_QUESTIONS[2])) == before
    finally:
        server.stop()


def run_cli(index_dir, url, *args, token=None):
    """The real ``assistant`` command line against a server."""
    command = ["--index-dir", str(index_dir), "--chroma-url", url]
    if token:
        command += ["--chroma-token", token]
    return support.run_cli(*command, *args)


class TokenProxy:
    """A reverse proxy in front of the Chroma server that lets through only requests that
    carry ``Authorization: Bearer <token>`` (the way a deployment guards an auth-less server)."""

    def __init__(self, upstream: str, token: str):
        self.seen: list[str | None] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_request(self):
                proxy.seen.append(self.headers.get("Authorization"))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") != f"Bearer {token}":
                    self._reply(401, b'{"error":"Unauthorized","message":"bad token"}')
                    return
                request = urllib.request.Request(
                    upstream + self.path,
                    data=body or None,
                    method=self.command,
                    headers={"Content-Type": "application/json"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        self._reply(response.status, response.read())
                except urllib.error.HTTPError as error:
                    self._reply(error.code, error.read())

            do_GET = do_POST = do_PUT = do_DELETE = do_request

            def _reply(self, status, payload):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = serve_in_background(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def test_token_is_sent_and_a_refusal_is_a_clear_error(chroma_server, tmp_path, fake_embeddings):
    proxy = TokenProxy(chroma_server.url, token="s3cret-token")
    try:
        settings = load_settings(
            index_dir=tmp_path / "remote",
            sources=[SEEDS],
            chroma_url=proxy.url,
            chroma_token="s3cret-token",
        )
        remote = Assistant(settings, embeddings=fake_embeddings)
        assert len(remote.index().added) == 2
        assert remote.retrieve("Kherson", k=2)
        assert set(proxy.seen) == {"Bearer s3cret-token"}
        wrong = Assistant(
            settings.model_copy(update={"chroma_token": "wrong"}), embeddings=fake_embeddings
        )
        with pytest.raises(ChromaServerError) as caught:
            wrong.retrieve("Kherson", k=2)
        assert "refused" in caught.value.message and "ASSISTANT_CHROMA_TOKEN" in caught.value.hint
        cli = run_cli(tmp_path / "remote", proxy.url, "sources", token="wrong")
        assert cli.returncode == 2 and "refused" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        proxy.server.shutdown()

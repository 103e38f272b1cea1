"""The ledger in a real PostgreSQL server (``ASSISTANT_LEDGER_URL``), shared by machines.

"Machines" are assistants with different local index folders that share one real
``chroma run`` server and one PostgreSQL ledger: each keeps its own BM25 snapshot, stamped
with the ledger version and rebuilt from Chroma when another machine changed the index.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from assistant.cli import main
from assistant.core import Assistant
from assistant.errors import IndexStoreError
from assistant.postgres import WRITER_LOCK_KEY
from assistant.settings import load_settings

from .conftest import ROOT, SEEDS
from .pg_server import PASSWORD, running_postgres
from .support import cli_env, finish, free_port, start_cli
from .test_server_mode import SEED_QUESTIONS, citations


@pytest.fixture(scope="module")
def postgres():
    """One real PostgreSQL server for the module (skipped without the binaries, unless CI)."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def ledger_url(postgres) -> str:
    """A fresh, empty ledger database on that server."""
    return postgres.new_database()


def machine(index_dir, embeddings, ledger_url, chroma_url=None, **overrides) -> Assistant:
    """An assistant with its own local index folder on the shared ledger (and server)."""
    settings = load_settings(
        **{
            "index_dir": index_dir,
            "sources": [SEEDS],
            "ledger_url": ledger_url,
            "chroma_url": chroma_url,
            **overrides,
        }
    )
    return Assistant(settings, embeddings=embeddings)


def cli(index_dir, *args, ledger_url, chroma_url=None, wait_s=None) -> subprocess.Popen:
    """Start the real ``assistant`` command line with ``--ledger-url`` (torch embedder)."""
    env = cli_env(OMP_NUM_THREADS="1")
    if wait_s is not None:
        env["ASSISTANT_INDEX_LOCK_WAIT_S"] = str(wait_s)
    command = ["--index-dir", str(index_dir), "--ledger-url", ledger_url]
    if chroma_url:
        command += ["--chroma-url", chroma_url]
    return start_cli(*command, *args, env=env)


def consistent_ids(assistant) -> set[str]:
    """Ledger, Chroma and this machine's BM25 name exactly the same chunks; returns them."""
    store = assistant.store
    expected = {cid for row in store.articles() for cid in row.chunk_ids()}
    assert set(store.collection().get(include=[])["ids"]) == expected
    assert set(store.lexical().ids) == expected
    return expected


def test_seed_index_through_the_postgres_ledger_cites_the_same(
    seed_assistant, ledger_url, tmp_path, real_embeddings
):
    shared = machine(tmp_path / "pg-index", real_embeddings, ledger_url)
    assert len(shared.index().added) == 2
    assert not (tmp_path / "pg-index" / "ledger.sqlite").exists()  # the ledger is the server's
    for question in SEED_QUESTIONS:
        ours, default = shared.answer(question), seed_assistant.answer(question)
        assert citations(ours) == citations(default), question
        assert ours.text == default.text
    assert citations(shared.answer(SEED_QUESTIONS[2]))  # not vacuously equal
    assert shared.sources() == seed_assistant.sources()
    again = machine(tmp_path / "pg-index", real_embeddings, ledger_url).index()
    assert len(again.unchanged) == 2 and not again.added and not again.updated


def test_two_machines_on_one_chroma_server_and_ledger_see_each_others_updates(
    chroma_server, ledger_url, tmp_path, real_embeddings
):
    source = tmp_path / "articles"
    shutil.copytree(SEEDS, source)
    first = machine(
        tmp_path / "a", real_embeddings, ledger_url, chroma_server.url, sources=[source]
    )
    second = machine(
        tmp_path / "b", real_embeddings, ledger_url, chroma_server.url, sources=[source]
    )
    assert len(first.index().added) == 2
    for question in SEED_QUESTIONS:
        assert citations(second.answer(question)) == citations(first.answer(question)), question
    assert citations(second.answer(SEED_QUESTIONS[2]))
    assert list((tmp_path / "b" / "lexical").iterdir())  # the second machine's own snapshot

    article = sorted(source.glob("*.txt"))[0]
    article.write_text(article.read_text() + "\n\nA harbour crane collapsed in Odesa on Monday.")
    assert len(first.index().updated) == 1  # machine A updates ...
    found = second.retrieve("harbour crane collapsed in Odesa", k=1)[0]  # ... B sees it
    assert found.page_content.endswith("collapsed in Odesa on Monday.")
    assert second.store.lexical().version == first.store.version

    removed = second.remove_sources([first.store.articles()[0].article_id])  # B removes ...
    assert len(removed) == 1
    assert [row.origin for row in first.store.articles()] != removed  # ... A sees it
    assert len(first.store.articles()) == 1
    assert consistent_ids(first) == consistent_ids(second)

    listed = cli(
        tmp_path / "c", "sources", "--json", ledger_url=ledger_url, chroma_url=chroma_server.url
    )
    code, out, err = finish(listed)
    assert code == 0, err
    assert sum(len(items) for items in json.loads(out).values()) == 1


def writer_sessions(url: str) -> list[tuple[str, bool]]:
    """``(application_name, holds the writer lock)`` of every assistant writer connected."""
    import psycopg

    sql = (
        "SELECT a.application_name, EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid"
        " AND l.locktype = 'advisory' AND l.granted AND l.objid::bigint = %s)"
        " FROM pg_stat_activity a WHERE a.datname = current_database()"
        " AND a.application_name LIKE 'assistant writer%%'"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, (WRITER_LOCK_KEY & 0xFFFFFFFF,)).fetchall()


def wait_for(condition, process: subprocess.Popen, what: str, timeout: float = 120) -> None:
    """Poll ``condition`` until true; fail if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"{what}: the process exited: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


def test_second_indexer_refuses_while_the_first_holds_the_advisory_lock(
    chroma_server, ledger_url, tmp_path, fake_embeddings, real_embeddings
):
    gate = tmp_path / "go-on"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.ledger_worker",
            str(tmp_path / "a"),
            str(SEEDS),
            ledger_url,
            chroma_server.url,
            str(gate),
        ],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        me = f"assistant writer pid {first.pid} on "
        wait_for(
            lambda: (f"{me}{socket.gethostname()}", True) in writer_sessions(ledger_url),
            first,
            "the first indexer takes the lock",
        )
        # Another machine (its own index folder), lock wait 0: refused, naming the holder.
        refused = finish(
            cli(
                tmp_path / "b",
                "index",
                str(SEEDS),
                ledger_url=ledger_url,
                chroma_url=chroma_server.url,
                wait_s=0,
            )
        )
        assert refused[0] == 2, refused
        assert (
            f"error: another process (pid {first.pid} on {socket.gethostname()}) is updating"
            " the index in postgresql://assistant:***@127.0.0.1:"
        ) in refused[2]
        assert "hint: wait for it to finish" in refused[2] and "Traceback" not in refused[2]
        assert PASSWORD not in refused[2]
        api = machine(
            tmp_path / "c", fake_embeddings, ledger_url, chroma_server.url, index_lock_wait_s=0
        )
        with pytest.raises(IndexStoreError, match=f"another process \\(pid {first.pid} on "):
            api.index()
        # A third waits; the first's machine dies holding the lock; the server frees it.
        waiting = cli(
            tmp_path / "b",
            "index",
            str(SEEDS),
            ledger_url=ledger_url,
            chroma_url=chroma_server.url,
            wait_s=600,
        )
        wait_for(
            lambda: any(f"pid {waiting.pid} " in n for n, _ in writer_sessions(ledger_url)),
            waiting,
            "the third indexer waits for the lock",
        )
        assert first.poll() is None
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        code, out, err = finish(waiting)
        assert code == 0 and "added 2" in out, err
    finally:
        gate.touch()
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=60)
    reader = machine(tmp_path / "d", real_embeddings, ledger_url, chroma_server.url)
    assert len(reader.store.articles()) == 2
    assert consistent_ids(reader)


@pytest.mark.slow  # runs the real CLI in a process of its own
def test_unreachable_database_is_a_clear_error_in_the_api_and_the_cli(tmp_path, fake_embeddings):
    url = f"postgresql://assistant:{PASSWORD}@127.0.0.1:{free_port()}/ledger"
    with pytest.raises(IndexStoreError) as caught:
        machine(tmp_path / "i", fake_embeddings, url).sources()
    message = caught.value.message
    assert message.startswith("the ledger database at postgresql://assistant:***@127.0.0.1:")
    assert "cannot be reached" in message and "\n" not in message and PASSWORD not in message
    assert "ASSISTANT_LEDGER_URL" in caught.value.hint
    code, out, err = finish(cli(tmp_path / "i", "sources", ledger_url=url))
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: the ledger database at postgresql://assistant:***@")
    assert "cannot be reached" in lines[0] and lines[1].startswith("hint: start the database")
    assert len(lines) == 2 and "Traceback" not in err and PASSWORD not in err


def test_a_url_that_is_no_database_url_is_a_setting_error(capsys):
    assert main(["--ledger-url", "mysql://db.internal/news", "sources"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid setting (ledger_url: ") and "postgresql://" in err
    assert "Traceback" not in err


def test_wrong_password_and_missing_database_are_clear_errors(postgres, tmp_path, fake_embeddings):
    wrong = postgres.url("postgres").replace(PASSWORD, "not-the-password")
    with pytest.raises(IndexStoreError, match="refused the login") as caught:
        machine(tmp_path / "i", fake_embeddings, wrong).sources()
    assert "not-the-password" not in str(caught.value)
    with pytest.raises(IndexStoreError, match="does not exist") as caught:
        machine(tmp_path / "i", fake_embeddings, postgres.url("no_such_db")).sources()
    assert "createdb" in caught.value.hint


def test_database_restart_mid_session_is_a_clear_error_then_service_resumes(
    postgres, ledger_url, tmp_path, fake_embeddings
):
    shared = machine(tmp_path / "i", fake_embeddings, ledger_url)
    shared.index()
    before = [d.id for d in shared.retrieve("Kherson", k=3)]
    postgres.stop()
    try:
        with pytest.raises(IndexStoreError, match="cannot be reached") as caught:
            shared.retrieve("Kherson", k=3)
        assert "reconnects by itself" in caught.value.hint
    finally:
        postgres.start()
    assert [d.id for d in shared.retrieve("Kherson", k=3)] == before  # same object, no restart


def test_sqlite_url_puts_the_ledger_and_its_lock_where_it_says(tmp_path, fake_embeddings):
    ledger = tmp_path / "shared" / "news.sqlite"
    ledger.parent.mkdir()
    local = machine(tmp_path / "i", fake_embeddings, f"sqlite:///{ledger}")
    assert len(local.index().added) == 2
    assert ledger.is_file() and (tmp_path / "shared" / "news.sqlite.lock").is_file()
    assert not (tmp_path / "i" / "ledger.sqlite").exists()
    assert local.store.ledger.location == str(ledger)
    assert consistent_ids(local)


def test_a_local_cache_folder_without_a_ledger_file_is_reopened(tmp_path, fake_embeddings):
    """With the ledger elsewhere the folder holds only caches (BM25, the ONNX export)."""
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    machine(tmp_path / "i", fake_embeddings, ledger).index()
    (tmp_path / "i" / "models").mkdir()
    again = machine(tmp_path / "i", fake_embeddings, ledger)
    assert len(again.store.articles()) == 2

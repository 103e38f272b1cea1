"""Moving an index folder between the embedded store and a real ``chroma run`` server: the
ledger records which store holds its collection; ``assistant index`` builds it on the newly
configured store (copying the vectors while the old one is readable, else re-embedding) and
says so; ``ask`` before that says what to run."""

from __future__ import annotations

import shutil

from assistant.core import Assistant
from assistant.errors import IndexStoreError
from assistant.settings import load_settings

from .conftest import SEEDS
from .support import run_cli
from .test_server_mode import SEED_QUESTIONS, citations

QUESTION = SEED_QUESTIONS[2]


def an_assistant(index_dir, embeddings, chroma_url=None) -> Assistant:
    settings = load_settings(index_dir=index_dir, sources=[SEEDS], chroma_url=chroma_url)
    return Assistant(settings, embeddings=embeddings)


def test_embedded_to_server_and_back_through_the_cli(chroma_server, tmp_path, real_embeddings):
    index = tmp_path / "index"
    embedded = an_assistant(index, real_embeddings)
    assert len(embedded.index().added) == 2
    expected = citations(embedded.answer(QUESTION))
    assert expected
    chunks = sum(row.n_chunks for row in embedded.store.articles())
    url = chroma_server.url

    # ask on the server before moving: says exactly what to run, no Chroma error
    asked = run_cli("--index-dir", str(index), "--chroma-url", url, "ask", QUESTION)
    assert asked.returncode == 2 and "Traceback" not in asked.stderr
    assert f"error: this index's chunks are in the embedded store in {index / 'chroma'}" in (
        asked.stderr
    )
    assert f"but the Chroma server at {url}" in asked.stderr
    assert f"assistant --index-dir {index} --chroma-url {url} index" in asked.stderr
    assert "NotFoundError" not in asked.stderr and "disk space" not in asked.stderr

    moved = run_cli("--index-dir", str(index), "--chroma-url", url, "index", str(SEEDS))
    assert moved.returncode == 0, moved.stderr
    note = (
        f"note: the index moved from the embedded store in {index / 'chroma'} to the Chroma"
        f" server at {url} (tenant=default_tenant database=default_database):"
        f" copied {chunks} chunks with their vectors"
    )
    assert note in moved.stdout, moved.stdout
    assert "unchanged 2" in moved.stdout and "(0 chunks embedded" in moved.stdout
    served = an_assistant(index, real_embeddings, chroma_url=url)
    assert citations(served.answer(QUESTION)) == expected
    assert served.store.active in {c.name for c in served.store.client.list_collections()}

    # and back: ask on the embedded store first, then index there
    asked = run_cli("--index-dir", str(index), "ask", QUESTION)
    assert asked.returncode == 2 and "Traceback" not in asked.stderr
    assert f"error: this index's chunks are in the Chroma server at {url}" in asked.stderr
    assert f"assistant --index-dir {index} index" in asked.stderr
    back = run_cli("--index-dir", str(index), "index", str(SEEDS))
    assert back.returncode == 0, back.stderr
    assert f"to the embedded store in {index / 'chroma'}: copied {chunks} chunks" in back.stdout
    assert citations(an_assistant(index, real_embeddings).answer(QUESTION)) == expected
    answered = run_cli("--index-dir", str(index), "ask", QUESTION)
    assert answered.returncode == 0, answered.stderr


def test_an_unreadable_old_store_is_re_embedded(chroma_server, tmp_path, fake_embeddings):
    index = tmp_path / "index"
    embedded = an_assistant(index, fake_embeddings)
    embedded.index()
    before = {row.origin: row.n_chunks for row in embedded.store.articles()}
    expected = [d.id for d in embedded.retrieve("Kherson", k=4)]
    embedded.store.client.clear_system_cache()
    shutil.rmtree(index / "chroma")  # the old store is gone (another machine's disk, say)

    served = an_assistant(index, fake_embeddings, chroma_url=chroma_server.url)
    try:
        served.retrieve("Kherson")
        raise AssertionError("reading a moved index must fail")
    except IndexStoreError as error:
        assert "the embedded store" in error.message and "--chroma-url" in error.hint
    report = served.index()
    assert report.notes[0].endswith(
        f"re-embedded {sum(before.values())} chunks (the embedded store in {index / 'chroma'}"
        " is not there)"
    ), report.notes
    assert {row.origin: row.n_chunks for row in served.store.articles()} == before
    assert [d.id for d in served.retrieve("Kherson", k=4)] == expected


def test_a_ledger_without_the_store_record_is_placed_by_looking(
    chroma_server, tmp_path, fake_embeddings
):
    """Indexes built before the record: the store that holds the collection is adopted; a
    store that does not is refused with the command that moves it."""
    index = tmp_path / "index"
    embedded = an_assistant(index, fake_embeddings)
    embedded.index()
    with embedded.store.ledger.transaction() as db:
        db.execute("DELETE FROM state WHERE key = 'chroma_store'")
    assert embedded.store.state().location is None
    assert an_assistant(index, fake_embeddings).retrieve("Kherson")  # found where it is
    served = an_assistant(index, fake_embeddings, chroma_url=chroma_server.url)
    try:
        served.retrieve("Kherson")
        raise AssertionError("reading a moved index must fail")
    except IndexStoreError as error:
        assert "another Chroma store" in error.message and "index" in error.hint
    report = served.index()
    assert "re-embedded" in report.notes[0]
    assert served.retrieve("Kherson")
    assert served.store.state().location.startswith(f"server:{chroma_server.url}")

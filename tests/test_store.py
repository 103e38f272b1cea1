"""The index store's own contracts: the max-file-size setting, indexing nothing, the
``chunks`` reader, and one ledger-state read per request."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core import Assistant
from assistant.errors import IndexStoreError
from assistant.settings import load_settings

from .conftest import SEEDS
from .support import cli_env, run_cli


def write_article(folder, name, outlet, body):
    """A small Markdown article with front matter."""
    path = folder / name
    path.write_text(f"---\noutlet: {outlet}\ntitle: {name}\npublished: 2023-05-01\n---\n{body}\n")
    return path


@pytest.fixture
def indexed(tmp_path, fake_embeddings):
    """An index of two small articles, built with the fake embedder."""
    folder = tmp_path / "articles"
    folder.mkdir()
    write_article(folder, "a.md", "Wired", "The chip factory opened in Ohio. " * 30)
    write_article(folder, "b.md", "BBC", "Heavy rain flooded the valley roads. " * 30)
    settings = load_settings(index_dir=tmp_path / "index", sources=[folder])
    assistant = Assistant(settings, embeddings=fake_embeddings)
    assistant.index()
    return assistant


# ----- ASSISTANT_MAX_FILE_BYTES ----------------------------------------------------------------


def test_max_file_bytes_setting_skips_a_larger_file(tmp_path, fake_embeddings):
    folder = tmp_path / "articles"
    folder.mkdir()
    small = write_article(folder, "small.md", "BBC", "Rain fell on the valley. " * 4)
    big = write_article(folder, "big.md", "Wired", "The chip factory opened in Ohio. " * 60)
    limit = small.stat().st_size + 10
    settings = load_settings(index_dir=tmp_path / "index", max_file_bytes=limit)
    report = Assistant(settings, embeddings=fake_embeddings).index([folder])
    assert [p.rsplit("/", 1)[-1] for p in report.added] == ["small.md"]
    assert [(s.path, s.reason) for s in report.skipped] == [
        (str(big), f"file is {big.stat().st_size:,} bytes, over the {limit:,}-byte limit")
    ]


@pytest.mark.slow
def test_max_file_bytes_env_reaches_the_cli(tmp_path):
    """``ASSISTANT_MAX_FILE_BYTES`` through the real ``assistant index``."""
    sizes = {path.name: path.stat().st_size for path in SEEDS.glob("*.txt")}
    smaller, larger = sorted(sizes, key=sizes.get)
    limit = sizes[smaller] + 1
    env = cli_env(ASSISTANT_MAX_FILE_BYTES=str(limit))
    done = run_cli("--index-dir", str(tmp_path / "index"), "index", str(SEEDS), env=env)
    assert done.returncode == 1, done.stderr  # finished, with a file skipped
    assert "added 1," in done.stdout and "skipped 1 " in done.stdout
    reason = f"file is {sizes[larger]:,} bytes, over the {limit:,}-byte limit"
    assert f"skipped {SEEDS / larger}: {reason}" in done.stdout


# ----- indexing nothing --------------------------------------------------------------------


@pytest.mark.slow
def test_indexing_nothing_into_a_new_index_is_not_an_error(tmp_path):
    """An empty folder, then a mistyped path, into a fresh index: the real CLI."""
    index, empty = tmp_path / "index", tmp_path / "empty"
    empty.mkdir()
    done = run_cli("--index-dir", str(index), "index", str(empty))
    assert done.returncode == 0, done.stderr
    assert "added 0, updated 0, removed 0, unchanged 0, skipped 0" in done.stdout
    assert f"note: {empty}: no article files in this folder" in done.stdout
    missing = tmp_path / "artcles"
    done = run_cli("--index-dir", str(index), "index", str(missing))
    assert done.returncode == 1, done.stderr
    assert f"skipped {missing}: no such file or folder" in done.stdout
    assert "NotFoundError" not in done.stdout + done.stderr and done.stderr.count("error") == 0
    sources = run_cli("--index-dir", str(index), "sources")
    assert sources.returncode == 0 and "The index is empty" in sources.stdout
    # ...and the index still builds normally afterwards.
    done = run_cli("--index-dir", str(index), "index", str(SEEDS))
    assert done.returncode == 0 and "added 2," in done.stdout, done.stdout + done.stderr
    done = run_cli("--index-dir", str(index), "index", str(missing))
    assert done.returncode == 1
    assert f"skipped {missing}: no such file or folder" in done.stdout
    assert "unsupported file type" not in done.stdout and "removed 0" in done.stdout


def test_indexing_nothing_leaves_a_new_index_empty(tmp_path, fake_embeddings):
    settings = load_settings(index_dir=tmp_path / "index")
    assistant = Assistant(settings, embeddings=fake_embeddings)
    (tmp_path / "empty").mkdir()
    report = assistant.index([tmp_path / "empty"])
    assert report.ok and not report.added
    assert assistant.store.is_empty() and assistant.store.active is None
    report = assistant.index([tmp_path / "nowhere"])
    assert [s.reason for s in report.skipped] == ["no such file or folder"]
    assert assistant.retrieve("anything") == []
    with pytest.raises(IndexStoreError, match="the index is empty"):
        assistant.store.collection()


def test_a_rebuild_from_nothing_empties_the_index_without_failing(indexed, tmp_path):
    (tmp_path / "empty").mkdir()
    report = indexed.store.rebuild([tmp_path / "empty"])
    assert report.ok
    # the articles' files still exist, so a rebuild re-reads them: nothing is dropped
    assert len(indexed.store.articles()) == 2
    assert indexed.retrieve("chip factory", k=1)


# ----- chunks(ids) -------------------------------------------------------------------------


def test_chunks_returns_parsed_records_in_the_order_asked(indexed):
    rows = indexed.store.articles()
    ids = [rows[1].chunk_ids()[0], "no-such-chunk", rows[0].chunk_ids()[-1]]
    chunks = indexed.store.chunks(ids)
    assert [c.id for c in chunks] == [ids[0], ids[2]]
    for chunk in chunks:
        assert chunk.vector is None and chunk.text
        assert chunk.metadata["article_id"] in {row.article_id for row in rows}
        document = chunk.document()
        assert document.id == chunk.id and document.metadata["chunk_id"] == chunk.id
        assert document.page_content == chunk.text
    with_vectors = indexed.store.chunks(ids[:1], vectors=True)
    assert with_vectors[0].vector is not None and with_vectors[0].vector.shape == (384,)
    expected = np.asarray(indexed.embeddings.embed_documents(["x"])[0]).shape
    assert with_vectors[0].vector.shape == expected
    assert indexed.store.chunks([]) == []


def test_chunks_of_articles_and_of_everything(indexed):
    rows = indexed.store.articles()
    of_first = indexed.store.chunks(article_ids=[rows[0].article_id])
    assert sorted(c.id for c in of_first) == rows[0].chunk_ids()
    everything = indexed.store.chunks()
    assert {c.id for c in everything} == {cid for row in rows for cid in row.chunk_ids()}
    assert everything == indexed.store.chunks(c.id for c in everything)


def test_chunks_of_an_empty_index_are_none(tmp_path, fake_embeddings):
    assistant = Assistant(load_settings(index_dir=tmp_path / "index"), embeddings=fake_embeddings)
    assert assistant.store.chunks() == [] and assistant.store.chunks(["x"]) == []


# ----- one ledger read per request ---------------------------------------------------------


class CountingDatabase:
    """The ledger's database, counting the statements run on it (reads of the state table
    apart)."""

    def __init__(self, db):
        self._db = db
        self.statements: list[str] = []

    def execute(self, sql, params=()):
        self.statements.append(sql)
        return self._db.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self._db, name)

    def state_reads(self) -> int:
        return sum("FROM state" in sql for sql in self.statements)


@pytest.mark.parametrize("request_kind", ["answer", "retrieve", "compare"])
def test_a_request_reads_the_ledger_state_once(indexed, request_kind):
    indexed.answer("Where did the chip factory open?")  # warm: BM25 loaded, collection open
    counting = CountingDatabase(indexed.store.ledger._db)
    indexed.store.ledger._db = counting
    if request_kind == "answer":
        indexed.answer("Where did the chip factory open?")
    elif request_kind == "retrieve":
        indexed.retrieve("Where did the chip factory open?")
    else:
        indexed.compare("chip factory and rain", summary=False)
    assert counting.state_reads() == 1, counting.statements
    assert len(counting.statements) <= 3, counting.statements  # state, article texts, ...


def test_outside_a_request_every_read_is_fresh(indexed, tmp_path, fake_embeddings):
    """Another process's (here: another store's) update shows at the next request."""
    other = Assistant(indexed.settings, embeddings=fake_embeddings)
    with indexed.store.reading():
        before = indexed.store.version
        other.remove_sources([other.store.articles()[0].article_id])
        assert indexed.store.version == before  # the request's snapshot
    assert indexed.store.version != before
    assert len(indexed.store.articles()) == 1

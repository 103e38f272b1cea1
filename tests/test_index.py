"""The index: incremental add/change/delete/duplicate, rebuild, bad index folders, the CLI."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.cli import main
from assistant.core import Assistant
from assistant.errors import IndexStoreError
from assistant.settings import load_settings

from .conftest import SEEDS


def make_article(folder, name, outlet, title, body):
    """Write a small Markdown article with front matter."""
    path = folder / name
    path.write_text(f"---\noutlet: {outlet}\ntitle: {title}\npublished: 2023-05-01\n---\n{body}\n")
    return path


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    make_article(folder, "a.md", "Wired", "Chips", "The chip factory opened in Ohio. " * 30)
    make_article(folder, "b.md", "BBC", "Rain", "Heavy rain flooded the valley roads. " * 30)
    return folder


@pytest.fixture
def assistant(tmp_path, corpus, fake_embeddings):
    settings = load_settings(index_dir=tmp_path / "index", sources=[corpus])
    return Assistant(settings, embeddings=fake_embeddings)


def chunk_ids(assistant):
    return set(assistant.store.collection().get(include=[])["ids"])


def expected_ids(assistant):
    return {cid for row in assistant.store.articles() for cid in row.chunk_ids()}


def test_first_run_adds_everything_and_second_run_touches_nothing(assistant):
    first = assistant.index()
    assert sorted(p.rsplit("/", 1)[-1] for p in first.added) == ["a.md", "b.md"]
    assert first.chunks_embedded == len(chunk_ids(assistant)) > 2
    second = assistant.index()
    assert len(second.unchanged) == 2
    assert second.added == second.updated == second.removed == []
    assert second.chunks_embedded == 0


def test_changed_article_is_reembedded_and_its_old_chunks_go(assistant, corpus):
    assistant.index()
    before = chunk_ids(assistant)
    make_article(corpus, "a.md", "Wired", "Chips", "The chip factory closed in Ohio. " * 10)
    report = assistant.index()
    assert [p.rsplit("/", 1)[-1] for p in report.updated] == ["a.md"]
    assert len(report.unchanged) == 1
    after = chunk_ids(assistant)
    assert after == expected_ids(assistant)
    assert after != before
    texts = assistant.store.collection().get(include=["documents"])["documents"]
    assert not any("opened" in text for text in texts)


def test_deleted_file_is_removed_from_index(assistant, corpus):
    assistant.index()
    (corpus / "b.md").unlink()
    report = assistant.index()
    assert [p.rsplit("/", 1)[-1] for p in report.removed] == ["b.md"]
    assert set(assistant.outlets()) == {"Wired"}
    assert chunk_ids(assistant) == expected_ids(assistant)


def test_same_text_twice_is_indexed_once(assistant, corpus):
    shutil.copy(corpus / "a.md", corpus / "a-copy.md")
    report = assistant.index()
    assert len(report.added) == 2
    assert any("duplicate of" in skip.reason for skip in report.skipped)
    assert len(assistant.store.articles()) == 2


def test_add_sources_keeps_other_articles(assistant, tmp_path):
    assistant.index()
    extra = tmp_path / "extra"
    extra.mkdir()
    make_article(extra, "c.md", "Reuters", "Oil", "Oil prices rose sharply on Tuesday. " * 20)
    report = assistant.add_sources([extra])
    assert len(report.added) == 1
    assert set(assistant.outlets()) == {"Wired", "BBC", "Reuters"}
    removed = assistant.remove_sources([assistant.sources()["Reuters"][0]["article_id"]])
    assert len(removed) == 1
    assert set(assistant.outlets()) == {"Wired", "BBC"}
    assert chunk_ids(assistant) == expected_ids(assistant)


def test_rebuild_keeps_articles_added_from_elsewhere(assistant, tmp_path):
    assistant.index()
    extra = tmp_path / "uploads"
    extra.mkdir()
    make_article(extra, "c.md", "Reuters", "Oil", "Oil prices rose sharply on Tuesday. " * 20)
    assistant.add_sources([extra])
    report = assistant.index(rebuild=True)
    assert len(report.added) == 3
    assert set(assistant.outlets()) == {"Wired", "BBC", "Reuters"}


def test_unreadable_file_keeps_its_old_articles(assistant, corpus):
    assistant.index()
    (corpus / "a.md").write_bytes(b"\x00\x01\x02 binary now")
    report = assistant.index()
    assert report.removed == []
    assert any("binary" in skip.reason for skip in report.skipped)
    assert set(assistant.outlets()) == {"Wired", "BBC"}


def test_rebuild_switches_to_a_fresh_collection(assistant):
    assistant.index()
    old_collection = assistant.store.active
    report = assistant.index(rebuild=True)
    assert len(report.added) == 2
    assert assistant.store.active != old_collection
    names = [getattr(c, "name", c) for c in assistant.store.client.list_collections()]
    assert names == [assistant.store.active]
    assert chunk_ids(assistant) == expected_ids(assistant)


def test_chunks_carry_outlet_metadata_and_exact_offsets(assistant):
    assistant.index()
    got = assistant.store.collection().get(include=["documents", "metadatas"])
    texts = {row.article_id: row for row in assistant.store.articles()}
    full = assistant.store.article_texts(texts)
    for document, meta in zip(got["documents"], got["metadatas"]):
        assert meta["outlet"] in {"Wired", "BBC"}
        assert {"title", "published", "article_id", "start", "end"} <= set(meta)
        assert full[meta["article_id"]][meta["start"] : meta["end"]] == document


def test_embedder_mismatch_is_refused(assistant, tmp_path, corpus, fake_embeddings):
    assistant.index()

    class OtherEmbeddings(type(fake_embeddings)):
        embedder_id: str = "fake:other"

    other = Assistant(assistant.settings, embeddings=OtherEmbeddings(size=384))
    with pytest.raises(IndexStoreError, match="rebuild"):
        other.retrieve("chips")


def test_foreign_folder_is_refused(tmp_path, fake_embeddings):
    folder = tmp_path / "not-an-index"
    folder.mkdir()
    (folder / "thesis.docx").write_text("my thesis")
    with pytest.raises(IndexStoreError, match="not an assistant index"):
        Assistant(load_settings(index_dir=folder), embeddings=fake_embeddings).store  # noqa: B018
    assert (folder / "thesis.docx").read_text() == "my thesis"


def test_corrupt_ledger_is_refused_with_rebuild_hint(assistant, tmp_path, fake_embeddings):
    assistant.index()
    ledger = tmp_path / "index" / "ledger.sqlite"
    for suffix in ("-wal", "-shm"):
        (tmp_path / "index" / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
    ledger.write_bytes(b"this is not a database" * 100)
    fresh = Assistant(assistant.settings, embeddings=fake_embeddings)
    with pytest.raises(IndexStoreError) as caught:
        fresh.retrieve("chips")
    assert "assistant index --rebuild" in str(caught.value)


# ----- the CLI, with the real model --------------------------------------------------------


@pytest.mark.slow  # the CLI loads the real model
def test_cli_index_sources_ask_with_real_model(tmp_path, capsys):
    index_dir = str(tmp_path / "cli-index")
    assert main(["--index-dir", index_dir, "index", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "added 2" in out and "skipped 0" in out
    assert main(["--index-dir", index_dir, "sources"]) == 0
    listing = capsys.readouterr().out
    assert "fakty.com.ua (1)" in listing and "TASS (1)" in listing
    assert (
        main(["--index-dir", index_dir, "ask", "anti-drone missiles sent to Kiev", "--json"]) == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["outlets"] == ["TASS"]
    assert "anti-drone missiles" in answer["citations"][0]["quote"]


@pytest.mark.slow  # the CLI loads the real model to embed the article it adds
def test_cli_reports_skips_with_exit_code_1(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    make_article(folder, "ok.md", "Wired", "Ok", "A perfectly fine article about chips. " * 10)
    code = main(["--index-dir", str(tmp_path / "i"), "index", str(folder)])
    out = capsys.readouterr().out
    assert code == 1
    assert "added 1" in out and "skipped 1" in out
    assert "empty.txt: file is empty" in out


def test_cli_errors_are_one_line_without_traceback(tmp_path, capsys):
    folder = tmp_path / "foreign"
    folder.mkdir()
    (folder / "data.bin").write_text("x")
    code = main(["--index-dir", str(folder), "sources"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err
    assert "hint:" in err
    code = main(["--index-dir", str(tmp_path / "ok"), "ask", "x" * 100_000])
    err = capsys.readouterr().err
    assert code == 2 and "limit is 2,000" in err and "Traceback" not in err


@pytest.mark.slow  # writes 40,000 records into Chroma
def test_reads_of_more_records_than_sqlite_allows_in_one_query_are_paged(tmp_path, fake_embeddings):
    """Chroma fails one ``get`` of ~33k+ records ("too many SQL variables"); ours pages."""
    import numpy as np

    assistant = Assistant(
        load_settings(index_dir=tmp_path / "index", sources=[SEEDS]), embeddings=fake_embeddings
    )
    assistant.index()
    collection = assistant.store.collection()
    extra = 40_000
    rng = np.random.default_rng(0)
    for at in range(0, extra, 5_000):
        ids = [f"synthetic-{number:06d}" for number in range(at, at + 5_000)]
        vectors = rng.random((5_000, 384), dtype=np.float32)
        collection.upsert(
            ids=ids,
            embeddings=vectors,
            documents=["filler"] * 5_000,
            metadatas=[{"outlet": "Filler"}] * 5_000,
        )
    everything = collection.get(include=["documents", "metadatas", "embeddings"])
    total = extra + sum(row.n_chunks for row in assistant.store.articles())
    assert len(everything["ids"]) == len(set(everything["ids"])) == total
    assert len(everything["documents"]) == len(everything["embeddings"]) == total
    by_id = collection.get(ids=everything["ids"], include=["metadatas"])
    assert by_id["ids"] == everything["ids"] and len(by_id["metadatas"]) == total

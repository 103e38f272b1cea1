"""kill -9 at random points of an update or rebuild never leaves a half-empty index."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys

import pytest

from assistant.core import Assistant
from assistant.settings import load_settings

from .conftest import ROOT

# Every test here runs index updates in worker processes and kills them.
pytestmark = pytest.mark.slow


def write_corpus(folder, count, version):
    """``count`` one-article JSON files; ``version`` changes every text."""
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for number in range(count):
        body = " ".join(
            f"Article {number} version {version} sentence {s} about harbour cranes and tides."
            for s in range(60)
        )
        record = {
            "title": f"Story {number}",
            "source": f"Outlet {number % 4}",
            "body": body,
            "published_at": "2023-10-01T00:00:00+00:00",
        }
        (folder / f"story-{number:03d}.json").write_text(json.dumps([record]))


def run_and_kill(index_dir, source, mode, delay, env=None):
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", str(index_dir), str(source), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout.readline().strip() == "started", process.stderr.read()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=delay)  # a worker with a kill point may kill itself before
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return process.returncode == 0


def fresh_process_view():
    """Drop this process's cached Chroma systems, so we read the disk as a new process does.

    (Embedded Chroma keeps each path's vector segment in memory; a write by another
    process is not visible to an already-open system.)
    """
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def assert_consistent_and_answering(index_dir, fake_embeddings, expected_versions):
    fresh_process_view()
    assistant = Assistant(load_settings(index_dir=index_dir), embeddings=fake_embeddings)
    rows = assistant.store.articles()
    assert rows, "the index lost all its articles"
    present = set(assistant.store.collection().get(include=[])["ids"])
    for row in rows:  # every recorded article is fully there: never half an article
        assert set(row.chunk_ids()) <= present
    documents = assistant.retrieve("harbour cranes and tides", k=5)
    assert len(documents) == 5
    for document in documents:
        assert any(f"version {v}" in document.page_content for v in expected_versions)
    return assistant


@pytest.mark.parametrize("mode", ["sync", "rebuild"])
def test_kill_minus_nine_during_update_then_rerun_repairs(tmp_path, fake_embeddings, mode):
    rng = random.Random(1234 if mode == "sync" else 5678)
    source, index_dir = tmp_path / "src", tmp_path / "index"
    write_corpus(source, 40, version=1)
    base = Assistant(
        load_settings(index_dir=index_dir, sources=[source]), embeddings=fake_embeddings
    )
    assert len(base.index().added) == 40
    base.store.ledger.close()
    write_corpus(source, 60, version=2)  # 40 changed, 20 new
    killed_any = False
    for _ in range(3):  # several kill points
        finished = run_and_kill(index_dir, source, mode, delay=rng.uniform(0.3, 2.5))
        killed_any |= not finished
        assert_consistent_and_answering(index_dir, fake_embeddings, expected_versions=(1, 2))
    assert killed_any, "no run was killed mid-way; the kill points are too late"
    fresh_process_view()
    repaired = Assistant(
        load_settings(index_dir=index_dir, sources=[source]), embeddings=fake_embeddings
    )
    repaired.index()
    rows = repaired.store.articles()
    assert len(rows) == 60
    present = set(repaired.store.collection().get(include=[])["ids"])
    assert present == {cid for row in rows for cid in row.chunk_ids()}
    assert set(repaired.store.lexical().ids) == present
    texts = repaired.store.collection().get(include=["documents"])["documents"]
    assert all("version 2" in text for text in texts)


def assert_all_agree(assistant):
    """Ledger, Chroma and BM25 name the same chunks; one BM25 version, no leftovers."""
    rows = assistant.store.articles()
    expected = {cid for row in rows for cid in row.chunk_ids()}
    assert set(assistant.store.collection().get(include=[])["ids"]) == expected
    assert set(assistant.store.lexical().ids) == expected
    names = [c.name for c in assistant.store.client.list_collections()]
    assert names == [assistant.store.active]
    saved = sorted(p.name for p in (assistant.store.index_dir / "lexical").iterdir())
    assert saved == [f"{assistant.store.active}-v{assistant.store.version}"]
    return rows


KILL_POINTS = [  # (mode, point, n-th visit): each named step of an update, killed right there
    ("sync", "chroma_write", 2),  # chunks of a group in Chroma, their ledger rows not yet
    ("sync", "ledger_commit", 3),  # some groups recorded, the rest not
    ("sync", "bm25_save", 1),  # everything written, BM25 staged but not moved in place
    ("sync", "collection_gc", 1),  # stale ledger rows dropped, orphan chunks not yet deleted
    ("rebuild", "chroma_write", 3),  # a fresh collection half filled, not switched to
    ("rebuild", "collection_gc", 1),  # switched, the old collection not yet deleted
    ("rebuild", "bm25_save", 1),
]


@pytest.mark.parametrize(("mode", "point", "after"), KILL_POINTS)
def test_kill_at_each_step_then_rerun_repairs_ledger_chroma_and_bm25(
    tmp_path, fake_embeddings, mode, point, after
):
    source, index_dir = tmp_path / "src", tmp_path / "index"
    write_corpus(source, 30, version=1)
    base = Assistant(
        load_settings(index_dir=index_dir, sources=[source]), embeddings=fake_embeddings
    )
    base.index()
    base.store.ledger.close()
    write_corpus(source, 40, version=2)  # 30 changed, 10 new
    for old in sorted(source.glob("*.json"))[:3]:
        old.unlink()  # and 3 removed
    env = {"CRASH_AT": point, "CRASH_AFTER": str(after)}
    finished = run_and_kill(index_dir, source, mode, delay=120, env=env)
    assert not finished, f"the worker never reached {point}"
    assert_consistent_and_answering(index_dir, fake_embeddings, expected_versions=(1, 2))
    fresh_process_view()
    repaired = Assistant(
        load_settings(index_dir=index_dir, sources=[source]), embeddings=fake_embeddings
    )
    repaired.index()
    rows = assert_all_agree(repaired)
    assert len(rows) == 37
    texts = repaired.store.collection().get(include=["documents"])["documents"]
    assert all("version 2" in text for text in texts)

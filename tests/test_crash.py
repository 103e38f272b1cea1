"""kill -9 at random points of an update or rebuild never leaves a half-empty index."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from assistant.core import Assistant
from assistant.settings import load_settings

from .conftest import ROOT


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
        record = {"title": f"Story {number}", "source": f"Outlet {number % 4}", "body": body,
                  "published_at": "2023-10-01T00:00:00+00:00"}  # fmt: skip
        (folder / f"story-{number:03d}.json").write_text(json.dumps([record]))


def run_and_kill(index_dir, source, mode, delay):
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", str(index_dir), str(source), mode],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout.readline().strip() == "started", process.stderr.read()
    time.sleep(delay)
    finished = process.poll() is not None
    if not finished:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return finished


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
    base = Assistant(load_settings(index_dir=index_dir, sources=[source]),
                     embeddings=fake_embeddings)  # fmt: skip
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
    repaired = Assistant(load_settings(index_dir=index_dir, sources=[source]),
                         embeddings=fake_embeddings)  # fmt: skip
    repaired.index()
    rows = repaired.store.articles()
    assert len(rows) == 60
    present = set(repaired.store.collection().get(include=[])["ids"])
    assert present == {cid for row in rows for cid in row.chunk_ids()}
    assert set(repaired.store.lexical().ids) == present
    texts = repaired.store.collection().get(include=["documents"])["documents"]
    assert all("version 2" in text for text in texts)

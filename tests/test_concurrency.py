"""Several processes on one index: readers keep answering while the CLI indexes; one writer.

The reader is this process (the Python API); the writers are the real ``assistant`` command
line in other processes. Both use the torch embedder, so the index's embedder id matches.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from .conftest import MULTIHOP
from .support import cli_env, finish, start_cli
from .test_server_mode import SEED_QUESTIONS

pytestmark = pytest.mark.skipif(not MULTIHOP.exists(), reason="needs ../shared beside the repo")


BODY_CHARS = 1500  # the first paragraphs of each article: ~2 chunks, so the test stays short


def corpus_records(count: int, start: int = 0) -> list[dict]:
    """``count`` MultiHop-RAG articles from ``start`` on, cut to their first paragraphs."""
    records = json.loads((MULTIHOP / "corpus.json").read_text())[start : start + count]
    return [{**r, "body": r["body"][: r["body"].rfind(".", 0, BODY_CHARS) + 1]} for r in records]


def write_articles(folder: Path, records: list[dict]) -> list[Path]:
    """One JSON file per article."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, record in enumerate(records):
        path = folder / f"article-{number:03d}.json"
        path.write_text(json.dumps([record]))
        paths.append(path)
    return paths


def cli(index_dir: Path, *args: str, wait_s: float | None = None) -> subprocess.Popen:
    """Start the real ``assistant`` command line on ``index_dir`` (torch embedder)."""
    env = cli_env(OMP_NUM_THREADS="1")
    if wait_s is not None:
        env["ASSISTANT_INDEX_LOCK_WAIT_S"] = str(wait_s)
    return start_cli("--index-dir", str(index_dir), *args, env=env)


class ReaderLoop(threading.Thread):
    """Asks questions over and over through the Python API, counting every failure."""

    def __init__(self, assistant, questions: list[str]):
        super().__init__(daemon=True)
        self.assistant, self.questions = assistant, questions
        self.asked, self.failures, self.cited_urls = 0, [], set()
        self.stop = threading.Event()

    def run(self) -> None:
        """Loop until stopped."""
        while not self.stop.is_set():
            question = self.questions[self.asked % len(self.questions)]
            self.asked += 1
            try:
                result = self.assistant.answer(question)
                self.cited_urls.update(c.url for c in result.citations if c.url)
            except Exception as error:  # any failure at all is counted
                self.failures.append(f"{question!r}: {type(error).__name__}: {error}")
            time.sleep(0.05)  # leave the indexer some of the machine's two cores


def assert_consistent(assistant) -> set[str]:
    """Ledger, Chroma and BM25 name exactly the same chunks; returns them."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # read the disk as a new process would
    store = assistant.__class__(assistant.settings, embeddings=assistant.embeddings).store
    expected = {cid for row in store.articles() for cid in row.chunk_ids()}
    assert set(store.collection().get(include=[])["ids"]) == expected
    assert set(store.lexical().ids) == expected
    return expected


def test_questions_never_fail_while_another_process_indexes_and_removes(seed_assistant, tmp_path):
    records = corpus_records(50)
    source = tmp_path / "incoming"
    paths = write_articles(source, records)
    questions = [*SEED_QUESTIONS, *(r["title"] for r in records[:40:4])]
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core for the reader, one for the indexer
    reader = ReaderLoop(seed_assistant, questions)
    reader.start()
    try:
        code, out, err = finish(cli(seed_assistant.settings.index_dir, "index", str(source)))
        assert code == 0, err
        assert "added 50" in out
        asked_during_add = reader.asked
        for path in paths[40:]:  # then remove ten of them
            path.unlink()
        code, out, err = finish(cli(seed_assistant.settings.index_dir, "index", str(source)))
        assert code == 0 and "removed 10" in out, err
        start = reader.asked
        while reader.asked < start + len(questions) and reader.is_alive():
            time.sleep(0.2)  # a full round of questions after the last change
    finally:
        reader.stop.set()
        reader.join(timeout=120)
        torch.set_num_threads(threads)
    assert reader.failures == [], reader.failures[:5]
    assert asked_during_add > 0 and reader.asked > asked_during_add
    new_urls = {r["url"] for r in records[:40]}
    assert reader.cited_urls & new_urls, "the reader never saw the new articles"
    final = seed_assistant.answer(records[0]["title"])
    assert records[0]["url"] in {c.url for c in final.citations}
    removed_urls = {r["url"] for r in records[40:]}
    assert not {d.metadata.get("url") for d in seed_assistant.retrieve(records[45]["title"])} & (
        removed_urls
    )
    assert len(seed_assistant.store.articles()) == 2 + 40
    assert_consistent(seed_assistant)


def test_second_indexer_refuses_or_waits_and_the_index_stays_consistent(seed_assistant, tmp_path):
    index_dir = seed_assistant.settings.index_dir
    first_batch = write_articles(tmp_path / "first", corpus_records(30))
    second_batch = write_articles(tmp_path / "second", corpus_records(5, start=30))
    lock = index_dir / "write.lock"
    first = cli(index_dir, "index", str(first_batch[0].parent))
    deadline = time.monotonic() + 120
    while lock.read_text().strip() != str(first.pid):  # the first indexer holds the lock
        assert first.poll() is None and time.monotonic() < deadline, first.stderr.read()
        time.sleep(0.05)
    refused = finish(cli(index_dir, "index", str(second_batch[0].parent), wait_s=0))
    waiting = cli(index_dir, "index", str(second_batch[0].parent), wait_s=600)
    code, out, err = finish(first)
    assert code == 0 and "added 30" in out, err
    assert refused[0] == 2
    assert f"error: another process (pid {first.pid}) is updating the index" in refused[2]
    assert "hint: wait for it to finish" in refused[2] and "Traceback" not in refused[2]
    code, out, err = finish(waiting)
    assert code == 0 and "added 5" in out, err
    assert len(seed_assistant.store.articles()) == 2 + 30 + 5
    assert len(assert_consistent(seed_assistant)) > 35

"""The quantised ONNX embedder: close to fp32, cached once, never mixed with another embedder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.chunking import chunk_spans
from assistant.cli import main as cli_main
from assistant.core import Assistant
from assistant.embeddings import TorchEmbeddings, make_embeddings
from assistant.errors import IndexStoreError
from assistant.loaders import load_paths
from assistant.onnx_embeddings import (
    OnnxEmbeddings,
    length_batches,
    mean_pool_normalized,
    user_cache_dir,
)
from assistant.settings import load_settings
from assistant.store import embedding_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MODEL = "all-MiniLM-L6-v2"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_chunk_texts(real_embeddings):
    """Exactly the texts the indexer embeds for the seed articles (header + chunk)."""
    count = real_embeddings.token_counter()
    articles = load_paths([SEEDS]).articles
    assert len(articles) == 2
    return [
        embedding_text(article, span.of(article.text))
        for article in articles
        for span in chunk_spans(article.text, 200, 40, count)
    ]


def test_vectors_are_unit_384d_and_match_fp32_on_seed_chunks(
    onnx_embeddings, real_embeddings, seed_chunk_texts
):
    quantised = np.asarray(onnx_embeddings.embed_documents(seed_chunk_texts))
    full = np.asarray(real_embeddings.embed_documents(seed_chunk_texts))
    assert quantised.shape == (len(seed_chunk_texts), 384)
    assert np.allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-4)
    cosines = (quantised * full).sum(axis=1)
    assert cosines.min() >= 0.98, cosines


def test_query_vectors_match_fp32_and_document_vectors(onnx_embeddings, real_embeddings):
    question = "What would a complete defeat of Putin lead to?"
    query = np.asarray(onnx_embeddings.embed_query(question))
    assert float(query @ np.asarray(real_embeddings.embed_query(question))) >= 0.98
    as_document = np.asarray(onnx_embeddings.embed_documents(["other text", question])[1])
    assert np.allclose(query, as_document, atol=1e-5)


def test_batches_return_each_vector_in_its_place(
    onnx_embeddings, real_embeddings, seed_chunk_texts
):
    batched = OnnxEmbeddings(MODEL, cache_dir=onnx_embeddings.cache_dir, batch_size=4)
    texts = seed_chunk_texts[::-1] + ["Ukraine's army reports on the front line."]
    grouped = np.asarray(batched.embed_documents(texts))
    full = np.asarray(real_embeddings.embed_documents(texts))
    cosines = grouped @ full.T
    assert (cosines.argmax(axis=1) == np.arange(len(texts))).all()
    # One activation scale per call: batch-mates shift the int8 rounding a little, no more.
    assert np.diag(cosines).min() >= 0.97, np.diag(cosines)
    empty = np.asarray(batched.embed_documents(["", "x"]))
    assert np.allclose(np.linalg.norm(empty, axis=1), 1.0, atol=1e-4)


def test_length_batches_cover_every_text_once_in_length_order():
    token_ids = [[1] * n for n in (5, 1, 9, 3, 7, 2, 8)]
    batches = list(length_batches(token_ids, 3))
    assert sorted(i for batch in batches for i in batch) == list(range(7))
    lengths = [len(token_ids[i]) for batch in batches for i in batch]
    assert lengths == sorted(lengths)
    assert [len(batch) for batch in batches] == [3, 3, 1]


def test_mean_pooling_ignores_padding():
    hidden = np.array([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    assert np.allclose(mean_pool_normalized(hidden, mask), [[1.0, 0.0]])


def test_embedder_ids_differ_and_settings_select_onnx(isolated_settings):
    settings = load_settings(embedding_backend="onnx-int8")
    embeddings = make_embeddings(settings)
    assert isinstance(embeddings, OnnxEmbeddings)
    assert embeddings.cache_dir == settings.index_dir / "models"
    assert embeddings.shared_cache_dir == user_cache_dir()
    assert embeddings.embedder_id.startswith("onnx-int8:")
    assert embeddings.embedder_id != TorchEmbeddings(MODEL).embedder_id
    assert embeddings.token_counter()("Hello world") == 2


def test_torch_built_index_refuses_onnx_queries(seed_assistant, onnx_embeddings):
    mixed = Assistant(seed_assistant.settings, embeddings=onnx_embeddings)
    with pytest.raises(IndexStoreError) as raised:
        mixed.answer("What would a complete defeat of Putin lead to?")
    assert "onnx-int8:" in str(raised.value) and "torch:" in str(raised.value)
    assert "assistant index --rebuild" in raised.value.hint
    with pytest.raises(IndexStoreError):
        mixed.retrieve("Putin")


def test_default_settings_build_an_onnx_index_that_answers_and_refuses_torch(
    onnx_embeddings, real_embeddings, monkeypatch, capsys
):
    monkeypatch.delenv("ASSISTANT_EMBEDDING_BACKEND")  # the default backend, as users get it
    assistant = Assistant(load_settings(sources=[SEEDS]))
    embeddings = assistant.embeddings
    assert isinstance(embeddings, OnnxEmbeddings)
    assert assistant.store.is_empty()  # the first command opens the index folder...
    # ...and a previous run left its export in the cache beside the index.
    embeddings.cache_dir.mkdir(parents=True)
    shutil.copy2(onnx_embeddings.model_file, embeddings.model_file)

    report = assistant.index()
    assert len(report.added) == 2, report.summary()
    assert not embeddings.exported
    answer = assistant.answer("What would a complete defeat of Putin lead to?")
    assert set(answer.outlets) == {"TASS", "fakty.com.ua"}
    assert cli_main(["ask", "What would a complete defeat of Putin lead to?", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {c["outlet"] for c in printed["citations"]} == {"TASS", "fakty.com.ua"}

    reopened = Assistant(assistant.settings, embeddings=real_embeddings)
    with pytest.raises(IndexStoreError) as raised:
        reopened.answer("What would a complete defeat of Putin lead to?")
    assert "assistant index --rebuild" in raised.value.hint


REUSE_PROBE = """
import json, sys
from pathlib import Path
from assistant.onnx_embeddings import OnnxEmbeddings
embeddings = OnnxEmbeddings("all-MiniLM-L6-v2", cache_dir=Path(sys.argv[1]))
vector = embeddings.embed_query("warm up")
print(json.dumps({"exported": embeddings.exported, "torch_imported": "torch" in sys.modules,
                  "dims": len(vector), "file": str(embeddings.model_file)}))
"""


def test_exported_model_is_reused_on_next_start(onnx_embeddings):
    assert onnx_embeddings.exported  # the session fixture exported into an empty cache
    model_file = onnx_embeddings.model_file
    before = model_file.stat()

    again = OnnxEmbeddings(MODEL, cache_dir=onnx_embeddings.cache_dir)
    again.embed_query("hello")
    assert not again.exported

    probe = subprocess.run(
        [sys.executable, "-c", REUSE_PROBE, str(onnx_embeddings.cache_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result == {
        "exported": False,
        "torch_imported": False,
        "dims": 384,
        "file": str(model_file),
    }
    after = model_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p.name for p in model_file.parent.glob("*.onnx")] == [model_file.name]


EXPORT_PROBE = """
import sys
from pathlib import Path
from assistant.onnx_embeddings import OnnxEmbeddings
OnnxEmbeddings("all-MiniLM-L6-v2", cache_dir=Path(sys.argv[1])).embed_query("x")
"""


def test_killed_export_leaves_no_model_and_next_start_recovers(tmp_path, onnx_embeddings):
    cache = tmp_path / "models"
    process = subprocess.Popen(
        [sys.executable, "-c", EXPORT_PROBE, str(cache)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while not any(cache.glob(".export-*/*.onnx")):  # the export is writing its files
            assert process.poll() is None, "the export ended before it could be killed"
            assert time.monotonic() < deadline, "the export never started"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert not list(cache.glob("*.onnx")), "a killed export left a model file"

    # A damaged file under the final name (e.g. a copy cut short) is not trusted either.
    damaged = cache / onnx_embeddings.model_file.name
    damaged.write_bytes(onnx_embeddings.model_file.read_bytes()[:1000])
    shared = tmp_path / "user-cache"
    embeddings = OnnxEmbeddings(MODEL, cache_dir=cache, shared_cache_dir=shared)
    vector = np.asarray(embeddings.embed_query("after the crash"))
    assert embeddings.exported and embeddings.model_file.stat().st_size > 1_000_000
    shared_copy = shared / embeddings.model_file.name
    assert shared_copy.read_bytes() == embeddings.model_file.read_bytes()
    assert float(vector @ np.asarray(onnx_embeddings.embed_query("after the crash"))) > 0.999
    assert not list(cache.glob(".export-*")), "the killed export's work folder was left behind"


def test_another_index_reuses_the_shared_export(tmp_path, onnx_embeddings):
    shared = onnx_embeddings.cache_dir  # holds the session's export
    first = OnnxEmbeddings(MODEL, cache_dir=tmp_path / "a" / "models", shared_cache_dir=shared)
    second = OnnxEmbeddings(MODEL, cache_dir=tmp_path / "b" / "models", shared_cache_dir=shared)
    vectors = [np.asarray(e.embed_query("Kherson")) for e in (first, second)]
    assert not first.exported and not second.exported
    assert first.model_file.is_file() and second.model_file.is_file()
    assert first.model_file.read_bytes() == onnx_embeddings.model_file.read_bytes()
    assert np.allclose(vectors[0], vectors[1]) and not list(first.cache_dir.glob(".*.part"))


def test_damaged_shared_export_is_dropped_and_replaced(tmp_path, onnx_embeddings, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / onnx_embeddings.model_file.name).write_bytes(b"not a model")
    exports = []

    def fake_export(model_dir, target):  # counts the call; copies the session's export
        exports.append(target)
        shutil.copy2(onnx_embeddings.model_file, target)
        return True

    monkeypatch.setattr("assistant.onnx_embeddings.export_quantized", fake_export)
    embeddings = OnnxEmbeddings(
        MODEL, cache_dir=tmp_path / "index" / "models", shared_cache_dir=shared
    )
    assert len(embeddings.embed_query("Kherson")) == 384
    assert exports == [embeddings.model_file]
    assert (shared / embeddings.model_file.name).stat().st_size > 1_000_000

"""A full disk or a read-only index folder: a clear error, and the existing index untouched."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys

import pytest

from assistant.core import Assistant

from .conftest import MULTIHOP, ROOT
from .test_concurrency import corpus_records, write_articles
from .test_crash import fresh_process_view
from .test_server_mode import SEED_QUESTIONS


def index_in_subprocess(index_dir, folder, preexec_fn=None):
    """The real ``assistant index`` (torch embedder, as the seed index was built)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_EMBEDDING_BACKEND": "torch"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "--index-dir",
            str(index_dir),
            "index",
            str(folder),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=preexec_fn,
    )


def what_readers_see(assistant) -> list:
    """Citations (outlet, quote) of every seed question, read as a new process would."""
    fresh_process_view()
    again = Assistant(assistant.settings, embeddings=assistant.embeddings)
    return [[(c.outlet, c.quote) for c in again.answer(q).citations] for q in SEED_QUESTIONS]


def assert_untouched(assistant, before) -> None:
    """The seed index answers as before and ledger and Chroma still agree."""
    assert what_readers_see(assistant) == before
    fresh_process_view()
    store = Assistant(assistant.settings, embeddings=assistant.embeddings).store
    expected = {cid for row in store.articles() for cid in row.chunk_ids()}
    assert expected <= set(store.collection().get(include=[])["ids"])


@pytest.mark.skipif(not MULTIHOP.exists(), reason="needs ../shared beside the repo")
def test_disk_full_is_a_clear_error_and_the_index_is_untouched(seed_assistant, tmp_path):
    """Files may not grow past their current size (RLIMIT_FSIZE): every write that would
    extend the store fails with EFBIG at the OS level, as on a full disk."""
    index_dir = seed_assistant.settings.index_dir
    before = what_readers_see(seed_assistant)
    folder = tmp_path / "new"
    write_articles(folder, corpus_records(3))
    limit = max(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) + 4096

    def cap_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = index_in_subprocess(index_dir, folder, preexec_fn=cap_file_size)
    assert result.returncode == 2, result.stderr
    assert "error: writing to the Chroma index failed" in result.stderr
    assert "hint: check free disk space" in result.stderr
    assert "Traceback" not in result.stderr
    assert_untouched(seed_assistant, before)
    assert len(seed_assistant.store.articles()) == 2


# Root ignores file modes; without these capabilities it is held to them like any user.
WITHOUT_DAC = [
    "--inh-caps=-dac_override,-dac_read_search",
    "--bounding-set=-dac_override,-dac_read_search",
]


def cli_without_override(index_dir, *args):
    """The real CLI as a process that file permissions apply to (setpriv drops root's
    permission-override capabilities)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_EMBEDDING_BACKEND": "torch"}
    return subprocess.run(
        [
            "setpriv",
            *WITHOUT_DAC,
            "--",
            sys.executable,
            "-m",
            "assistant.cli",
            "--index-dir",
            str(index_dir),
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def file_digests(folder) -> dict:
    """Every file under ``folder`` with its size and modification time."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
def test_read_only_index_folder_is_a_clear_error_and_the_index_is_untouched(
    seed_assistant, tmp_path
):
    index_dir = seed_assistant.settings.index_dir
    before = what_readers_see(seed_assistant)
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\noutlet: Chop Courier\ntitle: Ferry\npublished: 2024-05-06\n---\n"
        "The ferry at Chop resumed service on Monday with four crossings a day.\n"
    )
    files = file_digests(index_dir)
    modes = {p: p.stat().st_mode for p in [index_dir, *index_dir.rglob("*")]}
    for path in modes:
        path.chmod(modes[path] & ~0o222)
    try:
        for args in (["index", str(folder)], ["ask", SEED_QUESTIONS[0]]):
            result = cli_without_override(index_dir, *args)
            assert result.returncode == 2, result.stdout + result.stderr
            assert f"error: the index folder {index_dir} is read-only" in result.stderr
            assert "hint: make it writable" in result.stderr
            assert "Traceback" not in result.stderr
        assert file_digests(index_dir) == files
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert_untouched(seed_assistant, before)
    assert len(seed_assistant.store.articles()) == 2

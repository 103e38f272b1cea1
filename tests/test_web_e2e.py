"""Feeds end to end with the real model: answers cite the new articles' outlets and dates;
``assistant index --watch`` and ``assistant serve --refresh`` as real subprocesses, stopped
with SIGTERM, leaving a consistent index. All fetching is from a server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import load_settings

from .conftest import ROOT, SEEDS
from .support import free_port
from .test_concurrency import assert_consistent
from .web_server import FixtureSite

pytestmark = pytest.mark.slow
BRIDGE = "How long will the repair of the Antonivskyi bridge take?"
GRAIN = "How many grain ships left Odesa under the renewed corridor deal?"


def follow(folder: Path, site: FixtureSite) -> Path:
    path = folder / "sources.toml"
    path.write_text(f'[defaults]\nlimit = 10\n[[feed]]\nurl = "{site.url("/feed.xml")}"\n')
    return path


def fast_env(index_dir: Path, sources_file: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_EMBEDDING_BACKEND": "torch",
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_SOURCES": str(SEEDS),
        "ASSISTANT_SOURCES_FILE": str(sources_file),
        "ASSISTANT_FETCH_DELAY_S": "0",
        "ASSISTANT_FETCH_TIMEOUT_S": "5",
        "OMP_NUM_THREADS": "1",
    }


class Output(threading.Thread):
    """Collects a subprocess stream line by line so a test can wait for a line."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(text in line for line in self.lines) >= count:
                return
            time.sleep(0.2)
        raise AssertionError(f"no {text!r} (x{count}) within {timeout}s in:\n{''.join(self.lines)}")


def start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, Output, Output]:
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = Output(process.stdout), Output(process.stderr)
    out.start()
    err.start()
    return process, out, err


def ask_cli(env: dict[str, str], question: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", question, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cited(answer: dict) -> dict[str, str | None]:
    return {c["outlet"]: c["published"] for c in answer["citations"]}


def test_grown_feed_is_answered_citing_the_new_outlets_with_dates(seed_assistant, site, tmp_path):
    settings = seed_assistant.settings.model_copy(
        update={"sources_file": follow(tmp_path, site), "fetch_delay_s": 0.0}
    )
    assistant = Assistant(settings, embeddings=seed_assistant.embeddings)
    first = assistant.refresh_web()
    # The feed's two pages are the seed articles' text: the index already has them.
    assert len(first.duplicates) == 2 and first.chunks_embedded == 0, first.lines()
    site.grow()
    grown = assistant.refresh_web()
    assert sorted(grown.new) == [site.url("/news/bridge.html"), site.url("/news/grain.html")]
    assert grown.fetched == 2 and len(grown.duplicates) == 2  # the seed copies: not refetched
    assert grown.chunks_embedded == sum(
        row.n_chunks
        for row in assistant.store.articles()
        if row.outlet in {"Dnipro Daily", "Odesa Courier"}
    )
    bridge = assistant.answer(BRIDGE)
    dates = {c.outlet: c.published for c in bridge.citations}
    assert dates.get("Dnipro Daily") == "2022-11-15T09:30:00+02:00", bridge.text
    assert "six months" in " ".join(c.quote for c in bridge.citations)
    grain = assistant.answer(GRAIN)
    assert {c.outlet: c.published for c in grain.citations}.get("Odesa Courier") == (
        "2022-11-19T18:05:00+02:00"
    ), grain.text
    unchanged = assistant.refresh_web()
    assert (unchanged.feeds_unchanged, unchanged.chunks_embedded) == (1, 0)


def test_index_watch_picks_up_a_new_entry_and_stops_on_sigterm(site, tmp_path):
    index_dir = tmp_path / "index"
    env = fast_env(index_dir, follow(tmp_path, site))
    process, out, err = start(["index", "--watch", "--every", "2s"], env)
    try:
        out.wait_for("web: 1 feeds checked", timeout=240)
        site.grow()
        out.wait_for("2 new", timeout=120)
        answer = ask_cli(env, BRIDGE)  # another process reads while the watcher runs
        assert cited(answer).get("Dnipro Daily") == "2022-11-15T09:30:00+02:00", answer["text"]
        out.wait_for("(1 unchanged)", timeout=60)  # the next refresh: a 304, nothing embedded
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0, "".join(err.lines)
    finally:
        if process.poll() is None:
            process.kill()
    assert any("stopped after" in line for line in err.lines), "".join(err.lines)
    assistant = Assistant(load_settings(index_dir=index_dir, sources=[SEEDS]))
    assert set(assistant.outlets()) == {"TASS", "fakty.com.ua", "Dnipro Daily", "Odesa Courier"}
    assert_consistent(assistant)


def test_serve_refresh_answers_a_new_entry_and_stops_on_sigterm(site, tmp_path):
    from gradio_client import Client

    index_dir, port = tmp_path / "index", free_port()
    env = fast_env(index_dir, follow(tmp_path, site))
    process, out, err = start(["serve", "--port", str(port), "--refresh", "2s"], env)
    try:
        err.wait_for("refresh: web: 1 feeds checked", timeout=240)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        site.grow()
        err.wait_for("2 new", timeout=120)
        *_, answer = client.predict(BRIDGE, [], [], "", "", api_name="/ask")
        assert cited(answer).get("Dnipro Daily") == "2022-11-15T09:30:00+02:00", answer["text"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0, "".join(err.lines)
    finally:
        if process.poll() is None:
            process.kill()
    assistant = Assistant(load_settings(index_dir=index_dir, sources=[SEEDS]))
    assert {"Dnipro Daily", "Odesa Courier"} <= set(assistant.outlets())
    assert_consistent(assistant)


def test_index_command_with_urls_reports_each_failure_in_json(site, tmp_path):
    index_dir = tmp_path / "index"
    env = fast_env(index_dir, tmp_path / "none.toml")
    urls = [site.url("/news/grain.html"), site.url("/nowhere.html"), site.url("/report.pdf")]
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "index", *urls, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr  # done, but some URLs failed
    web = json.loads(done.stdout)["web"]
    assert web["new"] == [urls[0]] and web["chunks_embedded"] > 0
    assert {f["url"]: f["reason"] for f in web["failed"]} == {
        urls[1]: "not found (HTTP 404)",
        urls[2]: "not HTML (application/pdf)",
    }
    assistant = Assistant(load_settings(index_dir=index_dir, sources=[SEEDS]))
    assert set(assistant.outlets()) == {"Odesa Courier"}  # no seeds: only the URLs were indexed

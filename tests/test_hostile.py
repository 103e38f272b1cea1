"""Hostile users against the running app (issue 16): each attack as the probe ran it, bounded
and on loopback only. A real Gradio server over a copy of the seed index; raw HTTP (httpx)
where the attack is raw HTTP, gradio_client where it is the API.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant.core import Assistant
from assistant.settings import load_settings
from ui.app import build_demo

from .conftest import SEEDS
from .support import free_port
from .test_ui import BOTH_OUTLETS

pytestmark = pytest.mark.slow
NOTICE = '<div class="msg-notice">'
SEED_TASS = "001_b78cba42e385423e.txt"
SEED_TASS_TITLE = "US, NATO believe talks on Ukraine possible if Kiev takes Kherson — newspaper"


def message(role: str, text: str) -> dict:
    """A chat message as Gradio 6 takes it."""
    return {"role": role, "content": [{"type": "text", "text": text}]}


def launch(demo, **kwargs) -> str:
    demo.launch(prevent_thread_lock=True, server_port=free_port(), **kwargs)
    return demo.local_url.rstrip("/")


def call(url: str, api: str, data: list, headers: dict | None = None, timeout: float = 120):
    """POST /gradio_api/call/<api> and read its event stream: ``(last event, its data)``."""
    with httpx.Client(timeout=timeout) as http:
        posted = http.post(f"{url}/gradio_api/call/{api}", json={"data": data}, headers=headers)
        posted.raise_for_status()
        event_id = posted.json()["event_id"]
        event, payload = None, None
        with http.stream("GET", f"{url}/gradio_api/call/{api}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    payload = line.split(":", 1)[1].strip()
                    if event in ("complete", "error"):
                        break
    return event, json.loads(payload) if payload and payload != "null" else payload


@pytest.fixture
def served(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=0)
    url = launch(demo)
    try:
        yield url
    finally:
        demo.close()


# ----- 1. one request must not freeze the server ------------------------------------------------


def test_a_history_of_unclosed_notices_is_answered_and_blocks_no_one(served):
    history = [message("user", NOTICE * 16_000)]  # 416 KB, as in the probe
    waits: list[float] = []

    def probe() -> None:
        time.sleep(0.5)
        started = time.perf_counter()
        httpx.get(f"{served}/gradio_api/app_id", timeout=60).raise_for_status()
        waits.append(time.perf_counter() - started)

    other = threading.Thread(target=probe)
    started = time.perf_counter()
    other.start()
    event, data = call(served, "ask", [BOTH_OUTLETS, history, [], "", ""])
    took = time.perf_counter() - started
    other.join()
    assert event == "complete"
    assert data[-1]["citations"]  # answered
    # Before: 19.5 s for the request, and the unrelated GET waited 18 s.
    assert took < 15.0 and waits[0] < 3.0, (took, waits)


def test_a_long_history_is_cut_to_its_newest_messages(seed_assistant, tmp_path):
    seed_assistant.settings.max_history_messages = 6
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=0)
    url = launch(demo)
    try:
        history = [
            message("user" if n % 2 == 0 else "assistant", f"message {n}") for n in range(20_000)
        ]
        event, data = call(url, "ask", [BOTH_OUTLETS, history, [], "", ""])
        assert event == "complete"
        chat = data[1]
        assert len(chat) == 6 + 2  # the 6 newest, the question and the answer
        assert chat[0]["content"][0]["text"] == "message 19994"
    finally:
        demo.close()


def test_the_rate_limit_is_checked_before_the_history_is_read(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=1)
    url = launch(demo)
    try:
        assert call(url, "ask", [BOTH_OUTLETS, [], [], "", ""])[1][-1]["citations"]
        history = [message("user", NOTICE * 20_000)]
        started = time.perf_counter()
        event, data = call(url, "ask", [BOTH_OUTLETS, history, [], "", ""])
        assert data[-1]["error"].startswith("Too many requests")
        assert time.perf_counter() - started < 10.0
    finally:
        demo.close()


# ----- 3. an upload must not take over another article ------------------------------------------


def test_an_upload_claiming_a_seed_url_and_title_replaces_nothing(served, seed_assistant, tmp_path):
    before = seed_assistant.sources()["TASS"]
    seed_path = str((SEEDS / SEED_TASS).resolve())
    forged = tmp_path / "forged.json"
    record = {
        "source": "TASS",
        "url": seed_path,
        "title": SEED_TASS_TITLE,
        "body": "TASS reports that free ice cream will be handed out in Kherson every Monday.",
    }
    forged.write_text(json.dumps([record]), encoding="utf-8")
    report, *_ = Client(served, verbose=False).predict(
        [handle_file(str(forged))], api_name="/add_files"
    )
    assert "added 1, updated 0" in report  # before: "updated 1", the seed's text replaced
    assert "same title" in report and "replaces nothing" in report
    assert str(SEEDS.parent) not in report  # names are relative
    tass = seed_assistant.sources()["TASS"]
    assert len(tass) == 2
    assert before[0] in tass  # the seed article is still there, as it was
    seed_text = seed_assistant.store.article_texts([before[0]["article_id"]])
    assert "ice cream" not in next(iter(seed_text.values()))


def test_a_duplicate_upload_names_the_original_relative_to_its_folder(served, tmp_path):
    copy = tmp_path / "again.txt"
    copy.write_bytes((SEEDS / SEED_TASS).read_bytes())
    (copy.parent / "manifest.toml").write_text('["again.txt"]\noutlet = "TASS"\n', encoding="utf-8")
    with pytest.raises(AppError) as refused:
        Client(served, verbose=False).predict([handle_file(str(copy))], api_name="/add_files")
    message = str(refused.value)
    assert "duplicate of" in message or "Nothing was added" in message
    assert str(SEEDS.parent) not in message and str(tmp_path) not in message


# ----- 5. the upload route ----------------------------------------------------------------------


def upload(url: str, count: int, size: int, headers: dict | None = None) -> httpx.Response:
    files = [("files", (f"f{n}.md", b"x" * size, "text/markdown")) for n in range(count)]
    return httpx.post(f"{url}/gradio_api/upload", files=files, headers=headers, timeout=60)


def test_the_upload_route_limits_files_bytes_and_rate(seed_assistant, tmp_path):
    seed_assistant.settings.upload_bytes_per_hour = 40_000
    demo = build_demo(
        seed_assistant,
        upload_dir=tmp_path / "uploads",
        max_files=3,
        max_file_bytes=10_000,
        rate_limit=5,
    )
    url = launch(demo)
    try:
        stored = upload(url, 2, 1_000)
        assert stored.status_code == 200 and len(stored.json()) == 2
        assert upload(url, 1, 20_000).status_code == 413  # bytes per file (Gradio's own)
        assert upload(url, 4, 100).status_code == 413  # files per request (before: 40 taken)
        over = upload(url, 3, 9_000)  # 2 + 20 + 1 + 27 KB: the client's hourly bytes are spent
        assert over.status_code == 429 and "an hour" in over.text
        assert upload(url, 1, 10).status_code == 200  # the 5th request a minute
        limited = upload(url, 1, 10)  # the 6th: over the rate
        assert limited.status_code == 429 and "Too many requests" in limited.text
        assert httpx.get(f"{url}/gradio_api/app_id").status_code == 200  # the rest still works
    finally:
        demo.close()
    assert demo.delete_cache == (3600, 3600)  # Gradio's cache cleaning is on


def test_an_indexed_upload_leaves_no_copy_in_gradios_cache(served, tmp_path):
    article = tmp_path / "izmail.md"
    article.write_text(
        "---\noutlet: Danube Ledger\ntitle: Izmail\n---\n\nThe port of Izmail opened a"
        " new grain terminal on the Danube on Friday, the harbour master said.\n",
        encoding="utf-8",
    )
    (cached,) = httpx.post(
        f"{served}/gradio_api/upload",
        files=[("files", ("izmail.md", article.read_bytes(), "text/markdown"))],
    ).json()
    assert Path(cached).is_file()
    event, data = call(
        served, "add_files", [[{"path": cached, "meta": {"_type": "gradio.FileData"}}]]
    )
    assert event == "complete" and "added 1" in data[0]
    assert not Path(cached).exists()


def test_an_upload_with_too_many_records_is_refused(seed_assistant, tmp_path):
    seed_assistant.settings.max_upload_records = 10
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=0)
    url = launch(demo)
    try:
        bulk = tmp_path / "bulk.jsonl"
        bulk.write_text(
            "".join(json.dumps({"source": "S", "body": f"Record {n}."}) + "\n" for n in range(11))
        )
        with pytest.raises(AppError, match="at most 10"):
            Client(url, verbose=False).predict([handle_file(str(bulk))], api_name="/add_files")
    finally:
        demo.close()


# ----- 6. a bulk upload keeps every page load small ---------------------------------------------


def test_a_big_index_keeps_the_page_load_small(tmp_path, fake_embeddings):
    settings = load_settings(index_dir=tmp_path / "bulk-index", sources=[SEEDS])
    assistant = Assistant(settings, embeddings=fake_embeddings)
    bulk = tmp_path / "index-uploads" / "bulk.jsonl"
    bulk.parent.mkdir()
    bulk.write_text(
        "".join(
            json.dumps(
                {"source": f"Outlet {n % 300}", "title": f"Record {n}", "body": f"Text {n}."}
            )
            + "\n"
            for n in range(3_000)
        )
    )
    assistant.add_sources([bulk])
    demo = build_demo(assistant, upload_dir=bulk.parent, rate_limit=0)
    url = launch(demo)
    try:
        event, data = call(url, "refresh", [])
        assert event == "complete"
        size = len(json.dumps(data))
        # Before: every article and every outlet on every page load (31.8 MB for 100k).
        assert size < 60_000, size
        outlets = data[0]["choices"]
        assert len(outlets) == 50
        event, found = call(url, "library", ["Record 2999", 1])
        assert "Record 2999" in found[1] and len(found[2]["choices"]) == 1
        event, removed = call(url, "remove_upload", [str(bulk.resolve())])
        assert event == "complete" and "3000 articles" in removed[0], removed
        assert not any(outlet.startswith("Outlet ") for outlet in assistant.outlets())
    finally:
        demo.close()


# ----- 8, 9. signing in -------------------------------------------------------------------------


@pytest.fixture
def guarded(seed_assistant, tmp_path):
    seed_assistant.settings.login_backoff_s = 30.0  # the first wait outlasts the test
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads")
    url = launch(demo, auth=("reader", "s3cret"))
    try:
        yield url
    finally:
        demo.close()


def login(url: str, user: str, password: str, headers: dict | None = None) -> httpx.Response:
    return httpx.post(
        f"{url}/login", data={"username": user, "password": password}, headers=headers
    )


def test_failed_logins_are_throttled_and_logged(guarded, caplog):
    caplog.set_level(logging.WARNING, logger="ui.access")
    codes = [login(guarded, "reader", f"guess{n}").status_code for n in range(8)]
    assert codes[:5] == [400] * 5  # before: 100 guesses in 1.1 s, all answered
    assert 429 in codes[5:]
    refused = login(guarded, "reader", "s3cret")  # even the right password waits its turn
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert any("failed login" in r.message for r in caplog.records)
    other = login(guarded, "someone", "x")  # another user name from the same client: throttled
    assert other.status_code == 429


def test_before_sign_in_the_page_is_only_a_login_form(guarded):
    page = httpx.get(f"{guarded}/")
    assert page.status_code == 200 and 'id="login-form"' in page.text
    # Before: the whole API description and the outlet names were in the page.
    for secret in ("TASS", "fakty", "add_files", "remove_", "/ask", "api_info", "dependencies"):
        assert secret not in page.text
    runs = httpx.get(f"{guarded}/gradio_api/runs")
    assert "add_files" not in runs.text and "TASS" not in runs.text
    with httpx.Client() as http:
        assert http.post(
            f"{guarded}/login", data={"username": "reader", "password": "s3cret"}
        ).is_success
        assert "add_files" in http.get(f"{guarded}/").text  # signed in: the app


# ----- 10. the client's address -----------------------------------------------------------------


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=2)
    url = launch(demo)
    try:
        errors = []
        for n in range(3):
            headers = {"X-Forwarded-For": f"203.0.113.{n}"}
            _, data = call(url, "ask", [BOTH_OUTLETS, [], [], "", ""], headers=headers)
            errors.append((data[-1] or {}).get("error"))
        assert errors[:2] == [None, None]
        assert errors[2] and errors[2].startswith("Too many requests")  # before: never
        for _ in range(3):
            call(url, "refresh", [])
        event, _ = call(url, "refresh", [])
        assert event == "error"  # /refresh is limited too
    finally:
        demo.close()


def test_a_named_proxy_is_believed(seed_assistant, tmp_path):
    seed_assistant.settings.trusted_proxies = ["127.0.0.1"]
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads", rate_limit=1)
    url = launch(demo)
    try:
        for n in range(3):  # three clients behind the proxy, one request each
            headers = {"X-Forwarded-For": f"203.0.113.{n}"}
            _, data = call(url, "ask", [BOTH_OUTLETS, [], [], "", ""], headers=headers)
            assert data[-1].get("citations"), data[-1]
    finally:
        demo.close()


# ----- 11. where uploads land -------------------------------------------------------------------


def test_uploads_land_under_the_index_folder_by_default(seed_assistant):
    demo = build_demo(seed_assistant)
    folder = demo.handlers.index.uploads.folder
    assert folder == Path(seed_assistant.settings.index_dir) / "uploads"

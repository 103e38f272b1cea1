"""The Sources tab's URL box, through the running Gradio app and gradio_client."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.core import Assistant
from ui.app import build_demo

from .support import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def client(seed_assistant, tmp_path):
    settings = seed_assistant.settings.model_copy(update={"fetch_delay_s": 0.0})
    assistant = Assistant(settings, embeddings=seed_assistant.embeddings)
    demo = build_demo(assistant, upload_dir=tmp_path / "uploads")
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        yield Client(demo.local_url, verbose=False)
    finally:
        demo.close()


def test_a_pasted_link_is_fetched_indexed_and_answered(client, site):
    url = site.url("/news/bridge.html")
    report, *_ = client.predict(f"{url}\n{site.url('/nowhere.html')}", api_name="/add_urls")
    assert "1 new" in report and "Dnipro Daily" in report and "HTTP 404" in report
    *_, answer = client.predict(
        "How long will the repair of the Antonivskyi bridge take?", [], [], "", "", api_name="/ask"
    )
    outlets = {c["outlet"]: c["published"] for c in answer["citations"]}
    assert outlets.get("Dnipro Daily") == "2022-11-15T09:30:00+02:00"


def test_bad_links_are_messages_and_change_nothing(client, site, seed_assistant):
    before = seed_assistant.outlets()
    with pytest.raises(AppError, match="not an http"):
        client.predict("file:///etc/passwd", api_name="/add_urls")
    with pytest.raises(AppError, match="Nothing added"):
        client.predict(site.url("/private/secret.html"), api_name="/add_urls")
    assert seed_assistant.outlets() == before

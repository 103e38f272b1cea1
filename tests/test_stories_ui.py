"""The Stories tab, launched for real over the seed index: through gradio_client and in a real
headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from ui.app import build_demo

from .conftest import ARTIFACTS
from .support import free_port
from .test_ui_browser import CHROMIUM, CHROMIUM_ARGS

BOTH_OUTLETS = "What would a complete defeat of Putin lead to?"


@pytest.fixture
def app(seed_assistant, tmp_path):
    demo = build_demo(seed_assistant, upload_dir=tmp_path / "uploads")
    demo.launch(prevent_thread_lock=True, server_port=free_port())
    try:
        yield demo
    finally:
        demo.close()


def test_stories_endpoints_list_open_and_answer_within_the_story(app):
    client = Client(app.local_url, verbose=False)
    listing, stories = client.predict("", "", api_name="/stories")
    assert len(stories) == 1
    story = stories[0]
    assert sorted(row["outlet"] for row in story["coverage"]) == ["TASS", "fakty.com.ua"]
    assert f'data-story="{story["story_id"]}"' in listing
    assert listing.count('class="coverage-row"') == 2
    view_html, sources, view, key = client.predict("Kherson negotiations", api_name="/story")
    assert key == story["story_id"] and view["story"]["story_id"] == story["story_id"]
    assert [e["outlet"] for e in view["timeline"]] == ["TASS", "fakty.com.ua"]
    assert view_html.index("2022-11-07") < view_html.index("2022-11-08")
    for citation in view["citations"]:
        assert f'id="src-story-{citation["number"]}"' in sources
    answer_html, answer_sources, answer = client.predict(
        story["story_id"], "Why is Kherson important?", api_name="/story_ask"
    )
    assert answer["citations"]
    assert {c["article_id"] for c in answer["citations"]} <= {
        a["article_id"] for a in story["articles"]
    }
    assert 'id="src-storyq-1"' in answer_sources
    empty, none = client.predict("2030-01-01", "", api_name="/stories")
    assert none == [] and "No stories" in empty
    with pytest.raises(AppError, match="since must be a date"):
        client.predict("soon", "", api_name="/stories")
    with pytest.raises(AppError, match="no story is about"):
        client.predict("quarterly results of a bakery in Lima", api_name="/story")


def test_chat_answer_from_one_story_links_to_it(app):
    client = Client(app.local_url, verbose=False)
    _, _, coverage, _, answer = client.predict(BOTH_OUTLETS, [], [], "", "", api_name="/ask")
    assert {c["outlet"] for c in answer["citations"]} == {"TASS", "fakty.com.ua"}
    _, stories = client.predict("", "", api_name="/stories")
    assert f'data-story="{stories[0]["story_id"]}"' in coverage


@pytest.fixture
def page(app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(app.local_url)
            page.wait_for_selector("#status-line .status-index")
            yield page
        finally:
            browser.close()


@pytest.mark.browser
def test_stories_tab_click_opens_the_timeline_and_scoped_questions(page):
    page.get_by_role("tab", name="Stories").click()
    card = page.locator("#stories-list .story-card").first
    card.wait_for()
    assert page.locator("#stories-list .story-card").count() == 1
    bars = card.locator(".coverage-row .outlet-badge").all_inner_texts()
    assert sorted(bars) == ["TASS", "fakty.com.ua"]
    card.click()
    page.wait_for_selector("#story-view .timeline-entry")
    entries = page.locator("#story-view .timeline-entry").all_inner_texts()
    assert [e.split()[0] for e in entries] == ["2022-11-07", "2022-11-08"]
    assert "TASS" in entries[0] and "fakty.com.ua" in entries[1]
    page.wait_for_selector("#story-sources .source-card")
    link = page.locator("#story-view a.cite-link").first
    target = link.get_attribute("href")
    link.click()
    assert page.locator(f"#story-sources {target}").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "stories.png"), full_page=True)
    question = page.locator("#story-question").locator("textarea, input").first
    question.fill("Why is Kherson important?")
    page.click("#story-ask")
    page.wait_for_selector("#story-answer a.cite-link")
    page.wait_for_selector("#story-sources #src-storyq-1")


@pytest.mark.browser
def test_chat_link_opens_the_story(page):
    question = page.locator("#question").locator("textarea, input").first
    question.fill(BOTH_OUTLETS)
    question.press("Enter")
    page.wait_for_selector("#coverage .story-link a[data-story]")
    page.click("#coverage .story-link a[data-story]")
    page.wait_for_selector("#story-view .timeline-entry")
    assert page.locator("#story-view .timeline-entry").count() == 2

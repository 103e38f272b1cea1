"""Refreshing feeds and URLs into a real index (real Chroma, fake vectors), against a real
HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import load_settings
from assistant.web import wirecopy

from .web_server import FixtureSite

FAST = {
    "fetch_delay_s": 0.0,
    "fetch_timeout_s": 1.0,
    "fetch_retries": 1,
    "fetch_backoff_s": 0.05,
    "fetch_max_bytes": 200_000,
}


def follow(tmp_path: Path, site: FixtureSite) -> None:
    """A sources file beside the index following the fixture feed."""
    (tmp_path / "sources.toml").write_text(f'[[feed]]\nurl = "{site.url("/feed.xml")}"\n')


@pytest.fixture
def assistant(tmp_path, fake_embeddings):
    settings = load_settings(index_dir=tmp_path / "index", sources=[], **FAST)
    return Assistant(settings, embeddings=fake_embeddings)


def by_outlet(assistant: Assistant) -> dict[str, dict]:
    return {outlet: items[0] for outlet, items in assistant.sources().items()}


def test_feed_indexed_then_grown_then_unchanged(tmp_path, site, assistant):
    follow(tmp_path, site)
    first = assistant.refresh_web()
    assert (first.feeds_checked, first.feeds_unchanged, len(first.new)) == (1, 0, 2), first.lines()
    assert first.chunks_embedded > 0 and not first.failed
    seeds = by_outlet(assistant)
    assert set(seeds) == {"TASS", "127.0.0.1"}  # TASS's site name; fakty's page names none
    assert seeds["TASS"]["url"] == site.url("/seeds/tass.html")
    assert seeds["127.0.0.1"]["published"] == "2022-11-08T20:15:00+02:00"
    assert any("outlet '127.0.0.1' from the domain" in note for note in first.notes)

    site.grow()
    pages_before = site.hits.copy()
    grown = assistant.refresh_web()
    assert (grown.feeds_unchanged, len(grown.new), len(grown.unchanged)) == (0, 2, 2)
    assert len(grown.index.added) == 2 and not grown.index.updated
    embedded_new = sum(
        row["chunks"]
        for o, row in by_outlet(assistant).items()
        if o in {"Dnipro Daily", "Odesa Courier"}
    )
    assert grown.chunks_embedded == embedded_new  # only the new entries were embedded
    assert site.hits["/seeds/tass.html"] == pages_before["/seeds/tass.html"]  # not refetched
    outlets = by_outlet(assistant)
    assert outlets["Dnipro Daily"]["published"] == "2022-11-15T09:30:00+02:00"
    assert outlets["Odesa Courier"]["published"] == "2022-11-19T18:05:00+02:00"

    version = assistant.store.version
    again = assistant.refresh_web()
    assert (again.feeds_checked, again.feeds_unchanged, again.fetched) == (1, 1, 0)
    assert again.chunks_embedded == 0 and not again.new and not again.updated
    assert assistant.store.version == version  # nothing written
    assert "1 feeds checked (1 unchanged)" in again.summary()


def test_failures_have_one_line_reasons_and_lose_nothing(tmp_path, site, assistant):
    site.slow_s = 2.5
    urls = [
        site.url(path)
        for path in (
            "/news/bridge.html",
            "/private/secret.html",
            "/slow.html",
            "/flaky.html",
            "/loop-a",
            "/huge.html",
            "/report.pdf",
            "/paywall.html",
            "/nowhere.html",
        )
    ]
    report = assistant.add_sources(urls)
    reasons = {s.path.rsplit("/", 1)[1]: s.reason for s in report.skipped}
    assert reasons == {
        "secret.html": "robots.txt disallows it",
        "slow.html": "timeout (no answer within 1s)",
        "loop-a": reasons["loop-a"],
        "huge.html": "too large (803,058 bytes; the limit is 200,000)",
        "report.pdf": "not HTML (application/pdf)",
        "paywall.html": "empty body or paywall (no article text on the page)",
        "nowhere.html": "not found (HTTP 404)",
    }, reasons
    assert reasons["loop-a"].startswith("redirect loop")
    assert set(assistant.outlets()) == {"Dnipro Daily", "Flaky"}
    assert site.hits["/flaky.html"] == 2

    site.stop()  # the server is gone: every fetch fails, nothing indexed is lost
    down = assistant.refresh_web(urls=[site.url("/news/bridge.html")], feeds=False)
    assert down.failed and "the indexed copy is kept" in down.failed[0][1]
    assert set(assistant.outlets()) == {"Dnipro Daily", "Flaky"}


def test_410_removes_the_article_and_an_edit_is_re_embedded(site, assistant):
    gone, edited = site.url("/gone.html"), site.url("/edited.html")
    assistant.add_sources([gone, edited])
    assert set(assistant.outlets()) == {"Vanishing Post", "Edit Weekly"}
    site.gone, site.edited = True, True
    report = assistant.refresh_web(urls=[gone, edited], feeds=False)
    assert len(report.removed) == 1 and report.updated == [edited]
    assert report.index.updated and report.chunks_embedded > 0
    assert set(assistant.outlets()) == {"Edit Weekly"}
    text = assistant.store.article_texts([by_outlet(assistant)["Edit Weekly"]["article_id"]])
    assert "now says repairs will take a year" in next(iter(text.values()))
    same = assistant.refresh_web(urls=[edited], feeds=False)
    assert same.unchanged == [edited] and same.chunks_embedded == 0


def test_the_same_canonical_url_or_text_is_not_indexed_twice(site, assistant):
    assistant.add_sources([site.url("/news/bridge.html")])
    report = assistant.refresh_web(urls=[site.url("/moved.html")], feeds=False)
    assert report.unchanged == [site.url("/moved.html")] and report.chunks_embedded == 0
    assert len(assistant.store.articles()) == 1


def test_wire_copies_are_indexed_and_marked(site, assistant, tmp_path):
    first, second = site.url("/wire/first.html"), site.url("/wire/second.html")
    report = assistant.refresh_web(urls=[first, second], feeds=False)
    assert set(assistant.outlets()) == {"Morning Ledger", "Evening Gazette"}  # both indexed
    assert report.wire_copies == [
        (second, "the same agency text, also published by Morning Ledger")
    ]
    rows = by_outlet(assistant)
    copies = wirecopy.wire_copies(tmp_path / "index", rows["Evening Gazette"]["article_id"])
    assert [(c.outlet, c.url) for c in copies] == [("Morning Ledger", first)]
    assert copies[0].similarity >= wirecopy.THRESHOLD
    back = wirecopy.wire_copies(tmp_path / "index", first)
    assert [c.outlet for c in back] == ["Evening Gazette"]
    passages = assistant.retrieve("explosions at the Zaporizhzhia nuclear plant", k=4)
    wirecopy.annotate(tmp_path / "index", passages)
    marked = {d.metadata["outlet"]: d.metadata.get(wirecopy.METADATA_KEY) for d in passages}
    assert marked["Morning Ledger"][0]["outlet"] == "Evening Gazette"
    assert wirecopy.describe(copies) == "the same agency text, also published by Morning Ledger"


def test_dates_page_then_feed_then_unknown(tmp_path, site, assistant):
    (tmp_path / "sources.toml").write_text(
        f'[[feed]]\nurl = "{site.url("/atom.xml")}"\noutlet = "Atom Outlet"\n'
    )
    report = assistant.refresh_web(urls=[site.url("/report.pdf")])
    row = by_outlet(assistant)["Atom Outlet"]  # the sources file's outlet beats the page's
    assert row["published"] == "2022-11-19T07:00:00-05:00"  # the feed's date, zone kept
    assert any("from the feed entry" in note for note in report.notes)


def test_a_stop_request_ends_between_articles(tmp_path, site, assistant):
    follow(tmp_path, site)
    site.grow()
    stop = threading.Event()
    stop.set()
    report = assistant.refresh_web(stop=stop)
    assert report.stopped and not report.new and assistant.store.is_empty()


def test_feed_limit_takes_the_newest_entries(tmp_path, site, assistant):
    site.grow()
    (tmp_path / "sources.toml").write_text(
        f'[[feed]]\nurl = "{site.url("/feed.xml")}"\nlimit = 1\n'
    )
    report = assistant.refresh_web()
    assert report.entries == 1 and set(assistant.outlets()) == {"Odesa Courier"}


def test_a_rebuild_keeps_the_web_articles(tmp_path, site, assistant):
    assistant.add_sources([site.url("/news/bridge.html")])
    assistant.index(rebuild=True)
    assert set(assistant.outlets()) == {"Dnipro Daily"}


def test_an_article_removed_by_hand_comes_back_when_its_url_is_added_again(site, assistant):
    url = site.url("/news/bridge.html")
    assistant.add_sources([url])
    assert assistant.remove_sources([assistant.store.articles()[0].article_id])
    again = assistant.add_sources([url])
    assert again.added and set(assistant.outlets()) == {"Dnipro Daily"}


def test_a_latin1_page_is_decoded_by_its_declared_charset():
    from assistant.web.pages import decode_html

    body = "<p>Zaporizhzhia caf\u00e9 r\u00e9sum\u00e9</p>".encode("latin-1")
    assert "caf\u00e9" in decode_html(body, "iso-8859-1")
    assert "caf\u00e9" in decode_html(b'<meta charset="iso-8859-1">' + body)


def test_cli_refuses_a_bad_interval_and_a_bad_sources_file(tmp_path, capsys):
    from assistant.cli import main

    assert main(["index", "--watch", "--every", "soon"]) == 2
    assert "'soon' is not an interval" in capsys.readouterr().err
    (tmp_path / "sources.toml").write_text("[[feed]]\nurl = 'gopher://x'\n")
    assert main(["index"]) == 2
    assert "needs url" in capsys.readouterr().err


def test_feeds_from_the_environment(monkeypatch, tmp_path, site, fake_embeddings):
    monkeypatch.setenv("ASSISTANT_FEEDS", f"{site.url('/feed.xml')}, {site.url('/atom.xml')}")
    settings = load_settings(index_dir=tmp_path / "index", sources=[], **FAST)
    assert settings.feeds == [site.url("/feed.xml"), site.url("/atom.xml")]
    report = Assistant(settings, embeddings=fake_embeddings).refresh_web()
    assert report.feeds_checked == 2 and len(report.new) == 3, report.lines()


def test_a_feed_entry_marked_updated_is_fetched_again_and_re_embedded(tmp_path, site, assistant):
    from .web_server import rfc822

    follow(tmp_path, site)
    edited = {"title": "Bridge repairs", "link": site.url("/edited.html")}
    site.feed_items = [{**edited, "pubDate": rfc822("2022-11-16T10:00:00+02:00")}]
    assert len(assistant.refresh_web().new) == 1
    site.edited = True  # the page changed, but the feed does not say so yet: not refetched
    quiet = assistant.refresh_web()
    assert quiet.feeds_unchanged == 1 and quiet.fetched == 0
    site.feed_items = [{**edited, "pubDate": rfc822("2022-11-17T08:00:00+02:00")}]
    again = assistant.refresh_web()
    assert again.updated == [site.url("/edited.html")] and again.chunks_embedded > 0
    assert len(assistant.store.articles()) == 1


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_stop_signals_set_the_event_instead_of_interrupting(name):
    import os
    import signal

    from assistant.web.service import StopSignals

    stop = threading.Event()
    before = signal.getsignal(signal.SIGINT)
    with StopSignals(stop, announce=False):
        os.kill(os.getpid(), getattr(signal, name))
        assert stop.wait(5)
    assert signal.getsignal(signal.SIGINT) is before

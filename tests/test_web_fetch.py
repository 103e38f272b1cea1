"""The polite fetcher, feeds, the sources file, page metadata and wire-copy signatures,
against a real HTTP server on 127.0.0.1 (no outside network)."""

from __future__ import annotations

import pytest

from assistant.errors import ConfigError
from assistant.web import pages, wirecopy
from assistant.web.feeds import FeedError, parse_feed
from assistant.web.fetch import USER_AGENT, Fetcher, FetchError, FetchPolicy
from assistant.web.sources_file import load_sources_file, parse_interval

from .web_server import WIRE_TEXT, article_page

FAST = FetchPolicy(timeout_s=1.0, retries=2, backoff_s=0.05, host_delay_s=0.0, max_bytes=200_000)


@pytest.fixture
def fetcher():
    with Fetcher(FAST) as client:
        yield client


def reason(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    return caught.value


def test_a_page_is_fetched_with_the_projects_user_agent(site, fetcher):
    answer = fetcher.get(site.url("/news/bridge.html"))
    assert answer.status == 200 and answer.is_html and b"Antonivskyi" in answer.body
    agents = {headers.get("User-Agent") for _, path, headers in site.log if path.endswith(".html")}
    assert agents == {USER_AGENT} and "news-assistant" in USER_AGENT


def test_robots_txt_is_read_once_and_its_disallowed_path_is_refused(site, fetcher):
    error = reason(fetcher, site.url("/private/secret.html"))
    assert error.reason == "robots.txt disallows it"
    assert "/private/secret.html" not in site.hits
    fetcher.get(site.url("/news/bridge.html"))
    assert site.hits["/robots.txt"] == 1


def test_a_slow_page_times_out_after_its_retries(site, fetcher):
    site.slow_s = 2.5
    error = reason(fetcher, site.url("/slow.html"))
    assert error.reason.startswith("timeout")
    assert site.hits["/slow.html"] == 1 + FAST.retries  # timeouts are retried


def test_a_500_is_retried_and_the_second_answer_used(site, fetcher):
    answer = fetcher.get(site.url("/flaky.html"))
    assert answer.status == 200 and site.hits["/flaky.html"] == 2


def test_a_404_is_not_retried(site, fetcher):
    error = reason(fetcher, site.url("/nowhere.html"))
    assert error.reason == "not found (HTTP 404)" and not error.gone
    assert site.hits["/nowhere.html"] == 1


def test_410_says_the_article_was_removed(site, fetcher):
    site.gone = True
    error = reason(fetcher, site.url("/gone.html"))
    assert error.gone and "410" in error.reason


def test_a_redirect_loop_is_named_and_a_redirect_followed(site, fetcher):
    error = reason(fetcher, site.url("/loop-a"))
    assert error.reason.startswith("redirect loop")
    answer = fetcher.get(site.url("/moved.html"))
    assert answer.final_url == site.url("/news/bridge.html")


def test_too_many_redirects_are_refused(site):
    with Fetcher(FetchPolicy(host_delay_s=0, max_redirects=0)) as strict:
        error = reason(strict, site.url("/moved.html"))
    assert error.reason.startswith("too many redirects")


def test_a_huge_page_is_cut_off_at_the_size_limit(site, fetcher):
    error = reason(fetcher, site.url("/huge.html"))
    assert error.reason.startswith("too large")


def test_a_non_html_url_is_fetched_but_marked(site, fetcher):
    answer = fetcher.get(site.url("/report.pdf"))
    assert not answer.is_html and answer.content_type == "application/pdf"


def test_conditional_get_answers_304_for_an_unchanged_feed(site, fetcher):
    first = fetcher.get(site.url("/feed.xml"))
    assert first.etag
    again = fetcher.get(site.url("/feed.xml"), etag=first.etag)
    assert again.not_modified and again.body == b""
    site.grow()
    grown = fetcher.get(site.url("/feed.xml"), etag=first.etag)
    assert grown.status == 200 and grown.etag != first.etag


def test_requests_to_one_host_are_spaced_by_the_delay(site):
    with Fetcher(FetchPolicy(host_delay_s=0.3, timeout_s=2)) as polite:
        for _ in range(3):
            polite.get(site.url("/news/bridge.html"))
    times = [when for when, path, _ in site.log]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert len(times) == 4 and min(gaps) >= 0.28  # robots.txt, then three pages


def test_unknown_host_and_bad_scheme_have_one_line_reasons():
    with Fetcher(FetchPolicy(timeout_s=2, retries=0, host_delay_s=0)) as client:
        error = reason(client, "http://no-such-host.invalid/article.html")
        assert error.reason.startswith("DNS") or error.reason.startswith("cannot connect")
        assert reason(client, "ftp://example.org/x").reason == "not an http(s) URL"


def test_rss_and_atom_entries_keep_their_time_zones(site, fetcher):
    feed = parse_feed(fetcher.get(site.url("/feed.xml")).body, site.url("/feed.xml"))
    assert feed.title == "Fixture Wire" and len(feed.entries) == 2
    published = {entry.link.rsplit("/", 1)[1]: entry.published for entry in feed.entries}
    assert published["fakty.html"] == "2022-11-08T20:15:00+02:00"  # Kyiv time, kept
    atom = parse_feed(fetcher.get(site.url("/atom.xml")).body, site.url("/atom.xml"))
    assert atom.entries[0].published == "2022-11-19T07:00:00-05:00"
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>not a feed</body></html>", "http://x/")


def test_page_metadata_date_outlet_and_canonical():
    html = article_page(
        "T", WIRE_TEXT, "Morning Ledger", "2022-11-20T12:00:00+01:00", "https://ex.org/a#top"
    )
    meta = pages.page_metadata(html, "https://ex.org/a?utm=1")
    assert meta.published == "2022-11-20T12:00:00+01:00" and meta.canonical == "https://ex.org/a"
    assert pages.settle_outlet(None, meta, "https://ex.org/a") == (
        "Morning Ledger",
        "the page's site name",
    )
    assert pages.settle_outlet("Ledger", meta, "")[1] == "the sources file"
    bare = pages.page_metadata(article_page("T", WIRE_TEXT), "https://www.ex.org/b")
    assert pages.settle_outlet(None, bare, "https://www.ex.org/b") == ("ex.org", "the domain")
    assert pages.settle_date(bare, None, "2022-11-01T10:00:00-05:00") == (
        "2022-11-01T10:00:00-05:00",
        "the feed entry",
    )
    assert pages.settle_date(bare, None, None) == (None, "date unknown")


def test_sources_file_format_and_its_errors(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        '[defaults]\nlimit = 5\n[[feed]]\nurl = "https://ex.org/rss"\noutlet = "Ex"\n'
        '[[feed]]\nurl = "https://ex.org/atom"\nlimit = 2\n[[page]]\nurl = "https://ex.org/p"\n'
    )
    found = load_sources_file(path, ["https://other.org/feed"], default_limit=50)
    assert [(f.url, f.outlet, f.limit) for f in found.feeds] == [
        ("https://ex.org/rss", "Ex", 5),
        ("https://ex.org/atom", None, 2),
        ("https://other.org/feed", None, 5),
    ]
    assert [p.url for p in found.pages] == ["https://ex.org/p"]
    assert load_sources_file(tmp_path / "missing.toml", [], 50).empty
    path.write_text('[[feed]]\nurl = "not a url"\n')
    with pytest.raises(ConfigError, match="needs url"):
        load_sources_file(path, [], 50)
    path.write_text('[[feed]]\nurl = "https://ex.org/rss"\nlimt = 3\n')
    with pytest.raises(ConfigError, match="unknown key"):
        load_sources_file(path, [], 50)
    path.write_text("[[feed]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_sources_file(path, [], 50)


def test_intervals():
    assert parse_interval("15m") == 900 and parse_interval("30s") == 30
    assert parse_interval("1h") == 3600 and parse_interval("90") == 90
    for bad in ("soon", "0s", "m"):
        with pytest.raises(ConfigError):
            parse_interval(bad)


def test_minhash_finds_wire_copies_and_not_different_stories():
    first = "By the agency's correspondent.\n\n" + WIRE_TEXT
    second = WIRE_TEXT + "\n\nThis story was supplied by a news agency."
    other = "Twelve grain ships left the port of Odesa on Saturday under the corridor deal. " * 4
    sig = [wirecopy.signature(text) for text in (first, second, other)]
    assert wirecopy.similarity(sig[0], sig[1]) >= wirecopy.THRESHOLD
    assert wirecopy.similarity(sig[0], sig[2]) < 0.2
    assert set(wirecopy.bands(sig[0])) & set(wirecopy.bands(sig[1]))
    assert (wirecopy.from_blob(wirecopy.to_blob(sig[0])) == sig[0]).all()

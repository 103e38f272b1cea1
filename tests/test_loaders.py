"""Loading articles: metadata, outlet inference, furniture removal, and every bad input."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.loaders import load_file, load_paths

from .conftest import MULTIHOP, SEEDS

FURNITURE = [
    "1. Home",
    "2. Frontline",
    "Support us on Patreon",
    "Like our content? Become our patron",
    "All news",
    "writes about the war in Ukraine",
]


def seed_articles():
    result = load_paths([SEEDS])
    assert not result.skipped
    return {article.outlet: article for article in result.articles}


def test_seed_metadata_comes_from_the_manifest():
    articles = seed_articles()
    assert set(articles) == {"fakty.com.ua", "TASS"}
    fakty, tass = articles["fakty.com.ua"], articles["TASS"]
    assert fakty.published == "2022-11-08T20:15:00+02:00"
    assert fakty.author == "Oleg Kotov"
    assert fakty.title.startswith("NATO and the EU discuss possible negotiations")
    assert tass.published == "2022-11-07"
    assert tass.author is None
    assert tass.title.startswith("US, NATO believe talks on Ukraine possible")
    assert fakty.language == tass.language == "en"


def test_seed_page_furniture_is_removed():
    for article in seed_articles().values():
        for furniture in FURNITURE:
            assert furniture not in article.text
        lines = article.text.splitlines()
        assert "Top" not in lines
        assert "Oleg Kotov" not in lines


def test_tass_standfirst_is_not_repeated():
    tass = seed_articles()["TASS"]
    standfirst = "it was no accident that Washington and NATO confirmed sending"
    assert tass.text.count(standfirst) == 1


def test_article_ids_are_stable_and_content_derived(tmp_path):
    first = seed_articles()
    again = seed_articles()
    assert {a.article_id for a in first.values()} == {a.article_id for a in again.values()}
    copy = tmp_path / "000_54e5964c550a2eb4.txt"
    shutil.copy(SEEDS / copy.name, copy)
    (tmp_path / "manifest.toml").write_text((SEEDS / "manifest.toml").read_text())
    moved = load_file(copy).articles[0]
    assert moved.content_hash == first["fakty.com.ua"].content_hash
    assert moved.article_id != first["fakty.com.ua"].article_id  # another origin


def test_outlet_is_inferred_from_dateline_and_site_line_and_noted(tmp_path):
    for name in ("000_54e5964c550a2eb4.txt", "001_b78cba42e385423e.txt"):
        shutil.copy(SEEDS / name, tmp_path / name)
    result = load_paths([tmp_path])
    by_outlet = {article.outlet: article for article in result.articles}
    assert set(by_outlet) == {"TASS", "fakty.com.ua"}
    assert any("dateline" in note for note in by_outlet["TASS"].notes)
    assert any("site-name line" in note for note in by_outlet["fakty.com.ua"].notes)
    assert by_outlet["fakty.com.ua"].published == "2022-11-08T20:15:00"


def test_outlet_from_folder_name_and_refusal_without_outlet(tmp_path):
    folder = tmp_path / "Reuters"
    folder.mkdir()
    (folder / "story.txt").write_text("Markets rallied on Monday. " * 20)
    article = load_file(folder / "story.txt").articles[0]
    assert article.outlet == "Reuters"
    assert any("folder name" in note for note in article.notes)
    plain = tmp_path / "articles"
    plain.mkdir()
    (plain / "story.txt").write_text("Markets rallied on Monday. " * 20)
    skipped = load_file(plain / "story.txt").skipped
    assert skipped and "no outlet" in skipped[0].reason


def test_markdown_front_matter(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        "---\noutlet: The Kyiv Independent\ntitle: Grain deal\npublished: 2023-07-18\n"
        "author: Jane Doe\nurl: https://example.org/grain\n---\n"
        "Russia quit the grain deal on Monday, the ministry said.\n\nShips waited at sea.\n"
    )
    article = load_file(path).articles[0]
    assert article.outlet == "The Kyiv Independent"
    assert article.title == "Grain deal"
    assert article.published == "2023-07-18"
    assert article.url == "https://example.org/grain"
    assert article.text.startswith("Russia quit the grain deal")


def test_html_main_text_and_metadata_with_trafilatura(tmp_path):
    body = " ".join(["The council approved the new budget after a long debate."] * 12)
    html = f"""<html><head><title>Budget approved | Daily Planet</title>
    <meta property="og:site_name" content="Daily Planet">
    <meta property="og:title" content="Budget approved">
    <meta name="author" content="Lois Lane">
    <meta property="article:published_time" content="2023-10-02T09:00:00Z"></head>
    <body><nav>Home | World | Sports</nav><article><h1>Budget approved</h1>
    <p>{body}</p><p>{body}</p></article><footer>Subscribe now</footer></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(html)
    article = load_file(path).articles[0]
    assert article.outlet == "Daily Planet"
    assert article.title == "Budget approved"
    assert article.author == "Lois Lane"
    assert article.published.startswith("2023-10-02")
    assert "council approved" in article.text
    assert "Home | World" not in article.text


@pytest.mark.skipif(not MULTIHOP.exists(), reason="needs ../shared beside the repo")
def test_multihop_corpus_loads_609_articles_from_49_outlets():
    result = load_file(MULTIHOP / "corpus.json")
    assert len(result.articles) == 609
    assert len({article.outlet for article in result.articles}) == 49
    assert not result.skipped
    assert all(article.author != "None" for article in result.articles)


def test_jsonl_records_and_bad_records(tmp_path):
    records = [
        {
            "title": "A",
            "source": "Wired",
            "published_at": "2023-10-01T10:00:00+00:00",
            "body": "Body of a. " * 20,
            "url": "https://w/a",
            "author": "None",
        },
        {"title": "B", "source": "Wired", "body": ""},
        {"title": "C", "source": "Wired"},
        ["not", "an", "object"],
        {"title": "D", "source": "Wired", "body": 42},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records))
    result = load_file(path)
    assert [a.title for a in result.articles] == ["A"]
    assert result.articles[0].author is None
    assert result.articles[0].origin == f"{path}#0"  # its own origin; the url is a claim
    assert result.articles[0].url == "https://w/a"
    reasons = [skip.reason for skip in result.skipped]
    assert reasons == [
        "record has no body text",
        "record has no body text",
        "record is not a JSON object",
        "record has no body text",
    ]


BAD_FILES = {
    "empty.txt": (b"", "empty"),
    "blank.md": (b"  \n\n \t\n", "empty"),
    "binary.txt": (bytes(range(256)) * 4, "binary"),
    "latin1.txt": ("Caf\u00e9 society. " * 30).encode("latin-1"),
    "nobody.html": (
        b"<html><head><title>x</title></head><body><nav>Menu</nav></body></html>",
        "no article body",
    ),
    "broken.json": (b'{"title": "x", "body": ', "invalid JSON"),
    "wrongtype.json": (b'"just a string"', "expected a list"),
    "norecords.json": (b"[]", "no article records"),
    "noarticles.json": (b'{"articles": []}', "no article records"),
    "image.png": (b"\x89PNG\r\n", "unsupported file type"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_skipped_with_a_reason(tmp_path, name):
    content = BAD_FILES[name]
    data, expected = content if isinstance(content, tuple) else (content, "not UTF-8")
    path = tmp_path / name
    path.write_bytes(data)
    result = load_file(path)
    assert not result.articles
    assert len(result.skipped) == 1
    assert expected in result.skipped[0].reason
    assert result.skipped[0].path == str(path)


def test_unreadable_and_missing_paths(tmp_path):
    missing = load_file(tmp_path / "gone.txt")
    assert "no such file" in missing.skipped[0].reason
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert "directory" in load_file(folder).skipped[0].reason
    link = tmp_path / "dangling.md"
    link.symlink_to(tmp_path / "nowhere.md")
    assert load_file(link).skipped


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("word " * 1000)
    result = load_file(path, max_bytes=100)
    assert "limit" in result.skipped[0].reason

"""A fetched page: its trustworthy metadata, and the cached file the loaders read it from.

The text and most metadata come from the same code path as an ``.html`` file
(:func:`assistant.loaders.load_file`, i.e. trafilatura): the page is saved as
``<index>/web/pages/<key>/page.html`` with a ``manifest.toml`` beside it naming the outlet,
the canonical URL and the publication date we settled on here. What this module adds is
the choice of those three, which a file on disk cannot make:

- **outlet**: the one the sources file names, else the page's own site name (``og:site_name``,
  publisher metadata), else the domain; the choice is reported.
- **date**: the page's published-time metadata with its time zone (``article:published_time``,
  JSON-LD ``datePublished``, ``<time datetime>``...), else trafilatura's date of the page,
  else the feed entry's date, else none ("date unknown"). Never the fetch time.
- **canonical URL**: ``<link rel=canonical>`` / ``og:url``, else the final URL after redirects.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..articles import Article, clean_optional, normalise_date
from ..loaders import MANIFEST_NAME, Skipped, load_file

if TYPE_CHECKING:
    from lxml.html import HtmlElement

PAGE_FILE = "page.html"
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.I)
_DATE_PROPERTIES = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
)
_SITE_PROPERTIES = ("og:site_name", "application-name", "publisher", "dc.publisher")


@dataclass(frozen=True)
class PageMeta:
    """What the page says about itself."""

    canonical: str
    site_name: str | None
    published: str | None  # ISO 8601, time zone kept when the page gave one
    date_source: str | None  # "page" or None


def decode_html(body: bytes, content_type_charset: str | None = None) -> str:
    """The page as text: the declared charset (header, then meta), else UTF-8."""
    candidates = [content_type_charset]
    found = _CHARSET.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii", "ignore"))
    for charset in [c for c in candidates if c] + ["utf-8"]:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def normalise_url(url: str) -> str:
    """``url`` without its fragment, with a lower-case scheme and host."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def page_metadata(html: str, url: str) -> PageMeta:
    """Canonical URL, site name and published date as the page's own markup gives them."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except Exception:  # lxml raises several kinds on hostile input
        return PageMeta(normalise_url(url), None, None, None)
    return PageMeta(
        canonical=_canonical(tree, url),
        site_name=_site_name(tree),
        published=_published(tree),
        date_source="page" if _published(tree) else None,
    )


def _metas(tree: HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = (meta.get("content") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def _canonical(tree: HtmlElement, url: str) -> str:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return normalise_url(urljoin(url, link.get("href").strip()))
    og = _metas(tree).get("og:url")
    if og and og.lower().startswith(("http://", "https://", "/")):
        return normalise_url(urljoin(url, og))
    return normalise_url(url)


def _json_ld(tree: HtmlElement) -> list[dict]:
    items: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                items.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return items


def _site_name(tree: HtmlElement) -> str | None:
    metas = _metas(tree)
    for key in _SITE_PROPERTIES:
        if clean_optional(metas.get(key)):
            return metas[key].strip()
    for item in _json_ld(tree):
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and clean_optional(publisher.get("name")):
            return str(publisher["name"]).strip()
    return None


def _published(tree: HtmlElement) -> str | None:
    metas = _metas(tree)
    for key in _DATE_PROPERTIES:
        parsed = _date_with_zone(metas.get(key))
        if parsed:
            return parsed
    for item in _json_ld(tree):
        parsed = _date_with_zone(item.get("datePublished"))
        if parsed:
            return parsed
    for time_tag in tree.iter("time"):
        if (
            "pubdate" in time_tag.attrib
            or "datepublished" in (time_tag.get("itemprop") or "").lower()
        ):
            parsed = _date_with_zone(time_tag.get("datetime"))
            if parsed:
                return parsed
    return None


def _date_with_zone(value: str | None) -> str | None:
    text = clean_optional(value)
    if not text or not re.search(r"\d{4}", text):
        return None
    return normalise_date(text)


def settle_outlet(configured: str | None, meta: PageMeta, url: str) -> tuple[str, str]:
    """``(outlet, where it came from)``: the sources file, the page, or the domain."""
    named = clean_optional(configured)
    if named:
        return named, "the sources file"
    if meta.site_name:
        return meta.site_name, "the page's site name"
    host = (urlsplit(meta.canonical or url).hostname or "").lower().removeprefix("www.")
    return host, "the domain"


def settle_date(
    meta: PageMeta, extracted_date: str | None, feed_date: str | None
) -> tuple[str | None, str]:
    """``(published, where it came from)``: page metadata, the page, the feed, or unknown."""
    if meta.published:
        return meta.published, "the page's metadata"
    if extracted_date:
        return extracted_date, "the page"
    if feed_date:
        return feed_date, "the feed entry"
    return None, "date unknown"


def trafilatura_date(html: str, url: str) -> str | None:
    """The date trafilatura finds in the page (a day, no time), or None."""
    import trafilatura

    try:
        found = trafilatura.extract_metadata(html, default_url=url)
    except Exception:  # hostile markup
        return None
    return normalise_date(getattr(found, "date", None)) if found is not None else None


def page_key(canonical: str) -> str:
    """The cache folder name of a canonical URL."""
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def toml_string(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def write_manifest(folder: Path, entry: dict[str, str]) -> None:
    """``manifest.toml`` naming the page's metadata for :func:`assistant.loaders.load_file`."""
    lines = [f"[{toml_string(PAGE_FILE)}]"]
    lines += [f"{key} = {toml_string(value)}" for key, value in entry.items() if value]
    (folder / MANIFEST_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class StagedPage:
    """A page written to a hidden staging folder and read back as an Article (or not)."""

    folder: Path
    article: Article | None
    problem: str | None
    outlet_from: str
    date_from: str


def stage_page(
    pages_dir: Path,
    html: str,
    meta: PageMeta,
    entry: dict[str, str],
    outlet_from: str,
    date_from: str,
) -> StagedPage:
    """Write the page and its manifest to a staging folder, then load it as a file would be."""
    folder = pages_dir / f".staging-{uuid.uuid4().hex[:10]}"
    folder.mkdir(parents=True)
    (folder / PAGE_FILE).write_text(html, encoding="utf-8")
    write_manifest(folder, entry)
    loaded = load_file(folder / PAGE_FILE)
    article = loaded.articles[0] if loaded.articles else None
    problem = None if article else _skip_reason(loaded.skipped)
    return StagedPage(folder, article, problem, outlet_from, date_from)


def _skip_reason(skipped: list[Skipped]) -> str:
    reason = skipped[0].reason if skipped else "no article"
    if "no article body" in reason or "no article text" in reason:
        return "empty body or paywall (no article text on the page)"
    return reason


def place_page(staged: StagedPage, pages_dir: Path, key: str) -> Path:
    """Move a staged page into its cache folder (replacing an older copy); its file path."""
    target = pages_dir / key
    if target.exists():
        old = pages_dir / f".old-{uuid.uuid4().hex[:10]}"
        target.rename(old)
        staged.folder.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staged.folder.rename(target)
    return target / PAGE_FILE


def discard(folder: Path) -> None:
    """Remove a staging or cache folder; a missing one is fine."""
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)

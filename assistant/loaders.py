"""Read article files (.txt, .md, .html, .json, .jsonl) into :class:`Article` objects.

Every file either yields articles or a one-line reason why it was skipped; a loader never
raises for bad input. Metadata comes from, in order: a ``manifest.toml`` beside the file,
front matter, the record itself (JSON), the page (HTML); the outlet may otherwise be
inferred (dateline, site name, a domain line, the folder name) and the inference is noted.
"""

from __future__ import annotations

import codecs
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .articles import Article, clean_optional, clean_text, normalise_date

MIN_HTML_TEXT = 80  # characters; less is a menu or a cookie banner, not an article
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
MANIFEST_NAME = "manifest.toml"
GENERIC_FOLDERS = {
    "seeds",
    "articles",
    "sources",
    "data",
    "docs",
    "tmp",
    "uploads",
    "news",
    "files",
    "corpus",
    "input",
    "inbox",
    "downloads",
    "text",
    "texts",
}
_DATELINE_SLASH = re.compile(r"/\s*([A-Z][A-Za-z]+(?:[ -][A-Z][A-Za-z]+){0,3})\s*/\s*\.?")
_DATELINE_PAREN = re.compile(r"^[A-Z][A-Za-z .,'-]{1,60}\(([A-Z][A-Za-z .&-]{1,30})\)\s*[-—–]")
_DOMAIN_LINE = re.compile(r"^\s*((?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\s*$", re.I)
_DATE_LINE = re.compile(r"(\d{1,2}:\d{2}),?\s*(\d{1,2})[./](\d{1,2})[./](\d{4})")


@dataclass
class Skipped:
    """A file (or record) that was not indexed, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class LoadResult:
    """Articles read from some paths, plus what was skipped and what was inferred."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def extend(self, other: LoadResult) -> None:
        """Merge another result into this one."""
        self.articles.extend(other.articles)
        self.skipped.extend(other.skipped)


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every supported article file under the given files and folders, sorted, no manifests."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and not hidden:
                    yield child
        else:
            yield path


def load_paths(paths: Iterable[Path], max_bytes: int = 20_000_000) -> LoadResult:
    """Load every article under ``paths``; never raises for bad files."""
    result = LoadResult()
    for file in iter_source_files(paths):
        result.extend(load_file(file, max_bytes=max_bytes))
    return result


def load_file(path: Path, max_bytes: int = 20_000_000) -> LoadResult:
    """Load one file into articles, or a skip reason."""
    path = Path(path)
    label = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        return _skip(label, f"unsupported file type {suffix or '(none)'}; use one of {allowed}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _skip(label, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
    except FileNotFoundError:
        return _skip(label, "no such file")
    except IsADirectoryError:
        return _skip(label, "is a directory")
    except OSError as error:
        return _skip(label, f"cannot be read ({error.strerror or error})")
    text, problem = decode_text(data)
    if problem:
        return _skip(label, problem)
    meta, manifest_problem = read_manifest(path)
    if suffix in {".json", ".jsonl"}:
        return load_records(text, label, jsonl=suffix == ".jsonl")
    if suffix in {".html", ".htm"}:
        result = _one(load_html(text, label, meta, path))
    else:
        result = _one(load_text(text, label, meta, path))
    if manifest_problem:  # say why the manifest's metadata was not used
        for skipped in result.skipped:
            skipped.reason = f"{skipped.reason}; note: {manifest_problem}"
    return result


def decode_text(data: bytes) -> tuple[str, str | None]:
    """The text of a file (UTF-8, or UTF-16 with its byte-order mark), or a reason it is
    not usable text."""
    if not data.strip():
        return "", "file is empty"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            return "", f"not UTF-16 text (bad bytes at offset {error.start}); re-save it as UTF-8"
        return _usable(text)
    if b"\x00" in data[:8192]:
        return "", "binary file (contains NUL bytes), not article text"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return "", f"not UTF-8 text (bad byte at offset {error.start}); re-save it as UTF-8"
    return _usable(text)


def _usable(text: str) -> tuple[str, str | None]:
    """``(text, None)``, or a reason when it is empty or mostly control characters."""
    if not text.strip():
        return "", "file is empty"
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 8192):
        return "", "binary file (control characters), not article text"
    return text, None


def manifest_entry(path: Path) -> dict:
    """Metadata for ``path`` from a ``manifest.toml`` in its folder, if any."""
    return read_manifest(path)[0]


def read_manifest(path: Path) -> tuple[dict, str | None]:
    """``(metadata for path, why the manifest beside it is unusable or None)``."""
    manifest = path.parent / MANIFEST_NAME
    if not manifest.is_file():
        return {}, None
    try:
        table = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return {}, f"{MANIFEST_NAME} beside it cannot be read ({type(error).__name__})"
    except tomllib.TOMLDecodeError as error:
        return {}, f"{MANIFEST_NAME} beside it is not valid TOML ({error})"
    entry = table.get(path.name, {})
    if not isinstance(entry, dict):
        return {}, f"its entry in {MANIFEST_NAME} is not a table"
    return entry, None


def split_front_matter(text: str) -> tuple[dict, str]:
    """``(metadata, body)`` of a text with optional ``---`` YAML front matter."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return {}, text
    body = text[end + 4 :].lstrip("-").lstrip("\n")
    return (meta if isinstance(meta, dict) else {}), body


def load_text(text: str, label: str, meta: dict, path: Path | None = None) -> Article | Skipped:
    """A plain-text or Markdown article; metadata from ``meta`` or front matter."""
    front, body = split_front_matter(text)
    meta = {**front, **meta}
    return build_article(body, label, meta, path, extracted={})


def load_html(html: str, label: str, meta: dict, path: Path | None = None) -> Article | Skipped:
    """An HTML page: main text and metadata extracted with trafilatura."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as error:  # trafilatura raises many lxml errors on hostile input
        return Skipped(label, f"HTML could not be parsed ({type(error).__name__})")
    if doc is None:
        return Skipped(label, "HTML page has no article body")
    found = doc if isinstance(doc, dict) else doc.as_dict()
    if len((found.get("text") or "").strip()) < MIN_HTML_TEXT:
        return Skipped(label, "HTML page has no article body")
    extracted = {
        "title": found.get("title"),
        "author": found.get("author"),
        "published": found.get("date"),
        "url": found.get("url"),
        "language": found.get("language"),
        "sitename": found.get("sitename") or found.get("hostname"),
    }
    return build_article(found["text"], label, meta, path, extracted)


def load_records(text: str, label: str, jsonl: bool) -> LoadResult:
    """Articles from JSON records shaped like MultiHop-RAG's corpus (title, source, body...)."""
    result = LoadResult()
    try:
        records = _parse_records(text, jsonl)
    except ValueError as error:
        return _skip(label, f"invalid JSON ({error})")
    if not records:
        return _skip(label, "no article records in the file")
    for number, record in enumerate(records):
        where = f"{label}#{number}"
        if not isinstance(record, dict):
            result.skipped.append(Skipped(where, "record is not a JSON object"))
            continue
        body = record.get("body", record.get("text"))
        if not isinstance(body, str) or not body.strip():
            result.skipped.append(Skipped(where, "record has no body text"))
            continue
        wrong = _wrongly_typed(record)
        if wrong:
            result.skipped.append(Skipped(where, wrong))
            continue
        meta = {key: record.get(key) for key in ("title", "author", "url", "language")}
        meta["outlet"] = record.get("source", record.get("outlet"))
        meta["published"] = record.get("published_at", record.get("published"))
        # The record's identity is where it came from (this file, this record). Its "url"
        # is a claim, kept as metadata: it must never let a record take over the identity
        # (and so the text) of an article from another origin.
        item = build_article(body, where, meta, None, extracted={}, origin=where)
        if isinstance(item, Article):
            result.articles.append(item)
        else:
            result.skipped.append(item)
    return result


RECORD_TEXT_FIELDS = (
    "title",
    "author",
    "url",
    "language",
    "source",
    "outlet",
    "published_at",
    "published",
)


def _wrongly_typed(record: dict) -> str | None:
    """Why a record's metadata is unusable (a field that is not text), or None."""
    for key in RECORD_TEXT_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            return f"field '{key}' must be text, not {_json_type(value)}"
    return None


def _json_type(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _json(text: str):
    """``json.loads`` without NaN/Infinity and without crashing on absurd nesting."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error


def _parse_records(text: str, jsonl: bool) -> list:
    if jsonl:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(_json(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f"line {number}: {error.msg}") from error
                except ValueError as error:
                    raise ValueError(f"line {number}: {error}") from error
        return records
    try:
        data = _json(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{error.msg} at line {error.lineno}") from error
    if isinstance(data, dict):
        data = data.get("articles", [data])
    if not isinstance(data, list):
        raise ValueError("expected a list of article records")
    return data


def build_article(
    body: str,
    label: str,
    meta: dict,
    path: Path | None,
    extracted: dict,
    origin: str | None = None,
) -> Article | Skipped:
    """Clean the body, settle the metadata (inferring the outlet if needed), build the Article."""
    notes: list[str] = []
    title = clean_optional(meta.get("title")) or clean_optional(extracted.get("title")) or ""
    author = clean_optional(meta.get("author")) or clean_optional(extracted.get("author"))
    outlet = clean_optional(meta.get("outlet") or meta.get("source"))
    if outlet is None:
        outlet, how = infer_outlet(body, extracted.get("sitename"), path)
        if outlet:
            notes.append(f"outlet '{outlet}' inferred from {how}")
    if outlet is None:
        return Skipped(
            label,
            "no outlet: name it in manifest.toml beside the file or in front matter (outlet: ...)",
        )
    text, title_guess = clean_text(body, title=title, outlet=outlet, author=author)
    if not text.strip():
        return Skipped(label, "no article text left after removing page furniture")
    published = normalise_date(clean_optional(meta.get("published") or meta.get("date")))
    if published is None:
        published = normalise_date(clean_optional(extracted.get("published"))) or _dateline(body)
    return Article(
        text=text,
        outlet=outlet,
        origin=origin or label,
        title=title or title_guess or "",
        published=published,
        author=author,
        url=clean_optional(meta.get("url")) or clean_optional(extracted.get("url")),
        language=clean_optional(meta.get("language"))
        or clean_optional(extracted.get("language"))
        or guess_language(text),
        notes=tuple(notes),
    )


def infer_outlet(body: str, sitename: str | None, path: Path | None) -> tuple[str | None, str]:
    """Guess the outlet when no metadata names it; returns ``(outlet, how)``."""
    site = clean_optional(sitename)
    if site:
        return site, "the page's site name"
    head = body[:1500]
    for pattern in (_DATELINE_SLASH, _DATELINE_PAREN):
        for line in head.splitlines():
            match = pattern.search(line.strip())
            if match:
                return match.group(1).strip(), "the dateline"
    for line in head.splitlines()[:15]:
        match = _DOMAIN_LINE.match(line)
        if match:
            return match.group(1).lower().removeprefix("www."), "a site-name line in the page"
    if path is not None and path.parent.name and path.parent.name.lower() not in GENERIC_FOLDERS:
        return path.parent.name, "the folder name"
    return None, ""


def _dateline(body: str) -> str | None:
    match = _DATE_LINE.search(body[:1500])
    if not match:
        return None
    time, day, month, year = match.groups()
    return normalise_date(f"{year}-{int(month):02d}-{int(day):02d}T{time}")


def guess_language(text: str) -> str | None:
    """'en' for text that is plainly English, else None (we do not guess other languages)."""
    words = re.findall(r"[A-Za-z]+", text[:4000].lower())
    if len(words) < 20:
        return None
    common = {"the", "and", "of", "to", "in", "is", "that", "for", "on", "with", "as", "was"}
    share = sum(word in common for word in words) / len(words)
    return "en" if share > 0.08 else None


def _skip(label: str, reason: str) -> LoadResult:
    return LoadResult(skipped=[Skipped(label, reason)])


def _one(item: Article | Skipped) -> LoadResult:
    if isinstance(item, Article):
        return LoadResult(articles=[item])
    return LoadResult(skipped=[item])

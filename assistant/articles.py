"""An article: cleaned text plus outlet metadata, and the cleaning of scraped page furniture."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

# Lines that are page furniture wherever they appear (compared case-insensitively).
FURNITURE_LINES = {
    "top",
    "all news",
    "home",
    "support us on patreon",
    "like our content? become our patron",
    "advertisement",
    "share",
    "share this article",
    "read more",
    "print",
    "subscribe",
    "related news",
    "more news",
}
_BREADCRUMB = re.compile(r"^\s*\d{1,2}\.\s+\S")
_DATE_ONLY = re.compile(
    r"^\s*(\d{1,2}:\d{2},?\s*)?\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(,?\s*\d{1,2}:\d{2})?\s*$"
)
MAX_DATE_CHARS = 100  # a longer "date" is not one (and fuzzy parsing of it is slow)
_DOMAIN_ONLY = re.compile(r"^\s*(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\s*$", re.I)


@dataclass(frozen=True)
class Article:
    """One news article, its text already cleaned of page furniture."""

    text: str
    outlet: str
    origin: str
    title: str = ""
    published: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def content_hash(self) -> str:
        """Hash of the cleaned text alone: two copies of an article share it."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def article_id(self) -> str:
        """Stable id derived from where the article came from and what it says."""
        digest = hashlib.sha256(f"{self.origin}\x00{self.text}".encode()).hexdigest()
        return digest[:16]

    @property
    def fingerprint(self) -> str:
        """Hash of text and metadata: any change here means the article must be re-indexed."""
        meta = (self.outlet, self.title, self.published, self.author, self.url, self.language)
        return hashlib.sha256(repr((self.text, meta)).encode()).hexdigest()

    def metadata(self) -> dict[str, str]:
        """Flat, Chroma-safe metadata (no None values)."""
        data = asdict(self)
        data.pop("text")
        data.pop("notes")
        data["article_id"] = self.article_id
        return {key: str(value) for key, value in data.items() if value not in (None, "")}


def normalise_date(value: str | None) -> str | None:
    """Parse a date in any common form to ISO 8601, or None when it is not a date."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() == "none" or len(text) > MAX_DATE_CHARS:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text  # a date without a time stays one; no invented midnight
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    from dateutil import parser as date_parser

    try:
        return date_parser.parse(text, dayfirst=True, fuzzy=True).isoformat()
    except (ValueError, OverflowError):
        return None


def clean_optional(value: object) -> str | None:
    """Blank, null-ish or non-string metadata becomes None; other values are stripped text."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return None if not text or text.lower() in {"none", "null", "n/a"} else text


def _paragraphs(text: str) -> list[str]:
    """Split text into paragraphs: blank lines and single line breaks both separate them."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return [line for line in lines if line]


def _is_breadcrumb_run(lines: list[str], start: int) -> int:
    """Length of a numbered breadcrumb list ("1. Home", "2. Frontline") starting at ``start``."""
    # Only a run that starts at "Home" is one: checking that first keeps a long list of
    # numbered lines linear (each line is not the start of a run to scan to its end).
    line = lines[start]
    if not _BREADCRUMB.match(line) or re.sub(r"^\d+\.\s*", "", line[:200]).lower() != "home":
        return 0
    end = start
    while end < len(lines) and _BREADCRUMB.match(lines[end]) and len(lines[end]) < 200:
        end += 1
    run = lines[start:end]
    if len(run) >= 2 and re.sub(r"^\d+\.\s*", "", run[0]).lower() == "home":
        return len(run)
    return 0


def _is_furniture(line: str, title: str, outlet: str | None) -> bool:
    lowered = line.lower().strip(" .:|»›")
    if lowered in FURNITURE_LINES:
        return True
    if _DATE_ONLY.match(line):
        return True
    if outlet and lowered == outlet.lower():
        return True
    if _DOMAIN_ONLY.match(line) and len(line) < 40:
        return True
    # The headline, or a shortened headline, repeated as page chrome.
    return bool(title) and len(line) >= 15 and title.lower().startswith(lowered)


def _drop_author_blurb(lines: list[str], author: str | None) -> list[str]:
    """Remove a trailing author box: the author's name alone, then an optional bio line."""
    if not author:
        return lines
    name = author.lower()
    for index in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
        if lines[index].lower() == name:
            rest = lines[index + 1 :]
            if all(line.lower().startswith(name) for line in rest):
                return lines[:index]
    return lines


REPEAT_MIN_CHARS = 40  # shorter paragraphs ("Kyiv.", "Photo: AP") may well repeat
STANDFIRST_PARAGRAPHS = 8  # how many leading paragraphs may be repeated inside a later one


def _drop_repeated_paragraphs(lines: list[str]) -> list[str]:
    """Drop a paragraph (e.g. a standfirst) whose text is repeated inside a later one.

    Linear in the text: a paragraph repeated word for word is found by hashing (the last
    copy stays); a leading paragraph (one of the first few, where a standfirst is) is also
    dropped when a later paragraph contains it.
    """
    last_copy = {line: index for index, line in enumerate(lines) if len(line) >= REPEAT_MIN_CHARS}
    joined = "\n".join(lines)
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    kept = []
    for index, line in enumerate(lines):
        if len(line) >= REPEAT_MIN_CHARS:
            if last_copy[line] > index:
                continue
            after = starts[index] + len(line) + 1
            # Paragraphs hold no newline, so a find in the joined rest is a find within one.
            if index < STANDFIRST_PARAGRAPHS and joined.find(line, after) != -1:
                continue
        kept.append(line)
    return kept


def clean_text(raw: str, title: str = "", outlet: str | None = None, author: str | None = None):
    """Remove scraped page furniture and return ``(clean_text, title_guess)``.

    Paragraphs are joined with blank lines. The first substantial line is taken as the
    title guess when no title is given, and is not repeated in the body.
    """
    lines = _paragraphs(raw)
    kept: list[str] = []
    index = 0
    while index < len(lines):
        run = _is_breadcrumb_run(lines, index)
        if run:
            index += run
            continue
        kept.append(lines[index])
        index += 1
    title_guess = title
    if not title_guess:
        for line in kept:
            if not _is_furniture(line, "", outlet) and 15 <= len(line) <= 200:
                title_guess = line
                break
    body = [line for line in kept if not _is_furniture(line, title_guess, outlet)]
    if not body and title_guess and not title:
        # The only paragraph looked like a headline: it is the text, not page chrome.
        body = [line for line in kept if not _is_furniture(line, "", outlet)]
    body = _drop_author_blurb(body, author)
    body = _drop_repeated_paragraphs(body)
    return "\n\n".join(body), title_guess

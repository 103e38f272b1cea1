"""The sources file (``sources.toml`` beside the index) and ``ASSISTANT_FEEDS``.

Format::

    # sources.toml
    [defaults]
    limit = 20                 # newest entries taken from each feed per refresh

    [[feed]]
    url = "https://example.org/world/rss.xml"
    outlet = "Example News"    # optional: else the page's site name, else the domain
    limit = 10                 # optional: overrides the default

    [[page]]                   # a single article to keep up to date
    url = "https://example.org/2024/05/01/story.html"
    outlet = "Example News"

``ASSISTANT_FEEDS`` adds feeds by URL (whitespace- or comma-separated) with the defaults.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .fetch import is_url


@dataclass(frozen=True)
class WebSource:
    """A feed or a single page to follow."""

    url: str
    kind: str  # "feed" or "page"
    outlet: str | None = None
    limit: int | None = None


@dataclass
class SourcesFile:
    """Everything the sources file and ``ASSISTANT_FEEDS`` list."""

    feeds: list[WebSource] = field(default_factory=list)
    pages: list[WebSource] = field(default_factory=list)
    path: Path | None = None

    @property
    def empty(self) -> bool:
        """True when nothing is listed."""
        return not self.feeds and not self.pages


def load_sources_file(path: Path | None, extra_feeds: list[str], default_limit: int) -> SourcesFile:
    """Read ``path`` (missing is fine: nothing listed) plus ``extra_feeds``; ConfigError when
    the file is malformed, naming the entry."""
    found = SourcesFile(path=path)
    table: dict = {}
    if path is not None and Path(path).is_file():
        try:
            table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"the sources file {path} cannot be read ({error})") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(
                f"the sources file {path} is not valid TOML ({error})",
                hint="see README: Following feeds",
            ) from None
    defaults = table.get("defaults", {})
    limit = _limit(defaults.get("limit", default_limit), path, "defaults")
    for kind, bucket in (("feed", found.feeds), ("page", found.pages)):
        entries = table.get(kind, [])
        if not isinstance(entries, list):
            raise ConfigError(f"{path}: '{kind}' must be a list of tables ([[{kind}]])")
        for number, entry in enumerate(entries, start=1):
            bucket.append(_source(entry, kind, number, limit, path))
    listed = {source.url for source in found.feeds}
    for url in extra_feeds:
        if not is_url(url):
            raise ConfigError(f"ASSISTANT_FEEDS entry '{url}' is not an http(s) URL")
        if url not in listed:
            found.feeds.append(WebSource(url.strip(), "feed", None, limit))
            listed.add(url)
    return found


def _source(entry: object, kind: str, number: int, limit: int, path: Path | None) -> WebSource:
    where = f"{path}: [[{kind}]] number {number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is not a table")
    url = entry.get("url")
    if not isinstance(url, str) or not is_url(url):
        raise ConfigError(f'{where} needs url = "https://..."')
    outlet = entry.get("outlet")
    if outlet is not None and (not isinstance(outlet, str) or not outlet.strip()):
        raise ConfigError(f"{where}: outlet must be a name")
    unknown = set(entry) - {"url", "outlet", "limit"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    own = _limit(entry.get("limit", limit), path, where)
    return WebSource(url.strip(), kind, outlet.strip() if outlet else None, own)


def _limit(value: object, path: Path | None, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{path}: {where}: limit must be a whole number, at least 1")
    return value


def parse_interval(text: str) -> float:
    """Seconds in an interval like ``15m``, ``30s``, ``1h`` or ``90``; ConfigError if not."""
    value = str(text).strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (value[:-1], value[-1]) if value and value[-1] in units else (value, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise ConfigError(f"'{text}' is not an interval", hint="use e.g. 30s, 15m or 1h") from None
    if seconds < 1:
        raise ConfigError(f"the interval '{text}' is under one second", hint="e.g. 15m")
    return seconds

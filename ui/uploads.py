"""Upload safety: what an uploaded or pasted article may be, where it lands, how it is named.

An upload is untrusted in every part: its name (never a path), its type and size, the number
of records in it, and what it claims to be (a JSON record's ``url`` or title never gives it
another article's identity; see :func:`identity_notes`). Messages name files relative to the
upload or source folders, never by their absolute server path.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from pathlib import Path, PurePosixPath

from assistant.loaders import decode_text

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".json", ".jsonl")
MAX_PASTE_CHARS = 200_000


class UploadRejected(Exception):
    """An uploaded file refused before indexing (type, size, name, records)."""


class UploadFolder:
    """The folder uploads are copied into, under safe content-addressed names."""

    def __init__(self, folder: Path, max_file_bytes: int, max_records: int) -> None:
        self.folder = Path(folder)
        self.max_file_bytes = max_file_bytes
        self.max_records = max_records

    def stage(self, source: Path, original: str) -> Path:
        """Copy an uploaded file into the folder under a safe, content-addressed name."""
        suffix = PurePosixPath(original).suffix.lower() or source.suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            raise UploadRejected(
                f"file type {suffix or '(none)'} is not accepted; use "
                + ", ".join(ALLOWED_SUFFIXES)
            )
        try:
            size = source.stat().st_size
        except OSError as error:
            raise UploadRejected("the upload could not be read") from error
        if size > self.max_file_bytes:
            raise UploadRejected(f"file is {size:,} bytes; the limit is {self.max_file_bytes:,}")
        data = source.read_bytes()
        if suffix in (".json", ".jsonl"):
            self._check_records(data, suffix)
        target = self.inside(f"{safe_stem(original)}-{digest(data)}{suffix}")
        target.write_bytes(data)
        return target

    def _check_records(self, data: bytes, suffix: str) -> None:
        """Refuse a JSON(L) file with more records than one upload may hold."""
        text, problem = decode_text(data)
        if problem:
            return  # the loader gives the reason
        count = record_count(text, jsonl=suffix == ".jsonl")
        if count > self.max_records:
            raise UploadRejected(
                f"{count:,} records; one upload may hold at most {self.max_records:,}"
            )

    def write(self, name: str, text: str) -> Path:
        """Write ``text`` to a file named ``name`` in the folder."""
        target = self.inside(name)
        target.write_text(text, encoding="utf-8")
        return target

    def inside(self, name: str) -> Path:
        """The path of ``name`` in the folder (created); refuses anything that leaves it."""
        folder = self.folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        target = (folder / name).resolve()
        if target.parent != folder:  # defence in depth: safe_stem already removed separators
            raise UploadRejected("unsafe file name")
        return target

    def holds(self, origin: str) -> bool:
        """True when ``origin`` (a file, or file#record) is a file in this folder."""
        path = Path(origin.split("#", 1)[0])
        return path.is_absolute() and path.resolve().parent == self.folder.resolve()

    def discard(self, paths: Iterable[Path]) -> None:
        """Delete staged files that did not become articles (they must not linger)."""
        for path in paths:
            if self.holds(str(path)) and Path(path).is_file():
                Path(path).unlink()

    def forget(self, origin: str) -> None:
        """Delete the uploaded file behind ``origin`` (its article was removed)."""
        if self.holds(origin):
            Path(origin.split("#", 1)[0]).unlink(missing_ok=True)


def record_count(text: str, jsonl: bool) -> int:
    """How many records a JSON or JSONL upload holds (0 when it is not valid JSON)."""
    if jsonl:
        return sum(1 for line in text.splitlines() if line.strip())
    from assistant.loaders import _parse_records

    try:
        return len(_parse_records(text, jsonl=False))
    except ValueError:
        return 0


def relative_text(text: str, roots: Iterable[Path]) -> str:
    """``text`` with each root folder's absolute path shortened to the folder's name
    (``/srv/app/index/uploads/x.md`` -> ``uploads/x.md``)."""
    for root in sorted({Path(r).resolve() for r in roots}, key=lambda p: -len(str(p))):
        text = text.replace(str(root), root.name)
    return text


def identity_notes(
    rows: Iterable[dict], new_origins: Iterable[str], roots: list[Path]
) -> list[str]:
    """Notes for newly indexed articles that share a URL or a title with an article of
    another origin: both are kept, each under its own origin, and the reader is told."""
    new = set(new_origins)
    if not new:
        return []
    by_url: dict[str, list[dict]] = {}
    by_title: dict[str, list[dict]] = {}
    mine: list[dict] = []
    for row in rows:
        if row["origin"] in new:
            mine.append(row)
            continue
        if row.get("url"):
            by_url.setdefault(row["url"].strip().lower(), []).append(row)
        if row.get("title"):
            by_title.setdefault(row["title"].strip().lower(), []).append(row)
    notes = []
    for row in mine:
        for what, table, key in (
            ("URL", by_url, row.get("url")),
            ("title", by_title, row.get("title")),
        ):
            others = table.get((key or "").strip().lower(), [])
            if not others:
                continue
            other = others[0]
            more = f" (and {len(others) - 1} more)" if len(others) > 1 else ""
            notes.append(
                relative_text(
                    f"{row['origin']} ({row['outlet']}) has the same {what} as"
                    f" {other['origin']} ({other['outlet']}){more}; it was added as a separate"
                    " article and replaces nothing",
                    roots,
                )
            )
    return notes


def safe_stem(name: str) -> str:
    """A file-name stem made only of [A-Za-z0-9_-], never empty, never a path."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-_")[:60]
    return cleaned or "upload"


def front_matter_document(outlet: str, title: str, published: str, text: str) -> str:
    """A Markdown article with YAML front matter the loaders read."""
    import yaml

    meta = {"outlet": outlet}
    if title:
        meta["title"] = title
    if published:
        meta["published"] = published
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{header}---\n\n{text}\n"


def digest(data: bytes) -> str:
    """A short content hash for upload file names."""
    return hashlib.sha256(data).hexdigest()[:10]


def is_iso_date(value: str) -> bool:
    """True when ``value`` starts with a YYYY-MM-DD date."""
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def original_name(file: object, source: Path) -> str:
    """The name the user's file had (Gradio's ``orig_name``), as a bare file name."""
    original = getattr(file, "orig_name", None) or source.name
    return PurePosixPath(str(original).replace("\\", "/")).name or "upload"

"""Matching outlet names as people write them against the outlets in the index."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import InputError

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_TLDS = {"com", "org", "net", "ua", "ru", "uk", "co", "io", "news", "info", "de", "fr", "it"}


def normalise_outlet(name: str) -> str:
    """Case, punctuation and a leading "The" do not matter: "The Verge" ~ "the-verge" ~ "verge"."""
    words = _NON_WORD.sub(" ", name.lower()).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def outlet_aliases(name: str) -> set[str]:
    """Forms under which a question may name the outlet ("fakty.com.ua" -> "fakty")."""
    base = normalise_outlet(name)
    aliases = {base, base.replace(" ", "")}
    words = base.split()
    if "." in name and len(words) > 1:
        stem = [w for w in words if w not in _TLDS and w != "www"]
        if stem:
            aliases.add(" ".join(stem))
    return {alias for alias in aliases if len(alias) >= 2}


def outlets_named_in(text: str, known: Iterable[str]) -> list[str]:
    """Outlets of ``known`` that ``text`` names, in the order it names them."""
    haystack = f" {normalise_outlet(text)} "
    squeezed = haystack.replace(" ", "")
    found: list[tuple[int, str]] = []
    for outlet in known:
        positions: list[int] = []
        for alias in outlet_aliases(outlet):
            at = haystack.find(f" {alias} ")
            if at >= 0:
                positions.append(at)
            elif " " not in alias and len(alias) >= 6 and alias in squeezed:
                joined = _joined_at(haystack, alias)  # "cbs sports" for "cbssports"
                if joined >= 0:
                    positions.append(joined)
        if positions and _written_as_a_name(outlet, text):
            found.append((min(positions), outlet))
    # A longer name that contains a shorter one as whole words wins ("Sporting News" over
    # "News"); "Business World" is not inside "Music Business Worldwide".
    names = [outlet for _, outlet in sorted(found)]
    return [n for n in names if not any(n != m and _contains_words(m, n) for m in names)]


def _written_as_a_name(outlet: str, text: str) -> bool:
    """ "The Age" is named by "the Age", "The Age's" or "Age", never by "that age group":
    an outlet called "The <word>" needs its "the" or its capital."""
    words = outlet.split()
    if len(words) != 2 or words[0].lower() != "the":
        return True
    word = re.escape(words[1])
    return bool(
        re.search(rf"(?<!\w){word}(?!\w)", text)
        or re.search(rf"(?<!\w)the\s+{word}(?!\w)", text, re.I)
    )


def outlet_clauses(text: str, named: list[str]) -> dict[str, str]:
    """The part of ``text`` about each named outlet: from its first mention to the next
    outlet's ("the Polygon report on X ..., and the Engadget review of Y ..."), in the
    normalised (lower-case, no punctuation) form outlet matching works on."""
    haystack = f" {normalise_outlet(text)} "
    starts = []
    for outlet in named:
        found = [haystack.find(f" {alias} ") for alias in outlet_aliases(outlet)]
        found = [at for at in found if at >= 0]
        if found:
            starts.append((min(found), outlet))
    starts.sort()
    ends = [at for at, _ in starts[1:]] + [len(haystack)]
    return {outlet: haystack[at:end].strip() for (at, outlet), end in zip(starts, ends)}


def _joined_at(haystack: str, alias: str) -> int:
    """Where consecutive whole words of ``haystack`` spell ``alias`` ("business world" for
    "businessworld", but not inside "music business worldwide"), or -1."""
    words = haystack.split()
    offsets, at = [], 0
    for word in words:
        at = haystack.find(word, at)
        offsets.append(at)
        at += len(word)
    for i in range(len(words)):
        joined = ""
        for word in words[i:]:
            joined += word
            if joined == alias:
                return offsets[i]
            if len(joined) >= len(alias) or not alias.startswith(joined):
                break
    return -1


def _contains_words(longer: str, shorter: str) -> bool:
    return f" {normalise_outlet(shorter)} " in f" {normalise_outlet(longer)} "


def resolve_outlets(requested: Iterable[str], known: Iterable[str]) -> list[str]:
    """Map user-typed outlet names to indexed outlets; unknown names are an InputError."""
    known = list(known)
    by_alias = {alias: outlet for outlet in known for alias in outlet_aliases(outlet)}
    resolved, unknown = [], []
    for name in requested:
        match = by_alias.get(normalise_outlet(name)) or by_alias.get(
            normalise_outlet(name).replace(" ", "")
        )
        if match:
            if match not in resolved:
                resolved.append(match)
        else:
            unknown.append(name)
    if unknown:
        listed = ", ".join(sorted(known)[:20]) or "none"
        raise InputError(
            f"unknown outlet(s): {', '.join(unknown)}",
            hint=f"indexed outlets: {listed}",
        )
    return resolved

"""Page debris that must never be quoted as evidence (issue 12): datelines and bylines,
widget, price and schedule lines, embedded posts, "Also Read:" lines, and fragments that only
make sense after the previous sentence."""

from __future__ import annotations

import re

_DATELINE = re.compile(
    r"^[A-Z][A-Z .,'-]{2,40}, [A-Z][a-z]+ \d{1,2}\.? ?(/[A-Z]+/\.?|\([A-Z]+\)|—|-)\s*"
)
_DEBRIS = [
    _DATELINE,
    re.compile(
        r"^(also read|read more|related|see also|watch|advertisement|sign up|subscribe)\b", re.I
    ),
    re.compile(r"pic\.twitter\.com|https?://t\.co/|\(@\w+\)|— @\w+|\bon (X|Twitter|Instagram) \("),
    re.compile(r"^(by|photo|image|credit|source)\s*:", re.I),
    re.compile(r"^more\s*:", re.I),  # a related link: "MORE: Who is Connor Stalions?"
    # newsletter sign-up boxes: "…with our free weekly Lifestyle Edit newsletter Please enter…"
    re.compile(
        r"valid email address|skip past newsletter|newsletters may contain|see all newsletters|"
        r"\b(sign up|subscribe) to (the |our )?[\w' ]{0,40}newsletter|"
        r"with our free [\w ]{0,40}newsletter",
        re.I,
    ),
    # an editor's note: "This post has been updated with…", "(This story was updated…)"
    re.compile(r"\b(this|the) (post|article|story|page) (has been|was) (updated|edited)\b", re.I),
    re.compile(r"\((Getty( Images)?|AP( Photo)?|Reuters|AFP|PA|Shutterstock|iStock)\b[^)]*\)\W*$"),
    re.compile(r"[$£€]\s?\d[\d,.]*\s*(at|on|from)\s+(Amazon|Walmart|Best Buy|Target)\b", re.I),
    # deal widgets: "Apple AirTag $ 24 $ 29 17 % off …"
    re.compile(r"[$£€]\s?\d[\d,.]*\s+[$£€]\s?\d[\d,.]*\s+\d{1,3}\s?%\s?off\b", re.I),
    re.compile(r"\b\d{1,2}(:\d{2})?\s?(a\.m\.|p\.m\.|am|pm)\s*(ET|PT|GMT|BST)\b"),
]
# A page widget's placeholder glued to the sentence after it ("Loading Wall Street has…").
_WIDGET_PREFIX = re.compile(r"^(?:Loading(?:\.\.\.|…)?|Advertisement|ADVERTISEMENT)\s+(?=[A-Z“\"])")
# Openings that lean on the sentence before: quote them with it, or not at all. "This month"
# / "that year" point at a time, not at the previous sentence.
_FRAGMENT = re.compile(
    r"^(?!(?:this|that|these|those) (?:morning|afternoon|evening|week|weekend|month|year|"
    r"season|summer|winter|spring|autumn|fall|time|past|coming|last|next)\b|so far\b)"
    r"(they|them|it|its|this|that|these|those|he|she|his|her|"
    r"the (first|second|third|other|latter|former) (one|two)|"
    r"the second|the first one|but|and|also|so|which|such)\b",
    re.I,
)


# "The Italian edition of "La Repubblica" reports:" names a source; other lines ending in a
# colon are headings and list openers.
_ATTRIBUTION = re.compile(r"\b(reports|reported|writes|wrote|says|said|notes|noted|stated)\s*:$")


def is_debris(sentence: str) -> bool:
    """A line of page furniture rather than the article's reporting."""
    text = sentence.strip()
    if len(text) < 25 or (text.endswith(":") and not _ATTRIBUTION.search(text)):
        return True
    if not re.search(r"[.!?…:\"”’')\]]$", text):
        return True  # a heading or caption: reporting ends its sentences
    if re.search(r"[\w)]['\"”’]$", text):
        return True  # ...and a quote inside them: "…, highlights from 'Sunday Night Football'"
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.5 * len(text):  # prices, scores, tables
        return True
    return any(pattern.search(text) for pattern in _DEBRIS)


# an embedded post's signature line: "… pic.twitter.com/x — NFL (@NFL) December 17, 2023"
_POST_SIGNATURE = re.compile(r"— [^\n()]{1,80} \(@\w+\) [A-Z][a-z]+ \d{1,2}, \d{4}")
_POST_LENGTH = 280  # a post's most characters
_POST_OPENING = 140  # the most characters of a post's opening line before its stat lines
_POST_STAT = re.compile(r"^[^\n]{1,40}(?<![.!?:”\"])$")  # "381 yards", "4 TDs": a post's lines


def embedded_posts(text: str) -> list[tuple[int, int]]:
    """Character spans of the embedded posts in ``text``: each signature line's paragraph
    and the short lines before it that belong to the post ("381 yards", "4 TDs"), with the
    post's opening line before those."""
    spans = []
    ends = [(m.start(), m.end()) for m in _POST_SIGNATURE.finditer(text)]
    if _ends_in_stat_lines(text):  # a passage cut inside a post, before its signature line
        ends.append((len(text), len(text)))
    for signature_start, signature_end in ends:
        start = _paragraph_start(text, signature_start)
        length, stats = signature_start - start, 0
        while start > 0:
            previous = _paragraph_start(text, start - 2)
            if previous >= start:
                break
            line = text[previous:start].strip()
            if not line:  # a wider gap: the raw page's, before its blank lines were merged
                start = previous
                continue
            if _POST_STAT.match(line):
                stats += 1
            elif not (stats and len(line) <= _POST_OPENING):
                break
            if length + len(line) > _POST_LENGTH:
                break
            start, length = previous, length + len(line)
            if not _POST_STAT.match(line):
                break  # the opening line: the article's own text is before it
        spans.append((start, signature_end))
    return spans


def posts_by_article(passages) -> dict[str, list[tuple[int, int]]]:
    """Each article's embedded posts (article offsets) found in any of its passages (Documents
    with ``article_id`` and ``start``): a post whose signature line is in the next passage is
    still a post in this one."""
    posts: dict[str, list[tuple[int, int]]] = {}
    for passage in passages:
        article = str(passage.metadata.get("article_id", ""))
        offset = int(passage.metadata.get("start", 0))
        found = embedded_posts(passage.page_content)
        posts.setdefault(article, []).extend((offset + a, offset + b) for a, b in found)
    return posts


def _ends_in_stat_lines(text: str) -> bool:
    lines = text.rstrip().split("\n\n")
    tail = [line.strip() for line in lines[-2:]]
    return len(lines) >= 3 and all(_POST_STAT.match(t) and re.search(r"\d", t) for t in tail)


def _paragraph_start(text: str, at: int) -> int:
    found = text.rfind("\n\n", 0, at)
    return 0 if found < 0 else found + 2


def dateline_length(sentence: str) -> int:
    """Characters of a leading dateline ("ROME, November 7. /TASS/. ") or widget placeholder
    ("Loading ") to skip, or 0."""
    found = _DATELINE.match(sentence) or _WIDGET_PREFIX.match(sentence)
    return found.end() if found else 0


# A heading the page's line break no longer parts from the sentence under it ("Wildest Beards
# The Kelce brothers couldn't stop…", "October 25 The huge-selling American singer…"): a run of
# capitalised words (and the small words of a title) up to a word that opens a sentence.
_OPENERS = set(
    "The An In It He She They This These Those When After As But And For On At If While "
    "With We Our His Her Its Their There Despite According Although During Since Over Here "
    "Last Earlier From By".split()
)
_TITLE_SMALL = set("of and the to in for a an on at with vs vs. & - – — or from by".split())
_HEADING_WORDS = 12  # a longer run of capitalised words is no heading


def heading_length(sentence: str) -> int:
    """Characters of a heading glued before the sentence ("Wildest Beards "), or 0.

    The heading is title-cased (no lowercase word but a title's small words, no colon), is
    not itself opened by a sentence opener ("With The Last of Us on HBO…"), does not end on
    a small word ("Return of The Jedi"), and the word after it opens a sentence: followed
    by a lowercase word, or by one more capitalised word and then a lowercase one ("The
    Kelce brothers")."""
    words = list(re.finditer(r"\S+", sentence))[: _HEADING_WORDS + 2]
    if len(words) < 3 or words[0].group() in _OPENERS:
        return 0
    colon = _colon_heading_length(sentence)
    if colon:
        return colon
    for index, found in enumerate(words):
        word = found.group()
        if index and _opens_after_heading(words, index):
            return found.start()
        if not _title_word(word):
            return 0
    return 0


# A labelled sentence-case headline glued before the sentence under it: "SBF trial: Everything
# to know from the FTX courtroom ahead of his testimony Sam Bankman-Fried is in court…". The
# label has a lowercase letter (CBSSports' "HISTORY: In five career games against Pittsburgh,
# Lamar Jackson has…" labels a sentence), the headline no stop, comma or verb of its own.
_LABEL = re.compile(r"^(?=[^:]*[a-z])[A-Z][^\s:]*(?: [^\s:]+){0,3}:\s+")
_VERBS = set(
    "is are was were has have had will would can could said says told did does may might "
    "must should announced revealed".split()
)
_LINKS = set(
    "that as but and or than if when because so while where after before since against with "
    "without like".split()
)
_PRONOUNS = set("i we he she they it you there this that these those".split())
_NOT_IN_HEADLINE = re.compile(r"[,.;:!?\"“”()]|n[’']t$|^[a-z]\w*[’']s$")


def _colon_heading_length(sentence: str) -> int:
    """Characters of a "Label: sentence-case headline " glued before a sentence, or 0: the
    headline's last word is lowercase, the next capitalised one ("Sam") opens a sentence
    whose verb follows its name ("Sam Bankman-Fried is")."""
    label = _LABEL.match(sentence)
    if not label:
        return 0
    words = list(re.finditer(r"\S+", sentence[label.end() :]))[: _HEADING_WORDS + 6]
    texts = [w.group() for w in words]
    if not texts or texts[0].lower() in _PRONOUNS or not texts[0][0].isupper():
        return 0
    for index in range(1, len(texts) - 1):
        before = texts[index - 1]
        if _NOT_IN_HEADLINE.search(before) or before.lower() in _VERBS:
            return 0
        if index < 3 or not texts[index][0].isupper() or not before[0].islower():
            continue
        if before in _TITLE_SMALL or before in _LINKS:
            continue  # "from the FTX courtroom": a name inside the headline
        if not _names_then_verb(texts[index:]):
            return 0
        return label.end() + words[index].start()
    return 0


def _names_then_verb(words: list[str]) -> bool:
    """One to three capitalised words and then a verb: "Sam Bankman-Fried is…"."""
    for count in range(1, 4):
        if count < len(words) and words[count] in _VERBS:
            return all(w[0].isupper() for w in words[:count])
    return False


def _opens_after_heading(words: list[re.Match[str]], index: int) -> bool:
    """Whether ``words[index]`` opens the sentence under a heading of the words before it."""
    word = words[index].group()
    if word not in _OPENERS or words[index - 1].group() in _TITLE_SMALL:
        return False
    return _opens_sentence(word, words[index + 1 : index + 3])


def _title_word(word: str) -> bool:
    """A word of a heading: capitalised or a number, or a title's small word; not a label
    ("Reich:"), a list item ("Gods,") or a possessive ("2019’s The Irishman")."""
    if word.endswith((":", ",", ";")) or re.search(r"['’]s$", word):
        return False
    return word[0].isupper() or word[0].isdigit() or word in _TITLE_SMALL


def _opens_sentence(opener: str, after: list[re.Match[str]]) -> bool:
    """The words after an opener read as a sentence's: "The brothers …", and after "The"
    or "An" a name and a lowercase word ("The Kelce brothers"; not "He Lifeng also")."""
    if not after:
        return False
    first = after[0].group()
    if first[0].islower():
        return True
    return opener in ("The", "An") and len(after) > 1 and after[1].group()[0].islower()


def is_fragment(sentence: str) -> bool:
    """A sentence whose subject is in the previous one ("They are unable to respond…")."""
    return _FRAGMENT.match(sentence.strip().lstrip("“\"'")) is not None


# "But Amodei was unhappy…", "And after Bankman-Fried left…": a connective before a subject
# of its own leans on the previous sentence for its contrast, not for what it is about...
_CONNECTIVE_WITH_SUBJECT = re.compile(
    r"^(but|and|also|so)\b[\s,]*(?!(they|them|it|its|this|that|these|those|he|she|his|her|"
    r"there|then|such|which|the (first|second|third|other|latter|former))\b)[\w“\"']",
    re.I,
)
# ...unless it points back: "But sportsbooks are also gathering this information".
_POINTS_BACK = re.compile(
    r"\b(this|these|those|such|the same|the other|the latter|the former)\s+[a-z]", re.I
)


def leans_on_previous(sentence: str) -> bool:
    """A fragment that needs the previous sentence to be understood ("He asked his boss…",
    "They…", "But it…", "But sportsbooks are gathering this information"), unlike "But
    Amodei was unhappy about the deal", which names what it is about."""
    text = sentence.strip().lstrip("“\"'")
    if not is_fragment(text):
        return False
    return _CONNECTIVE_WITH_SUBJECT.match(text) is None or _POINTS_BACK.search(text) is not None


def asks(sentence: str) -> bool:
    """A sentence that asks ("If you already have a Steam Deck, is the OLED model an
    incremental improvement?", "“Is this the end?”") rather than reports; "Smith asked:
    “Why now?”" reports a question."""
    text = sentence.strip().rstrip(")")
    if text.endswith("?"):
        return True
    return text.endswith(("?”", '?"')) and text[:1] in "“\"‘'"


def is_quoted_statement(sentence: str) -> bool:
    """A sentence that is itself a quotation (an email, a statement) the outlet prints."""
    text = sentence.strip()
    if text[:1] in "“\"'‘" or text.startswith("«"):
        return True
    # a later sentence of a quotation opened in an earlier one: "No one knows,” he said."
    return text.count("”") > text.count("“") or text.count('"') % 2 == 1

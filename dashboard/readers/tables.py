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
time. Nested parts are checked by the same pydantic models as event files, once per distinct value.

A bad row becomes a ``Problem`` at its line (a CSV file's line, the header being line 1; a Parquet row's number
plus 1) and the column of the bad field, and is left out; the other rows load.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.model import ID_MAX, NAME_MAX, SLUG, EventFile, Link, Place, Source, slugify
from dashboard.readers import acled, native
from dashboard.readers import iso_dates as iso
from dashboard.readers import vectors as v
from dashboard.readers.sheets import Sheet, read_sheet
from dashboard.reading import Refused, check_regular
from dashboard.table import COLUMNS, SPOTS, Problem

TITLE_MAX = next(m.max_length for m in EventFile.model_fields["title"].metadata if hasattr(m, "max_length"))
SOURCE_COLUMNS = ["_date", "_end", "_timezone", "_approximate"]  # as written, for `timeline import`

Step = Callable[[float], None]




def _convert(sheet: Sheet, path: Path, shown: str, step: Step, keep_source: bool,
             ) -> tuple[pd.DataFrame, list[Problem]]:
    rows = sheet.rows
    problems = list(sheet.problems)
    layout = acled if acled.detect(sheet) else native
    fatal = layout.check(sheet, shown, problems)
    if fatal:
        return _no_rows(keep_source), problems
    faults = v.Faults(rows)
    lines = sheet.lines
    m = layout.mapped(sheet)
    where = m.where
    faults.add(m.approximate_bad, where["approximate"], "'approximate': write true or false")
    ident, title, date, end, zone, written_approximate = m.ident, m.title, m.date, m.end, m.zone, m.approximate
    category, actors, tags, name_codes, name_values, country = (m.category, m.actors, m.tags, m.name_codes,
                                                                m.name_values, m.country)
    lat, lat_bad, lon, lon_bad, summary = m.lat, m.lat_bad, m.lon, m.lon_bad, m.summary
    publisher, source_title, source_url, published, links_text = (m.publisher, m.source_title, m.source_url,
                                                                   m.published, m.links)
    del m
    pa.default_memory_pool().release_unused()  # the columns as read, now stripped copies
    step(0.6)

    # Ids: the table's own, or the file's name and the row's number.
    missing = (ident == "").to_numpy(bool)
    if missing.any():
        stem = path.stem if re.fullmatch(SLUG, path.stem) else slugify(path.stem)
        ident = ident.where(~missing, stem + "-" + pd.Series(np.arange(1, rows + 1)).astype("str"))
    faults.add(~ident.str.fullmatch(SLUG).to_numpy(bool), where["id"],
               lambda bad: [f"'id': '{value}' cannot be an id: use lower-case letters, digits, '.', '_' and '-'"
                            for value in v.pick(ident, bad)])
    for name, lists in (("actors", actors), ("tags", tags)):
        faults.add(v.long_names(lists), where[name], f"'{name}': a name is over {NAME_MAX} characters")
    faults.add(ident.str.len().to_numpy() > ID_MAX, where["id"],
               f"'id': String should have at most {ID_MAX} characters")
    lengths = title.str.len().to_numpy()
    faults.add(lengths == 0, where["title"], "'title': String should have at least 1 character")
    faults.add(lengths > TITLE_MAX, where["title"], f"'title': String should have at most {TITLE_MAX} characters")
    faults.add((category == "").to_numpy(bool), where["category"],
               "'category': String should have at least 1 character")

    # Time zones, once per distinct name.
    zone_codes, zone_names = pd.factorize(zone, use_na_sentinel=False)
    unknown = {}
    for index, name in enumerate(zone_names):
        if name:
            try:
                EventFile._known_zone(name)
            except ValueError as error:
                unknown[index] = [(where["timezone"], f"'timezone': {error}")]
    faults.add_distinct(zone_codes, unknown)

    # Places and sources: built and checked by their models once per distinct combination.
    empty: list[Any] = []
    faults.add(lat_bad, where["lat"], "'lat': Input should be a valid number")
    faults.add(lon_bad, where["lon"], "'lon': Input should be a valid number")
    unreadable = lat_bad | lon_bad  # already a problem; the model would only add "give both lat and lon"
    place_codes = v.codes_of(name_codes, country, lat, lon, unreadable)
    firsts = v.first_rows(place_codes)
    place_columns = {"name": ("place" if not acled else "location", where["place"]),
                     "country": ("country", where["country"]), "lat": ("lat", where["lat"]),
                     "lon": ("lon", where["lon"])}
    place_columns[""] = place_columns["lat"]
    place_lists = np.empty(len(firsts), dtype=object)
    errors: dict[int, list[tuple[int, str]]] = {}
    for code, (name, code_text, y, x, skip) in enumerate(zip(
            name_values[name_codes[firsts]], v.pick(country, firsts), lat[firsts], lon[firsts], unreadable[firsts],
            strict=True)):
        if skip or (not name and not code_text and np.isnan(y) and np.isnan(x)):
            place_lists[code] = empty
            continue
        data = {"name": name, "country": code_text or None, "lat": None if np.isnan(y) else float(y),
                "lon": None if np.isnan(x) else float(x)}
        place, found = v.model_errors(Place, data, place_columns)
        if found:
            errors[code] = found
        else:
            place_lists[code] = [place.model_dump()]  # type: ignore[union-attr]
    faults.add_distinct(place_codes, errors)

    source_codes = v.codes_of(publisher, source_title, source_url, published)
    firsts = v.first_rows(source_codes)
    source_columns = {"title": ("source_title" if "source_title" in sheet.index else "source", where["source_title"]),
                      "publisher": ("source", where["source"]), "url": ("source_url", where["source_url"]),
                      "published": ("published", where["published"])}
    source_columns[""] = source_columns["title"]
    source_lists = np.empty(len(firsts), dtype=object)
    errors = {}
    for code, (who, heading, url, day) in enumerate(zip(
            *(v.pick(part, firsts) for part in (publisher, source_title, source_url, published)), strict=True)):
        if not (who or heading or url or day):
            source_lists[code] = empty
            continue
        data = {"title": heading or who or url or "", "publisher": who or None, "url": url or None,
                "published": day or None}
        source, found = v.model_errors(Source, data, source_columns)
        if found:
            errors[code] = found
        else:
            source_lists[code] = [source.model_dump()]  # type: ignore[union-attr]
    faults.add_distinct(source_codes, errors)

    # Links: 'relation:id; …' or 'id; …'.
    link_codes, link_texts = pd.factorize(links_text, use_na_sentinel=False)
    link_lists = np.empty(len(link_texts), dtype=object)
    errors = {}
    for code, cell in enumerate(link_texts):
        found_links, found = [], []
        for item in v.split_items(cell, v.LIST_SEPARATOR):
            relation, _, target = item.rpartition(":")
            data = {"to": target.strip(), "relation": relation.strip()} if relation else {"to": target.strip()}
            link, problems_here = v.model_errors(Link, data, {"": ("links", where["links"])})
            found.extend(problems_here)
            if link is not None:
                found_links.append({"to": link.to, "relation": str(link.relation)})  # type: ignore[attr-defined]
        if found:
            errors[code] = found
        link_lists[code] = found_links if found_links else empty
    faults.add_distinct(link_codes, errors)
    step(0.75)

    # Dates, once per distinct (date, end, zone, approximate, published).
    date_codes = v.codes_of(date, end, zone, written_approximate, published)
    firsts = v.first_rows(date_codes)
    spans = iso.resolve_distinct(v.pick(date, firsts), v.pick(end, firsts), v.pick(zone, firsts),
                              written_approximate[firsts], v.pick(published, firsts))
    errors = {code: [(where[error[0]], error[1])] for code, error in enumerate(spans.error.tolist()) if error}
    faults.add_distinct(date_codes, errors)
    has_end = (end != "").to_numpy(bool)
    date_text = date.where(~has_end, date + " – " + end) if has_end.any() else date
    step(0.9)

    problems.extend(faults.problems(shown, lines))
    keep = np.flatnonzero(~faults.bad) if faults.bad.any() else None
    size = rows if keep is None else len(keep)

    def take(values: pd.Series | np.ndarray) -> Any:
        if isinstance(values, pd.Series):
            return values.array if keep is None else values.array.take(keep)
        return values if keep is None else np.asarray(values)[keep]

    codes = take(date_codes)
    kept_lines = take(lines)
    links = take(link_lists[link_codes])
    link_column = where["links"]
    link_at = np.full(size, None, dtype=object)
    for row in np.flatnonzero(np.fromiter(map(len, links), dtype=bool, count=size)).tolist():
        link_at[row] = [(int(kept_lines[row]), link_column)] * len(links[row])
    data = {
        "id": take(ident), "title": take(title), "start": spans.start[codes], "end": spans.end[codes],
        "precision": v.take_text(spans.precision, codes).array, "approximate": spans.approximate[codes].astype(bool),
        "zone": spans.zone[codes], "when": v.take_text(spans.when, codes).array, "date_text": take(date_text),
        "category": take(category), "actors": take(actors), "places": take(place_lists[place_codes]),
        "summary": take(summary), "quotes": v.shared(empty, size), "sources": take(source_lists[source_codes]),
        "tags": take(tags), "links": links, "path": v.repeat(shown, size).array, "line": kept_lines,
        "_id_line": kept_lines, "_id_col": np.full(size, where["id"], dtype=np.int32), "_cat_line": kept_lines,
        "_cat_col": np.full(size, where["category"], dtype=np.int32), "_link_at": link_at,
    }
    if keep_source:
        data.update({"_date": take(date), "_end": take(end), "_timezone": take(zone),
                     "_approximate": take(written_approximate)})
    step(1.0)
    return pd.DataFrame(data), problems


def _no_rows(keep_source: bool = False) -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS + SPOTS + (SOURCE_COLUMNS if keep_source else []))


def read_table(path: Path, shown: str | None = None, *, progress: Step | None = None, limit: int | None = None,
               keep_source: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV or Parquet table of events into store rows (``COLUMNS`` and ``SPOTS``) and problems.

    ``shown`` is the path problems name (default: as given); ``progress(share)`` hears the share done (0 to 1);
    ``limit`` reads the first rows only; ``keep_source`` adds the dates and flags as written (``SOURCE_COLUMNS``).
    Never raises for bad input.
    """
    shown = shown or str(path)
    step = progress or (lambda share: None)
    try:
        check_regular(path)  # a FIFO or a device would be read forever
    except Refused as error:
        return _no_rows(keep_source), [Problem(shown, 1, 1, str(error))]
    sheet = read_sheet(path, shown, limit, (*native.COLUMNS, *acled.COLUMNS))
    if isinstance(sheet, list):
        return _no_rows(keep_source), sheet
    # Arrow's allocator keeps what reading and converting let go for reuse; hand it back to the system, or
    # a million-row table costs a third more memory than it holds.
    pa.default_memory_pool().release_unused()
    step(0.4)
    rows, problems = _convert(sheet, path, shown, step, keep_source)
    del sheet
    pa.default_memory_pool().release_unused()
    return rows, problems

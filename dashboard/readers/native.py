"""The native table layout: the keys of an event file as columns (README, "Tables")."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from dashboard.readers import vectors as v
from dashboard.readers.sheets import Mapped, Sheet
from dashboard.table import Effect, Problem

COLUMNS = (
    "id",
    "title",
    "date",
    "end",
    "approximate",
    "timezone",
    "category",
    "actors",
    "tags",
    "place",
    "country",
    "lat",
    "lon",
    "summary",
    "source",
    "source_title",
    "source_url",
    "published",
    "source_reliability",
    "source_credibility",
    "source_attribution",
    "status",
    "links",
)
DERIVED = ("reported", "corroboration")  # written by the CSV export, worked out again from the sources on reading
REQUIRED = ("title", "date")
DEFAULT_CATEGORY = "other"  # for a table without a category column
TRUE, FALSE = {"true", "yes", "y", "t", "1"}, {"", "false", "no", "n", "f", "0"}


def check(sheet: Sheet, shown: str, problems: list[Problem]) -> bool:
    """Add the header's problems (unknown columns, named in case of a typo); True when the table cannot be read."""
    names = set(sheet.index)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        problems.append(
            Problem(
                shown,
                1,
                1,
                f"the table has no {' and no '.join(repr(m) for m in missing)} column: "
                "a table of events needs 'title' and 'date' (or ACLED's 'event_date' "
                "and 'event_type')",
            )
        )
        return True
    for name in sorted(names - set(COLUMNS) - set(DERIVED), key=sheet.index.__getitem__):
        hint = difflib.get_close_matches(name, COLUMNS, n=1)
        problems.append(
            Problem(
                shown,
                1,
                sheet.index[name],
                f"unknown column '{name}' is left out"
                + (f": did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(COLUMNS)})"),
                Effect.SHOWN,
            )
        )
    return False


def mapped(sheet: Sheet) -> Mapped:
    """The table's columns as they are: each is the event key of its name."""
    rows = sheet.rows
    flag = sheet.text("approximate").str.lower()
    name_codes, name_uniques = pd.factorize(sheet.text("place"), use_na_sentinel=False)
    lat, lat_bad = v.number(sheet.take("lat"), rows)
    lon, lon_bad = v.number(sheet.take("lon"), rows)
    return Mapped(
        where={name: sheet.at(name) for name in COLUMNS},
        ident=sheet.text("id"),
        title=sheet.text("title"),
        date=sheet.text("date"),
        end=sheet.text("end"),
        zone=sheet.text("timezone"),
        approximate=flag.isin(TRUE).to_numpy(bool),
        approximate_bad=(~flag.isin(TRUE | FALSE)).to_numpy(bool),
        category=sheet.text("category") if "category" in sheet.index else v.repeat(DEFAULT_CATEGORY, rows),
        actors=v.lists(*v.list_key(sheet.take("actors"), rows)),
        tags=v.lists(*v.list_key(sheet.take("tags"), rows)),
        name_codes=name_codes,
        name_values=np.asarray(name_uniques, dtype=object),
        country=sheet.text("country"),
        lat=lat,
        lat_bad=lat_bad,
        lon=lon,
        lon_bad=lon_bad,
        summary=sheet.text("summary"),
        publisher=sheet.text("source"),
        source_title=sheet.text("source_title"),
        source_url=sheet.text("source_url"),
        published=sheet.text("published"),
        links=sheet.text("links"),
        status=sheet.text("status").str.lower(),
        reliability=sheet.text("source_reliability"),
        credibility=sheet.text("source_credibility"),
        attribution=sheet.text("source_attribution"),
    )

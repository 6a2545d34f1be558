"""The ACLED export layout, read as it comes (README, "Tables"): its columns mapped onto an event's keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.readers import vectors as v
from dashboard.readers.sheets import Mapped, Sheet
from dashboard.table import Problem

COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "assoc_actor_1",
    "assoc_actor_2",
    "location",
    "admin1",
    "country",
    "latitude",
    "longitude",
    "notes",
    "source",
    "time_precision",
)
SIGN = ("event_date", "event_type")  # the columns that make a table an ACLED export


def detect(sheet: Sheet) -> bool:
    """True when the table is an ACLED export."""
    return all(name in sheet.index for name in SIGN)


def check(sheet: Sheet, shown: str, problems: list[Problem]) -> bool:
    """ACLED exports have thirty columns, half of them unused here: none is a problem."""
    return False


def mapped(sheet: Sheet) -> Mapped:
    """ACLED's columns as event keys; where a problem points: the ACLED column a key came from."""
    rows = sheet.rows
    kind, sub, location = sheet.text("event_type"), sheet.text("sub_event_type"), sheet.text("location")
    precision_code, _ = v.number(sheet.take("time_precision"), rows)
    actors = v.merged_lists([sheet.text(name) for name in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")])
    name_codes, name_values = v.join(location, sheet.text("admin1"), sheet.text("country"))
    lat, lat_bad = v.number(sheet.take("latitude"), rows)
    lon, lon_bad = v.number(sheet.take("longitude"), rows)
    return Mapped(
        where=_where(sheet),
        ident=sheet.text("event_id_cnty").str.lower(),
        title=_title(kind, sub, location),
        date=sheet.text("event_date"),
        end=v.blank(rows),
        zone=v.blank(rows),
        approximate=precision_code >= 2,  # ACLED's 2 and 3: the date is only known to a week or month
        approximate_bad=np.zeros(rows, bool),
        category=v.slug_map(kind),
        actors=actors,
        tags=v.lists(sub, "\x1f"),
        name_codes=name_codes,
        name_values=name_values,
        country=v.blank(rows),
        lat=lat,
        lat_bad=lat_bad,
        lon=lon,
        lon_bad=lon_bad,
        summary=sheet.text("notes"),
        publisher=sheet.text("source"),
        source_title=v.blank(rows),
        source_url=v.blank(rows),
        published=v.blank(rows),
        links=v.blank(rows),
    )


def _where(sheet: Sheet) -> dict[str, int]:
    """The column each event key comes from (1: made here, not read), so that a problem points at it."""
    at = sheet.at
    return {
        "id": at("event_id_cnty"),
        "title": at("sub_event_type") if "sub_event_type" in sheet.index else at("event_type"),
        "date": at("event_date"),
        "end": at("event_date"),
        "timezone": 1,
        "approximate": at("time_precision"),
        "category": at("event_type"),
        "actors": at("actor1"),
        "tags": at("sub_event_type"),
        "place": at("location"),
        "country": at("country"),
        "lat": at("latitude"),
        "lon": at("longitude"),
        "summary": at("notes"),
        "source": at("source"),
        "source_title": at("source"),
        "source_url": at("source"),
        "published": at("source"),
        "links": 1,
    }


def _title(kind: pd.Series, sub: pd.Series, location: pd.Series) -> pd.Series:
    """The title: 'sub_event_type: location', or whichever of the type and the location there is."""
    headline = pc.if_else(pc.equal(pa.array(sub), ""), pa.array(kind), pa.array(sub))
    joined = pc.binary_join_element_wise(headline, pa.array(location), pa.scalar(": ", headline.type))
    title: pd.Series = pa.chunked_array(
        [
            pc.if_else(
                pc.equal(headline, ""),
                pa.array(location),
                pc.if_else(pc.equal(pa.array(location), ""), headline, joined),
            )
        ]
    ).to_pandas()
    return title

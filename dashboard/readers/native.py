"""The native table layout: the keys of an event file as columns (README, "Tables")."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.dates import EDTF_CHARS
from dashboard.readers import iso_dates as iso
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
    "edtf",
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
EDTF = "edtf"  # a date in EDTF (Extended Date/Time Format): where given, it is the row's date
DERIVED = ("reported", "corroboration")  # written by the CSV export, worked out again from the sources on reading
REQUIRED = ("title", "date")
DEFAULT_CATEGORY = "other"  # for a table without a category column
TRUE, FALSE = {"true", "yes", "y", "t", "1"}, {"", "false", "no", "n", "f", "0"}


def check(sheet: Sheet, shown: str, problems: list[Problem]) -> bool:
    """Add the header's problems (unknown columns, named in case of a typo); True when the table cannot be read."""
    names = set(sheet.index)
    missing = [name for name in REQUIRED if name not in names and not (name == "date" and EDTF in names)]
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
    _use_edtf(sheet, shown, problems)
    return False


def _use_edtf(sheet: Sheet, shown: str, problems: list[Problem]) -> None:
    """Where a row's ``edtf`` cell is given, it is the row's date: it takes the place of the ``date``, ``end`` and
    ``approximate`` cells (which the CSV export writes too, as the stated span, for readers that know no EDTF).

    A cell that is not EDTF or cannot be read is a problem at that cell, and the row's own date is used; one that
    says another span than the row's date, or drops a doubt or an open bound the date has, is a problem there too,
    and the EDTF is used. The sheet's date columns are replaced, so the rest of the reading needs no change."""
    if EDTF not in sheet.index:
        return
    rows = sheet.rows
    edtf = v.as_text(sheet.columns.pop(EDTF, None), rows)
    given = (edtf != "").to_numpy(bool)
    if not given.any():
        return
    date, end, zone, published = (
        v.as_text(sheet.columns.get(name), rows) for name in ("date", "end", "timezone", "published")
    )
    flag = v.as_text(sheet.columns.get("approximate"), rows)
    codes = v.codes_of(edtf, zone)
    firsts = v.first_rows(codes)
    texts = v.pick(edtf, firsts)
    spans = iso.resolve_distinct(
        texts,
        np.full(len(firsts), "", dtype=object),
        v.pick(zone, firsts),
        np.zeros(len(firsts), bool),
        np.full(len(firsts), "", dtype=object),
    )
    errors = [_edtf_error(text, error) for text, error in zip(texts.tolist(), spans.error.tolist(), strict=True)]
    bad = np.array([error is not None for error in errors], dtype=bool)[codes] & given
    use = given & ~bad
    has_date = (date != "").to_numpy(bool)
    fallen = np.flatnonzero(bad)
    # Whether the row's own date can stand in (its problem, if not, is the date's own, said where it is read).
    own = iso.resolve_distinct(
        v.pick(date, fallen),
        v.pick(end, fallen),
        v.pick(zone, fallen),
        np.array([str(cell).strip().lower() in TRUE for cell in v.pick(flag, fallen).tolist()], dtype=bool),
        v.pick(published, fallen),
    )
    for row, error in zip(fallen.tolist(), own.error.tolist(), strict=True):
        usable = has_date[row] and error is None
        kept = (
            "the row's 'date' is used"
            if usable
            else "the row's 'date' cannot be read either"
            if has_date[row]
            else "the row has no 'date' either"
        )
        problems.append(
            Problem(
                shown,
                int(sheet.lines[row]),
                sheet.at(EDTF),
                f"'edtf': {errors[codes[row]]}; {kept}",
                Effect.SHOWN if usable else Effect.LEFT_OUT,
            )
        )
    _check_agree(sheet, shown, problems, use & has_date, (edtf, date, end, zone, published, flag), spans, codes)
    if use.any():
        if "date" not in sheet.index:  # a table dated by its edtf column alone: date problems point at it
            sheet.index["date"] = sheet.index[EDTF]
        for name, column, value in (("date", date, edtf), ("end", end, ""), ("approximate", flag, "false")):
            merged = column.where(~use, value)
            sheet.columns[name] = pa.chunked_array([pa.array(merged.to_numpy(object), pa.string())])


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


def _edtf_error(text: str, error: tuple[str, str] | None) -> str | None:
    """Why an ``edtf`` cell cannot be the row's date (None: it can): not EDTF, or EDTF that cannot be read."""
    if not EDTF_CHARS.fullmatch(text):
        return (
            f'"{text}" is not EDTF (such as 2022-02-16~, 2022-02-XX, ../2022-02-16 or [2022-02-14,2022-02-15]): '
            "a date in words goes in 'date'"
        )
    if error is None:
        return None
    return error[1].removeprefix("'date': ").removeprefix("'end': ")


Cells = tuple[
    pd.Series, pd.Series, pd.Series, pd.Series, pd.Series, pd.Series
]  # edtf, date, end, zone, published, flag


def _check_agree(
    sheet: Sheet,
    shown: str,
    problems: list[Problem],
    rows: np.ndarray,
    cells: Cells,
    spans: iso.Dates,
    codes: np.ndarray,
) -> None:
    """A problem at each ``edtf`` cell (of ``rows``) that says another span than its row's date, end and approximate
    cells, or drops their doubt or open bound. A date that cannot be read is not compared: the EDTF is used."""
    edtf, date, end, zone, published, flag = cells
    approximate = flag.str.lower().isin(TRUE).to_numpy(bool)
    same = ((edtf == date) & (end == "")).to_numpy(bool) & ~approximate  # '2022-02-16' twice: nothing to compare
    chosen = np.flatnonzero(rows & ~same)
    if not len(chosen):
        return
    picked = [v.pick(column, chosen) for column in (date, end, zone, published)]
    local = v.codes_of(*picked[:3], approximate[chosen], picked[3])
    firsts = v.first_rows(local)
    date_at, end_at, zone_at, published_at = (column[firsts] for column in picked)
    said = iso.resolve_distinct(date_at, end_at, zone_at, approximate[chosen][firsts], published_at)
    mine = codes[chosen[firsts]]  # each distinct date's EDTF span

    def looser(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        loose: np.ndarray = a.astype(bool) & ~b.astype(bool)
        return loose

    differ = (
        (said.start != spans.start[mine])
        | (said.end != spans.end[mine])
        | looser(said.approximate, spans.approximate[mine])
        | looser(said.uncertain, spans.uncertain[mine])
        | looser(np.isnat(said.earliest), np.isnat(spans.earliest[mine]))
        | looser(np.isnat(said.latest), np.isnat(spans.latest[mine]))
    ) & np.array([error is None for error in said.error.tolist()], dtype=bool)
    for row in chosen[differ[local]].tolist():
        last = str(end.iat[row])
        stated = str(date.iat[row]) + (f" – {last}" if last else "") + (", approximate" if approximate[row] else "")
        problems.append(
            Problem(
                shown,
                int(sheet.lines[row]),
                sheet.at(EDTF),
                f'\'edtf\': "{edtf.iat[row]}" and the row\'s date ("{stated}") say different dates: the edtf is used; '
                "correct one of them, or leave 'date' empty",
                Effect.SHOWN,
            )
        )

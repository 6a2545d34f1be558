"""The events table: its one declaration, the problems met while building it, and the checks across sources.

Every reader (``dashboard.readers``) turns its input into rows with these columns (and the ``SPOTS``, where
the cross-source checks point), plus problems; ``finish`` makes the table the app, the figures and the exports
read. The disk cache's schema and the exported records are derived from ``DECLARED`` here, so a new field is
declared once. Code that reads the table names its columns through ``C``.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal
from uuid import uuid4

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.model import SETTINGS_FILE, CollectionSettings
from dashboard.wording import counted, visible

Kind = Literal["text", "time", "flag", "number", "zone", "nested"]
# How each kind is kept in the disk cache (nested values as JSON text: see dashboard.cache).
ARROW: dict[Kind, pa.DataType] = {
    "text": pa.string(),
    "time": pa.timestamp("us"),
    "flag": pa.bool_(),
    "number": pa.int32(),
    "zone": pa.string(),
    "nested": pa.string(),
}


@dataclass(frozen=True)
class Column:
    """One column of the events table: its name, what it holds, and its name in exported records (None: not
    exported)."""

    name: str
    kind: Kind
    exported: str | None
    doc: str

    @property
    def arrow(self) -> pa.DataType:
        """Its type in the disk cache."""
        return ARROW[self.kind]


DECLARED: tuple[Column, ...] = (
    Column("id", "text", "id", "the event's id, unique in the collection"),
    Column("title", "text", "title", "the headline"),
    Column("start", "time", "start", "where the span starts, in UTC (naive)"),
    Column("end", "time", "end", "where the span ends, exclusive"),
    Column("precision", "text", "precision", "year, month, day or minute"),
    Column("approximate", "flag", "approximate", "the date is about right (EDTF ~): not known exactly"),
    Column("uncertain", "flag", "uncertain", "the date may be wrong (EDTF ?), or is one of a set of days"),
    Column(
        "earliest", "time", "earliest", "the earliest start the date allows (a loose start: a unit before); NaT: open"
    ),
    Column("latest", "time", "latest", "the latest end the date allows, exclusive (NaT: open, no end known)"),
    Column("zone", "zone", "timezone", "the zone the date was written in, or None"),
    Column("when", "text", "when", "the span as a reader says it: 'about 14–15 Feb 2022'"),
    Column("date_text", "text", None, "the date as written"),
    Column("category", "text", "category", "a category key"),
    Column(
        "status",
        "text",
        "status",
        "what is known: confirmed, reported, claimed, disputed, denied, expected or draft",
    ),
    Column("reported", "time", "reported", "the day the event was first reported (its sources' earliest), or NaT"),
    Column("corroboration", "number", "corroboration", "how many independent publishers report it"),
    Column("actors", "nested", "actors", "names"),
    Column("places", "nested", "places", "dicts: name, country, lat, lon"),
    Column("summary", "text", "summary", "Markdown"),
    Column("quotes", "nested", "quotes", "dicts: text, speaker"),
    Column(
        "sources",
        "nested",
        "sources",
        "dicts: title, publisher, url, published; id, reliability, credibility, attribution, copies where given",
    ),
    Column("tags", "nested", "tags", "names"),
    Column("links", "nested", "links", "dicts: to, relation (links to missing events left out)"),
    Column("evidence", "text", None, "the sentence(s) a draft was made from ('' for the others and in tables)"),
    Column("path", "text", None, "the file it came from, as problems name it"),
    Column("line", "number", None, "the line it starts at"),
)
COLUMNS = [column.name for column in DECLARED]
TEXT_COLUMNS = [column.name for column in DECLARED if column.kind == "text"]
NESTED_COLUMNS = [column.name for column in DECLARED if column.kind == "nested"]
# The rows of every source carry, until the cross-source checks are done, where their id, category and link
# targets are written: (line, column) pairs, and for links a list of them (None: each link at the row's line,
# column 1).
SPOTS_DECLARED: tuple[Column, ...] = (
    Column("_id_line", "number", None, "line of the id"),
    Column("_id_col", "number", None, "column of the id"),
    Column("_cat_line", "number", None, "line of the category"),
    Column("_cat_col", "number", None, "column of the category"),
    Column("_link_at", "nested", None, "[[line, column], ...] of each link's target, or None"),
)
SPOTS = [column.name for column in SPOTS_DECLARED]
HINT_LIMIT = 20_000  # 'did you mean' compares with every id: past this many it would cost seconds per link


# The keys every source of the table has (None where not given); the others (id, grades, attribution, copies) only
# where given: most sources have none of them, and a million sources' dicts of nine keys hold 150 MB more.
SOURCE_BASE = ("title", "publisher", "url", "published")


def source_row(source: dict[str, Any]) -> dict[str, Any]:
    """A source as the table holds it (``SOURCE_BASE``, and the other keys that are given)."""
    return {key: value for key, value in source.items() if key in SOURCE_BASE or value is not None}


class C:
    """The column names, for code that reads the table: ``events[C.title]``."""

    id = "id"
    title = "title"
    start = "start"
    end = "end"
    precision = "precision"
    approximate = "approximate"
    uncertain = "uncertain"
    earliest = "earliest"
    latest = "latest"
    zone = "zone"
    when = "when"
    date_text = "date_text"
    category = "category"
    status = "status"
    reported = "reported"
    corroboration = "corroboration"
    actors = "actors"
    places = "places"
    summary = "summary"
    quotes = "quotes"
    sources = "sources"
    tags = "tags"
    links = "links"
    evidence = "evidence"
    path = "path"
    line = "line"


class Effect(StrEnum):
    """What a problem did to what it concerns: the code that finds a problem says which."""

    LEFT_OUT = "left out"  # the event (or the file's events, or the table's row) is not shown until it is fixed
    SHOWN = "shown"  # the event is shown, with the problem: a lane of its own, a link or a column left out
    IGNORED = "ignored"  # the settings file is not used until it is fixed: the defaults apply
    WARNING = "warning"  # worth a look (dates that disagree, a likely duplicate): shown as it is, never an error

    @property
    def said(self) -> str:
        """The effect in words, after a problem: 'event left out until fixed'."""
        return {
            Effect.LEFT_OUT: "left out until fixed",
            Effect.SHOWN: "shown with this problem",
            Effect.IGNORED: "settings ignored until fixed",
            Effect.WARNING: "shown as it is",
        }[self]


# Each effect's heading, in the order problems are summed up (what is missing first).
EFFECT_GROUPS: tuple[tuple[Effect, str], ...] = (
    (Effect.LEFT_OUT, "Left out until fixed"),
    (Effect.SHOWN, "Shown with the problem"),
    (Effect.IGNORED, "Settings ignored until fixed (the defaults apply)"),
    (Effect.WARNING, "Worth a look (shown as they are)"),
)


def summary_text(problems: list[Problem]) -> str:
    """'3 problems in 2 files: 2 left out until fixed, 1 shown with the problem'."""
    files = len({p.path for p in problems})
    counts = [
        f"{sum(p.effect == effect for p in problems)} {heading[:1].lower()}{heading[1:]}"
        for effect, heading in EFFECT_GROUPS
        if any(p.effect == effect for p in problems)
    ]
    return f"{counted(len(problems), 'problem')} in {counted(files, 'file')}: {', '.join(counts)}"


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong in a file, with where it is (1-based line and column), and what it did (``effect``)."""

    path: str
    line: int
    column: int
    message: str
    effect: Effect = Effect.LEFT_OUT

    def __post_init__(self) -> None:
        message = self.message
        if "\n" in message or "\r" in message:  # one problem, one line: `path:line:col: message`
            message = " ".join(message.split())
        # A control character or a bidirectional override quoted from a file would act on the terminal or the page
        # (reverse the text after it, set a terminal's title): shown as its code point instead.
        object.__setattr__(self, "message", visible(message))

    def __str__(self) -> str:
        path = self.path if self.path.isprintable() else self.path.encode("unicode_escape", "backslashreplace").decode()
        said = "warning: " if self.effect == Effect.WARNING else ""  # as compilers say it: `path:1:1: warning: …`
        return f"{path}:{self.line}:{self.column}: {said}{self.message}"


def unique_fingerprint() -> str:
    """A fingerprint no other collection has. It is no plain hex digest, so nothing worked out for it is kept on
    disk (``cache.kept_path``): no later process would ever ask for it again."""
    return f"once-{uuid4().hex}"


@dataclass
class Collection:
    """The loaded events (sorted by start) and the problems met while loading them.

    ``fingerprint`` names what the events were built from: collections with equal fingerprints hold equal tables,
    so look-ups and drawn figures keyed on it may be shared. The store gives one that is the same in every process
    loading the same unchanged folder; a collection made any other way gets one of its own, so it never shares
    another's.
    """

    events: pd.DataFrame
    problems: list[Problem]
    settings: CollectionSettings
    fingerprint: str = field(default_factory=unique_fingerprint)
    # The events in a DuckDB file (``dashboard.duck.Engine``), which answers each view; ``events`` is then empty:
    # ``index.visible_events`` reads a view's events either way.
    engine: Any = None

    @property
    def size(self) -> int:
        """How many events the collection holds."""
        return len(self.events) if self.engine is None else int(self.engine.count())


def shown_as_it_was(collection: Collection, why: Problem, tag: str) -> Collection:
    """The collection as last read, with the problem saying why it could not be read again (a database away, a
    build that failed) first, under a fingerprint of its own (``tag`` added): the page's banner, sent once per
    fingerprint, then says so, and says so no more once the collection is read again."""
    return replace(collection, problems=[why, *collection.problems], fingerprint=f"{collection.fingerprint} {tag}")


def problems_json(problems: list[Problem]) -> str:
    """A collection's problems as JSON text, for a store that keeps them with its events (a database, a file)."""
    return json.dumps([[p.path, p.line, p.column, p.message, str(p.effect)] for p in problems], ensure_ascii=False)


def problems_from(rows: Any) -> list[Problem]:
    """The problems kept by ``problems_json`` (its JSON, decoded)."""
    return [
        Problem(str(path), int(line), int(column), str(message), Effect(effect))
        for path, line, column, message, effect in rows or []
    ]


def settings_json(settings: CollectionSettings) -> str:
    """A collection's settings as JSON text, as they were given (``CollectionSettings.model_validate`` reads them)."""
    return json.dumps(settings.model_dump(mode="json", exclude_unset=True), ensure_ascii=False)


def check_links(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Report links to ids not among the rows, and leave them out of the rows."""
    links = rows["links"].to_numpy()
    linked = np.flatnonzero(np.fromiter(map(len, links), dtype=np.int64, count=len(links)))
    if not len(linked):
        return rows, []
    targets = [link["to"] for i in linked for link in links[i]]
    ids = pa.array(rows["id"])
    known = pc.is_in(pa.array(targets, ids.type), value_set=ids).to_numpy(zero_copy_only=False)
    if known.all():
        return rows, []
    ids = list(rows["id"]) if len(rows) <= HINT_LIMIT else []
    paths, lines, spots = rows["path"].to_numpy(), rows["line"].to_numpy(), rows["_link_at"].to_numpy()
    problems: list[Problem] = []
    kept_links = links.copy()
    at = 0
    for i in linked.tolist():
        kept = []
        for j, link in enumerate(links[i]):
            if known[at]:
                kept.append(link)
            else:
                line, column = spots[i][j] if spots[i] else (int(lines[i]), 1)
                hint = difflib.get_close_matches(link["to"], ids, n=1) if ids else []
                problems.append(
                    Problem(
                        paths[i],
                        int(line),
                        int(column),
                        f"'links[{j}].to': no event has the id '{link['to']}'"
                        + (f": did you mean '{hint[0]}'?" if hint else ""),
                        Effect.SHOWN,
                    )
                )
            at += 1
        if len(kept) != len(links[i]):
            kept_links[i] = kept
    return rows.assign(links=kept_links), problems


def unknown_category(category: str, settings: CollectionSettings) -> str:
    """What is wrong with a category the settings do not list (and the closest key they do)."""
    hint = difflib.get_close_matches(category, list(settings.categories), n=1)
    return f"'category': '{category}' is not one of {', '.join(settings.categories)} (see {SETTINGS_FILE})" + (
        f": did you mean '{hint[0]}'?" if hint else ""
    )


def cross_checks(rows: pd.DataFrame, settings: CollectionSettings) -> tuple[pd.DataFrame, list[Problem]]:
    """Problems between files: duplicate ids, links to missing events, unknown categories."""
    problems: list[Problem] = []
    repeated = rows["id"].duplicated(keep="first").to_numpy()
    if repeated.any():
        again = rows.loc[repeated]
        firsts = rows.loc[~repeated & rows["id"].isin(again["id"]).to_numpy()]
        first_at = dict(zip(firsts["id"], zip(firsts["path"], firsts["line"].tolist(), strict=True), strict=True))
        for ident, path, line, column in zip(
            again["id"], again["path"], again["_id_line"].tolist(), again["_id_col"].tolist(), strict=True
        ):
            where, first_line = first_at[ident]
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    f"duplicate id '{ident}': already used in {where}:{first_line}",
                )
            )
        rows = rows.loc[~repeated]
    rows, link_problems = check_links(rows)
    problems.extend(link_problems)
    if settings.categories:
        unknown = rows.loc[~rows["category"].isin(list(settings.categories)).to_numpy()]
        for path, line, column, category in zip(
            unknown["path"],
            unknown["_cat_line"].tolist(),
            unknown["_cat_col"].tolist(),
            unknown["category"],
            strict=True,
        ):
            problems.append(Problem(path, line, column, unknown_category(category, settings), Effect.SHOWN))
    return rows, problems


def typed(name: str, column: pd.Series) -> Any:
    """One column in its documented type."""
    if name in TEXT_COLUMNS:
        return column.array if column.dtype == "str" else column.astype("str").array
    if name in ("start", "end", "reported", "earliest", "latest"):
        return column.to_numpy().astype("datetime64[us]")
    if name in ("approximate", "uncertain"):
        return column.to_numpy().astype(bool)
    if name in ("line", "corroboration"):
        return column.to_numpy().astype(np.int64)
    values = column.to_numpy(dtype=object, copy=name == "zone")
    if name == "zone":  # None where no zone is known (not NaN, which is true and not JSON)
        values[pd.isna(values)] = None
    return values


# Text columns of a few distinct values, held as codes into their values: a million events' file paths, statuses,
# categories and precisions take 4 MB instead of 70.
FEW_VALUES = frozenset({"path", "precision", "category", "status"})


def held(name: str, values: Any) -> Any:
    """A column's values as the table holds them, whichever reader made them: ``FEW_VALUES`` columns as codes into
    their distinct values, the zone as objects (None where no zone is known: not NaN, which is true and not JSON),
    Arrow text in one piece."""
    if name in FEW_VALUES:
        return pd.Categorical(values)
    if name == "zone":
        return pd.Series(values, dtype=object)
    return one_chunk(values)


def one_chunk(values: Any) -> Any:
    """Arrow-backed text whose pieces (a file's record batches, a table's row groups) are put together once: Arrow
    takes rows out of a column of several pieces by joining them all first, for every view's filter (at a million
    events 230 MB more at the request's peak for the summaries alone, and 0.3 s)."""
    array = values.array if isinstance(values, pd.Series) else values
    if not isinstance(array, pd.arrays.ArrowStringArray):
        return values
    data = array.__arrow_array__()  # its pieces as they are (``pa.array`` would join them)
    if not isinstance(data, pa.ChunkedArray) or data.num_chunks <= 1:
        return values
    joined = pd.arrays.ArrowStringArray(data.combine_chunks(), dtype=array.dtype)  # type: ignore[call-arg]  # stubs lag
    return pd.Series(joined, index=values.index, name=values.name) if isinstance(values, pd.Series) else joined


# The order of events: strict bounds first (start, then end), then how sure the date is (exact, approximate,
# uncertain, then open at one end or both), then the title.
SORT_RULE = ("start", "end", "approximate", "uncertain", "open bounds", "title")


def finish(columns: dict[str, pd.Series]) -> pd.DataFrame:
    """The events table from the rows' columns, which it takes (and drops one by one, to halve the peak memory of
    a big table): the documented columns and types, sorted by ``SORT_RULE``."""
    keys = {name: typed(name, columns[name]) for name in ("start", "end", "approximate", "uncertain", "title")}
    size = len(keys["title"])
    order = None
    if size > 1:
        # Same-span events stay together (exact before approximate), so sequence mode groups them under one date.
        # Arrow's stable sort is three times faster than sort_values on a million titles, in the same order.
        opened = typed("earliest", columns["earliest"]), typed("latest", columns["latest"])
        table = pa.table(
            {
                "start": pa.array(keys["start"]),
                "end": pa.array(keys["end"]),
                "open": pa.array(np.isnat(opened[0]).astype(np.int8) + np.isnat(opened[1])),
                "uncertain": pa.array(keys["uncertain"]),
                "approximate": pa.array(keys["approximate"]),
                "title": pa.array(keys["title"]),
            }
        )
        order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in table.column_names]).to_numpy()
        if not (np.diff(order) != 1).any():
            order = None
    result: dict[str, Any] = {}
    for name in COLUMNS:
        values = keys.pop(name) if name in keys else typed(name, columns[name])
        del columns[name]
        if order is not None:
            values = values.take(order) if isinstance(values, pd.api.extensions.ExtensionArray) else values[order]
        result[name] = held(name, values)
        del values
        if order is not None and size > 100_000 and name in TEXT_COLUMNS:
            pa.default_memory_pool().release_unused()  # the unsorted column, before the next one is copied
    return pd.DataFrame(result, columns=COLUMNS)


def empty_events() -> pd.DataFrame:
    """An events table without events, with every column in its type."""
    return finish({name: pd.Series([], dtype=object) for name in COLUMNS})

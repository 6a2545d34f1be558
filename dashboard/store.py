"""Event files and tables -> a Collection: one DataFrame row per good event, and a list of problems for the rest.

Problems are data: every bad file, key, value or table row becomes a ``Problem`` naming the file, line and
column, and loading goes on with the next one. A folder may hold YAML event files and CSV or Parquet tables
(read by ``dashboard.tabular``).

Files are parsed once: the parsed rows of YAML files are kept on disk by ``dashboard.cache``, keyed by (path,
size, mtime), so a restart over an unchanged folder reads no YAML and a reload after editing one file re-reads
that file alone; in one process a memo returns the same table while no file changes.
"""

from __future__ import annotations

import difflib
import logging
import multiprocessing
import os
import re
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import ValidationError

from dashboard import cache
from dashboard.dates import DateError, When, format_when, resolve
from dashboard.model import ID_MAX, SETTINGS_FILE, SLUG, CollectionSettings, EventFile, slugify
from dashboard.reading import Refused, kind, read_regular

try:  # The C loader is several times faster on large folders; both are the safe loader.
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000  # an event file has a few hundred nodes; aliases that expand past this are an alias bomb
EVENT_SUFFIXES = (".yaml", ".yml")
TABLE_SUFFIXES = (".csv", ".parquet")
SOURCE_SUFFIXES = EVENT_SUFFIXES + TABLE_SUFFIXES
COLUMNS = [
    "id", "title", "start", "end", "precision", "approximate", "zone", "when", "date_text", "category",
    "actors", "places", "summary", "quotes", "sources", "tags", "links", "path", "line",
]


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong in a file, with where it is (1-based line and column)."""

    path: str
    line: int
    column: int
    message: str

    def __post_init__(self) -> None:
        if "\n" in self.message or "\r" in self.message:  # one problem, one line: `path:line:col: message`
            object.__setattr__(self, "message", " ".join(self.message.split()))

    def __str__(self) -> str:
        path = self.path if self.path.isprintable() else self.path.encode("unicode_escape", "backslashreplace").decode()
        return f"{path}:{self.line}:{self.column}: {self.message}"


@dataclass
class Record:
    """A validated event with where it came from."""

    event: EventFile
    when: When
    path: str
    line: int
    # Where the keys that cross-file checks may complain about are, as (line, column).
    spots: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)


@dataclass
class Collection:
    """The loaded events (sorted by start) and the problems met while loading them."""

    events: pd.DataFrame
    problems: list[Problem]
    settings: CollectionSettings

    @property
    def by_id(self) -> dict[str, dict[str, Any]]:
        """Each event as a dict, by id."""
        return {row["id"]: row for row in self.events.to_dict("records")}


# ---- YAML with positions -------------------------------------------------------------------------------------


class FileProblem(Exception):
    """A problem that ends the reading of one file."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def _count_nodes(node: yaml.Node, limit: int) -> int:
    """Count nodes with aliases expanded, stopping at ``limit`` (so an alias bomb costs nothing)."""
    count, stack = 0, [node]
    while stack:
        current = stack.pop()
        count += 1
        if count > limit:
            break
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return count


# Short names of the tags YAML builds values for, for messages about a value that could not be built.
_TAG_WORDS = {"timestamp": "a date", "int": "a whole number", "float": "a number", "bool": "true or false",
              "binary": "base64 binary", "null": "null"}


class _ValueProblem(Exception):
    """A value YAML parsed but could not build (2022-02-30, !!int abc, an hour of 25), with its node."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node, self.message = node, message


def _unbuildable(node: yaml.Node, error: Exception) -> str:
    """Why YAML could not build a value, in plain words."""
    tag = node.tag.rsplit(":", 1)[-1]
    shown = node.value if isinstance(node, yaml.ScalarNode) else ""
    shown = (shown[:60] + "…") if len(shown) > 60 else shown
    why = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
    if tag == "timestamp":
        if "offset" in why:
            why = "a UTC offset must be under 24 hours"
        elif "groupdict" in why:
            why = "write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        return f'"{shown}" is not a real date or time ({why})'
    what = _TAG_WORDS.get(tag, f"!!{tag}")
    return f'could not read "{shown}" as {what}' + ("" if tag == "bool" else f" ({why})")


class _Loader(SafeLoader):
    """The safe loader, with every value that cannot be built and every repeated key reported at its node."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (_ValueProblem, yaml.YAMLError):
            raise
        except RecursionError:
            raise _ValueProblem(node, "refused: the values are nested too deeply") from None
        except Exception as error:  # noqa: BLE001 - any constructor's failure is this one value's problem
            raise _ValueProblem(node, _unbuildable(node, error)) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                first = seen.setdefault((key_node.tag, key_node.value), key_node)
                if first is not key_node:
                    shown = key_node.value[:60]
                    raise _ValueProblem(key_node, f"the key '{shown}' is given twice (first at line "
                                                  f"{first.start_mark.line + 1}): keep one")
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _key_of(root: yaml.Node, target: yaml.Node) -> str | None:
    """The key under which ``target`` stands in ``root`` (for a message), or None."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if value is target and isinstance(key, yaml.ScalarNode):
                    return str(key.value)
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def read_documents(text: str) -> Iterator[tuple[yaml.Node, Any]]:
    """Parse YAML safely, yielding each document's node tree (for positions) and its plain data."""
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if _count_nodes(node, MAX_NODES) > MAX_NODES:
                mark = node.start_mark
                raise FileProblem(mark.line + 1, mark.column + 1,
                                  f"refused: the document expands to more than {MAX_NODES:,} values "
                                  "(too many aliases?)")
            try:
                data = loader.construct_document(node)
            except _ValueProblem as problem:
                key = _key_of(node, problem.node)
                mark = problem.node.start_mark
                raise FileProblem(mark.line + 1, mark.column + 1,
                                  f"'{key}': {problem.message}" if key else problem.message) from None
            yield node, data
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "invalid YAML"
        if error.context and error.problem:
            what = f"{error.problem} ({error.context})"
        raise FileProblem(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                          f"YAML syntax: {what}") from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, found before parsing
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise FileProblem(line, column, f"the character U+{error.character:04X} is not allowed in YAML: "
                                        "remove it (control characters cannot be saved in an event file)") from None
    except yaml.YAMLError as error:
        raise FileProblem(1, 1, f"YAML syntax: {error}") from None
    finally:
        loader.dispose()


def node_at(node: yaml.Node, loc: Iterable[Any], key: bool = False) -> yaml.Node:
    """The node a validation error's location points to (the key's node when ``key``), or the nearest parent."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    node = key_node if key else value_node
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _where(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _label(loc: tuple[Any, ...]) -> str:
    parts = [str(p) if isinstance(p, str) else f"[{p}]" for p in loc]
    return "".join(p if p.startswith("[") or i == 0 else f".{p}" for i, p in enumerate(parts))


def _field_names(model: type, loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at a location, to suggest a fix for a misspelt one."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)  # type: ignore[attr-defined]
        if info is None:
            return []
        args = getattr(info.annotation, "__args__", ())
        inner = next((a for a in args if hasattr(a, "model_fields")), None)
        if inner is None:
            return []
        model = inner
    return list(getattr(model, "model_fields", {}))


def validation_problems(path: str, node: yaml.Node, error: ValidationError, model: type) -> list[Problem]:
    """Say each pydantic error in plain words, at the line and column of the value at fault."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            target = node_at(node, loc, key=True)
            allowed = _field_names(model, loc)
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = f"unknown key '{_label(loc)}'" + (f": did you mean '{hint[0]}'?" if hint else
                                                         f" (allowed: {', '.join(allowed)})")
        elif kind == "missing":
            target = node_at(node, loc[:-1])
            message = f"'{_label(loc)}': required key is missing"
        else:
            target = node_at(node, loc)
            text = item["msg"].removeprefix("Value error, ")
            message = f"'{_label(loc)}': {text}" if loc else text
        problems.append(Problem(path, *_where(target), message))
    return problems


def plain_errors(error: ValidationError) -> list[str]:
    """Pydantic's errors as short lines ('title': must not be empty), for messages that have no file."""
    lines = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        lines.append(f"'{_label(loc)}': {item['msg'].removeprefix('Value error, ')}" if loc else item["msg"])
    return lines


# ---- one file ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _shown_folder(folder: str, cwd: str) -> str:
    """A folder as problems show it: relative to the working folder when below it ('' for that folder itself)."""
    try:
        shown = str(Path(folder).resolve().relative_to(cwd))
    except ValueError:
        return folder
    return "" if shown == "." else shown


def _display(path: Path) -> str:
    """A path as problems show it: relative to the working folder when below it, else as given."""
    if not path.name:
        shown = _shown_folder(str(path), os.getcwd())
        return shown or "."
    # Resolving the folder once instead of every file saves a fifth of a cold load of a big folder.
    folder = _shown_folder(str(path.parent), os.getcwd())
    return os.path.join(folder, path.name) if folder else path.name


def unexpected(error: BaseException) -> str:
    """A problem's message for a failure the reading code did not foresee (the cause is logged in full)."""
    return f"could not read the file ({type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''})"


def read_event_file(path: Path) -> tuple[list[Record], list[Problem]]:
    """Read one file of events (one mapping or a list of them) into records and problems."""
    shown = _display(path)
    try:
        text = read_regular(path, MAX_FILE_BYTES, " (split it into one file per event)").decode("utf-8")
    except UnicodeDecodeError as error:
        return [], [Problem(shown, 1, 1, f"not UTF-8 text (byte {error.start}): save the file as UTF-8")]
    except Refused as error:
        return [], [Problem(shown, 1, 1, str(error))]

    records: list[Record] = []
    problems: list[Problem] = []
    items: list[tuple[yaml.Node, Any]] = []
    try:
        for node, data in read_documents(text):
            if data is None:  # an empty document, e.g. a lone '---'
                continue
            items.extend(zip(node.value, data, strict=True) if isinstance(data, list) else [(node, data)])
    except FileProblem as error:
        problems.append(Problem(shown, error.line, error.column, error.message))
    # Only a file with a single event may take its id from the file name.
    stem = path.stem if len(items) == 1 else None
    for item_node, item in items:
        record, item_problems = _read_event(shown, stem, item_node, item)
        problems.extend(item_problems)
        if record:
            records.append(record)
    if not records and not problems:
        problems.append(Problem(shown, 1, 1, "the file holds no event"))
    return records, problems


def _read_event(path: str, stem: str | None, node: yaml.Node, data: Any) -> tuple[Record | None, list[Problem]]:
    line, column = _where(node)
    if not isinstance(data, dict):
        return None, [Problem(path, line, column, "an event must be a mapping of keys (title:, date:, …)")]
    try:
        event = EventFile.model_validate(data)
    except ValidationError as error:
        return None, validation_problems(path, node, error, EventFile)
    if event.id is None:
        if stem is None:
            return None, [Problem(path, line, column, "'id': required when a file holds several events")]
        if not re.fullmatch(SLUG, stem) or len(stem) > ID_MAX:
            return None, [Problem(path, line, column,
                                  f"the file name {stem!r} cannot be an id (use lower-case letters, digits and "
                                  f"'-', e.g. '{slugify(stem)}.yaml'), or add an 'id:' key")]
        event.id = stem
    try:
        when = resolve(event.date, event.end, event.published, event.timezone, event.approximate)
    except DateError as error:
        target = node_at(node, (getattr(error, "field", "date"),))
        return None, [Problem(path, *_where(target), f"'{getattr(error, 'field', 'date')}': {error}")]
    except Exception as error:  # noqa: BLE001 - a date the readers did not foresee is still this event's problem
        log.warning("reading the date of %s failed: %r", path, error)
        return None, [Problem(path, *_where(node_at(node, ("date",))),
                              f"'date': could not read \"{event.date}\" as a date ({type(error).__name__})")]
    spots = {"id": _where(node_at(node, ("id",))), "category": _where(node_at(node, ("category",)))}
    spots.update({f"links.{i}": _where(node_at(node, ("links", i, "to"))) for i in range(len(event.links))})
    return Record(event, when, path, line, spots), []


def _entries(rel: str, size: int, mtime_ns: int, records: list[Record], problems: list[Problem],
             ) -> list[dict[str, Any]]:
    """One file's parse result as cache entries: one per event, or one for a file without events."""
    noted = cache.to_json([[p.line, p.column, p.message] for p in problems]) if problems else None
    if not records:
        return [{"rel": rel, "size": size, "mtime_ns": mtime_ns, "seq": -1, "problems": noted}]
    entries = []
    for seq, record in enumerate(records):
        event, when = record.event, record.when
        links = [{"to": link.to, "relation": str(link.relation)} for link in event.links]
        entries.append({
            "rel": rel, "size": size, "mtime_ns": mtime_ns, "seq": seq, "problems": noted if seq == 0 else None,
            "id": event.id, "title": event.title, "start": when.start, "end": when.end,
            "precision": str(when.precision), "approximate": when.approximate, "zone": when.zone,
            "when": format_when(when),
            "date_text": event.date if event.end is None else f"{event.date} – {event.end}",
            "category": event.category,
            "actors": cache.to_json(list(event.actors)),
            "places": cache.to_json([p.model_dump() for p in event.places]),
            "summary": event.summary,
            "quotes": cache.to_json([q.model_dump() for q in event.quotes]),
            "sources": cache.to_json([s.model_dump() for s in event.sources]),
            "tags": cache.to_json(list(event.tags)),
            "links": cache.to_json(links),
            "line": record.line,
            "_id_line": record.spots["id"][0], "_id_col": record.spots["id"][1],
            "_cat_line": record.spots["category"][0], "_cat_col": record.spots["category"][1],
            "_link_at": cache.to_json([record.spots[f"links.{i}"] for i in range(len(links))]) if links else None,
        })
    return entries


# ---- a folder ------------------------------------------------------------------------------------------------

PARALLEL_FROM = 5_000  # files to parse at once before worker processes pay for their start
PARSE_WORKERS = 8
SLOW_SCAN = 0.15  # seconds: a folder that takes longer than this to stat ...
RESTAT_AFTER = 2.0  # ... is statted again at most this often; a smaller one on every load
HINT_LIMIT = 20_000  # 'did you mean' compares with every id: past this many it would cost seconds per link
MEMO_FOLDERS = 8  # the in-process memo keeps this many folders (the app uses one)
Progress = Callable[[int, int], None]
State = tuple[str, int, int]  # (path below the folder, size, mtime in nanoseconds)


def _is_table(name: str) -> bool:
    return name.lower().endswith(TABLE_SUFFIXES)


def _scan(root: Path) -> tuple[list[State], list[tuple[str, str]]]:
    """Every event file or table below a folder, with its size and mtime, in the order of ``sorted(paths)``, and
    the subfolders and files that cannot be read, as (path below the folder, problem).

    Hidden files and folders and the settings file are left out; links to folders are not followed (no loops).
    """
    found: list[State] = []
    unlisted: list[tuple[str, str]] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            unlisted.append((prefix.rstrip("/"), f"cannot list the folder: {error.strerror or error}; its files "
                                                 "are left out"))
            return
        # Names in order, each folder's files where its name falls: the order of sorted() over the paths' parts.
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, prefix + name + "/")
                    continue
                if not name.lower().endswith(SOURCE_SUFFIXES) or name == SETTINGS_FILE:
                    continue
                info = entry.stat()
            except OSError:  # vanished, or a broken link
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((prefix + name, info.st_size, info.st_mtime_ns))
            else:  # a FIFO or a device named like an event file: say so rather than wait on it
                unlisted.append((prefix + name, f"refused: {kind(info.st_mode)}, not a regular file"))

    walk(str(root), "")
    return found, unlisted


def _states(root: Path) -> tuple[Path, list[State], list[tuple[str, str]]]:
    """The folder the files are relative to, the files' states, and the paths that cannot be read, with why."""
    if root.is_dir():
        return root, *_scan(root)
    try:
        info = root.stat()
    except OSError:
        return root.parent, [], []
    return root.parent, [(root.name, info.st_size, info.st_mtime_ns)], []


def event_paths(root: Path) -> list[Path]:
    """Every event file and table below a folder (hidden folders and the settings file left out), in a stable order."""
    if root.is_file():
        return [root]
    return [root / rel for rel, _, _ in _scan(root)[0]]


def load_settings(root: Path) -> tuple[CollectionSettings, list[Problem]]:
    """Read ``_collection.yaml`` if there is one; defaults otherwise."""
    path = (root if root.is_dir() else root.parent) / SETTINGS_FILE
    if not path.exists():
        return CollectionSettings(), []
    shown = _display(path)
    try:
        documents = list(read_documents(read_regular(path, MAX_FILE_BYTES).decode("utf-8")))
    except FileProblem as error:
        return CollectionSettings(), [Problem(shown, error.line, error.column, error.message)]
    except UnicodeDecodeError as error:
        return CollectionSettings(), [Problem(shown, 1, 1, f"not UTF-8 text (byte {error.start}): save the file "
                                                           "as UTF-8")]
    except Refused as error:
        return CollectionSettings(), [Problem(shown, 1, 1, str(error))]
    if not documents:
        return CollectionSettings(), []
    node, data = documents[0]
    try:
        return CollectionSettings.model_validate(data or {}), []
    except ValidationError as error:
        return CollectionSettings(), validation_problems(shown, node, error, CollectionSettings)


def _settings_state(root: Path) -> tuple[int, int] | None:
    try:
        info = ((root if root.is_dir() else root.parent) / SETTINGS_FILE).stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


# ---- rows -> the events table ----------------------------------------------------------------------------------

# The rows of every source carry, until the cross-file checks are done, where their id, category and link targets
# are written: (line, column) pairs, and for links a list of them (None: each link at the row's line, column 1).
SPOTS = ["_id_line", "_id_col", "_cat_line", "_cat_col", "_link_at"]
TEXT_COLUMNS = ["id", "title", "precision", "when", "date_text", "category", "summary", "path"]


def _check_links(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
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
                problems.append(Problem(paths[i], int(line), int(column),
                                        f"'links[{j}].to': no event has the id '{link['to']}'"
                                        + (f": did you mean '{hint[0]}'?" if hint else "")))
            at += 1
        if len(kept) != len(links[i]):
            kept_links[i] = kept
    return rows.assign(links=kept_links), problems


def _cross_checks(rows: pd.DataFrame, settings: CollectionSettings) -> tuple[pd.DataFrame, list[Problem]]:
    """Problems between files: duplicate ids, links to missing events, unknown categories."""
    problems: list[Problem] = []
    repeated = rows["id"].duplicated(keep="first").to_numpy()
    if repeated.any():
        again = rows.loc[repeated]
        firsts = rows.loc[~repeated & rows["id"].isin(again["id"]).to_numpy()]
        first_at = dict(zip(firsts["id"], zip(firsts["path"], firsts["line"].tolist(), strict=True), strict=True))
        for ident, path, line, column in zip(again["id"], again["path"], again["_id_line"].tolist(),
                                             again["_id_col"].tolist(), strict=True):
            where, first_line = first_at[ident]
            problems.append(Problem(path, line, column,
                                    f"duplicate id '{ident}': already used in {where}:{first_line}"))
        rows = rows.loc[~repeated]
    rows, link_problems = _check_links(rows)
    problems.extend(link_problems)
    if settings.categories:
        unknown = rows.loc[~rows["category"].isin(list(settings.categories)).to_numpy()]
        allowed = ", ".join(settings.categories)
        for path, line, column, category in zip(unknown["path"], unknown["_cat_line"].tolist(),
                                                unknown["_cat_col"].tolist(), unknown["category"], strict=True):
            problems.append(Problem(path, line, column,
                                    f"'category': '{category}' is not one of {allowed} (see {SETTINGS_FILE})"))
    return rows, problems


def _column(name: str, column: pd.Series) -> Any:
    """One column in its documented type."""
    if name in TEXT_COLUMNS:
        return column.array if column.dtype == "str" else column.astype("str").array
    if name in ("start", "end"):
        return column.to_numpy().astype("datetime64[us]")
    if name == "approximate":
        return column.to_numpy().astype(bool)
    if name == "line":
        return column.to_numpy().astype(np.int64)
    values = column.to_numpy(dtype=object, copy=name == "zone")
    if name == "zone":  # None where no zone is known (not NaN, which is true and not JSON)
        values[pd.isna(values)] = None
    return values


def _finish(columns: dict[str, pd.Series]) -> pd.DataFrame:
    """The events table from the rows' columns, which it takes (and drops one by one, to halve the peak memory of
    a big table): the documented columns and types, sorted by start, end, approximate, title."""
    keys = {name: _column(name, columns[name]) for name in ("start", "end", "approximate", "title")}
    size = len(keys["title"])
    order = None
    if size > 1:
        # Same-span events stay together (exact before approximate), so sequence mode groups them under one date.
        # Arrow's stable sort is three times faster than sort_values on a million titles, in the same order.
        table = pa.table({name: pa.array(values) for name, values in keys.items()})
        order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in keys]).to_numpy()
        if not (np.diff(order) != 1).any():
            order = None
    result: dict[str, Any] = {}
    for name in COLUMNS:
        values = keys.pop(name) if name in keys else _column(name, columns[name])
        del columns[name]
        if order is not None:
            values = values.take(order) if isinstance(values, pd.api.extensions.ExtensionArray) else values[order]
        result[name] = pd.Series(values, dtype=object) if name == "zone" else values
        del values
        if order is not None and size > 100_000 and name in TEXT_COLUMNS:
            pa.default_memory_pool().release_unused()  # the unsorted column, before the next one is copied
    return pd.DataFrame(result, columns=COLUMNS)


def frame(records: list[Record]) -> pd.DataFrame:
    """One row per record, sorted by start then title; links to ids that are not among the records left out."""
    entries = [entry for record in records for entry in _entries(record.path, 0, 0, [record], [])]
    rows, _ = cache.decode(cache.from_entries(entries))
    rows, _ = _check_links(rows.rename(columns={"rel": "path"}))
    return _finish({name: rows[name] for name in COLUMNS})


# ---- loading, with the caches -------------------------------------------------------------------------------


def _parse_files(base: Path, files: list[State]) -> list[dict[str, Any]]:
    """Parse YAML files into cache entries; whatever goes wrong with one file is that file's problem alone."""
    entries: list[dict[str, Any]] = []
    for rel, size, mtime_ns in files:
        try:
            records, problems = read_event_file(base / rel)
            entries.extend(_entries(rel, size, mtime_ns, records, problems))
        except Exception as error:  # noqa: BLE001 - the last guard: one file never fails the collection
            log.exception("reading %s failed", base / rel)
            entries.extend(_entries(rel, size, mtime_ns, [], [Problem(rel, 1, 1, unexpected(error))]))
    return entries


def _parse(base: Path, files: list[State], reporter: _Reporter) -> list[dict[str, Any]]:
    """Parse YAML files into cache entries: in worker processes when there are thousands (a first load).

    The workers are started the way multiprocessing starts them, so a script that loads a big folder needs the
    usual ``if __name__ == "__main__":``; ``TIMELINE_PARSE_WORKERS=1`` keeps all parsing in this process.
    """
    try:
        workers = int(os.environ.get("TIMELINE_PARSE_WORKERS") or min(os.cpu_count() or 1, PARSE_WORKERS))
    except ValueError:
        workers = 1
    if len(files) >= PARALLEL_FROM and workers > 1:
        chunks = [files[start:start + 500] for start in range(0, len(files), 500)]
        try:
            # forkserver: safe in a process that runs threads (a server); each worker imports this module once.
            context = multiprocessing.get_context("forkserver")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                entries: list[dict[str, Any]] = []
                for chunk, done in zip(chunks, pool.map(_parse_files, [base] * len(chunks), chunks), strict=True):
                    entries.extend(done)
                    reporter.advance(sum(size for _, size, _ in chunk))
                return entries
        except (OSError, RuntimeError, ValueError):  # no processes here (a sandbox, say): one at a time
            reporter.to(0)
    entries = []
    for state in files:
        entries.extend(_parse_files(base, [state]))
        reporter.advance(state[1])
    return entries


class _Reporter:
    """Progress in bytes of files read, told to a callback at most ten times a second."""

    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback, self.total, self.done, self.told = callback, max(total, 1), 0, 0.0

    def advance(self, amount: int) -> None:
        self.to(self.done + amount)

    def to(self, done: int) -> None:
        if self.callback is None:
            return
        self.done = min(max(done, self.done), self.total)
        now = time.monotonic()
        if now - self.told >= 0.1 or self.done >= self.total:
            self.told = now
            self.callback(self.done, self.total)

    def part(self, size: int) -> Callable[[float], None] | None:
        """A callback for the share of one file done (0 to 1), for readers that work in stages."""
        if self.callback is None:
            return None
        start = self.done
        return lambda share: self.to(start + int(size * min(max(share, 0.0), 1.0)))


@dataclass
class _Memo:
    signature: tuple[Any, ...]
    collection: Collection
    entries: Any  # pyarrow.Table: the YAML files' cache entries
    yaml_files: set[State]  # the YAML files the entries are of
    tables: dict[str, tuple[tuple[int, int], pd.DataFrame, list[Problem]]]  # a folder's tables, by relative path
    scan_seconds: float
    checked_at: float


_memo: OrderedDict[tuple[str, str], _Memo] = OrderedDict()
_memo_lock = threading.Lock()
_folder_locks: dict[tuple[str, str], threading.Lock] = {}


def _prefix(base: Path) -> str:
    shown = _shown_folder(str(base), os.getcwd())
    return shown + os.sep if shown else ""


def _read_table(path: Path, shown: str, progress: Callable[[float], None] | None,
                ) -> tuple[pd.DataFrame, list[Problem]]:
    """A CSV or Parquet table's rows and problems; whatever goes wrong with it is its problem alone."""
    from dashboard import tabular  # tabular builds on this module

    try:
        return tabular.read_table(path, shown, progress=progress)
    except Exception as error:  # noqa: BLE001 - the last guard: one table never fails the collection
        log.exception("reading %s failed", path)
        return pd.DataFrame(columns=COLUMNS + SPOTS), [Problem(shown, 1, 1, unexpected(error))]


def _build(root: Path, base: Path, files: list[State], memo: _Memo | None, progress: Progress | None,
           ) -> tuple[Collection, Any, set[State], dict[str, tuple[tuple[int, int], pd.DataFrame, list[Problem]]]]:
    """Load the collection from its files, parsing only the YAML files and tables that are new or changed."""
    settings, problems = load_settings(root)
    prefix = _prefix(base)
    table_files = [state for state in files if _is_table(state[0])]
    yaml_files = [state for state in files if not _is_table(state[0])] if table_files else files
    folder = root.is_dir()
    big = folder and len(yaml_files) >= cache.MIN_FILES

    if memo is not None:
        previous, known = memo.entries, memo.yaml_files
    else:
        previous = (cache.read(root) if big else None) or cache.empty()
        known = cache.states(previous)
    current = set(yaml_files)
    stale = [state for state in yaml_files if state not in known]
    gone = [rel for rel, size, mtime in known - current] + [rel for rel, _, _ in stale]  # deleted or changed
    old_tables = memo.tables if memo is not None else {}
    to_read = [state for state in table_files if old_tables.get(state[0], (None,))[0] != state[1:]]
    reporter = _Reporter(progress, sum(size for _, size, _ in stale + to_read))

    entries = previous
    if gone or stale:
        fresh = _parse(base, stale, reporter)
        entries = cache.merge([cache.drop(previous, gone), cache.from_entries(fresh)],
                              [rel for rel, _, _ in yaml_files])
        if big:
            cache.write(root, entries)
        elif folder and known:
            cache.forget(root)  # the folder shrank below the size worth caching
    rows, file_problems = cache.decode(entries)
    problems.extend(Problem(prefix + rel, line, column, message) for rel, line, column, message in file_problems)
    rows.insert(0, "path", prefix + rows.pop("rel"))

    parts = [rows] if len(rows) else []
    table_rows = None
    tables: dict[str, tuple[tuple[int, int], pd.DataFrame, list[Problem]]] = {}
    if table_files:
        order = {rel: index for index, (rel, _, _) in enumerate(files)}
        if parts:
            parts[0]["_order"] = rows["path"].str.slice(len(prefix)).map(order).to_numpy()
        for rel, size, mtime_ns in table_files:
            hit = old_tables.get(rel)
            if hit is not None and hit[0] == (size, mtime_ns):
                table_rows, table_problems = hit[1], hit[2]
            else:
                table_rows, table_problems = _read_table(base / rel, prefix + rel, reporter.part(size))
            if folder:  # one table alone is kept by the collection memo; no need to hold its rows twice
                tables[rel] = ((size, mtime_ns), table_rows, table_problems)
            problems.extend(table_problems)
            if len(table_rows):
                parts.append(table_rows.assign(_order=order[rel]) if len(table_files) + len(yaml_files) > 1
                             else table_rows)
    if len(parts) > 1:
        rows = pd.concat(parts, ignore_index=True)
        rows = rows.iloc[np.argsort(rows.pop("_order").to_numpy(), kind="stable")]
    elif parts:
        rows = parts[0].drop(columns=["_order"], errors="ignore")
    rows, cross = _cross_checks(rows, settings)
    problems.extend(cross)
    columns = {name: rows[name] for name in COLUMNS}
    del rows, parts, table_rows  # _finish frees each column once it has its sorted copy
    events = _finish(columns)
    if table_files:
        pa.default_memory_pool().release_unused()  # what sorting a big table let go
    return Collection(events, sorted(problems), settings), entries, current, tables


def _share(collection: Collection) -> Collection:
    """The memo's collection for a caller: the same events table (read-only by convention), its own problem list."""
    return Collection(collection.events, list(collection.problems), collection.settings)


def load_collection(root: Path | str, progress: Progress | None = None) -> Collection:
    """Load every event below ``root`` (a folder, an event file, or a CSV or Parquet table); never raise for bad input.

    Unchanged files come from the caches: the events table returned is shared between calls while no file
    changes, so treat it as read-only. ``progress(done, total)`` hears how many bytes of files to parse are read,
    for a progress bar; it is not called when everything comes from the caches.
    """
    root = Path(root)
    if not root.exists():
        return Collection(frame([]), [Problem(_display(root), 1, 1, "no such file or folder")], CollectionSettings())
    key = (os.path.abspath(root), os.getcwd())  # shown paths are relative to the working folder
    with _memo_lock:
        lock = _folder_locks.setdefault(key, threading.Lock())
    with lock:
        with _memo_lock:
            memo = _memo.get(key)
        if memo is not None and memo.scan_seconds > SLOW_SCAN and time.monotonic() - memo.checked_at < RESTAT_AFTER:
            return _share(memo.collection)
        started = time.perf_counter()
        base, files, unlisted = _states(root)
        signature = (files, _settings_state(root), tuple(unlisted))
        scan_seconds = time.perf_counter() - started
        if memo is not None and memo.signature == signature:
            memo.scan_seconds, memo.checked_at = scan_seconds, time.monotonic()
            return _share(memo.collection)
        try:
            collection, entries, yaml_files, tables = _build(root, base, files, memo, progress)
        except Exception as error:  # noqa: BLE001 - the last guard: say what failed rather than fail every caller
            log.exception("loading %s failed", root)
            return Collection(frame([]), [Problem(_display(root), 1, 1, f"could not load the events "
                                                  f"({type(error).__name__}: {error})")], CollectionSettings())
        prefix = _prefix(base)
        collection.problems.extend(Problem(prefix + rel if rel else prefix.rstrip(os.sep) or ".", 1, 1, why)
                                   for rel, why in unlisted)
        collection.problems.sort()
        with _memo_lock:
            _memo[key] = _Memo(signature, collection, entries, yaml_files, tables, scan_seconds, time.monotonic())
            _memo.move_to_end(key)
            while len(_memo) > MEMO_FOLDERS:
                _memo.popitem(last=False)
        return _share(collection)

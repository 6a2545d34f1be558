"""Event files -> a Collection: one DataFrame row per good event, and a list of problems for the rest.

Problems are data: every bad file, key or value becomes a ``Problem`` naming the file, line and column, and
loading goes on with the next one. Files are parsed once and cached by (path, size, mtime), so a reload after
editing one file re-reads that file alone.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from dashboard.dates import DateError, When, format_when, resolve
from dashboard.model import SETTINGS_FILE, SLUG, CollectionSettings, EventFile, slugify

try:  # The C loader is several times faster on large folders; both are the safe loader.
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000  # an event file has a few hundred nodes; aliases that expand past this are an alias bomb
EVENT_SUFFIXES = (".yaml", ".yml")
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

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


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


def read_documents(text: str) -> Iterator[tuple[yaml.Node, Any]]:
    """Parse YAML safely, yielding each document's node tree (for positions) and its plain data."""
    loader = SafeLoader(text)
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
            yield node, loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "invalid YAML"
        if error.context and error.problem:
            what = f"{error.problem} ({error.context})"
        raise FileProblem(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                          f"YAML syntax: {what}") from None
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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_event_file(path: Path) -> tuple[list[Record], list[Problem]]:
    """Read one file of events (one mapping or a list of them) into records and problems."""
    shown = _display(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [Problem(shown, 1, 1, f"refused: the file is {size:,} bytes; the limit is "
                                             f"{MAX_FILE_BYTES:,} (split it into one file per event)")]
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return [], [Problem(shown, 1, 1, f"not UTF-8 text (byte {error.start}): save the file as UTF-8")]
    except OSError as error:
        return [], [Problem(shown, 1, 1, f"cannot read the file: {error.strerror or error}")]

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
        if not re.match(SLUG, stem):
            return None, [Problem(path, line, column,
                                  f"the file name '{stem}' cannot be an id (use lower-case letters, digits and "
                                  f"'-', e.g. '{slugify(stem)}.yaml'), or add an 'id:' key")]
        event.id = stem
    try:
        when = resolve(event.date, event.end, event.published, event.timezone, event.approximate)
    except DateError as error:
        target = node_at(node, (getattr(error, "field", "date"),))
        return None, [Problem(path, *_where(target), f"'{getattr(error, 'field', 'date')}': {error}")]
    spots = {"id": _where(node_at(node, ("id",))), "category": _where(node_at(node, ("category",)))}
    spots.update({f"links.{i}": _where(node_at(node, ("links", i, "to"))) for i in range(len(event.links))})
    return Record(event, when, path, line, spots), []


# ---- a folder ------------------------------------------------------------------------------------------------

_cache: dict[Path, tuple[tuple[int, int], tuple[list[Record], list[Problem]]]] = {}
_cache_lock = threading.Lock()


def _read_cached(path: Path) -> tuple[list[Record], list[Problem]]:
    try:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        return read_event_file(path)
    with _cache_lock:
        hit = _cache.get(path)
    if hit and hit[0] == key:
        return hit[1]
    result = read_event_file(path)
    with _cache_lock:
        _cache[path] = (key, result)
    return result


def event_paths(root: Path) -> list[Path]:
    """Every event file below a folder (hidden folders and the settings file left out), in a stable order."""
    if root.is_file():
        return [root]
    return sorted(
        p for p in root.rglob("*")
        if p.suffix.lower() in EVENT_SUFFIXES and p.name != SETTINGS_FILE and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def load_settings(root: Path) -> tuple[CollectionSettings, list[Problem]]:
    """Read ``_collection.yaml`` if there is one; defaults otherwise."""
    path = (root if root.is_dir() else root.parent) / SETTINGS_FILE
    if not path.exists():
        return CollectionSettings(), []
    shown = _display(path)
    try:
        documents = list(read_documents(path.read_text(encoding="utf-8")))
    except FileProblem as error:
        return CollectionSettings(), [Problem(shown, error.line, error.column, error.message)]
    except (OSError, UnicodeDecodeError) as error:
        return CollectionSettings(), [Problem(shown, 1, 1, f"cannot read the file: {error}")]
    if not documents:
        return CollectionSettings(), []
    node, data = documents[0]
    try:
        return CollectionSettings.model_validate(data or {}), []
    except ValidationError as error:
        return CollectionSettings(), validation_problems(shown, node, error, CollectionSettings)


def _cross_checks(records: list[Record], settings: CollectionSettings) -> tuple[list[Record], list[Problem]]:
    """Problems between files: duplicate ids, links to missing events, unknown categories."""
    problems: list[Problem] = []
    kept: dict[str, Record] = {}
    for record in records:
        first = kept.get(record.event.id or "")
        if first is not None:
            problems.append(Problem(record.path, *record.spots["id"],
                                    f"duplicate id '{record.event.id}': already used in {first.path}:{first.line}"))
            continue
        kept[record.event.id or ""] = record
    for record in kept.values():
        for index, link in enumerate(record.event.links):
            if link.to not in kept:
                hint = difflib.get_close_matches(link.to, list(kept), n=1)
                problems.append(Problem(record.path, *record.spots[f"links.{index}"],
                                        f"'links[{index}].to': no event has the id '{link.to}'"
                                        + (f": did you mean '{hint[0]}'?" if hint else "")))
        if settings.categories and record.event.category not in settings.categories:
            problems.append(Problem(record.path, *record.spots["category"],
                                    f"'category': '{record.event.category}' is not one of "
                                    f"{', '.join(settings.categories)} (see {SETTINGS_FILE})"))
    return list(kept.values()), problems


def _row(record: Record, ids: set[str]) -> dict[str, Any]:
    event = record.event
    return {
        "id": event.id,
        "title": event.title,
        "start": record.when.start,
        "end": record.when.end,
        "precision": str(record.when.precision),
        "approximate": record.when.approximate,
        "zone": record.when.zone,
        "when": format_when(record.when),
        "date_text": event.date if event.end is None else f"{event.date} – {event.end}",
        "category": event.category,
        "actors": list(event.actors),
        "places": [p.model_dump() for p in event.places],
        "summary": event.summary,
        "quotes": [q.model_dump() for q in event.quotes],
        "sources": [s.model_dump() for s in event.sources],
        "tags": list(event.tags),
        "links": [{"to": lk.to, "relation": str(lk.relation)} for lk in event.links if lk.to in ids],
        "path": record.path,
        "line": record.line,
    }


def frame(records: list[Record]) -> pd.DataFrame:
    """One row per record, sorted by start then title."""
    ids = {r.event.id or "" for r in records}
    table = pd.DataFrame([_row(r, ids) for r in records], columns=COLUMNS)
    table["start"] = pd.to_datetime(table["start"])
    table["end"] = pd.to_datetime(table["end"])
    table["approximate"] = table["approximate"].astype(bool)
    # Same-span events stay together (exact before approximate), so sequence mode groups them under one date.
    return table.sort_values(["start", "end", "approximate", "title"], kind="stable").reset_index(drop=True)


def load_collection(root: Path | str) -> Collection:
    """Load every event below ``root`` (a folder or one file); never raises for bad input."""
    root = Path(root)
    if not root.exists():
        return Collection(frame([]), [Problem(_display(root), 1, 1, "no such file or folder")], CollectionSettings())
    settings, problems = load_settings(root)
    records: list[Record] = []
    for path in event_paths(root):
        file_records, file_problems = _read_cached(path)
        records.extend(file_records)
        problems.extend(file_problems)
    records, cross = _cross_checks(records, settings)
    problems.extend(cross)
    return Collection(frame(records), sorted(problems), settings)

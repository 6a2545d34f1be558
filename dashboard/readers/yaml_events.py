"""YAML event files -> rows of the events table and located problems.

YAML is loaded safely (the C loader when present); a value YAML cannot build, a key given twice, an alias bomb
or a syntax error is a problem at its line and column; each event is validated by the model
(``dashboard.model``) and its date read by ``dashboard.dates``. Nothing here raises for bad input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dashboard import gazetteer
from dashboard.dates import DateError, When, format_when, resolve
from dashboard.model import (
    ID_MAX,
    SETTINGS_FILE,
    SLUG,
    CollectionSettings,
    EventFile,
    _as_text,
    control_character,
    slugify,
)
from dashboard.reading import YAML_SUFFIXES, Refused, read_regular
from dashboard.table import C, Effect, Problem, source_row, unknown_category
from dashboard.trust import derived

try:  # The C loader is several times faster on large folders; both are the safe loader.
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
# Aliases may repeat what a file writes, but not blow it up: a document that expands to more than this many values,
# and to several times the values it writes, is an alias bomb. (A list of a thousand events writes 20,000 values
# itself, and is fine: the file's size limit bounds those.)
MAX_NODES = 20_000
MAX_EXPANSION = 4
SUFFIXES = YAML_SUFFIXES


@dataclass
class Record:
    """A validated event with where it came from."""

    event: EventFile
    when: When
    path: str
    line: int
    # Where the keys that cross-file checks may complain about are, as (line, column).
    spots: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    def row(self) -> dict[str, Any]:
        """The event as a row of the events table (``dashboard.table``), with the spots the checks point at."""
        event, when = self.event, self.when
        links = [{"to": link.to, "relation": str(link.relation)} for link in event.links]
        sources = [source_row(s.model_dump()) for s in event.sources]
        reported, corroboration = derived(sources)
        earliest, latest = when.fuzzy
        return {
            C.id: event.id,
            C.title: event.title,
            C.start: when.start,
            C.end: when.end,
            C.precision: str(when.precision),
            C.approximate: when.approximate,
            C.uncertain: when.uncertain,
            C.earliest: earliest,
            C.latest: latest,
            C.zone: when.zone,
            C.when: format_when(when),
            C.date_text: event.date if event.end is None else f"{event.date} – {event.end}",
            C.category: event.category,
            C.status: str(event.status),
            C.reported: dt.datetime.combine(reported, dt.time()) if reported else None,
            C.corroboration: corroboration,
            C.actors: list(event.actors),
            C.places: [p.model_dump() for p in event.places],
            C.summary: event.summary,
            C.quotes: [q.model_dump() for q in event.quotes],
            C.sources: sources,
            C.tags: list(event.tags),
            C.links: links,
            C.evidence: event.evidence,
            C.path: self.path,
            C.line: self.line,
            "_id_line": self.spots["id"][0],
            "_id_col": self.spots["id"][1],
            "_cat_line": self.spots["category"][0],
            "_cat_col": self.spots["category"][1],
            "_link_at": [self.spots[f"links.{i}"] for i in range(len(links))] if links else None,
        }


# ---- YAML with positions -------------------------------------------------------------------------------------


class FileProblem(Exception):
    """A problem that ends the reading of one file."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message
        self.index = -1  # where in the text the value is, for a value's problem


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _count_nodes(node: yaml.Node, limit: int) -> int:
    """Count nodes with aliases expanded, stopping at ``limit`` (so an alias bomb costs nothing)."""
    count, stack = 0, [node]
    while stack:
        current = stack.pop()
        count += 1
        if count > limit:
            break
        stack.extend(_children(current))
    return count


def _written_nodes(node: yaml.Node) -> int:
    """Count the nodes a document writes, each once however many aliases point at it."""
    seen, stack = {id(node)}, [node]
    while stack:
        for child in _children(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def _alias_bomb(node: yaml.Node) -> bool:
    """True when a document's aliases expand it past ``MAX_NODES`` values and past ``MAX_EXPANSION`` times what
    it writes."""
    limit = max(MAX_NODES, MAX_EXPANSION * _written_nodes(node))
    return _count_nodes(node, limit) > limit


# Short names of the tags YAML builds values for, for messages about a value that could not be built.
_TAG_WORDS = {
    "timestamp": "a date",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "binary": "base64 binary",
    "null": "null",
}


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
    """The safe loader, with every value that cannot be built and every repeated key reported at its node.

    With ``unbuilt`` a list, a plain value that cannot be built (2022-02-30, !!int abc) is noted there and read as
    its text, so that the rest of the file is still checked and all its problems are said at once."""

    unbuilt: list[_ValueProblem] | None = None

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (_ValueProblem, yaml.YAMLError):
            raise
        except RecursionError:
            raise _ValueProblem(node, "refused: the values are nested too deeply") from None
        except Exception as error:  # noqa: BLE001 - any constructor's failure is this one value's problem
            problem = _ValueProblem(node, _unbuildable(node, error))
            if self.unbuilt is None or not isinstance(node, yaml.ScalarNode):
                raise problem from None
            self.unbuilt.append(problem)
            return node.value

    def construct_scalar(self, node: yaml.ScalarNode | yaml.MappingNode) -> str:
        # A control character written as an escape ("\0", "\x1b") is one YAML reads without complaint, though it
        # refuses the raw character: refused here alike, for every value and key (a NUL cannot be stored in a
        # database's text, nor drawn in a picture).
        value = super().construct_scalar(node)
        found = control_character(value, returns=True)  # a carriage return ends a line: the model says where not
        if found:
            problem = _ValueProblem(node, f"holds the control character {found}, written as an escape: remove it")
            if self.unbuilt is None:
                raise problem
            self.unbuilt.append(problem)  # its event is left out; the file's other events are read
        return value

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                first = seen.setdefault((key_node.tag, key_node.value), key_node)
                if first is not key_node:
                    shown = key_node.value[:60]
                    raise _ValueProblem(
                        key_node,
                        f"the key '{shown}' is given twice (first at line {first.start_mark.line + 1}): keep one",
                    )
        return super().construct_mapping(node, deep=deep)


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


def read_documents(text: str, unbuilt: list[FileProblem] | None = None) -> Iterator[tuple[yaml.Node, Any]]:
    """Parse YAML safely, yielding each document's node tree (for positions) and its plain data. A value that
    cannot be built ends the reading (``FileProblem``), unless ``unbuilt`` is a list: then it is noted there, with
    its node's place, and read as its text."""
    loader = _Loader(text)
    noted: list[_ValueProblem] | None = [] if unbuilt is not None else None
    loader.unbuilt = noted
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if _alias_bomb(node):
                mark = node.start_mark
                raise FileProblem(
                    mark.line + 1,
                    mark.column + 1,
                    f"refused: the document expands to more than {MAX_NODES:,} values (too many aliases?)",
                )
            try:
                data = loader.construct_document(node)
            except _ValueProblem as problem:
                raise _located(node, problem) from None
            if unbuilt is not None and noted:
                unbuilt.extend(_located(node, problem) for problem in noted)
                noted.clear()
            yield node, data
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "invalid YAML"
        if error.context and error.problem:
            what = f"{error.problem} ({error.context})"
        raise FileProblem(
            mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, f"YAML syntax: {what}"
        ) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, found before parsing
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise FileProblem(
            line,
            column,
            f"the character U+{error.character:04X} is not allowed in YAML: "
            "remove it (control characters cannot be saved in an event file)",
        ) from None
    except yaml.YAMLError as error:
        raise FileProblem(1, 1, f"YAML syntax: {error}") from None
    finally:
        loader.dispose()


def _located(root: yaml.Node, problem: _ValueProblem) -> FileProblem:
    """A value's problem at its line and column, named by its key."""
    key = _key_of(root, problem.node)
    mark = problem.node.start_mark
    found = FileProblem(mark.line + 1, mark.column + 1, f"'{key}': {problem.message}" if key else problem.message)
    found.index = mark.index
    return found


def node_at(node: yaml.Node, loc: Iterable[Any], key: bool = False) -> yaml.Node:
    """The node a validation error's location points to (the key's node when ``key``), or the nearest parent."""
    parts = list(loc)
    for index, part in enumerate(parts):
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    node = key_node if key and index == len(parts) - 1 else value_node
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
            message = f"unknown key '{_label(loc)}'" + (
                f": did you mean '{hint[0]}'?" if hint else f" (allowed: {', '.join(allowed)})"
            )
        elif kind == "missing":
            target = node_at(node, loc[:-1])
            message = f"'{_label(loc)}': required key is missing"
        elif loc and loc[-1] == "[key]":  # a key of a mapping such as categories
            target = node_at(node, loc[:-1], key=True)
            message = f"'{loc[-2]}' cannot be a key of '{_label(loc[:-2])}': " + (
                "use lower-case letters, digits, '.', '_' and '-'" if kind == "string_pattern_mismatch" else item["msg"]
            )
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


def unexpected(error: BaseException) -> str:
    """A problem's message for a failure the reading code did not foresee (the cause is logged in full)."""
    return f"could not read the file ({type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''})"


def read_event_file(
    path: Path, shown: str, settings: CollectionSettings | None = None
) -> tuple[list[Record], list[Problem]]:
    """Read one file of events (one mapping or a list of them) into records and problems; ``shown`` is the path
    the problems and rows name, ``settings`` the collection's (the order of its numeric dates, its categories)."""
    settings = settings or CollectionSettings()
    try:
        text = read_regular(path, MAX_FILE_BYTES, " (split it into one file per event)").decode("utf-8")
    except UnicodeDecodeError as error:
        return [], [Problem(shown, 1, 1, f"not UTF-8 text (byte {error.start}): save the file as UTF-8")]
    except Refused as error:
        return [], [Problem(shown, 1, 1, str(error))]

    records: list[Record] = []
    problems: list[Problem] = []
    items: list[tuple[yaml.Node, Any]] = []
    unbuilt: list[FileProblem] = []  # values YAML could not build, read as text so that the rest is checked too
    try:
        for node, data in read_documents(text, unbuilt):
            if data is None:  # an empty document, e.g. a lone '---'
                continue
            items.extend(zip(node.value, data, strict=True) if isinstance(data, list) else [(node, data)])
    except FileProblem as error:
        problems.append(Problem(shown, error.line, error.column, error.message))
    # Only a file with a single event may take its id from the file name.
    stem = path.stem if len(items) == 1 else None
    for item_node, item in items:
        record, item_problems = _read_event(shown, stem, item_node, item, settings)
        own = [u for u in unbuilt if item_node.start_mark.index <= u.index < item_node.end_mark.index]
        said = {(u.line, u.column) for u in own}
        problems.extend(Problem(shown, u.line, u.column, u.message) for u in own)
        problems.extend(p for p in item_problems if (p.line, p.column) not in said)  # a value's one problem
        if record and not own:  # a value that could not be built leaves its event out, whatever it reads as
            records.append(record)
    if not records and not problems:
        problems.append(Problem(shown, 1, 1, "the file holds no event"))
    return records, problems


def _read_event(
    path: str, stem: str | None, node: yaml.Node, data: Any, settings: CollectionSettings
) -> tuple[Record | None, list[Problem]]:
    line, column = _where(node)
    if not isinstance(data, dict):
        return None, [Problem(path, line, column, "an event must be a mapping of keys (title:, date:, …)")]
    try:
        event = EventFile.model_validate(data)
    except ValidationError as error:
        found = validation_problems(path, node, error, EventFile)
        faulted = {item["loc"][0] for item in error.errors(include_url=False) if item["loc"]}
        return None, found + _other_problems(path, node, data, settings, faulted)
    if event.id is None:
        if stem is None:
            problem = Problem(path, line, column, "'id': required when a file holds several events")
            return None, [problem, *_other_problems(path, node, data, settings, {"id"})]
        if not re.fullmatch(SLUG, stem) or len(stem) > ID_MAX:
            problem = Problem(
                path,
                line,
                column,
                f"the file name {stem!r} cannot be an id (use lower-case letters, digits and "
                f"'-', e.g. '{slugify(stem)}.yaml'), or add an 'id:' key",
            )
            return None, [problem, *_other_problems(path, node, data, settings, {"id"})]
        event.id = stem
    when = _when(path, node, event, settings)
    if isinstance(when, Problem):
        return None, [when, *_other_problems(path, node, data, settings, {"date", "end"})]
    spots = {"id": _where(node_at(node, ("id",))), "category": _where(node_at(node, ("category",)))}
    spots.update({f"links.{i}": _where(node_at(node, ("links", i, "to"))) for i in range(len(event.links))})
    return Record(event, when, path, line, spots), _find_places(path, node, event)


def _find_places(path: str, node: yaml.Node, event: EventFile) -> list[Problem]:
    """Put each place given by name alone where the gazetteer has it (its coordinates and country), in place.
    A place with coordinates is never looked up, so a folder whose places all have them never loads the
    gazetteer. A name shared by several places is a warning saying which was chosen; an unknown name is a
    problem, and the place stays without a pin."""
    problems = []
    for index, place in enumerate(event.places):
        if place.lat is not None:  # explicit coordinates always win
            continue
        found, said = gazetteer.settle(place.name, place.country)
        at = _where(node_at(node, ("places", index, "name")))
        if found is None:
            problems.append(Problem(path, *at, f"'places[{index}]': {said}; it has no pin on the map", Effect.SHOWN))
            continue
        event.places[index] = place.model_copy(update={"lat": found.lat, "lon": found.lon, "country": found.country})
        if said:
            problems.append(Problem(path, *at, f"'places[{index}]': {said}", Effect.WARNING))
    return problems


def _when(path: str, node: yaml.Node, event: EventFile, settings: CollectionSettings) -> When | Problem:
    """The event's span, or the problem with its date."""
    try:
        return resolve(event.date, event.end, event.published, event.timezone, event.approximate, settings.date_order)
    except DateError as error:
        target = node_at(node, (error.field,))
        return Problem(path, *_where(target), f"'{error.field}': {error}")
    except Exception as error:  # noqa: BLE001 - a date the readers did not foresee is still this event's problem
        log.warning("reading the date of %s failed: %r", path, error)
        return Problem(
            path,
            *_where(node_at(node, ("date",))),
            f"'date': could not read \"{event.date}\" as a date ({type(error).__name__})",
        )


def _published(sources: Any) -> dt.date | None:
    """The first publication date of a left-out event's sources, as the model reads it, or None."""
    for source in sources if isinstance(sources, list) else []:
        published = _text_of(source.get("published")) if isinstance(source, dict) else None
        if isinstance(published, str):
            try:
                return dt.date.fromisoformat(published[:10])
            except ValueError:
                return None
    return None


def _text_of(value: Any) -> Any:
    """A date as the model reads it, or None where the model refuses it (its message is the model's problem)."""
    try:
        return _as_text(value)
    except ValueError:
        return None


def _other_problems(
    path: str, node: yaml.Node, data: dict[str, Any], settings: CollectionSettings, faulted: set[Any]
) -> list[Problem]:
    """The problems of a left-out event beyond the one that leaves it out, so that one pass reports them all: its
    date (unless that key is already at fault) and its category (the links need the other files: they are checked
    once the event is read)."""
    found: list[Problem] = []
    date, end = _text_of(data.get("date")), _text_of(data.get("end"))
    if not faulted & {"date", "end", "sources", "timezone"} and isinstance(date, str):
        zone = data.get("timezone")
        try:
            resolve(
                date,
                end if isinstance(end, str) else None,
                _published(data.get("sources")),
                zone if isinstance(zone, str) else None,
                order=settings.date_order,
            )
        except DateError as error:
            found.append(Problem(path, *_where(node_at(node, (error.field,))), f"'{error.field}': {error}"))
        except Exception:  # noqa: BLE001, S110 - a date the reader did not foresee: its own problem once fixed
            pass
    category = data.get("category")
    if "category" not in faulted and isinstance(category, str) and settings.categories:
        if category.strip() not in settings.categories:
            found.append(Problem(path, *_where(node_at(node, ("category",))), unknown_category(category, settings)))
    return found


def load_settings(root: Path, shown: str = SETTINGS_FILE) -> tuple[CollectionSettings, list[Problem]]:
    """Read ``_collection.yaml`` beside ``root`` (a folder or a file in it) if there is one; defaults otherwise.
    ``shown`` is the path its problems name."""
    path = (root if root.is_dir() else root.parent) / SETTINGS_FILE
    if not path.exists():
        return CollectionSettings(), []
    try:
        documents = list(read_documents(read_regular(path, MAX_FILE_BYTES).decode("utf-8")))
    except FileProblem as error:
        return CollectionSettings(), [Problem(shown, error.line, error.column, error.message, Effect.IGNORED)]
    except UnicodeDecodeError as error:
        return CollectionSettings(), [
            Problem(shown, 1, 1, f"not UTF-8 text (byte {error.start}): save the file as UTF-8", Effect.IGNORED)
        ]
    except Refused as error:
        return CollectionSettings(), [Problem(shown, 1, 1, str(error), Effect.IGNORED)]
    if not documents:
        return CollectionSettings(), []
    node, data = documents[0]
    try:
        return CollectionSettings.model_validate(data or {}), []
    except ValidationError as error:
        problems = validation_problems(shown, node, error, CollectionSettings)
        return CollectionSettings(), [replace(problem, effect=Effect.IGNORED) for problem in problems]

"""Rows of a table -> event files (``timeline import``): one file per row, named by its id, never replacing one."""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dashboard.model import ID_MAX, SETTINGS_FILE, CollectionSettings
from dashboard.records import new_file_mode, write_atomic
from dashboard.table import C, Problem
from dashboard.trust import DEFAULT_STATUS

try:  # the C emitter writes event files several times faster
    from yaml import CSafeDumper as SafeDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper  # type: ignore[assignment]


SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/event.schema.json\n"


def event_data(row: dict[str, Any]) -> dict[str, Any]:
    """An event file's keys for a row read with ``keep_source``: the dates as written, lists only when not empty.

    A row's ``edtf`` cell, where given, is its date as written (``readers/native.py``): ``date: ../2022-02-16``,
    no ``end`` and no ``approximate``; the YAML writer quotes what would read as another type ('[2022-02-14..]')."""
    data: dict[str, Any] = {"title": row[C.title], "date": row["_date"]}
    if row["_end"]:
        data["end"] = row["_end"]
    if row["_approximate"]:
        data["approximate"] = True
    if row["_timezone"]:
        data["timezone"] = row["_timezone"]
    data["category"] = row[C.category]
    if row[C.status] != DEFAULT_STATUS:
        data["status"] = row[C.status]
    if row[C.actors]:
        data["actors"] = list(row[C.actors])
    if row[C.places]:
        data["places"] = [{k: v for k, v in place.items() if v is not None} for place in row[C.places]]
    if row[C.summary]:
        data["summary"] = row[C.summary]
    if row[C.sources]:
        data["sources"] = [{k: v for k, v in source.items() if v is not None} for source in row[C.sources]]
    if row[C.tags]:
        data["tags"] = list(row[C.tags])
    if row[C.links]:
        data["links"] = [dict(link) for link in row[C.links]]
    return data


def _records(rows: pd.DataFrame, chunk: int = 10_000) -> Iterator[dict[str, Any]]:
    """The rows as dicts, a chunk at a time (a million dicts at once would take gigabytes)."""
    for start in range(0, len(rows), chunk):
        for row in rows.iloc[start : start + chunk].to_dict("records"):
            yield {str(key): value for key, value in row.items()}


@dataclass
class Imported:
    """What ``write_events`` did."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # a file of that name was there already
    problems: list[Problem] = field(default_factory=list)
    error: OSError | None = None  # what stopped the writing before the last row (a full disk, say)


def write_events(
    rows: pd.DataFrame, out: Path, settings: CollectionSettings, progress: Callable[[int, int], None] | None = None
) -> Imported:
    """Write each row (read with ``keep_source``) as ``OUT/ID.yaml``, never replacing a file.

    Rows whose category the folder's settings do not list, rows repeating an id, and ids too long for a file name
    are problems, not files: everything written validates. An error that is not about one row's file (a full disk)
    stops the writing and is kept in ``error``, with what was done until then.
    """
    out.mkdir(parents=True, exist_ok=True)
    done = Imported()
    mode = new_file_mode()  # once, not per file
    seen: dict[str, tuple[str, int]] = {}
    for count, row in enumerate(_records(rows), start=1):
        problem = _refusal(row, seen, settings, out)
        if problem is not None:
            done.problems.append(problem)
        else:
            seen[row[C.id]] = (row[C.path], int(row[C.line]))
            if not _write_one(row, out, mode, done):
                break
        if progress is not None:
            progress(count, len(rows))
    return done


def _refusal(
    row: dict[str, Any], seen: dict[str, tuple[str, int]], settings: CollectionSettings, out: Path
) -> Problem | None:
    """Why a row is not written (an id used before, a category the folder does not list, an id too long to name
    a file), or None."""
    ident, path, line = row[C.id], row[C.path], int(row[C.line])
    if ident in seen:
        return Problem(
            path,
            line,
            int(row["_id_col"]),
            f"duplicate id '{ident}': already used in {seen[ident][0]}:{seen[ident][1]}",
        )
    if settings.categories and row[C.category] not in settings.categories:
        allowed = ", ".join(settings.categories)
        return Problem(
            path,
            line,
            int(row["_cat_col"]),
            f"'category': '{row[C.category]}' is not one of {allowed} (add it to "
            f"{out / SETTINGS_FILE}, or import into another folder)",
        )
    if len(ident) > ID_MAX:  # it names the file: a long one cannot be made (or moved to other systems)
        return Problem(
            path,
            line,
            int(row["_id_col"]),
            f"'id': '{ident[:40]}…' has {len(ident)} characters: an id names its file, and may have at most {ID_MAX}",
        )
    return None


def _write_one(row: dict[str, Any], out: Path, mode: int, done: Imported) -> bool:
    """Write one row's file and note it in ``done``; False when an error that is not this row's stops the import."""
    body = SCHEMA_COMMENT + yaml.dump(
        event_data(row), Dumper=SafeDumper, sort_keys=False, allow_unicode=True, width=100
    )
    target = out / f"{row[C.id]}.yaml"
    try:  # no fsync per file: an import writes up to a million of them
        write_atomic(target, body.encode("utf-8"), overwrite=False, sync=False, mode=mode)
        done.written.append(target)
    except FileExistsError:
        done.skipped.append(target)
    except OSError as error:
        if error.errno not in (errno.ENAMETOOLONG, errno.EILSEQ):  # not this row's name: stop here
            done.error = error
            return False
        done.problems.append(
            Problem(
                row[C.path],
                int(row[C.line]),
                int(row["_id_col"]),
                f"'id': cannot be a file name here: {error.strerror or error}",
            )
        )
    return True

"""Event files and tables -> a Collection: one DataFrame row per good event, and a list of problems for the rest.

Problems are data: every bad file, key, value or table row becomes a ``Problem`` naming the file, line and
column, and loading goes on with the next one. A folder may hold YAML event files and CSV or Parquet tables
(read by ``dashboard.readers``). Problems name files by their path below the events folder (a single file
given as the root: by its name), whatever the working folder.

Files are parsed once: the parsed rows of YAML files, and the rows and problems of tables of 1 MB or more, are
kept on disk by ``dashboard.cache``, keyed by (path, size, mtime), so a restart over an unchanged folder reads no
YAML and no table, and a reload after editing one file re-reads that file alone; a big table loaded alone is kept
finished (checked across rows, sorted, with its filter menus' choices). In one process a memo returns the same
table while no file changes.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import multiprocessing
import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard import cache
from dashboard.index import Choices, choices_of, know_choices
from dashboard.model import SETTINGS_FILE, CollectionSettings
from dashboard.readers import tables, yaml_events
from dashboard.reading import SOURCE_SUFFIXES, TABLE_SUFFIXES, kind
from dashboard.table import COLUMNS, SPOTS, Collection, Effect, Problem, cross_checks, empty_events, finish

log = logging.getLogger(__name__)


# ---- a folder ------------------------------------------------------------------------------------------------

PARALLEL_FROM = 5_000  # files to parse at once before worker processes pay for their start
PARSE_WORKERS = 8
SLOW_SCAN = 0.15  # seconds: a folder that takes longer than this to stat ...
RESTAT_AFTER = 2.0  # ... is statted again at most this often; a smaller one on every load
HINT_LIMIT = 20_000  # 'did you mean' compares with every id: past this many it would cost seconds per link
MEMO_FOLDERS = 8  # the in-process memo keeps this many folders (the app uses one)
Progress = Callable[[int, int], None]
State = tuple[str, int, int]  # (path below the folder, size, mtime in nanoseconds)
Tables = dict[str, tuple[tuple[int, int], pd.DataFrame, list[Problem]]]  # a folder's tables, by relative path


def _is_table(name: str) -> bool:
    return name.lower().endswith(TABLE_SUFFIXES)


def _scan(root: Path) -> tuple[list[State], list[tuple[str, str]]]:
    """Every event file or table below a folder, with its size and mtime, in the order of ``sorted(paths)``, and
    the subfolders and files that cannot be read, as (path below the folder, problem).

    Hidden files and folders and the settings file are left out; links to folders are not followed (no loops).
    """
    found: list[State] = []
    unlisted: list[tuple[str, str]] = []
    inside = os.path.realpath(root) + os.sep

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            unlisted.append(
                (prefix.rstrip("/"), f"cannot list the folder: {error.strerror or error}; its files are left out")
            )
            return
        # Names in order, each folder's files where its name falls: the order of sorted() over the paths' parts.
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, prefix + entry.name + "/")
                elif entry.name.lower().endswith(SOURCE_SUFFIXES) and entry.name != SETTINGS_FILE:
                    _note(entry, prefix + entry.name, inside, found, unlisted)
            except OSError:  # vanished while listed
                continue

    walk(str(root), "")
    return found, unlisted


def _note(
    entry: os.DirEntry[str],
    rel: str,
    inside: str,
    found: list[State],
    unlisted: list[tuple[str, str]],
) -> None:
    """Add one file of the folder to ``found``, or to ``unlisted`` with why it is not read."""
    if not _utf8(rel):
        unlisted.append((rel, "refused: the file name is not UTF-8 text; rename the file"))
        return
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if not os.path.exists(target):
            unlisted.append((rel, "refused: a link that leads nowhere (its target is missing, or links loop)"))
            return
        if not target.startswith(inside):  # the folder's files are the folder's: never a path elsewhere
            unlisted.append((rel, "refused: a link to a file outside the events folder"))
            return
    info = entry.stat()
    if stat.S_ISREG(info.st_mode):
        found.append((rel, info.st_size, info.st_mtime_ns))
    else:  # a FIFO or a device named like an event file: say so rather than wait on it
        unlisted.append((rel, f"refused: {kind(info.st_mode)}, not a regular file"))


def _utf8(name: str) -> bool:
    """False for a file name whose bytes are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _states(root: Path) -> tuple[Path, list[State], list[tuple[str, str]]]:
    """The folder the files are relative to, the files' states, and the paths that cannot be read, with why."""
    if root.is_dir():
        return root, *_scan(root)
    try:
        info = root.stat()
    except OSError:
        return root.parent, [], []
    if not _utf8(root.name):
        return root.parent, [], [(root.name, "refused: the file name is not UTF-8 text; rename the file")]
    return root.parent, [(root.name, info.st_size, info.st_mtime_ns)], []


def event_paths(root: Path) -> list[Path]:
    """Every event file and table below a folder (hidden folders and the settings file left out), in a stable order."""
    if root.is_file():
        return [root]
    return [root / rel for rel, _, _ in _scan(root)[0]]


def _settings_state(root: Path) -> tuple[int, int] | None:
    try:
        info = ((root if root.is_dir() else root.parent) / SETTINGS_FILE).stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


# ---- loading, with the caches -------------------------------------------------------------------------------


def _parse_files(base: Path, files: list[State], settings: CollectionSettings) -> list[dict[str, Any]]:
    """Parse YAML files into cache entries; whatever goes wrong with one file is that file's problem alone."""
    entries: list[dict[str, Any]] = []
    for rel, size, mtime_ns in files:
        try:
            records, problems = yaml_events.read_event_file(base / rel, rel, settings)
            entries.extend(
                cache.entries(
                    rel,
                    size,
                    mtime_ns,
                    [record.row() for record in records],
                    [(p.line, p.column, p.message, str(p.effect)) for p in problems],
                )
            )
        except Exception as error:  # noqa: BLE001 - the last guard: one file never fails the collection
            log.exception("reading %s failed", base / rel)
            entries.extend(cache.entries(rel, size, mtime_ns, [], [(1, 1, unexpected(error))]))
    return entries


def _parse(base: Path, files: list[State], reporter: _Reporter, settings: CollectionSettings) -> list[dict[str, Any]]:
    """Parse YAML files into cache entries: in worker processes when there are thousands (a first load).

    The workers are started the way multiprocessing starts them, so a script that loads a big folder needs the
    usual ``if __name__ == "__main__":``; ``TIMELINE_PARSE_WORKERS=1`` keeps all parsing in this process.
    """
    try:
        workers = int(os.environ.get("TIMELINE_PARSE_WORKERS") or min(os.cpu_count() or 1, PARSE_WORKERS))
    except ValueError:
        workers = 1
    if len(files) >= PARALLEL_FROM and workers > 1:
        chunks = [files[start : start + 500] for start in range(0, len(files), 500)]
        try:
            # forkserver: safe in a process that runs threads (a server); each worker imports this module once.
            context = multiprocessing.get_context("forkserver")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                entries: list[dict[str, Any]] = []
                parsed = pool.map(_parse_files, [base] * len(chunks), chunks, [settings] * len(chunks))
                for chunk, done in zip(chunks, parsed, strict=True):
                    entries.extend(done)
                    reporter.advance(sum(size for _, size, _ in chunk))
                return entries
        except (OSError, RuntimeError, ValueError):  # no processes here (a sandbox, say): one at a time
            reporter.to(0)
    entries = []
    for state in files:
        entries.extend(_parse_files(base, [state], settings))
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
    reading: str  # the settings the files were read with (``_reading``)
    tables: Tables
    scan_seconds: float
    checked_at: float


_memo: OrderedDict[str, _Memo] = OrderedDict()
_memo_lock = threading.Lock()
_folder_locks: dict[str, threading.Lock] = {}


def unexpected(error: BaseException) -> str:
    """A problem's message for a failure the reading code did not foresee (the cause is logged in full)."""
    return f"could not read the file ({type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''})"


def _reading(settings: CollectionSettings) -> str:
    """The settings that reading a file depends on, as a short text: the order of numeric dates and the category
    keys (a left-out event's category is checked as it is read). Files read under other settings are read again."""
    text = repr((settings.date_order, sorted(settings.categories)))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _cache_key(root: Path, reading: str) -> Path:
    """The name the disk cache knows a folder by: its own path for the default settings, else a name of its own
    per reading, so that a cache written under other settings is never read (nor overwritten) under these."""
    return root if reading == _reading(CollectionSettings()) else root / f".reading-{reading}"


def _read_table(
    path: Path,
    shown: str,
    progress: Callable[[float], None] | None,
    date_order: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """A CSV or Parquet table's rows and problems; whatever goes wrong with it is its problem alone."""
    try:
        return tables.read_table(path, shown, progress=progress, date_order=date_order)
    except Exception as error:  # noqa: BLE001 - the last guard: one table never fails the collection
        log.exception("reading %s failed", path)
        return pd.DataFrame(columns=COLUMNS + SPOTS), [Problem(shown, 1, 1, unexpected(error))]


def _build(
    root: Path,
    base: Path,
    files: list[State],
    memo: _Memo | None,
    progress: Progress | None,
) -> tuple[Collection, Any, set[State], Tables, str, Choices | None]:
    """Load the collection from its files, parsing only the YAML files and tables that are new or changed; and
    the filter menus' choices when they were worked out here."""
    settings, problems = yaml_events.load_settings(root)
    reading = _reading(settings)
    if memo is not None and memo.reading != reading:
        memo = None  # read under other settings: every file is read again
    table_files = [state for state in files if _is_table(state[0])]
    alone = _big_table_alone(root, files)
    if alone is not None:
        found = cache.read_table(_cache_key(root, reading), *alone, layout=cache.FINISHED)
        if found is not None:
            events, kept, notes = found
            collection = Collection(events, sorted(problems + kept), settings)
            return collection, cache.empty(), set(), {}, reading, notes.get("choices")
        alone_from = len(problems)  # the problems of the settings are not the table's
    yaml_files = [state for state in files if not _is_table(state[0])] if table_files else files
    big = root.is_dir() and len(yaml_files) >= cache.MIN_FILES
    if memo is not None:
        previous, known = memo.entries, memo.yaml_files
    else:
        previous = (cache.read(_cache_key(root, reading)) if big else None) or cache.empty()
        known = cache.states(previous)
    stale = [state for state in yaml_files if state not in known]
    old_tables = memo.tables if memo is not None else {}
    to_read = [state for state in table_files if old_tables.get(state[0], (None,))[0] != state[1:]]
    reporter = _Reporter(progress, sum(size for _, size, _ in stale + to_read))

    entries = _fresh_entries(root, base, yaml_files, previous, known, stale, reporter, settings)
    rows, file_problems = cache.decode(entries)
    problems.extend(
        Problem(rel, line, column, message, Effect(effect)) for rel, line, column, message, effect in file_problems
    )
    rows.insert(0, "path", rows.pop("rel"))
    tables: Tables = {}
    if table_files:
        rows = _with_tables(
            rows,
            base,
            files,
            table_files,
            old_tables,
            tables,
            problems,
            reporter,
            root.is_dir(),
            settings.date_order,
            None if alone is not None else _cache_key(root, reading),  # kept below, finished
        )
    rows, cross = cross_checks(rows, settings)
    problems.extend(cross)
    columns = {name: rows[name] for name in COLUMNS}
    del rows  # finish frees each column once it has its sorted copy
    events = finish(columns)
    if table_files:
        pa.default_memory_pool().release_unused()  # what sorting a big table let go
    choices = None
    if alone is not None:  # with the filter menus' choices: a million rows' take a second to find
        choices = choices_of(events)
        notes = {"choices": choices}
        cache.write_table(_cache_key(root, reading), *alone, events, problems[alone_from:], cache.FINISHED, notes)
    return Collection(events, sorted(problems), settings), entries, set(yaml_files), tables, reading, choices


def _big_table_alone(root: Path, files: list[State]) -> State | None:
    """The table given as the root, when it is big enough for its finished events table to be kept on disk: the
    collection is that table's rows, checked and sorted, and a restart needs none of that work again."""
    if root.is_dir() or len(files) != 1 or not _is_table(files[0][0]) or files[0][1] < cache.MIN_TABLE_BYTES:
        return None
    return files[0]


def _fresh_entries(
    root: Path,
    base: Path,
    yaml_files: list[State],
    previous: Any,
    known: set[State],
    stale: list[State],
    reporter: _Reporter,
    settings: CollectionSettings,
) -> Any:
    """The cache entries of the YAML files: the previous ones, less the files gone or changed, plus the changed
    ones parsed again; the disk cache follows."""
    gone = [rel for rel, _, _ in known - set(yaml_files)] + [rel for rel, _, _ in stale]  # deleted or changed
    if not (gone or stale):
        return previous
    fresh = _parse(base, stale, reporter, settings)
    entries = cache.merge([cache.drop(previous, gone), cache.from_entries(fresh)], [rel for rel, _, _ in yaml_files])
    key = _cache_key(root, _reading(settings))
    if root.is_dir() and len(yaml_files) >= cache.MIN_FILES:
        cache.write(key, entries)
    elif root.is_dir() and known:
        cache.forget(key)  # the folder shrank below the size worth caching
    return entries


def _with_tables(
    rows: pd.DataFrame,
    base: Path,
    files: list[State],
    table_files: list[State],
    old_tables: Tables,
    tables: Tables,
    problems: list[Problem],
    reporter: _Reporter,
    folder: bool,
    date_order: str | None = None,
    cache_key: Path | None = None,
) -> pd.DataFrame:
    """The YAML files' rows with the tables' rows, in the files' order; tables read only when new or changed (and
    kept in ``tables`` for the next load, and on disk under ``cache_key`` for the next start)."""
    order = {rel: index for index, (rel, _, _) in enumerate(files)}
    parts = [rows.assign(_order=rows["path"].map(order).to_numpy())] if len(rows) else []
    for rel, size, mtime_ns in table_files:
        hit = old_tables.get(rel)
        if hit is not None and hit[0] == (size, mtime_ns):
            table_rows, table_problems = hit[1], hit[2]
        else:
            table_rows, table_problems = _cached_table(base, rel, size, mtime_ns, reporter, date_order, cache_key)
        if folder:  # one table alone is kept by the collection memo; no need to hold its rows twice
            tables[rel] = ((size, mtime_ns), table_rows, table_problems)
        problems.extend(table_problems)
        if len(table_rows):
            parts.append(table_rows.assign(_order=order[rel]) if len(files) > 1 else table_rows)
    if len(parts) > 1:
        rows = pd.concat(parts, ignore_index=True)
        return rows.iloc[np.argsort(rows.pop("_order").to_numpy(), kind="stable")]
    if parts:
        return parts[0].drop(columns=["_order"], errors="ignore")
    return rows


def _cached_table(
    base: Path,
    rel: str,
    size: int,
    mtime_ns: int,
    reporter: _Reporter,
    date_order: str | None,
    cache_key: Path | None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """A table's rows and problems from the disk cache when it holds this state of the file, else read (and kept
    there for the next start when the table is big enough to be worth it)."""
    worth = cache_key is not None and size >= cache.MIN_TABLE_BYTES
    if worth:
        assert cache_key is not None
        found = cache.read_table(cache_key, rel, size, mtime_ns)
        if found is not None:
            return found[0], found[1]
    rows, problems = _read_table(base / rel, rel, reporter.part(size), date_order)
    if worth:
        assert cache_key is not None
        cache.write_table(cache_key, rel, size, mtime_ns, rows, problems)
    return rows, problems


def _share(collection: Collection) -> Collection:
    """The memo's collection for a caller: the same events table (read-only by convention), its own problem list."""
    return Collection(collection.events, list(collection.problems), collection.settings, collection.fingerprint)


def _fingerprint(key: str, signature: tuple[Any, ...]) -> str:
    """A digest of what a collection is built from: the folder's absolute path and its load signature (every
    file's path, size and mtime, the settings file's state, the unreadable paths).

    It changes with every edit, and every process serving the same folder works out the same one (``repr`` of
    strings, numbers and tuples does not depend on the process), so the app's workers agree on screen keys.
    """
    text = repr((key, signature)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a collection is built: the millions of lists and dicts a big table's
    rows hold (none in a cycle) would each make it walk every object made so far, several times over (a million
    events took three times as long to decode from the cache)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def folder_fingerprint(root: Path | str) -> tuple[str, float]:
    """The fingerprint ``load_collection`` gives the folder as its files are now, from their states alone (nothing
    read), and how long finding them took, in seconds."""
    root = Path(root)
    key = os.path.abspath(root)
    if not root.exists():
        return _fingerprint(key, ("missing",)), 0.0
    started = time.perf_counter()
    _, files, unlisted = _states(root)
    signature = (files, _settings_state(root), tuple(unlisted))
    return _fingerprint(key, signature), time.perf_counter() - started


def load_collection(root: Path | str, progress: Progress | None = None) -> Collection:
    """Load every event below ``root`` (a folder, an event file, or a CSV or Parquet table); never raise for bad input.

    Unchanged files come from the caches: the events table returned is shared between calls while no file
    changes, so treat it as read-only. ``progress(done, total)`` hears how many bytes of files to parse are read,
    for a progress bar; it is not called when everything comes from the caches.
    """
    root = Path(root)
    key = os.path.abspath(root)
    if not root.exists():
        return Collection(
            empty_events(),
            [Problem(root.name or str(root), 1, 1, "no such file or folder")],
            CollectionSettings(),
            _fingerprint(key, ("missing",)),  # the same in every process, so their screen keys agree here too
        )
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
            with _collector_paused():
                collection, entries, yaml_files, tables, reading, choices = _build(root, base, files, memo, progress)
        except Exception as error:  # noqa: BLE001 - the last guard: say what failed rather than fail every caller
            log.exception("loading %s failed", root)
            return Collection(
                empty_events(),
                [Problem(root.name or str(root), 1, 1, f"could not load the events ({type(error).__name__}: {error})")],
                CollectionSettings(),
            )
        collection.problems.extend(Problem(rel or ".", 1, 1, why, Effect.LEFT_OUT) for rel, why in unlisted)
        collection.problems.sort()
        collection.fingerprint = _fingerprint(key, signature)
        if choices is not None:
            know_choices(collection, choices)
        with _memo_lock:
            _memo[key] = _Memo(
                signature, collection, entries, yaml_files, reading, tables, scan_seconds, time.monotonic()
            )
            _memo.move_to_end(key)
            while len(_memo) > MEMO_FOLDERS:
                _memo.popitem(last=False)
        return _share(collection)

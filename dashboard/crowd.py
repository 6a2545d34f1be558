"""A crowd: a view of a file's events too big to read row by row (``CROWD_FROM`` events or more). Its events stay
in the file; what the app shows of them is asked for by SQL (``duck.Engine``): their groups (by category, draft,
precision and open bounds: the axis, the lanes, the captions), the density's cells, the events an axis leaves
off, the busiest day, where an event is among them and a page of them. A server process then holds a few hundred
numbers for a view of a million events, not a column of a million.

The figures, captions, list and keys take a view's events as a table or as a crowd (``Events``); the helpers here
answer either, so that each asks one question of both.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from dashboard.table import COLUMNS, C
from dashboard.view import View

T = TypeVar("T")
# Views of this many events or more from a file are crowds. Fewer are read as columns (``index.narrow``): at ten
# thousand that is a millisecond's read, and a zoom into them then needs no query at all.
CROWD_FROM = 50_000
ANSWERS_KEPT = 64  # a crowd's answers kept (its pages and positions grow with the events selected in it)


class Crowd:
    """The events of a view in a file, as counted there. ``len`` is their count; each answer is asked for once
    (by whichever thread first needs it, a request or a read ahead: ``soon``) and kept while the crowd is."""

    def __init__(self, engine: Any, view: View, count: int, selection: Any = None) -> None:
        self.engine = engine  # ``duck.Engine``, in UTC
        self.view = view.with_(selected=None)
        self.count = count
        # What the engine is asked about: the view, or its events found once (``duck.Matched``: a search's).
        self.selection = self.view if selection is None else selection
        self._answers: OrderedDict[Any, Future[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.count

    def _answer(self, key: Any, ask: Callable[[], T]) -> T:
        """``ask()``'s answer, asked once: a second thread asking meanwhile waits for the first's. A failed
        answer is not kept: a thread that finds it (having waited for it or not) asks again itself, so a failure is
        its own."""
        with self._lock:
            known = self._answers.get(key)
            mine = known is None
            if known is None:
                known = self._answers[key] = Future()
            self._answers.move_to_end(key)
            while len(self._answers) > ANSWERS_KEPT:
                self._answers.popitem(last=False)
        if not mine:
            try:
                found: T = known.result()
                return found
            except Exception:
                with self._lock:
                    if self._answers.get(key) is known:
                        del self._answers[key]
                return self._answer(key, ask)
        try:
            value = ask()
        except BaseException as error:  # kept failed: whoever asks next asks again
            known.set_exception(error)
            raise
        known.set_result(value)
        return value

    def soon(self, pool: Executor, *asks: Callable[[], Any]) -> None:
        """Ask these (calls of this crowd's own methods) on ``pool``'s threads, while the request goes on: it
        then waits for each answer it needs, if it is not there yet."""
        for ask in asks:
            pool.submit(ask)

    def groups(self) -> pd.DataFrame:
        """The events counted by category, draft, precision and open bounds (``Engine.groups``), first met first."""
        found: pd.DataFrame = self._answer("groups", lambda: self.engine.groups(self.selection))
        return found

    def categories(self) -> list[str]:
        """The categories of the events, in the order first met (as ``unique`` of their column gives them)."""
        return list(dict.fromkeys(self.groups()["category"]))

    def category_counts(self) -> tuple[int, dict[str, int]]:
        """How many drafts, and how many of the other events each category holds, first met first."""
        groups = self.groups()
        drafts = groups["draft"].to_numpy(dtype=bool)
        counted: dict[str, int] = {}
        for category, n in zip(groups["category"][~drafts], groups["n"][~drafts], strict=True):
            counted[category] = counted.get(category, 0) + int(n)
        return int(groups["n"][drafts].sum()), counted

    def has_precision(self, precision: str) -> bool:
        return bool((self.groups()["precision"] == precision).any())

    def cells(self, lo: float, size: float, count: int) -> pd.DataFrame:
        """The density's cells (``Engine.cells``): category, first and last bucket, and how many events."""
        found: pd.DataFrame = self._answer(
            ("cells", lo, size, count), lambda: self.engine.cells(self.selection, lo, size, count)
        )
        return found

    def outside(self, lo: float, hi: float) -> tuple[int, int]:
        """How many events end before ``lo`` and how many start after ``hi`` (nanoseconds)."""
        found: tuple[int, int] = self._answer(("outside", lo, hi), lambda: self.engine.outside(self.selection, lo, hi))
        return found

    def busiest(self, exact: bool) -> tuple[pd.Timestamp, int] | None:
        """The day most events start on, and how many (``Engine.busiest``)."""
        found: tuple[pd.Timestamp, int] | None = self._answer(
            ("busiest", exact), lambda: self.engine.busiest(self.selection, exact)
        )
        return found

    def position(self, event_id: str) -> tuple[int, int] | None:
        """Where the event is among the crowd's (from 0) and in the table; None when it is not among them."""
        found: tuple[int, int] | None = self._answer(
            ("position", event_id), lambda: self.engine.position(self.selection, event_id)
        )
        return found

    def fine_rows(self, precisions: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
        """The events of these precisions, with ``columns``."""
        found: pd.DataFrame = self._answer(
            ("fine", tuple(precisions), tuple(columns)),
            lambda: self.engine.page(self.selection, 0, self.count, columns, precisions=precisions),
        )
        return found

    def page(self, first: int, size: int, columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
        """The events from the ``first`` (from 0), ``size`` of them at most, with ``columns``."""
        found: pd.DataFrame = self._answer(
            ("page", first, size, tuple(columns)), lambda: self.engine.page(self.selection, first, size, columns)
        )
        return found


Events = pd.DataFrame | Crowd  # a view's events: the rows, or a crowd of them in a file


def position_of(events: Events, event_id: str | None) -> int | None:
    """Where the event with this id is among the events (from 0; the first, if several), or None."""
    if not event_id:
        return None
    if isinstance(events, Crowd):
        found = events.position(event_id)
        return None if found is None else found[0]
    hits = np.flatnonzero((events[C.id] == event_id).to_numpy(dtype=bool))  # compared in Arrow, not in Python
    return int(hits[0]) if len(hits) else None


def rows_at(events: Events, first: int, size: int, columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
    """The events from the ``first`` (from 0), ``size`` of them at most: a crowd's with ``columns`` only, a
    table's with the columns it has."""
    if isinstance(events, Crowd):
        return events.page(first, size, columns)
    return events.iloc[max(first, 0) : max(first, 0) + max(size, 0)]


def categories_in(events: Events) -> list[Any]:
    """The categories of the events, in the order first met."""
    return events.categories() if isinstance(events, Crowd) else list(events[C.category].unique())


def has_precision(events: Events, precision: str) -> bool:
    """Whether some event is dated to this precision."""
    if isinstance(events, Crowd):
        return events.has_precision(precision)
    return bool((events[C.precision] == precision).any())


def extent(events: Events) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first start and the last end of the events (NaT of none)."""
    if isinstance(events, Crowd):
        groups = events.groups()
        return pd.Timestamp(groups["first_start"].min()), pd.Timestamp(groups["last_end"].max())
    return pd.Timestamp(events[C.start].min()), pd.Timestamp(events[C.end].max())

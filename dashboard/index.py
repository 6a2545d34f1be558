"""Look-ups over a loaded events table that must stay fast at a million rows: an event by id, and the
events that link to one. Built once per table and kept while the table lives."""

from __future__ import annotations

import weakref
from functools import cached_property
from typing import Any

import pandas as pd


class EventIndex:
    """Find events by id and follow links both ways without scanning the table."""

    def __init__(self, events: pd.DataFrame) -> None:
        self.events = events

    @cached_property
    def _positions(self) -> pd.Index:
        return pd.Index(self.events["id"])

    @cached_property
    def _incoming(self) -> dict[str, list[tuple[str, str]]]:
        incoming: dict[str, list[tuple[str, str]]] = {}
        linked = self.events[self.events["links"].map(len) > 0]
        for source, links in zip(linked["id"], linked["links"], strict=True):
            for link in links:
                incoming.setdefault(link["to"], []).append((source, link["relation"]))
        return incoming

    @cached_property
    def fingerprint(self) -> str:
        """A digest of the table that is the same in every process, so several workers agree on it."""
        columns = self.events[["id", "title", "when", "category"]]
        digest = int(pd.util.hash_pandas_object(columns, index=False).sum()) & 0xFFFFFFFFFFFF
        return f"{len(self.events)}-{digest:012x}"

    @cached_property
    def choices(self) -> dict[str, list[str]]:
        """The distinct actors, places and tags, sorted, for the filter menus."""

        def distinct(lists: pd.Series) -> list[str]:
            values: set[str] = set()
            for items in lists:
                values.update(items)
            return sorted(values, key=str.casefold)

        return {
            "actor": distinct(self.events["actors"]),
            "place": distinct(self.events["places"].map(lambda places: [p["name"] for p in places])),
            "tag": distinct(self.events["tags"]),
        }

    @cached_property
    def places(self) -> pd.DataFrame:
        """Every (event, place with coordinates) pair, for the map."""
        from dashboard.figure import places_table

        return places_table(self.events)

    def row(self, event_id: str | None) -> dict[str, Any] | None:
        """The event with this id as a dict, or None."""
        if not event_id:
            return None
        try:
            position = self._positions.get_loc(event_id)
        except KeyError:
            return None
        if not isinstance(position, int):  # duplicate ids cannot be loaded, but be safe
            return None
        return self.events.iloc[position].to_dict()

    def incoming(self, event_id: str) -> list[tuple[str, str]]:
        """(source id, relation) of every event that links to this one."""
        return self._incoming.get(event_id, [])


_indexes: dict[int, tuple[weakref.ref[pd.DataFrame], EventIndex]] = {}


def index_for(events: pd.DataFrame) -> EventIndex:
    """The index of a table, built on first use and reused while the same table object lives."""
    key = id(events)
    hit = _indexes.get(key)
    if hit is not None and hit[0]() is events:
        return hit[1]
    index = EventIndex(events)
    _indexes[key] = (weakref.ref(events, lambda _ref, key=key: _indexes.pop(key, None)), index)
    return index

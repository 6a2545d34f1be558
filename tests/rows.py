"""Test helper: a loaded collection's events as dicts, by id."""

from __future__ import annotations

from typing import Any

from dashboard.table import Collection


def by_id(collection: Collection) -> dict[str, dict[str, Any]]:
    """Each event of the collection as a dict, by id."""
    return {row["id"]: row for row in collection.events.to_dict("records")}

"""Events as plain records (JSON and CSV), and safe file writing shared by every exporter."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.dates import When, iso_bounds
from dashboard.model import Precision

RECORD_FIELDS = ["id", "title", "start", "end", "precision", "approximate", "timezone", "when", "category",
                 "actors", "places", "summary", "quotes", "sources", "tags", "links"]


def when_of(row: dict[str, Any] | pd.Series) -> When:
    """The span of a loaded event row."""
    return When(pd.Timestamp(row["start"]).to_pydatetime(), pd.Timestamp(row["end"]).to_pydatetime(),
                Precision(row["precision"]), bool(row["approximate"]), row["zone"] or None)


def to_record(row: dict[str, Any] | pd.Series) -> dict[str, Any]:
    """One event as a JSON-ready dict; dates as ISO 8601 at their own precision, ``end`` inclusive."""
    start, end = iso_bounds(when_of(row))
    return {
        "id": row["id"], "title": row["title"], "start": start, "end": end, "precision": row["precision"],
        "approximate": bool(row["approximate"]), "timezone": row["zone"] or None, "when": row["when"],
        "category": row["category"], "actors": list(row["actors"]), "places": list(row["places"]),
        "summary": row["summary"], "quotes": list(row["quotes"]), "sources": list(row["sources"]),
        "tags": list(row["tags"]), "links": list(row["links"]),
    }


def to_records(events: pd.DataFrame) -> list[dict[str, Any]]:
    """Every event as a JSON-ready dict, in time order."""
    return [to_record(row) for row in events.to_dict("records")]


def to_json(events: pd.DataFrame) -> str:
    """Events as a JSON list of objects."""
    return json.dumps(to_records(events), ensure_ascii=False, indent=2) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append(item.get("name") or item.get("title") or item.get("text") or item.get("to") or "")
            else:
                parts.append(str(item))
        return "; ".join(p for p in parts if p)
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def to_csv(events: pd.DataFrame) -> str:
    """Events as CSV, one row each; lists joined with '; ' (names of places, titles of sources)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = [f for f in RECORD_FIELDS if f not in ("quotes",)] + ["source_urls"]
    writer.writerow(fields)
    for record in to_records(events):
        record["source_urls"] = [s.get("url") for s in record["sources"] if s.get("url")]
        writer.writerow([_cell(record[f]) for f in fields])
    return out.getvalue()


def write_atomic(path: Path, data: bytes, overwrite: bool = True) -> None:
    """Write a file whole or not at all; with ``overwrite=False`` an existing file is never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # fails with FileExistsError instead of replacing
    finally:
        if os.path.exists(temp):
            os.unlink(temp)

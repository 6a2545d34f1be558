"""The files of an export: the views of a batch (one per category or day) and their files' names, made from the
data and so kept short, safe and inside the folder asked for."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from dashboard.export.errors import ExportError
from dashboard.table import C, Collection
from dashboard.view import View, apply

FILE_NAME_MAX = 120  # characters in a file name made from data (Linux allows 255 bytes)


def batch_views(collection: Collection, view: View, each: str | None) -> list[tuple[str, View]]:
    """The views of a batch: one per category or per day of the events the view shows (or just the view)."""
    if each is None:
        return [("", view)]
    events = apply(collection.events, view)
    if each == "category":
        return [(c, view.with_(category=(c,))) for c in dict.fromkeys(events[C.category])]
    days = sorted({d.date() for d in events[C.start].dt.normalize()})
    return [(d.isoformat(), view.with_(start=d, end=d)) for d in days]


def safe_label(label: str, room: int) -> str:
    """A label (a category key: any text) as part of a file name: ASCII lower-case letters, digits, '.', '_' and
    '-', no '/' or '..', at most ``room`` characters. A label that loses characters to the limit, or all of them,
    gets a short hash of itself, so that different labels keep different names."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"\.{2,}", ".", re.sub(r"[^a-z0-9._-]+", "-", ascii_text)).strip("-._")
    digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:8]
    if not slug:
        return digest
    if len(slug) > room:
        return f"{slug[: room - len(digest) - 1].rstrip('-._')}-{digest}"
    return slug


def picture_names(stem: str, labels: Iterable[str], extension: str) -> list[str]:
    """File names for a batch: stem-label.extension, or stem.extension for a single picture.

    Labels come from the data, so each becomes a ``safe_label``; names are at most ``FILE_NAME_MAX`` characters, and
    labels that would share a name (``a/b`` and ``a-b``) are told apart by a number.
    """
    room = FILE_NAME_MAX - len(stem) - len(extension) - 2 - 6  # '-' and '.', and '-99999' to tell names apart
    names: list[str] = []
    taken: set[str] = set()
    for label in labels:
        base = f"{stem}-{safe_label(label, room)}" if label else stem
        name, number = f"{base}.{extension}", 1
        while name in taken:
            number += 1
            name = f"{base}-{number}.{extension}"
        taken.add(name)
        names.append(name)
    return names


def batch_paths(folder: Path, labels: Iterable[str], extension: str) -> list[Path]:
    """The files of a batch in ``folder``; ``ExportError`` if a name would put one anywhere else."""
    root = Path(os.path.abspath(folder))
    paths = []
    for name in picture_names("timeline", labels, extension):
        path = Path(os.path.normpath(root / name))
        if path.parent != root or name in (".", ".."):  # never so for safe names: the last guard
            raise ExportError(f"refused to write {name!r}: it is not a file name inside {folder}")
        paths.append(folder / name)
    return paths

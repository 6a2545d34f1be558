"""The history line at the foot of an event's card: when its file was created, how often it was edited and its
last change with the commit's message, when the events folder is in git (``dashboard.history``); nothing when not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dash import html

from dashboard.history import History, NoHistory, history_of
from dashboard.index import EventIndex, index_for
from dashboard.table import Collection

FOLDER = "events folder"  # the index's note of the folder a collection was loaded from (see know_folder)
LISTED = 10  # the newest commits listed under the line; older ones are counted


def know_folder(collection: Collection, root: Path) -> None:
    """Note the folder the collection's files are below, for the cards: the events table names files below it.

    Kept with the collection's look-ups (``index_for``), which are keyed by what the collection was loaded from,
    folder included, so that two apps over two folders never read each other's history."""
    index_for(collection).memo[FOLDER] = root if root.is_dir() else root.parent


def history_line(path: str, index: EventIndex, name: Callable[[str], Any]) -> list[html.Details | html.P]:
    """The card's history of the file at ``path`` (below the folder ``know_folder`` noted); nothing outside git.

    ``name`` shows a commit message's line as the card shows any untrusted name (isolated, clipped)."""
    folder = index.memo.get(FOLDER)
    if not isinstance(folder, Path):
        return []
    found = history_of(folder, path)
    return [] if isinstance(found, NoHistory) else [history_details(found, name)]


def history_details(history: History, name: Callable[[str], Any]) -> html.Details | html.P:
    """The line 'created …, edited N times, last changed …: message', which opens on the commits, newest first."""
    last = history.last
    note = [f"; {history.note}"] if history.note else []
    if last is None:
        return html.P([history.lead, *note], className="history muted")
    changes = [
        html.Li(
            [
                f"{change.day} · ",
                html.Code(change.commit),
                " · ",
                name(change.subject),
                *([" (renamed from ", name(change.renamed_from), ")"] if change.renamed_from else []),
            ]
        )
        for change in history.changes[:LISTED]
    ]
    if len(history.changes) > LISTED:
        changes.append(html.Li(f"and {len(history.changes) - LISTED:,} earlier", className="history-more"))
    return html.Details(
        [
            html.Summary([history.lead, ": ", name(last.subject), *note], title="The file's history in git"),
            html.Ol(changes, className="history-changes"),
        ],
        className="history muted",
    )

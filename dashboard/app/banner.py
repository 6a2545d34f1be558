"""The problems banner: what went wrong in the events folder, and what happened to the events it concerns; then
the consistency warnings, worth a look."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from dash import html

from dashboard import cache
from dashboard.consistency import Checked, check, checked_from_json, checked_json
from dashboard.index import index_for
from dashboard.table import EFFECT_GROUPS, Collection, Effect, summary_text
from dashboard.wording import counted

SHOWN_AT_MOST = 200
FOLDER = "checks"  # under the events cache's folder (dashboard.cache.folder())
KEPT_ON_DISK = 32  # the newest, one per state of a folder's files
KEEP_FROM = 10_000  # events in a collection whose warnings are kept on disk
KEPT_FORMAT = "1"  # bump when ``checked_json`` changes: a kept file of another format is never read


def checked(collection: Collection) -> Checked:
    """The consistency warnings of a collection, worked out on first use and kept with its look-ups: the store
    leaves them out of loading (a million events load no slower), and every request after the first reads them.
    They are kept on disk too, so that a restart over the same files reads them rather than checking again (a
    second at a million events). The banner lists a few hundred problems: so many of each kind of warning are
    written out, all counted."""
    memo = index_for(collection).memo
    found = memo.get("consistency")
    if isinstance(found, Checked):
        return found
    if collection.engine is not None:  # checked when the file was written: the table is not here to check
        kept: Checked = memo.setdefault("consistency", collection.engine.warnings() or Checked())
        return kept
    with _checking:  # one check at a time: a second request waits for the first's result, not its CPU
        found = memo.get("consistency")
        if not isinstance(found, Checked):
            # A small collection checks in a blink: not worth a file in the user's cache folder.
            path = _kept_at(collection.fingerprint) if collection.size >= KEEP_FROM else None
            found = checked_from_json(cache.kept_json(path))
            if found is None:
                found = check(collection.events, most=SHOWN_AT_MOST)
                cache.keep_json(path, checked_json(found), KEPT_ON_DISK)
            found = memo.setdefault("consistency", found)
    return found


_checking = threading.Lock()


def _kept_at(fingerprint: str) -> Path | None:
    """Where the warnings of a collection are kept on disk: by the state of its files and the code that read and
    checked them (None for a fingerprint that is no plain name)."""
    store, checks = cache.fingerprint("dashboard.store"), cache.fingerprint("dashboard.consistency")
    code = f"{store} {checks} {SHOWN_AT_MOST} {KEPT_FORMAT}"
    return cache.kept_path(FOLDER, fingerprint, hashlib.blake2b(code.encode(), digest_size=8).hexdigest())


def problems_banner(collection: Collection) -> list[Any]:
    """A visible list of file problems (path:line:col: message), grouped by what happened to what they concern,
    and of the consistency warnings under a heading of their own; built once per collection."""
    memo = index_for(collection).memo
    built = memo.get("banner")
    if not isinstance(built, list):
        built = memo.setdefault("banner", _banner(collection))
    return built


def _banner(collection: Collection) -> list[Any]:
    problems = collection.problems
    found = checked(collection)
    listed = problems + found.warnings
    if not listed:
        return []
    groups: list[Any] = []
    left = SHOWN_AT_MOST
    for effect, heading in EFFECT_GROUPS:
        these = [p for p in listed if p.effect == effect]
        if not these:
            continue
        marked: dict[str, Any] = {"data-effect": effect.value}
        notes = found.notes if effect == Effect.WARNING else []
        groups.append(
            html.Div(
                [
                    html.P(html.Strong(f"{heading}:"), className="banner-group-title"),
                    # The lines as `timeline validate` prints them, one text of them a group: Dash renders every
                    # component of the page again on each click, and a banner may list hundreds of lines.
                    html.Div("\n".join(str(p) for p in these[: max(left, 0)]), className="problem-lines"),
                    *[html.P(note[:1].upper() + note[1:] + ".", className="muted") for note in notes],
                ],
                className=f"banner-group banner-{effect.name.lower().replace('_', '-')}",
                **marked,
            )
        )
        left -= len(these)
    said = [summary_text(problems)] if problems else []
    if found.count:
        said.append(counted(found.count, "warning") + " worth a look")
    return [
        html.Details(
            [
                html.Summary("; ".join(said) + "."),
                *groups,
                html.P("Run `timeline validate` to check the folder from a terminal.", className="muted"),
            ],
            open=bool(problems) and len(listed) <= 5,  # warnings alone stay folded: they leave every event shown
            className="banner",
            role="alert" if problems else "status",
        )
    ]

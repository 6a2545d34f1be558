"""The problems banner: what went wrong in the events folder, and what happened to the events it concerns; then
the consistency warnings, worth a look."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.consistency import Checked, check
from dashboard.index import index_for
from dashboard.table import EFFECT_GROUPS, Collection, Effect, summary_text
from dashboard.wording import counted

SHOWN_AT_MOST = 200


def checked(collection: Collection) -> Checked:
    """The consistency warnings of a collection, worked out on first use and kept with its look-ups: the store
    leaves them out of loading (a million events load no slower), and every request after the first reads them.
    The banner lists a few hundred problems: so many of each kind of warning are written out, all counted."""
    memo = index_for(collection).memo
    found = memo.get("consistency")
    if not isinstance(found, Checked):
        found = memo.setdefault("consistency", check(collection.events, most=SHOWN_AT_MOST))
    return found


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

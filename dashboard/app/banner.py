"""The problems banner: what went wrong in the events folder, and what happened to the events it concerns."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.table import EFFECT_GROUPS, Collection, summary_text

SHOWN_AT_MOST = 200


def problems_banner(collection: Collection) -> list[Any]:
    """A visible list of file problems (path:line:col: message), grouped by what happened to what they concern."""
    problems = collection.problems
    if not problems:
        return []
    groups: list[Any] = []
    left = SHOWN_AT_MOST
    for effect, heading in EFFECT_GROUPS:
        these = [p for p in problems if p.effect == effect]
        if not these:
            continue
        marked: dict[str, Any] = {"data-effect": effect.value}
        groups.append(
            html.Div(
                [
                    html.P(html.Strong(f"{heading}:"), className="banner-group-title"),
                    html.Ul([html.Li(html.Code(str(p))) for p in these[: max(left, 0)]]),
                ],
                className=f"banner-group banner-{effect.name.lower().replace('_', '-')}",
                **marked,
            )
        )
        left -= len(these)
    return [
        html.Details(
            [
                html.Summary(summary_text(problems) + "."),
                *groups,
                html.P("Run `timeline validate` to check the folder from a terminal.", className="muted"),
            ],
            open=len(problems) <= 5,
            className="banner",
            role="alert",
        )
    ]

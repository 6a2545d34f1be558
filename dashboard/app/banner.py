"""The problems banner: what went wrong in the events folder, and what happened to the events it concerns."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.table import Collection


def problems_banner(collection: Collection) -> list[Any]:
    """A visible list of file problems (path:line:col: message), or nothing."""
    problems = collection.problems
    if not problems:
        return []
    files = len({p.path for p in problems})
    summary = (
        f"{len(problems)} problem{'s' * (len(problems) != 1)} in {files} file{'s' * (files != 1)}: "
        "those events are left out until fixed. The others are shown."
    )
    return [
        html.Details(
            [
                html.Summary(summary),
                html.Ul([html.Li(html.Code(str(p))) for p in problems[:200]]),
                html.P("Run `timeline validate` to check the folder from a terminal.", className="muted"),
            ],
            open=len(problems) <= 5,
            className="banner",
            role="alert",
        )
    ]

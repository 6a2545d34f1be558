"""The Download buttons: the current view as a picture, through the same code as `timeline export --view`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard.app import ids
from dashboard.app.layout import failure_alert
from dashboard.export import FILE_NAME_MAX, ExportError, export_figure, render_picture, safe_label
from dashboard.table import Collection
from dashboard.view import View

log = logging.getLogger(__name__)


def picture_name(collection: Collection, view: View, fmt: str) -> str:
    """A file name that says what the picture shows (title, range, categories): ASCII letters, digits, '.', '_' and
    '-' only, at most FILE_NAME_MAX characters, as the export command names its files."""
    parts = [collection.settings.title]
    if view.start or view.end:
        parts.append("-".join(d.isoformat() for d in (view.start, view.end) if d))
    if view.category:
        parts.append("-".join(view.category) if len(view.category) <= 3 else f"{len(view.category)} categories")
    return f"{safe_label('_'.join(parts), FILE_NAME_MAX - len(fmt) - 1)}.{fmt}"


def picture(collection: Collection, search: str | None, fmt: str) -> tuple[bytes, str]:
    """The picture of the view a URL query describes, and its file name."""
    view = View.from_query(search)
    return render_picture(export_figure(collection, view), fmt), picture_name(collection, view, fmt)


def register(app: Dash, load: Callable[[], Collection]) -> None:
    """Wire the Download buttons to a file download of the current view."""

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Output(ids.DOWNLOAD_STATUS, "children"),
        Input({"type": ids.DOWNLOAD_BUTTON, "format": ALL}, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
        running=[(Output(ids.DOWNLOAD_STATUS, "children"), "Preparing…", "")],
    )
    def download(clicks: list[int | None], search: str | None) -> tuple[Any, Any]:
        if not isinstance(ctx.triggered_id, dict) or not any(clicks):
            return no_update, no_update
        fmt = ctx.triggered_id.get("format")
        if fmt not in ids.DOWNLOAD_FORMATS:  # only a crafted request names another
            return no_update, html.Span(f"'{str(fmt)[:20]}' is not offered here: download a "
                                        f"{', '.join(f.upper() for f in ids.DOWNLOAD_FORMATS)}.",
                                        className="warning", role="alert")
        try:
            data, name = picture(load(), search, fmt)
        except ExportError as error:
            return no_update, html.Span(str(error), className="warning", role="alert")
        except Exception as error:  # noqa: BLE001 - the last guard: an alert in the page, the cause in the log
            log.exception("the picture of %s could not be drawn", str(search or "")[:300])
            return no_update, failure_alert(error, "this picture")
        return dcc.send_bytes(data, name), ""

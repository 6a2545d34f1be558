"""The Download buttons: the current view as a picture or as data, through the same code as `timeline export --view`.

The formats offered are the export registry's (``ids.DOWNLOAD_FORMATS``); a picture is drawn by the process's
shared browser (at most two at a time, a 'try again' past that, sizes capped), data is made without a browser and
capped in events and bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.dcc import express

from dashboard.app import ids
from dashboard.app.layout import failure_alert
from dashboard.export import (
    DOWNLOAD_BYTES,
    DOWNLOAD_EVENTS,
    FILE_NAME_MAX,
    SIZES,
    ExportError,
    TooTall,
    about,
    data_export,
    export_figure,
    formats,
    render_picture,
    safe_label,
)
from dashboard.index import for_export, holding, in_zone, reviewed, visible_events
from dashboard.table import Collection
from dashboard.view import View

log = logging.getLogger(__name__)
WARNINGS_SHOWN = 3  # of the events a data file left out, named under the buttons; the rest are counted
# Dash's helper is unannotated: it gives the dict that dcc.Download takes (the file, base64-encoded, and its name).
_send_bytes = cast(Callable[..., dict[str, Any]], express.send_bytes)


def _chosen(view: View, key: str) -> tuple[str, ...]:
    """The names chosen for a facet: a field the View is given per facet, so unknown to the type checker."""
    chosen: tuple[str, ...] = getattr(view, key)
    return chosen


def download_name(collection: Collection, view: View, fmt: str) -> str:
    """A file name that says what the view shows (title, range, categories): ASCII letters, digits, '.', '_' and
    '-' only, at most FILE_NAME_MAX characters with the format's extension, as the export command names its files."""
    chosen = formats.get(fmt)
    extension = chosen.extension
    parts = [collection.settings.title]
    if view.start or view.end:
        parts.append("-".join(d.isoformat() for d in (view.start, view.end) if d))
    categories = _chosen(view, "category")
    if categories:
        parts.append("-".join(categories) if len(categories) <= 3 else f"{len(categories)} categories")
    if chosen.name != extension:  # TimelineJS is JSON too: its file keeps a name apart from the JSON one's
        parts.append(chosen.name)
    return f"{safe_label('_'.join(parts), FILE_NAME_MAX - len(extension) - 1)}.{extension}"


def _held(collection: Collection, view: View, drafts: bool) -> Collection:
    """What a download reads of a view: the collection's table, or a file's events of the view (``holding``);
    without drafts unless ``drafts`` (as `timeline export` without --drafts), once they are rows."""
    held = holding(collection, view)
    return held if drafts else reviewed(held)


def picture(collection: Collection, search: str | None, fmt: str, drafts: bool = False) -> tuple[bytes, str]:
    """The picture of the view a URL query describes (a slide, as `timeline export --view` draws it; taller when
    its rows need more room than a slide has), and its file name; with its drafts only when ``drafts``."""
    view = View.from_query(search)
    collection = in_zone(_held(collection, view, drafts), view.tz)  # the events as the view's zone shows them
    size = SIZES["slide"]
    try:
        figure = export_figure(collection, view, size)
    except TooTall:
        size = SIZES["tall"]
        figure = export_figure(collection, view, size)
    words = about(collection, view, size)
    return render_picture(figure, fmt, size.scale, words), download_name(collection, view, fmt)


def data(collection: Collection, search: str | None, fmt: str, drafts: bool = False) -> tuple[bytes, str, list[str]]:
    """The events of the view a URL query describes in a data format, its file name, and the events it left out;
    ``ExportError`` past DOWNLOAD_EVENTS events or DOWNLOAD_BYTES bytes."""
    view = View.from_query(search)
    if collection.engine is not None:  # counted before a file's events are read: a million would fill the worker
        formats.past_most(len(visible_events(in_zone(collection, view.tz), view)), DOWNLOAD_EVENTS)
    left_out: list[str] = []
    stored = formats.data_format(fmt).make is not None  # records read back elsewhere keep their times as stored
    made = data_export(
        *for_export(_held(collection, view, drafts), view, stored), fmt, warn=left_out.append, most=DOWNLOAD_EVENTS
    )
    text = made.encode("utf-8") if isinstance(made, str) else made  # a Word document is bytes already
    if len(text) > DOWNLOAD_BYTES:
        raise ExportError(
            f"this file would be {len(text) / 1e6:,.0f} MB, more than a download may be "
            f"({DOWNLOAD_BYTES / 1e6:g} MB): narrow the view, or use `timeline export --view`"
        )
    return text, download_name(collection, view, fmt), left_out


def left_out_note(left_out: list[str]) -> Any:
    """What a data file left out, in a line or two under the buttons (nothing when it left nothing out)."""
    if not left_out:
        return ""
    more = len(left_out) - WARNINGS_SHOWN
    return html.Span(
        "; ".join(note[:200] for note in left_out[:WARNINGS_SHOWN]) + (f"; and {more} more" if more > 0 else ""),
        className="warning",
        role="status",
    )


def not_offered(fmt: object) -> html.Span:
    """The answer to a format the page does not offer (only a crafted request names one)."""
    offered = ", ".join(formats.get(name).label for name in ids.DOWNLOAD_FORMATS)
    return html.Span(
        f"'{str(fmt)[:20]}' is not offered here: download one of {offered}.", className="warning", role="alert"
    )


def register(app: Dash, load: Callable[[], Collection], drafts: bool = False) -> None:
    """Wire the Download buttons to a file download of the current view (with its drafts only when ``drafts``)."""

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
        if not isinstance(fmt, str) or fmt not in ids.DOWNLOAD_FORMATS:
            return no_update, not_offered(fmt)
        chosen, note = formats.get(fmt), ""
        try:
            if chosen.kind == "picture":
                content, name = picture(load(), search, fmt, drafts)
            else:
                content, name, left_out = data(load(), search, fmt, drafts)
                note = left_out_note(left_out)
        except ExportError as error:
            return no_update, html.Span(str(error), className="warning", role="alert")
        except Exception as error:  # noqa: BLE001 - the last guard: an alert in the page, the cause in the log
            log.exception("the %s of %s could not be made", fmt, str(search or "")[:300])
            return no_update, failure_alert(error, f"this {chosen.kind == 'picture' and 'picture' or 'file'}")
        return _send_bytes(content, name, type=chosen.media_type), note

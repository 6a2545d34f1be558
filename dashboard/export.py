"""Exports of a View: pictures (PNG, SVG, PDF through kaleido and the machine's Chromium; standalone HTML)
and data (iCalendar, TimelineJS; JSON and CSV live in ``records``).

A picture is the app's timeline figure for the same View, laid out for a page: the collection's title, the
range and filters as a subtitle, the legend, and a footer naming the sources.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.dates import DAY
from dashboard.figure import ROW_PX, THEMES, esc, timeline_figure
from dashboard.markdown import to_html as summary_html
from dashboard.model import Precision
from dashboard.records import check_target, is_stdout, to_csv, to_json, when_of, write_output
from dashboard.table import Collection
from dashboard.view import View, apply, describe

PICTURE_FORMATS = ("png", "svg", "pdf", "html")
DATA_FORMATS = ("json", "csv", "ics", "timelinejs")
SIZES = {"slide": (1600, 900), "page": (1123, 794)}  # 16:9 at 1600 px; A4 landscape at 96 dpi
HEADER_PX = 112
MAX_ROW_PX = 44
FOOTER_PX = 64
FILE_NAME_MAX = 120  # characters in a file name made from data (Linux allows 255 bytes)
INSTALL_HINT = ("no Chrome or Chromium was found for drawing pictures. Install one with "
                "'sudo apt-get install chromium' (Debian/Ubuntu) or 'plotly_get_chrome', or point BROWSER_PATH "
                "at a Chrome binary.")


class ExportError(Exception):
    """An export that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class PageSize:
    """The size of a picture in CSS pixels, and the scale it is rendered at."""

    width: int = SIZES["slide"][0]
    height: int | None = None  # None: a 16:9 picture, taller when the rows need it
    scale: float = 1.0


def sources_line(events: pd.DataFrame) -> str:
    """'Sources: DW (16 Feb 2022); Reuters (…)' for the events shown."""
    seen: dict[str, set[str]] = {}
    for sources in events["sources"]:
        for source in sources:
            name = source.get("publisher") or source.get("title")
            if name:
                dates = seen.setdefault(name, set())
                if source.get("published"):
                    dates.add(source["published"][:10])
    parts = []
    for name, dates in seen.items():
        when = ", ".join(f"{dt.date.fromisoformat(d):%-d %b %Y}" for d in sorted(dates))
        parts.append(f"{name} ({when})" if when else name)
    return "Sources: " + "; ".join(parts) if parts else ""


def _extent(events: pd.DataFrame) -> str:
    if not len(events):
        return ""
    first, last = events["start"].min().date(), (events["end"].max() - DAY).date()
    return f"{first:%-d %b %Y}" if first >= last else f"{first:%-d %b %Y} – {last:%-d %b %Y}"


def export_figure(collection: Collection, view: View, size: PageSize = PageSize()) -> go.Figure:
    """The picture of a view: the timeline laid out for a page, with title, subtitle, legend and footer."""
    events = apply(collection.events, view)
    fig = timeline_figure(events, view, collection.settings, width=size.width, export=True)
    theme = THEMES[view.theme]
    axis_px = int(fig.layout.margin.b)  # the date axis below the rows, taller in sequence mode
    footer_px = FOOTER_PX - 40
    # The screen figure's top margin makes way for the header; its bottom margin grows by the footer.
    natural = int(fig.layout.height) - int(fig.layout.margin.t) + HEADER_PX + footer_px
    rows = _rows(fig)
    # A slide is 16:9 unless the rows need more, or so few rows would be stretched past a comfortable pitch.
    roomy = natural + rows * (MAX_ROW_PX - ROW_PX)
    height = size.height or max(natural, min(round(size.width * 9 / 16), roomy))
    plot_px = height - HEADER_PX - axis_px - footer_px
    if plot_px > rows * MAX_ROW_PX + 30:  # a tall page: keep the rows' pitch and leave the space below
        fig.update_yaxes(domain=[1 - (rows * MAX_ROW_PX + 30) / plot_px, 1])
    subtitle = describe(view) or _extent(events)
    count = f"{len(events):,} event{'s' * (len(events) != 1)}"
    fig.update_layout(
        width=size.width, height=height,
        margin={"t": HEADER_PX, "b": axis_px + footer_px},
        title={"text": f"<b>{esc(collection.settings.title)}</b>",
               "subtitle": {"text": esc(f"{subtitle} · {count}" if subtitle else count),
                            "font": {"size": 14, "color": theme.muted}},
               "x": 0.012, "xanchor": "left", "y": 0.985, "yanchor": "top", "yref": "container",
               "font": {"size": 22}},
        legend={"y": 1.0, "yanchor": "bottom"},
    )
    footer = sources_line(events)
    if footer:
        bottom = fig.layout.yaxis.domain[0] if fig.layout.yaxis.domain else 0
        fig.add_annotation(text=esc(footer), showarrow=False, xref="paper", yref="paper", x=0, y=bottom,
                           xanchor="left", yanchor="top", yshift=-axis_px,
                           font={"size": 11, "color": theme.muted}, align="left")
    return fig


def _rows(fig: go.Figure) -> int:
    return int(fig.layout.yaxis.range[0] + 0.5) if fig.layout.yaxis.range else 1


def min_height(fig: go.Figure) -> int:
    """The height below which the rows of a picture would crowd each other."""
    return int(_rows(fig) * (ROW_PX - 6) + HEADER_PX + FOOTER_PX + int(fig.layout.margin.b))


@dataclass
class Picture:
    """One picture to write."""

    figure: go.Figure
    path: Path
    format: str
    scale: float = 1.0


def write_pictures(pictures: list[Picture]) -> None:
    """Write pictures (a path of '-' is stdout); every static image of the batch is drawn by one browser.

    Every target is checked before anything is drawn (``records.check_target`` raises ``UnsafeTarget``), and each
    file is written whole by ``records.write_atomic``: kaleido draws into a private folder, not onto the targets.
    """
    for picture in pictures:
        if not is_stdout(picture.path):
            check_target(picture.path)
    static = [p for p in pictures if p.format != "html"]
    for picture in pictures:
        if picture.format == "html":
            write_output(picture.path, to_html(picture.figure).encode("utf-8"))
    if not static:
        return
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    with tempfile.TemporaryDirectory(prefix="timeline-export-") as scratch:
        drawn = [Path(scratch) / f"{index}.{p.format}" for index, p in enumerate(static)]
        jobs = [{"fig": p.figure, "path": str(path),
                 "opts": {"format": p.format, "width": p.figure.layout.width, "height": p.figure.layout.height,
                          "scale": p.scale}} for p, path in zip(static, drawn, strict=True)]
        try:
            kaleido.write_fig_from_object_sync(jobs, cancel_on_error=True)
        except ChromeNotFoundError:
            raise ExportError(INSTALL_HINT) from None
        for picture, path in zip(static, drawn, strict=True):
            write_output(picture.path, path.read_bytes())


def render_picture(figure: go.Figure, fmt: str, scale: float = 1.0) -> bytes:
    """One picture as bytes, for a download: at most RENDERS_AT_ONCE at a time (``RenderBusy`` past that), drawn by
    the process's one browser, and never larger than DOWNLOAD_SIDE_PX a side or DOWNLOAD_PIXELS in all."""
    if fmt not in PICTURE_FORMATS:
        raise ExportError(f"'{fmt}' is not a picture format ({', '.join(PICTURE_FORMATS)})")
    if fmt == "html":
        return to_html(figure).encode("utf-8")
    width, height = picture_size(figure, scale)
    from choreographer.errors import ChromeNotFoundError

    try:
        return _renderer.draw(figure, {"format": fmt, "width": width, "height": height, "scale": scale})
    except ChromeNotFoundError:
        raise ExportError(INSTALL_HINT) from None


DOWNLOAD_SIDE_PX = 10_000  # the longest side of a downloaded picture, as for `timeline export --width/--height`
DOWNLOAD_PIXELS = 40_000_000  # width × height × scale²: a bigger PNG costs the browser gigabytes to draw
DOWNLOAD_SCALE = 8.0
RENDERS_AT_ONCE = 2  # pictures one process draws at the same time; more are turned away, not queued
RENDER_WAIT_S = 1.0  # how long a download waits for a free slot before it is told to try again
RENDER_TIMEOUT_S = 60.0
BROWSER_IDLE_S = 300.0  # a browser unused this long is closed: it holds a few hundred MB


class RenderBusy(ExportError):
    """Every drawing slot is taken: the caller should try again in a moment."""


def picture_size(figure: go.Figure, scale: float) -> tuple[int, int]:
    """The figure's width and height in CSS pixels; ``ExportError`` if the picture would be too big to draw."""
    width, height = int(figure.layout.width or 700), int(figure.layout.height or 500)  # kaleido's defaults
    if not 0 < scale <= DOWNLOAD_SCALE:
        raise ExportError(f"a scale of {scale:g} would make a {width * scale:,.0f} × {height * scale:,.0f} px picture;"
                          f" the scale may be up to {DOWNLOAD_SCALE:g}")
    if min(width, height) <= 0 or max(width, height) * scale > DOWNLOAD_SIDE_PX or (
            width * height * scale * scale > DOWNLOAD_PIXELS):
        raise ExportError(f"this picture would be {width * scale:,.0f} × {height * scale:,.0f} px, more than a "
                          f"download may be ({DOWNLOAD_SIDE_PX:,} px a side, {DOWNLOAD_PIXELS / 1e6:g} megapixels): "
                          "narrow the view (a shorter range, fewer lanes), or use `timeline export` with --width "
                          "and --height")
    return width, height


class _Renderer:
    """The app's downloads drawn by one headless browser per process, started on first use and reused.

    kaleido ≥ 1 keeps its browser open as long as its ``Kaleido`` object is: that object lives in an event loop on a
    thread of its own, and each download hands it a figure from whatever thread serves the request. A browser that
    failed a picture is closed (the next download starts a fresh one), as is one left idle for BROWSER_IDLE_S.
    kaleido's own sync server is not used: it serves every caller in the process (the export command's batches too),
    mixes up the answers of concurrent callers, and waits forever when its browser cannot start.
    """

    def __init__(self) -> None:
        import threading

        self._slots = threading.BoundedSemaphore(RENDERS_AT_ONCE)
        self._start_lock = threading.Lock()
        self._loop: Any = None
        # Touched only in the loop's thread:
        self._kaleido: Any = None
        self._opening: Any = None  # an asyncio.Lock, so that two first downloads start one browser
        self._active = 0
        self._broken = False
        self._idle: Any = None  # the timer that closes an idle browser
        self.started = 0  # browsers started

    def draw(self, figure: go.Figure, opts: dict[str, Any]) -> bytes:
        """The picture's bytes; ``RenderBusy`` when RENDERS_AT_ONCE pictures are being drawn already."""
        import asyncio
        import concurrent.futures

        if not self._slots.acquire(timeout=RENDER_WAIT_S):
            raise RenderBusy("the server is busy drawing other pictures: try again in a moment")
        try:
            future = asyncio.run_coroutine_threadsafe(self._draw(figure, opts), self._running_loop())
            try:
                return future.result(timeout=RENDER_TIMEOUT_S + 30)  # kaleido's own timeout comes first
            except (TimeoutError, concurrent.futures.TimeoutError):
                future.cancel()
                raise ExportError("the picture took too long to draw: try a smaller view") from None
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the browser, if one is open (at exit; between tests)."""
        import asyncio

        loop = self._loop
        if loop is None or not loop.is_running():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shut(), loop).result(timeout=15)
        except Exception:  # noqa: BLE001 - closing is best effort: the process is leaving, or a test moving on
            pass

    def _running_loop(self) -> Any:
        import asyncio
        import atexit
        import threading

        with self._start_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="picture-renderer", daemon=True).start()
                self._loop = loop
                atexit.register(self.close)
            return self._loop

    async def _draw(self, figure: go.Figure, opts: dict[str, Any]) -> bytes:
        import asyncio

        self._active += 1
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        try:
            browser = await self._open()
            return await browser.calc_fig(figure, opts=opts)
        except BaseException:
            self._broken = True
            raise
        finally:
            self._active -= 1
            if self._active == 0:
                if self._broken:
                    await self._shut()
                else:
                    self._idle = asyncio.get_running_loop().call_later(
                        BROWSER_IDLE_S, lambda: asyncio.ensure_future(self._shut_if_idle()))

    async def _open(self) -> Any:
        import asyncio

        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._kaleido is None:
                import kaleido

                browser = kaleido.Kaleido(n=RENDERS_AT_ONCE, timeout=RENDER_TIMEOUT_S)  # finds Chrome, or raises
                await browser.open()
                self._kaleido, self._broken = browser, False
                self.started += 1
        return self._kaleido

    async def _shut(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None:
            try:
                await browser.close()
            except Exception:  # noqa: BLE001 - a browser that died on its own has nothing left to close
                pass

    async def _shut_if_idle(self) -> None:
        if self._active == 0:
            await self._shut()


_renderer = _Renderer()


def to_html(figure: go.Figure) -> str:
    """A standalone interactive page: plotly.js is inside, so it opens without a server or network."""
    return figure.to_html(include_plotlyjs=True, full_html=True,
                          config={"displaylogo": False, "scrollZoom": True, "responsive": True})


# ---- data ------------------------------------------------------------------------------------------------------

_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]+")
_NOT_IN_URI = re.compile(r"[\x00-\x20\x7f]")


def _one_line(text: str) -> str:
    """Text for a one-line property: line breaks and other control characters become a space."""
    return _CONTROLS.sub(" ", text).strip()


def _lines(text: str) -> str:
    """Text for a description: line breaks kept as "\\n" (iCalendar escapes them), other controls a space."""
    return _CONTROLS_BUT_LINES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _uri(url: str) -> str:
    """An address without the spaces and control characters a URI may not hold (percent-encoded instead)."""
    return _NOT_IN_URI.sub(lambda match: f"%{ord(match.group()):02X}", url.strip())


def to_ics(events: pd.DataFrame, title: str, warn: Callable[[str], None] | None = None) -> str:
    """An iCalendar file: one VEVENT per event, all-day spans for dates, UTC times for minutes.

    Text is made fit for its property (``_one_line``, ``_lines``, ``_uri``); an event that still cannot be
    written is left out and named to ``warn``, and the others are exported.
    """
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//newstimeline//timeline export//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _one_line(title))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for row in events.to_dict("records"):
        try:
            item = _ics_event(row, stamp)
            item.to_ical()  # fails here, for this event alone, rather than for the whole calendar
        except (ValueError, TypeError) as error:
            if warn is not None:
                warn(f"{row['id']}: skipped in the iCalendar export: {error}")
            continue
        calendar.add_component(item)
    return calendar.to_ical().decode("utf-8")


def _ics_event(row: dict[str, Any], stamp: dt.datetime) -> Any:
    """One event as a VEVENT."""
    from icalendar import Event, vGeo

    when = when_of(row)
    item = Event()
    item.add("uid", f"{row['id']}@newstimeline")
    item.add("dtstamp", stamp)
    item.add("summary", _one_line(row["title"]))
    if when.precision == Precision.MINUTE:
        item.add("dtstart", when.start.replace(tzinfo=dt.UTC))
        if when.end > when.start:  # a moment has no DTEND (RFC 5545 wants DTEND after DTSTART)
            item.add("dtend", when.end.replace(tzinfo=dt.UTC))
    else:
        item.add("dtstart", when.start.date())
        item.add("dtend", when.end.date())  # exclusive, as iCalendar wants
    lines = [f"When: {row['when']}" + (" (approximate)" if row["approximate"] else ""), "", row["summary"]]
    lines += [f"“{q['text']}” — {q.get('speaker') or 'unattributed'}" for q in row["quotes"]]
    for source in row["sources"]:
        parts = (source["title"], source.get("publisher"), source.get("url") and _uri(source["url"]))
        lines.append(f"Source: {' · '.join(part for part in parts if part)}")
    item.add("description", _lines("\n".join(lines).strip()))
    item.add("categories", [_one_line(c) for c in (row["category"], *row["tags"])])
    if row["approximate"]:
        item.add("status", "TENTATIVE")
    places = [_one_line(p["name"]) for p in row["places"]]
    if places:
        item.add("location", "; ".join(places))
    located = [p for p in row["places"] if p.get("lat") is not None]
    if located:
        item.add("geo", vGeo((located[0]["lat"], located[0]["lon"])))
    url = next((s["url"] for s in row["sources"] if s.get("url")), None)
    if url:
        item.add("url", _uri(url))
    return item


def _tl_date(moment: dt.datetime, precision: Precision) -> dict[str, str]:
    parts = {"year": str(moment.year)}
    if precision != Precision.YEAR:
        parts["month"] = str(moment.month)
    if precision in (Precision.DAY, Precision.MINUTE):
        parts["day"] = str(moment.day)
    if precision == Precision.MINUTE:
        parts.update(hour=str(moment.hour), minute=str(moment.minute))
    return parts


def to_timelinejs(events: pd.DataFrame, title: str, description: str = "") -> str:
    """TimelineJS3's JSON: its text fields are HTML, so every text is escaped and Markdown rendered safely."""
    items = []
    for row in events.to_dict("records"):
        when = when_of(row)
        start = _tl_date(when.start, when.precision)
        start["display_date"] = html.escape(row["when"])
        body = summary_html(row["summary"])
        body += "".join(f"<blockquote>{html.escape(q['text'])}</blockquote>"
                        + (f"<p>— {html.escape(q['speaker'])}</p>" if q.get("speaker") else "")
                        for q in row["quotes"])
        item: dict[str, Any] = {
            "unique_id": row["id"],
            "start_date": start,
            "text": {"headline": html.escape(row["title"]), "text": body},
            "group": html.escape(row["category"]),  # TimelineJS shows the group's name with innerHTML too
        }
        last = _tl_date(when.end - DAY if when.precision != Precision.MINUTE else when.end, when.precision)
        if last != _tl_date(when.start, when.precision):  # a range, at the precision it is known to
            item["end_date"] = last
        source = next((s for s in row["sources"] if s.get("url")), None)
        if source:
            item["media"] = {"url": source["url"], "caption": html.escape(source["title"]),
                             "credit": html.escape(source.get("publisher") or "")}
        items.append(item)
    document = {"title": {"text": {"headline": html.escape(title), "text": html.escape(description)}},
                "events": items}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def data_export(collection: Collection, view: View, fmt: str, warn: Callable[[str], None] | None = None) -> str:
    """The events of a view as JSON, CSV, iCalendar or TimelineJS text; ``warn`` hears of events left out."""
    events = apply(collection.events, view)
    settings = collection.settings
    if fmt == "json":
        return to_json(events)
    if fmt == "csv":
        return to_csv(events)
    if fmt == "ics":
        return to_ics(events, settings.title, warn)
    if fmt == "timelinejs":
        return to_timelinejs(events, settings.title, settings.description)
    raise ExportError(f"unknown data format {fmt!r}")


def batch_views(collection: Collection, view: View, each: str | None) -> list[tuple[str, View]]:
    """The views of a batch: one per category or per day of the events the view shows (or just the view)."""
    if each is None:
        return [("", view)]
    events = apply(collection.events, view)
    if each == "category":
        return [(c, view.with_(category=(c,))) for c in dict.fromkeys(events["category"])]
    days = sorted({d.date() for d in events["start"].dt.normalize()})
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
        return f"{slug[:room - len(digest) - 1].rstrip('-._')}-{digest}"
    return slug


def picture_names(stem: str, labels: Iterable[str], fmt: str) -> list[str]:
    """File names for a batch: stem-label.fmt, or stem.fmt for a single picture.

    Labels come from the data, so each becomes a ``safe_label``; names are at most ``FILE_NAME_MAX`` characters, and
    labels that would share a name (``a/b`` and ``a-b``) are told apart by a number.
    """
    room = FILE_NAME_MAX - len(stem) - len(fmt) - 2 - 6  # '-' and '.', and '-99999' to tell names apart
    names: list[str] = []
    taken: set[str] = set()
    for label in labels:
        base = f"{stem}-{safe_label(label, room)}" if label else stem
        name, number = f"{base}.{fmt}", 1
        while name in taken:
            number += 1
            name = f"{base}-{number}.{fmt}"
        taken.add(name)
        names.append(name)
    return names


def batch_paths(folder: Path, labels: Iterable[str], fmt: str) -> list[Path]:
    """The files of a batch in ``folder``; ``ExportError`` if a name would put one anywhere else."""
    root = Path(os.path.abspath(folder))
    paths = []
    for name in picture_names("timeline", labels, fmt):
        path = Path(os.path.normpath(root / name))
        if path.parent != root or name in (".", ".."):  # never so for safe names: the last guard
            raise ExportError(f"refused to write {name!r}: it is not a file name inside {folder}")
        paths.append(folder / name)
    return paths

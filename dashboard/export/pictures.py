"""Drawing pictures: PNG, SVG and PDF by kaleido in the machine's Chromium, finished with their words (a PDF's
page size and metadata, an SVG's title and description), and the HTML story page.

The export command draws a batch with one browser (``Drawing``), each picture handed back as soon as it is drawn;
the app's downloads draw one picture at a time in the process's shared browser (``dashboard.export.browser``),
never larger than DOWNLOAD_SIDE_PX a side.
"""

from __future__ import annotations

import html
import io
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

import plotly.graph_objects as go

from dashboard.export.browser import BATCH_TABS, BATCH_TIMEOUT_S, BROWSER_IDLE_S, Batch, renderer
from dashboard.export.errors import ExportError
from dashboard.export.page import About, export_figure


def _creator() -> str:
    try:
        return f"newstimeline {version('newstimeline')}"
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "newstimeline"


CREATOR = _creator()  # a PDF's Creator: this program

INSTALL_HINT = (
    "no Chrome or Chromium was found for drawing pictures. Install one with "
    "'sudo apt-get install chromium' (Debian/Ubuntu) or 'plotly_get_chrome', or point BROWSER_PATH "
    "at a Chrome binary."
)
DOWNLOAD_SIDE_PX = 10_000  # the longest side of a downloaded picture, as for `timeline export --width/--height`
# Chromium draws a picture of pixels (PNG, JPEG, WebP) on one canvas of at most 2**28 pixels, width × height ×
# scale²: past that it hands back a few broken bytes. SVG and PDF are drawn as shapes and text, at any size.
DRAW_PIXELS = 2**28
DOWNLOAD_PIXELS = 40_000_000  # less for a download: a bigger PNG costs the server's browser gigabytes to draw
DOWNLOAD_SCALE = 8.0
RASTER = ("png", "jpeg", "jpg", "webp")  # the formats Chromium draws as pixels
SIGNATURES = {  # how a drawn file of each format begins: anything else is a drawing that failed
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "jpg": (b"\xff\xd8\xff",),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF",),
    "svg": (b"<svg", b"<?xml"),
}


def too_many_pixels(width: float, height: float, scale: float, fmt: str) -> str | None:
    """Why Chromium cannot draw a ``fmt`` picture of that layout size at that scale (None when it can)."""
    if fmt.lower() not in RASTER or width * height * scale * scale <= DRAW_PIXELS:
        return None
    return (
        f"a {fmt.upper()} of {width * scale:,.0f} × {height * scale:,.0f} px is "
        f"{width * height * scale * scale / 1e6:,.0f} megapixels, more than the browser can draw "
        f"({DRAW_PIXELS / 1e6:,.0f}): use a smaller --width, --height or --scale, or --format svg or pdf"
    )


def check_drawn(data: bytes, fmt: str) -> bytes:
    """The bytes the browser drew, when they begin as a ``fmt`` file does; ``ExportError`` otherwise (a drawing that
    failed, which must never be written as a file)."""
    starts = SIGNATURES.get(fmt.lower())
    if starts and not data.lstrip().startswith(starts):
        raise ExportError(
            f"the browser failed to draw the {fmt.upper()} picture ({len(data):,} bytes that are not a "
            f"{fmt.upper()} file), so it was not written: try a smaller picture"
        )
    return data


def picture_size(figure: go.Figure, scale: float) -> tuple[int, int]:
    """The figure's width and height in CSS pixels; ``ExportError`` if the picture would be too big to draw."""
    width, height = int(figure.layout.width or 700), int(figure.layout.height or 500)  # kaleido's defaults
    if not 0 < scale <= DOWNLOAD_SCALE:
        raise ExportError(
            f"a scale of {scale:g} would make a {width * scale:,.0f} × {height * scale:,.0f} px picture;"
            f" the scale may be up to {DOWNLOAD_SCALE:g}"
        )
    if (
        min(width, height) <= 0
        or max(width, height) * scale > DOWNLOAD_SIDE_PX
        or (width * height * scale * scale > DOWNLOAD_PIXELS)
    ):
        raise ExportError(
            f"this picture would be {width * scale:,.0f} × {height * scale:,.0f} px, more than a "
            f"download may be ({DOWNLOAD_SIDE_PX:,} px a side, {DOWNLOAD_PIXELS / 1e6:g} megapixels): "
            "narrow the view (a shorter range, fewer lanes), or use `timeline export` with --width "
            "and --height"
        )
    return width, height


def in_browser(figure: go.Figure, fmt: str, scale: float = 1.0, idle_s: float = BROWSER_IDLE_S) -> bytes:
    """One picture drawn for a download (PNG, SVG, PDF, or any format kaleido draws): by the process's shared
    browser, at most RENDERS_AT_ONCE at a time (``RenderBusy`` past that), and never larger than DOWNLOAD_SIDE_PX a
    side or DOWNLOAD_PIXELS in all. The browser closes when nothing more is drawn within ``idle_s`` seconds."""
    width, height = picture_size(figure, scale)
    from choreographer.errors import ChromeNotFoundError

    try:
        return check_drawn(
            renderer.draw(figure, {"format": fmt, "width": width, "height": height, "scale": scale}, idle_s), fmt
        )
    except ChromeNotFoundError:
        raise ExportError(INSTALL_HINT) from None


class Drawn:
    """A picture being drawn by a batch's browser: ``result()`` waits for its bytes, checked to be a ``fmt`` file;
    ``ExportError`` for a picture that could not be drawn, saying why."""

    def __init__(self, future: Future[bytes], fmt: str, timeout: float) -> None:
        self._future, self._fmt, self._timeout = future, fmt, timeout

    def done(self) -> bool:
        """Whether the browser has finished with it (drawn, or failed)."""
        return self._future.done()

    def result(self) -> bytes:
        """The picture's bytes, once drawn."""
        from choreographer.errors import BrowserClosedError, BrowserFailedError, ChromeNotFoundError
        from kaleido.errors import JavascriptError, KaleidoError

        try:
            data = self._future.result()
        except ChromeNotFoundError:
            raise ExportError(INSTALL_HINT) from None
        except TimeoutError:
            raise ExportError(
                f"the browser took more than {self._timeout:g} s to draw the picture: narrow the view"
            ) from None
        except (BrowserClosedError, BrowserFailedError, JavascriptError, KaleidoError) as error:
            raise ExportError(f"the browser failed to draw the {self._fmt.upper()} picture ({error})") from None
        return check_drawn(data, self._fmt)


class Drawing:
    """The browser-drawn pictures of a batch, in a ``with`` block: one browser draws them all (``browser.Batch``,
    BATCH_TABS at a time), started when the first is handed over and closed when the block ends. ``draw`` returns at
    once, so that the next figure is built while the browser draws."""

    def __init__(self) -> None:
        self._batch: Batch | None = None

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._batch is not None:
            self._batch.__exit__(*exc)
            self._batch = None

    def draw(self, figure: go.Figure, fmt: str, scale: float) -> Drawn:
        """Hand a figure to the browser, drawn at its own size; kaleido returns the bytes, and never writes a file."""
        if self._batch is None:
            # Imported here, before the browser's thread imports it: two threads at once can meet it half made.
            import kaleido.errors  # noqa: F401

            self._batch = Batch().__enter__()
        opts = {"format": fmt, "width": figure.layout.width, "height": figure.layout.height, "scale": scale}
        return Drawn(self._batch.draw(figure, opts), fmt, BATCH_TIMEOUT_S)


def draw_batch(jobs: Iterable[tuple[go.Figure, str, float]]) -> Iterator[bytes]:
    """Each (figure, format, scale) drawn at its figure's size, all by one browser started for the batch; the
    pictures come one at a time, in order, each as soon as it is drawn (BATCH_TABS are drawn side by side)."""
    with Drawing() as drawing:
        pending: deque[Drawn] = deque()
        for figure, fmt, scale in jobs:
            pending.append(drawing.draw(figure, fmt, scale))
            if len(pending) > BATCH_TABS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def to_html(figure: go.Figure) -> str:
    """A standalone interactive page: plotly.js is inside, so it opens without a server or network."""
    return str(
        figure.to_html(
            include_plotlyjs=True, full_html=True, config={"displaylogo": False, "scrollZoom": True, "responsive": True}
        )
    )


def as_drawn(data: bytes, about: About | None) -> bytes:
    """A picture as the browser drew it (PNG)."""
    return data


def svg_described(data: bytes, about: About | None) -> bytes:
    """An SVG with its title and alt text inside (``<title>``, ``<desc>``), which screen readers and search read."""
    if about is None:
        return data
    text = data.decode("utf-8")
    at = text.find(">", text.find("<svg")) + 1
    if at <= 0:
        return data
    words = f"<title>{html.escape(about.title)}</title><desc>{html.escape(about.alt)}</desc>"
    return (text[:at] + words + text[at:]).encode("utf-8")


def pdf_finished(data: bytes, about: About | None) -> bytes:
    """A PDF on the page asked for (its MediaBox exactly ``about.points``: Chromium prints a CSS pixel as 3/4 pt,
    so a page drawn at twice the density would be twice as large), with its Title, Subject and Creator."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter(clone_from=reader)
    if about is not None and about.points is not None:
        for page in writer.pages:
            page.scale_to(*about.points)  # scales the content with the page: text stays text, fonts embedded
    writer.add_metadata(
        {
            "/Title": about.title if about else "Timeline",
            "/Subject": about.subtitle if about else "",
            "/Creator": CREATOR,
            "/Producer": CREATOR,
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _fallback_page(figure: go.Figure, about: About | None) -> str:
    """The figure alone in a page with a language, a title and its alt text as the figure's caption."""
    chart = figure.to_html(
        include_plotlyjs=True,
        full_html=False,
        config={"displaylogo": False, "scrollZoom": True, "responsive": True},
    )
    title = html.escape(about.title if about else "Timeline")
    alt = html.escape(about.alt) if about else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n</head>\n<body>\n<figure>\n{chart}\n<figcaption>{alt}</figcaption>\n</figure>\n"
        "</body>\n</html>\n"
    )


def html_page(figure: go.Figure, about: About | None) -> bytes:
    """The story page of the view (``story.story_page``: the timeline, its cards and sources, light and dark, no
    network); the figure alone in a page when the view is not known."""
    if about is None or about.collection is None or about.view is None:
        return _fallback_page(figure, about).encode("utf-8")
    from dashboard.export.story import story_page

    collection = replace(about.collection, settings=about.furniture.over(about.collection.settings))
    size = replace(about.size, points=None)  # as tall as its rows unless a height was asked for (the page scrolls)
    light, dark = (
        export_figure(about.collection, about.view.with_(theme=theme), size, about.furniture)
        for theme in ("light", "dark")
    )
    return story_page(collection, about.view, light, dark, alt=about.alt).encode("utf-8")

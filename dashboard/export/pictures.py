"""Drawing pictures: PNG, SVG and PDF by kaleido in the machine's Chromium, and standalone HTML pages.

The export command draws a batch with one browser (``draw_batch``); the app's downloads draw one picture at a
time in the process's shared browser (``dashboard.export.browser``), never larger than DOWNLOAD_SIDE_PX a side.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go

from dashboard.export.browser import renderer
from dashboard.export.errors import ExportError

INSTALL_HINT = (
    "no Chrome or Chromium was found for drawing pictures. Install one with "
    "'sudo apt-get install chromium' (Debian/Ubuntu) or 'plotly_get_chrome', or point BROWSER_PATH "
    "at a Chrome binary."
)
DOWNLOAD_SIDE_PX = 10_000  # the longest side of a downloaded picture, as for `timeline export --width/--height`
DOWNLOAD_PIXELS = 40_000_000  # width × height × scale²: a bigger PNG costs the browser gigabytes to draw
DOWNLOAD_SCALE = 8.0


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


def in_browser(figure: go.Figure, fmt: str, scale: float = 1.0) -> bytes:
    """One picture drawn for a download (PNG, SVG, PDF, or any format kaleido draws): by the process's shared
    browser, at most RENDERS_AT_ONCE at a time (``RenderBusy`` past that), and never larger than DOWNLOAD_SIDE_PX a
    side or DOWNLOAD_PIXELS in all."""
    width, height = picture_size(figure, scale)
    from choreographer.errors import ChromeNotFoundError

    try:
        return renderer.draw(figure, {"format": fmt, "width": width, "height": height, "scale": scale})
    except ChromeNotFoundError:
        raise ExportError(INSTALL_HINT) from None


def draw_batch(jobs: list[tuple[go.Figure, str, float]]) -> Iterator[bytes]:
    """Each (figure, format, scale) drawn at its figure's size, all by one browser started for the batch; the
    pictures come one at a time, in order. kaleido draws into a private folder, never onto the files to write."""
    if not jobs:
        return
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    with tempfile.TemporaryDirectory(prefix="timeline-export-") as scratch:
        drawn = [Path(scratch) / f"{index}.{fmt}" for index, (_, fmt, _) in enumerate(jobs)]
        specs = [
            {
                "fig": figure,
                "path": str(path),
                "opts": {"format": fmt, "width": figure.layout.width, "height": figure.layout.height, "scale": scale},
            }
            for (figure, fmt, scale), path in zip(jobs, drawn, strict=True)
        ]
        try:
            kaleido.write_fig_from_object_sync(specs, cancel_on_error=True)
        except ChromeNotFoundError:
            raise ExportError(INSTALL_HINT) from None
        for path in drawn:
            yield path.read_bytes()


def to_html(figure: go.Figure) -> str:
    """A standalone interactive page: plotly.js is inside, so it opens without a server or network."""
    return str(
        figure.to_html(
            include_plotlyjs=True, full_html=True, config={"displaylogo": False, "scrollZoom": True, "responsive": True}
        )
    )


def html_page(figure: go.Figure, fmt: str = "html", scale: float = 1.0) -> bytes:
    """The picture as a standalone HTML page (``to_html``), drawn without a browser; it has no scale."""
    return to_html(figure).encode("utf-8")

"""The first readable paint: a static SVG of the default view's timeline, in the page's first HTML.

Dash builds the page in the browser once its scripts (several MB) have loaded, so for a few seconds a reader would
see nothing. The page for ``/`` (no query: the default view) therefore carries a picture of that view's timeline,
drawn on the server by the same figure code and the export's browser (``dashboard.export.pictures``), which the
page's script moves into the timeline's frame when the page is built and takes away when the graph has drawn
(assets/app.js). A deep link gets no picture: it would flash a view that is not the one asked for.

Pictures are kept per collection fingerprint (and per version of the drawing code), in memory and on disk beside the
events cache, so a second start serves its picture at once. Drawing happens on a background thread, started by the
first request for the page, never during a request: until the picture is ready the page simply has none. Every
picture is checked before it is used (only drawing elements of SVG, no script, no handler, no link out of it), so
text from event files, which plotly escapes, can never become markup or script.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import xml.etree.ElementTree as ElementTree
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import cast

from dash import Dash
from flask import has_request_context, request

from dashboard import cache
from dashboard.app import ids
from dashboard.app.callbacks import DEFAULT_WIDTH
from dashboard.app.state import known_names
from dashboard.export.errors import ExportError
from dashboard.figure import timeline_figure
from dashboard.figure.caption import alt_text
from dashboard.index import visible_events
from dashboard.table import Collection
from dashboard.view import View

log = logging.getLogger(__name__)

FOLDER = "previews"  # under the events cache's folder (dashboard.cache.folder())
KEPT_ON_DISK = 32  # pictures kept on disk: the newest, one per state of a folder's files
KEPT_IN_MEMORY = 4
MAX_SVG_BYTES = 4_000_000  # a bigger picture would cost more to send and parse than the page it stands in for
NOTE = "Loading the interactive timeline…"
SVG = "{http://www.w3.org/2000/svg}"
# The elements plotly draws a timeline with: nothing that runs script, embeds HTML or styles the whole page.
ELEMENTS = frozenset(
    SVG + name
    for name in (
        "svg g defs clipPath mask pattern rect path line circle ellipse polygon polyline text tspan image "
        "linearGradient radialGradient stop title desc"
    ).split()
)
HREFS = frozenset(("href", "{http://www.w3.org/1999/xlink}href"))
# A link inside the picture may only point into it (#id) or be an image of its own (a density view's heatmap).
SAFE_HREF = re.compile(r"#[\w.-]*|data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/=\s]*")
OUTSIDE_URL = re.compile(r"url\(\s*['\"]?\s*[^'\"#\s)]", re.IGNORECASE)  # a CSS url() that leaves the picture


class Unsafe(ValueError):
    """A picture that is not only shapes and text: it is never put into a page."""


def checked_svg(data: bytes) -> str:
    """The SVG as text, fit to be written into a page: well-formed, of drawing elements only, with no event
    handler, script URL, outside link, comment, CDATA or declaration; ``Unsafe`` otherwise."""
    if len(data) > MAX_SVG_BYTES:
        raise Unsafe(f"the picture is {len(data):,} bytes, more than {MAX_SVG_BYTES:,}")
    text = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", data.decode("utf-8"))
    # In a page, an HTML parser reads what an XML parser checked here: with no comment, CDATA, declaration or
    # processing instruction, and every '<' of text escaped (XML allows no other), both see the same elements.
    if not text.startswith("<svg") or "<!" in text or "<?" in text:
        raise Unsafe("the picture has a declaration, comment or CDATA, or is not an SVG")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise Unsafe(f"the picture is not well-formed: {error}") from None
    for element in root.iter():
        if element.tag not in ELEMENTS:
            raise Unsafe(f"the picture has a <{element.tag}> element")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or "javascript:" in value.lower() or OUTSIDE_URL.search(value):
                raise Unsafe(f"the picture has an attribute {local}={value[:60]!r}")
            if name in HREFS and not SAFE_HREF.fullmatch(value):
                raise Unsafe(f"the picture links to {value[:60]!r}")
    return text


def markup(svg: str, alt: str, title: str) -> str:
    """The preview as the page carries it: the collection's title, a note for screen readers that the interactive
    timeline is loading, and the picture, named by its alt text."""
    picture = svg.replace("<svg", '<svg aria-hidden="true" focusable="false"', 1)
    return (
        f'<div id="{ids.PREVIEW}" class="timeline-preview">'
        f'<p class="timeline-preview-title" aria-hidden="true">{html.escape(title)}</p>'
        f'<p class="timeline-preview-note" role="status">{NOTE}</p>'
        f'<div class="timeline-preview-picture" role="img" aria-label="{html.escape(alt)}">{picture}</div>'
        "</div>"
    )


@dataclass(frozen=True)
class Drawn:
    """A preview's parts, as drawn and as kept on disk: the picture, its alt text and the collection's title."""

    svg: str
    alt: str
    title: str

    def markup(self) -> str:
        """The preview as the page carries it, its picture checked (``Unsafe`` if it is not fit for a page)."""
        return markup(checked_svg(self.svg.encode("utf-8")), self.alt, self.title)


def draw(collection: Collection) -> Drawn | None:
    """The preview of a collection's default view (None when it has no events)."""
    from dashboard.export.pictures import in_browser

    if not collection.size:
        return None
    view = known_names(View.from_query(""), collection)  # the view the page's first render shows
    visible = visible_events(collection, view)
    figure = timeline_figure(visible, view, collection.settings, width=DEFAULT_WIDTH)
    figure.update_layout(width=DEFAULT_WIDTH)  # the app's graph is as wide as its page; a picture needs a width
    # Drawn once per state of the events (then kept on disk): the browser closes at once, not kept for more
    # pictures (a few hundred MB, in a worker that may never draw another).
    svg = in_browser(figure, "svg", idle_s=0).decode("utf-8")
    return Drawn(svg, alt_text(visible, view, collection.settings), collection.settings.title)


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """A digest of the drawing code and of the versions of plotly and kaleido: new code never shows an old picture."""
    digest = hashlib.sha256()
    figure_code = Path(timeline_figure.__code__.co_filename).parent
    for path in sorted([*figure_code.glob("*.py"), Path(__file__)]):
        digest.update(path.read_bytes())
    for package in ("plotly", "kaleido"):
        try:
            digest.update(version(package).encode())
        except PackageNotFoundError:
            pass
    return digest.hexdigest()[:16]


def disk_path(fingerprint: str) -> Path | None:
    """Where a collection's preview is kept on disk (None for a fingerprint that is no plain name)."""
    return cache.kept_path(FOLDER, fingerprint, code_stamp())


class Previews:
    """The previews of one app: served from memory, read from disk, drawn in the background when missing."""

    def __init__(
        self, load: Callable[[], Collection], drawer: Callable[[Collection], Drawn | None] | None = None
    ) -> None:
        self._load = load
        self._draw = drawer
        self._ready: OrderedDict[str, str] = OrderedDict()  # fingerprint → markup ('' when there is none to show)
        self._working: set[str] = set()
        self._wanted: set[str] = set()  # asked for by a page while only looked for on disk: drawn if not there
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Look for the preview of the collection as it is now on disk, in the background (a second start of the
        server then serves it at once); nothing is drawn until the page is asked for."""
        threading.Thread(
            target=lambda: self._start(self._load(), drawing=False), name="timeline-preview", daemon=True
        ).start()

    def for_page(self) -> str:
        """The preview of the collection as it is now, if ready; else '' (and it is drawn in the background)."""
        return self._start(self._load(), drawing=True)

    def _start(self, collection: Collection, drawing: bool) -> str:
        """The preview of ``collection`` if ready; else '', and a thread starts to read it from disk or draw it."""
        key = collection.fingerprint
        with self._lock:
            if key in self._ready:
                self._ready.move_to_end(key)
                return self._ready[key]
            if key in self._working:
                if drawing:
                    self._wanted.add(key)
                return ""
            self._working.add(key)
        threading.Thread(target=self._prepare, args=(collection, drawing), name="timeline-preview", daemon=True).start()
        return ""

    def wait(self, timeout: float = 60.0) -> str:
        """The preview of the collection as it is now, waiting for it to be drawn (for tests and tools)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            found = self.for_page()
            if found or time.monotonic() > deadline or not self._working:
                return found
            time.sleep(0.05)

    def _prepare(self, collection: Collection, drawing: bool) -> None:
        """Read the preview from disk, or (when ``drawing``) draw it and write it there; keep it in memory."""
        key = collection.fingerprint
        path = disk_path(key)
        found: str | None = None
        try:
            drawn = self._read(path)
            if drawn is None and drawing:
                drawn = (self._draw or draw)(collection)
                self._write(path, drawn)
                found = ""  # drawn, even if there is nothing to show: not drawn again
            if drawn is not None:
                found = drawn.markup()
        except ExportError as error:  # too tall a picture for so many rows: expected, said in one line
            log.info("no preview of the timeline: %s", error)
            found = ""
        except Exception:  # noqa: BLE001 - a preview is a nicety: the page works without it, the log says why
            log.exception("the preview of the timeline could not be drawn")
            found = ""
        with self._lock:
            if found is not None:
                self._ready[key] = found
                while len(self._ready) > KEPT_IN_MEMORY:
                    self._ready.popitem(last=False)
            self._working.discard(key)
            # A page asked while the server's start only looked on disk, and found none: draw it now, or the first
            # readers would go without until another asked.
            again = found is None and key in self._wanted
            self._wanted.discard(key)
        if again:
            self._start(collection, drawing=True)

    @staticmethod
    def _read(path: Path | None) -> Drawn | None:
        """A preview kept on disk (checked again before use, like a new one); None if there is none."""
        kept = cache.kept_json(path)
        try:
            return Drawn(str(kept["svg"]), str(kept["alt"]), str(kept["title"]))
        except (KeyError, TypeError):
            return None  # none, or not a preview: drawn again

    @staticmethod
    def _write(path: Path | None, drawn: Drawn | None) -> None:
        """Keep the preview on disk, and only the newest KEPT_ON_DISK of them."""
        if drawn is not None:
            cache.keep_json(path, asdict(drawn), KEPT_ON_DISK)


def install(app: Dash, load: Callable[[], Collection]) -> Previews:
    """Put the preview into the page Dash sends for ``/`` without a query (the default view)."""
    previews = Previews(load)
    previews.warm()
    interpolate = cast(Callable[..., str], app.interpolate_index)  # Dash leaves it unannotated

    def with_preview(**parts: str) -> str:
        page = str(interpolate(**parts))
        if not has_request_context() or request.path != app.config.routes_pathname_prefix or request.query_string:
            return page
        try:
            found = previews.for_page()
        except Exception:  # noqa: BLE001 - the page must be sent whatever the preview does
            log.exception("the preview could not be looked up")
            return page
        # After Dash's own interpolation, so that no '{%…%}' in an event's text is ever read as a placeholder.
        at = page.find('<div id="react-entry-point"')
        return page if not found or at < 0 else page[:at] + found + "\n" + page[at:]

    app.interpolate_index = with_preview  # type: ignore[method-assign,assignment]  # Dash's documented hook
    return previews

"""Every export format, declared once in ``REGISTRY``: its name, file extension, kind (a picture of the view, or the
view's events as data), the function that makes it, its media type, and whether the app's Download offers it.

Everything else reads the registry: the ``--format`` choices and help of ``timeline export``, the dispatch below
(``data_export``, ``render_picture``, ``write_pictures``), the app's Download buttons and what its download serves,
and the extension and media type of every file. A new format is its function and one declaration here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import pandas as pd
import plotly.graph_objects as go

from dashboard.export.browser import BATCH_TABS
from dashboard.export.chronology import markdown_chronology
from dashboard.export.data import Warn, csv_text, ics_text, json_text, timelinejs_text
from dashboard.export.errors import ExportError
from dashboard.export.page import About
from dashboard.export.pictures import (
    Drawing,
    Drawn,
    as_drawn,
    html_page,
    in_browser,
    pdf_finished,
    svg_described,
    too_many_pixels,
)
from dashboard.export.word import AVAILABLE as WORD_AVAILABLE
from dashboard.export.word import docx_chronology
from dashboard.figure.caption import alt_text
from dashboard.model import CollectionSettings
from dashboard.records import check_not_source, check_target, is_stdout, write_output
from dashboard.table import Collection
from dashboard.view import View, apply

Kind = Literal["picture", "data"]
DataMaker = Callable[[pd.DataFrame, CollectionSettings, Warn | None], str]
ViewMaker = Callable[[pd.DataFrame, View, CollectionSettings], str]  # words about a view (its picture's alt text)
DocumentMaker = Callable[[pd.DataFrame, View, CollectionSettings], bytes]  # a view as a binary document (Word)
PictureMaker = Callable[[go.Figure, "About | None"], bytes]  # (figure, its words) -> the file, drawn without a browser
Finisher = Callable[[bytes, "About | None"], bytes]  # (what the browser drew, the picture's words) -> the file
ALT_SUFFIX = ".alt.txt"  # the alt text written beside every picture: NAME.alt.txt
# The pictures of a batch held at once: drawn in the browser's tabs, and built ahead, so that the figures are built
# while the browser draws (a figure waits in a tab's queue instead of the browser waiting for a figure).
BATCH_HELD = BATCH_TABS + 2


@dataclass(frozen=True, kw_only=True)
class Format:
    """One export format."""

    kind: ClassVar[Kind]
    name: str  # what --format and the app call it
    extension: str  # of its files, without the dot
    media_type: str  # of a download
    label: str  # on its Download button
    about: str  # what a file holds, for the button's hint: "Download this view as LABEL: ABOUT"
    offered: bool = True  # the app's Download offers it


@dataclass(frozen=True, kw_only=True)
class DataFormat(Format):
    """The events of a view as text."""

    kind: ClassVar[Kind] = "data"
    make: DataMaker | None = None
    describe: ViewMaker | None = None  # instead of ``make``: words that need the view, not only its events
    document: DocumentMaker | None = None  # instead of ``make``: a binary file of the view (its bytes)


@dataclass(frozen=True, kw_only=True)
class PictureFormat(Format):
    """A picture of a view (its figure laid out for a page: ``dashboard.export.page``)."""

    kind: ClassVar[Kind] = "picture"
    make: PictureMaker | None = None  # drawn without a browser; else by the headless browser, a batch by one
    finish: Finisher = as_drawn  # what a browser-drawn picture gets after drawing (its words, a PDF's page size)

    @property
    def browser(self) -> bool:
        """Drawn in the headless browser (the export command draws a whole batch with one)."""
        return self.make is None


def _declare(*formats: Format) -> dict[str, Format]:
    return {fmt.name: fmt for fmt in formats}


REGISTRY: dict[str, Format] = _declare(
    DataFormat(
        name="json",
        extension="json",
        media_type="application/json",
        make=json_text,
        label="JSON",
        about="its events as JSON records",
    ),
    DataFormat(
        name="csv",
        extension="csv",
        media_type="text/csv",
        make=csv_text,
        label="CSV",
        about="its events as a table, which loads back as the same events",
    ),
    DataFormat(
        name="ics",
        extension="ics",
        media_type="text/calendar",
        make=ics_text,
        label="ICS",
        about="its events as an iCalendar file, for calendar apps",
    ),
    DataFormat(
        name="timelinejs",
        extension="json",
        media_type="application/json",
        make=timelinejs_text,
        label="TimelineJS",
        about="its events as a TimelineJS3 timeline",
    ),
    DataFormat(
        name="alt",
        extension=ALT_SUFFIX.lstrip("."),
        media_type="text/plain",
        describe=alt_text,
        label="Alt text",
        about="a plain-language description of its picture, for readers who cannot see it",
    ),
    DataFormat(
        name="md",
        extension="md",
        media_type="text/markdown",
        describe=markdown_chronology,
        label="Chronology",
        about="a written chronology in Markdown: dated entries with their status and numbered citations, and the "
        "list of sources",
    ),
    DataFormat(
        name="docx",
        extension="docx",
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        document=docx_chronology,
        label="Word",
        about="the written chronology as a Word document, with its numbered sources",
        offered=WORD_AVAILABLE,  # python-docx is installed by ./scripts/setup.sh; without it the app does not offer it
    ),
    PictureFormat(
        name="png",
        extension="png",
        media_type="image/png",
        label="PNG",
        about="a picture of the timeline",
    ),
    PictureFormat(
        name="svg",
        extension="svg",
        media_type="image/svg+xml",
        finish=svg_described,
        label="SVG",
        about="a picture of the timeline that scales without blur",
    ),
    PictureFormat(
        name="pdf",
        extension="pdf",
        media_type="application/pdf",
        finish=pdf_finished,
        label="PDF",
        about="a picture of the timeline on a PDF page",
    ),
    PictureFormat(
        name="html",
        extension="html",
        media_type="text/html",
        make=html_page,
        label="HTML",
        about="the timeline as an interactive page that works offline",
        offered=False,
    ),
)
# An app's data download travels base64-encoded inside one callback's answer: so many events at most, and a file
# of so many bytes at most (long summaries).
DOWNLOAD_EVENTS = 20_000
DOWNLOAD_BYTES = 48_000_000


def names(kind: Kind | None = None) -> list[str]:
    """The formats' names, of one kind or all, in the order declared."""
    return [name for name, fmt in REGISTRY.items() if kind is None or fmt.kind == kind]


def offered() -> tuple[str, ...]:
    """The formats the app's Download offers, pictures first: its buttons, and the only ones its download serves."""
    return tuple(name for kind in ("picture", "data") for name in names(kind) if REGISTRY[name].offered)


def get(name: object) -> Format:
    """The format of that name; ``ExportError`` for any other."""
    fmt = REGISTRY.get(name) if isinstance(name, str) else None
    if fmt is None:
        raise ExportError(f"unknown format {str(name)[:20]!r}: one of {', '.join(REGISTRY)}")
    return fmt


def help_text() -> str:
    """The formats as the export command's help names them."""
    return f"Data ({', '.join(names('data'))}) or a picture ({', '.join(names('picture'))})."


def data_format(name: object) -> DataFormat:
    """The data format of that name; ``ExportError`` for any other."""
    fmt = get(name)
    if not isinstance(fmt, DataFormat):
        raise ExportError(f"'{fmt.name}' is not a data format ({', '.join(names('data'))})")
    return fmt


def picture_format(name: object) -> PictureFormat:
    """The picture format of that name; ``ExportError`` for any other."""
    fmt = get(name)
    if not isinstance(fmt, PictureFormat):
        raise ExportError(f"'{fmt.name}' is not a picture format ({', '.join(names('picture'))})")
    return fmt


def past_most(count: int, most: int | None) -> None:
    """``ExportError`` when a view of ``count`` events holds more than a download may (``most``; None: no limit)."""
    if most is not None and count > most:
        raise ExportError(
            f"this view has {count:,} events, more than a download may hold ({most:,}): narrow "
            "the view, or use `timeline export --view` with its address"
        )


def data_export(
    collection: Collection, view: View, fmt: str, warn: Warn | None = None, *, most: int | None = None
) -> str | bytes:
    """The events of a view in a data format (text; bytes for a binary document such as Word); ``warn`` hears of
    events left out. With ``most``, a view of more events than that is refused (``ExportError``) before anything is
    made."""
    chosen = data_format(fmt)
    events = apply(collection.events, view)
    past_most(len(events), most)
    if chosen.describe is not None:
        return chosen.describe(events, view, collection.settings) + "\n"
    if chosen.document is not None:
        return chosen.document(events, view, collection.settings)
    if chosen.make is None:
        raise ExportError(f"'{chosen.name}' declares nothing to make its files with")
    return chosen.make(events, collection.settings, warn)


def render_picture(figure: go.Figure, fmt: str, scale: float = 1.0, about: About | None = None) -> bytes:
    """One picture as bytes, for a download: a browser-drawn format through the process's shared browser (at most
    RENDERS_AT_ONCE at a time, sizes capped: ``pictures.in_browser``) and finished with its words, others by
    their own function."""
    chosen = picture_format(fmt)
    if chosen.make is not None:
        return chosen.make(figure, about)
    return chosen.finish(in_browser(figure, fmt, scale), about)


@dataclass
class Picture:
    """One picture to write."""

    figure: go.Figure
    path: Path
    format: str
    scale: float = 1.0
    about: About | None = None  # its words: the alt text written beside it, a PDF's metadata


def alt_path(path: Path) -> Path:
    """Where a picture's alt text goes: NAME.alt.txt beside NAME.EXT."""
    return path.with_name(path.stem + ALT_SUFFIX)


def targets(pictures: list[Picture]) -> list[Path]:
    """The files writing these pictures makes: each picture's, and its alt text beside it (not for stdout)."""
    paths = []
    for picture in pictures:
        if not is_stdout(picture.path):
            paths.append(picture.path)
            if picture.about is not None:
                paths.append(alt_path(picture.path))
    return paths


def write_pictures(
    pictures: Iterable[Picture], events: Path | None = None, *, written: Callable[[Picture], None] | None = None
) -> None:
    """Write pictures (a path of '-' is stdout) in order, each as soon as it is drawn, and tell ``written`` of it.

    ``pictures`` may be made one at a time (a generator): the next figure is built while the browser draws the ones
    before it, BATCH_HELD held at once. Every browser-drawn picture of the batch is drawn by one browser
    (``pictures.Drawing``), BATCH_TABS at a time. Each picture's targets are checked before it is drawn
    (``records.check_target`` raises ``UnsafeTarget``, and so does ``records.check_not_source`` for a file the
    ``events`` are read from), and so is its size (``ExportError`` for more pixels than the browser can draw). A
    drawing that failed is an ``ExportError``, not a file; each file is written whole by ``records.write_atomic``.
    When a picture fails, the pictures before it are written and none after it: the first not told to ``written``
    is the one that failed.
    """
    pending: deque[tuple[Picture, PictureFormat, Drawn | None]] = deque()

    def write_first() -> None:
        picture, fmt, drawn = pending.popleft()
        _write(picture, _made(picture, fmt, drawn))
        if written is not None:
            written(picture)

    def ready() -> bool:  # the first picture waiting can be written now, or must be: enough are waiting
        drawn = pending[0][2] if pending else None
        return bool(pending) and (drawn is None or drawn.done() or len(pending) >= BATCH_HELD)

    with Drawing() as drawing:
        made = iter(pictures)
        while True:
            try:
                picture = next(made, None)  # a generator builds the next figure here, while the browser draws
                if picture is None:
                    break
                fmt = _checked(picture, events)
            except Exception:
                while pending:  # the pictures before the one that could not be made are written, then its error
                    write_first()
                raise
            pending.append(
                (picture, fmt, drawing.draw(picture.figure, fmt.name, picture.scale) if fmt.browser else None)
            )
            while ready():
                write_first()
        while pending:
            write_first()


def _made(picture: Picture, fmt: PictureFormat, drawn: Drawn | None) -> bytes:
    """A picture's file: as the browser drew it, finished with its words, or made by its format's own function."""
    if drawn is not None:
        return fmt.finish(drawn.result(), picture.about)
    if fmt.make is None:
        raise ExportError(f"'{fmt.name}' declares nothing to make its pictures with")
    return fmt.make(picture.figure, picture.about)


def _checked(picture: Picture, events: Path | None) -> PictureFormat:
    """The picture's format, once its files may be written and the browser can draw its size."""
    fmt = picture_format(picture.format)
    for path in targets([picture]):
        check_target(path)
        if events is not None:
            check_not_source(path, events)
    layout = picture.figure.layout
    why = fmt.browser and too_many_pixels(layout.width or 700, layout.height or 500, picture.scale, fmt.name)
    if why:
        raise ExportError(why)
    return fmt


def _write(picture: Picture, data: bytes) -> None:
    """A picture's file, and its alt text beside it (not for stdout)."""
    write_output(picture.path, data)
    if picture.about is not None and not is_stdout(picture.path):
        write_output(alt_path(picture.path), (picture.about.alt + "\n").encode("utf-8"))

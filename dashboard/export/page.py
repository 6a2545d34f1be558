"""The figure of a picture: the app's timeline for the same View, laid out on a page of an exact size, with the
furniture a newsroom prints around a chart: title, description, a subtitle stating what is shown (the range on
the axis, the filters, the events drawn), the legend, notes, the sources (linked), the byline and an "as of" date.

A page of a fixed size (slide, square, story, page) fits the rows into it, spacing them out to fill the room;
when they cannot fit, ``TooTall`` says so and suggests ``--size tall``, whose height grows with the rows.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from dashboard.export.chronology import credit, references
from dashboard.export.errors import ExportError
from dashboard.figure import THEMES, append_annotations, esc, timeline_figure
from dashboard.figure.caption import alt_text, subtitle
from dashboard.markdown import safe_href
from dashboard.model import CollectionSettings
from dashboard.table import Collection
from dashboard.view import View, apply

# Landscape paper: the CSS pixels a page is laid out in, and its PDF page in points. At 96 dpi (Chromium prints a
# CSS pixel as 3/4 pt) an A4 page would be 1123×794 px, too short for a day's rows at the screen's 12 px text: it
# is laid out at 1280 px wide instead, and the PDF scaled onto the paper (text 12 px = 7.9 pt, as print charts).
PAGE_PX = 1280
PAPERS = {
    "a4": ((PAGE_PX, round(PAGE_PX * 595 / 842)), (842.0, 595.0)),
    "letter": ((PAGE_PX, round(PAGE_PX * 612 / 792)), (792.0, 612.0)),
}
PAD_PX = 20  # the page's inner margin, left of the title and the footer
TITLE_FONT, TEXT_FONT, FOOT_FONT = 22, 15, 12
LINE = 1.4  # a line's height, in font sizes
LEGEND_ROW_PX = 24
SOURCES_LEAD = "Sources: "
FOOT_TITLE_CHARS = 50  # of a source's title in the footer (the chronology has it whole)
SOURCE_LINES_GROWING = 6  # lines of sources, at most, on a page that grows with its rows (--size tall)
SOURCE_LINES_FIXED = 4  # lines of sources, at most, on a page of a fixed size, where the rows leave room
STRETCH_MAX = 3.0  # rows are spaced out to fill a fixed page, up to this many times their natural pitch


@dataclass(frozen=True)
class PageSize:
    """The size of a picture in CSS pixels (a height of None grows with the rows), the scale it is rendered at,
    and the size of a PDF page in points when it must be exact (a paper size)."""

    width: int = 1600
    height: int | None = 900
    scale: float = 1.0
    points: tuple[float, float] | None = None


SIZES: dict[str, PageSize] = {
    "slide": PageSize(1600, 900),  # 16:9
    "tall": PageSize(1600, None),  # a slide's width, as tall as the rows need
    "square": PageSize(1080, 1080),  # social posts
    # 9:16 stories, 1080×1920 px: laid out at 720×1280 and drawn at 1.5×, so that text read on a phone is not tiny
    "story": PageSize(720, 1280, 1.5),
    "page": PageSize(*PAPERS["a4"][0], 2.0, PAPERS["a4"][1]),  # A4 landscape, printed at twice the density
}
# The timeline of an HTML story page, when no size is asked for: as tall as its rows, and as wide as the page's
# column (1,248 px in a window of 1,280 or more), which it then fills without scrolling sideways.
STORY_PAGE = PageSize(1200, None)
SIZE_HELP = (
    "slide: 1600×900; tall: 1600 wide, as tall as the rows need; square: 1080×1080; story: 1080×1920; "
    "page: A4 landscape (842×595 pt as PDF; --paper letter for US Letter)."
)


def page_size(name: str, paper: str = "a4") -> PageSize:
    """A named size; ``page`` on the paper asked for."""
    if name == "page":
        (width, height), points = PAPERS[paper]
        return replace(SIZES["page"], width=width, height=height, points=points)
    return SIZES[name]


class TooTall(ExportError):
    """The rows of a view do not fit a picture of a fixed height."""


@dataclass(frozen=True)
class Furniture:
    """Words given for one export (the command's --title, --subtitle, --notes, --byline), over the collection's."""

    title: str | None = None
    subtitle: str | None = None  # the line under the title: the collection's description unless given
    notes: str | None = None
    byline: str | None = None

    def over(self, settings: CollectionSettings) -> CollectionSettings:
        """The collection's settings with these words laid over them."""
        given = {
            "title": self.title,
            "description": self.subtitle,
            "notes": self.notes,
            "byline": self.byline,
        }
        return settings.model_copy(update={key: value for key, value in given.items() if value is not None})


@dataclass(frozen=True)
class About:
    """What a picture says beside its pixels: its title, its subtitle, its alt text, the exact page of a PDF, and
    the collection and view it shows (for a format that draws the view again, such as the HTML story page)."""

    title: str
    subtitle: str
    alt: str
    points: tuple[float, float] | None = None
    collection: Collection | None = None
    view: View | None = None
    size: PageSize = PageSize()
    furniture: Furniture = Furniture()


def about(collection: Collection, view: View, size: PageSize = PageSize(), furniture: Furniture = Furniture()) -> About:
    """The words of the picture of a view."""
    settings = furniture.over(collection.settings)
    events = apply(collection.events, view)
    return About(
        title=settings.title,
        subtitle=subtitle(events, view, settings),
        alt=alt_text(events, view, settings),
        points=size.points,
        collection=collection,
        view=view,
        size=size,
        furniture=furniture,
    )


def _source_parts(events: pd.DataFrame, links: bool, title_chars: int = FOOT_TITLE_CHARS) -> list[tuple[str, str]]:
    """Each source of the events shown, numbered as the chronology numbers them, as (plain text, the text for plotly:
    escaped, and linked when it has a safe address): '1 DW, “Report on…”, 16 Feb 2022' (no title with
    ``title_chars`` 0)."""
    parts = []
    for ref in references(events).listed:
        words = credit(ref, title_chars)
        shown = esc(words)
        href = safe_href(ref.source.get("url")) if links else None
        if href:
            shown = f'<a href="{html.escape(href, quote=True)}">{shown}</a>'
        parts.append((f"{ref.number} {words}", f"<b>{ref.number}</b> {shown}"))
    return parts


def sources_line(events: pd.DataFrame) -> str:
    """'Sources: 1 DW, “Report on…”, 16 Feb 2022; 2 Reuters, …' for the events shown."""
    parts = [plain for plain, _ in _source_parts(events, links=False)]
    return "Sources: " + "; ".join(parts) if parts else ""


def _wrap(text: str, px: float, font: int) -> list[str]:
    """Plain text in lines of about ``px`` wide at a font size (escaped for plotly)."""
    chars = max(int(px / (font * 0.55)), 20)
    return [esc(line) for paragraph in text.splitlines() for line in textwrap.wrap(paragraph, chars)]


def _wrap_parts(parts: list[tuple[str, str]], lead: str, px: float, font: int) -> list[str]:
    """Credits joined by '; ' into lines of about ``px`` wide, each part kept whole with its link."""
    chars = max(int(px / (font * 0.55)), 20)
    lines: list[str] = []
    plain_len, current = len(lead), esc(lead)
    for index, (plain, shown) in enumerate(parts):
        tail = ";" if index < len(parts) - 1 else ""
        if plain_len + len(plain) + 2 > chars and plain_len > len(lead):
            lines.append(current)
            plain_len, current = 0, ""
        current += ("" if not current or current.endswith(" ") else " ") + shown + tail
        plain_len += len(plain) + 2
    if current:
        lines.append(current)
    return lines


def _source_lines(events: pd.DataFrame, px: float, most: int) -> list[str]:
    """The numbered sources in at most ``most`` lines: with their titles shortened when they fit, else publisher and
    date alone, else as many as fit and 'and K more (full list in the chronology)'."""
    parts = _source_parts(events, links=True, title_chars=FOOT_TITLE_CHARS)
    if not parts:
        return []  # no event in view cites a source: no "Sources:" line at all
    lines = _wrap_parts(parts, SOURCES_LEAD, px, FOOT_FONT)
    if len(lines) <= most:
        return lines
    parts = _source_parts(events, links=True, title_chars=0)
    shown = len(parts)
    lines = _wrap_parts(parts, SOURCES_LEAD, px, FOOT_FONT)
    while len(lines) > most and shown > 0:
        shown -= 1
        more = (
            f"and {len(parts) - shown} more (full list in the chronology)"
            if shown
            else (f"{len(parts)}, listed in the chronology")
        )
        lines = _wrap_parts([*parts[:shown], (more, esc(more))], SOURCES_LEAD, px, FOOT_FONT)
    return lines


def _footer_lines(events: pd.DataFrame, settings: CollectionSettings, px: float, room: int | None) -> list[str]:
    """The footer's lines: notes, the numbered sources (linked), the byline and the "as of" date. On a page of a fixed
    height the sources take up to half the ``room`` (in px) the rows leave; a page that grows lists up to
    SOURCE_LINES_GROWING lines."""
    notes = _wrap(f"Note: {settings.notes}", px, FOOT_FONT) if settings.notes else []
    credit_words = [f"Graphic: {settings.byline}"] if settings.byline else []
    if settings.as_of:
        credit_words.append(f"Data as of {settings.as_of:%-d %b %Y}")
    credit_line = [esc(" · ".join(credit_words))] if credit_words else []
    most = SOURCE_LINES_GROWING
    if room is not None:  # half of what the rows leave, so that they are still spaced out to fill the page
        spare = room - _px(len(notes) + len(credit_line), FOOT_FONT)
        most = max(1, min(int(spare / 2 / _px(1, FOOT_FONT)), SOURCE_LINES_FIXED))
    return [*notes, *_source_lines(events, px, most), *credit_line]


def _legend_rows(fig: go.Figure, px: float) -> int:
    """How many rows the legend takes across ``px``: plotly puts an entry of a 40 px sample and its name per
    group."""
    names = dict.fromkeys(trace.name for trace in fig.data if trace.showlegend is not False and trace.name)
    rows, used = 1 if names else 0, 0.0
    for name in names:
        width = 46 + len(name) * 7.2
        if used and used + width > px:
            rows, used = rows + 1, 0.0
        used += width
    return rows


def _px(lines: int, font: int) -> int:
    return round(lines * font * LINE)


def export_figure(
    collection: Collection, view: View, size: PageSize = PageSize(), furniture: Furniture = Furniture()
) -> go.Figure:
    """The picture of a view: the timeline laid out on a page of ``size``, with its furniture.

    ``TooTall`` when the page has a fixed height and the rows need more (``--size tall`` grows with them).
    """
    settings = furniture.over(collection.settings)
    events = apply(collection.events, view)
    fig = timeline_figure(events, view, settings, width=size.width, export=True)
    theme = THEMES[view.theme]
    margin = fig.layout.margin
    plot_w = size.width - int(margin.l) - int(margin.r)
    text_w = size.width - 2 * PAD_PX
    axis_px = int(margin.b)  # the date axis below the rows, taller in sequence mode
    natural = int(fig.layout.height) - int(margin.t) - axis_px  # the rows as the figure lays them out
    title_lines = _wrap(settings.title, text_w, TITLE_FONT) or [""]
    caption = subtitle(events, view, settings)
    sub_lines = [*_wrap(settings.description, text_w, TEXT_FONT), esc(caption)]
    header = (
        PAD_PX
        + _px(len(title_lines), TITLE_FONT)
        + _px(len(sub_lines), TEXT_FONT)
        + 8
        + _legend_rows(fig, plot_w) * LEGEND_ROW_PX
    )
    room = None if size.height is None else size.height - header - natural - axis_px - PAD_PX
    foot_lines = _footer_lines(events, settings, text_w, room)
    footer = _px(len(foot_lines), FOOT_FONT) + PAD_PX
    height = size.height or header + natural + axis_px + footer
    room = height - header - axis_px - footer
    if natural > room:
        need = header + natural + axis_px + footer
        raise TooTall(  # in the picture's own pixels, as the sizes' help states them (a story is 1080×1920)
            f"the {len(events):,} events of this view need {need * size.scale:,.0f} px of height and the "
            f"{size.width * size.scale:,.0f} px wide picture has {height * size.scale:,.0f}: use --size tall "
            "(the height grows to fit), a larger --height, or narrow the view"
        )
    plot_px = min(room, round(natural * STRETCH_MAX))
    gap = (room - plot_px) / 2 / room  # rows that cannot fill the page sit in its middle
    domain = [gap, 1 - gap]
    fig.update_yaxes(domain=domain)
    fig.update_layout(
        width=size.width,
        height=height,
        margin={"t": header, "b": axis_px + footer},
        title={
            "text": "<br>".join(f"<b>{line}</b>" for line in title_lines),
            "subtitle": {"text": "<br>".join(sub_lines), "font": {"size": TEXT_FONT, "color": theme.muted}},
            "x": PAD_PX / size.width,
            "xanchor": "left",
            "xref": "container",
            "y": 1 - PAD_PX / height,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": TITLE_FONT},
        },
        legend={"y": domain[1], "yanchor": "bottom", "x": 0, "xanchor": "left"},
    )
    if foot_lines:
        foot = {
            "text": "<br>".join(foot_lines),
            "showarrow": False,
            "xref": "paper",
            "yref": "paper",
            "x": -(int(margin.l) - PAD_PX) / plot_w,
            "y": domain[0],
            "xanchor": "left",
            "yanchor": "top",
            "yshift": -axis_px,
            "font": {"size": FOOT_FONT, "color": theme.muted},
            "align": "left",
        }
        append_annotations(fig, [foot])
    return fig


def min_height(fig: go.Figure) -> int:
    """The height a picture's figure was laid out at: less would crowd its rows."""
    return int(fig.layout.height or 0)

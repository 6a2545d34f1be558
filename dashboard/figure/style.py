"""How the figures look and name things: fonts, sizes, themes, category colours and names, and text made safe
for plotly (escaped, clipped, its bidi controls closed)."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dashboard.model import CollectionSettings

if TYPE_CHECKING:
    import plotly.graph_objects as go

FONT = "Inter, 'Segoe UI', 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"
FONT_SIZE = 12
LABEL_CHARS = 42
ROW_PX = 26
LINE_PX = 16  # one line of 12 px text as plotly sets it (1.3 em), rounded up
MARGIN = {"l": 150, "r": 24, "t": 16, "b": 40}
PALETTE = ["#2b6cb0", "#c53030", "#2f855a", "#b7791f", "#6b46c1", "#0f766e", "#b83280", "#4a5568"]
NAME_CHARS = 48  # an actor, place, tag or category name in a hover label or a filter menu
LEGEND_CHARS = 120  # a category's name in the legend, which has a line's room (the loader's longest name)
TITLE_CHARS = 160  # a title in a hover label


@dataclass(frozen=True)
class Theme:
    """Colours of one theme."""

    name: str
    paper: str
    plot: str
    text: str
    muted: str
    grid: str
    band: str
    template: str


THEMES = {
    "light": Theme("light", "#ffffff", "#ffffff", "#1a202c", "#5a6472", "#e5e7eb", "#f5f7fa", "none"),
    "dark": Theme("dark", "#15181d", "#15181d", "#e6e8eb", "#9aa3ae", "#2d333b", "#1c2027", "none"),
}
# No plotly template: every colour is set here, and a template would add ~10 kB and a deep copy per figure.


# Bidi embeddings and overrides (closed by PDF, U+202C) and isolates (closed by PDI, U+2069).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_PDF, _PDI = "\u202c", "\u2069"


def balance_bidi(text: str) -> str:
    """Text whose bidi controls are all closed within it: a lone right-to-left override in a name would reverse
    the text after it (the rest of a hover label, the next name in a list). Stray closers are dropped."""
    if not _BIDI.search(text):
        return text
    out: list[str] = []
    open_: list[str] = []  # the closer each opened control waits for
    for char in text:
        if char == _PDF:
            if open_ and open_[-1] == _PDF:
                open_.pop()
                out.append(char)
        elif char == _PDI:
            if _PDI in open_:  # an isolate's closer also closes the embeddings opened inside it
                while open_.pop() != _PDI:
                    out.append(_PDF)
                out.append(char)
        elif _BIDI.match(char):
            open_.append(_PDI if char >= "\u2066" else _PDF)
            out.append(char)
        else:
            out.append(char)
    return "".join(out) + "".join(reversed(open_))


def esc(text: object) -> str:
    """Text for plotly, which reads a little HTML (<b>, <a>) in labels and hover text: escaped, with its bidi
    controls closed."""
    return html.escape(balance_bidi(str(text)), quote=False)


def clip(text: str, limit: int = LABEL_CHARS) -> str:
    """Shorten a label to ``limit`` characters, ending with an ellipsis (bidi controls it cut off are closed)."""
    return text if len(text) <= limit else balance_bidi(text[: limit - 1].rstrip()) + "…"


# Advance widths (thousandths of an em) of printable ASCII in Helvetica, whose metrics Arial and Liberation Sans
# share; measured in Chromium they match these to 1 %. TEXT_SLACK makes room for the wider faces of the font list
# (Inter, Segoe UI), so that an estimate never falls short of the drawn text.
_ASCII_EM = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 278 "
    "584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 "
    "944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 "
    "500 278 556 500 722 500 500 500 334 260 334 584"
)
_EM: dict[str, int] = {chr(32 + i): int(w) for i, w in enumerate(_ASCII_EM.split())}
_EM.update({"—": 1000, "–": 556, "“": 333, "”": 333, "‘": 222, "’": 222, "…": 1000, "€": 556, "£": 556, "·": 278})
TEXT_SLACK = 1.08


def _char_em(char: str) -> int:
    """A character's advance: its own, its base letter's (é as e), a full em for wide scripts, else a broad guess."""
    known = _EM.get(char)
    if known is not None:
        return known
    base = unicodedata.normalize("NFD", char)[:1]
    if base in _EM:
        width = _EM[base]
    elif unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn"):
        width = 0  # bidi controls and combining marks take no room
    else:
        width = 1000 if unicodedata.east_asian_width(char) in "WF" else 640
    _EM[char] = width
    return width


def text_px(text: str, size: float = FONT_SIZE) -> float:
    """The estimated width of one line of text in the figures' font, in px (a little generous, never short)."""
    return sum(_char_em(char) for char in text) * size * TEXT_SLACK / 1000


@lru_cache(maxsize=4096)
def _measured(text: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The words of a text and their widths in px (a title is measured once, however often it is wrapped)."""
    words = tuple(text.split())
    return words, tuple(text_px(word) for word in words)


_SPACE_PX = text_px(" ")


def _breaks(widths: tuple[float, ...], width: float, lines: int) -> list[int] | None:
    """Where lines start when words of these widths are laid greedily into lines of ``width`` px, or None when
    they need more than ``lines`` lines or a word is wider than ``width``."""
    starts = [0]
    current = -_SPACE_PX
    for index, word in enumerate(widths):
        if word > width:
            return None
        if current + _SPACE_PX + word <= width:
            current += _SPACE_PX + word
            continue
        if len(starts) >= lines:
            return None
        starts.append(index)
        current = word
    return starts


def _lines(words: tuple[str, ...], starts: list[int]) -> list[str]:
    return [" ".join(words[a:b]) for a, b in zip(starts, [*starts[1:], len(words)], strict=True)]


def wrap(text: str, width: float, lines: int) -> list[str] | None:
    """The words of ``text`` laid greedily into lines no wider than ``width`` px, or None when they need more than
    ``lines`` lines (or a word is wider than ``width``)."""
    words, widths = _measured(text)
    starts = _breaks(widths, width, lines)
    return None if starts is None else _lines(words, starts) if words else []


def fit_text(text: str, width: float, lines: int) -> list[str]:
    """``text`` in as few lines as fit ``width`` px (up to ``lines``), each line about as long as the others; when
    it cannot fit, shortened at a word boundary with an ellipsis (a lone word too wide is cut where it must)."""
    words, widths = _measured(text)
    if not words:
        return []
    for count in range(1, lines + 1):
        if _breaks(widths, width, count) is None:
            continue
        # The narrowest width that still takes ``count`` lines: balanced lines, no long line over a short one.
        low, high = max(widths), width
        while high - low > 2:
            middle = (low + high) / 2
            low, high = (low, middle) if _breaks(widths, middle, count) is not None else (middle, high)
        return _lines(words, _breaks(widths, high, count) or [0])
    return _shortened(list(words), width, lines)


def _shortened(words: list[str], width: float, lines: int) -> list[str]:
    """As many whole words as fit ``lines`` lines of ``width`` px, then an ellipsis."""
    kept: list[str] = []
    for word in words:
        if wrap(" ".join([*kept, word]) + "…", width, lines) is None:
            break
        kept.append(word)
    if not kept:  # not even the first word fits: cut it
        first = words[0]
        while first and text_px(first + "…") > width:
            first = first[:-1]
        return [first + "…"]
    return wrap(" ".join(kept) + "…", width, lines) or [" ".join(kept) + "…"]


def shown_name(text: object, limit: int = NAME_CHARS) -> str:
    """A name (actor, place, tag, category) for a figure: clipped and escaped."""
    return esc(clip(str(text), limit))


def category_colors(settings: CollectionSettings, categories: list[str]) -> dict[str, str]:
    """A colour for every category: the collection's own, then a fixed palette in name order."""
    colors = {key: cat.color for key, cat in settings.categories.items()}
    spare = iter(PALETTE[len(colors) % len(PALETTE) :] + PALETTE)
    for name in sorted(set(categories) - set(colors)):
        colors[name] = next(spare, "#6b7280")
    return colors


def category_order(settings: CollectionSettings) -> Any:
    """Sort key: the collection's category order first, then the others by name."""
    order = list(settings.categories)
    return lambda key: (order.index(key) if key in order else len(order), key)


def halo_shadow(theme: Theme) -> str:
    """A text shadow in the background colour, so labels stay legible over bars and link lines."""
    c = theme.paper
    return f"1px 1px 1px {c}, -1px -1px 1px {c}, 1px -1px 1px {c}, -1px 1px 1px {c}, 0 0 3px {c}"


def page_frame(theme: Theme, width: int, height: int, export: bool) -> dict[str, Any]:
    """What the timeline and the density view share of their layout: theme, font and size (a fixed width for a
    picture; the page's own width on screen)."""
    return {
        "template": theme.template,
        "paper_bgcolor": theme.paper,
        "plot_bgcolor": theme.plot,
        "font": {"family": FONT, "size": FONT_SIZE, "color": theme.text},
        "width": width if export else None,
        "height": height,
        "autosize": not export,
    }


@dataclass(frozen=True)
class StatusLook:
    """How an event's status is drawn: its mark's fill (solid, tinted or none) and what the mark's symbol adds."""

    fill: str  # "solid", "tint", "faint" (a paler tint) or "none" (an open symbol)
    suffix: str  # added to the mark's symbol ('diamond' + '-cross-open': crossed)
    symbol: str = ""  # a symbol of its own instead, whatever the mark's shape ('x-thin-open': struck out)
    opacity: float = 1.0  # of the whole mark or bar, outline too


# More ink, more certainty: confirmed solid, reported tinted, claimed outlined, disputed crossed, denied struck
# out (an X), expected an outline with a dot (a place held for what has not happened yet); a draft, which no
# person has reviewed yet, faint all over (a pale fill and a half-inked outline).
STATUS_LOOKS: dict[str, StatusLook] = {
    "confirmed": StatusLook("solid", ""),
    "reported": StatusLook("tint", ""),
    "claimed": StatusLook("none", "-open"),
    "disputed": StatusLook("none", "-cross-open"),
    "denied": StatusLook("none", "", "x-thin-open"),
    "expected": StatusLook("none", "-open-dot"),
    "draft": StatusLook("faint", "", opacity=0.5),
}
TINT_ALPHA = 0.45
FAINT_ALPHA = 0.15


def status_mark(status: str, base: str, color: str) -> dict[str, str]:
    """A mark's symbol and fill colour for an event of this status (``base``: 'diamond' or 'square')."""
    look = STATUS_LOOKS.get(status, STATUS_LOOKS["reported"])
    # An '-open' symbol is drawn in the marker's colour with no fill: its colour stays the category's.
    fill = {"tint": tint(color, TINT_ALPHA), "faint": tint(color, FAINT_ALPHA)}.get(look.fill, color)
    return {"symbol": look.symbol or base + look.suffix, "color": fill}


def status_fill(status: str, color: str) -> str:
    """A bar's fill for an event of this status: solid, tinted, or none (an outline)."""
    look = STATUS_LOOKS.get(status, STATUS_LOOKS["reported"])
    return {"solid": color, "tint": tint(color, TINT_ALPHA), "faint": tint(color, FAINT_ALPHA)}.get(
        look.fill, "rgba(0,0,0,0)"
    )


def status_opacity(status: str) -> float:
    """How much of a mark or bar of this status is inked (a draft's half)."""
    return STATUS_LOOKS.get(status, STATUS_LOOKS["reported"]).opacity


def tint(color: str, alpha: float) -> str:
    """A '#rrggbb' colour at this opacity, as rgba()."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha:g})"


def append_annotations(fig: go.Figure, annotations: list[dict[str, Any]]) -> None:
    """Annotations added after others, in one assignment: plotly's ``update_layout`` and ``add_annotation`` go
    over every annotation already there again, a second for a hundred labels."""
    if annotations:
        fig.layout.annotations = (*fig.layout.annotations, *annotations)

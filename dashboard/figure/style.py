"""How the figures look and name things: fonts, sizes, themes, category colours and names, and text made safe
for plotly (escaped, clipped, its bidi controls closed)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from dashboard.model import CollectionSettings

FONT = "Inter, 'Segoe UI', 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"
FONT_SIZE = 12
CHAR_PX = 6.9  # average advance of a 12 px sans-serif character, a little generous so labels never touch
LABEL_CHARS = 42
ROW_PX = 26
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


def category_label(settings: CollectionSettings, key: str) -> str:
    """The readable name of a category."""
    cat = settings.categories.get(key)
    return cat.label if cat and cat.label else key.replace("-", " ").capitalize()


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

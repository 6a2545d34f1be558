"""(events, view) -> plotly figures: the timeline and the map. Pure functions shared by the app and the export.

Readability comes from packing: each title is wrapped (up to three lines) and put beside its mark, after its bar
or above it, and in each lane events are laid into rows, as tall as their labels, so that no mark, bar or label
overlaps another at the figure's width. The packing estimates text widths from the font's metrics (a little
generously), so what the app shows and what the export prints are laid out alike, without a browser.

The modules: ``style`` (fonts, text widths and wrapping, themes, colours, names made safe), ``packing``
(positions, label places and rows), ``links`` (where connectors run), ``timeline``, ``fades`` (open and uncertain
dates fading out), ``density`` (many events),
``map``, ``selection`` (the ring around the selected event). The names others use are gathered here.
"""

from dashboard.figure.density import bucket_ns, density_figure
from dashboard.figure.map import MAP_DETAIL_LIMIT, PLACE_PREFIX, map_figure, places_table, spread
from dashboard.figure.packing import Item, off_axis, outside, pack, x_range
from dashboard.figure.selection import RING, add_rings, reselect, without_rings
from dashboard.figure.style import (
    ROW_PX,
    THEMES,
    Theme,
    append_annotations,
    balance_bidi,
    category_colors,
    clip,
    esc,
    shown_name,
)
from dashboard.figure.timeline import DETAIL_LIMIT, LABEL_LIMIT, timeline_figure

__all__ = [
    "append_annotations",
    "DETAIL_LIMIT",
    "LABEL_LIMIT",
    "MAP_DETAIL_LIMIT",
    "PLACE_PREFIX",
    "ROW_PX",
    "THEMES",
    "Item",
    "Theme",
    "balance_bidi",
    "bucket_ns",
    "category_colors",
    "clip",
    "density_figure",
    "esc",
    "map_figure",
    "pack",
    "places_table",
    "RING",
    "reselect",
    "add_rings",
    "without_rings",
    "shown_name",
    "spread",
    "timeline_figure",
    "x_range",
    "off_axis",
    "outside",
]

"""What a small screen and assistive technology are told about a view: how many filters are on (the phone's
"Filters (N)" button), and the words that stand for the timeline and the map, which are pictures to a screen
reader."""

from __future__ import annotations

from dashboard.crowd import Events
from dashboard.figure.caption import alt_text
from dashboard.model import CollectionSettings
from dashboard.view import FACETS, View


def active_filters(view: View) -> int:
    """How many filters narrow the view: the search, each facet with names chosen, the corroboration and the date
    range (one)."""
    facets = sum(bool(view.chosen(facet)) for facet in FACETS)
    return int(view.q != "") + facets + int(view.corroborated > 0) + int(bool(view.start or view.end))


def filters_label(view: View) -> str:
    """The phone's button that opens the filters, with the number of filters on."""
    return f"Filters ({active_filters(view)})"


def graph_labels(visible: Events, view: View, settings: CollectionSettings) -> dict[str, str]:
    """The accessible names of the timeline and the map (their ``aria-label``), by output name."""
    description = alt_text(visible, view, settings)  # the words an exported picture carries as its alt text
    return {"timeline_label": description, "map_label": f"Map of where these events took place. {description}"}

"""Every component id of the app, in one place, so layout, callbacks, the page's script and browser tests agree.

The page's script (assets/app.js) reads the plain ids from ``window.TIMELINE_IDS``, which ``script`` writes into
the page, so a renamed id cannot leave the script behind.
"""

from __future__ import annotations

import json

from dashboard.view import FACETS

URL = "url"
TITLE = "collection-title"
BANNER = "problems-banner"
SEARCH = "filter-search"
FILTER = {facet.key: f"filter-{facet.key}" for facet in FACETS}  # each facet's control, by the facet's key
DATES = "filter-dates"  # the first day or moment shown, typed ("14 Feb 2022")
DATES_TO = "filter-dates-to"  # the last day, or the moment the range stops at
LANES = "lanes"
MODE = "mode"
CORROBORATED = "filter-corroborated"  # only events reported by at least N independent publishers
LAG = "reporting-lag"  # draw the reporting lags
THEME = "theme-toggle"
ZONE = "display-zone"  # the zone times are shown in: UTC, each event's own, or the reader's (named by the page)
CLEAR = "clear-filters"
COUNT = "event-count"
RANGE_BUTTON = "range-button"  # pattern: {"type": RANGE_BUTTON, "span": "day" | "week" | "month" | "all"}
TIMELINE = "timeline"
MAP = "map"
DETAIL = "detail-card"
LIST = "card-list"
LIST_NOTE = "list-note"  # which of the events in view the list shows, when it cannot show them all
LIST_ITEM = "list-item"  # pattern: {"type": LIST_ITEM, "id": event id}
KEYS = "key-store"
ROOT = "app-root"
EMPTY = "empty-result"
DOWNLOAD = "download"
DOWNLOAD_BUTTON = "download-button"  # pattern: {"type": DOWNLOAD_BUTTON, "format": one of DOWNLOAD_FORMATS}
VIEWPORT = "viewport-store"
DOWNLOAD_STATUS = "download-status"
SCREEN = "screen-store"  # what the figures on screen show, to send only a patch when just the selection changes
ZOOM = "zoom-store"  # the timeline's zooms and pans, without its resize noise
HELD = "held-store"  # digests of the parts of the page as last sent, so that unchanged ones are not sent again
CARDS = "cards-store"  # the cards of the events in view, so that the page shows a selected one at once
MAP_FIGURE = "map-figure-store"  # the map's figure, handed to the map once the timeline has drawn
PICK = "pick-store"  # a click, a label's click or a key, and the event the page chose and showed for it
NOTICE = "view-notice"  # what the app changed in the view asked for (a far date, a long search), or why it failed
CONTROLS = "controls"  # the filters' section, which a phone folds behind FILTERS_TOGGLE
FILTERS_TOGGLE = "filters-toggle"  # "Filters (N)": opens and closes the filters on a phone
TIMELINE_FRAME = "timeline-frame"  # the timeline as an image to assistive technology, labelled with what it shows
PREVIEW = "timeline-preview"  # the static picture of the timeline in the page's first HTML, until the graph draws
MAP_FRAME = "map-frame"  # the map likewise
# Reviewing drafts (served with --review only): a draft's card's buttons, and what the last one did.
REVIEW_ACCEPT = "review-accept"  # pattern: {"type": REVIEW_ACCEPT, "event": event id}
REVIEW_REJECT = "review-reject"  # pattern: {"type": REVIEW_REJECT, "event": event id}: a confirmation, then delete
REVIEW_EDIT = "review-edit"  # the draft's file, shown to open in an editor
REVIEW_STATUS = "review-status"

_SCRIPT_GLOBAL = "TIMELINE_IDS"  # the name the page's script reads the ids under


def for_script() -> dict[str, str]:
    """The plain ids of this module by their names here (``{"TIMELINE": "timeline", ...}``), for the page's
    script."""
    return {
        name: value
        for name, value in globals().items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
    }


def script() -> str:
    """A ``<script>`` that gives the page's script the ids, as ``window.TIMELINE_IDS``; it must come before it."""
    ids = json.dumps(for_script(), sort_keys=True).replace("</", "<\\/")  # never closes the script element
    return f"<script>window.{_SCRIPT_GLOBAL} = {ids};</script>"


def __getattr__(name: str) -> tuple[str, ...]:
    """``DOWNLOAD_FORMATS``: the Download buttons, and the only formats the download serves, read from the export
    registry (``dashboard.export.formats``) when asked, so that the page and the download offer one list."""
    if name == "DOWNLOAD_FORMATS":
        from dashboard.export.formats import offered

        return offered()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

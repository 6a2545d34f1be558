"""What a picture of the timeline says in words: its subtitle (the range on the axis, the filters, the count of
events drawn) and its alt text (the period, the count, the main lanes and the busiest day). Both read the axis
range from ``packing.x_range``, so the words state what the figure shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dashboard.cells import shared_lists
from dashboard.crowd import Crowd, Events, extent, has_precision
from dashboard.figure.packing import DAY_NS, DRAFT_LANE, lane_keys, ordered_lanes, outside, x_range
from dashboard.figure.style import balance_bidi
from dashboard.model import CollectionSettings, Status
from dashboard.table import C
from dashboard.view import View, describe
from dashboard.wording import counted
from dashboard.zones import OWN, axis_words, zone_words

TIMES_BELOW_NS = 2 * DAY_NS  # an axis shorter than this is stated to the minute, a longer one in whole days
LANES_NAMED = 5  # lanes the alt text names with their counts; the others are counted together


def _day(stamp: pd.Timestamp) -> str:
    return f"{stamp:%-d %b %Y}"


def _days(first: pd.Timestamp, last: pd.Timestamp) -> str:
    """'16 Feb 2022', '13–17 Feb 2022', '28 Feb – 3 Mar 2022', '30 Dec 2021 – 2 Jan 2022'."""
    if first.date() >= last.date():
        return _day(first)
    if first.year != last.year:
        return f"{_day(first)} – {_day(last)}"
    if first.month != last.month:
        return f"{first:%-d %b} – {_day(last)}"
    return f"{first:%-d}–{_day(last)}"


def period(events: Events, view: View) -> str:
    """The range on the figure's date axis, in words: the whole days it spans, or the minutes (UTC) when it spans
    less than two days and does not run midnight to midnight. In sequence mode the axis names the events' own
    days, from the first start to the last end."""
    if view.mode == "sequence":
        if not len(events):
            return ""
        first, after = extent(events)
        last = max(after - pd.Timedelta(days=1), first)
        return _days(first, last)
    lo_ns, hi_ns = x_range(events, view)
    lo, hi = pd.Timestamp(int(lo_ns)), pd.Timestamp(int(hi_ns))
    midnights = lo == lo.normalize() and hi == hi.normalize()
    # Compared in nanoseconds: five centuries of axis are more than a pandas Timedelta holds.
    if hi_ns - lo_ns < TIMES_BELOW_NS and not midnights:
        lo, hi = lo.round("min"), hi.round("min")
        zone = f", {zone_words(view.tz)}" if view.tz == OWN else f" {zone_words(view.tz)}"
        if lo.date() == hi.date():
            return f"{_day(lo)}, {lo:%H:%M}–{hi:%H:%M}{zone}"
        return f"{_day(lo)}, {lo:%H:%M} – {_day(hi)}, {hi:%H:%M}{zone}"
    # The days wholly on the axis: a padded edge shows a sliver of the day before and after, not that day.
    first, after = lo.ceil("D"), hi.floor("D")
    return _days(first, after - pd.Timedelta(days=1))


ZONE_NOTE_CHARS = 16  # a zone's name longer than this goes on a line of its own, under "Times in"


def zone_note(events: Events, view: View, lo: float, hi: float, color: str) -> dict[str, Any] | None:
    """The note that names the zone of the axis's times ('Times in UTC'), under the lane names beside the axis's
    labels: when the view holds times of day or the axis (``lo`` to ``hi``, in ns) shows hours; else None."""
    if view.mode == "sequence" or not (has_precision(events, "minute") or hi - lo < TIMES_BELOW_NS):
        return None
    words = axis_words(view.tz)
    if len(zone_words(view.tz)) > ZONE_NOTE_CHARS:
        words = words.replace("Times in ", "Times in<br>", 1)
    return {
        "text": words,
        "xref": "x domain",  # the plot's corner, however a picture's page places the plot
        "yref": "y domain",
        "x": 0,
        "y": 0,
        "xanchor": "right",
        "yanchor": "top",
        "xshift": -8,
        "yshift": -4,
        "align": "right",
        "showarrow": False,
        "font": {"size": 11, "color": color},
    }


def edge_words(events: Events, view: View) -> str:
    """The events a framing axis leaves off its edges (``packing.framed``), in words: ' (1 earlier, noted at the
    left edge)'; '' when every event is on the axis."""
    if view.mode == "sequence" or view.start or view.end or not len(events):
        return ""
    before, after = outside(events, *x_range(events, view))
    said = [
        f"{count} {word}, noted at the {side} edge"
        for count, word, side in ((before, "earlier", "left"), (after, "later", "right"))
        if count
    ]
    return f" ({'; '.join(said)})" if said else ""


def filters(view: View) -> str:
    """The filters of a view in words ('category: military · search: "tanks"'), without its range."""
    return describe(view.with_(start=None, end=None))


def subtitle(events: Events, view: View, settings: CollectionSettings) -> str:
    """'13–17 Feb 2022 · category: military · 4 events': the range on the axis, the filters, the events drawn.
    ``events`` are the view's events (``view.apply``); the text is plain (escape it for plotly)."""
    del settings  # the same signature as alt_text: a later caption may name the collection's own words
    parts = [period(events, view), filters(view), counted(len(events), "event") + edge_words(events, view)]
    return " · ".join(part for part in parts if part)


def written_subtitle(events: pd.DataFrame, view: View) -> str:
    """'3–17 Feb 2022 · category: military · 4 events': a subtitle for a written chronology, which has no axis: the
    days its events cover (not the axis's, which may leave a far event at its edge), the filters, the count."""
    parts = [
        period(events, view.with_(mode="sequence")),
        filters(view.with_(mode="calendar")),
        counted(len(events), "event"),
    ]
    return " · ".join(part for part in parts if part)


def lane_counts(events: Events, view: View, settings: CollectionSettings) -> list[tuple[str, int]]:
    """Each lane of the figure (top to bottom) with its readable name and the events it holds."""
    # Counted a column at a time: per category, or per distinct list of actors or places (rows share their lists),
    # in order of first appearance, as the lanes of actors and places are ordered.
    seen: dict[str, int] = {}
    if isinstance(events, Crowd):  # in lanes of categories
        drafted, counted = events.category_counts()
        seen.update({DRAFT_LANE: drafted} if drafted else {})
        seen.update(counted)
        return [(settings.category_label(lane), seen[lane]) for lane in ordered_lanes(seen, "category", settings)]
    drafts = (events[C.status] == Status.DRAFT).to_numpy() if C.status in events else np.zeros(0, dtype=bool)
    if drafts.any():  # a draft shows in the drafts' lane alone, whatever the lanes are grouped by
        seen[DRAFT_LANE] = int(drafts.sum())
        events = events[~drafts]
    if view.lanes == "category":
        codes, names = pd.factorize(events[C.category], use_na_sentinel=False)
        seen.update(zip(names.tolist(), np.bincount(codes, minlength=len(names)).tolist(), strict=True))
    else:
        column = C.actors if view.lanes == "actor" else C.places
        codes, cells = shared_lists(events[column])
        for cell, count in zip(cells, np.bincount(codes, minlength=len(cells)).tolist(), strict=True):
            for lane in dict.fromkeys(lane_keys({column: cell}, view.lanes)):  # an event counts once in a lane
                seen[lane] = seen.get(lane, 0) + count
    order = ordered_lanes(seen, view.lanes, settings)
    name = (lambda key: settings.category_label(key)) if view.lanes == "category" else str
    return [(name(lane), seen[lane]) for lane in order]


def busiest_day(events: Events) -> tuple[pd.Timestamp, int] | None:
    """The day on which most events of a day or a moment fall, and how many (the earliest such day on a tie)."""
    if isinstance(events, Crowd):
        return events.busiest(exact=True)
    exact = events[C.precision].isin(["day", "minute"]).to_numpy() & ~events[C.approximate].to_numpy(dtype=bool)
    starts = events[C.start].to_numpy()[exact]  # the one column, not a copy of the rows
    days = starts[~np.isnat(starts)].astype("datetime64[D]")  # whole days, rounded down (before 1970 too)
    if not len(days):
        return None
    distinct, counts = np.unique(days, return_counts=True)  # sorted: the first of the most is the earliest
    top = int(np.argmax(counts))
    return pd.Timestamp(distinct[top]), int(counts[top])


def alt_text(events: Events, view: View, settings: CollectionSettings) -> str:
    """A plain-language description of the picture for readers who cannot see it: what it is, the period on its
    axis, how many events, the main lanes with their counts, and the busiest day."""
    if not len(events):
        return f"Timeline “{balance_bidi(settings.title)}”: no events match this view."
    lanes = lane_counts(events, view, settings)
    noun, nouns = {"category": ("category", "categories"), "actor": ("actor", None), "place": ("place", None)}[
        view.lanes
    ]
    order = ", in time order, evenly spaced" if view.mode == "sequence" else ""
    # Text from files is quoted with its bidi controls closed, so that none reverses the words after it.
    sentences = [
        f"Timeline “{balance_bidi(settings.title)}”: {counted(len(events), 'event')}{edge_words(events, view)}, "
        f"{period(events, view)}{order}."
    ]
    if shown := filters(view.with_(mode="calendar")):
        sentences.append(f"Filtered by {balance_bidi(shown)}.")
    biggest = sorted(lanes, key=lambda lane: -lane[1])[:LANES_NAMED]
    named = ", ".join(f"{balance_bidi(name)} ({count})" for name, count in biggest)
    rest = len(lanes) - len(biggest)
    more = f", and {counted(rest, 'more ' + noun, 'more ' + (nouns or noun + 's'))}" if rest else ""
    sentences.append(f"By {noun}: {named}{more}.")
    if busy := busiest_day(events):
        day, count = busy
        if count > 1:
            sentences.append(f"The busiest day is {_day(day)}, with {counted(count, 'event')}.")
    return " ".join(sentences)

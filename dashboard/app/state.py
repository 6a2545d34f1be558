"""How each user action changes the View: pure functions under the app's one callback.

``next_view`` is the state machine: the component that fired (and what it sent) picks an action, which turns the
View into the next one. The controls are derived from the facets of dashboard.view.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from dashboard.app import ids
from dashboard.crowd import Crowd, Events, extent, position_of, rows_at
from dashboard.dates import DateError, parse_when
from dashboard.figure import PLACE_PREFIX
from dashboard.index import index_for, option_value, visible_events
from dashboard.model import Precision
from dashboard.table import C, Collection
from dashboard.view import FACETS, Control, View
from dashboard.wording import closest, visible
from dashboard.zones import UTC

SPANS = ("day", "week", "month", "all")
STEPS = {"ArrowLeft": -1, "ArrowRight": 1}  # the keys that step through the events, and which way
# The property each kind of filter control holds its chosen names in.
CHOSEN_PROP: dict[Control, str] = {"dropdown": "value"}
# Each control's component and property, by its name in ``from_controls``' dict (a View field, or start/end).
CONTROL_PROPS: dict[str, tuple[str, str]] = {
    "q": (ids.SEARCH, "value"),
    **{facet.key: (ids.FILTER[facet.key], CHOSEN_PROP[facet.control]) for facet in FACETS},
    "start": (ids.DATES, "value"),
    "end": (ids.DATES_TO, "value"),
    "lanes": (ids.LANES, "value"),
    "mode": (ids.MODE, "value"),
    "corroborated": (ids.CORROBORATED, "value"),
    "lag": (ids.LAG, "value"),
    "tz": (ids.ZONE, "value"),
}
CONTROL_COMPONENTS = frozenset(component for component, _ in CONTROL_PROPS.values())


def control_values(view: View) -> dict[str, Any]:
    """What the controls show for a view (a filter menu holds its keys of the names)."""
    return {
        "q": view.q,
        **{facet.key: [option_value(v) for v in view.chosen(facet)] for facet in FACETS},
        "start": bound_text(view.start),
        "end": bound_text(view.end),
        "lanes": view.lanes,
        "mode": view.mode,
        "corroborated": str(view.corroborated),
        "lag": ["lag"] if view.lag else [],
        "tz": view.tz,
    }


def bound_text(bound: dt.date | None) -> str | None:
    """A bound of the range as its date box shows it: '14 Feb 2022', or '14 Feb 2022 06:30' for a moment."""
    if bound is None:
        return None
    return f"{bound:%-d %b %Y %H:%M}" if isinstance(bound, dt.datetime) else f"{bound:%-d %b %Y}"


def typed_bound(
    typed: Any, previous: dt.date | None, last: bool, label: str, order: str | None = None
) -> tuple[dt.date | None, str | None]:
    """A date box's text read as event files are read (dashboard.dates): the first day (or moment) it means, for
    ``last`` the last day (a moment stays a moment). Unreadable text keeps the ``previous`` bound, with a
    message saying so; an empty box clears it."""
    text = " ".join(str(typed or "").split())
    if not text:
        return None, None
    if ISO_TYPED.fullmatch(text):  # as the address writes it: the View clamps a far one, as it does the address's
        with contextlib.suppress(ValueError):  # an impossible one (hour 25) is said below, as any unreadable date
            return dt.datetime.fromisoformat(text) if len(text) > 10 else dt.date.fromisoformat(text), None
    try:
        when = parse_when(text[:MAX_TYPED], order=order, typed=True)
    except DateError as error:
        kept = f"it still shows {bound_text(previous)}" if previous else "it is left open"
        return previous, f"{label}: {error}. Write a date such as 14 Feb 2022 or 2022-02-14; {kept}."
    if when.precision == Precision.MINUTE:
        return when.start, None
    return ((when.end - dt.timedelta(days=1)).date() if last else when.start.date()), None


def from_controls(
    view: View, controls: dict[str, Any], names: Mapping[str, str] | None = None, order: str | None = None
) -> View:
    """The view after the filter controls changed; ``names`` turns the menus' keys of long names into names, and
    ``order`` is the collection's order of numeric dates, for the date boxes."""

    def chosen(kind: str) -> tuple[str, ...]:
        values = controls.get(kind) or ()
        if isinstance(values, str):
            values = (values,)
        elif not isinstance(values, list | tuple):  # not what a menu sends (a number, say): as if cleared
            values = ()
        return tuple(dict.fromkeys((names or {}).get(str(v), str(v)) for v in values))

    start, start_note = typed_bound(controls.get("start"), view.start, False, "From", order)
    end, end_note = typed_bound(controls.get("end"), view.end, True, "To", order)
    first, after = View(start=start, end=end).bounds()
    if first is not None and after is not None and after <= first:
        start, end = end, start
    return view.with_(
        q=str(controls.get("q") or "").strip(),
        **{facet.key: chosen(facet.key) for facet in FACETS},
        start=start,
        end=end,
        lanes=controls.get("lanes") or "category",
        mode=controls.get("mode") or "calendar",
        corroborated=str(controls.get("corroborated") or 0),
        lag="lag" in (controls.get("lag") or ()),
        tz=controls.get("tz") or UTC,
        warnings=tuple(note for note in (start_note, end_note) if note),
    )


def clear_filters(view: View) -> View:
    """The view with no filters and no range, keeping lanes, mode, theme, zone and the selection."""
    return View(lanes=view.lanes, mode=view.mode, theme=view.theme, lag=view.lag, selected=view.selected, tz=view.tz)


def step(visible: Events, view: View, direction: int) -> View:
    """Select the next (+1) or previous (-1) visible event in time order; from nothing, the first or last."""
    if not len(visible):
        return view
    at = position_of(visible, view.selected)
    if at is not None:
        index = min(max(at + direction, 0), len(visible) - 1)
    else:
        index = 0 if direction > 0 else len(visible) - 1
    return view.with_(selected=str(rows_at(visible, index, 1, [C.id])[C.id].iloc[0]))


def _focus_day(events: Events, view: View) -> dt.date | None:
    """The day a quick range centres on: the selected event's, else the busiest day."""
    if not len(events):
        return None
    at = position_of(events, view.selected)
    if at is not None:
        selected: dt.date = rows_at(events, at, 1, [C.start])[C.start].iloc[0].date()
        return selected
    if isinstance(events, Crowd):
        found = events.busiest(exact=False)
        return None if found is None else found[0].date()
    days = events[C.start].dt.normalize()
    busiest: dt.date = days.value_counts().sort_index().idxmax().date()
    return busiest


def quick_range(events: Events, view: View, span: str) -> View:
    """Show the day, week (Monday to Sunday) or month around the focus day, or everything: every event on the axis,
    those an axis without a range would leave off its edges too."""
    day = _focus_day(events, view)
    if span == "all" or day is None:
        return _everything(events, view.with_(start=None, end=None))
    if span == "day":
        return view.with_(start=day, end=day)
    if span == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return view.with_(start=monday, end=monday + dt.timedelta(days=6))
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return view.with_(start=first, end=nxt - dt.timedelta(days=1))


def _everything(events: Events, whole: View) -> View:
    """The view without a range; or, when its axis would leave events off its edges (``packing.framed``), the days
    from the first event to the last, so that *All* shows them all."""
    from dashboard.figure import outside, x_range  # the figure frames its axis: ask it, not a copy

    if not len(events) or whole.mode == "sequence":
        return whole
    if not any(outside(events, *x_range(events, whole))):
        return whole
    first, after = extent(events)
    last = (after - pd.Timedelta(microseconds=1)).date()
    return whole.with_(start=first.date(), end=max(last, first.date()))


_YEAR = re.compile(r"\s*([+-]?\d+)-")
ISO_TYPED = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?")
MAX_TYPED = 100  # characters of a date box read: a date is short, and a megabyte pasted costs the parser seconds


def _axis_moment(bound: Any) -> dt.datetime | None:
    """The moment an end of the date axis stands at, to the minute, or None.

    A date axis reports dates as text, or as milliseconds when a range was set as numbers. Zoomed far out, plotly
    reports years pandas cannot hold (past 2262, or 12000, or -500): those become the first or last moment Python
    knows, which the View then clamps to the days it can show.
    """
    if isinstance(bound, bool):
        return None
    try:
        moment = pd.Timestamp(bound, unit="ms") if isinstance(bound, int | float) else pd.Timestamp(str(bound))
        if pd.isna(moment):
            return None
        rounded: dt.datetime = moment.tz_localize(None).round("min").to_pydatetime()
        return rounded
    except (ValueError, TypeError, OverflowError, NotImplementedError):
        pass  # past what pandas or Python's dates hold: only the side it is on matters
    if isinstance(bound, int | float):
        if bound != bound:  # NaN
            return None
        return dt.datetime.max if bound > 0 else dt.datetime.min
    year = _YEAR.match(str(bound))
    if year is None:
        return None
    return dt.datetime.max if int(year.group(1)) > 1970 else dt.datetime.min


def zoom(view: View, relayout: dict[str, Any] | None) -> View:
    """The view after a zoom or pan on the timeline's date axis: the exact range on the axis, to the minute (a
    range from midnight to midnight reads as whole days); sequence mode keeps its range."""
    if not isinstance(relayout, dict) or not relayout or view.mode == "sequence":
        return view
    if relayout.get("xaxis.autorange") or relayout.get("autosize") and len(relayout) == 1:
        return view.with_(start=None, end=None) if relayout.get("xaxis.autorange") else view
    bounds = relayout.get("xaxis.range") or [relayout.get("xaxis.range[0]"), relayout.get("xaxis.range[1]")]
    if not isinstance(bounds, list | tuple) or len(bounds) != 2 or None in bounds:
        return view
    start, end = _axis_moment(bounds[0]), _axis_moment(bounds[1])
    if start is None or end is None:
        return view
    # The figure's dates are sent as strings without a zone (``date_texts``), so plotly reports its range in UTC
    # whatever the browser's time zone.
    if end <= start:  # a range narrower than a minute: the minute it is in
        end = start + dt.timedelta(minutes=1) if start < dt.datetime.max - dt.timedelta(minutes=1) else start
    return view.with_(start=start, end=end)


def clicked_id(click: dict[str, Any] | None) -> str | None:
    """The event id behind a click on the timeline or the map."""
    try:
        data = click["points"][0]["customdata"]  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        return None
    data = data[0] if isinstance(data, list) and data else data
    return data if isinstance(data, str) else None  # an id is text; anything else is not a mark of ours


def clicked_label(click: dict[str, Any] | None) -> str | None:
    """The event id behind a click on a timeline label (an annotation named by its event's id)."""
    try:
        name = click["annotation"]["name"]  # type: ignore[index]
    except (TypeError, KeyError):
        return None
    return name if isinstance(name, str) and name else None


def zoom_to_cell(view: View, click: dict[str, Any] | None, visible: Events, width: int) -> View:
    """The view zoomed into the density cell that was clicked: that bucket of time."""
    from dashboard.figure import bucket_ns, x_range  # the figure decides the buckets; ask it, not a copy

    try:
        centre = pd.Timestamp(click["points"][0]["x"])  # type: ignore[index]
        if pd.isna(centre):
            return view
        lo, hi = x_range(visible, view.with_(mode="calendar"))
        half = pd.Timedelta(nanoseconds=bucket_ns(visible, lo, hi, width) / 2)
        start, end = (centre - half).normalize().date(), (centre + half - pd.Timedelta(microseconds=1)).date()
    except (TypeError, KeyError, IndexError, ValueError, OverflowError):  # not a cell this figure drew
        return view
    return view.with_(start=start, end=max(start, end), mode="calendar")


# ---------------------------------------------------------------------------------------------- the state machine

Values = dict[str, Any]  # the callback's inputs by name (see callbacks.register), and the width it settled on
Action = Callable[[View, Any, Values, Collection], View]


def _controls(view: View, trigger: Any, values: Values, collection: Collection) -> View:
    names = index_for(collection).option_names
    return from_controls(view, values["controls"], names, collection.settings.date_order)


def _clear(view: View, trigger: Any, values: Values, collection: Collection) -> View:
    return clear_filters(view)


def _theme(view: View, trigger: Any, values: Values, collection: Collection) -> View:
    return view.with_(theme="light" if view.theme == "dark" else "dark")


def _quick_range(view: View, trigger: Any, values: Values, collection: Collection) -> View:
    span = trigger.get("span")
    if span not in SPANS:  # only a crafted request names another
        return view
    return quick_range(visible_events(collection, view.with_(start=None, end=None)), view, span)


def _click(view: View, trigger: Any, values: Values, collection: Collection) -> View:
    """A mark or map point selects its event; a summed map point filters to its place; a density cell zooms in."""
    on_timeline = trigger == ids.TIMELINE
    click = values.get("timeline_click") if on_timeline else values.get("map_click")
    clicked = clicked_id(click)
    if clicked and clicked.startswith(PLACE_PREFIX):
        return view.with_(place=(clicked.removeprefix(PLACE_PREFIX),))
    if clicked:
        return view.with_(selected=clicked)
    if on_timeline:
        return zoom_to_cell(view, click, visible_events(collection, view), values["width"])
    return view


def _zoom(view: View, trigger: Any, values: Values, collection: Collection) -> View:
    return zoom(view, values["relayout"])


def _key(view: View, trigger: Any, values: Values, collection: Collection) -> View:
    """Escape clears the selection; the arrows step through the events in view."""
    keys = values.get("keys")
    key = keys.get("key") if isinstance(keys, dict) else None
    if key == "Escape":
        return view.with_(selected=None)
    if key in STEPS:
        return step(visible_events(collection, view), view, STEPS[key])
    return view


ACTIONS: dict[str, Action] = {
    **dict.fromkeys(CONTROL_COMPONENTS, _controls),
    ids.CLEAR: _clear,
    ids.THEME: _theme,
    ids.RANGE_BUTTON: _quick_range,
    ids.TIMELINE: _click,
    ids.MAP: _click,
    ids.ZOOM: _zoom,
    ids.KEYS: _key,
}


def known_names(view: View, collection: Collection) -> View:
    """A view read from a link, without the filter values that name nothing in this collection (a typo, or a link
    made for other files), each said in a notice with the closest known name: the menus cannot show such a value,
    and dropping it without a word would show every event as if the link had asked for them."""
    choices = index_for(collection).choices
    changes: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    for facet in FACETS:
        chosen = view.chosen(facet)
        known = choices[facet.key]
        unknown = [value for value in chosen if value not in known]
        if not unknown:
            continue
        changes[facet.key] = tuple(value for value in chosen if value in known)
        for value in unknown[:3]:
            guess = closest(value, known)
            hint = f"did you mean {visible(guess)}?" if guess else "no event has it"
            notes.append(f"'{facet.key}={visible(value[:60])}' names nothing here ({hint}); ignored")
    if not changes:
        return view
    return view.with_(**changes, warnings=(*view.warnings, *notes))


def next_view(view: View, trigger: Any, values: Values, collection: Collection, prop: str = "") -> View:
    """The view after the action that fired the callback: ``trigger`` is the component that fired (a dict for a
    pattern id), ``prop`` its property that changed; anything else leaves the view as it was."""
    kind = trigger.get("type") if isinstance(trigger, dict) else trigger
    if kind == ids.TIMELINE and prop == "clickAnnotationData":  # a label selects its event
        label = clicked_label(values.get("label_click"))
        return view.with_(selected=label) if label else view
    if kind in (ids.TIMELINE, ids.MAP) and not prop.endswith("clickData"):  # the graphs act on clicks only
        return view
    action = ACTIONS.get(kind) if isinstance(kind, str) else None
    return view if action is None else action(view, trigger, values, collection)

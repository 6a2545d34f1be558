"""The page: header, problems banner, controls, timeline, map, detail card and card list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import dcc, html

from dashboard.app import ids
from dashboard.app.banner import problems_banner
from dashboard.export import formats
from dashboard.figure import balance_bidi, clip
from dashboard.index import OPTION_CHARS, index_for, option_value
from dashboard.table import Collection
from dashboard.trust import status_meaning
from dashboard.view import FACETS, Control, Facet

# Plotly's toolbar offers to upload the chart, with its data, to a cloud service: nothing leaves the page.
NO_UPLOAD = ["sendChartToCloud"]
# Plotly's config as Dash takes it (its typed form lists only some of plotly's keys).
GRAPH_CONFIG: Any = {
    "displaylogo": False,
    "scrollZoom": True,
    "responsive": True,
    # The Download menu exports the whole view through the same code as the CLI; the toolbar's own
    # screenshot would be a second, different picture.
    "modeBarButtonsToRemove": ["toImage", "lasso2d", "select2d", "autoScale2d", *NO_UPLOAD],
}


def aria(**attributes: str) -> dict[str, Any]:
    """ARIA attributes for a component: ``aria(label="Map")`` is ``aria-label="Map"``, which Dash passes through."""
    return {f"aria-{name}": value for name, value in attributes.items()}


def picture(frame_id: str, label: str) -> dict[str, Any]:
    """A graph's frame as assistive technology meets it: one image, named by what it shows (the callback
    keeps the name up to date with the view)."""
    return {"id": frame_id, "role": "img", "className": "graph-frame", **aria(label=label)}


def failure_alert(error: BaseException, what: str = "this view") -> html.Div:
    """The worst a request can show: what could not be drawn and why, in one line (never a traceback)."""
    cause = " ".join(str(error).split()) or "no message"
    cause = f"{type(error).__name__}: {cause}"
    if len(cause) > 200:
        cause = cause[:199] + "…"
    return html.Div(
        [
            html.Strong(f"{what[:1].upper()}{what[1:]} could not be drawn: "),
            cause,
            ". ",
            html.Span("The rest of the page still works; the details are in the server log.", className="muted"),
        ],
        className="warning failure",
        role="alert",
    )


def view_notices(warnings: tuple[str, ...] | list[str]) -> list[Any]:
    """What the app changed in the view asked for (a date it cannot show, a search past its limits)."""
    if not warnings:
        return []
    return [html.Div([html.P(warning) for warning in warnings], className="warning notice", role="status")]


def no_events(folder: str, problems: bool = False) -> list[Any]:
    """The page of a folder without events: what to do to see some (with ``problems``, what the banner says)."""
    if problems:
        said = "No events to show: the problems above say why. Fix them, then load the page again."
        return [html.Div([html.P(said)], className="empty no-events", role="status")]
    return [
        html.Div(
            [
                html.P(["No events yet: add a YAML file to ", html.Code(folder), " — see README ‘Adding an event’."]),
                html.P(
                    [
                        "Or write one from a terminal: ",
                        html.Code(f"timeline new --events {folder} --title … --date 2022-02-16 --category …"),
                        ". New files show up when the page is loaded again.",
                    ],
                    className="muted",
                ),
            ],
            className="empty no-events",
            role="status",
        )
    ]


def _options(values: list[str], labels: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Menu options: a label short enough to read and to search (the whole name on hover), a short value."""
    options = []
    for value in values:
        label = balance_bidi((labels or {}).get(value, value))
        options.append({"label": clip(label, OPTION_CHARS), "value": option_value(value), "title": label})
    return options


def _dropdown(facet: Facet, options: list[dict[str, str]]) -> html.Label:
    """A facet's menu: any number of its names (none: all)."""
    return html.Label(
        [
            html.Span(facet.label, className="control-label"),
            dcc.Dropdown(
                id=ids.FILTER[facet.key], options=options, multi=True, placeholder="All", className="dropdown"
            ),
        ],
        className="control",
    )


# How each kind of facet control is built (dashboard.app.state.CHOSEN_PROP says which property it holds).
FACET_CONTROLS: dict[Control, Callable[[Facet, list[dict[str, str]]], Any]] = {"dropdown": _dropdown}


def facet_controls(collection: Collection) -> list[Any]:
    """One control per facet, with the names the events hold (category keys in the settings' order, by label)."""
    settings = collection.settings
    choices = index_for(collection).choices
    built = []
    for facet in FACETS:
        names, labels = choices[facet.key], None
        if facet.settings_keys:
            order = list(settings.categories)
            names = sorted(names, key=lambda c: order.index(c) if c in order else len(order))
            labels = {c: settings.category_label(c) for c in names}
        elif facet.order:  # a fixed set: the names the events have, in its order
            names = [name for name in facet.order if name in names]
            labels = {name: name.capitalize() for name in names}
        options = _options(names, labels)
        if facet.key == "status":  # what each status says, on hover
            for option, name in zip(options, names, strict=True):
                option["title"] = status_meaning(name)
        built.append(FACET_CONTROLS[facet.control](facet, options))
    return built


def controls(collection: Collection) -> html.Section:
    """Search, filters, date range, lanes, mode and quick ranges."""
    return html.Section(
        [
            _search_control(),
            *facet_controls(collection),
            _dates_control(),
            _lanes_control(),
            _corroborated_control(),
            _mode_control(),
            _zone_control(),
            _lag_control(),
            _range_chips(),
            html.Div(
                [
                    html.Button("Clear filters", id=ids.CLEAR, className="link-button", n_clicks=0),
                    html.Span(id=ids.COUNT, className="count", role="status"),
                ],
                className="control control-end",
            ),
        ],
        id=ids.CONTROLS,
        className="controls",
        **aria(label="Filters"),
    )


def filters_toggle() -> html.Button:
    """On a phone the filters fold away behind this button, which says how many are on (assets/app.js opens
    them; the callback writes the number)."""
    return html.Button(
        "Filters (0)",
        id=ids.FILTERS_TOGGLE,
        className="chip filters-toggle",
        n_clicks=0,
        **aria(expanded="false", controls=ids.CONTROLS),
    )


def _search_control() -> html.Label:
    """The search box, read once typing pauses."""
    return html.Label(
        [
            html.Span("Search", className="control-label"),
            dcc.Input(
                id=ids.SEARCH,
                type="search",
                placeholder="Search events…",
                debounce=0.4,
                className="search",
                autoComplete="off",
            ),
        ],
        className="control control-search",
    )


def _dates_control() -> html.Div:
    """The first and last day shown, typed as event files write dates ('14 Feb 2022', '2022-02-14', 'Feb 2022');
    the server reads them (dashboard.dates) when the user presses Enter or leaves the box, and says so when it
    cannot, keeping the range it had."""

    def box(label: str, component_id: str, example: str) -> html.Label:
        return html.Label(
            [
                html.Span(label, className="dates-label"),
                dcc.Input(
                    id=component_id,
                    type="text",
                    placeholder=example,
                    debounce=True,
                    autoComplete="off",
                    spellCheck=False,
                    className="date-input",
                ),
            ],
            className="dates-box",
        )

    return html.Div(
        [
            html.Span("Dates", className="control-label"),
            html.Div(
                [box("From", ids.DATES, "e.g. 14 Feb 2022"), box("To", ids.DATES_TO, "e.g. 17 Feb 2022")],
                className="dates",
            ),
        ],
        className="control",
        role="group",
        **aria(label="Dates"),
    )


def _segmented(label: str, component_id: str, choices: dict[str, str], title: str | None = None) -> html.Div:
    """One of a few choices, as a row of buttons; the first is chosen until the view says otherwise."""
    return html.Div(
        [
            html.Span(label, className="control-label"),
            dcc.RadioItems(
                id=component_id,
                options=[{"label": text, "value": value} for value, text in choices.items()],
                value=next(iter(choices)),
                inline=True,
                className="segmented",
            ),
        ],
        className="control",
        title=title,
    )


def _lanes_control() -> html.Div:
    """What the timeline's rows are grouped by."""
    return _segmented("Lanes", ids.LANES, {"category": "Category", "actor": "Actor", "place": "Place"})


def _mode_control() -> html.Div:
    """Dates to scale, or events evenly spaced."""
    return _segmented("Layout", ids.MODE, {"calendar": "Calendar", "sequence": "Sequence"})


# The zones times may be shown in; the page adds the reader's own ("Your zone (Europe/Berlin)"), which only it knows.
ZONE_CHOICES = {"utc": "UTC", "own": "Each event's own zone"}


def _zone_control() -> html.Div:
    """The zone times of day are shown in (days, months and years are the same everywhere)."""
    return _segmented(
        "Times in", ids.ZONE, ZONE_CHOICES, "The zone the timeline, the cards and the list show times of day in"
    )


CORROBORATION_CHOICES = {"0": "Any", "2": "2+", "3": "3+", "4": "4+"}


def _corroborated_control() -> html.Div:
    """Only events reported by at least so many independent publishers."""
    return _segmented(
        "Corroborated by",
        ids.CORROBORATED,
        CORROBORATION_CHOICES,
        "Independent publishers that report the event (a source that copies another does not count)",
    )


def _lag_control() -> html.Div:
    """Whether the timeline draws each event's reporting lag."""
    return html.Div(
        [
            html.Span("Show", className="control-label"),
            dcc.Checklist(
                id=ids.LAG,
                options=[{"label": "Reporting lag", "value": "lag"}],
                value=[],
                inline=True,
                className="segmented",
            ),
        ],
        className="control",
        title="A thin line from each event to the day it was first reported",
    )


def _range_chips() -> html.Div:
    """Quick ranges: one day, week or month, or every event."""
    return html.Div(
        [
            html.Span("Show", className="control-label"),
            html.Div(
                [
                    html.Button(
                        span.capitalize(),
                        id={"type": ids.RANGE_BUTTON, "span": span},
                        className="chip",
                        n_clicks=0,
                        title=f"Show one {span}" if span != "all" else "Show every event",
                    )
                    for span in ("day", "week", "month", "all")
                ],
                className="chips",
            ),
        ],
        className="control",
    )


def download_buttons() -> html.Div:
    """One Download button per format the export registry offers (``ids.DOWNLOAD_FORMATS``): pictures, then data."""
    buttons: list[Any] = [html.Span("Download", className="control-label")]
    kind = None
    for name in ids.DOWNLOAD_FORMATS:
        fmt = formats.get(name)
        if kind is not None and fmt.kind != kind:
            buttons.append(html.Span("·", className="muted", **aria(hidden="true")))
        kind = fmt.kind
        buttons.append(
            html.Button(
                fmt.label,
                id={"type": ids.DOWNLOAD_BUTTON, "format": name},
                className="chip",
                n_clicks=0,
                title=f"Download this view as {fmt.label}: {fmt.about}",
            )
        )
    buttons.append(html.Span(id=ids.DOWNLOAD_STATUS, className="muted", role="status"))
    return html.Div(buttons, className="chips download", role="group", **aria(label="Download"))


def page(
    collection: Collection,
    topojson_url: str,
    folder: str = "the events folder",
    failure: BaseException | None = None,
    review: bool = False,
) -> html.Div:
    """The whole page for one load of the collection (with ``failure``, a page that could not be drawn: the
    page of an empty collection, saying why; with ``review``, a line for what reviewing a draft did)."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.KEYS),
            dcc.Store(id=ids.VIEWPORT),
            dcc.Store(id=ids.SCREEN),
            dcc.Store(id=ids.ZOOM),
            dcc.Store(id=ids.CARDS),
            dcc.Store(id=ids.HELD),
            dcc.Store(id=ids.PICK),
            dcc.Store(id=ids.MAP_FIGURE),
            dcc.Download(id=ids.DOWNLOAD),
            _header(collection),
            html.Div(problems_banner(collection), id=ids.BANNER),
            filters_toggle(),
            controls(collection),
            html.Div(
                [failure_alert(failure, "this page")] if failure is not None else [], id=ids.NOTICE, className="notices"
            ),
            html.Main(
                [_timeline_panel(collection, folder), _side_panels(review), _map_panel(topojson_url)],
                className="grid",
            ),
            _footer(),
        ],
        id=ids.ROOT,
        className="app theme-light",
    )


def _header(collection: Collection) -> html.Header:
    """The collection's title and description, the Download buttons and the theme switch."""
    settings = collection.settings
    return html.Header(
        [
            html.Div(
                [
                    html.H1(settings.title, id=ids.TITLE),
                    html.P(settings.description, className="muted") if settings.description else None,
                ],
                className="title-block",
            ),
            html.Div(
                [
                    download_buttons(),
                    html.Button(
                        "Dark theme",
                        id=ids.THEME,
                        className="chip",
                        n_clicks=0,
                        title="Switch between light and dark",
                    ),
                ],
                className="header-actions",
            ),
        ],
        className="header",
    )


def _timeline_panel(collection: Collection, folder: str) -> html.Section:
    """The timeline, and in place of it what to do when the folder has no events."""
    return html.Section(
        [
            dcc.Loading(
                html.Div(
                    dcc.Graph(
                        id=ids.TIMELINE,
                        config=GRAPH_CONFIG,
                        className="timeline-graph",
                        clear_on_unhover=True,
                    ),
                    **picture(ids.TIMELINE_FRAME, "Timeline of the events in view"),
                ),
                type="dot",
                delay_show=400,
                overlay_style={"visibility": "visible", "opacity": 0.6},
            ),
            html.Div(no_events(folder, bool(collection.problems)) if not collection.size else [], id=ids.EMPTY),
        ],
        className="panel timeline-panel",
        **aria(label="Timeline"),
    )


def _side_panels(review: bool = False) -> html.Aside:
    """The selected event's card and the list of the events in view (filled by the callbacks); when reviewing
    drafts, above the card, what the last Accept or Reject did."""
    return html.Aside(
        [
            html.Div(id=ids.REVIEW_STATUS, className="review-status", role="status") if review else None,
            html.Section(id=ids.DETAIL, className="panel detail-panel", **aria(live="polite", label="Selected event")),
            html.Div(
                [
                    html.H2("Events in view", className="panel-title"),
                    html.P(id=ids.LIST_NOTE, className="muted list-note"),
                    html.Nav(id=ids.LIST, className="card-list"),
                ],
                className="panel list-panel",
            ),
        ],
        className="side",
    )


def _map_panel(topojson_url: str) -> html.Section:
    """The map, which reads its world outlines from the app's own assets."""
    return html.Section(
        [
            html.Div(
                dcc.Graph(
                    id=ids.MAP,
                    className="map-graph",
                    config={
                        "displaylogo": False,
                        "scrollZoom": True,
                        "topojsonURL": topojson_url,
                        "modeBarButtonsToRemove": ["toImage", "lasso2d", "select2d", *NO_UPLOAD],
                    },
                ),
                **picture(ids.MAP_FRAME, "Map of where the events in view took place"),
            ),
        ],
        className="panel map-panel",
        **aria(label="Map"),
    )


def _footer() -> html.Footer:
    """How to select, step and share."""
    return html.Footer(
        html.P(
            [
                "Click a mark, a map point or a card to select an event · ",
                html.Kbd("←"),
                " ",
                html.Kbd("→"),
                " step in time order · ",
                html.Kbd("Esc"),
                " clears · the address bar holds the whole view: copy it to share this screen.",
            ],
            className="muted",
        ),
        className="footer",
    )

"""Cards: the detail card of the selected event and the compact cards of the list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from dash import dcc, html

from dashboard.app import ids
from dashboard.app.history_card import history_line
from dashboard.app.markdown import external_link, render_markdown
from dashboard.crowd import Crowd, Events, categories_in, position_of, rows_at
from dashboard.figure import category_colors, clip
from dashboard.index import EventIndex
from dashboard.model import CollectionSettings, Status
from dashboard.table import C
from dashboard.trust import corroboration_words, grade, grade_meaning, reported_words, status_meaning
from dashboard.view import View

OUTGOING = {"follows": "Follows", "responds-to": "Responds to", "causes": "Causes", "part-of": "Part of"}
INCOMING = {"follows": "Followed by", "responds-to": "Answered by", "causes": "Caused by", "part-of": "Includes"}
PRECISION_NOTE = {
    "year": "known to the year",
    "month": "known to the month",
    "day": "known to the day",
    "minute": "known to the minute",
}


def select_href(view: View, event_id: str | None) -> str:
    """The link that shows the same view with another event selected (or none)."""
    return view.with_(selected=event_id).to_query() or "?"


# The mark of the links that select an event: the page's script (assets/app.js) follows them in place, without
# reloading and without scrolling the page; without the script they load the same view from the server.
SELECT_LINK = "data-select"


def select_link(children: Any, view: View, event_id: str | None, **props: Any) -> html.A:
    """A link that selects an event (or none) in the same view, through the address like every other action."""
    marked: dict[str, Any] = {SELECT_LINK: "event", **props}
    return html.A(children, href=select_href(view, event_id), **marked)


def badge(category: str, settings: CollectionSettings, colors: dict[str, str]) -> html.Span:
    """A small coloured label naming the category."""
    return html.Span(
        settings.category_label(category), className="badge", style={"--badge-color": colors.get(category, "#6b7280")}
    )


CARD_NAME_CHARS = 200  # a name in the card: whole as the loader allows them, clipped past that (whole on hover)


def name_of(text: str) -> html.Bdi:
    """A name isolated from the text around it: a right-to-left override in it cannot reverse its neighbours."""
    shown = clip(text, CARD_NAME_CHARS)
    return html.Bdi(shown, title=text if shown != text else None)


def names(items: list[Any]) -> list[Any]:
    """Names (or name components) separated by commas."""
    out: list[Any] = []
    for index, item in enumerate(items):
        out += [", ", item] if index else [item]
    return out


def _when(row: dict[str, Any]) -> html.Span:
    note = PRECISION_NOTE[row[C.precision]] + (", approximate" if row[C.approximate] else "")
    return html.Span(row[C.when], className="when", title=f"Written as “{row[C.date_text]}” ({note})")


def _related(row: dict[str, Any], index: EventIndex, view: View) -> list[Any]:
    items = []
    for link in row[C.links]:
        other = index.row(link["to"])
        if other:
            items.append((OUTGOING[link["relation"]], other))
    for source, relation in index.incoming(row[C.id]):
        other = index.row(source)
        if other:
            items.append((INCOMING[relation], other))
    if not items:
        return []
    return [
        html.H3("Related events"),
        html.Ul(
            [
                html.Li(
                    [
                        html.Span(label, className="relation"),
                        " ",
                        select_link(
                            name_of(other[C.title]),  # isolated: a right-to-left override stays inside the link
                            view,
                            other[C.id],
                            className="related-link",
                            id={"type": "related", "id": other[C.id]},
                        ),
                        html.Span(f" · {other[C.when]}", className="muted"),
                    ]
                )
                for label, other in items
            ],
            className="related",
        ),
    ]


def detail_card(
    row: dict[str, Any] | None,
    index: EventIndex,
    view: View,
    settings: CollectionSettings,
    visible: bool = True,
    review: bool = False,
) -> list[Any]:
    """Everything about one event: date as written, places, actors, summary, quotes, sources, related events; a
    draft's evidence, and with ``review`` (the app served with --review) its Accept, Edit and Reject buttons."""
    if row is None:
        return _no_selection(view)
    colors = category_colors(settings, [row[C.category]])
    parts: list[Any] = [
        html.Div(
            [
                badge(row[C.category], settings, colors),
                status_badge(row[C.status]),
                _when(row),
                # On a phone the card is a sheet over the list: this closes it (and clears the selection).
                select_link("Close", view, None, className="sheet-close", title="Close this card: select no event"),
            ],
            className="detail-meta",
        ),
        html.H2(row[C.title], className="detail-title"),
        _trust(row),
    ]
    if review and row[C.status] == Status.DRAFT:
        parts.append(review_actions(row))
    if not visible:
        parts.append(html.P("Hidden on the timeline by the current filters or range.", className="warning"))
    facts = _facts(row)
    if facts:
        parts.append(html.Dl(facts, className="facts"))
    parts.append(html.Div(render_markdown(row[C.summary]), className="summary"))
    parts += [_quote(quote) for quote in row[C.quotes]]
    if row.get(C.evidence):
        parts += [html.H3("Evidence"), html.Blockquote(row[C.evidence], className="evidence")]
    if row[C.sources]:
        parts.append(html.H3("Sources"))
        parts.append(_sources(row[C.sources]))
    parts += _related(row, index, view)
    parts.append(html.P(f"{row[C.path]}:{row[C.line]}", className="file-ref muted"))
    parts += history_line(row[C.path], index, name_of)  # the file's history in git; nothing outside git
    return [html.Article(parts, className="detail", **{"data-event": row[C.id]})]


_REVIEW_GROUP: dict[str, Any] = {"aria-label": "Review this draft"}


def review_actions(row: dict[str, Any]) -> html.Div:
    """A draft's buttons: Accept (the file moves to the events folder as reported), Edit (the file to open in an
    editor) and Reject (the file is deleted, once the reviewer confirms). The server finds the file by the event's
    id in the folder it has loaded; the buttons name nothing else."""
    event_id, path = str(row[C.id]), str(row[C.path])
    return html.Div(
        [
            html.Button(
                "Accept",
                id={"type": ids.REVIEW_ACCEPT, "event": event_id},
                className="chip review-accept",
                n_clicks=0,
                title="Move this file to the events folder as a reported event",
            ),
            dcc.ConfirmDialogProvider(
                html.Button("Reject", className="chip review-reject", title="Delete this draft's file"),
                id={"type": ids.REVIEW_REJECT, "event": event_id},
                message=f"Delete the draft file {path}? This cannot be undone.",
            ),
            html.Details(
                [
                    html.Summary("Edit", className="chip", title="The file to open in an editor"),
                    html.P(
                        ["Open ", html.Code(path, id=ids.REVIEW_EDIT), " in the events folder with an editor."],
                        className="muted",
                    ),
                ],
                className="review-edit",
            ),
        ],
        className="review-actions",
        role="group",
        **_REVIEW_GROUP,
    )


def _no_selection(view: View) -> list[Any]:
    """The card with no event selected: how to pick one, and why the one in the address is not shown."""
    hint = [
        html.P("Select an event on the timeline, the map or the list to read about it here."),
        html.P(
            [
                html.Kbd("←"),
                " ",
                html.Kbd("→"),
                " step through events in time order, ",
                html.Kbd("Esc"),
                " clears the selection.",
            ],
            className="muted",
        ),
    ]
    if view.selected:
        hint.insert(0, html.P(f"No event has the id “{view.selected}”.", className="warning"))
    return [html.Div(hint, className="detail-empty")]


def _facts(row: dict[str, Any]) -> list[Any]:
    """The event's places, actors and tags, as terms and their values (only those it has)."""
    facts = []
    if row[C.places]:
        facts += [
            html.Dt("Places"),
            html.Dd(
                names(
                    [
                        html.Span([name_of(p["name"]), f" ({p['country']})" if p.get("country") else ""])
                        for p in row[C.places]
                    ]
                )
            ),
        ]
    if row[C.actors]:
        facts += [html.Dt("Actors"), html.Dd(names([name_of(actor) for actor in row[C.actors]]))]
    if row[C.tags]:
        facts += [html.Dt("Tags"), html.Dd([html.Span(name_of(t), className="tag") for t in row[C.tags]])]
    return facts


def _quote(quote: dict[str, Any]) -> html.Figure:
    """One quote, with its speaker when known."""
    return html.Figure(
        [
            html.Blockquote(quote["text"]),
            html.Figcaption(f"— {quote['speaker']}") if quote.get("speaker") else None,
        ],
        className="quote",
    )


def status_badge(status: str) -> html.Span:
    """The event's status, its meaning on hover."""
    return html.Span(status.capitalize(), className=f"status status-{status}", title=status_meaning(status))


def _trust(row: dict[str, Any]) -> html.P:
    """When the event was first reported, and by how many independent publishers."""
    parts = [reported_words(row), corroboration_words(row[C.sources])]
    text = " · ".join(part for part in parts if part)
    return html.P(text[:1].upper() + text[1:], className="trust muted")


def _sources(sources: list[dict[str, Any]]) -> html.Ul:
    """The reports the event cites: each a link to its address, with its publisher and date, its Admiralty grade
    (its meaning on hover), who it says says so, and the source it repeats."""
    titles = {s["id"]: s["title"] for s in sources if s.get("id")}
    items = []
    for s in sources:
        parts: list[Any] = [external_link(s["title"], s.get("url"), className="source-link")]
        if grade(s):
            parts += [" ", html.Abbr(grade(s), title=grade_meaning(s), className="grade")]
        parts.append(
            html.Span(
                " · ".join(x for x in (s.get("publisher"), s.get("published")) if x), className="muted source-meta"
            )
        )
        if s.get("attribution"):
            parts.append(html.Span(name_of(s["attribution"]), className="attribution"))
        if s.get("copies"):
            copied = titles.get(s["copies"], s["copies"])
            parts.append(
                html.Span(["repeats ", name_of(copied), ": not counted as independent"], className="muted copies")
            )
        items.append(html.Li(parts))
    return html.Ul(items, className="sources")


def day_label(start: pd.Timestamp, precision: str) -> str:
    """The heading an event is listed under: its day, or its month or year when that is all that is known."""
    if precision == "year":
        return f"{start:%Y}"
    if precision == "month":
        return f"{start:%B %Y}"
    return f"{start:%a} {start.day} {start:%b %Y}"


def list_card(row: Any, view: View, settings: CollectionSettings, colors: dict[str, str]) -> html.Li:
    """One event in the list: its date as written, its lane (as colour and as words) and its whole title.

    As few components as the card can be made of: the page renders every component again on each store change (a
    click, a key), so each one in a list of thirty costs every selection time. The lane's dot is drawn by the
    stylesheet from ``--lane-color``."""
    color = colors.get(row.category, "#6b7280")
    selected = row.id == view.selected
    when: list[Any] = [f"{row.when} · {settings.category_label(row.category)}"]
    if row.status != "reported":  # the default status goes without saying; any other is said in the list too
        when.append(html.Span(f" · {row.status}", className="list-status"))
    link = select_link(
        [html.Span(when, className="when"), html.Span(row.title, className="list-title")],
        view,
        row.id,
        id={"type": ids.LIST_ITEM, "id": row.id},
        **{"data-event": row.id},  # the page's script marks the card of an event it selected itself
        className="list-card selected" if selected else "list-card",
        style={"--lane-color": color},
        **({"aria-current": "true"} if selected else {}),
    )
    return html.Li(link, className="list-item")


LIST_PAGE = 30  # events the list shows at a time
LIST_COLUMNS = (C.id, C.start, C.precision, C.category, C.status, C.when, C.title)  # what ``list_card`` reads


def list_first(events: Events, view: View, page: int = LIST_PAGE) -> int:
    """Where the list's page of the visible events starts: a third of a page before the selected event (or at
    the first event), so that a list of a million events costs no more than one of sixty."""
    at = position_of(events, view.selected)
    return 0 if at is None else int(min(max(at - page // 3, 0), max(len(events) - page, 0)))


def list_note(events: Events, view: View, page: int = LIST_PAGE) -> str:
    """Which of the visible events the list shows, when it cannot show them all ("" when it can). Apart from the
    list: a zoom that leaves the page of events as it was changes only this."""
    total = len(events)
    if total <= page:
        return ""
    first = list_first(events, view, page)
    return (
        f"{first + 1:,}–{min(first + page, total):,} of {total:,}, in time order. "
        "Select an event or step with ← → to move through them."
    )


def list_cards(
    events: Events,
    view: View,
    settings: CollectionSettings,
    page: int = LIST_PAGE,
    complete: Callable[[pd.DataFrame, Sequence[str]], pd.DataFrame] | None = None,
) -> list[Any]:
    """A page of the visible events (from ``list_first``) as compact cards in time order, under a heading per day
    (a phone shows them as a vertical timeline). ``complete`` gives the page's rows the columns a card reads
    (``LIST_COLUMNS``), when the visible events hold only some (``EventIndex.complete``)."""
    colors = category_colors(settings, categories_in(events))
    first = list_first(events, view, page)
    out: list[Any] = []
    days: list[tuple[str, list[Any]]] = []
    rows = rows_at(events, first, page, LIST_COLUMNS)
    row: Any  # a named tuple of the table's columns, which pandas types as any cell value
    for row in (complete(rows, LIST_COLUMNS) if complete else rows).itertuples():
        label = day_label(row.start, row.precision)
        if not days or days[-1][0] != label:
            days.append((label, []))
        days[-1][1].append(list_card(row, view, settings, colors))
    if days:
        out.append(
            html.Ol(
                [
                    html.Li(
                        [html.H3(label, className="day-label"), html.Ul(cards, className="day-events")],
                        className="day",
                    )
                    for label, cards in days
                ],
                className="days",
            )
        )
    return out


CARDS_LIMIT = 100  # views with up to this many events send their cards ahead, so a selection shows at once


def cards_ahead(
    events: Events, index: EventIndex, view: View, settings: CollectionSettings, review: bool = False
) -> dict[str, Any]:
    """The detail card of every event in view (the ``events`` as filtered), for the page to show the one selected
    without asking the server; with the ids in time order (for the arrow keys) and the card of no selection.

    Past CARDS_LIMIT events it holds none: rendering hundreds of cards for every view would cost more than the
    selections it saves, and the page then asks the server, as it does for anything not in it."""
    if len(events) > CARDS_LIMIT or isinstance(events, Crowd):
        return {"order": [], "cards": {}, "none": None}
    order = [str(event_id) for event_id in events[C.id]]
    index.know(order)  # from a file: every card's rows and links in a few queries
    return {
        "order": order,
        "cards": {
            event_id: detail_card(index.row(event_id), index, view, settings, review=review) for event_id in order
        },
        "none": _no_selection(view.with_(selected=None)),
    }

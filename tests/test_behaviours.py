"""Behaviours a review found untested: weekdays read against a weekend, located link problems, the ends of a
filter's range, a zoom to midnight, a timed iCalendar range, link safety, incoming links in the card, and the
packing of labels."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from dash import html

from dashboard.app import state
from dashboard.app.cards import detail_card
from dashboard.app.markdown import external_link, render_markdown, safe_href
from dashboard.dates import DateError, parse_when
from dashboard.export import summary_html, to_ics
from dashboard.figure import Item, pack
from dashboard.index import EventIndex
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply

SATURDAY = dt.date(2022, 2, 19)
SUNDAY = dt.date(2022, 2, 20)
MONDAY = dt.date(2022, 2, 14)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep each test's disk cache in its own folder, never the user's."""
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))


def load(folder: Path, files: dict[str, str]) -> Collection:
    """Write event files into ``folder`` and load them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return load_collection(folder)


def one_day(when: Any) -> dt.date:
    """The day a one-day span covers (and check that it is one day)."""
    assert when.end - when.start == dt.timedelta(days=1)
    return when.start.date()


# ---- 1. weekdays and phrases against a weekend or a Monday -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ref", "expected"),
    [
        ("next Monday", SUNDAY, dt.date(2022, 2, 21)),  # the very next day
        ("next Sunday", SUNDAY, dt.date(2022, 2, 27)),  # strictly forward: a week on, never the report's day
        ("next Sunday", SATURDAY, dt.date(2022, 2, 20)),
        ("next Saturday", SATURDAY, dt.date(2022, 2, 26)),
        ("last Sunday", SUNDAY, dt.date(2022, 2, 13)),  # strictly back
        ("last Saturday", SUNDAY, dt.date(2022, 2, 19)),
        ("last Monday", SUNDAY, dt.date(2022, 2, 14)),
        ("last Saturday", SATURDAY, dt.date(2022, 2, 12)),
        ("Monday", SUNDAY, dt.date(2022, 2, 14)),  # a bare weekday: the latest one up to the report
        ("Sunday", SUNDAY, dt.date(2022, 2, 20)),
        ("this Monday", SUNDAY, dt.date(2022, 2, 14)),  # the report's Monday-to-Sunday week
        ("this Sunday", SATURDAY, dt.date(2022, 2, 20)),
    ],
)
def test_next_and_last_weekday_from_a_weekend_report(text: str, ref: dt.date, expected: dt.date) -> None:
    assert one_day(parse_when(text, ref=ref)) == expected


def test_later_in_the_week_on_a_saturday_is_the_sunday() -> None:
    when = parse_when("later in the week", ref=SATURDAY)
    assert (when.start.date(), when.end.date()) == (SUNDAY, SUNDAY + dt.timedelta(days=1))
    assert when.approximate is True


@pytest.mark.parametrize("phrase", ["later in the week", "later this week"])
def test_later_in_the_week_on_a_sunday_is_refused(phrase: str) -> None:
    # Weeks run Monday to Sunday: a Sunday report has no later day in its week. Guessing the next week would make
    # a date up, so the writer is asked to write the date itself.
    with pytest.raises(DateError, match="Sunday, so there is no later day"):
        parse_when(phrase, ref=SUNDAY)


def test_earlier_in_the_week_on_a_sunday_is_monday_to_saturday() -> None:
    when = parse_when("earlier this week", ref=SUNDAY)
    assert (when.start.date(), when.end.date()) == (MONDAY, SUNDAY)
    assert when.approximate is True


@pytest.mark.parametrize("phrase", ["earlier in the week", "earlier this week"])
def test_earlier_in_the_week_on_a_monday_is_refused(phrase: str) -> None:
    with pytest.raises(DateError, match="Monday, so there is no earlier day"):
        parse_when(phrase, ref=MONDAY)


# ---- 2. several broken links, each at its own place --------------------------------------------------------------


def test_each_broken_link_is_reported_at_its_own_line_and_column(tmp_path: Path) -> None:
    collection = load(
        tmp_path / "events",
        {
            "flow.yaml": """
            title: Two broken links
            date: 2022-02-16
            category: diplomacy
            links: [{to: nope1}, {to: nope2}]
            """,
            "block.yaml": """
            title: Two broken links, one a line
            date: 2022-02-16
            category: diplomacy
            links:
              - to: nope3
              - relation: causes
                to: nope4
            """,
        },
    )
    found = sorted((p.path, p.line, p.column, p.message) for p in collection.problems)
    assert found == [
        ("block.yaml", 5, 9, "'links[0].to': no event has the id 'nope3'"),
        ("block.yaml", 7, 9, "'links[1].to': no event has the id 'nope4'"),  # hints name events, not other targets
        ("flow.yaml", 4, 14, "'links[0].to': no event has the id 'nope1'"),
        ("flow.yaml", 4, 27, "'links[1].to': no event has the id 'nope2'"),
    ]


# ---- 3. the ends of a filter's range -----------------------------------------------------------------------------


@pytest.fixture
def edge_events(tmp_path: Path) -> Collection:
    """Events on and around the edges of a 16 Feb to 16 Feb range."""
    return load(
        tmp_path / "events",
        {
            "late-evening.yaml": "title: Late evening\ndate: 2022-02-16T23:30+01:00\ncategory: x\n",  # 22:30 UTC
            "at-midnight.yaml": "title: At midnight\ndate: 2022-02-16T00:00Z\ncategory: x\n",
            "next-midnight.yaml": "title: Next midnight\ndate: 2022-02-17T00:00Z\ncategory: x\n",
            "timed-to-midnight.yaml": (
                "title: Timed to midnight\ndate: 2022-02-15T22:00Z\nend: 2022-02-16T00:00Z\ncategory: x\n"
            ),
            "across.yaml": "title: Across\ndate: 2022-02-15\nend: 2022-02-17\ncategory: x\n",
            "into.yaml": "title: Into\ndate: 2022-02-14\nend: 2022-02-16\ncategory: x\n",
            "from-it.yaml": "title: From it\ndate: 2022-02-16\nend: 2022-02-18\ncategory: x\n",
            "day-before.yaml": "title: Day before\ndate: 2022-02-15\ncategory: x\n",
            "day-after.yaml": "title: Day after\ndate: 2022-02-17\ncategory: x\n",
            "month.yaml": "title: Month\ndate: 2022-02\ncategory: x\n",
        },
    )


def test_the_to_day_keeps_timed_events_of_that_day_and_spans_overlapping_it(edge_events: Collection) -> None:
    shown = set(apply(edge_events.events, View(end=dt.date(2022, 2, 16)))["id"])
    assert {"late-evening", "at-midnight", "across", "into", "from-it", "month", "day-before"} <= shown
    assert not {"next-midnight", "day-after"} & shown


def test_the_from_day_keeps_events_that_end_on_it_or_are_a_moment_in_it(edge_events: Collection) -> None:
    shown = set(apply(edge_events.events, View(start=dt.date(2022, 2, 16)))["id"])
    # A moment at 00:00 is in the day it starts (its span has no length, so 'ends after the day starts' misses
    # it); a timed span that ends at 00:00 ends on that day, as its card says.
    assert {"at-midnight", "timed-to-midnight", "late-evening", "across", "into", "from-it", "month"} <= shown
    assert "day-before" not in shown  # a whole day ends at the next midnight, which is not in it


def test_a_one_day_range_keeps_exactly_what_touches_that_day(edge_events: Collection) -> None:
    shown = set(apply(edge_events.events, View(start=dt.date(2022, 2, 16), end=dt.date(2022, 2, 16)))["id"])
    assert shown == {"late-evening", "at-midnight", "timed-to-midnight", "across", "into", "from-it", "month"}


# ---- 4. a zoom that ends at midnight -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relayout",
    [
        {"xaxis.range[0]": "2022-02-14 00:00:00", "xaxis.range[1]": "2022-02-17 00:00:00"},
        {"xaxis.range": ["2022-02-14", "2022-02-17"]},
        {"xaxis.range[0]": "2022-02-14 00:00:00", "xaxis.range[1]": "2022-02-17"},
        {
            "xaxis.range": [
                dt.datetime(2022, 2, 14).timestamp() * 1000,
                dt.datetime(2022, 2, 17, tzinfo=dt.UTC).timestamp() * 1000,
            ]
        },
    ],
)
def test_a_zoom_ending_at_midnight_ends_on_the_day_before(relayout: dict[str, Any]) -> None:
    view = state.zoom(View(), relayout)
    assert view.end == dt.date(2022, 2, 16)


def test_a_zoom_a_second_past_midnight_is_read_to_the_minute_as_whole_days() -> None:
    view = state.zoom(View(), {"xaxis.range[0]": "2022-02-14 00:00:00", "xaxis.range[1]": "2022-02-17 00:00:01"})
    assert (view.start, view.end) == (dt.date(2022, 2, 14), dt.date(2022, 2, 16))
    assert view.to_query() == "?from=2022-02-14&to=2022-02-16"


def test_a_zoom_inside_one_day_keeps_its_first_minute_and_ends_with_that_day() -> None:
    view = state.zoom(View(), {"xaxis.range[0]": "2022-02-16 09:00:00", "xaxis.range[1]": "2022-02-17 00:00:00"})
    assert (view.start, view.end) == (dt.datetime(2022, 2, 16, 9, 0), dt.date(2022, 2, 16))
    assert view.bounds() == (pd.Timestamp("2022-02-16 09:00"), pd.Timestamp("2022-02-17"))


# ---- 5. a timed range in iCalendar -------------------------------------------------------------------------------


def test_ics_timed_range_on_one_day_has_utc_start_and_end(tmp_path: Path) -> None:
    from icalendar import Calendar

    collection = load(
        tmp_path / "events",
        {
            "talks.yaml": """
            title: Talks
            date: 2022-02-16T10:00+01:00
            end: 2022-02-16T12:00+01:00
            category: diplomacy
            """,
        },
    )
    assert collection.problems == []
    text = to_ics(collection.events, "Tests")
    # The end of a timed range is the moment written, not a day past it: an inclusive end means no extra minute.
    assert "DTSTART:20220216T090000Z" in text
    assert "DTEND:20220216T110000Z" in text
    [vevent] = Calendar.from_ical(text).walk("VEVENT")
    assert vevent.decoded("DTSTART") == dt.datetime(2022, 2, 16, 9, 0, tzinfo=dt.UTC)
    assert vevent.decoded("DTEND") == dt.datetime(2022, 2, 16, 11, 0, tzinfo=dt.UTC)


# ---- 6. which links may be links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "\tjavascript:alert(1)",
        "\njavascript:alert(1)",
        "\x01javascript:alert(1)",
        "\x00javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "tel:+3212345",
        "myapp://open",
        "x-custom:thing",
        "//evil.example/x",
        "/relative/path",
        "#anchor",
        "relative.html",
        "",
        "   ",
        None,
        "http:",
        "https:/one-slash.example",
    ],
)
def test_unsafe_or_unknown_addresses_are_not_links(url: str | None) -> None:
    assert safe_href(url) is None
    shown = external_link("text", url)
    assert isinstance(shown, html.Span) and not isinstance(shown, html.A)
    assert shown.children == "text"


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("http://example.org/a", "http://example.org/a"),
        ("https://example.org/a?b=1&c=2#d", "https://example.org/a?b=1&c=2#d"),
        ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
        ("mailto:desk@example.org", "mailto:desk@example.org"),
        ("  https://example.org/padded  ", "https://example.org/padded"),  # blanks around are not the address
    ],
)
def test_http_https_and_mailto_are_links_that_open_apart(url: str, href: str) -> None:
    assert safe_href(url) == href
    link = external_link("text", url)
    assert isinstance(link, html.A)
    assert link.href == href and link.target == "_blank"
    assert set(link.rel.split()) >= {"noopener", "noreferrer"}


def anchors(node: Any) -> list[str]:
    """The href of every link in a tree of Dash components."""
    if isinstance(node, list):
        return [href for child in node for href in anchors(child)]
    found = [node.href] if isinstance(node, html.A) else []
    children = getattr(node, "children", None)
    return found + (anchors(children) if children is not None and not isinstance(children, str) else [])


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "myapp://open",
        "//evil.example/x",
        "&#x6A;avascript:alert(1)",
    ],
)
def test_summaries_make_no_link_of_an_unsafe_address(url: str) -> None:
    text = f"[link]({url}) ![picture]({url}) <{url}>\n\n[ref]\n\n[ref]: <{url}>"
    assert anchors(render_markdown(text)) == []
    assert "href" not in summary_html(text)


def test_summaries_keep_safe_links() -> None:
    text = "[a](https://example.org/a) and [b](mailto:desk@example.org) and ![c](http://example.org/c.png)"
    assert anchors(render_markdown(text)) == [
        "https://example.org/a",
        "mailto:desk@example.org",
        "http://example.org/c.png",
    ]
    assert summary_html(text).count('href="') == 3


# ---- 7. incoming links in the detail card ------------------------------------------------------------------------


def related_links(card: list[Any]) -> list[tuple[str, str, str]]:
    """(relation label, title, href) of each related-event link in a card, in order."""
    found: list[tuple[str, str, str]] = []
    for node in descendants(card):
        if isinstance(node, html.Li) and isinstance(node.children, list):
            link = next((c for c in node.children if isinstance(c, html.A)), None)
            label = next((c for c in node.children if isinstance(c, html.Span) and c.className == "relation"), None)
            if link is not None and label is not None:
                title = link.children.children if isinstance(link.children, html.Bdi) else link.children
                found.append((label.children, title, link.href))
    return found


@pytest.fixture
def linked(tmp_path: Path) -> Collection:
    return load(
        tmp_path / "events",
        {
            "call.yaml": "title: The call\ndate: 2022-02-15\ncategory: x\n",
            "meeting.yaml": (
                "title: The meeting\ndate: 2022-02-16\ncategory: x\nlinks: [{to: call, relation: follows}]\n"
            ),
            "reply.yaml": (
                "title: The reply\ndate: 2022-02-17\ncategory: x\n"
                "links: [{to: call, relation: responds-to}, {to: meeting, relation: part-of}]\n"
            ),
        },
    )


def test_the_card_lists_incoming_links_with_their_relation_and_a_link_to_select_them(linked: Collection) -> None:
    index = EventIndex(linked.events)
    view = View(selected="call", category=("x",))
    card = detail_card(index.row("call"), index, view, linked.settings)
    assert related_links(card) == [
        ("Followed by", "The meeting", view.with_(selected="meeting").to_query()),
        ("Answered by", "The reply", view.with_(selected="reply").to_query()),
    ]


def test_a_related_events_title_is_isolated_in_its_link(linked: Collection) -> None:
    """A right-to-left override in a linked title must not reverse the date written after the link."""
    index = EventIndex(linked.events)
    card = detail_card(index.row("call"), index, View(selected="call"), linked.settings)
    links = [
        node for node in descendants(card) if isinstance(node, html.A) and "related-link" in (node.className or "")
    ]
    assert links and all(isinstance(link.children, html.Bdi) for link in links)


def descendants(nodes: list[Any]) -> list[Any]:
    """Every component in a tree of components, depth first."""
    found: list[Any] = []
    for node in nodes:
        if node is None or isinstance(node, str):
            continue
        found.append(node)
        children = getattr(node, "children", None)
        found += descendants(children if isinstance(children, list) else [children])
    return found


def test_the_card_lists_outgoing_and_incoming_links_together(linked: Collection) -> None:
    index = EventIndex(linked.events)
    view = View(selected="meeting")
    card = detail_card(index.row("meeting"), index, view, linked.settings)
    assert related_links(card) == [
        ("Follows", "The call", "?event=call"),
        ("Includes", "The reply", "?event=reply"),
    ]


# ---- 8. packing labels into rows ---------------------------------------------------------------------------------


def label(name: str, start: float, end: float, lane: str = "lane") -> Item:
    """An item whose mark and label together span start..end."""
    return Item(name, lane, x0=start, x1=start, bar=False, ext0=start, ext1=end)


def rows(items: list[Item]) -> dict[str, int]:
    return {item.id: item.row for item in items}


def test_labels_that_overlap_in_part_go_to_different_rows() -> None:
    items = [label("a", 0.0, 10.0), label("b", 5.0, 15.0), label("c", 9.9, 20.0)]
    assert pack(items, ["lane"], gap=0.0) == [3]
    assert len(set(rows(items).values())) == 3


def test_a_row_is_reused_once_a_label_is_clear_of_the_last_in_it() -> None:
    items = [label("a", 0.0, 10.0), label("b", 5.0, 15.0), label("c", 12.0, 20.0)]
    assert pack(items, ["lane"], gap=1.0) == [2]
    assert rows(items) == {"a": 0, "b": 1, "c": 0}  # c starts 2 after a ends: more than the gap


def test_labels_that_only_touch_share_a_row_and_the_gap_is_kept() -> None:
    touching = [label("a", 0.0, 10.0), label("b", 10.0, 20.0)]
    assert pack(touching, ["lane"], gap=0.0) == [1]
    assert rows(touching) == {"a": 0, "b": 0}
    at_gap = [label("a", 0.0, 10.0), label("b", 10.5, 20.0)]
    assert pack(at_gap, ["lane"], gap=0.5) == [1]
    inside_gap = [label("a", 0.0, 10.0), label("b", 10.4, 20.0)]
    assert pack(inside_gap, ["lane"], gap=0.5) == [2]


def test_packing_is_stable_and_does_not_depend_on_the_order_given() -> None:
    spans = [(0.0, 10.0), (5.0, 15.0), (12.0, 20.0), (0.0, 10.0), (30.0, 31.0), (14.0, 16.0)]
    first = [label(str(n), *span) for n, span in enumerate(spans)]
    pack(first, ["lane"], gap=0.5)
    again = [label(str(n), *span) for n, span in enumerate(spans)]
    pack(again, ["lane"], gap=0.5)
    assert rows(first) == rows(again)
    pack(first, ["lane"], gap=0.5)  # packing the same items twice changes nothing
    assert rows(first) == rows(again)
    # Given in another order, each label still gets the same row; of two equal spans the first given goes lower.
    backwards = [label(str(n), *span) for n, span in reversed(list(enumerate(spans)))]
    pack(backwards, ["lane"], gap=0.5)
    placed = rows(backwards)
    assert {k: v for k, v in placed.items() if k not in ("0", "3")} == {
        k: v for k, v in rows(first).items() if k not in ("0", "3")
    }
    assert (placed["3"], placed["0"]) == (rows(first)["0"], rows(first)["3"])
    clashes = [
        (a.id, b.id)
        for a in first
        for b in first
        if a is not b and a.row == b.row and not (a.ext1 + 0.5 <= b.ext0 or b.ext1 + 0.5 <= a.ext0)
    ]
    assert clashes == []


def test_lanes_are_packed_apart() -> None:
    items = [label("a", 0.0, 10.0, "one"), label("b", 5.0, 15.0, "two"), label("c", 5.0, 15.0, "one")]
    assert pack(items, ["one", "two", "empty"], gap=0.0) == [2, 1, 1]
    assert rows(items) == {"a": 0, "b": 0, "c": 1}

"""A picture's words: its subtitle states the range on its axis, its filters and the events drawn; its alt text
describes the period, the count, the main lanes and the busiest day; the furniture comes from _collection.yaml
and the export command's flags, escaped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dashboard.export import SIZES, Furniture, PageSize, export_figure
from dashboard.figure import x_range
from dashboard.figure.caption import alt_text, period, subtitle
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.fixture(scope="module")
def collection() -> Collection:
    return load_collection(EVENTS)


def axis_days(collection: Collection, view: View) -> tuple[dt.date, dt.date]:
    """The whole days on the figure's axis, read from the drawn figure's own x range."""
    fig = export_figure(collection, view, SIZES["tall"])
    lo, hi = (pd.Timestamp(value) for value in fig.layout.xaxis.range)  # dates as plotly reads them
    return lo.ceil("D").date(), (hi.floor("D") - pd.Timedelta(days=1)).date()


def test_the_default_views_subtitle_states_the_days_on_its_axis_not_the_events_extent(collection):
    view = View()
    fig = export_figure(collection, view, SIZES["tall"])
    first, last = axis_days(collection, view)
    # The US deployment of 3 Feb is ten days before the others: the axis frames them, and says so.
    assert (first, last) == (dt.date(2022, 2, 14), dt.date(2022, 2, 17))
    text = fig.layout.title.subtitle.text
    assert "14–17 Feb 2022 · 18 events (1 earlier, noted at the left edge)" in text
    assert "13 Feb" not in text and "18 Feb" not in text  # the days on the axis, not its margins


@pytest.mark.parametrize(
    "view",
    [
        View(start=dt.date(2022, 2, 14), end=dt.date(2022, 2, 17)),
        View(start=dt.date(2022, 2, 15), end=dt.date(2022, 2, 16)),
    ],
)
def test_the_axis_of_a_picture_names_just_the_days_its_caption_states(collection, view):
    fig = export_figure(collection, view, SIZES["slide"])
    named = [text.split("<br>")[0] for text in fig.layout.xaxis.ticktext]
    first, last = axis_days(collection, view)
    days = pd.date_range(first, last, freq="D")
    assert named == [f"{day:%a %-d %b}" for day in days]  # no name for the sliver of a day at either edge
    assert f"{first:%-d}" in fig.layout.title.subtitle.text and f"{last:%-d %b %Y}" in fig.layout.title.subtitle.text
    # Each name sits in the middle of its day; the grid marks every midnight.
    assert [pd.Timestamp(v).hour for v in fig.layout.xaxis.tickvals] == [12] * len(days)
    assert fig.layout.xaxis.minor.dtick == 86_400_000


def test_a_filtered_views_subtitle_names_range_filters_and_the_count_drawn(collection):
    view = View(start=dt.date(2022, 2, 16), end=dt.date(2022, 2, 16), category=("military",))
    events = apply(collection.events, view)
    text = subtitle(events, view, collection.settings)
    assert text == f"16 Feb 2022 · category: military · {len(events)} events"
    assert axis_days(collection, view) == (dt.date(2022, 2, 16), dt.date(2022, 2, 16))


def test_a_range_under_two_days_is_stated_to_the_minute(collection):
    events = apply(collection.events, View(category=("military",)))
    one = events[events["precision"].eq("day")].head(1).copy()
    one["start"] = pd.Timestamp("2022-02-16 09:30")
    one["end"] = pd.Timestamp("2022-02-16 09:30")
    one["precision"] = "minute"
    lo, hi = (pd.Timestamp(int(v)) for v in x_range(one, View()))
    assert hi - lo < pd.Timedelta(days=2)
    assert period(one, View()) == f"{lo:%-d %b %Y}, {lo:%H:%M} – {hi:%-d %b %Y}, {hi:%H:%M} UTC"


def test_the_subtitle_follows_the_axis_when_packing_frames_the_events(collection, monkeypatch):
    """The words read the axis from packing.x_range: a different framing is a different subtitle."""
    import dashboard.figure.caption as caption

    framed = (pd.Timestamp("2022-02-10").value, pd.Timestamp("2022-02-20").value)
    monkeypatch.setattr(caption, "x_range", lambda events, view: framed)
    assert caption.period(collection.events, View()).startswith("10–19 Feb 2022")


def test_alt_text_names_the_period_count_lanes_and_busiest_day(collection):
    view = View()
    text = alt_text(apply(collection.events, view), view, collection.settings)
    assert text.startswith(
        "Timeline “NATO, Russia and Ukraine — 16 February 2022”: 18 events (1 earlier, noted at the left edge), "
        "14–17 Feb 2022."
    )
    assert "By category: Statements (5), Military (4), Diplomacy (3), Politics (3)" in text
    assert "The busiest day is 16 Feb 2022, with 14 events." in text


def test_alt_text_of_a_filtered_view_in_actor_lanes(collection):
    view = View(category=("military",), lanes="actor")
    text = alt_text(apply(collection.events, view), view, collection.settings)
    assert "4 events" in text and "Filtered by category: military." in text and "By actor:" in text


def test_alt_text_of_an_empty_view_says_so(collection):
    view = View(q="no such words anywhere")
    assert "no events match" in alt_text(apply(collection.events, view), view, collection.settings)


def texts_of(fig) -> str:
    return "\n".join([fig.layout.title.text, fig.layout.title.subtitle.text, *(a.text for a in fig.layout.annotations)])


def test_the_collections_furniture_is_printed(collection):
    settings = collection.settings
    assert settings.notes and settings.byline and settings.as_of, "the bundled collection lost its furniture"
    text = texts_of(export_figure(collection, View(), SIZES["tall"]))
    assert settings.description.split(",")[0] in text
    assert "Note: Reported by DW; dates checked against independent records" in text
    assert "Graphic: News timeline · Data as of 16 Feb 2022" in text
    assert "Sources: <b>1</b> DW, " in text  # numbered as in the chronology


def test_flags_override_the_furniture_and_every_word_is_escaped(collection):
    words = Furniture(title="<b>Mine</b>", subtitle="A & B", notes="<script>x</script>", byline="Desk <i>")
    text = texts_of(export_figure(collection, View(), SIZES["tall"], words))
    assert "&lt;b&gt;Mine&lt;/b&gt;" in text and "A &amp; B" in text
    assert "&lt;script&gt;" in text and "Desk &lt;i&gt;" in text and "<script>" not in text
    assert "16 February 2022" not in text.split("\n")[0], "the collection's title was not replaced"


def test_sources_with_addresses_are_links(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "title: A\ndate: 2022-02-16\ncategory: x\nsources:\n"
        "  - {title: R, publisher: Wire, url: 'https://example.org/r?a=1&b=\"2\"', published: 2022-02-16}\n",
        encoding="utf-8",
    )
    collection = load_collection(folder)
    text = texts_of(export_figure(collection, View(), PageSize(1600, None)))
    assert '<b>1</b> <a href="https://example.org/r?a=1&amp;b=&quot;2&quot;">Wire, “R”, 16 Feb 2022</a>' in text


def test_alt_text_closes_the_bidi_controls_of_the_text_it_quotes(collection):
    settings = collection.settings.model_copy(update={"title": "Evil \u202etitle"})
    events = apply(collection.events, View())
    text = alt_text(events, View(), settings)
    assert "Evil \u202etitle\u202c”" in text  # closed before the closing quote, not at the end of the text


def test_a_picture_of_events_without_sources_has_no_empty_sources_line(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "one.yaml").write_text("title: One\ndate: 2022-02-16\ncategory: other\n", encoding="utf-8")
    text = texts_of(export_figure(load_collection(folder), View(), SIZES["slide"]))
    assert "Sources" not in text

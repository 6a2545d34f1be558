"""Times of day on display: in UTC, in each event's own zone, or in a named zone; days follow the zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard.app.cards import list_cards
from dashboard.app.state import clear_filters, control_values, from_controls
from dashboard.cli import cli
from dashboard.figure import timeline_figure
from dashboard.figure.caption import period
from dashboard.index import for_export, in_zone
from dashboard.store import load_collection
from dashboard.table import C, Collection
from dashboard.view import View, apply
from dashboard.zones import OWN, UTC, axis_words, moved, read_zone

EVENTS = {
    # 01:30 in Kyiv on 17 Feb is 23:30 UTC on 16 Feb.
    "late-kyiv": "title: Late statement in Kyiv\ndate: 2022-02-17T01:30\ntimezone: Europe/Kyiv\ncategory: military\n",
    # 18:00 in New York on 16 Feb is 23:00 UTC, and 01:00 on 17 Feb in Kyiv.
    "washington-call": "title: Evening call\ndate: 2022-02-16 18:00\ntimezone: America/New_York\ncategory: diplomacy\n",
    "day-event": "title: A day of drills\ndate: 2022-02-17\ncategory: military\n",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in EVENTS.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def collection(folder: Path) -> Collection:
    loaded = load_collection(folder)
    assert not loaded.problems
    return loaded


def shown_ids(collection: Collection, query: str) -> list[str]:
    view = View.from_query(query)
    return list(apply(in_zone(collection, view.tz).events, view)[C.id])


def row(events: pd.DataFrame, event_id: str) -> pd.Series:
    return events[events[C.id] == event_id].iloc[0]


def test_a_time_near_midnight_is_on_the_next_day_in_kyiv(collection: Collection) -> None:
    day = "from=2022-02-17&to=2022-02-17"
    assert "late-kyiv" in shown_ids(collection, f"?{day}&tz=Europe/Kyiv")
    assert "late-kyiv" not in shown_ids(collection, f"?{day}")  # UTC: 16 Feb, 23:30
    assert "late-kyiv" in shown_ids(collection, "?from=2022-02-16&to=2022-02-16")
    assert "late-kyiv" not in shown_ids(collection, "?from=2022-02-16&to=2022-02-16&tz=Europe/Kyiv")


def test_the_list_groups_by_the_zones_days(collection: Collection) -> None:
    def heading_of(tz: str) -> str:
        view = View(tz=tz)
        html = str(list_cards(in_zone(collection, tz).events, view, collection.settings))
        at = html.index("Late statement in Kyiv")
        return html[:at].rsplit("day-label", 1)[0].rsplit("H3(children='", 1)[-1][:15]

    assert heading_of("Europe/Kyiv").startswith("Thu 17 Feb 2022")
    assert heading_of(UTC).startswith("Wed 16 Feb 2022")


def test_moved_times_are_the_zones_wall_clock_and_stay_in_time_order(collection: Collection) -> None:
    kyiv = in_zone(collection, "Europe/Kyiv").events
    assert row(kyiv, "late-kyiv")[C.start] == pd.Timestamp("2022-02-17 01:30")
    assert row(kyiv, "washington-call")[C.start] == pd.Timestamp("2022-02-17 01:00")
    # The day of drills (17 Feb, 00:00) now comes before both.
    assert list(kyiv[C.id]) == ["day-event", "washington-call", "late-kyiv"]
    assert list(collection.events[C.id]) == ["washington-call", "late-kyiv", "day-event"]  # the stored table as it was


def test_each_event_in_its_own_zone(collection: Collection) -> None:
    own = in_zone(collection, OWN).events
    assert row(own, "late-kyiv")[C.start] == pd.Timestamp("2022-02-17 01:30")
    assert row(own, "washington-call")[C.start] == pd.Timestamp("2022-02-16 18:00")
    assert row(own, "late-kyiv")[C.when] == "17 Feb 2022, 01:30 EET"  # as the event's own zone says it


def test_days_months_and_years_never_move(collection: Collection) -> None:
    for tz in (UTC, OWN, "Europe/Kyiv", "America/New_York", "Pacific/Kiritimati"):
        events = in_zone(collection, tz).events
        drills = row(events, "day-event")
        assert (drills[C.start], drills[C.end]) == (pd.Timestamp("2022-02-17"), pd.Timestamp("2022-02-18"))
        assert drills[C.when] == "17 Feb 2022"


def test_the_table_itself_when_nothing_moves(collection: Collection) -> None:
    days = collection.events[collection.events[C.precision] != "minute"]
    assert moved(days, "Europe/Kyiv") is days
    assert in_zone(collection, "Europe/Kyiv") is in_zone(collection, "Europe/Kyiv")  # worked out once per zone


def test_an_open_bound_stays_open() -> None:
    events = pd.DataFrame(
        {
            C.id: ["a"],
            C.start: pd.to_datetime(["2022-02-16 23:30"]).as_unit("us"),
            C.end: pd.to_datetime(["2022-02-16 23:30"]).as_unit("us"),
            C.earliest: pd.to_datetime(["NaT"]).as_unit("us"),
            C.latest: pd.to_datetime(["2022-02-17 00:30"]).as_unit("us"),
            C.precision: ["minute"],
            C.approximate: [False],
            C.uncertain: [False],
            C.zone: pd.Series(["Europe/Kyiv"], dtype=object),
            C.when: ["by 17 Feb 2022, 01:30 EET"],
        }
    )
    kyiv = moved(events, "Europe/Kyiv")
    assert pd.isna(kyiv[C.earliest].iloc[0])
    assert kyiv[C.latest].iloc[0] == pd.Timestamp("2022-02-17 02:30")
    assert kyiv[C.start].iloc[0] == pd.Timestamp("2022-02-17 01:30")
    assert kyiv["edtf"].iloc[0] == "../2022-02-17T01:30:00+02:00"  # the stored instant's, not the moved clock's


def test_the_card_says_the_time_in_the_zone_with_its_own_beside_it(collection: Collection) -> None:
    utc = in_zone(collection, UTC).events
    assert row(utc, "late-kyiv")[C.when] == "16 Feb 2022, 23:30 UTC (17 Feb, 01:30 EET)"
    assert row(utc, "washington-call")[C.when] == "16 Feb 2022, 23:00 UTC (18:00 EST)"
    kyiv = in_zone(collection, "Europe/Kyiv").events
    assert row(kyiv, "late-kyiv")[C.when] == "17 Feb 2022, 01:30 EET"  # its own zone: said once
    assert row(kyiv, "washington-call")[C.when] == "17 Feb 2022, 01:00 EET (16 Feb, 18:00 EST)"


def test_the_zone_in_the_address() -> None:
    view = View.from_query("?tz=europe/kyiv&from=2022-02-17")
    assert view.tz == "Europe/Kyiv" and not view.warnings
    assert view.to_query() == "?from=2022-02-17&tz=Europe%2FKyiv"
    assert View.from_query(view.to_query()) == view
    assert View.from_query("?tz=own").to_query() == "?tz=own"
    assert View.from_query("?tz=UTC").to_query() == ""  # the default is not written
    assert View().tz == UTC


def test_an_unknown_zone_is_a_warning_and_utc() -> None:
    view = View.from_query("?tz=Mars/Olympus")
    assert view.tz == UTC
    assert any("'tz=Mars/Olympus' is not a time zone" in warning for warning in view.warnings)
    assert read_zone("Nowhere")[0] == UTC and read_zone("Nowhere")[1]
    assert read_zone("own") == (OWN, None)


def test_the_control_sets_the_zone_and_clearing_keeps_it() -> None:
    view = from_controls(View(), {"tz": "Europe/Berlin"})
    assert view.tz == "Europe/Berlin"
    assert control_values(view)["tz"] == "Europe/Berlin"
    assert clear_filters(view.with_(q="x")).tz == "Europe/Berlin"
    assert from_controls(view, {}).tz == UTC


def test_the_axis_names_its_zone(collection: Collection) -> None:
    def notes(tz: str, events: pd.DataFrame) -> list[str]:
        figure = timeline_figure(events, View(tz=tz), collection.settings)
        return [a.text for a in figure.layout.annotations if a.text and a.text.startswith("Times in")]

    assert notes("Europe/Kyiv", in_zone(collection, "Europe/Kyiv").events) == ["Times in Europe/Kyiv"]
    assert notes(UTC, collection.events) == ["Times in UTC"]
    assert notes(OWN, in_zone(collection, OWN).events) == ["Times in<br>each event's own zone"]
    days = collection.events[collection.events[C.precision] == "day"]
    week = timeline_figure(days, View(start=dt.date(2022, 2, 10), end=dt.date(2022, 2, 20)), collection.settings)
    assert not [a for a in week.layout.annotations if a.text and a.text.startswith("Times in")]  # no times shown
    assert axis_words(OWN) == "Times in each event's own zone"


def test_the_caption_says_the_zone_of_its_minutes(collection: Collection) -> None:
    view = View(start=dt.datetime(2022, 2, 16, 22), end=dt.datetime(2022, 2, 17, 2), tz="Europe/Kyiv")
    assert period(in_zone(collection, view.tz).events, view).endswith("22:00 – 17 Feb 2022, 02:00 Europe/Kyiv")


def test_records_keep_their_stored_times(collection: Collection) -> None:
    view = View.from_query("?from=2022-02-17&to=2022-02-17&tz=Europe/Kyiv")
    stored, plain = for_export(collection, view, stored=True)
    assert set(stored.events[C.id]) == {"late-kyiv", "washington-call", "day-event"}
    assert row(stored.events, "late-kyiv")[C.start] == pd.Timestamp("2022-02-16 23:30")  # UTC, as stored
    assert plain.start is None and plain.tz == "Europe/Kyiv"
    shown, same = for_export(collection, view, stored=False)
    assert row(shown.events, "late-kyiv")[C.start] == pd.Timestamp("2022-02-17 01:30") and same == view


def test_export_tz(folder: Path) -> None:
    runner = CliRunner()
    args = ["export", "--events", str(folder), "--format", "md", "--from", "2022-02-17", "--to", "2022-02-17"]
    kyiv = runner.invoke(cli, [*args, "--tz", "Europe/Kyiv"])
    assert kyiv.exit_code == 0, kyiv.output
    assert "17 Feb 2022, 01:30 EET" in kyiv.output and "Late statement in Kyiv" in kyiv.output
    utc = runner.invoke(cli, args)
    assert utc.exit_code == 0 and "Late statement in Kyiv" not in utc.output
    csv = runner.invoke(cli, ["export", "--events", str(folder), "--format", "csv", "--tz", "Europe/Kyiv"])
    assert "late-kyiv,Late statement in Kyiv,2022-02-17T01:30," in csv.output  # written back as the file says it


def test_export_refuses_an_unknown_zone(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--events", str(folder), "--format", "md", "--tz", "Mars/Olympus"])
    assert result.exit_code == 2
    assert "'Mars/Olympus' is not a time zone" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)

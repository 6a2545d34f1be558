"""Results that used to be silently wrong and are now read right or said plainly: numeric dates that read two
ways, times written in words, typed dates in the app, what a problem did to its event, exact zooms, the list's
titles, a new event's place, and the text of the calendar and TimelineJS exports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard.app import state
from dashboard.app.banner import problems_banner
from dashboard.cli import cli, middle_cut
from dashboard.dates import DateError, parse_when
from dashboard.export.data import plain_text, to_ics, to_timelinejs
from dashboard.figure import timeline_figure
from dashboard.figure.packing import x_range
from dashboard.model import Category, CollectionSettings, Precision
from dashboard.store import load_collection
from dashboard.table import Effect
from dashboard.view import View, apply, describe


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ---- numeric dates and times in words ------------------------------------------------------------------------


def test_a_numeric_date_that_reads_two_ways_is_refused_without_a_declared_order():
    with pytest.raises(DateError, match="could be 2 March or 3 February.*date_order"):
        parse_when("02/03/2022")
    assert parse_when("13/02/2022").start == dt.datetime(2022, 2, 13)  # one reading only
    assert parse_when("02/13/2022").start == dt.datetime(2022, 2, 13)
    assert parse_when("03/03/2022").start == dt.datetime(2022, 3, 3)  # both readings the same day


@pytest.mark.parametrize(("order", "day"), [("DMY", dt.datetime(2022, 3, 2)), ("MDY", dt.datetime(2022, 2, 3))])
def test_a_declared_order_reads_numeric_dates_its_way(order, day):
    assert parse_when("02/03/2022", order=order).start == day
    with pytest.raises(DateError, match=f"order {order}"):
        parse_when("02/13/2022" if order == "DMY" else "13/02/2022", order=order)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("17 February 2022 at 10am", dt.datetime(2022, 2, 17, 10)),
        ("17 February 2022 10:00", dt.datetime(2022, 2, 17, 10)),
        ("17 February 2022, 10 a.m.", dt.datetime(2022, 2, 17, 10)),
        ("17 February 2022 at 10:30 pm", dt.datetime(2022, 2, 17, 22, 30)),
        ("Feb 17, 2022 at 10am", dt.datetime(2022, 2, 17, 10)),
        ("17 February 2022 at noon", dt.datetime(2022, 2, 17, 12)),
        ("2022-02-17 at 10am", dt.datetime(2022, 2, 17, 10)),
    ],
)
def test_a_time_written_in_words_is_kept_to_the_minute(text, moment):
    when = parse_when(text)
    assert (when.start, when.precision) == (moment, Precision.MINUTE)


def test_an_event_file_with_an_ambiguous_date_is_a_located_problem_unless_the_collection_says(tmp_path):
    event = "title: T\ndate: 02/03/2022\ncategory: x\n"
    folder = write(tmp_path / "a", {"t.yaml": event})
    [problem] = load_collection(folder).problems
    assert (problem.path, problem.line, problem.column) == ("t.yaml", 2, 7)
    assert "could be 2 March or 3 February" in problem.message and problem.effect == Effect.LEFT_OUT
    folder = write(tmp_path / "b", {"t.yaml": event, "_collection.yaml": "date_order: MDY\n"})
    loaded = load_collection(folder)
    assert not loaded.problems and loaded.events["start"].iloc[0] == pd.Timestamp(2022, 2, 3)


def test_a_table_reads_numeric_dates_in_the_declared_order(tmp_path):
    table = "title,date,category\nT,02/03/2022,x\n"
    assert "could be" in load_collection(write(tmp_path / "a", {"t.csv": table})).problems[0].message
    loaded = load_collection(write(tmp_path / "b", {"t.csv": table, "_collection.yaml": "date_order: DMY\n"}))
    assert not loaded.problems and loaded.events["start"].iloc[0] == pd.Timestamp(2022, 3, 2)


def test_declaring_the_order_later_reads_the_files_again(tmp_path):
    folder = write(tmp_path / "events", {"t.yaml": "title: T\ndate: 02/03/2022\ncategory: x\n"})
    assert load_collection(folder).problems
    (folder / "_collection.yaml").write_text("date_order: DMY\n")
    assert not load_collection(folder).problems


# ---- what a problem did, and all of a file's problems at once ------------------------------------------------

SETTINGS = "categories:\n  military: {}\n  diplomacy: {}\n"


def test_each_problem_says_whether_its_event_is_left_out_or_shown(tmp_path):
    folder = write(
        tmp_path / "events",
        {
            "_collection.yaml": SETTINGS,
            "typo.yaml": "title: Typo\ndate: 2022-02-16\ncategory: militray\n",
            "bad.yaml": "title: Bad\ndate: Febuary 16 2022\ncategory: military\n",
            "link.yaml": "title: Link\ndate: 2022-02-16\ncategory: military\nlinks: [{to: nowhere}]\n",
        },
    )
    loaded = load_collection(folder)
    effects = {p.path: p.effect for p in loaded.problems}
    assert effects == {"typo.yaml": Effect.SHOWN, "bad.yaml": Effect.LEFT_OUT, "link.yaml": Effect.SHOWN}
    assert set(loaded.events["id"]) == {"typo", "link"}
    typo = next(p for p in loaded.problems if p.path == "typo.yaml")
    assert "did you mean 'military'?" in typo.message


def test_the_banner_groups_problems_by_what_happened_and_never_says_shown_events_are_left_out(tmp_path):
    folder = write(
        tmp_path / "events",
        {
            "_collection.yaml": SETTINGS,
            "typo.yaml": "title: Typo\ndate: 2022-02-16\ncategory: militray\n",
            "bad.yaml": "title: Bad\ndate: Febuary 16 2022\ncategory: military\n",
        },
    )
    [details] = problems_banner(load_collection(folder))
    summary = details.children[0].children
    assert summary == "2 problems in 2 files: 1 left out until fixed, 1 shown with the problem."
    groups = {group.to_plotly_json()["props"]["data-effect"]: group for group in details.children[1:-1]}
    assert set(groups) == {"left out", "shown"}
    assert "typo.yaml" in str(groups["shown"]) and "typo.yaml" not in str(groups["left out"])


def test_validate_says_what_happened_to_each_event(tmp_path):
    folder = write(
        tmp_path / "events",
        {"_collection.yaml": SETTINGS, "typo.yaml": "title: Typo\ndate: 2022-02-16\ncategory: militray\n"},
    )
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 1
    assert result.stdout.strip().endswith("(shown with this problem)")
    assert "1 shown with the problem" in result.stderr


def test_a_file_s_problems_come_in_one_pass(tmp_path):
    folder = write(
        tmp_path / "events",
        {
            "_collection.yaml": SETTINGS,
            "all.yaml": "title: All\ndate: 02/03/2022\ncategory: militray\nsummray: typo\n",
        },
    )
    messages = [p.message for p in load_collection(folder).problems]
    assert len(messages) == 3, messages
    assert any("summray" in m for m in messages)
    assert any("could be 2 March" in m for m in messages)
    assert any("'militray' is not one of" in m for m in messages)


def test_a_bad_settings_file_says_its_settings_are_ignored(tmp_path):
    folder = write(
        tmp_path / "events", {"_collection.yaml": "date_order: YMD\n", "t.yaml": "title: T\ndate: 2022\ncategory: x\n"}
    )
    [problem] = load_collection(folder).problems
    assert problem.effect == Effect.IGNORED


# ---- typed dates in the app ----------------------------------------------------------------------------------


def test_a_typed_date_is_read_as_event_files_are_and_a_typo_keeps_the_previous_value():
    view = View(start=dt.date(2022, 2, 14))
    after = state.from_controls(view, {"start": "Febuary 16", "end": "17 Feb 2022"})
    assert after.start == dt.date(2022, 2, 14), "the previous From stays"
    assert after.end == dt.date(2022, 2, 17)
    assert any('could not read "Febuary 16"' in w and "14 Feb 2022" in w for w in after.warnings)
    assert state.from_controls(View(), {"start": "16 February 2022"}).start == dt.date(2022, 2, 16)
    assert state.from_controls(View(), {"end": "Feb 2022"}).end == dt.date(2022, 2, 28)
    assert state.from_controls(View(), {"start": "02/03/2022"}, order="MDY").start == dt.date(2022, 2, 3)


@pytest.mark.parametrize("typed", ["2022-02-14T25:00", "2022-02-30", "2022-13-01T10:00"])
def test_an_impossible_typed_iso_date_is_said_and_the_previous_value_kept(typed):
    view = View(start=dt.date(2022, 2, 14))
    after = state.from_controls(view, {"start": typed})
    assert after.start == dt.date(2022, 2, 14)
    assert any(f'could not read "{typed}"' in w or typed in w for w in after.warnings), after.warnings


def test_the_date_boxes_show_the_view_as_people_write_dates():
    shown = state.control_values(View(start=dt.date(2022, 2, 14), end=dt.datetime(2022, 2, 16, 18)))
    assert (shown["start"], shown["end"]) == ("14 Feb 2022", "16 Feb 2022 18:00")


# ---- exact zooms ---------------------------------------------------------------------------------------------


def test_a_zoom_keeps_its_range_to_the_minute_through_the_link():
    zoomed = state.zoom(View(), {"xaxis.range[0]": "2022-02-14 06:30:12", "xaxis.range[1]": "2022-02-16 18:00"})
    assert zoomed.to_query() == "?from=2022-02-14T06:30&to=2022-02-16T18:00"
    again = View.from_query(zoomed.to_query())
    assert again == zoomed
    assert again.bounds() == (pd.Timestamp("2022-02-14 06:30"), pd.Timestamp("2022-02-16 18:00"))
    lo, hi = x_range(pd.DataFrame(columns=["start", "end", "precision"]), again)
    assert (lo, hi) == (pd.Timestamp("2022-02-14 06:30").value, pd.Timestamp("2022-02-16 18:00").value)
    assert describe(again) == "14 Feb 2022, 06:30 – 16 Feb 2022, 18:00"


def test_plain_dates_in_links_still_mean_whole_days():
    view = View.from_query("?from=2022-02-14&to=2022-02-16")
    assert view.bounds() == (pd.Timestamp("2022-02-14"), pd.Timestamp("2022-02-17"))
    assert view.to_query() == "?from=2022-02-14&to=2022-02-16"
    midnights = state.zoom(View(), {"xaxis.range": ["2022-02-14", "2022-02-17"]})
    assert (midnights.start, midnights.end) == (dt.date(2022, 2, 14), dt.date(2022, 2, 16))


def test_a_zoom_narrower_than_the_first_view_filters_to_its_minutes():
    events = load_collection(Path(__file__).parent / "data" / "good").events
    day = events["start"].iloc[0].normalize()
    view = View(start=(day + pd.Timedelta(hours=6)).to_pydatetime(), end=(day + pd.Timedelta(hours=7)).to_pydatetime())
    shown = apply(events, view)
    assert all((shown["end"] >= day + pd.Timedelta(hours=6)) & (shown["start"] < day + pd.Timedelta(hours=7)))


# ---- list, new, ICS, TimelineJS ------------------------------------------------------------------------------


def test_list_gives_the_title_the_room_on_80_columns(tmp_path, monkeypatch):
    title = "NATO moves to set up a French-led battlegroup in Romania after the summit"
    ident = "nato-moves-to-set-up-a-french-led-battlegroup-in-romania-after-summit"
    folder = write(tmp_path / "events", {"e.yaml": f"id: {ident}\ntitle: {title}\ndate: 2022-02-16\ncategory: x\n"})
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(cli, ["list", "--events", str(folder)])
    lines = result.stdout.splitlines()
    # The id is whole on its line (it is what --select takes), and the title, below it, keeps to 80 columns.
    assert lines[1].split()[-1] == ident and "…" not in result.stdout
    assert all(len(line) <= 80 for line in lines[2:]), lines
    words = " ".join(line[lines[0].index("TITLE") :].strip() for line in lines[2:])
    assert words == title


def test_list_keeps_a_short_id_and_its_title_on_one_line(tmp_path, monkeypatch):
    folder = write(tmp_path / "events", {"e.yaml": "id: nato-move\ntitle: NATO moves\ndate: 2022-02-16\ncategory: x\n"})
    monkeypatch.setenv("COLUMNS", "80")
    lines = CliRunner().invoke(cli, ["list", "--events", str(folder)]).stdout.splitlines()
    assert lines[1].split()[-3:] == ["nato-move", "NATO", "moves"] and len(lines) == 2


def test_middle_cut_keeps_both_ends():
    assert middle_cut("abcdefghij", 5) == "ab…ij"
    assert middle_cut("short", 10) == "short"


def test_new_writes_the_place_s_coordinates_and_the_model_checks_them(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    base = ["new", "--events", str(folder), "--title", "Meeting", "--date", "2022-02-16", "--category", "x"]
    ok = CliRunner().invoke(cli, [*base, "--place", "Kyiv", "--lat", "50.45", "--lon", "30.52", "--country", "UA"])
    assert ok.exit_code == 0, ok.output
    loaded = load_collection(folder)
    assert loaded.events["places"].iloc[0] == [{"name": "Kyiv", "country": "UA", "lat": 50.45, "lon": 30.52}]
    bad = CliRunner().invoke(cli, [*base, "--id", "b", "--place", "Kyiv", "--lat", "95", "--lon", "30"])
    assert bad.exit_code != 0 and "lat" in bad.output
    alone = CliRunner().invoke(cli, [*base, "--id", "c", "--lat", "50", "--lon", "30"])
    assert alone.exit_code != 0 and "--place" in alone.output


def test_ics_descriptions_are_plain_text():
    assert plain_text("**Tanks** and *guns*: [report](https://x.org)\n\n- one\n- two") == (
        "Tanks and guns: report (https://x.org)\n\n- one\n\n- two"
    )
    events = load_collection(Path(__file__).parent / "data" / "good").events.copy()
    events["summary"] = "**Bold** claim"
    text = to_ics(events.iloc[:1], "T").replace("\r\n ", "")
    assert "Bold claim" in text and "**" not in text


def test_timelinejs_groups_use_labels_and_sources_go_into_credits():
    events = load_collection(Path(__file__).parent / "data" / "good").events.iloc[:1].copy()
    events["category"] = "military"
    events["sources"] = [
        [{"title": "Report", "publisher": "Wire", "url": "https://x.org/r", "published": "2022-02-16"}]
    ]
    settings = CollectionSettings(categories={"military": Category(label="Armed forces")})
    [item] = json.loads(to_timelinejs(events, "T", settings=settings))["events"]
    assert item["group"] == "Armed forces"
    assert "Wire · Report · 2022-02-16" in item["media"]["credit"]


def test_the_timeline_sends_dates_as_text_so_no_browser_moves_them_by_its_time_zone():
    collection = load_collection(Path(__file__).resolve().parents[1] / "events")
    view = View(start=dt.date(2022, 2, 15), end=dt.date(2022, 2, 16))
    fig = timeline_figure(apply(collection.events, view), view, collection.settings)
    assert fig.layout.xaxis.range == ("2022-02-15 00:00:00.000", "2022-02-17 00:00:00.000")
    dated = [t for t in fig.data if t.type == "scatter" and t.x is not None]  # (a bar's x is its length)
    assert dated and all(isinstance(x, str) for t in dated for x in t.x if x is not None)
    bars = [t for t in fig.data if t.type == "bar"]
    assert bars and all(isinstance(b, str) for t in bars for b in t.base)
    # (a note at the axis's edge, for an event reaching in from off it, is placed on the paper, not at a date)
    assert all(isinstance(a.x, str) for a in fig.layout.annotations if a.name and a.xref != "paper")
    # A zoom comes back as plotly reports it: the same text, read as UTC.
    zoomed = state.zoom(View(), {"xaxis.range[0]": "2022-02-15 05:34", "xaxis.range[1]": "2022-02-15 15:07"})
    assert (zoomed.start, zoomed.end) == (dt.datetime(2022, 2, 15, 5, 34), dt.datetime(2022, 2, 15, 15, 7))


# ---- a link's filter values that name nothing ------------------------------------------------------------------


def test_a_links_unknown_filter_value_is_said_with_the_closest_name_and_dropped():
    collection = load_collection(Path(__file__).resolve().parents[1] / "events")
    view = state.known_names(View.from_query("?category=milltary&category=politics&actor=Zelensky"), collection)
    assert view.category == ("politics",) and view.actor == ()
    assert "'category=milltary' names nothing here (did you mean military?); ignored" in view.warnings
    assert any("'actor=Zelensky'" in w and "Volodymyr Zelenskyy" in w for w in view.warnings)
    same = View.from_query("?category=politics")
    assert state.known_names(same, collection) is same


def test_the_app_shows_the_notice_for_a_link_with_an_unknown_filter_value():
    from dashboard.app.callbacks import respond

    collection = load_collection(Path(__file__).resolve().parents[1] / "events")
    values = {"url": "?category=milltary", "viewport": {"width": 1400}, "controls": {}, "screen": None}
    out = respond(values, collection, None)
    assert "did you mean military?" in json.dumps(out["notice"], default=str)
    assert out["count"] and "18" in json.dumps(out["count"], default=str)


def test_import_reads_numeric_dates_in_the_target_folders_order(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,title,date,category\na,Alpha,02/03/2022,x\n")
    out = write(tmp_path / "out", {"_collection.yaml": "date_order: DMY\n"})
    done = CliRunner().invoke(cli, ["import", str(table), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert load_collection(out).events["start"].iloc[0] == pd.Timestamp("2022-03-02")
    refused = CliRunner().invoke(cli, ["import", str(table), "--out", str(tmp_path / "plain")])
    assert refused.exit_code == 1 and "could be 2 March or 3 February" in refused.stderr


def test_a_value_yaml_cannot_build_is_said_with_every_other_problem_of_the_file(tmp_path):
    text = (
        "date: 2022-02-31\n"  # a timestamp YAML cannot build: it used to end the reading of the file
        "category: x\n"
        "links:\n"
        "  - {to: x, relation: likes}\n"
        "count: !!int abc\n"
    )
    folder = write(tmp_path / "events", {"bad.yaml": text, "good.yaml": "title: G\ndate: 2022-02-16\ncategory: x\n"})
    collection = load_collection(folder)
    found = sorted((p.line, p.column, p.message.split(":")[0]) for p in collection.problems)
    # The missing title, the date, the relation, the unknown key and the number that is not one: all at once.
    assert [where[:2] for where in found] == [(1, 1), (1, 7), (4, 23), (5, 1), (5, 8)], found
    assert sum("2022-02-31" in p.message for p in collection.problems) == 1, "said once, not again by the date"
    assert list(collection.events["id"]) == ["good"]


def test_a_value_that_cannot_be_built_leaves_its_event_out_even_where_its_text_would_do(tmp_path):
    folder = write(tmp_path / "events", {"e.yaml": "title: !!int abc\ndate: 2022-02-16\ncategory: x\n"})
    collection = load_collection(folder)
    assert collection.events.empty
    [problem] = collection.problems
    assert (problem.line, problem.column) == (1, 8) and 'could not read "abc" as a whole number' in problem.message

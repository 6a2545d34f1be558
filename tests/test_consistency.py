"""Consistency checks: dates against the first report, expected events, the order of linked events, and likely
duplicates; as warnings in `timeline validate` (exit 0 unless --strict) and in the app's banner."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard import index
from dashboard.app import banner
from dashboard.app.banner import problems_banner
from dashboard.cli import cli
from dashboard.consistency import DUPLICATE_LIMIT, Checked, check, consistency_warnings
from dashboard.model import CollectionSettings
from dashboard.store import load_collection
from dashboard.table import Collection, Effect, Problem

EVENTS = Path(__file__).resolve().parents[1] / "events"


def event(title: str, date: str, published: str = "2022-02-16", **keys: str) -> str:
    """An event file's text: its title and date, one source published on ``published``, and any other keys."""
    lines = [f"title: {title}", f"date: {date}", "category: military"]
    lines += [f"{key}: {value}" for key, value in keys.items()]
    lines += ["sources:", "  - title: A report", "    publisher: DW", f"    published: {published}"]
    return "\n".join(lines) + "\n"


CLEAN = {
    "resolution.yaml": event("The Duma passes a resolution", "2022-02-15", published="2022-02-15"),
    "appeal.yaml": event(
        "Ukraine appeals to the Security Council",
        "2022-02-16",
        links="\n  - {to: resolution, relation: responds-to}",
    ),
    "call.yaml": event("Biden and Scholz to speak by phone", "2022-02-17", status="expected"),
    "deployment.yaml": event("The deployment has begun", "2022-02-16 10:00 Europe/Kyiv"),
    "talks.yaml": event("Talks in Moscow", "2022-02-15", end="2022-02-16", approximate="true"),
    "sanctions.yaml": event(
        "Sanctions are announced",
        "2022-02-14",
        published="2022-02-14",
        links="\n  - {to: appeal, relation: causes}",
    ),
}


def folder(tmp_path: Path, files: dict[str, str]) -> Path:
    target = tmp_path / "events"
    target.mkdir(parents=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    return target


def warnings_of(tmp_path: Path, files: dict[str, str]) -> list[Problem]:
    collection = load_collection(folder(tmp_path, files))
    assert collection.problems == []  # warnings are not problems: loading is unchanged
    return consistency_warnings(collection.events)


def only(found: list[Problem], path: str) -> Problem:
    [warning] = [w for w in found if w.path == path]
    assert warning.effect == Effect.WARNING and warning.line == 1 and warning.column == 1
    return warning


def test_an_exact_day_range_past_its_report_is_told_to_narrow_not_to_open(tmp_path):
    files = {**CLEAN, "meeting.yaml": event("Ministers meet", "2022-02-16", end="2022-02-18")}
    message = only(warnings_of(tmp_path, files), "meeting.yaml").message
    assert "narrow the date" in message and "open bound" not in message


def test_an_open_end_is_not_held_to_the_report(tmp_path):
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02-03/..")}
    assert warnings_of(tmp_path, files) == []


def test_a_clean_collection_has_no_warnings(tmp_path):
    assert warnings_of(tmp_path, CLEAN) == []


# ---- dates and the first report --------------------------------------------------------------------------------


def test_an_event_that_can_end_after_its_first_report_is_a_warning(tmp_path):
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02", approximate="true")}
    warning = only(warnings_of(tmp_path, files), "deployment.yaml")
    assert warning.message == (
        "'date': about Feb 2022 runs to 28 Feb 2022, after the first report on 16 Feb 2022; if it had happened by "
        'then, say so with an open bound, "by 16 Feb 2022" (EDTF ../2022-02-16), or narrow the date (or mark it '
        "expected)"
    )
    assert str(warning) == f"deployment.yaml:1:1: warning: {warning.message}"


def test_an_event_after_its_first_report_is_a_warning_and_its_own_day_is_not(tmp_path):
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02-17")}
    warning = only(warnings_of(tmp_path, files), "deployment.yaml")
    assert warning.message.startswith("'date': 17 Feb 2022 is after the first report on 16 Feb 2022;")
    # the report's own day, and a time on it in a zone west of UTC (the next day in UTC), are fine
    files["deployment.yaml"] = event("The deployment has begun", "2022-02-16 22:00 America/New_York")
    assert warnings_of(tmp_path / "west", files) == []


def test_a_later_report_that_covers_the_rest_of_an_event_leaves_it_unwarned(tmp_path):
    two_days = event("Defence ministers meet", "2022-02-16", end="2022-02-17")
    later = "  - title: The second day\n    publisher: Reuters\n    published: 2022-02-17\n"
    files = {**CLEAN, "meeting.yaml": two_days}
    assert only(warnings_of(tmp_path, files), "meeting.yaml").message.startswith(
        "'date': 16–17 Feb 2022 runs to 17 Feb 2022, after the first report on 16 Feb 2022;"
    )
    assert warnings_of(tmp_path / "covered", {**files, "meeting.yaml": two_days + later}) == []
    three_days = event("Defence ministers meet", "2022-02-16", end="2022-02-18") + later
    assert only(
        warnings_of(tmp_path / "not-covered", {**files, "meeting.yaml": three_days}), "meeting.yaml"
    ).message == (
        "'date': 16–18 Feb 2022 runs to 18 Feb 2022, after the last report on 17 Feb 2022; if it happened by then, "
        "narrow the date (or mark it expected)"
    )


def test_an_expected_event_is_not_warned_for_ending_after_its_report(tmp_path):
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02", status="expected")}
    assert warnings_of(tmp_path, files) == []


def test_an_expected_event_dated_before_its_report_is_a_warning(tmp_path):
    files = {**CLEAN, "call.yaml": event("Biden and Scholz to speak by phone", "2022-02-15", status="expected")}
    warning = only(warnings_of(tmp_path, files), "call.yaml")
    assert warning.message.startswith(
        "'status': expected, but 15 Feb 2022 is before the first report on 16 Feb 2022: if it happened,"
    )
    # announced for the day it is reported on: still to come
    files["call.yaml"] = event("Biden and Scholz to speak by phone", "2022-02-16", status="expected")
    assert warnings_of(tmp_path / "same-day", files) == []


# ---- the order of linked events ---------------------------------------------------------------------------------


def test_a_link_to_an_event_that_began_later_is_a_warning(tmp_path):
    files = {**CLEAN, "resolution.yaml": event("The Duma passes a resolution", "2022-02-16")}
    files["appeal.yaml"] = CLEAN["appeal.yaml"].replace("2022-02-16", "2022-02-15", 1)
    files["appeal.yaml"] = files["appeal.yaml"].replace("published: 2022-02-16", "published: 2022-02-15")
    warning = only(warnings_of(tmp_path, files), "appeal.yaml")
    assert warning.message == (
        "'links': responds-to resolution, which began 16 Feb 2022: this event (15 Feb 2022) cannot respond to an "
        "event that began later; check the link or the dates"
    )


def test_a_link_that_narrows_an_approximate_date_says_the_narrowed_date(tmp_path):
    files = {
        **CLEAN,
        "appeal.yaml": event(
            "Ukraine appeals to the Security Council",
            "2022-02-14",
            end="2022-02-16",
            approximate="true",
            links="\n  - {to: resolution, relation: responds-to}",
        ),
    }
    warning = only(warnings_of(tmp_path, files), "appeal.yaml")
    assert warning.message == (
        "'links': responds-to resolution, which began 15 Feb 2022: this event can be no earlier than 15 Feb 2022 "
        "(its date says from 14 Feb 2022)"
    )


def test_a_cause_that_began_after_its_effect_is_a_warning_and_part_of_says_nothing_of_order(tmp_path):
    files = {**CLEAN}
    files["sanctions.yaml"] = event(
        "Sanctions are announced", "2022-02-17", published="2022-02-17", links="\n  - {to: appeal, relation: causes}"
    )
    warning = only(warnings_of(tmp_path, files), "sanctions.yaml")
    assert warning.message.startswith("'links': causes appeal, which began 16 Feb 2022: this event (17 Feb 2022)")
    assert "cannot cause an event that began earlier" in warning.message
    files["sanctions.yaml"] = files["sanctions.yaml"].replace("causes", "part-of")
    assert warnings_of(tmp_path / "part-of", files) == []


def test_a_cause_dated_to_a_month_is_narrowed_by_its_effect(tmp_path):
    files = {**CLEAN}
    files["sanctions.yaml"] = event(
        "Sanctions are announced", "2022-02", published="2022-03-01", links="\n  - {to: appeal, relation: causes}"
    )
    warning = only(warnings_of(tmp_path, files), "sanctions.yaml")
    assert warning.message == (
        "'links': causes appeal, which began 16 Feb 2022: this event can be no later than 16 Feb 2022 (its date "
        "says up to 28 Feb 2022)"
    )


# ---- likely duplicates --------------------------------------------------------------------------------------------


def test_near_identical_titles_on_overlapping_dates_are_a_warning(tmp_path):
    again = event("The Duma passes a resolution!", "2022-02-15", published="2022-02-15", approximate="true")
    files = {**CLEAN, "again.yaml": again}
    warning = only(warnings_of(tmp_path, files), "again.yaml")
    assert warning.message == (
        "'title': nearly the same as 'The Duma passes a resolution' (resolution, resolution.yaml:1), on "
        "overlapping dates (about 15 Feb 2022 and 15 Feb 2022): likely one event written twice"
    )
    # the one that starts first is named, the other warned: here the month that holds the day
    files["again.yaml"] = event("The Duma passes a resolution!", "2022-02", published="2022-03-01")
    assert "(about" not in only(warnings_of(tmp_path / "month", files), "resolution.yaml").message
    files["again.yaml"] = event("The Duma pases a resolution", "2022-02-15", published="2022-02-15")  # a typo
    [warning] = warnings_of(tmp_path / "typo", files)
    assert warning.message.startswith("'title': nearly the same as")
    files["again.yaml"] = event("A resolution, the Duma passes", "2022-02-15", published="2022-02-15")  # reordered
    [warning] = warnings_of(tmp_path / "order", files)
    assert warning.message.startswith("'title': nearly the same as")


def test_the_same_title_on_other_dates_or_a_different_title_is_no_duplicate(tmp_path):
    files = {**CLEAN, "again.yaml": event("The Duma passes a resolution", "2022-02-16")}
    assert warnings_of(tmp_path, files) == []
    files["again.yaml"] = event("The Duma passes a law", "2022-02-15", published="2022-02-15")
    assert warnings_of(tmp_path / "other-title", files) == []


def table(size: int, titles: list[str] | None = None) -> pd.DataFrame:
    """A synthetic events table of ``size`` events, a hundred a day, each reported on its day."""
    start = np.datetime64("2020-01-01", "us") + (np.arange(size) // 100).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(size)],
            "title": titles or [f"Event number {i} of the day" for i in range(size)],
            "start": start,
            "end": start + np.timedelta64(1, "D"),
            "precision": "day",
            "approximate": False,
            "uncertain": False,
            "earliest": start,
            "latest": start + np.timedelta64(1, "D"),
            "when": "a day",
            "status": "reported",
            "reported": start,
            "sources": [[{"title": "A report", "published": str(day)}] for day in start.astype("datetime64[D]")],
            "links": [[{"to": f"e{i - 1}", "relation": "follows"}] if i % 30 == 1 else [] for i in range(size)],
            "path": [f"e{i}.yaml" for i in range(size)],
            "line": 1,
        }
    )


def test_the_duplicate_search_stops_past_its_limit_and_says_so():
    big = table(DUPLICATE_LIMIT + 1, ["Same title"] * (DUPLICATE_LIMIT + 1))
    checked = check(big)
    assert checked.warnings == []
    [note] = checked.notes
    assert note.startswith("near-duplicate titles were not looked for")
    assert len(check(table(300, ["Same title"] * 300)).warnings) > 0  # below the limit they are looked for


def test_a_cut_list_counts_every_warning():
    events = table(300, ["Same title"] * 300)
    every = check(events)
    cut = check(events, most=5)
    assert len(every.warnings) == every.count > 5
    assert len(cut.warnings) == 5 and cut.count == every.count
    assert cut.warnings == sorted(cut.warnings)


def test_every_check_of_a_hundred_thousand_events_takes_about_a_second():
    events = table(100_000)
    started = time.perf_counter()
    checked = check(events)
    took = time.perf_counter() - started
    assert checked.warnings == [] and checked.notes == [
        f"near-duplicate titles were not looked for: 100,000 events are more than {DUPLICATE_LIMIT:,}"
    ]
    assert took < 3, took  # about 0.1 s alone; a shared machine is given room


# ---- validate and the banner ----------------------------------------------------------------------------------------


def test_validate_prints_warnings_after_problems_and_exits_0_unless_strict(tmp_path):
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02", approximate="true")}
    target = folder(tmp_path, files)
    result = CliRunner().invoke(cli, ["validate", str(target)])
    assert result.exit_code == 0, result.output
    assert f"{target}/deployment.yaml:1:1: warning: 'date': about Feb 2022 runs to 28 Feb 2022" in result.stdout
    assert result.stderr.strip() == "6 events OK; 1 warning"
    assert CliRunner().invoke(cli, ["validate", "--strict", str(target)]).exit_code == 1
    # a problem comes first and fails validation, with or without --strict
    (target / "bad.yaml").write_text("title: Bad\ndate: Febuary 16\ncategory: military\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(target)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "bad.yaml" in lines[0] and "warning:" in lines[1]
    assert result.stderr.strip().endswith("; 1 warning")


def test_validate_of_a_clean_collection_has_no_warning_and_passes_strict(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--strict", str(folder(tmp_path, CLEAN))])
    assert result.exit_code == 0 and "warning" not in result.output
    assert result.stderr.strip() == "6 events OK"


def test_validate_of_the_bundled_events_exits_0_whatever_warnings_they_have():
    result = CliRunner().invoke(cli, ["validate", str(EVENTS)])
    assert result.exit_code == 0, result.output
    assert all(": warning: " in line for line in result.stdout.splitlines())


def test_the_banner_lists_warnings_under_their_own_heading_folded(tmp_path):
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02", approximate="true")}
    collection = load_collection(folder(tmp_path, files))
    [details] = problems_banner(collection)
    assert details.children[0].children == "1 warning worth a look."
    assert details.open is False and details.role == "status"
    [group] = details.children[1:-1]
    props = group.to_plotly_json()["props"]
    assert props["data-effect"] == "warning" and "Worth a look" in str(group.children[0])
    [line] = group.children[1].children.split("\n")
    assert line.startswith("deployment.yaml:1:1: warning: 'date': about Feb 2022")
    assert len(collection.events) == 6  # nothing is left out


def test_the_banner_puts_problems_before_warnings_and_is_empty_when_clean(tmp_path):
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02", approximate="true")}
    files["bad.yaml"] = "title: Bad\ndate: Febuary 16\ncategory: military\n"
    [details] = problems_banner(load_collection(folder(tmp_path, files)))
    assert details.children[0].children == "1 problem in 1 file: 1 left out until fixed; 1 warning worth a look."
    effects = [group.to_plotly_json()["props"]["data-effect"] for group in details.children[1:-1]]
    assert effects == ["left out", "warning"] and details.role == "alert"
    assert problems_banner(load_collection(folder(tmp_path / "clean", CLEAN))) == []


@pytest.mark.parametrize("title", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
def test_a_title_in_a_warning_stays_text(tmp_path, title):
    files = {**CLEAN, "a.yaml": event(title, "2022-02-16"), "b.yaml": event(title + ".", "2022-02-16")}
    [details] = problems_banner(load_collection(folder(tmp_path, files)))
    [group] = details.children[1:-1]
    lines = group.children[1].children
    assert isinstance(lines, str) and title in lines  # a string: Dash renders it as text


def test_links_to_and_from_open_dates_contradict_nothing_they_cannot(tmp_path):
    files = {
        **CLEAN,
        "began.yaml": event("A deployment began", "../2022-02-16"),
        "after.yaml": event(
            "Troops arrive", "2022-02-14", published="2022-02-14", links="\n  - {to: began, relation: follows}"
        ),
        "opened.yaml": event("An exercise", "../2022-02-16", links="\n  - {to: resolution, relation: follows}"),
    }
    found = [w for w in warnings_of(tmp_path, files) if w.path in ("after.yaml", "opened.yaml")]
    assert found == []  # the deployment may have begun any time before the 16th; the exercise, after the 15th


def test_a_link_from_a_later_event_still_contradicts_an_open_end_that_began_after_it(tmp_path):
    files = {
        **CLEAN,
        "since.yaml": event("Drills go on", "2022-02-20/.."),
        "before.yaml": event(
            "A warning", "2022-02-14", published="2022-02-14", links="\n  - {to: since, relation: follows}"
        ),
    }
    [warning] = [w for w in warnings_of(tmp_path, files) if w.path == "before.yaml"]
    assert "cannot follow an event that began later" in warning.message


def components(node: object) -> int:
    """How many Dash components a tree holds (each one costs the page on every change of its store)."""
    if isinstance(node, (list, tuple)):
        return sum(components(child) for child in node)
    children = getattr(node, "children", None)
    return 1 + components(children) if hasattr(node, "to_plotly_json") else 0


def test_a_banner_of_hundreds_of_lines_is_a_few_components(tmp_path):
    files = {**CLEAN, **{f"bad-{n}.yaml": "title: Bad\ndate: Febuary 16\ncategory: military\n" for n in range(150)}}
    files.update({f"w-{n}.yaml": event("The deployment has begun", "2022-02", approximate="true") for n in range(60)})
    banner = problems_banner(load_collection(folder(tmp_path, files)))
    [details] = banner
    lines = [line for group in details.children[1:-1] for line in group.children[1].children.split("\n")]
    assert len(lines) == 200, "as many lines as the banner shows"
    assert components(banner) < 20


def test_a_big_collections_warnings_are_kept_on_disk_and_a_restart_reads_them(tmp_path, monkeypatch):
    """A second start over the same files reads the warnings rather than checking a million events again; other
    files, or a kept file that is not ours, are checked again."""
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(banner, "KEEP_FROM", 1)
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02", approximate="true")}
    events = folder(tmp_path, files)
    collection = load_collection(events)
    first = banner.checked(collection)
    [kept] = (tmp_path / "cache" / banner.FOLDER).glob("*.json")
    assert kept.name.startswith(collection.fingerprint + "-")

    def restart() -> Checked:
        index._indexes.clear()  # what a new process starts with
        return banner.checked(load_collection(events))

    monkeypatch.setattr(banner, "check", lambda *args, **kwargs: pytest.fail("checked again"))
    again = restart()
    assert again == first and [str(w) for w in again.warnings] == [str(w) for w in first.warnings]

    monkeypatch.setattr(banner, "check", check)
    kept.write_text('{"warnings": [["x", "one", 1, "m", "warning"]], "notes": [], "count": 1}')
    assert restart() == first, "a kept file that does not read as warnings is checked again"
    kept.write_text("\x00not json")
    assert restart() == first

    (events / "deployment.yaml").write_text(CLEAN["deployment.yaml"], encoding="utf-8")
    assert restart().warnings == [], "another state of the files: checked again"
    assert len(list(kept.parent.glob("*.json"))) == 2


def test_small_or_passing_collections_keep_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    banner.checked(load_collection(folder(tmp_path, CLEAN)))  # fewer than KEEP_FROM events
    monkeypatch.setattr(banner, "KEEP_FROM", 1)
    banner.checked(Collection(load_collection(folder(tmp_path / "b", CLEAN)).events, [], CollectionSettings()))
    assert not (tmp_path / "cache").exists(), "a table picked for one request names nothing a restart asks for"


def kept_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Collection, Path]:
    """A collection with one warning, kept on disk whatever its size, and where its warnings would be kept (its
    folder made, the file not)."""
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(banner, "KEEP_FROM", 1)
    files = {**CLEAN, "deployment.yaml": event("The deployment has begun", "2022-02", approximate="true")}
    collection = load_collection(folder(tmp_path, files))
    path = banner._kept_at(collection.fingerprint)
    assert path is not None
    path.parent.mkdir(parents=True)
    return collection, path


def test_a_pipe_where_the_warnings_are_kept_is_no_trouble(tmp_path, monkeypatch):
    """Whatever sits at the kept file's place (a pipe would hold a read for ever), the warnings are worked out."""
    collection, path = kept_place(tmp_path, monkeypatch)
    os.mkfifo(path)
    found: list[Checked] = []
    worker = threading.Thread(target=lambda: found.append(banner.checked(collection)), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "reading the kept warnings waited on a pipe"
    assert [w.path for w in found[0].warnings] == ["deployment.yaml"]
    assert stat.S_ISFIFO(path.stat().st_mode), "what was there is left alone"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 50_000,  # nested past what Python parses
        '{"warnings": [], "notes": [], "count": Infinity}',
        '{"warnings": [], "notes": [], "count": -1}',
        '{"warnings": [], "notes": "a text, not a list", "count": 0}',
        '{"warnings": [["x.yaml", 1, 1, "m", "left out"]], "notes": [], "count": 1}',  # not a warning
        '{"warnings": [["x.yaml", 1.5, 1, "m", "warning"]], "notes": [], "count": 1}',
        '{"warnings": [[{"a": 1}, 1, 1, "m", "warning"]], "notes": [], "count": 1}',
    ],
)
def test_a_kept_file_that_is_not_ours_is_checked_again(tmp_path, monkeypatch, text):
    collection, path = kept_place(tmp_path, monkeypatch)
    path.write_text(text, encoding="utf-8")
    found = banner.checked(collection)
    assert [(w.path, w.effect) for w in found.warnings] == [("deployment.yaml", Effect.WARNING)]
    assert found.count == 1


def test_kept_text_is_shown_as_any_text_from_a_file_is_and_kept_for_the_user_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(banner, "KEEP_FROM", 1)
    collection = load_collection(folder(tmp_path, CLEAN))
    path = banner._kept_at(collection.fingerprint)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text('{"warnings": [["a.yaml", 1, 1, "\\u202eevil", "warning"]], "notes": ["\\u202eevil"], "count": 1}')
    found = banner.checked(collection)
    assert "\u202e" not in found.warnings[0].message and "\u202e" not in found.notes[0]
    assert "evil" in found.notes[0]
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "own"))  # a cache folder the app makes itself
    banner.checked(load_collection(folder(tmp_path / "again", CLEAN)))
    [kept] = (tmp_path / "own" / banner.FOLDER).glob("*.json")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700

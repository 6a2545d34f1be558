"""Files -> Collection: good events as DataFrame rows, every problem with its path, line, column and plain message."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from rows import by_id

from dashboard import store
from dashboard.readers import yaml_events
from dashboard.readers.yaml_events import MAX_FILE_BYTES
from dashboard.store import load_collection
from dashboard.table import COLUMNS, Problem

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
MIXED = DATA / "mixed"
BUNDLED = Path(__file__).parent.parent / "events"

EVENT = "title: {title}\ndate: {date}\ncategory: diplomacy\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_by_file(collection) -> dict[str, list[Problem]]:
    found: dict[str, list[Problem]] = {}
    for problem in collection.problems:
        found.setdefault(Path(problem.path).name, []).append(problem)
    return found


# ---- a folder of good events --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good():
    return load_collection(GOOD)


def test_good_folder_loads_every_event_without_problems(good):
    assert good.problems == []
    assert len(good.events) == 7


def test_events_are_sorted_by_start(good):
    assert list(good.events["id"]) == [
        "crimea-annexation",  # 2014
        "troop-build-up",  # Nov 2021 – Jan 2022
        "us-troops",  # Feb 2022
        "unity-day-declaration",  # earlier in the week: 14–15 Feb
        "biden-call",  # Wednesday: 16 Feb, ends before the two-day meeting
        "defence-ministers-meeting",  # 16–17 Feb
        "stoltenberg-press-conference",  # 16 Feb 13:30 UTC
    ]
    assert good.events["start"].is_monotonic_increasing


def test_frame_has_the_documented_columns_and_types(good):
    assert list(good.events.columns) == COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(good.events["start"])
    assert pd.api.types.is_datetime64_any_dtype(good.events["end"])
    assert good.events["approximate"].dtype == bool


def test_id_defaults_to_the_file_stem(good):
    assert "biden-call" in by_id(good)
    assert by_id(good)["biden-call"]["path"].endswith("biden-call.yaml")


def test_explicit_id_overrides_the_file_stem(good):
    assert "stoltenberg-press-conference" in by_id(good)
    assert "press-conference" not in by_id(good)


def test_nested_folders_and_yml_suffix_load(good):
    row = by_id(good)["us-troops"]
    assert Path(row["path"]).parts[-2:] == ("archive", "us-troops.yml")


def test_settings_file_is_read_as_settings_not_as_an_event(good):
    assert good.settings.title == "Test timeline"
    assert list(good.settings.categories) == ["diplomacy", "politics", "military"]
    assert not any("_collection" in str(path) for path in good.events["path"])


def test_a_file_may_hold_a_list_of_events_with_ids(good):
    assert by_id(good)["crimea-annexation"]["precision"] == "year"
    assert by_id(good)["troop-build-up"]["when"] == "Nov 2021 – Jan 2022"


def test_row_holds_span_precision_and_parts(good):
    row = by_id(good)["defence-ministers-meeting"]
    assert row["title"] == "NATO defence ministers meet in Brussels"
    assert row["start"] == pd.Timestamp("2022-02-16")
    assert row["end"] == pd.Timestamp("2022-02-18")  # the last day is included
    assert row["precision"] == "day"
    assert row["when"] == "16–17 Feb 2022"
    assert row["date_text"] == "2022-02-16 – 2022-02-17"
    assert row["actors"] == ["NATO", "Jens Stoltenberg"]
    assert row["places"][0] == {"name": "NATO headquarters, Brussels", "country": "BE", "lat": 50.8796, "lon": 4.4253}
    assert row["quotes"][0]["speaker"] == "Jens Stoltenberg"
    assert row["sources"][0]["url"].startswith("https://www.dw.com/")
    assert row["links"] == [{"to": "biden-call", "relation": "follows"}]
    assert row["line"] == 1


def test_weekday_is_read_against_the_source_publication_date(good):
    row = by_id(good)["biden-call"]
    assert (row["start"], row["end"]) == (pd.Timestamp("2022-02-16"), pd.Timestamp("2022-02-17"))


def test_phrase_date_is_approximate(good):
    row = by_id(good)["unity-day-declaration"]
    assert bool(row["approximate"]) is True
    assert row["when"] == "about 14–15 Feb 2022"


def test_approximate_key_marks_the_event_approximate(good):
    row = by_id(good)["us-troops"]
    assert bool(row["approximate"]) is True
    assert row["precision"] == "month"
    assert row["when"] == "about Feb 2022"


def test_time_with_zone_is_stored_in_utc_with_the_zone(good):
    row = by_id(good)["stoltenberg-press-conference"]
    assert row["start"] == pd.Timestamp("2022-02-16 13:30")
    assert row["precision"] == "minute"
    assert row["zone"] == "Europe/Brussels"
    assert row["when"] == "16 Feb 2022, 14:30 CET"


def test_a_single_file_can_be_loaded_with_its_folder_settings():
    collection = load_collection(GOOD / "biden-call.yaml")
    assert list(collection.events["id"]) == ["biden-call"]
    assert collection.problems == []
    assert "diplomacy" in collection.settings.categories


# ---- a folder of good and bad files ---------------------------------------------------------------------------

# file -> (line, column, text the message must hold); exactly one problem is expected for each file.
EXPECTED_PROBLEMS = {
    "syntax-error.yaml": (3, 11, "YAML syntax: mapping values are not allowed"),
    "unknown-key.yaml": (4, 1, "unknown key 'summray': did you mean 'summary'?"),
    "missing-title.yaml": (1, 1, "'title': required key is missing"),
    "wrong-type.yaml": (6, 10, "'places[0].lat': Input should be a valid number"),
    "unity-day.yaml": (4, 7, "'date': could not read \"Febuary 16\" as a date"),
    "repeat-id.yaml": (1, 5, "duplicate id 'good-call': already used in "),
    "broken-link.yaml": (5, 9, "'links[0].to': no event has the id 'good-cal': did you mean 'good-call'?"),
    "ends-before-start.yaml": (3, 6, "'end': ends (2022-02-16) before it starts (2022-02-17)"),
    "unknown-category.yaml": (3, 11, "'category': 'sport' is not one of diplomacy, politics (see _collection.yaml)"),
    "empty.yaml": (1, 1, "the file holds no event"),
    "list-of-events.yaml": (5, 3, "'id': required when a file holds several events"),
    "python-tag.yaml": (1, 8, "python/object"),
    "not-a-mapping.yaml": (1, 1, "an event must be a mapping"),
    "alias-bomb.yaml": (2, 1, "refused: the document expands to more than"),
    "not-utf8.yaml": (1, 1, "not UTF-8 text"),
    "too-big.yaml": (1, 1, "refused: the file is"),
}
GOOD_IN_MIXED = {"good-call", "good-month", "listed-with-id"}
BAD_IN_MIXED = {
    "syntax-error",
    "unknown-key",
    "missing-title",
    "wrong-type",
    "unity-day",
    "ends-before-start",
    "empty",
    "python-tag",
    "not-a-mapping",
    "alias-bomb",
    "not-utf8",
    "too-big",
}


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory) -> Path:
    """The committed mixed folder, plus the two files that are clearer generated: non-UTF-8 and over 1 MB."""
    root = tmp_path_factory.mktemp("collection") / "mixed"
    shutil.copytree(MIXED, root)
    write(root / "not-utf8.yaml", "title: Caf\xe9\ndate: 2022-02-16\ncategory: politics\n".encode("latin-1"))
    write(root / "too-big.yaml", EVENT.format(title="Big", date="2022-02-16") + "# " + "x" * MAX_FILE_BYTES + "\n")
    return root


@pytest.fixture(scope="module")
def mixed(mixed_dir):
    return load_collection(mixed_dir)


def test_mixed_folder_reports_exactly_the_expected_files(mixed):
    assert set(problems_by_file(mixed)) == set(EXPECTED_PROBLEMS)


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBLEMS))
def test_problem_has_path_line_column_and_message(mixed, mixed_dir, name):
    line, column, text = EXPECTED_PROBLEMS[name]
    [problem] = problems_by_file(mixed)[name]
    assert problem.path == name  # below the events folder, whatever the working folder
    assert (problem.line, problem.column) == (line, column)
    assert text in problem.message


def test_problem_messages_are_plain_words(mixed):
    for problem in mixed.problems:
        assert "\n" not in problem.message
        for noise in ("Traceback", "[type=", "errors.pydantic.dev", "input_value", "ValidationError"):
            assert noise not in problem.message, str(problem)


def test_good_events_load_beside_bad_files(mixed):
    ids = set(mixed.events["id"])
    assert GOOD_IN_MIXED <= ids
    assert not (BAD_IN_MIXED & ids)
    assert mixed.events["start"].is_monotonic_increasing
    assert mixed.events["id"].iloc[0] == "good-month"  # Feb 2022 starts before 16 Feb


def test_duplicate_id_keeps_the_first_and_names_both_files(mixed):
    assert by_id(mixed)["good-call"]["title"] == "A good call"
    [problem] = problems_by_file(mixed)["repeat-id.yaml"]
    assert problem.message.endswith("good-call.yaml:1")
    assert list(mixed.events["id"]).count("good-call") == 1


def test_link_to_a_missing_event_is_left_out_of_the_row(mixed):
    assert by_id(mixed)["broken-link"]["links"] == []


def test_list_of_events_loads_the_items_with_ids(mixed):
    assert by_id(mixed)["listed-with-id"]["title"] == "Listed with an id"


def test_problems_are_sorted_by_path_and_line(mixed):
    assert mixed.problems == sorted(mixed.problems)


def test_problem_str_is_path_line_column_message():
    assert str(Problem("events/a.yaml", 3, 7, "'date': bad")) == "events/a.yaml:3:7: 'date': bad"


def test_bad_date_problem_reads_exactly_as_documented(tmp_path, monkeypatch):
    write(tmp_path / "events" / "unity-day.yaml", (MIXED / "unity-day.yaml").read_text(encoding="utf-8"))
    assert (tmp_path / "events" / "unity-day.yaml").read_text().splitlines()[3] == "date: Febuary 16"
    monkeypatch.chdir(tmp_path)
    [problem] = load_collection("events").problems
    assert str(problem) == "unity-day.yaml:4:7: 'date': could not read \"Febuary 16\" as a date"
    monkeypatch.chdir("/")  # the same, seen from anywhere
    assert load_collection(tmp_path / "events").problems == [problem]


def test_missing_folder_is_a_problem_not_an_exception(tmp_path):
    collection = load_collection(tmp_path / "nowhere")
    [problem] = collection.problems
    assert "no such file or folder" in problem.message
    assert list(collection.events.columns) == COLUMNS
    assert collection.events.empty


def test_empty_folder_has_no_events_and_no_problems(tmp_path):
    collection = load_collection(tmp_path)
    assert collection.events.empty and collection.problems == []


def test_hidden_folders_are_skipped(tmp_path):
    write(tmp_path / "visible.yaml", EVENT.format(title="Visible", date="2022-02-16"))
    write(tmp_path / ".drafts" / "draft.yaml", "not: [valid")
    collection = load_collection(tmp_path)
    assert list(collection.events["id"]) == ["visible"]
    assert collection.problems == []


def test_files_with_other_suffixes_are_ignored(tmp_path):
    write(tmp_path / "event.yaml", EVENT.format(title="Event", date="2022-02-16"))
    write(tmp_path / "notes.txt", "title: [broken")
    write(tmp_path / "README.md", "# notes")
    assert load_collection(tmp_path).problems == []


# ---- safety ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.mkdir", "!!python/object/new:os.mkdir", "!!python/name:os.mkdir"],
)
def test_python_tags_are_never_constructed(tmp_path, tag):
    marker = tmp_path / "constructed"
    write(tmp_path / "events" / "evil.yaml", f'title: {tag} ["{marker}"]\ndate: 2022-02-16\ncategory: x\n')
    collection = load_collection(tmp_path / "events")
    assert not marker.exists()
    assert collection.events.empty
    [problem] = collection.problems
    assert "python/" in problem.message


def test_alias_bomb_is_refused_quickly(tmp_path):
    write(tmp_path / "bomb.yaml", (MIXED / "alias-bomb.yaml").read_text(encoding="utf-8"))
    started = time.perf_counter()
    collection = load_collection(tmp_path)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    [problem] = collection.problems
    assert problem.message.startswith("refused:")
    assert "aliases" in problem.message


def test_alias_bomb_inside_an_event_is_refused(tmp_path):
    levels = ["  - &l0 [" + ", ".join(["lol"] * 9) + "]"]
    levels += [f"  - &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    write(tmp_path / "bomb.yaml", EVENT.format(title="Bomb", date="2022-02-16") + "actors:\n" + "\n".join(levels))
    started = time.perf_counter()
    collection = load_collection(tmp_path)
    assert time.perf_counter() - started < 2.0
    assert collection.events.empty
    [problem] = collection.problems
    assert problem.message.startswith("refused:")


def test_self_referencing_alias_is_refused(tmp_path):
    write(tmp_path / "loop.yaml", "title: &a [*a]\ndate: 2022\ncategory: x\n")
    collection = load_collection(tmp_path)
    assert collection.events.empty
    [problem] = collection.problems
    assert problem.message.startswith("refused:")


def test_file_over_the_size_limit_is_refused_without_reading(tmp_path):
    path = write(tmp_path / "big.yaml", EVENT.format(title="Big", date="2022-02-16") + "#" * (MAX_FILE_BYTES + 1))
    [problem] = load_collection(tmp_path).problems
    assert problem.message.startswith(f"refused: the file is {path.stat().st_size:,} bytes")
    assert "the limit is 1,000,000" in problem.message
    # A file of exactly the limit is read.
    head = EVENT.format(title="At the limit", date="2022-02-16")
    write(tmp_path / "edge" / "at-limit.yaml", head + "#" * (MAX_FILE_BYTES - len(head) - 1) + "\n")
    at_limit = load_collection(tmp_path / "edge")
    assert at_limit.problems == [] and list(at_limit.events["id"]) == ["at-limit"]


def test_file_of_exactly_the_size_limit_loads(tmp_path):
    text = EVENT.format(title="Just fits", date="2022-02-16") + "# "
    write(tmp_path / "fits.yaml", text + "x" * (MAX_FILE_BYTES - len(text) - 1) + "\n")
    assert (tmp_path / "fits.yaml").stat().st_size == MAX_FILE_BYTES
    collection = load_collection(tmp_path)
    assert collection.problems == []
    assert list(collection.events["id"]) == ["fits"]


def test_non_utf8_file_says_where_and_what_to_do(tmp_path):
    write(tmp_path / "latin.yaml", "title: Caf\xe9\ndate: 2022\ncategory: x\n".encode("latin-1"))
    [problem] = load_collection(tmp_path).problems
    assert problem.message == "not UTF-8 text (byte 10): save the file as UTF-8"


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    write(tmp_path / "bom.yaml", "\ufeff" + EVENT.format(title="Kyiv — Київ", date="2022-02-16"))
    collection = load_collection(tmp_path)
    assert collection.problems == []
    assert by_id(collection)["bom"]["title"] == "Kyiv — Київ"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "[]\n"])
def test_file_without_an_event_is_a_problem(tmp_path, text):
    write(tmp_path / "nothing.yaml", text)
    [problem] = load_collection(tmp_path).problems
    assert problem.message == "the file holds no event"


# ---- what YAML makes of dates -----------------------------------------------------------------------------------


def test_bare_year_is_read_as_a_year_span(tmp_path):
    write(tmp_path / "year.yaml", EVENT.format(title="Year", date="2022"))
    row = by_id(load_collection(tmp_path))["year"]
    assert (row["precision"], row["when"]) == ("year", "2022")


def test_unquoted_yaml_timestamp_with_offset_keeps_the_minute(tmp_path):
    write(tmp_path / "moment.yaml", EVENT.format(title="Moment", date="2022-02-16 14:30:00+01:00"))
    collection = load_collection(tmp_path)
    assert collection.problems == []
    row = by_id(collection)["moment"]
    assert row["precision"] == "minute"
    assert row["start"] == pd.Timestamp("2022-02-16 13:30")


def test_unquoted_iso_date_with_small_day_loads_as_written(tmp_path):
    # 3 February, not 2 March: YAML's ISO dates are year-month-day.
    write(tmp_path / "early-feb.yaml", EVENT.format(title="Early February", date="2022-02-03"))
    row = by_id(load_collection(tmp_path))["early-feb"]
    assert row["start"] == pd.Timestamp("2022-02-03")


def test_weekday_without_published_source_is_a_problem_on_the_date(tmp_path):
    write(tmp_path / "when.yaml", EVENT.format(title="Which week?", date="Wednesday"))
    [problem] = load_collection(tmp_path).problems
    assert (problem.line, problem.column) == (2, 7)
    assert problem.message.startswith("'date': \"Wednesday\" needs a reference date")


def test_several_yaml_documents_in_one_file_each_load(tmp_path):
    write(
        tmp_path / "two.yaml",
        "id: first\n"
        + EVENT.format(title="One", date="2022-02-16")
        + "---\n"
        + "id: second\n"
        + EVENT.format(title="Two", date="2022-02-17"),
    )
    collection = load_collection(tmp_path)
    assert collection.problems == []
    assert list(collection.events["id"]) == ["first", "second"]


def test_bad_settings_file_is_reported_with_its_path(tmp_path):
    write(tmp_path / "_collection.yaml", "categories:\n  diplomacy: {color: blue}\n")
    write(tmp_path / "event.yaml", EVENT.format(title="Event", date="2022-02-16"))
    collection = load_collection(tmp_path)
    [problem] = collection.problems
    assert Path(problem.path).name == "_collection.yaml"
    assert (problem.line, problem.column) == (2, 22)
    assert "'categories.diplomacy.color'" in problem.message
    assert list(collection.events["id"]) == ["event"]


def test_no_categories_in_settings_means_any_category_is_accepted(tmp_path):
    write(tmp_path / "_collection.yaml", "title: Free\n")
    write(tmp_path / "event.yaml", "title: E\ndate: 2022\ncategory: anything\n")
    assert load_collection(tmp_path).problems == []


# ---- caching ------------------------------------------------------------------------------------------------------


def test_reload_after_edit_with_new_size_shows_the_change(tmp_path):
    path = write(tmp_path / "event.yaml", EVENT.format(title="Before", date="2022-02-16"))
    assert by_id(load_collection(tmp_path))["event"]["title"] == "Before"
    write(path, EVENT.format(title="After the edit", date="2022-02-17"))
    row = by_id(load_collection(tmp_path))["event"]
    assert row["title"] == "After the edit"
    assert row["start"] == pd.Timestamp("2022-02-17")


def test_reload_after_edit_of_same_size_with_new_mtime_shows_the_change(tmp_path):
    path = write(tmp_path / "event.yaml", EVENT.format(title="AAAA", date="2022-02-16"))
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    assert by_id(load_collection(tmp_path))["event"]["title"] == "AAAA"
    write(path, EVENT.format(title="BBBB", date="2022-02-16"))
    os.utime(path, ns=(1_600_000_001_000_000_000, 1_600_000_001_000_000_000))
    assert by_id(load_collection(tmp_path))["event"]["title"] == "BBBB"


def test_reload_after_a_fix_clears_the_problem(tmp_path):
    path = write(tmp_path / "event.yaml", EVENT.format(title="T", date="Febuary 16"))
    assert len(load_collection(tmp_path).problems) == 1
    write(path, EVENT.format(title="T", date="16 February 2022"))
    collection = load_collection(tmp_path)
    assert collection.problems == []
    assert list(collection.events["id"]) == ["event"]


def test_reload_after_delete_drops_the_event(tmp_path):
    write(tmp_path / "keep.yaml", EVENT.format(title="Keep", date="2022-02-16"))
    gone = write(tmp_path / "gone.yaml", EVENT.format(title="Gone", date="2022-02-16"))
    assert set(load_collection(tmp_path).events["id"]) == {"keep", "gone"}
    gone.unlink()
    assert set(load_collection(tmp_path).events["id"]) == {"keep"}


def test_reload_rereads_only_the_changed_file(tmp_path, monkeypatch):
    write(tmp_path / "same.yaml", EVENT.format(title="Same", date="2022-02-16"))
    changed = write(tmp_path / "changed.yaml", EVENT.format(title="Old", date="2022-02-16"))
    load_collection(tmp_path)
    read = []
    original = yaml_events.read_event_file
    monkeypatch.setattr(
        yaml_events,
        "read_event_file",
        lambda path, shown, *settings: read.append(path.name) or original(path, shown, *settings),
    )
    load_collection(tmp_path)
    assert read == []  # nothing changed: everything from the cache
    write(changed, EVENT.format(title="New and longer", date="2022-02-16"))
    collection = load_collection(tmp_path)
    assert read == ["changed.yaml"]
    assert by_id(collection)["changed"]["title"] == "New and longer"


def test_cached_results_are_not_changed_by_cross_checks(tmp_path):
    # A duplicate in one load must not leave a trace in the next load once the duplicate is gone.
    write(tmp_path / "a.yaml", EVENT.format(title="A", date="2022-02-16"))
    dup = write(tmp_path / "b.yaml", "id: a\n" + EVENT.format(title="B", date="2022-02-16"))
    assert len(load_collection(tmp_path).problems) == 1
    dup.unlink()
    collection = load_collection(tmp_path)
    assert collection.problems == []
    assert list(collection.events["id"]) == ["a"]


# ---- the bundled events folder -------------------------------------------------------------------------------------

REQUIRED_IDS = {
    "nato-defence-ministers-meeting",
    "biden-scholz-call",
    "ukraine-unity-day",
    "ukraine-unsc-appeal-duma-resolution",
}


@pytest.fixture(scope="module")
def bundled():
    return load_collection(BUNDLED)


def test_bundled_events_have_no_problems(bundled):
    assert [str(p) for p in bundled.problems] == []


def test_bundled_events_are_at_least_fifteen(bundled):
    assert len(bundled.events) >= 15


def test_bundled_events_include_the_key_stories(bundled):
    assert REQUIRED_IDS <= set(bundled.events["id"])


def test_bundled_unity_day_is_wednesday_16_february(bundled):
    row = by_id(bundled)["ukraine-unity-day"]
    assert row["start"] == pd.Timestamp("2022-02-16")
    assert row["when"] == "16 Feb 2022"


def test_every_bundled_event_cites_the_dw_report_of_16_february_2022(bundled):
    unsourced = [
        row["id"]
        for row in by_id(bundled).values()
        if not any(s.get("publisher") == "DW" and s.get("published") == "2022-02-16" for s in row["sources"])
    ]
    assert unsourced == [], "events without the report as a source"


def test_every_bundled_event_has_a_summary(bundled):
    assert [row["id"] for row in by_id(bundled).values() if not row["summary"].strip()] == []


def test_every_bundled_event_has_a_place_on_the_map(bundled):
    unplaced = [
        row["id"]
        for row in by_id(bundled).values()
        if not any(p["lat"] is not None and p["lon"] is not None for p in row["places"])
    ]
    assert unplaced == []


def test_bundled_link_targets_exist():
    # Read links from the files: the loaded rows leave out links to missing ids, so they cannot show them.
    paths = store.event_paths(BUNDLED)
    ids = {yaml.safe_load(p.read_text(encoding="utf-8")).get("id", p.stem) for p in paths}
    missing = [
        (p.name, link["to"])
        for p in paths
        for link in yaml.safe_load(p.read_text(encoding="utf-8")).get("links", [])
        if link["to"] not in ids
    ]
    assert missing == []


def test_bundled_dates_fall_in_the_reported_week(bundled):
    # The report is from 16 Feb 2022; nothing it tells of should be placed after that week.
    assert (bundled.events["start"] < pd.Timestamp(dt.date(2022, 2, 21))).all()


def test_filter_menu_choices_are_what_each_facet_finds_in_its_column():
    from dashboard.index import index_for
    from dashboard.view import FACETS

    events = load_collection(BUNDLED).events.copy()
    sources = events["sources"].tolist()
    sources[0] = [{"title": "Only a title", "publisher": None}, {"title": "T", "publisher": "Z Press"}]
    sources[1] = [{"title": "", "publisher": ""}, *sources[1]]
    events["sources"] = pd.Series(sources, index=events.index, dtype=object)
    collection = store.Collection(events, [], {}, "choices-test")
    choices = index_for(collection).choices
    for facet in FACETS:
        assert choices[facet.key] == facet.distinct(events[facet.column]), facet.key
    assert {"Only a title", "Z Press"} <= set(choices["source"]) and "T" not in choices["source"]

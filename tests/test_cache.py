"""The disk cache and the in-process memo: a restart over an unchanged folder parses no YAML, an edit re-reads
one file, and a cache that cannot be trusted is rebuilt, never shown to the user as an error."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from rows import by_id

from dashboard import cache, store
from dashboard.readers import tables, yaml_events
from dashboard.store import load_collection

DATA = Path(__file__).parent / "data"
FACET_KEYS = ["category", "actor", "place", "tag", "source"]
EVENT = "title: {title}\ndate: {date}\ncategory: diplomacy\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A cache folder of the test's own, used for folders of any size, and no memo left from other tests."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache, "MIN_FILES", 1)
    store._memo.clear()
    yield folder
    store._memo.clear()


@pytest.fixture
def events(tmp_path) -> Path:
    root = tmp_path / "events"
    for index in range(5):
        write(root / f"event-{index}.yaml", EVENT.format(title=f"Event {index}", date=f"2022-02-{10 + index}"))
    write(root / "nested" / "deep.yaml", EVENT.format(title="Deep", date="2022-02"))
    return root


def restart() -> None:
    """What a new process sees: nothing in memory, only the disk cache."""
    store._memo.clear()


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the files the YAML parser reads from now on."""
    names: list[str] = []
    original = yaml_events.read_event_file

    def counting(path: Path, shown: str, *settings):
        names.append(path.name)
        return original(path, shown, *settings)

    monkeypatch.setattr(yaml_events, "read_event_file", counting)
    return names


def test_restart_over_an_unchanged_folder_parses_no_yaml(cache_dir, events, monkeypatch):
    first = load_collection(events)
    restart()
    names: list[str] = []
    monkeypatch.setattr(yaml_events, "read_event_file", lambda path, shown, *settings: names.append(path.name))
    monkeypatch.setattr(yaml_events, "read_documents", lambda text: pytest.fail("YAML was parsed"))
    second = load_collection(events)
    assert names == []
    pd.testing.assert_frame_equal(first.events, second.events)
    assert second.problems == first.problems == []


def test_the_cache_lives_in_the_cache_folder_not_in_the_events_folder(cache_dir, events):
    before = sorted(p.relative_to(events) for p in events.rglob("*"))
    load_collection(events)
    assert sorted(p.relative_to(events) for p in events.rglob("*")) == before
    [path] = list(cache_dir.glob("*/*"))
    assert path == cache.location(events)
    assert path.read_bytes().startswith(b"ARROW1")  # Arrow IPC: data, never pickle


def test_one_cache_per_events_folder(cache_dir, tmp_path):
    write(tmp_path / "a" / "one.yaml", EVENT.format(title="A", date="2022"))
    write(tmp_path / "b" / "one.yaml", EVENT.format(title="B", date="2022"))
    load_collection(tmp_path / "a")
    load_collection(tmp_path / "b")
    assert len(list(cache_dir.glob("*/*"))) == 2
    restart()
    assert by_id(load_collection(tmp_path / "b"))["one"]["title"] == "B"


def test_an_edited_file_is_read_again_alone(cache_dir, events, parsed):
    load_collection(events)
    restart()
    parsed.clear()
    write(events / "event-2.yaml", EVENT.format(title="Edited, and longer than before", date="2022-02-20"))
    collection = load_collection(events)
    assert parsed == ["event-2.yaml"]
    row = by_id(collection)["event-2"]
    assert row["title"] == "Edited, and longer than before"
    assert row["start"] == pd.Timestamp("2022-02-20")


def test_an_edit_of_the_same_size_is_seen_by_its_mtime(cache_dir, events, parsed):
    path = events / "event-1.yaml"
    os.utime(path, ns=(1_600_000_000_000_000_000,) * 2)
    load_collection(events)
    restart()
    parsed.clear()
    write(path, path.read_text(encoding="utf-8").replace("Event 1", "Event X"))
    os.utime(path, ns=(1_600_000_001_000_000_000,) * 2)
    assert by_id(load_collection(events))["event-1"]["title"] == "Event X"
    assert parsed == ["event-1.yaml"]


def test_a_new_file_is_read_alone(cache_dir, events, parsed):
    load_collection(events)
    restart()
    parsed.clear()
    write(events / "nested" / "new.yaml", EVENT.format(title="New", date="2022-03-01"))
    collection = load_collection(events)
    assert parsed == ["new.yaml"]
    assert len(collection.events) == 7


def test_a_deleted_file_disappears(cache_dir, events, parsed):
    load_collection(events)
    (events / "event-3.yaml").unlink()
    restart()
    parsed.clear()
    collection = load_collection(events)
    assert "event-3" not in set(collection.events["id"])
    assert len(collection.events) == 5
    assert parsed == []
    restart()
    assert len(load_collection(events).events) == 5  # the cache was rewritten without it


@pytest.mark.parametrize("damage", [b"", b"not arrow at all", b"ARROW1\x00\x00garbage", "truncate"])
def test_a_damaged_cache_is_ignored_and_rebuilt(cache_dir, events, parsed, damage):
    first = load_collection(events)
    path = cache.location(events)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(damage)
    restart()
    parsed.clear()
    second = load_collection(events)
    assert second.problems == []
    pd.testing.assert_frame_equal(first.events, second.events)
    assert len(parsed) == 6  # everything read again...
    restart()
    parsed.clear()
    load_collection(events)
    assert parsed == []  # ...and the cache is good again


def test_an_unreadable_cache_folder_costs_speed_not_correctness(tmp_path, events, monkeypatch):
    blocker = write(tmp_path / "not-a-folder", "a file where the cache folder should be")
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(blocker))
    monkeypatch.setattr(cache, "MIN_FILES", 1)
    restart()
    collection = load_collection(events)
    assert collection.problems == [] and len(collection.events) == 6


def test_a_cache_written_by_other_parsing_code_is_not_used(cache_dir, events, parsed, monkeypatch):
    load_collection(events)
    restart()
    parsed.clear()
    monkeypatch.setattr(cache, "fingerprint", lambda: "different code")
    load_collection(events)
    assert len(parsed) == 6


def test_a_cache_of_another_folder_is_not_used(cache_dir, events, tmp_path, parsed):
    load_collection(events)
    other = tmp_path / "other"
    shutil.copytree(events, other)
    cache.location(other).parent.mkdir(parents=True)
    shutil.copy(cache.location(events), cache.location(other))  # as if two paths had the same hash
    restart()
    parsed.clear()
    load_collection(other)
    assert len(parsed) == 6


def test_no_partial_files_are_left_in_the_cache_folder(cache_dir, events):
    load_collection(events)
    write(events / "event-0.yaml", EVENT.format(title="Changed", date="2022"))
    restart()
    load_collection(events)
    assert [p.name for p in cache_dir.rglob("*") if p.is_file()] == [cache.FILE_NAME]


def test_problems_come_back_from_the_cache_with_their_places(cache_dir, tmp_path):
    root = tmp_path / "mixed"
    shutil.copytree(DATA / "mixed", root)
    cold = load_collection(root)
    restart()
    warm = load_collection(root)
    assert [str(p) for p in warm.problems] == [str(p) for p in cold.problems]
    assert len(cold.problems) >= 14  # file problems and cross-file ones (duplicate id, broken link, category)
    pd.testing.assert_frame_equal(cold.events, warm.events)


def test_cross_file_problems_are_found_again_after_an_edit(cache_dir, tmp_path):
    root = tmp_path / "events"
    write(root / "a.yaml", EVENT.format(title="A", date="2022-02-16"))
    write(root / "b.yaml", EVENT.format(title="B", date="2022-02-16") + "links:\n  - {to: a}\n")
    assert load_collection(root).problems == []
    restart()
    write(root / "a.yaml", "id: renamed\n" + EVENT.format(title="A", date="2022-02-16"))
    [problem] = load_collection(root).problems
    assert Path(problem.path).name == "b.yaml"
    assert (problem.line, problem.column) == (5, 10)  # where the target is written: "  - {to: a}"
    assert "no event has the id 'a'" in problem.message


def test_cache_folder_defaults_to_xdg_cache_home_then_home(tmp_path, monkeypatch):
    monkeypatch.delenv("TIMELINE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == tmp_path / "xdg" / "newstimeline"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.folder() == tmp_path / "home" / ".cache" / "newstimeline"
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.folder() == tmp_path / "mine"
    assert cache.location(tmp_path / "events").parent.parent == tmp_path / "mine"


def test_small_folders_get_no_cache_file(tmp_path, monkeypatch, events):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    restart()
    assert cache.MIN_FILES > 6
    load_collection(events)
    assert not (tmp_path / "cache").exists()


# ---- the memo in one process ------------------------------------------------------------------------------------


def test_an_unchanged_folder_gives_the_same_table_object(cache_dir, events, parsed):
    first = load_collection(events)
    parsed.clear()
    second = load_collection(events)
    assert second.events is first.events  # so indexes built on it are reused
    assert second.problems is not first.problems
    assert parsed == []


def test_a_slow_folder_is_statted_again_only_after_the_time_to_live(cache_dir, events, monkeypatch):
    monkeypatch.setattr(store, "SLOW_SCAN", -1.0)  # every folder counts as slow to stat
    first = load_collection(events)
    write(events / "event-0.yaml", EVENT.format(title="Changed meanwhile", date="2022"))
    assert load_collection(events).events is first.events  # within the time-to-live: no stat
    monkeypatch.setattr(store, "RESTAT_AFTER", 0.0)
    assert by_id(load_collection(events))["event-0"]["title"] == "Changed meanwhile"


def test_a_fast_folder_is_statted_on_every_load(cache_dir, events):
    assert by_id(load_collection(events))["event-0"]["title"] == "Event 0"
    write(events / "event-0.yaml", EVENT.format(title="Changed at once", date="2022"))
    assert by_id(load_collection(events))["event-0"]["title"] == "Changed at once"


def test_the_settings_file_is_part_of_the_folder_state(cache_dir, events):
    assert load_collection(events).problems == []
    write(events / "_collection.yaml", "categories:\n  military: {}\n")
    assert len(load_collection(events).problems) == 6  # diplomacy is no longer a category


def test_a_progress_callback_hears_the_bytes_parsed(cache_dir, events):
    calls: list[tuple[int, int]] = []
    load_collection(events, progress=lambda done, total: calls.append((done, total)))
    total = sum(p.stat().st_size for p in events.rglob("*.yaml"))
    assert calls and calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    calls.clear()
    restart()
    load_collection(events, progress=lambda done, total: calls.append((done, total)))
    assert calls == []  # nothing to parse: nothing to tell


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one CPU: files are parsed in this process")
def test_many_files_are_parsed_by_worker_processes_with_the_same_result(cache_dir, tmp_path, monkeypatch):
    root = tmp_path / "mixed"
    shutil.copytree(DATA / "mixed", root)
    serial = load_collection(root)
    restart()
    shutil.rmtree(cache_dir)
    monkeypatch.setattr(store, "PARALLEL_FROM", 2)
    # Not called in this process: the workers parse (with their own copy of the module).
    monkeypatch.setattr(
        yaml_events, "read_event_file", lambda path, shown, *settings: pytest.fail("parsed here, not by the workers")
    )
    calls: list[tuple[int, int]] = []
    parallel = load_collection(root, progress=lambda done, total: calls.append((done, total)))
    pd.testing.assert_frame_equal(serial.events, parallel.events)
    assert [str(p) for p in parallel.problems] == [str(p) for p in serial.problems]
    assert calls[-1][0] == calls[-1][1]


# ---- tables ---------------------------------------------------------------------------------------------------

TABLE = (
    "id,title,date,end,category,actors,tags,place,country,lat,lon,summary,source,source_url,published,links\n"
    "a,Talks open,2022-02-14,,diplomacy,NATO; Jens Stoltenberg,talks,Brussels,BE,50.85,4.35,Said **so**,"
    "Reuters,https://example.org/a,2022-02-14,\n"
    "b,Troops move,2022-02-15,2022-02-17,military,NATO,,Kyiv,UA,50.45,30.52,,AP,https://example.org/b,,"
    "follows:a; causes:nowhere\n"
    "c,,2022-02-16,,diplomacy,,,,,,,,,,,\n"
    "d,Bad address,2022-02-18,,politics,,,,,,,,DW,ftp://example.org/d,,\n"
    "a,Repeated id,2022-02-19,,diplomacy,NATO,talks,,,,,,,,,\n"
    "e,No such day,2022-02-31,,diplomacy,,,,,,,,,,,\n"
)


@pytest.fixture
def table_cache(cache_dir, monkeypatch) -> Path:
    """Tables of any size kept in the test's cache folder."""
    monkeypatch.setattr(cache, "MIN_TABLE_BYTES", 0)
    return cache_dir


@pytest.fixture
def tables_read(monkeypatch) -> list[str]:
    """The names of the tables read from their files from now on."""
    names: list[str] = []
    original = tables.read_table

    def counting(path: Path, *args, **kwargs):
        names.append(path.name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(tables, "read_table", counting)
    return names


@pytest.fixture(params=["folder", "file"])
def table_root(request, tmp_path) -> Path:
    """A folder with a YAML event and a table, or the table alone."""
    folder = tmp_path / "events"
    write(folder / "table.csv", TABLE)
    if request.param == "file":
        return folder / "table.csv"
    write(folder / "extra.yaml", EVENT.format(title="From YAML", date="2022-02-20"))
    return folder


def test_a_restart_reads_a_table_from_the_cache_the_same_as_from_its_file(table_cache, table_root, tables_read):
    fresh = load_collection(table_root)
    assert tables_read == ["table.csv"]
    assert list(table_cache.rglob("table-*.arrow"))
    restart()
    cached = load_collection(table_root)
    assert tables_read == ["table.csv"]  # not read again
    pd.testing.assert_frame_equal(fresh.events, cached.events)
    assert [type(value) for value in cached.events.iloc[0]] == [type(value) for value in fresh.events.iloc[0]]
    assert cached.problems == fresh.problems
    assert len(fresh.problems) >= 4  # a missing title, a bad address, a repeated id, a missing link, a bad day
    assert cached.fingerprint == fresh.fingerprint


def test_rows_share_the_nested_values_they_hold_after_a_restart(table_cache, table_root):
    load_collection(table_root)
    restart()
    events = load_collection(table_root).events
    nato = events.loc[events["id"].isin(["a", "b"]), "actors"].tolist()
    assert nato[0] is not nato[1]  # ['NATO', 'Jens Stoltenberg'] and ['NATO']
    quotes = events["quotes"].tolist()
    assert all(value is quotes[0] for value in quotes[:2]) and quotes[0] == []


def test_a_touched_table_is_read_again(table_cache, table_root, tables_read):
    first = load_collection(table_root)
    table = table_root if table_root.is_file() else table_root / "table.csv"
    stamp = table.stat().st_mtime_ns + 1_000_000_000
    os.utime(table, ns=(stamp, stamp))
    restart()
    again = load_collection(table_root)
    assert tables_read == ["table.csv", "table.csv"]
    pd.testing.assert_frame_equal(first.events, again.events)


def test_an_edited_table_is_read_again(table_cache, table_root, tables_read):
    load_collection(table_root)
    table = table_root if table_root.is_file() else table_root / "table.csv"
    write(table, TABLE.replace("Talks open", "Talks begin"))
    restart()
    titles = load_collection(table_root).events["title"].tolist()
    assert "Talks begin" in titles and "Talks open" not in titles
    assert tables_read == ["table.csv", "table.csv"]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_table_cache_is_ignored_and_rebuilt(table_cache, table_root, tables_read, damage):
    fresh = load_collection(table_root)
    (kept,) = table_cache.rglob("table-*.arrow")
    data = kept.read_bytes()
    kept.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"not arrow" * 100, "empty": b""}[damage])
    restart()
    again = load_collection(table_root)
    assert tables_read == ["table.csv", "table.csv"]
    pd.testing.assert_frame_equal(fresh.events, again.events)
    assert again.problems == fresh.problems
    restart()
    load_collection(table_root)
    assert tables_read == ["table.csv", "table.csv"]  # rebuilt: read from the cache again


def test_a_table_cache_of_other_reading_code_or_settings_is_not_used(table_cache, tmp_path, tables_read, monkeypatch):
    folder = tmp_path / "events"
    write(folder / "table.csv", TABLE.replace("2022-02-14,,", "03/04/2022,,"))
    write(folder / "_collection.yaml", "date_order: MDY\n")
    assert load_collection(folder).events.set_index("id")["start"]["a"] == pd.Timestamp("2022-03-04")
    write(folder / "_collection.yaml", "date_order: DMY\n")
    restart()
    assert load_collection(folder).events.set_index("id")["start"]["a"] == pd.Timestamp("2022-04-03")
    monkeypatch.setattr(cache, "TABLE_FORMAT", "other")
    restart()
    load_collection(folder)
    assert tables_read == ["table.csv"] * 3


def test_small_tables_get_no_cache_file(cache_dir, table_root):
    load_collection(table_root)
    assert not list(cache_dir.rglob("table-*.arrow"))


def test_sources_come_back_the_same_and_share_their_repeated_texts(table_cache, tmp_path):
    row = "e{n},Event {n},2022-02-1{n},,diplomacy,,,,,,,,DW,https://example.org/{n},2022-02-14,"
    lines = [row.format(n=n) for n in range(5)]
    table = write(tmp_path / "events" / "table.csv", TABLE.splitlines()[0] + "\n" + "\n".join(lines) + "\n")
    fresh = load_collection(table)
    restart()
    cached = load_collection(table)
    pd.testing.assert_frame_equal(fresh.events, cached.events)  # every row one source: still lists of one dict
    first, second = (cell[0] for cell in cached.events["sources"][:2])
    assert first == {
        "title": "DW",
        "publisher": "DW",
        "url": "https://example.org/0",
        "published": "2022-02-14",
    }
    assert first["publisher"] is second["publisher"] and first["published"] is second["published"]


def test_a_table_written_a_few_rows_at_a_time_reads_back_the_same(table_cache, table_root, tables_read, monkeypatch):
    monkeypatch.setattr(cache, "WRITE_AT_ONCE", 1)
    fresh = load_collection(table_root)
    restart()
    cached = load_collection(table_root)
    assert tables_read == ["table.csv"]
    pd.testing.assert_frame_equal(fresh.events, cached.events)
    assert cached.problems == fresh.problems
    table_rows = cached.events[cached.events["path"] == "table.csv"]
    assert table_rows["quotes"].iloc[0] is table_rows["quotes"].iloc[-1]  # one dictionary for every batch
    (kept,) = table_cache.rglob("table-*.arrow")
    assert not list(kept.parent.glob("*.part"))
    file = pa.ipc.open_file(str(kept))
    rows = int(file.schema.metadata[b"events"])
    assert rows >= 2 and file.num_record_batches == rows + 1  # a row at a time, then the problems


def test_a_big_table_alone_restarts_from_its_finished_events_without_checking_or_sorting_again(
    table_cache, tmp_path, tables_read, monkeypatch
):
    table = write(tmp_path / "events" / "table.csv", TABLE)
    fresh = load_collection(table)
    restart()
    calls: list[str] = []
    for name in ("cross_checks", "finish"):
        monkeypatch.setattr(store, name, lambda *args, name=name: calls.append(name))
    cached = load_collection(table)
    assert tables_read == ["table.csv"] and calls == []
    pd.testing.assert_frame_equal(fresh.events, cached.events)
    assert cached.problems == fresh.problems and cached.fingerprint == fresh.fingerprint
    assert any("duplicate id" in p.message for p in cached.problems)  # found across rows, kept with the rows
    assert any("no event has the id 'nowhere'" in p.message for p in cached.problems)
    assert [p.name.startswith("table-") for p in table_cache.rglob("*.arrow")] == [True]  # not the rows as read too


def test_a_big_table_alone_is_checked_again_under_other_categories(table_cache, tmp_path, tables_read):
    table = write(tmp_path / "events" / "table.csv", TABLE)
    settings = tmp_path / "events" / "_collection.yaml"
    write(settings, "categories:\n  diplomacy: {label: Diplomacy}\n  military: {label: Military}\n")
    first = load_collection(table)
    write(settings, "categories:\n  diplomacy: {label: Diplomacy}\n")
    restart()
    second = load_collection(table)
    assert tables_read == ["table.csv", "table.csv"]
    unknown = [p for p in second.problems if "is not one of" in p.message]
    assert unknown and not [p for p in first.problems if "is not one of" in p.message]
    restart()
    assert load_collection(table).problems == second.problems and tables_read == ["table.csv"] * 2


def test_finished_events_are_kept_under_the_code_of_the_store_and_everything_it_builds_on():
    names = {module.__name__ for module in cache._parsing_modules("dashboard.store")}
    assert {"dashboard.store", "dashboard.table", "dashboard.cache", "dashboard.readers.tables"} <= names
    assert cache.fingerprint("dashboard.store") != cache.fingerprint("dashboard.readers.tables")


def test_a_big_table_alone_comes_back_with_its_filter_menu_choices(table_cache, tmp_path, monkeypatch):
    from dashboard import index

    table = write(tmp_path / "events" / "table.csv", TABLE)
    fresh = load_collection(table)
    expected = index.choices_of(fresh.events)
    assert expected["source"] == ["AP", "Reuters"]
    restart()
    index._indexes.clear()
    monkeypatch.setattr(index, "_distinct", lambda *args: pytest.fail("the choices were worked out again"))
    cached = load_collection(table)
    assert index.index_for(cached).choices == expected


@pytest.mark.parametrize("choices", [None, [], {"source": ["AP"]}, {**dict.fromkeys(FACET_KEYS, []), "tag": [1]}])
def test_choices_that_are_not_every_facets_names_are_worked_out_again(choices):
    from dashboard import index

    events = load_collection(DATA / "good").events
    collection = store.Collection(events, [], store.CollectionSettings(), f"odd-choices-{choices!r}")
    index.know_choices(collection, choices)
    assert index.index_for(collection).choices == index.choices_of(events)


def test_the_cache_knows_every_key_of_a_source():
    """A source's keys, as the reader and the cache write them, are the model's: one added to the model and not
    to the cache would come back missing after a restart."""
    from dashboard.cache import SOURCE_KEYS, SOURCES_TYPE, _shared_lists
    from dashboard.model import Source

    assert SOURCE_KEYS == tuple(Source.model_fields)
    source = {"title": "T", "publisher": None, "url": None, "published": None, "credibility": 2, "reliability": "B"}
    plain = {"title": "U", "publisher": "DW", "url": None, "published": "2022-02-16"}
    column = pa.chunked_array([pa.DictionaryArray.from_arrays([0, 1], pa.array([[source], [plain]], SOURCES_TYPE))])
    assert list(_shared_lists(column)) == [[source], [plain]]  # the keys given, and the four every source has


@pytest.mark.parametrize(
    "value",
    [
        [{"name": "Київ", "lat": 50.45, "lon": 30.52}, {"name": 'a "quoted"\nline\t\\ and \u2028', "lat": None}],
        {"to": "x", "relation": "follows", "n": -0, "big": 2**70, "keys": {1: "int", None: "none"}},
        ["NATO", "", "\x00\x1f control", 1e16, 0.1, 3],
        [],
    ],
)
def test_json_cells_read_back_as_the_standard_library_would_have_written_them(value):
    import json

    text = cache.to_json(value)
    expected = json.loads(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    assert json.loads(text) == expected and ", " not in text and ": " not in text  # compact
    assert "\\u04" not in text  # Cyrillic as it is, not escaped
    assert list(cache.json_objects(pa.chunked_array([[text, None, text]]))) == [expected, None, expected]

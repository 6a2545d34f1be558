"""Loading never fails as a whole: every bad file, value, header or folder is one located problem, the rest loads.

Each test here stands for a way a real folder broke the app: a value YAML parses but cannot build, a binary
table, a FIFO, an unreadable folder, a name of thousands of characters, a crash nobody foresaw.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import cache, store
from dashboard.cli import cli
from dashboard.model import ID_MAX, NAME_MAX
from dashboard.readers import tables, yaml_events
from dashboard.store import load_collection
from dashboard.table import Problem

GOOD = "title: Good event\ndate: 2022-02-16\ncategory: diplomacy\n"


def folder_with(tmp_path: Path, name: str, body: str | bytes) -> Path:
    """A folder holding one good event and one file ``name`` with ``body``."""
    folder = tmp_path / "events"
    folder.mkdir(exist_ok=True)
    (folder / "good.yaml").write_text(GOOD, encoding="utf-8")
    target = folder / name
    if isinstance(body, bytes):
        target.write_bytes(body)
    else:
        target.write_text(body, encoding="utf-8")
    return folder


def only_problem(collection: store.Collection, name: str) -> Problem:
    """The one problem of the collection, checked to be in file ``name``, with the good event still loaded."""
    assert list(collection.events["id"]) == ["good"], collection.problems
    assert len(collection.problems) == 1, collection.problems
    problem = collection.problems[0]
    assert Path(problem.path).name == name
    return problem


# ---- 1. values YAML parses but cannot build -----------------------------------------------------------------

BUILD_FAILURES = [
    ("date: 2022-02-30", 3, 7, '"2022-02-30" is not a real date'),
    ("date: 2022-02-27\nend: 2022-02-29", 4, 6, "'end': \"2022-02-29\" is not a real date"),
    ("date: 2022-02-16\nsources: [{title: x, published: 2022-13-01}]", 4, 33, "'published': \"2022-13-01\""),
    ("date: 0000-01-01", 3, 7, "year 0 is out of range"),
    ("date: 2022-02-16 25:00:00", 3, 7, "hour must be in 0..23"),
    ("date: 2022-02-16T10:00:00+99:00", 3, 7, "a UTC offset must be under 24 hours"),
    ("date: !!int abc", 3, 7, 'could not read "abc" as a whole number'),
    ("date: 2022-02-16\napproximate: !!bool maybe", 4, 14, 'could not read "maybe" as true or false'),
    ("date: !!timestamp foo", 3, 7, "write it as YYYY-MM-DD"),
    ("date: !!float xyz", 3, 7, 'could not read "xyz" as a number'),
    ("date: 2022-02-16\nsummary: !!binary a", 4, 10, "base64"),
    ("date: 2022-02-16\nsummary: !!python/object:os.system echo", 4, 10, "could not determine a constructor"),
]


@pytest.mark.parametrize(
    ("body", "line", "column", "message"), BUILD_FAILURES, ids=[case[0].splitlines()[-1] for case in BUILD_FAILURES]
)
def test_a_value_yaml_cannot_build_is_one_located_problem(tmp_path, body, line, column, message):
    folder = folder_with(tmp_path, "bad.yaml", f"title: Bad\ncategory: diplomacy\n{body}\n")
    problem = only_problem(load_collection(folder), "bad.yaml")
    assert (problem.line, problem.column) == (line, column), problem
    assert message in problem.message


def test_validate_reports_an_impossible_date_and_exits_1(tmp_path):
    folder = folder_with(tmp_path, "unity-day.yaml", "title: Unity Day\ncategory: diplomacy\ndate: 2022-02-30\n")
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "unity-day.yaml:3:7: 'date': \"2022-02-30\" is not a real date" in result.output
    assert "1 event OK" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "date", ["1500-01-01", "1 Jan 1066", "9998-12-31", "2262-04-12", "1699-12-31", "2200-01-01", "9999", "-2022-02-16"]
)
def test_a_date_outside_the_years_the_timeline_shows_is_a_problem(tmp_path, date):
    folder = folder_with(tmp_path, "old.yaml", f"title: Old\ncategory: diplomacy\ndate: '{date}'\n")
    problem = only_problem(load_collection(folder), "old.yaml")
    assert (problem.line, problem.column) == (3, 7)
    assert "outside the years the timeline can show (1700–2199)" in problem.message


def test_the_same_dates_in_a_table_are_problems_on_their_rows(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "title,date,category\nOld,1500-01-01,x\nFar,9998-12-31,x\nEdge,2199-12-31,x\nEdge2,1700-01-01,x\n"
        "Late,2262-04-12,x\n",
        encoding="utf-8",
    )
    collection = load_collection(table)
    assert list(collection.events["title"]) == ["Edge2", "Edge"]
    assert [(p.line, p.column) for p in collection.problems] == [(2, 2), (3, 2), (6, 2)]
    assert all("outside the years" in p.message for p in collection.problems)


def test_an_end_outside_the_years_points_at_end(tmp_path):
    folder = folder_with(tmp_path, "long.yaml", "title: Long\ncategory: diplomacy\ndate: 2022-02-16\nend: 2300-01-01\n")
    problem = only_problem(load_collection(folder), "long.yaml")
    assert (problem.line, problem.column) == (4, 6)
    assert problem.message.startswith("'end': \"2300-01-01\" is outside")


def test_a_control_character_is_located_where_it_stands(tmp_path):
    folder = folder_with(tmp_path, "ctl.yaml", "title: ok\ndate: 2022-02-16\ncategory: x\nsummary: a\x01b\n")
    problem = only_problem(load_collection(folder), "ctl.yaml")
    assert (problem.line, problem.column) == (4, 11)
    assert problem.message.startswith("the character U+0001 is not allowed in YAML")


@pytest.mark.parametrize(
    "body,where,words",
    [
        (
            'title: "Nul\\0 byte"\ndate: 2022-02-16\ncategory: x\n',
            (1, 8),
            "'title': holds the control character U+0000",
        ),
        ('title: ok\ndate: 2022-02-16\ncategory: x\nsummary: "a\\e[31m red"\n', (4, 10), "'summary': "),
        (
            'title: ok\ndate: 2022-02-16\ncategory: x\nquotes:\n  - text: "q\\x01"\n    speaker: Someone\n',
            (5, 11),
            "'text': holds the control character U+0001",
        ),
        ('title: ok\ndate: 2022-02-16\ncategory: x\ntags: [fine, "b\\x7f"]\n', (4, 14), "U+007F"),
        ('title: ok\ndate: 2022-02-16\ncategory: x\n"ke\\x02y": 1\n', (4, 1), "U+0002"),
    ],
)
def test_a_control_character_written_as_an_escape_is_located_where_it_stands(tmp_path, body, where, words):
    """YAML refuses the raw character but reads its escape ("\\0", "\\e"): refused alike, in any value or key, as
    one located problem; a NUL would otherwise stop a database load and a picture's drawing."""
    problem = only_problem(load_collection(folder_with(tmp_path, "ctl.yaml", body)), "ctl.yaml")
    assert (problem.line, problem.column) == where
    assert words in problem.message and "written as an escape: remove it" in problem.message


def test_a_control_character_written_as_an_escape_leaves_out_its_event_alone(tmp_path):
    """In a file of several events (a list, or documents), the others are read."""
    listed = "".join(
        f'- title: "{title}"\n  id: {title[:5]}\n  date: 2022-02-16\n  category: x\n'
        for title in ("first", "secon \\0", "third")
    )
    documents = listed.replace("- title", "---\ntitle").replace("\n  ", "\n").replace("id: ", "id: d-")
    folder = folder_with(tmp_path, "listed.yaml", listed)
    (folder / "documents.yaml").write_text(documents, encoding="utf-8")
    collection = load_collection(folder)
    assert sorted(collection.events["title"]) == ["Good event", "first", "first", "third", "third"]
    assert sorted((Path(p.path).name, p.line, p.column) for p in collection.problems) == [
        ("documents.yaml", 7, 8),
        ("listed.yaml", 5, 10),
    ]


def test_a_problem_is_always_one_line():
    assert str(Problem("a.yaml", 1, 2, "first\n  second\r\nthird")) == "a.yaml:1:2: first second third"


def test_a_problem_shows_control_and_bidi_characters_as_code_points(tmp_path):
    # A control character itself is refused where it stands (above); bidirectional overrides are quoted as written.
    body = 'title: T\ndate: 2022-02-16\ncategory: x\ntimezone: "\\u202eabc\\u2066X"\n'
    folder = folder_with(tmp_path, "zone.yaml", body)
    problem = only_problem(load_collection(folder), "zone.yaml")
    assert problem.message.startswith("'timezone': unknown time zone \"<U+202E>abc<U+2066>X\"")
    assert problem.message.isprintable()


# ---- 17. repeated keys ------------------------------------------------------------------------------------------


def test_a_key_given_twice_is_a_located_problem(tmp_path):
    folder = folder_with(tmp_path, "twice.yaml", "title: A\ndate: 2022-02-16\ncategory: diplomacy\ndate: 2022-02-17\n")
    problem = only_problem(load_collection(folder), "twice.yaml")
    assert (problem.line, problem.column) == (4, 1)
    assert problem.message == "the key 'date' is given twice (first at line 2): keep one"


def test_a_key_given_twice_in_a_nested_mapping_is_found_too(tmp_path):
    folder = folder_with(
        tmp_path,
        "nested.yaml",
        "title: A\ndate: 2022-02-16\ncategory: diplomacy\nplaces:\n  - {name: Kyiv, name: Kiev}\n",
    )
    problem = only_problem(load_collection(folder), "nested.yaml")
    assert (problem.line, problem.column) == (5, 18)
    assert "'name' is given twice" in problem.message


def test_merge_keys_may_be_overridden_without_a_problem(tmp_path):
    body = "- &base {title: A, date: 2022-02-16, category: diplomacy, id: a}\n- <<: *base\n  id: b\n  title: B\n"
    collection = load_collection(folder_with(tmp_path, "merged.yaml", body))
    assert collection.problems == []
    assert sorted(collection.events["id"]) == ["a", "b", "good"]


# ---- 2. tables whose header holds control characters or binary ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "body", "column", "message"),
    [
        ("formfeed.csv", b"title,date,cat\x0cegory\nA,2022-02-16,diplomacy\n", 3, "U+000C"),
        ("separator.csv", "title,date\u2028x,category\nA,2022-02-16,diplomacy\n".encode(), 2, "U+2028"),
        ("nul.csv", b"title,da\x00te,category\nA,2022-02-16,diplomacy\n", 2, "U+0000"),
        ("random.csv", bytes(range(256)) * 8, 1, "U+0000"),
        ("random2.csv", b"\xff\xfe" + bytes(range(256)) * 8, 1, "not UTF-8"),
        ("latin1.csv", "titre,date,catégorie\n".encode("latin-1"), 1, "not UTF-8"),
        ("oneline.csv", b"x" * (1 << 17), 1, "over 64 KiB"),
    ],
)
def test_a_binary_or_control_character_header_is_one_problem_at_line_1(tmp_path, name, body, column, message):
    folder = folder_with(tmp_path, name, body)
    problem = only_problem(load_collection(folder), name)
    assert (problem.line, problem.column) == (1, column), problem
    assert message in problem.message


def test_random_bytes_in_every_kind_of_file_never_fail_the_folder(tmp_path):
    noise = os.urandom(5000)
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD, encoding="utf-8")
    for name in ("a.yaml", "b.csv", "c.parquet", "_collection.yaml"):
        (folder / name).write_bytes(noise)
    collection = load_collection(folder)
    assert list(collection.events["id"]) == ["good"]
    assert {Path(p.path).name for p in collection.problems} == {"a.yaml", "b.csv", "c.parquet", "_collection.yaml"}


# ---- 5. a last guard per file, per table and per folder ------------------------------------------------------------


def test_an_unforeseen_failure_in_one_file_is_that_files_problem(tmp_path, monkeypatch, caplog):
    folder = folder_with(tmp_path, "boom.yaml", "title: Boom\ndate: 2022-02-16\ncategory: diplomacy\n")
    real = yaml_events._read_event

    def failing(path, stem, node, data, *settings):
        if stem == "boom":
            raise RuntimeError("something nobody foresaw")
        return real(path, stem, node, data, *settings)

    monkeypatch.setattr(yaml_events, "_read_event", failing)
    problem = only_problem(load_collection(folder), "boom.yaml")
    assert problem.message == "could not read the file (RuntimeError: something nobody foresaw)"
    assert "something nobody foresaw" in caplog.text  # the cause is logged with its traceback


def test_an_unforeseen_failure_in_a_date_is_located_at_the_date(tmp_path, monkeypatch):
    folder = folder_with(tmp_path, "odd.yaml", "title: Odd\ncategory: diplomacy\ndate: 2022-02-17\n")
    real = yaml_events.resolve

    def failing(date, *args):
        if date == "2022-02-17":
            raise TypeError("unexpected")
        return real(date, *args)

    monkeypatch.setattr(yaml_events, "resolve", failing)
    problem = only_problem(load_collection(folder), "odd.yaml")
    assert (problem.line, problem.column) == (3, 7)
    assert problem.message == "'date': could not read \"2022-02-17\" as a date (TypeError)"


def test_an_unforeseen_failure_in_a_table_is_that_tables_problem(tmp_path, monkeypatch):
    folder = folder_with(tmp_path, "t.csv", "title,date,category\nT,2022-02-16,diplomacy\n")

    def failing(*args, **kwargs):
        raise MemoryError("too big")

    monkeypatch.setattr(tables, "read_table", failing)
    problem = only_problem(load_collection(folder), "t.csv")
    assert problem.message == "could not read the file (MemoryError: too big)"


def test_an_unforeseen_failure_of_the_whole_load_is_a_problem_not_an_exception(tmp_path, monkeypatch):
    folder = folder_with(tmp_path, "x.yaml", GOOD)

    def failing(*args, **kwargs):
        raise RuntimeError("cross-checks broke")

    monkeypatch.setattr(store, "cross_checks", failing)
    collection = load_collection(folder)
    assert len(collection.events) == 0
    assert [p.message for p in collection.problems] == ["could not load the events (RuntimeError: cross-checks broke)"]


# ---- 9. names too long to show ---------------------------------------------------------------------------------------


def test_a_name_over_the_limit_is_a_located_problem_in_a_yaml_file(tmp_path):
    long = "X" * (NAME_MAX + 1)
    body = f"title: A\ndate: 2022-02-16\ncategory: diplomacy\nactors: [fine, {long}]\ntags: ['{'y' * NAME_MAX}']\n"
    problem = only_problem(load_collection(folder_with(tmp_path, "long.yaml", body)), "long.yaml")
    assert (problem.line, problem.column) == (4, 16)
    assert problem.message == f"'actors[1]': String should have at most {NAME_MAX} characters"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("places", "[{name: NAME}]"),
        ("tags", "[NAME]"),
        ("sources", "[{title: t, publisher: NAME}]"),
        ("quotes", "[{text: t, speaker: NAME}]"),
    ],
)
def test_every_kind_of_name_has_the_limit(tmp_path, key, value):
    body = f"title: A\ndate: 2022-02-16\ncategory: diplomacy\n{key}: {value.replace('NAME', 'n' * 5000)}\n"
    problem = only_problem(load_collection(folder_with(tmp_path, "long.yaml", body)), "long.yaml")
    assert f"at most {NAME_MAX} characters" in problem.message


def test_a_name_over_the_limit_is_a_problem_on_its_table_row(tmp_path):
    long = "X" * 5000
    table = tmp_path / "t.csv"
    table.write_text(
        f"title,date,category,actors,tags,place\nA,2022-02-16,x,{long},t,Kyiv\nB,2022-02-16,x,a,{long},Kyiv\n"
        f"C,2022-02-16,x,a,t,{long}\nD,2022-02-16,x,a;b,t,Kyiv\n",
        encoding="utf-8",
    )
    collection = load_collection(table)
    assert list(collection.events["title"]) == ["D"]
    assert [(p.line, p.column) for p in collection.problems] == [(2, 4), (3, 5), (4, 6)]
    assert [p.message.split(":")[0] for p in collection.problems] == ["'actors'", "'tags'", "'place'"]


def test_a_long_place_in_an_acled_export_names_acleds_column(tmp_path):
    table = tmp_path / "acled.csv"
    table.write_text(
        f"event_date,event_type,location,latitude,longitude\n2022-02-16,Battles,{'L' * 130},1,2\n", encoding="utf-8"
    )
    [problem] = [p for p in load_collection(table).problems if p.column == 3]
    assert problem.message == f"'location': String should have at most {NAME_MAX} characters"


def test_an_id_over_the_limit_is_a_problem_in_a_file_a_file_name_and_a_table(tmp_path):
    long = "a" * (ID_MAX + 1)
    folder = folder_with(tmp_path, "given.yaml", f"id: {long}\ntitle: A\ndate: 2022-02-16\ncategory: diplomacy\n")
    (folder / f"{long}.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "t.csv").write_text(f"id,title,date,category\n{long},T,2022-02-16,diplomacy\n", encoding="utf-8")
    collection = load_collection(folder)
    assert list(collection.events["id"]) == ["good"]
    found = {Path(p.path).name: (p.line, p.column, p.message) for p in collection.problems}
    assert found["given.yaml"] == (1, 5, f"'id': String should have at most {ID_MAX} characters")
    assert found[f"{long}.yaml"][2].startswith(f"the file name '{long}' cannot be an id")
    assert found["t.csv"] == (2, 1, f"'id': String should have at most {ID_MAX} characters")


def test_a_file_name_ending_in_a_newline_cannot_be_an_id(tmp_path):
    folder = folder_with(tmp_path, "abc\n.yaml", GOOD.replace("Good", "Newline"))
    problem = only_problem(load_collection(folder), "abc\n.yaml")
    assert problem.message.startswith("the file name 'abc\\n' cannot be an id")
    assert str(problem) == "abc\\n.yaml:1:1: " + problem.message


# ---- 10. devices and FIFOs -----------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, so that a read that never ends fails the test instead of hanging it."""
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True, text=True, timeout=60)


def test_validate_refuses_a_device_at_once():
    result = run_cli("validate", "/dev/zero")
    assert result.returncode == 1
    assert "/dev/zero:1:1: refused: a device, not a regular file" in result.stdout


@pytest.mark.parametrize("name", ["pipe.yaml", "pipe.csv", "pipe.parquet"])
def test_validate_refuses_a_fifo_given_directly(tmp_path, name):
    os.mkfifo(tmp_path / name)
    result = run_cli("validate", str(tmp_path / name))
    assert result.returncode == 1
    assert f"{name}:1:1: refused: a FIFO (named pipe), not a regular file" in result.stdout


def test_a_fifo_in_the_folder_is_a_problem_and_the_rest_loads(tmp_path):
    folder = folder_with(tmp_path, "good2.yaml", GOOD.replace("Good", "Also good"))
    os.mkfifo(folder / "pipe.yaml")
    os.mkfifo(folder / "_collection.yaml")
    result = run_cli("validate", str(folder))
    assert result.returncode == 1
    assert "pipe.yaml:1:1: refused: a FIFO (named pipe), not a regular file" in result.stdout
    assert "_collection.yaml:1:1: refused: a FIFO (named pipe), not a regular file" in result.stdout
    assert "2 events OK" in result.stderr


def test_a_fifo_at_the_cache_path_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "events"
    folder.mkdir()
    for index in range(cache.MIN_FILES):
        (folder / f"e{index}.yaml").write_text(GOOD, encoding="utf-8")
    path = cache.location(folder)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    result = subprocess.run(
        [sys.executable, "-c", f"from dashboard import cache; print(cache.read({str(folder)!r}))"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert result.stdout.strip() == "None"


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    folder = folder_with(tmp_path, "big.yaml", "# " + "x" * yaml_events.MAX_FILE_BYTES + "\n")
    problem = only_problem(load_collection(folder), "big.yaml")
    assert problem.message.startswith("refused: the file is 1,000,003 bytes; the limit is 1,000,000")


# ---- 17. folders that cannot be listed ----------------------------------------------------------------------------


def test_an_unreadable_subfolder_is_a_problem_not_silence(tmp_path, monkeypatch):
    folder = folder_with(tmp_path, "x.yaml", GOOD.replace("Good", "X"))
    (folder / "locked").mkdir()
    (folder / "locked" / "hidden.yaml").write_text(GOOD, encoding="utf-8")
    real = os.scandir

    def scandir(path):  # root may read any folder: deny the listing the way chmod 000 would for a user
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(store.os, "scandir", scandir)
    collection = load_collection(folder)
    assert sorted(collection.events["id"]) == ["good", "x"]
    assert [str(p) for p in collection.problems] == [
        "locked:1:1: cannot list the folder: Permission denied; its files are left out"
    ]


# ---- fuzz: whatever the bytes, load_collection returns problems with paths ------------------------------------


YAMLISH = st.text(alphabet=st.sampled_from(list("abdt :-{}[],'\"!&*|>#?%@`\n\t\\0123456789.+eZT")), max_size=200)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40), st.dates(), st.datetimes()
)
KEYS = st.sampled_from(
    [
        "title",
        "date",
        "end",
        "category",
        "actors",
        "places",
        "tags",
        "links",
        "sources",
        "quotes",
        "approximate",
        "timezone",
        "id",
        "summary",
        "nope",
    ]
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=10
)


def fresh(folder: Path, suffix: str) -> Path:
    """A new file name for each example: the loader's memo must not answer for an earlier one."""
    return folder / f"{uuid.uuid4().hex}{suffix}"


def _check(collection: store.Collection) -> None:
    assert isinstance(collection.events, pd.DataFrame)
    for problem in collection.problems:
        assert problem.path and problem.line >= 1 and problem.column >= 1 and problem.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), YAMLISH.map(str.encode)))
def test_fuzz_any_bytes_in_a_yaml_file(tmp_path, data):
    path = fresh(tmp_path, ".yaml")
    path.write_bytes(data)
    _check(load_collection(path))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mapping=st.dictionaries(KEYS, VALUES, max_size=8))
def test_fuzz_any_mapping_as_an_event(tmp_path, mapping):
    import yaml

    path = fresh(tmp_path, ".yaml")
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    _check(load_collection(path))


# Arrow hands rows that are not UTF-8 to the bad-row callback and reports its own decoding failure as
# "exception ignored"; the table is still refused as not UTF-8.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.binary(max_size=400), header=st.sampled_from([b"", b"title,date,category\n", b"event_date,event_type\n"])
)
def test_fuzz_any_bytes_in_a_table(tmp_path, data, header):
    path = fresh(tmp_path, ".csv")
    path.write_bytes(header + data)
    _check(load_collection(path))


# ---- 3. a folder emptied while the app runs ---------------------------------------------------------------------


@pytest.mark.parametrize("files", [3, cache.MIN_FILES])  # without and with the disk cache
def test_a_folder_emptied_and_filled_again_loads_without_a_problem(tmp_path, monkeypatch, files):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "events"
    folder.mkdir()
    for index in range(files):
        (folder / f"e{index}.yaml").write_text(GOOD.replace("Good", f"Good {index}"), encoding="utf-8")
    assert len(load_collection(folder).events) == files
    for path in folder.iterdir():
        path.unlink()
    emptied = load_collection(folder)
    assert (len(emptied.events), emptied.problems) == (0, [])
    (folder / "back.yaml").write_text(GOOD, encoding="utf-8")
    back = load_collection(folder)
    assert (list(back.events["id"]), back.problems) == (["back"], [])


def test_a_long_plain_list_of_events_is_not_taken_for_an_alias_bomb(tmp_path):
    lines = [f"- {{id: e{i}, title: t, date: 2022-02-16, category: x, actors: [a, b], tags: [c]}}" for i in range(1700)]
    (tmp_path / "many.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    collection = load_collection(tmp_path / "many.yaml")
    assert (len(collection.events), collection.problems) == (1700, [])


def test_aliases_that_multiply_a_small_document_are_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(6)
    )
    (tmp_path / "bomb.yaml").write_text(bomb, encoding="utf-8")
    [problem] = load_collection(tmp_path / "bomb.yaml").problems
    assert "refused: the document expands to more than" in problem.message


# ---- 2. cells and columns a table should not hold -----------------------------------------------------------------


def test_a_control_character_in_a_cell_is_a_problem_at_that_cell(tmp_path):
    table = tmp_path / "t.csv"
    table.write_bytes(
        b"title,date,category,actors,place\nA\x01B,2022-02-16,x,a,Kyiv\nC,2022-02-16,x,ok;b\x02c,Kyiv\n"
        b"D,2022-02-16,x,a,Ky\x1biv\nGood,2022-02-16,x,a,Kyiv\nTab\tand,2022-02-16,x,a,Kyiv\n"
    )
    collection = load_collection(table)
    assert sorted(collection.events["title"]) == ["Good", "Tab\tand"]
    assert [(p.line, p.column, p.message) for p in collection.problems] == [
        (2, 1, "'title': holds the control character U+0001: remove it"),
        (3, 4, "'actors': a name holds a control character: remove it"),
        (4, 5, "'place': holds a control character: remove it"),
    ]


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("summary", pa.array([b"\xff\xfe", b"ok"], pa.binary())),
        ("summary", pa.array([{"a": 1}, {"a": 2}])),
    ],
)
def test_a_parquet_column_of_a_type_that_is_not_text_is_one_problem_naming_it(tmp_path, column, values):
    import pyarrow.parquet as pq

    table = pa.table({"title": ["A", "B"], "date": ["2022-02-16", "2022-02-17"], column: values})
    pq.write_table(table, tmp_path / "t.parquet")
    collection = load_collection(tmp_path / "t.parquet")
    [problem] = collection.problems
    assert (problem.line, problem.column) == (1, 3)
    assert problem.message.startswith(f"the column '{column}' cannot be read as text (")


def test_a_category_key_that_cannot_name_a_file_is_a_problem_at_the_key(tmp_path):
    (tmp_path / "_collection.yaml").write_text(
        'categories:\n  military: {label: M}\n  "../../x": {label: X}\n', encoding="utf-8"
    )
    (tmp_path / "a.yaml").write_text("title: T\ndate: 2022-02-16\ncategory: military\n", encoding="utf-8")
    [problem] = load_collection(tmp_path).problems
    assert (problem.path, problem.line, problem.column) == ("_collection.yaml", 3, 3)
    assert problem.message == (
        "'../../x' cannot be a key of 'categories': use lower-case letters, digits, '.', '_' and '-'"
    )


def test_an_unknown_key_inside_a_list_item_is_located_at_that_key(tmp_path):
    body = "title: T\ndate: 2022-02-16\ncategory: x\nplaces:\n  - {name: Kyiv, nmae: x}\n"
    problem = only_problem(load_collection(folder_with(tmp_path, "nested.yaml", body)), "nested.yaml")
    assert (problem.line, problem.column, problem.message) == (
        5,
        18,
        "unknown key 'places[0].nmae': did you mean 'name'?",
    )


def test_an_empty_item_in_a_parquet_list_loses_only_itself(tmp_path):
    import pyarrow.parquet as pq

    actors = pa.array([[None, "x"], ["y"], None, ["a", None, "b"]], pa.list_(pa.string()))
    table = pa.table({"title": ["A", "B", "C", "D"], "date": ["2022-02-16"] * 4, "actors": actors})
    pq.write_table(table, tmp_path / "t.parquet")
    collection = load_collection(tmp_path / "t.parquet")
    assert collection.problems == []
    assert dict(zip(collection.events["title"], collection.events["actors"], strict=True)) == {
        "A": ["x"],
        "B": ["y"],
        "C": [],
        "D": ["a", "b"],
    }


def test_list_items_are_read_from_a_sliced_arrow_list_too():
    from dashboard.readers.vectors import list_key, lists

    sliced = pa.array([["a", None], ["b"], ["c", None, "d"]], pa.list_(pa.string())).slice(1)
    assert [list(items) for items in lists(*list_key(pa.chunked_array([sliced]), 2))] == [["b"], ["c", "d"]]

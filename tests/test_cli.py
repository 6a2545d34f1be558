"""The ``timeline`` command: exit codes, messages on the right stream, exports that parse, and no tracebacks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rows import by_id

from dashboard.cli import cli
from dashboard.store import load_collection

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
MIXED = DATA / "mixed"
GOOD_TITLES = [
    "Russia annexes Crimea",
    "Russian troops mass near Ukraine",
    "US troops deploy to Poland and Romania",
    'Zelenskyy declares a "Unity Day"',
    "Biden and Scholz to speak by phone",
    "NATO defence ministers meet in Brussels",
    "Stoltenberg speaks to the press",
]
EXPORT_KEYS = {
    "id",
    "title",
    "start",
    "end",
    "precision",
    "approximate",
    "category",
    "actors",
    "places",
    "summary",
    "quotes",
    "sources",
    "tags",
    "links",
}
ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}([+-]\d{2}:\d{2})?)?)?)?$")
PROBLEM_LINE = re.compile(r"^.+\.ya?ml:\d+:\d+: \S.*$")


@pytest.fixture
def runner() -> CliRunner:
    # COLUMNS keeps `list` from shortening titles to a guessed terminal width.
    return CliRunner(env={"COLUMNS": "250", "TIMELINE_EVENTS": None})


def invoke(runner: CliRunner, *args: str):
    result = runner.invoke(cli, [str(a) for a in args])
    # Bad input must end in a message and an exit code, never in an exception escaping the command.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def good_copy(tmp_path) -> Path:
    target = tmp_path / "events"
    shutil.copytree(GOOD, target)
    return target


# ---- validate -------------------------------------------------------------------------------------------------


def test_validate_good_folder_exits_0(runner):
    result = invoke(runner, "validate", GOOD)
    assert result.exit_code == 0
    assert all(": warning: " in line for line in result.stdout.splitlines())  # no problem; warnings pass
    assert "7 events OK" in result.stderr


def test_validate_bad_folder_exits_1_with_one_line_per_problem(runner):
    result = invoke(runner, "validate", MIXED)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    expected = [f"{MIXED}/{p} ({p.effect.said})" for p in load_collection(MIXED).problems]
    assert lines == expected
    assert len(lines) == 14  # the committed mixed folder: one problem in each of fourteen files
    assert all(PROBLEM_LINE.match(line) for line in lines), lines
    assert "14 problems in 14 files" in result.stderr


def test_validate_prints_the_bad_date_as_documented(runner, tmp_path, monkeypatch):
    (tmp_path / "events").mkdir()
    shutil.copy(MIXED / "unity-day.yaml", tmp_path / "events" / "unity-day.yaml")
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "validate")  # the default folder is ./events
    assert result.exit_code == 1
    assert result.stdout == (
        "events/unity-day.yaml:4:7: 'date': could not read \"Febuary 16\" as a date (left out until fixed)\n"
    )


def test_validate_takes_the_folder_as_argument_or_option(runner):
    by_argument = invoke(runner, "validate", MIXED)
    by_option = invoke(runner, "validate", "--events", MIXED)
    assert by_argument.exit_code == by_option.exit_code == 1
    assert by_argument.stdout == by_option.stdout
    assert invoke(runner, "validate", "--events", GOOD).exit_code == 0


def test_validate_reads_the_folder_from_the_environment(runner):
    result = runner.invoke(cli, ["validate"], env={"TIMELINE_EVENTS": str(GOOD)})
    assert result.exit_code == 0, result.output


def test_validate_one_file(runner):
    assert invoke(runner, "validate", GOOD / "biden-call.yaml").exit_code == 0
    assert invoke(runner, "validate", MIXED / "unknown-key.yaml").exit_code == 1


def test_unknown_option_is_a_usage_error_with_exit_2(runner):
    result = invoke(runner, "validate", "--bogus")
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_missing_folder_is_a_usage_error_with_a_hint(runner, tmp_path):
    result = invoke(runner, "validate", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "no events folder" in result.stderr
    assert "--events" in result.stderr


def test_unknown_command_is_a_usage_error(runner):
    assert invoke(runner, "frobnicate").exit_code == 2


# ---- list -----------------------------------------------------------------------------------------------------


def test_list_prints_a_table_of_titles_in_time_order(runner):
    result = invoke(runner, "list", "--events", GOOD)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["WHEN", "CATEGORY", "ID", "TITLE"]
    assert len(lines) == 1 + len(GOOD_TITLES)
    for line, title in zip(lines[1:], GOOD_TITLES, strict=True):
        assert line.endswith(title)
    assert "16–17 Feb 2022" in result.stdout
    assert "7 events" in result.stderr


def test_list_on_mixed_folder_lists_good_events_and_hints_at_validate(runner):
    result = invoke(runner, "list", "--events", MIXED)
    assert result.exit_code == 0
    assert "A good call" in result.stdout
    assert "timeline validate" in result.stderr


def test_list_of_an_empty_folder_prints_only_the_header(runner, tmp_path):
    result = invoke(runner, "list", "--events", tmp_path)
    assert result.exit_code == 0
    assert result.stdout.split() == ["WHEN", "CATEGORY", "ID", "TITLE"]


# ---- export ---------------------------------------------------------------------------------------------------


def test_export_json_is_a_list_of_events_with_iso_dates(runner):
    result = invoke(runner, "export", "--format", "json", "--events", GOOD)
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) == len(GOOD_TITLES)
    assert [r["title"] for r in records] == GOOD_TITLES
    for record in records:
        assert EXPORT_KEYS <= set(record), EXPORT_KEYS - set(record)
        assert ISO.match(record["start"]) and ISO.match(record["end"]), record
        assert record["start"] <= record["end"]
    by_id = {r["id"]: r for r in records}
    meeting = by_id["defence-ministers-meeting"]
    assert (meeting["start"], meeting["end"], meeting["precision"]) == ("2022-02-16", "2022-02-17", "day")
    assert meeting["links"] == [{"to": "biden-call", "relation": "follows"}]
    assert meeting["places"][0]["lat"] == 50.8796
    assert by_id["us-troops"]["approximate"] is True
    assert (by_id["us-troops"]["start"], by_id["us-troops"]["precision"]) == ("2022-02", "month")
    assert by_id["crimea-annexation"]["start"] == "2014"
    conference = by_id["stoltenberg-press-conference"]
    assert conference["start"] == "2022-02-16T14:30+01:00"
    assert dt.datetime.fromisoformat(conference["start"]).utcoffset() == dt.timedelta(hours=1)


def test_export_defaults_to_json(runner):
    result = invoke(runner, "export", "--events", GOOD)
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["id"] == "crimea-annexation"


def test_export_csv_parses_with_the_csv_module(runner):
    result = invoke(runner, "export", "--format", "csv", "--events", GOOD)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["title"] for row in rows] == GOOD_TITLES
    assert {"id", "title", "date", "end", "category"} <= set(rows[0])  # the columns `--events` reads back
    meeting = next(row for row in rows if row["id"] == "defence-ministers-meeting")
    assert (meeting["date"], meeting["end"]) == ("2022-02-16", "2022-02-17")
    assert meeting["actors"] == "NATO; Jens Stoltenberg"
    assert meeting["source_url"].startswith("https://www.dw.com/")


def test_export_csv_quotes_titles_with_commas_and_quotes(runner, tmp_path):
    (tmp_path / "tricky.yaml").write_text(
        "title: 'Zelenskyy: \"We are, and will be, united\"'\ndate: 2022-02-16\ncategory: statement\n", encoding="utf-8"
    )
    result = invoke(runner, "export", "--format", "csv", "--events", tmp_path)
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["title"] == 'Zelenskyy: "We are, and will be, united"'


def test_export_of_mixed_folder_exports_good_events_and_reports_problems_on_stderr(runner):
    result = invoke(runner, "export", "--format", "json", "--events", MIXED)
    assert result.exit_code == 0
    ids = {r["id"] for r in json.loads(result.stdout)}  # stdout stays pure JSON
    assert {"good-call", "good-month", "listed-with-id"} <= ids
    assert "unity-day" not in ids
    assert "unity-day.yaml:4:7: 'date': could not read \"Febuary 16\" as a date" in result.stderr
    assert len([line for line in result.stderr.splitlines() if PROBLEM_LINE.match(line)]) == 14


def test_export_out_writes_the_file_and_leaves_stdout_empty(runner, tmp_path):
    out = tmp_path / "exports" / "events.json"
    result = invoke(runner, "export", "--format", "json", "--events", GOOD, "--out", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert str(out) in result.stderr
    assert [r["title"] for r in json.loads(out.read_text(encoding="utf-8"))] == GOOD_TITLES
    assert [p.name for p in out.parent.iterdir()] == ["events.json"]  # no temporary file left behind


def test_export_out_csv(runner, tmp_path):
    out = tmp_path / "events.csv"
    assert invoke(runner, "export", "--format", "csv", "--events", GOOD, "--out", out).exit_code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(GOOD_TITLES)


def test_export_unknown_format_is_a_usage_error(runner):
    result = invoke(runner, "export", "--format", "xml", "--events", GOOD)
    assert result.exit_code == 2
    assert "xml" in result.output


# ---- new ------------------------------------------------------------------------------------------------------

NEW_ARGS = [
    "--title",
    "NATO ministers discuss the eastern flank",
    "--date",
    "Wednesday",
    "--category",
    "diplomacy",
    "--actor",
    "NATO",
    "--actor",
    "Jens Stoltenberg",
    "--place",
    "Brussels",
    "--tag",
    "nato",
    "--summary",
    "Ministers met in **Brussels**.",
    "--source-title",
    "DW report",
    "--source-url",
    "https://www.dw.com/en/a-60797658",
    "--published",
    "2022-02-16",
]


def test_new_writes_an_event_that_validates_and_loads(runner, good_copy):
    result = invoke(runner, "new", "--events", good_copy, *NEW_ARGS)
    assert result.exit_code == 0, result.output
    path = good_copy / "nato-ministers-discuss-the-eastern-flank.yaml"
    assert result.stdout.strip() == str(path)
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    assert invoke(runner, "validate", good_copy).exit_code == 0
    row = by_id(load_collection(good_copy))["nato-ministers-discuss-the-eastern-flank"]
    assert row["title"] == "NATO ministers discuss the eastern flank"
    assert row["when"] == "16 Feb 2022"
    assert row["actors"] == ["NATO", "Jens Stoltenberg"]
    # A place named alone is put where the gazetteer has it.
    assert row["places"] == [{"name": "Brussels", "country": "BE", "lat": 50.85045, "lon": 4.34878}]
    assert row["sources"][0]["url"] == "https://www.dw.com/en/a-60797658"


def test_new_with_id_names_the_file(runner, tmp_path):
    result = invoke(
        runner,
        "new",
        "--events",
        tmp_path,
        "--id",
        "my-event",
        "--title",
        "T",
        "--date",
        "2022-02",
        "--end",
        "2022-03",
        "--category",
        "politics",
        "--approximate",
        "--timezone",
        "Europe/Kyiv",
    )
    assert result.exit_code == 0, result.output
    row = by_id(load_collection(tmp_path))["my-event"]
    assert (row["when"], row["precision"], bool(row["approximate"])) == ("about Feb–Mar 2022", "month", True)


def test_new_refuses_to_overwrite_an_existing_file(runner, good_copy):
    existing = good_copy / "biden-call.yaml"
    before = existing.read_bytes()
    result = invoke(
        runner,
        "new",
        "--events",
        good_copy,
        "--id",
        "biden-call",
        "--title",
        "Other",
        "--date",
        "2022-02-16",
        "--category",
        "diplomacy",
    )
    assert result.exit_code != 0
    assert "exists already" in result.stderr
    assert existing.read_bytes() == before
    assert sorted(p.name for p in good_copy.iterdir()) == sorted(p.name for p in GOOD.iterdir())


def test_new_rejects_a_bad_date_with_a_clear_message(runner, tmp_path):
    result = invoke(
        runner, "new", "--events", tmp_path, "--title", "T", "--date", "Febuary 16", "--category", "politics"
    )
    assert result.exit_code != 0
    assert 'could not read "Febuary 16" as a date' in result.stderr
    assert "--date" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_rejects_an_end_before_the_start_naming_end(runner, tmp_path):
    result = invoke(
        runner,
        "new",
        "--events",
        tmp_path,
        "--title",
        "T",
        "--date",
        "2022-02-17",
        "--end",
        "2022-02-16",
        "--category",
        "politics",
    )
    assert result.exit_code != 0
    assert "--end" in result.stderr and "before it starts" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_weekday_without_published_date_says_what_to_add(runner, tmp_path):
    result = invoke(
        runner, "new", "--events", tmp_path, "--title", "T", "--date", "Wednesday", "--category", "politics"
    )
    assert result.exit_code != 0
    assert "needs a reference date" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_rejects_a_category_the_collection_does_not_list(runner, good_copy):
    result = invoke(runner, "new", "--events", good_copy, "--title", "T", "--date", "2022-02-16", "--category", "sport")
    assert result.exit_code != 0
    assert "'sport' is not one of diplomacy, politics, military" in result.stderr
    assert not (good_copy / "t.yaml").exists()


def test_new_rejects_a_bad_source_url_in_plain_words(runner, tmp_path):
    result = invoke(
        runner,
        "new",
        "--events",
        tmp_path,
        "--title",
        "T",
        "--date",
        "2022-02-16",
        "--category",
        "politics",
        "--source-url",
        "javascript:alert(1)",
    )
    assert result.exit_code != 0
    assert "must be an http:// or https:// address" in result.stderr
    assert "errors.pydantic.dev" not in result.stderr and "[type=" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad_id", ["../escaped", "Has Space", "sub/dir"])
def test_new_refuses_an_id_that_is_not_a_slug(runner, tmp_path, bad_id):
    events = tmp_path / "events"
    events.mkdir()
    result = invoke(
        runner,
        "new",
        "--events",
        events,
        "--id",
        bad_id,
        "--title",
        "T",
        "--date",
        "2022-02-16",
        "--category",
        "politics",
    )
    assert result.exit_code != 0
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["events"]


def test_new_without_required_options_is_a_usage_error(runner, tmp_path):
    result = invoke(runner, "new", "--events", tmp_path, "--title", "T")
    assert result.exit_code == 2
    assert "--date" in result.output


# ---- schema ---------------------------------------------------------------------------------------------------


def test_schema_prints_json_schema_that_forbids_unknown_keys(runner):
    result = invoke(runner, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"title", "date", "category"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert {"title", "date", "category"} <= set(schema["required"])


def test_committed_schema_file_is_up_to_date(runner):
    # Regenerate with: timeline schema --out schema/event.schema.json
    committed = (ROOT / "schema" / "event.schema.json").read_text(encoding="utf-8")
    assert invoke(runner, "schema").stdout == committed


def test_schema_out_writes_the_file(runner, tmp_path):
    out = tmp_path / "event.schema.json"
    assert invoke(runner, "schema", "--out", out).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(invoke(runner, "schema").stdout)


def test_version_and_help(runner):
    assert invoke(runner, "--version").exit_code == 0
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    for command in ("validate", "list", "export", "new", "schema"):
        assert command in result.stdout


# ---- the bundled events ---------------------------------------------------------------------------------------


def test_bundled_events_validate(runner):
    result = invoke(runner, "validate", ROOT / "events")
    assert result.exit_code == 0, result.stdout


# ---- no tracebacks for bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["validate", str(MIXED)], 1),  # problems found
        (["validate", "/no/such/folder"], 2),  # usage
        (["list", "--events", str(MIXED)], 0),  # the good events, with a warning about the rest
        (["export", "--format", "csv", "--events", str(MIXED)], 0),
        (["new", "--events", "{tmp}", "--title", "T", "--date", "32 Feb 2022", "--category", "x"], 2),
        (["new", "--events", "{tmp}", "--title", "", "--date", "2022", "--category", "x"], 2),
        (
            [
                "new",
                "--events",
                "{tmp}",
                "--title",
                "T",
                "--date",
                "2022",
                "--category",
                "x",
                "--timezone",
                "Mars/Base",
            ],
            2,
        ),
        (
            [
                "new",
                "--events",
                "{tmp}",
                "--title",
                "T",
                "--date",
                "2022",
                "--category",
                "x",
                "--published",
                "soon",
                "--source-url",
                "https://example.org",
            ],
            2,
        ),
    ],
    ids=[
        "validate-mixed",
        "validate-missing",
        "list-mixed",
        "export-mixed",
        "new-bad-day",
        "new-empty-title",
        "new-bad-zone",
        "new-bad-published",
    ],
)
def test_bad_input_never_shows_a_traceback(runner, tmp_path, args, code):
    result = invoke(runner, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == code, result.output
    assert list(tmp_path.iterdir()) == []  # a refused `new` writes no file


def run_timeline(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the real console entry point, so errors that escape click would show as a traceback."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("TIMELINE_EVENTS", None)
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_real_process_validate_of_mixed_folder_exits_1_without_traceback():
    completed = run_timeline("validate", str(MIXED))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert len(completed.stdout.splitlines()) == 14


def test_real_process_unwritable_out_path_is_one_readable_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    completed = run_timeline("export", "--events", str(GOOD), "--out", str(blocker / "events.json"))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert completed.stderr.startswith("error:")

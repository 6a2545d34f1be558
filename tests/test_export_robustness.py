"""`timeline export` never writes a broken file nor over the user's own: a picture too large for the browser is
refused before drawing, a failed drawing is an error and not a file, a batch writes each picture as soon as it is
drawn and says which one failed, no export lands on an event file or the collection's settings or under another
format's name; the story page grows with its rows; the words around a picture have limits and no control
characters."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import plotly.graph_objects as go
import pytest
from click.testing import CliRunner, Result
from drawing import StandIn, stand_in

from dashboard.cli import cli
from dashboard.export import Picture, TooTall, write_pictures
from dashboard.export.formats import BATCH_HELD
from dashboard.export.pictures import DRAW_PIXELS, check_drawn, too_many_pixels
from dashboard.model import DESCRIPTION_MAX, TITLE_MAX, CollectionSettings
from dashboard.readers.yaml_events import load_settings

EVENTS = Path(__file__).resolve().parents[1] / "events"
GOOD = b"a good file the user made"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def events(tmp_path) -> Path:
    """A copy of the sample events, which the tests may try to overwrite."""
    return Path(shutil.copytree(EVENTS, tmp_path / "ev2"))


def export(events: Path, *args: object) -> Result:
    runner = CliRunner(env={"TIMELINE_EVENTS": None, "COLUMNS": "250"})
    result = runner.invoke(cli, ["export", "--events", str(events), *(str(a) for a in args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def no_browser(monkeypatch) -> type[StandIn]:
    """kaleido's browser replaced by a stand-in, which counts the browsers started (there must be none)."""
    return stand_in(monkeypatch)


# ---- pictures too large for the browser, and drawings that failed ---------------------------------------------


@pytest.mark.parametrize("width,height,scale", [(10000, 10000, 2), (4000, 4000, 8)])
def test_a_png_larger_than_the_browser_can_draw_is_refused_before_drawing(width, height, scale, events, monkeypatch):
    browser = no_browser(monkeypatch)
    out = events.parent / "hx.png"
    out.write_bytes(GOOD)
    result = export(events, "--format", "png", "--width", width, "--height", height, "--scale", scale, "--out", out)
    assert result.exit_code == 2, result.output
    assert "more than the browser can draw" in result.output and f"{width * scale:,}" in result.output
    assert out.read_bytes() == GOOD and browser.made == 0


def test_a_tall_png_that_grows_past_the_limit_is_refused_before_drawing(events, monkeypatch):
    browser = no_browser(monkeypatch)
    out = events.parent / "tall.png"
    result = export(events, "--format", "png", "--size", "tall", "--width", 10000, "--scale", 8, "--out", out)
    assert result.exit_code == 1, result.output
    assert "more than the browser can draw" in result.output
    assert not out.exists() and browser.made == 0


def test_the_limit_is_chromiums_and_only_for_pixels():
    assert DRAW_PIXELS == 2**28
    assert too_many_pixels(16384, 16384, 1, "png") is None  # exactly 2**28
    assert too_many_pixels(16385, 16384, 1, "png")
    assert too_many_pixels(10000, 10000, 2, "svg") is None
    assert too_many_pixels(10000, 10000, 2, "pdf") is None


@pytest.mark.parametrize(
    "fmt,good",
    [("png", b"\x89PNG\r\n\x1a\nrest"), ("pdf", b"%PDF-1.7 rest"), ("svg", b"<svg rest"), ("svg", b'<?xml v="1"?>')],
)
def test_drawn_bytes_must_begin_as_their_format(fmt, good):
    assert check_drawn(good, fmt) == good
    with pytest.raises(Exception, match="failed to draw"):
        check_drawn(b"\x89PN", fmt)
    with pytest.raises(Exception, match="failed to draw"):
        check_drawn(b"", fmt)


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_a_failed_drawing_is_an_error_and_the_old_file_stays(fmt, events, monkeypatch):
    stand_in(monkeypatch).broken = {1}  # what Chromium hands back for a picture it cannot draw
    out = events.parent / f"x.{fmt}"
    out.write_bytes(GOOD)
    result = export(events, "--format", fmt, "--out", out)
    assert result.exit_code == 1, result.output
    assert f"failed to draw the {fmt.upper()} picture" in result.output
    assert out.read_bytes() == GOOD
    assert not (events.parent / "x.alt.txt").exists()


# ---- never over the user's own files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt,name",
    [
        ("alt", "biden-scholz-call.yaml"),
        ("csv", "_collection.yaml"),
        ("json", "biden-scholz-call.yaml"),
        ("csv", "more.csv"),  # a new table in the folder would be read as events next time
        ("png", "biden-scholz-call.yaml"),
    ],
)
def test_an_export_onto_a_file_of_the_events_is_refused(fmt, name, events):
    target = events / name
    before = target.read_bytes() if target.exists() else None
    result = export(events, "--format", fmt, "--out", target)
    assert result.exit_code == 2, result.output
    assert name in result.output
    assert (target.read_bytes() if target.exists() else None) == before


def test_an_export_onto_the_events_table_itself_is_refused(tmp_path):
    table = tmp_path / "events.csv"
    assert export(EVENTS, "--format", "csv", "--out", table).exit_code == 0
    before = table.read_bytes()
    result = export(table, "--format", "csv", "--out", table)
    assert result.exit_code == 2 and "events.csv" in result.output and "events being exported" in result.output
    assert table.read_bytes() == before


def test_an_export_beside_the_events_or_elsewhere_is_written(events):
    assert export(events, "--format", "json", "--out", events / "export.json").exit_code == 0
    assert export(events, "--format", "csv", "--out", events.parent / "export.csv").exit_code == 0
    assert export(events, "--format", "json", "--out", events.parent / "out.json").exit_code == 0
    assert export(events, "--format", "timelinejs", "--out", events.parent / "tl.json").exit_code == 0


@pytest.mark.parametrize(
    "fmt,name,written",
    [
        ("png", "x.alt.txt", "x.png"),
        ("svg", "x.png", "x.svg"),
        ("csv", "x.json", "x.csv"),
        ("alt", "x.csv", "x.alt.txt"),
    ],
)
def test_an_out_named_for_another_format_is_refused(fmt, name, written, events, monkeypatch):
    browser = no_browser(monkeypatch)
    out = events.parent / name
    out.write_bytes(GOOD)
    result = export(events, "--format", fmt, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"name it {written}" in result.output
    assert out.read_bytes() == GOOD and browser.made == 0


# ---- the story page grows with its rows; sizes in the picture's pixels -------------------------------------------


@pytest.fixture
def crowded(events) -> Path:
    """The 18 sample events and 6 more on their busiest day: too many for a slide."""
    body = (events / "biden-scholz-call.yaml").read_text(encoding="utf-8")
    for index in range(1, 7):
        (events / f"another-call-{index}.yaml").write_text(body, encoding="utf-8")
    return events


def test_the_html_page_grows_with_its_rows(crowded, tmp_path):
    assert export(crowded, "--format", "png", "--out", tmp_path / "slide.png").exit_code == 1  # a slide is too small
    out = tmp_path / "page.html"
    result = export(crowded, "--format", "html", "--out", out)
    assert result.exit_code == 0, result.output
    assert "another-call-2" in out.read_text(encoding="utf-8")


def test_an_html_page_of_an_explicit_size_keeps_it(crowded, tmp_path):
    result = export(crowded, "--format", "html", "--size", "slide", "--out", tmp_path / "page.html")
    assert result.exit_code == 1 and "the picture has 900" not in result.output
    assert "1,600 px wide picture has 900" in result.output


def test_a_size_error_states_the_pictures_own_pixels(events, tmp_path):
    body = (events / "biden-scholz-call.yaml").read_text(encoding="utf-8")
    statuses = ("confirmed", "reported", "claimed", "disputed", "denied", "expected")
    for index in range(16):  # 34 events: more than a story holds (of several statuses: none stands for others)
        copy = re.sub(r"(?m)^status: .*$", f"status: {statuses[index % len(statuses)]}", body)
        (events / f"another-call-{index}.yaml").write_text(copy, encoding="utf-8")
    result = export(events, "--format", "png", "--size", "story", "--out", tmp_path / "s.png")
    assert result.exit_code == 1, result.output
    assert "1,080 px wide picture has 1,920" in result.output  # as the help states a story: 1080×1920
    assert "has 1,280" not in result.output


# ---- the words around a picture -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flag,most", [("--title", TITLE_MAX), ("--subtitle", DESCRIPTION_MAX), ("--notes", 600), ("--byline", 120)]
)
def test_too_long_words_given_to_export_are_a_usage_error(flag, most, events, monkeypatch):
    browser = no_browser(monkeypatch)
    out = events.parent / "x.png"
    assert export(events, "--format", "png", flag, "X" * (most + 1), "--out", out).exit_code == 2
    result = export(events, "--format", "png", "--size", "tall", flag, "X" * 100_000, "--out", out)
    assert result.exit_code == 2 and flag in result.output and f"at most {most} characters" in result.output
    assert not out.exists() and browser.made == 0


@pytest.mark.parametrize("flag", ["--title", "--subtitle", "--notes", "--byline"])
def test_a_control_character_given_to_export_is_a_usage_error(flag, events, tmp_path):
    result = export(events, "--format", "html", flag, "a\x00b", "--out", tmp_path / "x.html")
    assert result.exit_code == 2 and "U+0000" in result.output and flag in result.output


def settings_problem(events: Path, line: str) -> str:
    """The problem `timeline validate` states for a ``_collection.yaml`` of that line."""
    (events / "_collection.yaml").write_text(f"{line}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--events", str(events)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    return next(row for row in result.output.splitlines() if "_collection.yaml" in row)


@pytest.mark.parametrize(
    "line,words",
    [
        (f"title: {'X' * (TITLE_MAX + 1)}", "at most 200 characters"),
        (f"description: {'X' * (DESCRIPTION_MAX + 1)}", "at most 600 characters"),
        ('title: "a\\0b"', "U+0000"),
        ('title: "a\\x07b"', "U+0007"),
        ('byline: "one\\ntwo"', "U+000A"),
        ('notes: "x\\x1b[31m"', "U+001B"),
    ],
)
def test_too_long_words_or_control_characters_in_the_collection_are_located_problems(line, words, events):
    problem = settings_problem(events, line)
    assert problem.startswith(f"{events / '_collection.yaml'}:1:")
    assert words in problem


def test_notes_and_descriptions_keep_their_lines():
    settings = CollectionSettings(description="one\ntwo", notes="a\n\tb")
    assert settings.notes == "a\n\tb" and settings.description == "one\ntwo"


def test_an_empty_title_is_the_default_one(events, tmp_path):
    settings = events / "_collection.yaml"
    settings.write_text("title: ''\n" + settings.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    read, problems = load_settings(events)
    assert read.title == "Timeline" and not problems
    out = tmp_path / "x.html"
    assert export(EVENTS, "--format", "html", "--title", "", "--out", out).exit_code == 0
    assert "<title>Timeline" in out.read_text(encoding="utf-8")


def test_an_html_page_without_a_size_gets_a_timeline_as_wide_as_its_column_and_as_tall_as_its_rows():
    from dashboard.cli import picture_size
    from dashboard.export import STORY_PAGE

    assert picture_size("html", None, "a4", None, None, None) == STORY_PAGE
    assert (STORY_PAGE.width, STORY_PAGE.height) == (1200, None)  # the page's column is 1,248 px at most
    assert picture_size("html", "slide", "a4", None, None, None).width == 1600  # a size asked for is kept


# ---- a batch writes each picture as soon as it is drawn ----------------------------------------------------------


def small_figure() -> go.Figure:
    return go.Figure(go.Scatter(x=[1, 2], y=[1, 2]), layout={"width": 400, "height": 300})


def wait_for(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.01)
    return check()


def test_a_batch_writes_each_picture_once_drawn_and_builds_the_next_while_the_browser_draws(monkeypatch, tmp_path):
    browser = stand_in(monkeypatch)
    browser.gates = {number: threading.Event() for number in range(1, 8)}
    built: list[int] = []

    def pictures() -> Iterator[Picture]:
        for number in range(1, 8):
            built.append(number)
            yield Picture(small_figure(), tmp_path / f"{number}.png", "png")

    told: list[Picture] = []
    batch = threading.Thread(target=write_pictures, args=(pictures(),), kwargs={"written": told.append})
    batch.start()
    try:
        # While the browser draws the first pictures, the next figures are built, BATCH_HELD in all, and no more.
        assert wait_for(lambda: len(built) == BATCH_HELD), built
        time.sleep(0.2)
        assert built == list(range(1, BATCH_HELD + 1)) and not list(tmp_path.iterdir())
        browser.gates[1].set()
        assert wait_for((tmp_path / "1.png").exists), "the first picture waited for the others"
        assert (tmp_path / "1.alt.txt").exists() is False  # (no words given: no alt text)
        assert not (tmp_path / "2.png").exists() and [p.path.name for p in told] == ["1.png"]
    finally:
        for gate in browser.gates.values():
            gate.set()
        batch.join(10)
    assert [p.path.name for p in told] == [f"{number}.png" for number in range(1, 8)]
    assert (tmp_path / "7.png").read_bytes() == b"\x89PNG\r\n\x1a\npicture 7"
    assert browser.made == 1, "one browser draws the whole batch"
    assert browser.options["mathjax"] is False, "a picture must be drawn without reaching the network"
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".part"]


def test_a_picture_that_cannot_be_made_comes_after_the_ones_before_it_are_written(monkeypatch, tmp_path):
    stand_in(monkeypatch)

    def pictures() -> Iterator[Picture]:
        yield Picture(small_figure(), tmp_path / "1.png", "png")
        yield Picture(small_figure(), tmp_path / "2.png", "png")
        raise TooTall("the rows do not fit")

    told: list[Picture] = []
    with pytest.raises(TooTall, match="do not fit"):
        write_pictures(pictures(), written=told.append)
    assert [p.path.name for p in told] == ["1.png", "2.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.png", "2.png"]


def test_a_batch_says_each_picture_as_it_is_written_and_which_one_failed(events, monkeypatch, tmp_path):
    browser = stand_in(monkeypatch)
    out = tmp_path / "batch"
    result = export(events, "--format", "png", "--each", "category", "--out", out)
    assert result.exit_code == 0, result.output
    names = [Path(line).name for line in result.stdout.split()]
    said = re.findall(r"^wrote (\S+) \((\d+\.\d\d) s\)$", result.stderr, flags=re.MULTILINE)
    assert [Path(path).name for path, _ in said] == names and len(names) == 7, result.stderr
    assert all(Path(path).parent == out for path, _ in said)
    shutil.rmtree(out)

    browser.broken, browser.asked = {3}, 0  # the third picture is drawn as broken bytes
    result = export(events, "--format", "png", "--each", "category", "--out", out)
    assert result.exit_code == 1
    assert f"picture 3 of 7 ({out / names[2]}) failed: the browser failed to draw the PNG picture" in result.output
    assert "The 2 before it were written (above); the 4 after it were not." in result.output
    assert [Path(path).name for path in re.findall(r"^wrote (\S+) ", result.stderr, flags=re.MULTILINE)] == names[:2]
    assert sorted(p.name for p in out.glob("*.png")) == sorted(names[:2])
    assert sorted(p.name for p in out.glob("*.alt.txt")) == sorted(n.replace(".png", ".alt.txt") for n in names[:2])
    shutil.rmtree(out)

    browser.broken, browser.asked = {1}, 0
    result = export(events, "--format", "png", "--each", "category", "--out", out)
    assert result.exit_code == 1 and f"picture 1 of 7 ({out / names[0]}) failed: " in result.output
    assert "No picture of the batch was written." in result.output and "wrote" not in result.output
    assert not list(out.glob("*.png"))

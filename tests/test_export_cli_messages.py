"""`timeline export` says what is wrong instead of writing a silently wrong file: unknown filter values (with
the closest known one), links that are not links, dates in the forms event files use; and --format in any case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from drawing import stand_in

from dashboard.cli import cli

EVENTS = Path(__file__).resolve().parents[1] / "events"


def export(*args: object) -> Result:
    runner = CliRunner(env={"TIMELINE_EVENTS": None, "COLUMNS": "250"})
    result = runner.invoke(cli, ["export", "--events", str(EVENTS), *(str(a) for a in args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(
    "flag,typo,known",
    [
        ("--category", "militray", "military"),
        ("--actor", "Jens Stoltenburg", "Jens Stoltenberg"),
        ("--place", "Mariupl", "Mariupol"),
        ("--tag", "ukrane", "ukraine"),
        ("--source", "DW.", "DW"),
        ("--actor", "Zelensky", "Volodymyr Zelenskyy"),  # a surname, spelt another way
        ("--place", "kiev", "Kyiv"),
    ],
)
def test_an_unknown_filter_value_is_a_usage_error_naming_the_closest(flag, typo, known, tmp_path):
    out = tmp_path / "x.csv"
    result = export("--format", "csv", flag, typo, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"did you mean {known}?" in result.output
    assert not out.exists(), "a file was written for a view that cannot be"


def test_an_unknown_value_in_a_view_link_is_refused_too(tmp_path):
    result = export("--format", "png", "--view", "?category=militray", "--out", tmp_path / "x.png")
    assert result.exit_code == 2 and "did you mean military?" in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "link,words",
    [
        ("not a url", "neither a link copied from the app nor its ?query"),
        ("?categroy=military", "did you mean 'category'?"),
        ("http://", "is not a link"),
    ],
)
def test_a_view_that_is_not_a_link_of_the_app_is_an_error(link, words, tmp_path):
    result = export("--format", "png", "--view", link, "--out", tmp_path / "x.png")
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert not list(tmp_path.iterdir())


def test_links_and_queries_of_the_app_are_still_read():
    for link in ("http://127.0.0.1:8050/?category=military", "?category=military", "category=military", ""):
        result = export("--format", "csv", "--view", link)
        assert result.exit_code == 0, (link, result.output)


@pytest.mark.parametrize("name", ["PNG", "Png", "CSV"])
def test_format_is_read_in_any_case(name, monkeypatch, tmp_path):
    stand_in(monkeypatch)
    result = export("--format", name, "--out", tmp_path / f"t.{name.lower()}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"t.{name.lower()}").exists()


@pytest.mark.parametrize("written", ["2022-02-16", "16 Feb 2022", "Feb 16, 2022", "16 February 2022"])
def test_from_and_to_read_the_date_forms_of_event_files(written):
    result = export("--format", "json", "--from", written, "--to", written)
    assert result.exit_code == 0, result.output
    # the events of 16 Feb 2022: 13 dated to it, the shelter tour "by 16 Feb 2022", the US deployment with no end
    assert len(json.loads(result.stdout)) == 15


def test_to_a_month_means_its_last_day():
    whole = export("--format", "json", "--from", "February 2022", "--to", "February 2022")
    assert whole.exit_code == 0 and len(json.loads(whole.stdout)) == 18


@pytest.mark.parametrize("written", ["Febuary 31", "tomorrowish", "2022-13-40"])
def test_a_bad_date_is_a_usage_error(written):
    result = export("--format", "json", "--from", written)
    assert result.exit_code == 2
    assert "Invalid value for '--from'" in result.output and "2022-02-16" in result.output


def test_every_picture_gets_its_alt_text_beside_it(monkeypatch, tmp_path):
    stand_in(monkeypatch)
    result = export("--format", "png", "--each", "category", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    pictures = sorted(tmp_path.glob("*.png"))
    assert len(pictures) == 7
    for picture in pictures:
        alt = picture.with_name(picture.stem + ".alt.txt").read_text(encoding="utf-8")
        assert alt.startswith("Timeline “NATO, Russia and Ukraine") and "Filtered by category:" in alt
        assert oct(picture.with_name(picture.stem + ".alt.txt").stat().st_mode & 0o777) == "0o644"


def test_alt_text_is_a_format_of_its_own():
    result = export("--format", "alt", "--category", "military")
    assert result.exit_code == 0
    assert "4 events" in result.stdout and "By category: Military (4)." in result.stdout


def test_embed_is_for_html_only():
    result = export("--format", "png", "--embed")
    assert result.exit_code == 2 and "--embed is for --format html" in result.output


def test_the_app_offers_the_alt_text_and_serves_it(monkeypatch):
    from dashboard.app import ids
    from dashboard.app.download import data
    from dashboard.store import load_collection

    assert "alt" in ids.DOWNLOAD_FORMATS
    content, name, _ = data(load_collection(EVENTS), "?category=military", "alt")
    assert name.endswith(".alt.txt") and b"Filtered by category: military." in content


@pytest.mark.parametrize(
    "flag,written,means",
    [
        ("--category", "Military", "military"),  # the label the legend shows
        ("--category", "ECONOMY AND AID", "economy"),
        ("--actor", "nato", "NATO"),  # the one name that differs only in case
    ],
)
def test_a_filter_value_is_read_as_the_legend_or_another_case_names_it(flag, written, means):
    import json

    result = export("--format", "json", flag, written)
    assert result.exit_code == 0, result.output
    ids = {record["id"] for record in json.loads(result.stdout)}
    assert ids and ids == {record["id"] for record in json.loads(export("--format", "json", flag, means).stdout)}

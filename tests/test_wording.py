"""Counts are said as a reader says them."""

from dashboard.wording import counted, visible


def test_one_is_singular_and_others_plural_with_thousands_separated():
    assert [counted(n, "event") for n in (0, 1, 2, 1204)] == ["0 events", "1 event", "2 events", "1,204 events"]
    assert counted(2, "person", "people") == "2 people"


def test_control_and_bidi_characters_are_shown_as_code_points():
    assert visible("a\x1b]0;X\x07b\u202ec\td") == "a<U+001B>]0;X<U+0007>b<U+202E>c\td"
    assert visible("Київ – Kyiv") == "Київ – Kyiv"


def test_list_shows_control_characters_in_titles_as_code_points(tmp_path):
    from click.testing import CliRunner

    from dashboard.cli import cli

    (tmp_path / "a.yaml").write_text('title: "\\e]0;PWNED\\a"\ndate: 2022-02-16\ncategory: x\n', encoding="utf-8")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["list", "--events", str(tmp_path)])
    assert "\x1b" not in result.output and "0 events" in result.output, "refused where it stands"
    result = CliRunner().invoke(cli, ["validate", "--events", str(tmp_path)])
    assert "a.yaml:1:8: 'title': holds the control character U+001B" in result.output
    assert "\x1b" not in result.output

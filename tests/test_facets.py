"""The filters, each declared once as a facet of the View: every facet reaches the URL, ``apply``, the menus, the
page's controls, the subtitle and the export command, checked here against a reading of the events of its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from sourced import sourced_events

from dashboard import table
from dashboard.app import ids, state
from dashboard.app.layout import controls
from dashboard.cli import cli
from dashboard.index import index_for, option_value
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import FACETS, Facet, View, apply, describe

# Each facet's names in one event, read here without the registry: a new facet needs its line.
ORACLE: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "category": lambda row: [row["category"]],
    "actor": lambda row: list(row["actors"]),
    "place": lambda row: [place["name"] for place in row["places"]],
    "tag": lambda row: list(row["tags"]),
    "status": lambda row: [row["status"]],
    "source": lambda row: [source.get("publisher") or source["title"] for source in row["sources"]],
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sourced_events(tmp_path_factory.mktemp("facets") / "events")


@pytest.fixture(scope="module")
def collection(folder: Path) -> Collection:
    loaded = load_collection(folder)
    assert not loaded.problems, loaded.problems
    return loaded


@pytest.fixture(scope="module")
def rows(collection: Collection) -> list[dict[str, Any]]:
    return collection.events.to_dict("records")


def with_name(facet: Facet, rows: list[dict[str, Any]]) -> tuple[str, set[str]]:
    """A name of the facet that some events have and others not, and the ids of those that have it."""
    for name in sorted({n for row in rows for n in ORACLE[facet.key](row)}):
        having = {row["id"] for row in rows if name in ORACLE[facet.key](row)}
        if 1 < len(having) < len(rows):
            return name, having
    raise AssertionError(f"no {facet.key} narrows the events")


def walk(component: Any) -> list[Any]:
    """A component and everything inside it."""
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            found.extend(walk(child))
    return found


FACET_IDS = [facet.key for facet in FACETS]


def test_every_facet_is_checked_here_and_reads_a_declared_column_of_its_kind():
    assert set(ORACLE) == set(FACET_IDS)
    kinds = {column.name: column.kind for column in table.DECLARED}
    for facet in FACETS:
        assert kinds[facet.column] == ("text" if facet.reads == "value" else "nested"), facet
        assert facet.reads != "dicts" or facet.by, "a list of dicts needs the keys that name an item"
    for spelling in ("key", "label", "flag"):
        assert len({getattr(facet, spelling) for facet in FACETS}) == len(FACETS), f"two facets share a {spelling}"
    assert len(set(ids.FILTER.values())) == len(FACETS) and set(ids.FILTER) == set(FACET_IDS)


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_a_facet_survives_the_url_and_filters_like_a_plain_reading_of_the_events(facet, collection, rows):
    name, having = with_name(facet, rows)
    view = View(**{facet.key: (name, "another name")})
    query = view.to_query()
    assert f"{facet.key}=" in query
    assert View.from_query(query) == view and View.from_query(query).chosen(facet) == (name, "another name")
    assert view.filtered and not View().filtered
    assert set(apply(collection.events, view)["id"]) == having
    assert apply(collection.events, View(**{facet.key: ("no such name",)})).empty


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_facets_combine_with_and_across_kinds(facet, collection, rows):
    name, having = with_name(facet, rows)
    other = next(f for f in FACETS if f.key != facet.key)
    other_name, other_having = with_name(other, rows)
    both = View(**{facet.key: (name,), other.key: (other_name,)})
    assert set(apply(collection.events, both)["id"]) == having & other_having


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_a_facets_menu_offers_every_name_once_and_the_page_has_its_control(facet, collection, rows):
    names = {n for row in rows for n in ORACLE[facet.key](row)}
    assert sorted(index_for(collection).choices[facet.key], key=str.casefold) == sorted(names, key=str.casefold)
    assert len(index_for(collection).choices[facet.key]) == len(names)
    menus = {c.id: c for c in walk(controls(collection)) if getattr(c, "id", None) in ids.FILTER.values()}
    menu = menus[ids.FILTER[facet.key]]
    assert {option["value"] for option in menu.options} == {option_value(n) for n in names}
    assert menu.multi
    labels = [c.children for c in walk(controls(collection)) if getattr(c, "className", None) == "control-label"]
    assert facet.label in labels


def test_the_controls_come_in_the_registrys_order_after_the_search(collection):
    found = [c.id for c in walk(controls(collection)) if isinstance(getattr(c, "id", None), str)]
    facets = [found.index(ids.FILTER[key]) for key in FACET_IDS]
    assert facets == sorted(facets) and found.index(ids.SEARCH) < facets[0] < found.index(ids.DATES)


def test_category_menus_keep_the_settings_order_and_labels(collection):
    [menu] = [c for c in walk(controls(collection)) if getattr(c, "id", None) == ids.FILTER["category"]]
    order = [key for key in collection.settings.categories if key in set(collection.events["category"])]
    assert [option["value"] for option in menu.options] == order
    assert menu.options[0]["label"] == collection.settings.categories[order[0]].label


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_a_facets_control_reads_and_shows_the_view(facet, collection, rows):
    name, _ = with_name(facet, rows)
    assert state.CONTROL_PROPS[facet.key] == (ids.FILTER[facet.key], "value")
    chosen = state.from_controls(View(), {facet.key: [option_value(name)]}, index_for(collection).option_names)
    assert chosen == View(**{facet.key: (name,)})
    assert state.control_values(chosen)[facet.key] == [option_value(name)]
    assert all(state.control_values(chosen)[f.key] == [] for f in FACETS if f is not facet)


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_a_long_name_reaches_the_menu_as_its_short_key_and_comes_back_whole(facet):
    long = "A name far longer than any menu shows " * 4
    assert option_value(long) != long
    assert state.control_values(View(**{facet.key: (long,)}))[facet.key] == [option_value(long)]
    back = state.from_controls(View(), {facet.key: [option_value(long)]}, {option_value(long): long})
    assert back.chosen(facet) == (long,)


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_a_facet_is_named_in_a_pictures_subtitle(facet):
    assert describe(View(**{facet.key: ("A", "B")})) == f"{facet.key}: A, B"


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_the_export_command_has_a_repeatable_flag_per_facet(facet, folder, rows):
    name, having = with_name(facet, rows)
    runner = CliRunner(env={"TIMELINE_EVENTS": None})
    result = runner.invoke(
        cli, ["export", "--events", str(folder), "--format", "json", facet.flag, name, facet.flag, name]
    )
    assert result.exit_code == 0, result.output
    assert {record["id"] for record in json.loads(result.stdout)} == having
    unknown = runner.invoke(cli, ["export", "--events", str(folder), "--format", "json", facet.flag, "no such name"])
    assert unknown.exit_code == 2 and f"unknown {facet.key} 'no such name'" in unknown.output
    helped = runner.invoke(cli, ["export", "--help"], terminal_width=200).output
    assert f"{facet.flag} TEXT" in helped and " ".join(facet.help.split()[:3]) in helped


@pytest.mark.parametrize("facet", FACETS, ids=FACET_IDS)
def test_a_flag_is_laid_over_the_link_it_is_given_with(facet, folder, rows):
    name, having = with_name(facet, rows)
    other = next(f for f in FACETS if f.key != facet.key)
    other_name, other_having = with_name(other, rows)
    result = CliRunner(env={"TIMELINE_EVENTS": None}).invoke(
        cli,
        [
            "export",
            "--events",
            str(folder),
            "--format",
            "json",
            "--view",
            f"?{other.key}={other_name}",
            facet.flag,
            name,
        ],
    )
    assert result.exit_code == 0, result.output
    assert {record["id"] for record in json.loads(result.stdout)} == having & other_having


def test_a_facet_reads_one_value_a_list_of_names_or_the_first_named_key_of_each_dict():
    assert Facet("k", "c", "value", "K", "h").names("x") == ["x"]
    assert Facet("k", "c", "value", "K", "h").names(None) == []
    assert Facet("k", "c", "names", "K", "h").names(["a", "", "b"]) == ["a", "b"]
    by = Facet("k", "c", "dicts", "K", "h", by=("first", "second"))
    assert by.names([{"first": "a", "second": "b"}, {"first": None, "second": "c"}, {"first": ""}]) == ["a", "c"]
    column = pd.Series([[{"first": "a"}], [{"second": "a"}], [{"first": "b", "second": "a"}], []])
    assert list(by.matches(column, ["a"])) == [True, True, False, False]
    assert by.distinct(column) == ["a", "b"]
    names = Facet("k", "c", "names", "K", "h")
    assert names.distinct(pd.Series([["Beta", "alpha", ""], [], ["alpha"]])) == ["alpha", "Beta"]  # case-blind
    assert by.flag == "--k" and Facet("k", "c", "value", "K", "h", flag="--other").flag == "--other"


def test_a_view_keeps_chosen_names_as_a_tuple_however_they_were_given():
    assert View(category="military").category == ("military",)  # one name, not its letters
    assert View(actor=["NATO", "NATO", "EU"]).actor == ("NATO", "EU")
    assert View(tag=42).tag == ()  # type: ignore[arg-type]
    assert hash(View(actor=["NATO"])) == hash(View(actor=("NATO",)))


# ---- the source filter: added by declaring its facet -----------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (("Reuters",), {"reuters-convoy", "two-sources"}),
        (("AP",), {"two-sources"}),  # any of an event's sources
        (("Kyiv Independent live page",), {"live-page-report"}),  # no publisher: its title
        (("Convoy seen near Belgorod",), set()),  # a title does not count where the source names its publisher
        (("AP", "Kyiv Independent live page"), {"two-sources", "live-page-report"}),
    ],
)
def test_the_source_filter_keeps_events_by_publisher_or_else_title(collection, chosen, expected):
    assert set(apply(collection.events, View(source=chosen))["id"]) == expected


def test_the_source_filter_reads_and_writes_the_address(collection):
    view = View.from_query("?source=Reuters&source=Kyiv+Independent+live+page&category=military")
    assert view.source == ("Reuters", "Kyiv Independent live page")
    assert set(apply(collection.events, view)["id"]) == {"reuters-convoy"}
    assert View(source=("AP",), selected="two-sources").to_query() == "?source=AP&event=two-sources"
    assert describe(View(source=("Reuters",))) == "source: Reuters"


def test_the_source_menu_offers_publishers_and_titles_without_one(collection):
    choices = index_for(collection).choices["source"]  # the bundled events' publishers, and these
    assert {"AP", "DW", "Kyiv Independent live page", "Reuters"} <= set(choices)
    [menu] = [c for c in walk(controls(collection)) if getattr(c, "id", None) == ids.FILTER["source"]]
    assert [option["label"] for option in menu.options] == choices
    assert ids.FILTER["source"] == "filter-source" and state.CONTROL_PROPS["source"] == ("filter-source", "value")


def test_the_export_command_takes_source(folder):
    result = CliRunner(env={"TIMELINE_EVENTS": None}).invoke(
        cli, ["export", "--events", str(folder), "--format", "json", "--source", "Reuters", "--source", "AP"]
    )
    assert result.exit_code == 0, result.output
    assert {record["id"] for record in json.loads(result.stdout)} == {"reuters-convoy", "two-sources"}

"""Filters narrow the count, the list and the timeline together, and write themselves into the URL."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from rows import by_id
from sourced import sourced_events

from dashboard.app import ids
from dashboard.store import Collection, load_collection


def ids_where(collection: Collection, predicate) -> list[str]:
    return [row["id"] for row in collection.events.to_dict("records") if predicate(row)]


def searchable(row: dict) -> str:
    """What the search box looks through, as the README promises: titles, summaries, quotes, actors, places, tags."""
    parts = [
        row["title"],
        row["summary"],
        *(f"{q['text']} {q.get('speaker') or ''}" for q in row["quotes"]),
        *row["actors"],
        *(p["name"] for p in row["places"]),
        *row["tags"],
    ]
    return "\n".join(parts).casefold()


def test_choosing_a_category_narrows_count_list_timeline_and_url(app, collection):
    total = len(collection.events)
    military = ids_where(collection, lambda row: row["category"] == "military")
    assert 0 < len(military) < total
    app.open()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{total} events")
    assert len(app.shown_ids()) == total

    app.choose(ids.FILTER["category"], "Military")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{len(military)} of {total} events")
    expect(app.page).to_have_url(re.compile(r"[?&]category=military(&|$)"))
    app.settle()
    expect(app.page.locator(f"#{ids.LIST} .list-card")).to_have_count(len(military))
    assert app.list_titles() == [by_id(collection)[i]["title"] for i in military]
    assert sorted(app.shown_ids()) == sorted(military), "the timeline shows only the military events"
    expect(app.page.locator(f"#{ids.FILTER['category']}")).to_contain_text("Military")
    expect(app.page.locator(f"#{ids.EMPTY} .empty")).to_have_count(0)
    app.assert_no_errors()


def test_search_narrows_then_no_match_shows_the_empty_message_and_clear_brings_all_back(app, collection):
    total = len(collection.events)
    javelin = ids_where(collection, lambda row: "javelin" in searchable(row))
    assert 0 < len(javelin) < total
    app.open()
    search = app.page.locator(f"#{ids.SEARCH}")

    search.fill("Javelin")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{len(javelin)} of {total} events")
    expect(app.page).to_have_url(re.compile(r"[?&]q=Javelin(&|$)"))
    app.settle()
    expect(app.page.locator(f"#{ids.LIST} .list-card")).to_have_count(len(javelin))
    assert sorted(app.mark_ids()) == sorted(javelin)

    search.fill("no-such-word-anywhere")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"0 of {total} events")
    expect(app.page.locator(f"#{ids.EMPTY}")).to_contain_text("No events match this view")
    expect(app.page.locator(f"#{ids.LIST} .list-card")).to_have_count(0)
    expect(app.page).to_have_url(re.compile(r"[?&]q=no-such-word-anywhere(&|$)"))
    app.settle()
    assert app.mark_ids() == []

    app.page.locator(f"#{ids.CLEAR}").click()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{total} events")
    expect(app.page.locator(f"#{ids.EMPTY} .empty")).to_have_count(0)
    expect(search).to_have_value("")
    expect(app.page).not_to_have_url(re.compile(r"[?&]q="))
    app.settle()
    expect(app.page.locator(f"#{ids.LIST} .list-card")).to_have_count(total)
    assert len(app.shown_ids()) == total
    app.assert_no_errors()


def test_choosing_a_source_narrows_count_list_timeline_and_url(start_server, app_for, tmp_path):
    folder = sourced_events(tmp_path / "sourced")
    collection = load_collection(folder)
    total = len(collection.events)
    reuters = ids_where(collection, lambda row: any(s.get("publisher") == "Reuters" for s in row["sources"]))
    assert sorted(reuters) == ["reuters-convoy", "two-sources"]
    app = app_for(start_server(folder)).open()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{total} events")

    app.choose(ids.FILTER["source"], "Reuters")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"2 of {total} events")
    expect(app.page).to_have_url(re.compile(r"[?&]source=Reuters(&|$)"))
    app.settle()
    expect(app.page.locator(f"#{ids.LIST} .list-card")).to_have_count(2)
    assert sorted(app.mark_ids()) == sorted(reuters)

    # a source without a publisher is offered by its title, and choices within the menu add up
    app.choose(ids.FILTER["source"], "Kyiv Independent live page")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"3 of {total} events")
    app.settle()
    assert sorted(app.mark_ids()) == sorted([*reuters, "live-page-report"])
    app.assert_no_errors()

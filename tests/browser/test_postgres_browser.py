"""The app over a collection in PostgreSQL (a real server, read with a role that may only read): the same page as
over the folder, a click's card, the keys, and a new load shown on reload; and the other modules' browser tests
that only read, run here against it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Server as AppServer
from conftest import run_server
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' own helpers
import pg as throwaway  # noqa: E402
from pg import READER, Server  # noqa: E402

# The browser tests that only read, collected again here: they run against the ``server`` below.
from test_deep_link import test_a_deep_link_restores_controls_figure_and_card_and_history_walks_back  # noqa: E402, F401
from test_filters import (  # noqa: E402, F401
    test_choosing_a_category_narrows_count_list_timeline_and_url,
    test_search_narrows_then_no_match_shows_the_empty_message_and_clear_brings_all_back,
)
from test_selection import (  # noqa: E402, F401
    test_a_related_event_link_selects_that_event,
    test_arrow_keys_step_through_events_in_time_order_and_escape_clears,
    test_clicking_a_mark_shows_its_card_and_names_it_in_the_url,
)

from dashboard import postgres  # noqa: E402
from dashboard.app import ids  # noqa: E402
from dashboard.store import load_collection  # noqa: E402
from dashboard.table import Collection  # noqa: E402

DAY_EVENT = "biden-scholz-call"


@pytest.fixture(scope="module")
def pg() -> Iterator[Server]:
    with throwaway.server() as started:
        yield started


@pytest.fixture(scope="module")
def served(pg: Server, events_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    postgres.init(pg.url(), reader=READER)
    postgres.load(pg.url(), load_collection(events_dir))
    with run_server(pg.url(user=READER), tmp_path_factory.mktemp("pg-logs") / "server.log") as running:
        yield running


@pytest.fixture(scope="module")
def server(served: AppServer) -> AppServer:
    """The tests collected above read the app over the database."""
    return served


def test_the_app_over_postgresql_is_the_app_over_the_folder(served: AppServer, app_for, collection: Collection):
    app = app_for(served).open()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{len(collection.events)} events")
    assert sorted(app.shown_ids()) == sorted(collection.events["id"])
    title = collection.events.set_index("id").loc[DAY_EVENT, "title"]
    app.click_mark(DAY_EVENT, title)
    app.expect_card(DAY_EVENT, title)
    app.press("ArrowRight")
    order = list(collection.events["id"])
    following = order[order.index(DAY_EVENT) + 1]
    app.expect_card(following, collection.events.set_index("id").loc[following, "title"])
    app.assert_no_errors()


def test_a_new_load_shows_on_reload(pg: Server, served: AppServer, app_for, events_dir: Path, tmp_path: Path):
    folder = tmp_path / "events"
    folder.mkdir()
    for path in events_dir.glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "new-one.yaml").write_text(
        "title: A new event from the newsroom\ndate: 2022-02-16\ncategory: diplomacy\n", "utf-8"
    )
    postgres.load(pg.url(), load_collection(folder))
    app = app_for(served).open("?event=new-one")
    expect(app.card.locator(".detail-title")).to_have_text("A new event from the newsroom")
    app.assert_no_errors()

"""The app served with the DuckDB engine (`serve --engine duckdb`) passes the same browser tests as with pandas:
the tests below are the other modules' own, run here against a server whose events live in a DuckDB file. What
they check (the count, the marks, the cards, the keys, the filters, the address, the downloads against the export
command's files, files added while it runs, the zones) holds whichever engine answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, run_server

# The tests themselves, collected again in this module: here they read the ``server`` and ``start_server`` below.
from test_deep_link import test_a_deep_link_restores_controls_figure_and_card_and_history_walks_back  # noqa: F401
from test_downloads import test_data_downloads_arrive_as_the_export_command_s_files  # noqa: F401
from test_filters import (  # noqa: F401
    test_choosing_a_category_narrows_count_list_timeline_and_url,
    test_search_narrows_then_no_match_shows_the_empty_message_and_clear_brings_all_back,
)
from test_in_page_browser import (  # noqa: F401
    many_events,
    test_a_click_in_a_view_too_big_for_cards_ahead_asks_the_server,
)
from test_live_reload import test_new_and_broken_files_show_on_reload  # noqa: F401
from test_selection import (  # noqa: F401
    test_a_related_event_link_selects_that_event,
    test_arrow_keys_step_through_events_in_time_order_and_escape_clears,
    test_clicking_a_mark_shows_its_card_and_names_it_in_the_url,
)
from test_session import test_a_session_of_normal_use_logs_no_errors  # noqa: F401
from test_zones_browser import test_choosing_the_readers_zone_changes_the_card_and_the_address  # noqa: F401

ENGINE = ("--engine", "duckdb")


@pytest.fixture(scope="module")
def server(events_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on the copy of the bundled events, with its events in a DuckDB file."""
    with run_server(events_dir, tmp_path_factory.mktemp("duck-logs") / "server.log", *ENGINE) as running:
        yield running


@pytest.fixture
def start_server(start_server: Callable[..., Server]) -> Callable[..., Server]:
    """Another server on a copy of a folder, with its events in a DuckDB file."""

    def start(source: Path, *extra: str) -> Server:
        return start_server(source, *extra, *ENGINE)

    return start


def test_the_server_reads_a_duckdb_file(server: Server, app_for: Any) -> None:
    """The server above serves from a DuckDB file (so the tests above ran against it), and says so."""
    app = app_for(server).open()
    app.assert_no_errors()
    assert "read from a DuckDB file" in server.log_text()

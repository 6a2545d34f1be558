"""The app's start: what it works out before it listens, and what it leaves to the background. A second start over
a million events must answer within seconds; the first page's consistency warnings (a second at that size) are
worked out on a thread of their own, and the layout Dash checks callbacks against is the page of no events."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from dashboard import index
from dashboard.app import banner, create_app, ids
from dashboard.consistency import Checked

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"


def test_the_first_pages_warnings_are_worked_out_in_the_background_not_before_the_app_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = banner.check
    release = threading.Event()
    threads: list[str] = []

    def slow(events: Any, **kwargs: Any) -> Checked:
        if len(events):  # the page of no events, for Dash's check of the callbacks, has nothing to check
            threads.append(threading.current_thread().name)
            if threading.current_thread() is not threading.main_thread():
                release.wait(20)
        return real(events, **kwargs)

    monkeypatch.setattr(banner, "check", slow)
    index._indexes.clear()
    app = create_app(EVENTS)
    try:
        assert threads in ([], ["timeline-warm"]), f"the app worked out the warnings itself, on {threads}"
    finally:
        release.set()
    response = app.server.test_client().get("/_dash-layout")
    assert response.status_code == 200 and ids.BANNER in response.get_data(as_text=True)
    assert threads == ["timeline-warm"], "the first page was not warmed, or its warnings were worked out twice"


def test_dash_checks_callbacks_against_the_page_of_no_events_and_sends_no_event_with_every_page(
    tmp_path: Path,
) -> None:
    """The layout sent in every page's config holds every id, no event and not the server's folder."""
    titles = [str(yaml.safe_load(path.read_text())["title"]) for path in sorted(EVENTS.glob("*.yaml"))[:5]]
    folder = tmp_path / "private-newsroom-folder"
    shutil.copytree(EVENTS, folder)
    app = create_app(folder)
    config = json.dumps(app._config()["validation_layout"].to_plotly_json(), default=str)
    assert ids.TIMELINE in config and ids.DETAIL in config and ids.BANNER in config
    assert not [title for title in titles if json.dumps(title)[1:-1] in config]
    assert "private-newsroom-folder" not in config


SERVING_PROBE = """
import sys
from plotly.validator_cache import ValidatorCache
from pathlib import Path
from dashboard import duck
from dashboard.app import _warming, create_app
create_app(sys.argv[1], engine="duckdb")
for warm in list(_warming):
    warm.join()
collection = duck.Folder(Path(sys.argv[1]))()
rules = ValidatorCache._json_cache is not None
loaded = [name for name in ("edtf", "pyarrow.parquet") if name in sys.modules]
print(len(collection.problems), collection.engine.count(), ",".join(loaded) or "-", rules)
"""


@pytest.mark.parametrize("given", ["folder", "parquet"])
def test_a_server_over_a_built_file_shares_plotlys_rules_and_never_loads_what_only_a_build_needs(
    tmp_path: Path, given: str
) -> None:
    """What every worker of a preloaded server needs is in memory before it forks (plotly's rules for figures,
    8 MB), and what only a build needs is not (the EDTF parser's grammar, 6 MB, for a season's date; Arrow's
    Parquet reader and the file systems it brings, 10 MB): the build runs in a child process of its own."""
    folder = tmp_path / "events"
    shutil.copytree(EVENTS, folder)
    (folder / "spring.yaml").write_text("title: Talks through the spring\ndate: 2022-21\ncategory: diplomacy\n")
    events = len([path for path in EVENTS.glob("*.yaml") if not path.name.startswith("_")]) + 1  # and the season's
    if given == "parquet":
        events = 500
        folder = tmp_path / "events.parquet"
        days = [f"2022-02-{1 + n % 28:02d}" for n in range(events - 1)]
        titles = [f"Event {n}" for n in range(events - 1)]
        table = {"title": [*titles, "Talks through the spring"], "date": [*days, "2022-21"]}
        pq.write_table(pa.table(table), folder)
    env = {**os.environ, "TIMELINE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", SERVING_PROBE, str(folder)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    problems, count, loaded, rules = done.stdout.split()
    assert (problems, count) == ("0", str(events)), f"{problems} problems, {count} events built"
    assert (loaded, rules) == ("-", "True"), f"loaded: {loaded}; plotly's rules loaded: {rules}"


MEMORY_PROBE = """
import re, sys
import dashboard
import numpy as np, pyarrow as pa, pyarrow.compute as pc
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
values = pa.array(np.arange(20_000_000))
before = rss()
for _ in range(3):
    pc.take(values, pa.array(np.arange(20_000_000)))  # 160 MB in Arrow's pool, freed at once
print(rss() - before)
"""


def test_memory_a_request_frees_in_arrows_pool_goes_back_to_the_system() -> None:
    """What a server over a million events frees after each request (hundreds of MB of Arrow temporaries) is
    given back, not kept by the allocator for later: its peak is then one request's, not every request's."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("MIMALLOC_")}
    kept = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert int(kept.stdout) < 60, f"{kept.stdout.strip()} MB kept after freeing 160 MB three times"
    env["MIMALLOC_PURGE_DELAY"] = "250"  # a user's own setting stands
    told = subprocess.run(
        [sys.executable, "-c", "import os, dashboard; print(os.environ['MIMALLOC_PURGE_DELAY'])"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert told.stdout.strip() == "250"

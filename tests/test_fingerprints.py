"""A collection's fingerprint: what its events were built from, so look-ups and screen keys are shared by exactly
the collections that hold the same table, in this process and in every other one serving the same folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import index, store
from dashboard.app import screens
from dashboard.model import SETTINGS_FILE
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View

EVENT = "title: {title}\ndate: 2022-02-{day:02d}\ncategory: diplomacy\n"
STAMP = 1_700_000_000_000_000_000  # one mtime for every file, so folders differ in nothing but their path


def events_folder(folder: Path) -> Path:
    """A small events folder whose files all have the same mtime."""
    folder.mkdir(parents=True, exist_ok=True)
    for day in (1, 2, 3):
        path = folder / f"event-{day}.yaml"
        path.write_text(EVENT.format(title=f"Event {day}", day=day), encoding="utf-8")
        os.utime(path, ns=(STAMP, STAMP))
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return events_folder(tmp_path / "events")


def test_an_unchanged_folder_loaded_twice_has_one_fingerprint_and_one_index(folder):
    first, again = load_collection(folder), load_collection(folder)
    assert first.fingerprint == again.fingerprint
    assert index.index_for(first).memo is index.index_for(again).memo
    store._memo.clear()  # as in another process: the table is built afresh, a new object with the same rows
    rebuilt = load_collection(folder)
    assert rebuilt.events is not first.events
    assert rebuilt.fingerprint == first.fingerprint
    assert index.index_for(rebuilt).memo is index.index_for(first).memo


def test_an_edit_gives_a_new_fingerprint(folder):
    before = load_collection(folder).fingerprint
    touched = folder / "event-1.yaml"
    os.utime(touched, ns=(STAMP + 1, STAMP + 1))  # the same bytes, a new mtime
    after = load_collection(folder).fingerprint
    assert after != before
    (folder / SETTINGS_FILE).write_text("title: Renamed\n", encoding="utf-8")  # no event file changes
    renamed = load_collection(folder)
    assert renamed.settings.title == "Renamed" and not renamed.problems
    assert renamed.fingerprint not in (before, after)


def test_two_folders_alike_in_every_file_have_different_fingerprints(tmp_path):
    one, other = events_folder(tmp_path / "one"), events_folder(tmp_path / "other")
    first, second = load_collection(one), load_collection(other)
    assert first.events["title"].tolist() == second.events["title"].tolist()
    assert first.fingerprint != second.fingerprint
    assert index.index_for(first).memo is not index.index_for(second).memo


def test_a_collection_made_by_hand_has_a_fingerprint_of_its_own(folder):
    loaded = load_collection(folder)
    made = Collection(loaded.events, [], loaded.settings)
    made_again = Collection(loaded.events, [], loaded.settings)
    assert len({loaded.fingerprint, made.fingerprint, made_again.fingerprint}) == 3
    assert index.index_for(made).memo is not index.index_for(made_again).memo


SCREEN_KEY = """
import sys
from dashboard.app import screens
from dashboard.model import SETTINGS_FILE
from dashboard.store import load_collection
from dashboard.view import View
print(screens.screen_key(load_collection(sys.argv[1]), View(category=("diplomacy",)), 1100))
"""


def test_screen_keys_agree_across_processes_serving_one_folder(folder):
    def key_in_a_process() -> str:
        result = subprocess.run(
            [sys.executable, "-c", SCREEN_KEY, str(folder)], capture_output=True, text=True, timeout=60, check=True
        )
        return result.stdout.strip()

    first, second = key_in_a_process(), key_in_a_process()
    assert first and first == second
    assert first == screens.screen_key(load_collection(folder), View(category=("diplomacy",)), 1100)

"""The element ids of the page come from dashboard/app/ids.py, for the page's script too: the page sets them as
``window.TIMELINE_IDS`` before assets/app.js runs, and the script names no id of its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dashboard.app import create_app, ids

REPO = Path(__file__).resolve().parents[1]
SCRIPT = (REPO / "assets" / "app.js").read_text(encoding="utf-8")
EVENTS = REPO / "events"
USED = re.compile(r"\bIDS\.([A-Za-z_][A-Za-z0-9_]*)")
SET = re.compile(r"<script>window\.TIMELINE_IDS = (\{.*?\});</script>")


def test_every_id_the_script_uses_is_defined_in_ids():
    used = set(USED.findall(SCRIPT))
    assert {"TIMELINE", "KEYS", "VIEWPORT", "LIST"} <= used, "the parse no longer sees the script's ids"
    assert used <= set(ids.for_script()), f"not in ids.py: {used - set(ids.for_script())}"
    assert f"window.{ids._SCRIPT_GLOBAL}" in SCRIPT


def test_the_script_spells_no_id_itself():
    every_id = set(ids.for_script().values()) | set(ids.FILTER.values())
    quoted = set(re.findall(r"""["']([^"'\s]+)["']""", SCRIPT))
    assert not quoted & every_id, f"ids written into app.js: {quoted & every_id}"
    assert not re.search(r"""querySelector(All)?\(\s*["'][^"']*#""", SCRIPT), "an id in a selector"


def test_the_script_ids_are_every_plain_id_and_nothing_else():
    given = ids.for_script()
    assert given["TIMELINE"] == ids.TIMELINE and given["LIST"] == ids.LIST and given["KEYS"] == ids.KEYS
    assert all(isinstance(value, str) for value in given.values())
    assert "DOWNLOAD_FORMATS" not in given and "_SCRIPT_GLOBAL" not in given and "SCRIPT_GLOBAL" not in given
    assert json.loads(SET.search(ids.script()).group(1)) == given
    assert "</" not in ids.script()[len("<script>") : -len("</script>")], "an id must never close the element"


def test_an_id_cannot_close_the_script_element(monkeypatch):
    monkeypatch.setattr(ids, "HOSTILE", "</script><script>alert(1)//", raising=False)
    written = ids.script()
    assert written.count("</script>") == 1 and written.endswith("</script>")
    assert json.loads(SET.search(written).group(1))["HOSTILE"] == "</script><script>alert(1)//"


def test_the_page_sets_the_ids_before_its_scripts_run():
    html = create_app(EVENTS).server.test_client().get("/").get_data(as_text=True)
    found = SET.search(html)
    assert found, html[-2000:]
    assert json.loads(found.group(1)) == ids.for_script()
    script_tag = re.search(r"<script src=\"[^\"]*app\.js[^\"]*\"", html)
    assert script_tag and found.start() < script_tag.start(), "app.js would run before the ids are set"
    assert html.count("window.TIMELINE_IDS") == 1

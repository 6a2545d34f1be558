"""Drafts: the status and its evidence, drawn faintly in a lane of their own, left out of exports unless asked for,
and accepted (moved to the folder as reported) or rejected (deleted) by plain, careful file operations."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dashboard.app import create_app, ids
from dashboard.app.cards import detail_card
from dashboard.app.review_card import act
from dashboard.cli import cli
from dashboard.figure import timeline_figure
from dashboard.figure.caption import lane_counts
from dashboard.figure.packing import DRAFT_LANE
from dashboard.figure.style import FAINT_ALPHA, STATUS_LOOKS
from dashboard.figure.timeline import lay_out
from dashboard.index import EventIndex, index_for, reviewed
from dashboard.model import EVIDENCE_MAX, STATUS_MEANINGS, EventFile, Status, event_json_schema
from dashboard.review import ReviewError, accept, reject
from dashboard.store import load_collection
from dashboard.table import C, Collection
from dashboard.view import View

REPORTED = """title: Ministers meet
date: 2022-02-16
category: diplomacy
actors: [NATO]
places: [{name: Brussels, country: BE, lat: 50.85, lon: 4.35}]
"""
DRAFT = """# drafted from the article
title: Troops return to bases
date: 2022-02-15
category: military
status: draft  # the drafter's
actors: [Russia]
evidence: "On Tuesday, the ministry said some units were returning to their bases."
"""


def folder(tmp_path: Path, drafts: dict[str, str] | None = None) -> Path:
    """An events folder with one reviewed event at its root and drafts under drafts/."""
    root = tmp_path / "events"
    (root / "drafts").mkdir(parents=True)
    (root / "ministers.yaml").write_text(REPORTED, encoding="utf-8")
    for name, text in (drafts if drafts is not None else {"troops": DRAFT}).items():
        (root / "drafts" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def loaded(tmp_path: Path) -> Collection:
    collection = load_collection(folder(tmp_path))
    assert not collection.problems, collection.problems
    return collection


# ---- the status and the evidence ------------------------------------------------------------------------------


def test_draft_is_a_status_with_a_meaning_read_in_any_case():
    assert Status("draft") is Status.DRAFT and list(Status)[-1] is Status.DRAFT  # the last: the least known
    assert set(STATUS_MEANINGS) == set(Status) and "not yet reviewed" in Status.DRAFT.meaning
    event = EventFile.model_validate({"title": "t", "date": "2022", "category": "c", "status": " Draft "})
    assert event.status is Status.DRAFT
    assert "draft" in event_json_schema()["properties"]["status"]["description"]


def test_a_draft_carries_its_evidence_to_the_table_and_the_card(loaded):
    row = index_for(loaded).row("troops")
    assert row is not None and row[C.status] == "draft"
    assert row[C.evidence] == "On Tuesday, the ministry said some units were returning to their bases."
    assert index_for(loaded).row("ministers")[C.evidence] == ""  # type: ignore[index]
    card = json.dumps(
        detail_card(row, EventIndex(loaded.events), View(), loaded.settings), default=lambda c: c.to_plotly_json()
    )
    assert "Evidence" in card and "some units were returning" in card
    assert ids.REVIEW_ACCEPT not in card  # no buttons unless the app is served for review
    reviewing = detail_card(row, EventIndex(loaded.events), View(), loaded.settings, review=True)
    assert ids.REVIEW_ACCEPT in json.dumps(reviewing, default=lambda c: c.to_plotly_json())


def test_evidence_is_plain_text_of_a_sensible_length(tmp_path):
    schema = event_json_schema()["properties"]["evidence"]
    assert schema["type"] == "string" and schema["maxLength"] == EVIDENCE_MAX
    bell = DRAFT.replace("On Tuesday,", "On Tuesday,\\a")
    long = DRAFT.replace("On Tuesday,", "x" * (EVIDENCE_MAX + 1))
    collection = load_collection(folder(tmp_path, {"bell": bell, "long": long}))
    problems = {p.path: p for p in collection.problems}
    assert "control character U+0007" in problems["drafts/bell.yaml"].message
    assert problems["drafts/bell.yaml"].line == 7  # located at the evidence
    assert "2000 characters" in problems["drafts/long.yaml"].message
    assert not len(collection.events.query("status == 'draft'"))


# ---- drawing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lanes", ["category", "actor", "place"])
def test_drafts_have_a_lane_of_their_own_last_whatever_the_lanes(loaded, lanes):
    view = View(lanes=lanes)
    events = loaded.events.reset_index(drop=True)
    laid = lay_out(events, events.to_dict("records"), view, loaded.settings, 1200)
    assert laid.lanes[-1] == DRAFT_LANE and laid.lanes.count(DRAFT_LANE) == 1
    assert [item.lane for item in laid.items if item.id == "troops"] == [DRAFT_LANE]
    assert lane_counts(events, view, loaded.settings)[-1] == ("Drafts", 1)  # the alt text counts it there too
    fig = timeline_figure(events, view, loaded.settings)
    assert fig.layout.yaxis.ticktext[-1] == "Drafts"


def test_no_drafts_lane_without_a_draft_in_view(loaded):
    reviewed_only = loaded.events[loaded.events[C.status] != "draft"].reset_index(drop=True)
    laid = lay_out(reviewed_only, reviewed_only.to_dict("records"), View(), loaded.settings, 1200)
    assert DRAFT_LANE not in laid.lanes


def test_a_draft_is_drawn_faintly_and_the_legend_names_it(loaded):
    fig = timeline_figure(loaded.events, View(), loaded.settings)
    [mark] = [t for t in fig.data if t.type == "scatter" and t.customdata is not None and "troops" in t.customdata]
    assert mark.marker.opacity == STATUS_LOOKS["draft"].opacity == 0.5
    assert mark.marker.color.endswith(f",{FAINT_ALPHA:g})")  # a paler tint than a reported event's
    legend = [t.name for t in fig.data if t.legendgroup and t.legendgroup.startswith("status-")]
    assert "Draft" in legend
    looks = {(look.fill, look.suffix, look.symbol, look.opacity) for look in STATUS_LOOKS.values()}
    assert set(STATUS_LOOKS) == {s.value for s in Status} and len(looks) == len(Status)


# ---- exports --------------------------------------------------------------------------------------------------


def test_reviewed_leaves_the_drafts_out_once_per_collection(loaded):
    kept = reviewed(loaded)
    assert list(kept.events[C.id]) == ["ministers"] and kept.fingerprint != loaded.fingerprint
    assert reviewed(loaded) is kept  # kept with the collection's look-ups
    assert reviewed(kept) is kept  # nothing to leave out: the collection itself


def export(root: Path, *args: str) -> Any:
    result = CliRunner(env={"TIMELINE_EVENTS": None}).invoke(cli, ["export", "--events", str(root), *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("fmt", ["json", "csv", "ics", "md"])
def test_export_leaves_drafts_out_unless_drafts_is_given(tmp_path, fmt):
    root = folder(tmp_path)
    assert "Troops return" not in export(root, "--format", fmt).stdout
    assert "Ministers meet" in export(root, "--format", fmt).stdout
    assert "Troops return" in export(root, "--format", fmt, "--drafts").stdout


def test_asking_for_drafts_without_drafts_says_why_none_came(tmp_path):
    root = folder(tmp_path)
    result = export(root, "--status", "draft")
    assert json.loads(result.stdout) == []
    assert "drafts are left out of exports: add --drafts" in result.stderr
    assert "left out" not in export(root).stderr


def test_a_picture_leaves_drafts_out_unless_drafts_is_given(tmp_path):
    root = folder(tmp_path)
    out = tmp_path / "t.html"
    export(root, "--format", "html", "--out", str(out))
    assert "Troops return" not in out.read_text(encoding="utf-8")
    export(root, "--format", "html", "--out", str(out), "--drafts")
    assert "Troops return" in out.read_text(encoding="utf-8")


# ---- accepting and rejecting ----------------------------------------------------------------------------------


def test_accept_moves_the_draft_to_the_root_changing_only_its_status_line(tmp_path):
    text = DRAFT.replace("\n", "\r\n").replace("status: draft", "status: 'Draft'")
    root = folder(tmp_path, {"troops": text})
    assert accept(root, "drafts/troops.yaml") == "troops.yaml"
    assert not (root / "drafts" / "troops.yaml").exists()
    assert (root / "troops.yaml").read_bytes() == text.replace("status: 'Draft'", "status: 'reported'").encode()
    assert oct((root / "troops.yaml").stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    row = index_for(load_collection(root)).row("troops")
    assert row is not None and row[C.status] == "reported" and row[C.path] == "troops.yaml"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_accept_never_overwrites_a_file_of_that_name(tmp_path):
    root = folder(tmp_path)
    (root / "troops.yaml").write_text(REPORTED, encoding="utf-8")
    with pytest.raises(ReviewError, match="has a file troops.yaml already"):
        accept(root, "drafts/troops.yaml")
    assert (root / "troops.yaml").read_text(encoding="utf-8") == REPORTED
    assert (root / "drafts" / "troops.yaml").read_text(encoding="utf-8") == DRAFT


def test_a_draft_at_the_root_is_accepted_in_place(tmp_path):
    root = folder(tmp_path, {})
    (root / "here.yaml").write_text(DRAFT, encoding="utf-8")
    assert accept(root, "here.yaml") == "here.yaml"
    assert (root / "here.yaml").read_text(encoding="utf-8") == DRAFT.replace("status: draft", "status: reported")


def test_only_drafts_are_accepted_or_rejected(tmp_path):
    root = folder(tmp_path)
    for operation in (accept, reject):
        with pytest.raises(ReviewError, match="no line 'status: draft'"):
            operation(root, "ministers.yaml")
    nested = DRAFT.replace("status: draft", "notes:\n  status: draft")  # not the event's own status line
    (root / "drafts" / "nested.yaml").write_text(nested, encoding="utf-8")
    with pytest.raises(ReviewError):
        reject(root, "drafts/nested.yaml")
    assert (root / "ministers.yaml").exists() and (root / "drafts" / "nested.yaml").exists()


def test_only_regular_files_inside_the_folder_are_touched(tmp_path):
    root = folder(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "far.yaml").write_text(DRAFT, encoding="utf-8")
    (root / "linked").symlink_to(outside)  # a folder linked in from elsewhere
    (root / "drafts" / "link.yaml").symlink_to(outside / "far.yaml")
    for rel, why in (
        ("../elsewhere/far.yaml", "not a path inside"),
        (str(outside / "far.yaml"), "not a path inside"),
        ("linked/far.yaml", "outside the events folder"),
        ("drafts/link.yaml", "a symbolic link"),
        ("drafts/troops.txt", "not an event file"),
    ):
        for operation in (accept, reject):
            with pytest.raises(ReviewError, match=why):
                operation(root, rel)
    assert (outside / "far.yaml").read_text(encoding="utf-8") == DRAFT
    with pytest.raises(ReviewError, match="events folder, not a single file"):
        reject(root / "ministers.yaml", "drafts/troops.yaml")


def test_reject_deletes_the_draft(tmp_path):
    root = folder(tmp_path)
    reject(root, "drafts/troops.yaml")
    assert not (root / "drafts" / "troops.yaml").exists() and (root / "ministers.yaml").exists()


def test_the_app_acts_on_the_event_it_loaded_by_id_never_on_a_path(tmp_path):
    root = folder(tmp_path)
    collection = load_collection(root)
    assert act("accept", "ministers", collection, root) == (
        "“Ministers meet” is not a draft: nothing was changed.",
        False,
    )
    assert act("reject", "drafts/troops.yaml", collection, root)[1] is False  # a path is no event's id
    assert act("reject", {"id": "troops"}, collection, root)[1] is False
    (root / "troops.yaml").write_text(REPORTED.replace("Ministers", "Others"), encoding="utf-8")
    said, done = act("accept", "troops", collection, root)
    assert not done and "already" in said
    (root / "troops.yaml").unlink()
    assert act("accept", "troops", collection, root) == (
        "Accepted: troops.yaml is in the events folder, reported.",
        True,
    )


def callback_outputs(review: bool, root: Path) -> str:
    return " ".join(create_app(root, review=review).callback_map)


def test_without_review_no_callback_that_writes_is_registered(tmp_path):
    root = folder(tmp_path)
    assert ids.REVIEW_STATUS not in callback_outputs(False, root)
    assert ids.REVIEW_STATUS in callback_outputs(True, root)


@pytest.mark.parametrize("review", [False, True])
def test_the_apps_downloads_leave_drafts_out_unless_reviewing(tmp_path, monkeypatch, review):
    from dashboard.app import download

    given: list[Any] = []
    monkeypatch.setattr(download, "register", lambda app, load, drafts=False: given.append((load, drafts)))
    create_app(folder(tmp_path), review=review)
    [(load, drafts)] = given
    assert drafts is review
    shown = {record["id"] for record in json.loads(download.data(load(), "?", "json", drafts)[0])}
    assert "troops" in set(load().events[C.id]) and ("troops" in shown) is review

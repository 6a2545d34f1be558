"""An event's history in git: read from a temporary repository, shown on the card and by ``timeline history``,
following renames; nothing on the card and a plain reason from the command outside git; git only read."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dash import html
from plotly.utils import PlotlyJSONEncoder

from dashboard import history
from dashboard.app import create_app
from dashboard.app.cards import detail_card, name_of
from dashboard.app.history_card import FOLDER, history_details, know_folder
from dashboard.cli import cli
from dashboard.history import History, NoHistory, history_of
from dashboard.index import index_for
from dashboard.store import load_collection
from dashboard.view import View

EVENT = """\
title: Biden and Scholz to speak by phone
date: {date}
category: diplomacy
summary: A call.
"""
NARROWED = "date narrowed after Reuters report"
HOSTILE = "<img src=x onerror=alert(1)> \u202eredro\x1b]0;owned\x07"


def git(repo: Path, *args: str, day: str = "2022-02-16") -> None:
    """Run git in the test's repository, as of noon on ``day`` (the caller's GIT_* left out: a hook's would point
    elsewhere)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    stamp = f"{day}T12:00:00+00:00"
    env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp, GIT_CONFIG_NOSYSTEM="1", HOME=str(repo))
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def commit(repo: Path, message: str, day: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, day=day)


@pytest.fixture(autouse=True)
def fresh() -> None:
    history.forget()  # each test's repository is new: nothing known of another's folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose events/ holds one event, created on 16 Feb 2022 and edited on 18 Feb 2022."""
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.name", "Desk")
    git(tmp_path, "config", "user.email", "desk@example.org")
    events = tmp_path / "events"
    events.mkdir()
    (events / "call.yaml").write_text(EVENT.format(date="February 2022"), encoding="utf-8")
    commit(tmp_path, "Add the call", "2022-02-16")
    (events / "call.yaml").write_text(EVENT.format(date="2022-02-16"), encoding="utf-8")
    commit(tmp_path, NARROWED, "2022-02-18")
    return events


def runner() -> CliRunner:
    return CliRunner(env={"TIMELINE_EVENTS": None})


def walk(component: Any) -> list[Any]:
    """A component and everything inside it."""
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            found.extend(walk(child))
    return found


def text(component: Any) -> str:
    """The text a component shows."""
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    return "".join(text(child) for child in (children if isinstance(children, list) else [children]) if child)


def card_of(events: Path, event_id: str = "call") -> list[Any]:
    """The detail card of an event loaded from ``events``, as the app renders it."""
    collection = load_collection(events)
    know_folder(collection, events)
    index = index_for(collection)
    return detail_card(index.row(event_id), index, View(selected=event_id), collection.settings)


def histories(card: list[Any]) -> list[Any]:
    return [c for c in walk(card[0]) if "history" in str(getattr(c, "className", "")).split()]


def test_two_commits_make_a_creation_an_edit_and_a_last_change(repo: Path) -> None:
    found = history_of(repo, "call.yaml")
    assert isinstance(found, History)
    assert [change.subject for change in found.changes] == [NARROWED, "Add the call"]
    assert found.created is not None and found.created.day == "16 Feb 2022"
    assert found.edits == 1 and not found.uncommitted
    assert found.summary() == f"created 16 Feb 2022, edited once, last changed 18 Feb 2022: {NARROWED}"


def test_the_command_prints_the_summary_then_each_commit_newest_first(repo: Path) -> None:
    (repo / "call.yaml").write_text(EVENT.format(date="2022-02-16T10:00"), encoding="utf-8")
    commit(repo.parent, "time from the White House schedule", "2022-02-19")
    result = runner().invoke(cli, ["history", "call", "--events", str(repo)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "created 16 Feb 2022, edited 2 times, last changed 19 Feb 2022: time from the White House schedule"
    )
    assert [line.split("  ")[0] for line in lines[1:]] == ["19 Feb 2022", "18 Feb 2022", "16 Feb 2022"]
    assert lines[2].endswith(f"  {NARROWED}") and lines[3].endswith("  Add the call")


def test_a_renamed_file_keeps_its_history(repo: Path) -> None:
    git(repo.parent, "mv", "events/call.yaml", "events/biden-call.yaml")
    commit(repo.parent, "Name the file for the call", "2022-02-20")
    found = history_of(repo, "biden-call.yaml")
    assert isinstance(found, History)
    assert [change.subject for change in found.changes] == ["Name the file for the call", NARROWED, "Add the call"]
    assert found.renamed_from == ["call.yaml"]
    result = runner().invoke(cli, ["history", "biden-call", "--events", str(repo)])  # the id is the file's name
    assert result.exit_code == 0, result.output
    assert "Name the file for the call (renamed from call.yaml)" in result.output
    assert result.output.splitlines()[0].startswith("created 16 Feb 2022, edited 2 times")


def test_a_path_deleted_and_made_again_starts_a_new_history(repo: Path) -> None:
    (repo / "call.yaml").unlink()
    commit(repo.parent, "Drop the call", "2022-02-20")
    (repo / "call.yaml").write_text(EVENT.format(date="2022-02-21"), encoding="utf-8")
    commit(repo.parent, "Another call", "2022-02-21")
    found = history_of(repo, "call.yaml")
    assert isinstance(found, History) and [change.subject for change in found.changes] == ["Another call"]


def test_files_not_committed_and_changes_not_committed_are_said(repo: Path) -> None:
    (repo / "new.yaml").write_text(EVENT.format(date="2022-02-17"), encoding="utf-8")
    with (repo / "call.yaml").open("a", encoding="utf-8") as file:
        file.write("tags: [phone]\n")
    new, call = history_of(repo, "new.yaml"), history_of(repo, "call.yaml")
    assert isinstance(new, History) and new.summary() == "not committed yet"
    assert isinstance(call, History) and call.summary().endswith(f"{NARROWED}; uncommitted changes")


def test_outside_git_the_card_says_nothing_and_the_command_says_why(tmp_path: Path, repo: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside" / "events"  # not below the repository
    outside.mkdir(parents=True)
    (outside / "call.yaml").write_text(EVENT.format(date="2022-02-16"), encoding="utf-8")
    found = history_of(outside, "call.yaml")
    assert found == NoHistory(f"{outside} is not in a git repository: history needs git")
    assert histories(card_of(outside)) == []
    assert len(histories(card_of(repo))) == 1  # the same card in git has it
    result = runner().invoke(cli, ["history", "call", "--events", str(outside)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {outside} is not in a git repository: history needs git"
    assert "Traceback" not in result.output


def test_without_git_installed_the_history_says_so(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo))  # no git on it
    assert history_of(repo, "call.yaml") == NoHistory("history needs git, which is not installed")


def test_the_card_shows_the_line_and_opens_on_the_commits(repo: Path) -> None:
    (found,) = histories(card_of(repo))
    assert isinstance(found, html.Details) and found.className == "history muted"
    summary, commits = found.children
    assert text(summary) == f"created 16 Feb 2022, edited once, last changed 18 Feb 2022: {NARROWED}"
    assert [text(item).split(" · ")[0] for item in commits.children] == ["18 Feb 2022", "16 Feb 2022"]


def test_the_app_tells_the_cards_its_folder(repo: Path) -> None:
    create_app(repo)  # builds the page's settings from a load of the folder
    assert index_for(load_collection(repo)).memo[FOLDER] == repo


def test_a_hostile_commit_message_is_text_on_the_card_and_shown_on_the_terminal(repo: Path) -> None:
    (repo / "call.yaml").write_text(EVENT.format(date="2022-02-17"), encoding="utf-8")
    commit(repo.parent, HOSTILE, "2022-02-19")
    found = history_of(repo, "call.yaml")
    assert isinstance(found, History) and found.last is not None and found.last.subject == HOSTILE
    details = history_details(found, name_of)
    isolated = [c for c in walk(details) if isinstance(c, html.Bdi)]
    assert [c.children for c in isolated[:2]] == [HOSTILE, HOSTILE]  # the line and the list: isolated text
    page = json.dumps(details, cls=PlotlyJSONEncoder)
    assert "dangerously" not in page and "Markdown" not in page
    result = runner().invoke(cli, ["history", "call", "--events", str(repo)])
    assert result.exit_code == 0
    assert "\u202e" not in result.output and "\x1b" not in result.output
    assert "<U+202E>redro<U+001B>]0;owned<U+0007>" in result.output


def test_an_unknown_id_names_the_closest(repo: Path) -> None:
    result = runner().invoke(cli, ["history", "cal", "--events", str(repo)])
    assert result.exit_code == 2
    assert "no event has the id 'cal': did you mean call?" in result.output


def test_a_hundred_cards_read_git_once_and_never_write(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "call.yaml").touch()  # a stat the index does not know: a git that may write would refresh the index
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in (repo.parent / ".git").rglob("*")}
    runs: list[list[str]] = []
    run = subprocess.run

    def counted(args: list[str], **kwargs: Any) -> Any:
        runs.append(args)
        return run(args, **kwargs)

    monkeypatch.setattr("dashboard.history.subprocess.run", counted)
    for _ in range(100):
        assert isinstance(history_of(repo, "call.yaml"), History)
    assert [args[args.index("log.showSignature=false") + 1] for args in runs] == ["rev-parse", "status", "log"]
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in (repo.parent / ".git").rglob("*")}
    assert after == before


def test_a_new_commit_is_seen_once_the_check_is_due(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(history_of(repo, "call.yaml"), History)
    (repo / "call.yaml").write_text(EVENT.format(date="2022-02-17"), encoding="utf-8")
    commit(repo.parent, "a later edit", "2022-02-19")
    monkeypatch.setattr(history, "CHECK_SECONDS", 0.0)
    found = history_of(repo, "call.yaml")
    assert isinstance(found, History) and found.last is not None and found.last.subject == "a later edit"


def test_a_shallow_clone_says_its_history_is_cut_short(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.parent}", str(clone)], check=True, capture_output=True
    )
    found = history_of(clone / "events", "call.yaml")
    assert isinstance(found, History) and found.shallow
    assert found.summary().endswith("; a shallow clone: older commits are not here")
    full = history_of(repo, "call.yaml")
    assert isinstance(full, History) and not full.shallow and "shallow" not in full.summary()

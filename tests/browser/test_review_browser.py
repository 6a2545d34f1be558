"""Reviewing drafts in a real browser: `timeline serve --review` gives a draft's card Accept, Edit and Reject, which
move or delete its file; without --review the card has no buttons and the server no callback that writes."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EVENTS, AppPage, Server
from playwright.sync_api import Dialog, expect

from dashboard.app import ids

DRAFT_ID = "troops-return-draft"
DRAFT = """# Drafted from the article: check the date.
title: Russia says some troops return to their bases
date: 2022-02-15
category: military
status: draft   # left by the drafter
actors: [Russia]
summary: Russia's defence ministry said some units were returning to their bases.
evidence: "On Tuesday, Russia's defence ministry said some units were returning to their bases."
"""


@pytest.fixture
def with_drafts(tmp_path: Path) -> Path:
    """A copy of the bundled events with one draft under drafts/."""
    folder = tmp_path / "source"
    shutil.copytree(EVENTS, folder)
    (folder / "drafts").mkdir()
    (folder / "drafts" / f"{DRAFT_ID}.yaml").write_text(DRAFT, encoding="utf-8")
    return folder


def open_draft(app: AppPage) -> None:
    """Open the page and pick the draft from the list: its card shows."""
    app.open()
    app.list_card(DRAFT_ID).click()
    app.expect_card(DRAFT_ID, "Russia says some troops return to their bases")
    expect(app.card.locator(".evidence")).to_contain_text("On Tuesday, Russia's defence ministry")


def test_accept_moves_the_draft_to_the_folder_as_reported(
    with_drafts: Path, start_server: Callable[..., Server], app_for: Callable[[Server], AppPage]
) -> None:
    server = start_server(with_drafts, "--review")
    app = app_for(server)
    open_draft(app)
    app.card.get_by_role("button", name="Accept").click()
    expect(app.page.locator(f"#{ids.REVIEW_STATUS}")).to_contain_text(f"Accepted: {DRAFT_ID}.yaml")
    accepted = server.events / f"{DRAFT_ID}.yaml"
    assert accepted.exists() and not (server.events / "drafts" / f"{DRAFT_ID}.yaml").exists()
    # Only the status line changed, its comment kept.
    assert accepted.read_text(encoding="utf-8") == DRAFT.replace("status: draft", "status: reported")
    # The page follows the folder: the same event, now reported, without the buttons.
    expect(app.card.locator(".status")).to_have_text("Reported")
    expect(app.card.locator(".review-actions")).to_have_count(0)
    expect(app.card.locator(".file-ref")).to_contain_text(f"{DRAFT_ID}.yaml:")
    expect(app.card.locator(".file-ref")).not_to_contain_text("drafts/")
    app.assert_no_errors()


def test_reject_deletes_the_draft_after_a_confirmation(
    with_drafts: Path, start_server: Callable[..., Server], app_for: Callable[[Server], AppPage]
) -> None:
    server = start_server(with_drafts, "--review")
    app = app_for(server)
    asked: list[str] = []

    def confirm(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    app.page.remove_listener("dialog", app._on_dialog)  # this test says yes to the confirmation
    app.page.on("dialog", confirm)
    open_draft(app)
    draft = server.events / "drafts" / f"{DRAFT_ID}.yaml"
    app.card.locator(".review-edit summary").click()  # Edit names the file to open, and writes nothing
    expect(app.card.locator(f"#{ids.REVIEW_EDIT}")).to_have_text(f"drafts/{DRAFT_ID}.yaml")
    assert draft.exists()
    app.card.get_by_role("button", name="Reject").click()
    expect(app.page.locator(f"#{ids.REVIEW_STATUS}")).to_contain_text("Rejected")
    assert asked == [f"Delete the draft file drafts/{DRAFT_ID}.yaml? This cannot be undone."]
    assert not draft.exists()
    app.expect_no_card()
    expect(app.list_card(DRAFT_ID)).to_have_count(0)
    app.assert_no_errors()


def test_a_dismissed_confirmation_keeps_the_draft(
    with_drafts: Path, start_server: Callable[..., Server], app_for: Callable[[Server], AppPage]
) -> None:
    server = start_server(with_drafts, "--review")
    app = app_for(server)  # its dialogs are dismissed
    open_draft(app)
    app.card.get_by_role("button", name="Reject").click()
    for _ in range(100):  # the dialog is the browser's own: Playwright reports it to the page's handler
        if app.dialogs:
            break
        app.page.wait_for_timeout(50)
    app.settle()
    assert app.dialogs and (server.events / "drafts" / f"{DRAFT_ID}.yaml").exists()
    expect(app.page.locator(f"#{ids.REVIEW_STATUS}")).to_have_text("")


def test_without_review_a_draft_has_no_buttons_and_nothing_writes(
    with_drafts: Path, start_server: Callable[..., Server], app_for: Callable[[Server], AppPage]
) -> None:
    server = start_server(with_drafts)
    app = app_for(server)
    open_draft(app)  # the evidence shows all the same
    expect(app.card.locator(".review-actions")).to_have_count(0)
    expect(app.card.get_by_role("button", name="Accept")).to_have_count(0)
    expect(app.page.locator(f"#{ids.REVIEW_STATUS}")).to_have_count(0)
    with urllib.request.urlopen(server.url + "/_dash-dependencies", timeout=5) as response:
        callbacks = json.dumps(json.load(response))
    assert ids.REVIEW_ACCEPT not in callbacks and ids.REVIEW_REJECT not in callbacks
    app.assert_no_errors()

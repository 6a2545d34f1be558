"""The trust layer in a real browser: the status filter and the corroboration control narrow the timeline, the
reporting lag toggles its line, and a clicked mark's card shows its status, grades and who says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import AppPage, Server
from playwright.sync_api import expect
from trust_events import CLAIMED, EXPECTED, GRADED

from dashboard.app import ids

EVENTS = {"graded": GRADED, "claimed": CLAIMED, "expected": EXPECTED}


def started(start_server: Callable[[Path], Server], app_for: Callable[[Server], AppPage], tmp_path: Path) -> AppPage:
    folder = tmp_path / "trust"
    folder.mkdir()
    for stem, text in EVENTS.items():
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return app_for(start_server(folder))


def count(app: AppPage) -> str:
    return app.page.locator(f"#{ids.COUNT}").inner_text()


def test_status_and_corroboration_filter_and_the_card_says_who_says_so(start_server, app_for, tmp_path):
    app = started(start_server, app_for, tmp_path).open()
    assert sorted(app.mark_ids()) == ["claimed", "expected", "graded"]
    # The legend explains the marks: a status each.
    legend = " ".join(app.page.locator(f"#{ids.TIMELINE} .legend .legendtext").all_text_contents())
    for word in ("Confirmed", "Claimed", "Expected"):
        assert word in legend

    # Corroborated by 2+: only the event two independent publishers report (TASS repeats the Duma's record).
    app.page.locator(f"#{ids.CORROBORATED} label", has_text="2+").click()
    expect(app.page.locator(f"#{ids.COUNT}")).to_contain_text("1 of 3")
    app.settle()
    assert app.mark_ids() == ["graded"]
    assert "corroborated=2" in app.page.url

    # Its card: the status (its meaning on hover), when first reported, by whom, the grades and the attribution.
    app.click_mark("graded", "The Duma votes")
    app.expect_card("graded", "The Duma votes to ask for recognition")
    status = app.card.locator(".status")
    expect(status).to_have_text("Confirmed")
    expect(status).to_have_attribute("title", "Confirmed by an independent record")
    expect(app.card.locator(".trust")).to_have_text(
        "Reported 15 Feb 2022 (same day) · corroborated by 2 independent publishers: DW, State Duma"
    )
    expect(app.card.locator("abbr.grade").first).to_have_text("B2")
    expect(app.card.locator("abbr.grade").first).to_have_attribute(
        "title", "B: usually reliable source; 2: probably true"
    )
    expect(app.card.locator(".attribution")).to_have_text("according to TASS, citing the Duma's press office")
    expect(app.card.locator(".copies")).to_contain_text("Resolution of the State Duma")

    # Back to any corroboration, then the status menu: claimed only.
    app.page.locator(f"#{ids.CORROBORATED} label", has_text="Any").click()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("3 events")
    app.settle()
    app.choose(ids.FILTER["status"], "Claimed")
    expect(app.page.locator(f"#{ids.COUNT}")).to_contain_text("1 of 3")
    app.settle()
    assert app.mark_ids() == ["claimed"]
    assert "status=claimed" in app.page.url
    assert not app.errors, app.errors


def test_the_reporting_lag_toggle_draws_the_line_to_the_first_report(start_server, app_for, tmp_path):
    app = started(start_server, app_for, tmp_path).open()
    ticks_js = f"""() => (document.querySelector('#{ids.TIMELINE} .js-plotly-plot')._fullData || [])
        .filter(t => t.legendgroup === 'lag' && t.mode === 'markers').map(t => Array.from(t.hovertext))"""
    assert app.page.evaluate(ticks_js) == []
    app.page.locator(f"#{ids.LAG} label", has_text="Reporting lag").click()
    app.page.wait_for_function(f"() => ({ticks_js})().length === 1")
    assert app.page.evaluate(ticks_js) == [["announced 16 Feb 2022 (2 days before)"]]
    assert "lag=1" in app.page.url
    assert not app.errors, app.errors

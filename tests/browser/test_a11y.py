"""Accessibility in the browser: axe-core finds nothing serious in either theme on a desktop or a phone; the page
has a language; the graphs are images named by what they show; the keyboard focus stays on a selected card; the
controls' outlines and focus rings stand out from what is around them (WCAG 1.4.11, 3:1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import AppPage, Server
from playwright.sync_api import Browser, expect

from dashboard.app import ids
from dashboard.figure.caption import alt_text
from dashboard.store import Collection
from dashboard.view import View, apply

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
SELECTED = "biden-scholz-call"
# WCAG's contrast ratio of two CSS colours as the page computes them (rgb()/rgba() over the colour behind).
CONTRAST_JS = """
window.__contrast = (fore, back) => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const [r, g, b, a = 1] = parse(fore), under = parse(back);
  const mixed = [r, g, b].map((v, i) => v * a + under[i] * (1 - a));
  const lum = (rgb) => rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                          .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [x, y] = [lum(mixed), lum(under.slice(0, 3))];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
};
window.__behind = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return c;
  }
  return 'rgb(255, 255, 255)';
};
"""


@pytest.fixture
def sized(chromium: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[AppPage]:
    """A page on the session server in a window of the size the test's ``size`` parameter names."""
    context = chromium.new_context(viewport=SIZES[request.param], locale="en-GB", timezone_id="Europe/Berlin")
    yield AppPage(context.new_page(), server.url)
    context.close()


def serious(app: AppPage) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (what, where)."""
    found = Axe().run(app.page).response["violations"]
    return [
        {"rule": v["id"], "impact": v["impact"], "where": [n["target"] for n in v["nodes"][:5]]}
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_nothing_serious(sized: AppPage, theme: str):
    app = sized
    app.open("?theme=dark" if theme == "dark" else "")
    assert serious(app) == [], "on the first screen"
    app.list_card(SELECTED).click()
    app.page.wait_for_selector(f"#{ids.DETAIL} article.detail")
    app.settle()
    assert serious(app) == [], "with an event selected"
    toggle = app.page.locator(f"#{ids.FILTERS_TOGGLE}")
    if toggle.is_visible():
        toggle.click()
        expect(app.page.locator(f"#{ids.CONTROLS}")).to_be_visible()
    app.page.locator(f"#{ids.FILTER['category']}").click()
    expect(app.page.get_by_role("checkbox").first).to_be_visible()
    assert serious(app) == [], "with the filters and a menu open"
    app.assert_no_errors()


def test_the_page_declares_its_language(app: AppPage):
    app.open()
    assert app.page.evaluate("document.documentElement.lang") == "en"


def test_the_graphs_are_images_named_by_what_they_show(app: AppPage, collection: Collection):
    def expect_named(query: str) -> None:
        view = View.from_query(query)
        words = alt_text(apply(collection.events, view), view, collection.settings)
        timeline, places = app.page.locator(f"#{ids.TIMELINE_FRAME}"), app.page.locator(f"#{ids.MAP_FRAME}")
        for frame in (timeline, places):
            expect(frame).to_have_attribute("role", "img")
        expect(timeline).to_have_attribute("aria-label", words)
        expect(places).to_have_attribute("aria-label", f"Map of where these events took place. {words}")

    app.open()
    expect_named("")
    app.choose(ids.FILTER["category"], "Military")
    expect_named("?category=military")
    app.assert_no_errors()


def test_the_focus_stays_on_the_selected_card_after_enter_and_the_arrows(app: AppPage, collection: Collection):
    order = list(collection.events["id"])

    def focused() -> str | None:
        found: str | None = app.page.evaluate("document.activeElement && document.activeElement.id")
        return found

    def card_id(event_id: str) -> str:
        return json.dumps({"id": event_id, "type": ids.LIST_ITEM}, separators=(",", ":"), sort_keys=True)

    app.open()
    app.list_card(order[2]).focus()
    app.page.keyboard.press("Enter")
    app.expect_card(order[2], collection.events["title"].iloc[2])
    app.page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id", arg=card_id(order[2])
    )
    app.page.keyboard.press("ArrowRight")
    app.expect_card(order[3], collection.events["title"].iloc[3])
    app.page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id", arg=card_id(order[3])
    )
    assert focused() == card_id(order[3])
    app.assert_no_errors()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_controls_and_focus_rings_stand_out(app: AppPage, theme: str):
    app.open("?theme=dark" if theme == "dark" else "")
    app.page.evaluate(CONTRAST_JS)
    outlines = app.page.evaluate(
        """() => ['.chips .chip', '.segmented label:not(:has(input:checked))', '.search', '.dash-dropdown']
            .map((s) => { const e = document.querySelector(s), cs = getComputedStyle(e);
                          return [s, window.__contrast(cs.borderTopColor, window.__behind(e.parentElement))]; })"""
    )
    for selector, ratio in outlines:
        assert ratio >= 3, f"{selector}: its outline is {ratio:.2f}:1 against the panel"
    placeholder = app.page.evaluate(
        """() => { const e = document.querySelector('.dash-dropdown-placeholder');
                   return window.__contrast(getComputedStyle(e).color, window.__behind(e)); }"""
    )
    assert placeholder >= 4.5, f"a menu's placeholder is {placeholder:.2f}:1"
    # A focus ring, reached with the keyboard: 3:1 against the panel behind it.
    app.page.locator(f"#{ids.THEME}").focus()
    app.page.keyboard.press("Shift+Tab")
    app.page.keyboard.press("Tab")
    ring = app.page.evaluate(
        """() => { const e = document.activeElement, cs = getComputedStyle(e);
                   return [e.id, cs.outlineStyle, parseFloat(cs.outlineWidth),
                           window.__contrast(cs.outlineColor, window.__behind(e.parentElement))]; }"""
    )
    assert ring[0] == ids.THEME and ring[1] != "none" and ring[2] >= 2 and ring[3] >= 3, ring
    app.assert_no_errors()

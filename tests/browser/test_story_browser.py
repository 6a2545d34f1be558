"""The story page (the HTML export) in Chromium, opened from a file: a click on a mark shows its card, ←/→ and the
buttons step in time order, it fits a 320 px screen, it follows the system's dark scheme (page and plot), it asks
nothing of the network, hostile event text runs nothing, and an embedding page's iframe takes the page's height."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM, EVENTS, RINGED_JS
from playwright.sync_api import Browser, Page, expect
from test_story import HOSTILE_TITLE, hostile_collection

from dashboard.export.page import PageSize, export_figure
from dashboard.export.story import embed_snippet, story_page
from dashboard.figure import THEMES
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View

ALT = "A timeline of the events of 16 February 2022."
LOCAL = ("file:", "data:", "blob:", "about:")

# The timeline's marks (scatter traces with an event id per point, not the ring): id and centre in page pixels.
MARKS_JS = """() => {
  const gd = document.getElementById('timeline'), box = gd.getBoundingClientRect(), fl = gd._fullLayout, out = [];
  for (const t of gd._fullData) {
    if (t.type !== 'scatter' || t.name === 'selected' || !t.customdata || t.xaxis !== 'x') continue;
    if (!String(t.mode).includes('markers')) continue;
    t.customdata.forEach((id, i) => out.push({
      id, x: box.left + fl.xaxis._offset + fl.xaxis.d2p(t.x[i]), y: box.top + fl.yaxis._offset + fl.yaxis.d2p(t.y[i]),
    }));
  }
  return out;
}"""
RING_JS = f"() => ({RINGED_JS})('#timeline')"
DRAWN_JS = "() => !!(document.getElementById('timeline')._fullLayout && document.querySelector('#timeline .main-svg'))"


def write_page(folder: Path, collection: Collection) -> Path:
    """The story page of all the collection's events, as the export writes it."""
    size = PageSize(width=1100, height=None)
    light, dark = (export_figure(collection, View(theme=theme), size) for theme in ("light", "dark"))
    path = folder / "story.html"
    path.write_text(story_page(collection, View(), light, dark, alt=ALT), encoding="utf-8")
    return path


@dataclass
class Story:
    """One tab on a story page, with every request it made, its errors and dialogs."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def card_title(self) -> Any:
        return self.page.locator("#card h3")

    def marks(self) -> list[dict[str, Any]]:
        return self.page.evaluate(MARKS_JS)


@pytest.fixture(scope="module")
def bundled() -> Collection:
    return load_collection(EVENTS)


@pytest.fixture(scope="module")
def story_file(bundled: Collection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_page(tmp_path_factory.mktemp("story"), bundled)


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Browser:
    """The session's Chromium, which must be there: a story page nobody opened is not tested."""
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (run ./scripts/setup.sh --test)"
    found: Browser = request.getfixturevalue("chromium")
    return found


@pytest.fixture
def open_story(browser: Browser) -> Iterator[Callable[..., Story]]:
    contexts: list[Any] = []

    def open_(path: Path, width: int = 1280, height: int = 900, scheme: str = "light", drawn: bool = True) -> Story:
        context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)  # type: ignore[arg-type]
        contexts.append(context)
        story = Story(context.new_page())
        context.on("request", lambda r: story.requests.append(r.url))
        story.page.on("pageerror", lambda e: story.errors.append(str(e)))
        story.page.on("console", lambda m: story.errors.append(m.text) if m.type == "error" else None)
        story.page.on("dialog", lambda d: (story.dialogs.append(d.message), d.dismiss()))
        story.page.goto(path.as_uri())
        if drawn:
            story.page.wait_for_function(DRAWN_JS)
        return story

    yield open_
    for context in contexts:
        context.close()


def test_a_click_on_a_mark_shows_its_card_and_rings_it(
    open_story: Callable[..., Story], story_file: Path, bundled: Collection
) -> None:
    story = open_story(story_file)
    chosen = "nato-defence-ministers-meeting"
    title = bundled.events.set_index("id").at[chosen, "title"]
    mark = next(m for m in story.marks() if m["id"] == chosen)
    story.page.mouse.move(mark["x"], mark["y"])
    expect(story.page.locator("#timeline .hoverlayer .hovertext").first).to_contain_text(title[:25])
    story.page.mouse.click(mark["x"], mark["y"])
    expect(story.card_title()).to_have_text(title)
    expect(story.page.locator(f"#event-{chosen}")).to_have_attribute("aria-current", "true")
    expect(story.page.locator(".event[aria-current]")).to_have_count(1)
    story.page.wait_for_function(f"() => ({RING_JS})()[0] === {chosen!r}")
    # a click on a label (an annotation named by its event) selects that event too
    other = "biden-scholz-call"
    index = story.page.evaluate(
        f"() => document.getElementById('timeline')._fullLayout.annotations.findIndex(a => a.name === {other!r})"
    )
    assert index >= 0, "the event has no label"
    story.page.locator(f"#timeline g.annotation[data-index='{index}'] text").click()
    expect(story.card_title()).to_have_text(bundled.events.set_index("id").at[other, "title"])
    assert story.errors == []


def test_arrow_keys_and_buttons_step_in_time_order(
    open_story: Callable[..., Story], story_file: Path, bundled: Collection
) -> None:
    story = open_story(story_file)
    titles = list(bundled.events["title"])
    position = story.page.locator("#position")
    expect(story.card_title()).to_have_text(titles[0])
    expect(story.page.locator("#previous")).to_be_disabled()
    story.page.keyboard.press("ArrowRight")
    expect(story.card_title()).to_have_text(titles[1])
    expect(position).to_have_text(f"2 of {len(titles)}")
    story.page.keyboard.press("ArrowRight")
    expect(story.card_title()).to_have_text(titles[2])
    story.page.keyboard.press("ArrowLeft")
    expect(story.card_title()).to_have_text(titles[1])
    story.page.locator("#next").click()
    expect(story.card_title()).to_have_text(titles[2])
    story.page.locator("#previous").click()
    expect(story.card_title()).to_have_text(titles[1])
    story.page.wait_for_function(f"() => ({RING_JS})()[0] === {bundled.events['id'].iloc[1]!r}")
    # a headline in the chronology selects its event
    story.page.locator(f"#event-{bundled.events['id'].iloc[-1]} h3 a").click()
    expect(story.card_title()).to_have_text(titles[-1])
    expect(story.page.locator("#next")).to_be_disabled()
    assert story.errors == []


@pytest.mark.parametrize("width,height", [(320, 640), (390, 844)])
def test_a_phone_screen_has_no_sideways_scroll_and_the_card_leads(
    open_story: Callable[..., Story], story_file: Path, width: int, height: int
) -> None:
    story = open_story(story_file, width=width, height=height)
    assert story.page.evaluate("document.documentElement.scrollWidth") <= width
    card = story.page.locator("#card").bounding_box()
    chart = story.page.locator("figure.chart").bounding_box()
    assert card and chart and card["y"] < chart["y"] < card["y"] + card["height"] + 200
    assert card["y"] < height, "the card is not on the first screen"
    # the chart keeps its width and scrolls inside its own box
    assert story.page.evaluate(
        "(() => { const s = document.querySelector('.scroller'); return s.scrollWidth > s.clientWidth; })()"
    )


def luminance(css: str) -> float:
    """The relative luminance of 'rgb(r, g, b)' or '#rrggbb', 0 (black) to 1 (white)."""
    if css.startswith("#"):
        channels = [int(css[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        channels = [int(float(x)) for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    r, g, b = ((c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


PAINT_JS = """() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color,
  document.getElementById('timeline')._fullLayout.paper_bgcolor]"""


def test_the_dark_system_scheme_darkens_the_page_and_the_plot(
    open_story: Callable[..., Story], story_file: Path
) -> None:
    story = open_story(story_file, scheme="dark")
    background, text, paper = story.page.evaluate(PAINT_JS)
    assert luminance(background) < 0.05 and luminance(text) > 0.6, (background, text)
    assert paper == THEMES["dark"].paper
    # the reader's system turns light: the plot follows without a reload, keeping the ring
    story.page.keyboard.press("ArrowRight")
    story.page.emulate_media(color_scheme="light")
    story.page.wait_for_function(
        f"() => document.getElementById('timeline')._fullLayout.paper_bgcolor === {THEMES['light'].paper!r}"
    )
    background, _, _ = story.page.evaluate(PAINT_JS)
    assert luminance(background) > 0.9
    assert story.page.evaluate(RING_JS)  # the selection survives the swap
    assert story.errors == []


def test_the_page_asks_nothing_of_the_network(open_story: Callable[..., Story], story_file: Path) -> None:
    story = open_story(story_file)
    story.page.keyboard.press("ArrowRight")
    story.page.wait_for_timeout(300)
    outside = [url for url in story.requests if not url.startswith(LOCAL)]
    assert outside == [], outside
    assert story.requests, "the page's own request was not seen: the check would pass on nothing"


AUDIT_JS = """() => {
  const all = [...document.querySelectorAll('*')];
  return {
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    handlers: all.flatMap(el => [...el.attributes].filter(a => /^on/i.test(a.name)).map(a => a.name)),
    hrefs: [...document.querySelectorAll('[href], [src]')].map(el => el.getAttribute('href') || el.getAttribute('src')),
    embeds: document.querySelectorAll('img, iframe, object, embed, svg foreignObject').length,
    scripts: document.scripts.length,
  };
}"""


def test_hostile_event_text_runs_nothing_and_shows_as_text(open_story: Callable[..., Story], tmp_path: Path) -> None:
    hostile = hostile_collection()
    story = open_story(write_page(tmp_path, hostile))
    for _ in range(len(hostile.events)):  # every event's card drawn once
        story.page.keyboard.press("ArrowRight")
    story.page.locator("#event-hostile-event h3 a").click()
    expect(story.page.locator("#card .summary")).to_contain_text("<script>window.__pwned='summary script'</script>")
    story.page.locator(f"#event-{hostile.events['id'].iloc[0]} h3 a").click()
    expect(story.card_title()).to_have_text(HOSTILE_TITLE + "\u202c")  # the override closed where the title ends
    audit = story.page.evaluate(AUDIT_JS)
    assert story.dialogs == [] and audit["pwned"] is None, (story.dialogs, audit["pwned"])
    assert audit["handlers"] == [] and audit["embeds"] == 0, audit
    assert audit["scripts"] == 5, "a <script> element from the data is in the page"
    for href in audit["hrefs"]:
        assert href.startswith(("https://", "http://", "mailto:", "#event-", "#source-")), href
    assert story.errors == []


def test_an_embedding_page_sizes_its_iframe_to_the_story(open_story: Callable[..., Story], story_file: Path) -> None:
    host = story_file.parent / "article.html"
    snippet = embed_snippet(story_file.name, "Timeline")
    host.write_text(f"<!DOCTYPE html><html><body><h1>An article</h1>{snippet}<p>After.</p></body></html>")
    story = open_story(host, width=1000, height=800, drawn=False)
    frame = story.page.frame_locator("iframe").locator("#card h3")
    expect(frame).not_to_be_empty()
    story.page.wait_for_function("() => parseInt(document.querySelector('iframe').style.height) > 1200")
    inner = story.page.frames[1].evaluate("document.documentElement.scrollHeight")
    assert abs(story.page.evaluate("parseInt(document.querySelector('iframe').style.height)") - inner) <= 2

"""Event files are data, never code: script tags, event handlers and javascript: links in any field stay text.

tests/browser/data/hostile/ puts such payloads in every text field of an event and of the collection. Each
payload that ran would set ``window.__pwned`` or open a dialog.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from playwright.sync_api import expect

from dashboard.app import ids

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
EVENT_ID = "hostile-event"

# Everything in the page that could run or load something the data put there.
AUDIT_JS = (
    r"""() => {
  const all = [...document.querySelectorAll('*')];
  const show = (el, a) => `<${el.tagName.toLowerCase()} ${a.name}="${a.value}">`;
  const handlers = all.flatMap(el => [...el.attributes].filter(a => /^on/i.test(a.name)).map(a => show(el, a)));
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'poster'];
  const badUrls = all.flatMap(el => [...el.attributes]
      .filter(a => urlAttrs.includes(a.name.toLowerCase()) && /^\s*(javascript|vbscript|data):/i.test(a.value))
      .map(a => show(el, a)));
  const scripts = [...document.scripts]
      .filter(s => !s.type || /javascript|ecmascript|module/i.test(s.type))
      .filter(s => /__pwned|alert\(/.test(s.textContent) || (s.src && !s.src.startsWith(location.origin + '/')))
      .map(s => s.outerHTML.slice(0, 200));
  return {
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    handlers, badUrls, scripts,
    appScripts: document.querySelectorAll('#react-entry-point script').length,
    embeds: [...document.querySelectorAll('iframe, object, embed, img[src="x"]')].map(e => e.outerHTML.slice(0, 200)),
    cardLinks: [...document.querySelectorAll('#"""
    + ids.DETAIL
    + r""" a[href]')]
      .map(a => [a.textContent, a.getAttribute('href')]),
    listLinks: [...document.querySelectorAll('#"""
    + ids.LIST
    + r""" a[href]')].map(a => a.getAttribute('href')),
  };
}"""
)


def svg_texts(app, selector: str) -> list[str]:
    return app.page.evaluate("(sel) => [...document.querySelectorAll(sel)].map(e => e.textContent)", selector)


def audit(app) -> dict:
    result = app.page.evaluate(AUDIT_JS)
    assert app.dialogs == [], f"a payload opened a dialog: {app.dialogs}"
    assert result["pwned"] is None, f"a payload ran: window.__pwned = {result['pwned']!r}"
    assert result["scripts"] == [], result["scripts"]
    assert result["appScripts"] == 0, "a <script> element from the data is in the page"
    assert result["handlers"] == [], f"event-handler attributes in the page: {result['handlers']}"
    assert result["badUrls"] == [], f"javascript:/data: addresses in the page: {result['badUrls']}"
    assert result["embeds"] == [], result["embeds"]
    for text, href in result["cardLinks"]:
        assert href.startswith(("http://", "https://", "mailto:", "?")), f"card link {text!r} -> {href!r}"
    for href in result["listLinks"]:
        assert href.startswith("?"), href
    return result


def test_hostile_text_in_every_field_stays_inert_and_literal(start_server, app_for):
    event = yaml.safe_load((HOSTILE / f"{EVENT_ID}.yaml").read_text(encoding="utf-8"))
    settings = yaml.safe_load((HOSTILE / "_collection.yaml").read_text(encoding="utf-8"))
    server = start_server(HOSTILE)
    app = app_for(server).open()

    audit(app)
    # the collection's own texts: the tab title and the header, literally
    assert app.page.title() == settings["title"]
    expect(app.page.locator(f"#{ids.TITLE}")).to_have_text(settings["title"])
    expect(app.page.locator("header .muted").first).to_have_text(settings["description"])
    expect(app.page.locator(f"#{ids.BANNER}")).to_be_empty()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("2 events")
    audit(app)

    # select the event from the list; the card shows every field as text
    expect(app.list_card(EVENT_ID).locator(".list-title")).to_have_text(event["title"])
    app.list_card(EVENT_ID).click()
    app.expect_card(EVENT_ID, event["title"])
    card = app.card
    text = card.inner_text()
    for literal in [
        *event["actors"],
        event["places"][0]["name"],
        *event["tags"],
        event["quotes"][0]["text"],
        event["quotes"][0]["speaker"],
        event["sources"][0]["title"],
        event["sources"][0]["publisher"],
        "<script>window.__pwned='summary script'</script>",
        """<img src=x onerror="window.__pwned='summary img'">""",
        "<div onmouseover=\"alert('block html')\">",
    ]:
        assert literal in text, f"{literal!r} is not shown literally in the card:\n{text}"
    expect(card.locator(".badge")).to_have_text(settings["categories"]["military"]["label"])
    # Markdown links: only the http(s) one is a link; the javascript:/data: ones are plain text
    links = audit(app)["cardLinks"]
    assert ["good link", "https://example.org/ok"] in links, links
    for name in ("click", "shouting", "spaced", "data link", "reference link", "[pic]", "phone link", "custom scheme"):
        assert name in text, f"the link text {name!r} is missing"
        assert all(name != link_text for link_text, _ in links), f"{name!r} became a link: {links}"
    # the source keeps its https address, and its hostile title is the link's text
    source = card.locator("a.source-link")
    expect(source).to_have_text(event["sources"][0]["title"])
    assert (source.get_attribute("href") or "").startswith("https://example.org/report")

    # the related event names the hostile one literally, and that link works
    related = card.locator(".related-link")
    expect(related).to_have_count(1)
    related.click()
    app.expect_card("plain-event", "A plain event the hostile one follows")
    expect(app.card.locator(".related-link")).to_have_text(event["title"])
    app.card.locator(".related-link").click()
    app.expect_card(EVENT_ID, event["title"])

    # the timeline's label and hover text show the title literally too (wrapped: compared without the spaces
    # where lines break)
    whole = "".join(event["title"].split())
    labels = svg_texts(app, f"#{ids.TIMELINE} .annotation-text")
    assert any("".join(label.split()) == whole for label in labels), labels
    mark = [m for m in app.marks() if m["id"] == EVENT_ID][0]
    app.page.mouse.move(mark["x"], mark["y"])
    hover = app.page.locator(f"#{ids.TIMELINE} .hoverlayer .hovertext").first
    expect(hover).to_contain_text("<script>window.__pwned='title'</script>")
    assert whole in "".join(hover.text_content().split())

    # the filter options list the hostile names as text
    app.page.locator(f"#{ids.FILTER['actor']}").click()
    for actor in event["actors"]:
        expect(app.page.get_by_role("checkbox", name=actor, exact=True)).to_have_count(1)
    app.page.locator(f"#{ids.TITLE}").click()
    app.page.locator(f"#{ids.FILTER['tag']}").click()
    for tag in event["tags"]:
        expect(app.page.get_by_role("checkbox", name=tag, exact=True)).to_have_count(1)
    app.page.locator(f"#{ids.TITLE}").click()

    audit(app)
    app.assert_no_errors()
    # plotly reads a little HTML in legend entries: the category label must reach it escaped
    legend = svg_texts(app, f"#{ids.TIMELINE} .legend .legendtext")
    assert settings["categories"]["military"]["label"] in legend, legend

"""The story page (the HTML export): a whole document that says what it is (lang, title, description), carries the
picture's alt text in its <figure>, writes every event once with its text escaped, puts its data in JSON that no
text can break out of, and an <iframe> snippet that escapes what it is given."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from dashboard.export.page import PageSize, export_figure
from dashboard.export.story import embed_snippet, script_json, story_page
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View

ROOT = Path(__file__).parent.parent
HOSTILE_FOLDER = ROOT / "tests" / "browser" / "data" / "hostile"
ALT = "A timeline of 18 events from 13 to 17 February 2022, most of them on 16 February."
RLO, LRE = "\u202e", "\u202a"  # a right-to-left override and a left-to-right embedding, left open
HOSTILE_TITLE = f'</script><script>window.__pwned="title"</script>{RLO}evil\u2028line & <b>more</b>'


def hostile_collection() -> Collection:
    """The hostile test folder (a payload in every field) with a title that tries to close the page's JSON, an
    open bidi override and a line separator, and a summary of raw HTML and a javascript: link."""
    loaded = load_collection(HOSTILE_FOLDER)
    events = loaded.events.copy()
    first = events.index[0]
    events.at[first, "title"] = HOSTILE_TITLE
    events.at[first, "actors"] = [f"{LRE}Actor", "<img src=x onerror=alert(1)>"]
    return replace(loaded, events=events)


def pages(collection: Collection, view: View | None = None, alt: str = ALT) -> str:
    """The story page of a view, with the view's pictures in both themes as the export builds them."""
    view = view or View()
    size = PageSize(width=1100, height=None)
    light = export_figure(collection, replace(view, theme="light"), size)
    dark = export_figure(collection, replace(view, theme="dark"), size)
    return story_page(collection, view, light, dark, alt=alt)


class Elements(HTMLParser):
    """Every element's tag and attributes, and the text of the <script> elements by id."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: dict[str, str] = {}
        self._script: str | None = None
        self.text: dict[str, str] = {}  # the text of elements with an id, their own text only
        self._open: list[str | None] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        self.elements.append((tag, named))
        if tag == "script":
            self._script = named.get("id", "")
        if tag not in ("meta", "br", "link", "input", "img"):
            self._open.append(named.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts[self._script] = data
        if self._open and self._open[-1]:
            key = self._open[-1] or ""
            self.text[key] = self.text.get(key, "") + data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def bundled() -> Collection:
    return load_collection(ROOT / "events")


@pytest.fixture(scope="module")
def page(bundled: Collection) -> str:
    return pages(bundled)


@pytest.fixture(scope="module")
def hostile_page() -> str:
    return pages(hostile_collection())


def test_the_page_says_what_it_is(page: str, bundled: Collection) -> None:
    doc = Elements(page)
    assert page.startswith("<!DOCTYPE html>")
    assert doc.find("html") == [{"lang": "en"}]
    assert re.search(r"<title>NATO, Russia and Ukraine — 16 February 2022</title>", page)
    assert doc.find("meta", name="viewport")[0]["content"] == "width=device-width, initial-scale=1"
    assert doc.find("meta", name="description")[0]["content"] == bundled.settings.description


def test_the_picture_is_a_figure_described_by_its_alt_text(page: str) -> None:
    doc = Elements(page)
    (figure,) = doc.find("figure", **{"class": "chart"})
    caption = figure["aria-describedby"]
    assert doc.find("figcaption", id=caption) and doc.text[caption] == ALT
    (graph,) = doc.find("div", id="timeline")
    assert graph["role"] == "img" and graph["aria-label"] == ALT


def test_the_language_comes_from_the_settings_when_it_is_a_language_tag(bundled: Collection) -> None:
    german = bundled.settings.model_copy(update={"language": "de-AT"})
    assert Elements(pages(replace(bundled, settings=german))).find("html") == [{"lang": "de-AT"}]
    wrong = bundled.settings.model_copy(update={"language": '"><script>alert(1)</script>'})
    assert Elements(pages(replace(bundled, settings=wrong))).find("html") == [{"lang": "en"}]


def test_furniture_is_escaped_and_shown_only_when_present(bundled: Collection) -> None:
    furnished = bundled.settings.model_copy(update={"byline": "Graphic: <b>Desk</b>", "notes": "Times & places."})
    text = pages(replace(bundled, settings=furnished))
    assert "<span class=byline>Graphic: &lt;b&gt;Desk&lt;/b&gt;</span>" in text
    assert "<h2>Notes</h2><p>Times &amp; places.</p>" in text
    plain = pages(replace(bundled, settings=bundled.settings.model_copy(update={"byline": "", "notes": ""})))
    assert "class=byline" not in plain and "<h2>Notes</h2>" not in plain


def test_every_event_is_in_the_chronology_with_its_details(page: str, bundled: Collection) -> None:
    doc = Elements(page)
    entries = doc.find("li", **{"class": "event"})
    assert [e["data-id"] for e in entries] == list(bundled.events["id"])
    meeting = page[page.index('id="event-nato-defence-ministers-meeting"') :]
    meeting = meeting[: meeting.index("</li>")]
    assert "<strong>two days of talks</strong>" in meeting  # the summary's Markdown
    assert "<bdi>NATO headquarters, Brussels</bdi> (BE)" in meeting
    assert "<bdi>Jens Stoltenberg</bdi>" in meeting
    assert "<bdi>DW</bdi> · <bdi>16 Feb 2022</bdi>" in meeting  # the source's publisher and date


def test_the_sources_section_lists_every_report_once_linked_where_safe(page: str) -> None:
    section = page[page.index("<section class=all-sources>") :]
    section = section[: section.index("</section>")]
    items = re.findall(r'<li id="source-(\d+)" value="\d+">(.*?)</li>', section)
    assert items and [int(n) for n, _ in items] == list(range(1, len(items) + 1)), "numbered 1, 2, 3 … in order"
    assert len({text for _, text in items}) == len(items), "a report is listed once"
    hostile = pages(hostile_collection())
    sources = hostile[hostile.index("<section class=all-sources>") :]
    assert 'href="https://example.org/report?q=&lt;script&gt;alert(&#x27;url&#x27;)&lt;/script&gt;"' in sources


def test_hostile_text_is_escaped_in_the_html(hostile_page: str) -> None:
    body = hostile_page[: hostile_page.index('<script type="application/json"')]
    assert "<script" not in body.replace("<script type=", "")
    assert "onerror=" not in body.replace("onerror=&quot;", "").replace("onerror=alert(1)&gt;", "")
    assert not re.search(r"href=\"\s*(javascript|data|tel|web\+evil):", body, re.I)
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=&quot;title&quot;&lt;/script&gt;" in body
    # An open bidi control is closed where the name ends, so it cannot reverse what follows.
    assert f"{RLO}evil\u2028line &amp; &lt;b&gt;more&lt;/b&gt;\u202c</a></h3>" in body
    assert f"<bdi>{LRE}Actor\u202c</bdi>" in body
    summary = body[body.index('id="event-hostile-event"') :]
    summary = summary[summary.index("<div class=summary>") : summary.index("</div>")]
    assert "&lt;script&gt;window.__pwned='summary script'&lt;/script&gt;" in summary
    assert (
        '<a href="https://example.org/ok" target="_blank" rel="noopener noreferrer nofollow">good link</a>' in summary
    )
    assert summary.count("<a ") == 1


def test_the_data_is_json_that_no_text_breaks_out_of(hostile_page: str) -> None:
    doc = Elements(hostile_page)
    data = doc.scripts["story-data"]
    for unsafe in ("<", ">", "&", "\u2028", "\u2029"):
        assert unsafe not in data and unsafe not in doc.scripts["figure-light"]
    assert json.loads(data)["titles"][0] == HOSTILE_TITLE
    # Exactly the page's own scripts: two of data per theme and one for the events, plotly.js and the page's.
    assert [a.get("type") for a in doc.find("script")] == ["application/json"] * 3 + [None, None]


@pytest.mark.parametrize(
    "value",
    ["</script><script>alert(1)</script>", "<!--", "a & b > c", "line\u2028sep\u2029para", {"k": ["</SCRIPT>"]}],
)
def test_script_json_reads_back_the_same(value: Any) -> None:
    text = script_json(value)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


def test_the_selected_event_and_the_marks_go_to_the_page(bundled: Collection) -> None:
    chosen = "nato-defence-ministers-meeting"
    data = json.loads(Elements(pages(bundled, View(selected=chosen))).scripts["story-data"])
    assert data["selected"] == chosen
    assert data["order"] == list(bundled.events["id"])
    assert set(data["marks"]) == set(bundled.events["id"]) and all(len(m[0]) == 2 for m in data["marks"].values())
    assert (
        json.loads(Elements(pages(bundled, View(selected="no-such"))).scripts["story-data"])["selected"]
        == (bundled.events["id"].iloc[0])
    )


def test_the_page_needs_nothing_from_the_network(page: str) -> None:
    doc = Elements(page)
    assert not [a for t, a in doc.elements if t in ("script", "img", "iframe") and a.get("src")]
    assert not doc.find("link")
    styles = page[page.index("<style>") : page.index("</style>")]
    assert "url(" not in styles and "@import" not in styles


def test_the_embed_snippet_escapes_its_address_and_title() -> None:
    snippet = embed_snippet('story.html?a=1&b="><script>alert(1)</script>', "<b>Timeline</b> & more")
    doc = Elements(snippet)
    (frame,) = doc.find("iframe")
    assert frame["src"] == 'story.html?a=1&b="><script>alert(1)</script>'  # as given, once unescaped
    assert frame["title"] == "<b>Timeline</b> & more"
    assert "<script>alert" not in snippet
    listener = doc.scripts[""]
    assert "frame.contentWindow === event.source" in listener  # only the frame itself sets its height
    assert "timeline-story:height" in listener


def test_the_chart_leaves_its_heading_to_the_page_and_keeps_its_subtitle(page: str, bundled: Collection) -> None:
    doc = Elements(page)
    layout = json.loads(doc.scripts["figure-light"])["layout"]
    assert not layout.get("title", {}).get("text") and layout["margin"]["t"] < 60 and layout["dragmode"] is False
    assert len(doc.find("p", **{"class": "chart-subtitle"})) == 1
    assert "<p class=chart-subtitle>14–17 Feb 2022 · 18 events (1 earlier, noted at the left edge)</p>" in page
    assert page.count(f"<h1>{bundled.settings.title}</h1>") == 1


def test_each_cards_sources_cite_the_numbers_of_the_pages_list(page: str) -> None:
    listed = dict(re.findall(r'<li id="source-(\d+)" value="\d+">(.*?)</li>', page))
    cited = re.findall(r'<a class=ref href="#source-(\d+)">\[(\d+)\]</a> (.*?)</li>', page)
    assert cited, "the cards' sources carry no numbers"
    for target, shown, text in cited:
        assert target == shown and target in listed, f"[{shown}] links to no source of the list"
        title = re.sub(r"<span class=muted>.*", "", text).strip()
        assert listed[target].startswith(title), f"[{shown}] in a card is not the report listed as {shown}"

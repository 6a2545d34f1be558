"""Exports: pictures that are what they claim (PNG, SVG, PDF, standalone HTML), the same picture as the app's
Download, labels that never collide, one browser per batch, a clear message without a browser, and data
(iCalendar, TimelineJS, JSON) that honours the view.

Pictures are drawn by kaleido in Debian's Chromium, and the label checks open the HTML export in the same
Chromium through Playwright; each browser start costs seconds, so rendered files are made once per module.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import struct
import sys
import textwrap
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from click.testing import CliRunner, Result

import dashboard.app.download as download
import dashboard.cli as cli_module
from dashboard.cli import cli
from dashboard.cli_export import build_view
from dashboard.export import PageSize, export_figure, to_html
from dashboard.store import load_collection
from dashboard.view import FACETS, View

ROOT = Path(__file__).parent.parent
EVENTS = ROOT / "events"
sys.path.insert(0, str(ROOT / "scripts"))  # how the project's headless Chromium starts: one definition
from screenshot import CHROMIUM_ARGS, chromium_path  # noqa: E402

CHROMIUM = chromium_path()
# Titles short enough to be drawn whole on a slide: they must appear as text in every picture.
WHOLE_TITLES = [
    "NATO defence ministers meet in Brussels",
    "Biden and Scholz speak by phone",
    "Kyiv shows off bomb shelter under the central train station",
    "Zelenskyy watches Javelin anti-tank drills near Rivne",
]
NO_FLAGS: dict[str, Any] = {
    **{facet.key: () for facet in FACETS},
    "date_from": None,
    "date_to": None,
    "q": None,
    "corroborated": None,
    "lag": None,
    "mode": None,
    "lanes": None,
    "theme": None,
    "selected": None,
}
APP_QUERY = "?category=military&mode=sequence&event=ukraine-unity-day&theme=dark"


def invoke(*args: object, env: dict[str, str | None] | None = None) -> Result:
    """Run `timeline` in-process (so monkeypatches apply); bad input must end in a message, never a traceback."""
    runner = CliRunner(env={"TIMELINE_EVENTS": None, "COLUMNS": "250", **(env or {})})
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def exported(*args: object) -> Result:
    """A `timeline export` of the bundled events that must succeed."""
    result = invoke("export", "--events", EVENTS, *args)
    assert result.exit_code == 0, result.output
    return result


def data(fmt: str, *args: object, events: Path = EVENTS) -> str:
    result = invoke("export", "--events", events, "--format", fmt, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def collection():
    return load_collection(EVENTS)


@pytest.fixture(scope="module")
def all_records() -> list[dict[str, Any]]:
    return json.loads(data("json"))


# ---- reading pictures ------------------------------------------------------------------------------------------


def png_chunks(blob: bytes) -> list[tuple[bytes, bytes]]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks, pos = [], 8
    while pos < len(blob):
        (length,), kind = struct.unpack(">I", blob[pos : pos + 4]), blob[pos + 4 : pos + 8]
        body = blob[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", blob[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r} chunk"
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def png_info(path: Path) -> dict[str, Any]:
    """Size of a PNG and its decompressed scanlines (which must be exactly as long as the size says)."""
    chunks = png_chunks(path.read_bytes())
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    assert depth == 8 and interlace == 0
    assert len(raw) == height * (1 + width * channels), "scanlines do not match the IHDR size"
    return {"width": width, "height": height, "raw": raw}


# ---- a browser for reading rendered pages --------------------------------------------------------------------


class OfflinePage:
    """A Chromium page that cannot reach the network, driven from a thread of its own.

    Sync Playwright allows one instance per thread, and the browser tests (tests/browser) keep theirs open in
    the main thread for the whole session; so every call on this page runs in one dedicated worker thread.
    """

    def __init__(self) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-chromium")
        self._worker.submit(self._open).result()

    def _open(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = self._browser.new_context(viewport={"width": 1800, "height": 1200})
        context.route(re.compile(r"^https?://"), lambda route: route.abort())
        self._page = context.new_page()

    def run(self, action: Callable[[Any], Any]) -> Any:
        """``action(page)`` in the page's thread; its result (or exception) comes back here."""
        return self._worker.submit(action, self._page).result()

    def close(self) -> None:
        def stop(_: Any) -> None:
            self._browser.close()
            self._playwright.stop()

        try:
            self.run(stop)
        finally:
            self._worker.shutdown()


@pytest.fixture(scope="module")
def offline_page():
    """Whatever this page shows came from the file itself: requests to the network are refused."""
    page = OfflinePage()
    yield page
    page.close()


PIXELS_JS = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = new Set();
  let differ = 0;
  for (let i = 0; i < px.length; i += 4) {
    const c = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    colours.add(c);
    if (c !== ((px[0] << 16) | (px[1] << 8) | px[2])) differ++;
  }
  return {width: canvas.width, height: canvas.height, colours: colours.size, share: differ / (px.length / 4)};
}"""


def decode_png(offline: OfflinePage, path: Path) -> dict[str, Any]:
    """Decode a PNG in Chromium (no Pillow here): its size, distinct colours and share of non-background pixels."""
    source = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()

    def decode(page: Any) -> dict[str, Any]:
        page.set_content("<html><body></body></html>")
        return page.evaluate(PIXELS_JS, source)

    return offline.run(decode)


LABELS_JS = """() => {
  const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const figure = document.querySelector('.main-svg').getBoundingClientRect();
  // The timeline's labels are annotations named by their event (lines joined by spaces); plain text points too.
  const gd = document.querySelector('.js-plotly-plot');
  const named = new Set((gd.layout.annotations || []).map((a, i) => (a.name ? String(i) : null)));
  const words = (t) => {
    const lines = [...t.querySelectorAll('tspan.line')];
    return lines.length ? lines.map((line) => line.textContent).join(' ') : t.textContent;
  };
  const annotations = [...document.querySelectorAll('g.annotation')]
    .filter((g) => named.has(g.dataset.index))
    .map((g) => g.querySelector('text'))
    .filter(Boolean);  // plotly draws no text for an annotation whose anchor is off the axis
  const labels = [...document.querySelectorAll('.scatterlayer g.textpoint text'), ...annotations]
    .filter((t) => words(t).trim())
    .map((t) => ({text: words(t), ...box(t.getBoundingClientRect())}));
  return {figure: box(figure), labels: labels};
}"""


def open_page(page: Any, path: Path) -> None:
    """Open an exported HTML file and wait until plotly has drawn its labels."""
    page.goto(path.as_uri())
    page.wait_for_selector(".main-svg .scatterlayer g.textpoint text, .main-svg g.annotation text", state="attached")
    page.evaluate("() => document.fonts.ready")


def label_boxes(offline: OfflinePage, figure: go.Figure, tmp_path: Path) -> dict[str, Any]:
    """The boxes of every label the figure draws, as Chromium lays them out from the HTML export."""
    path = tmp_path / f"labels-{len(list(tmp_path.iterdir()))}.html"
    path.write_text(to_html(figure), encoding="utf-8")

    def measure(page: Any) -> dict[str, Any]:
        open_page(page, path)
        return page.evaluate(LABELS_JS)

    return offline.run(measure)


def overlapping(boxes: list[dict[str, Any]], tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of boxes that share more than ``tolerance`` px both across and down."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            across = min(a["right"], b["right"]) - max(a["left"], b["left"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > tolerance and down > tolerance:
                pairs.append((a["text"], b["text"]))
    return pairs


def outside(boxes: list[dict[str, Any]], frame: dict[str, float], tolerance: float = 1.0) -> list[str]:
    """Labels that stick out of the figure at the left or right edge."""
    return [
        b["text"] for b in boxes if b["left"] < frame["left"] - tolerance or b["right"] > frame["right"] + tolerance
    ]


# ---- 1. pictures are what they claim ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> dict[str, Path]:
    """The bundled events as PNG, SVG, PDF and HTML, each made by `timeline export`. (A PNG at --scale 2 is
    checked in the batch test below, which saves a browser start.)"""
    folder = tmp_path_factory.mktemp("pictures")
    made = {
        "png": folder / "plain.png",
        "svg": folder / "timeline.svg",
        "pdf": folder / "timeline.pdf",
        "html": folder / "timeline.html",
    }
    exported("--format", "png", "--width", 1200, "--height", 1000, "--out", made["png"])
    for fmt in ("svg", "pdf", "html"):
        result = exported("--format", fmt, "--out", made[fmt])
        assert str(made[fmt]) in result.stdout
    return made


def test_png_export_has_the_asked_size(pictures):
    plain = png_info(pictures["png"])
    assert (plain["width"], plain["height"]) == (1200, 1000)


def test_png_export_is_a_drawn_picture_not_a_blank(pictures, offline_page):
    info = png_info(pictures["png"])
    assert len(set(info["raw"])) > 100, "the PNG's pixel data is nearly uniform"
    pixels = decode_png(offline_page, pictures["png"])
    assert (pixels["width"], pixels["height"]) == (1200, 1000)
    # Text, bars, marks and colours of seven categories: a blank or single-colour picture has 1–2 colours.
    assert pixels["colours"] > 200, pixels
    assert 0.02 < pixels["share"] < 0.9, f"share of non-background pixels is implausible: {pixels}"


def svg_text(element: ET.Element) -> str:
    """The words of an SVG text element, its lines (wrapped labels) joined by spaces."""
    lines = [part for part in element if part.get("class") == "line"]
    return " ".join("".join(line.itertext()) for line in lines) if lines else "".join(element.itertext())


def test_svg_export_is_xml_with_the_event_titles_as_text(pictures):
    root = ET.parse(pictures["svg"]).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {svg_text(t) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for title in WHOLE_TITLES:
        assert title in texts, f"{title!r} is not a <text> of the SVG"
    assert "NATO, Russia and Ukraine — 16 February 2022" in texts, "the collection's title is missing"
    assert any("Sources: 1 DW" in t for t in texts), "the footer numbering the sources is missing"


def test_pdf_export_is_a_pdf_with_a_page(pictures):
    blob = pictures["pdf"].read_bytes()
    assert blob.startswith(b"%PDF-")
    assert blob.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", blob)) == 1, "expected exactly one page"
    assert re.search(rb"/MediaBox\s*\[", blob)


def test_html_export_is_standalone_with_plotly_inline_and_the_figure(pictures, offline_page):
    text = pictures["html"].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\ssrc=", text), "the page loads a script from elsewhere"
    assert re.search(r"plotly\.js v\d+\.\d+", text), "plotly.js is not inside the page"
    assert len(text) > 1_000_000, "the page is too small to hold plotly.js"
    assert '<html lang="' in text and "<title>NATO, Russia and Ukraine" in text
    for title in WHOLE_TITLES:
        assert title in text, f"the figure data lacks {title!r}"

    # Opened with the network cut off, the page still draws the timeline.
    def drawn_labels(page: Any) -> list[str]:
        open_page(page, pictures["html"])
        return [label["text"] for label in page.evaluate(LABELS_JS)["labels"]]

    drawn = offline_page.run(drawn_labels)
    assert set(WHOLE_TITLES) <= set(drawn)


# ---- 2. --view draws the same figure as the app's Download ------------------------------------------------------


@pytest.fixture
def cli_figures(monkeypatch) -> list[Any]:
    """Figures the export command would draw, captured instead of drawn."""
    captured: list[Any] = []
    monkeypatch.setattr(cli_module, "write_pictures", lambda pictures, **_: captured.extend(pictures))
    return captured


@pytest.fixture
def app_figures(monkeypatch) -> list[tuple[go.Figure, str, float]]:
    """Figures the app's Download would draw, captured instead of drawn."""
    captured: list[tuple[go.Figure, str, float]] = []

    def fake_render(figure: go.Figure, fmt: str, scale: float = 1.0, about: Any = None) -> bytes:
        captured.append((figure, fmt, scale))
        return b"picture"

    monkeypatch.setattr(download, "render_picture", fake_render)
    return captured


def figure_json(figure: go.Figure) -> dict[str, Any]:
    return json.loads(figure.to_json())


@pytest.mark.parametrize("view", [APP_QUERY, "http://127.0.0.1:8050/" + APP_QUERY], ids=["query", "full-url"])
def test_export_view_draws_the_same_figure_as_the_app_download(view, collection, cli_figures, app_figures, tmp_path):
    exported("--format", "png", "--view", view, "--out", tmp_path / "view.png")
    data_bytes, name = download.picture(collection, APP_QUERY, "png")
    assert data_bytes == b"picture" and name.endswith(".png")
    [picture] = cli_figures
    [(app_figure, fmt, scale)] = app_figures
    assert (picture.format, picture.scale) == (fmt, scale) == ("png", 1.0)
    assert figure_json(picture.figure) == figure_json(app_figure), "--view and the app's Download differ"
    # And the query really took effect: dark, military only, in sequence (the selected event is not military).
    layout = picture.figure.layout
    assert layout.paper_bgcolor == "#15181d"
    assert "category: military" in layout.title.subtitle.text and "in sequence" in layout.title.subtitle.text
    assert not [s for s in layout.shapes if s.name == "selected"]  # the selected event is filtered out: no ring
    drawn = picture.figure.to_json()
    military = collection.events[collection.events["category"] == "military"]["title"]
    assert len(military) == 4 and all(json.dumps(title)[1:-1][:30] in drawn for title in military)


def test_export_view_path_in_code_matches_the_app_download(collection, app_figures):
    download.picture(collection, APP_QUERY, "svg")
    [(app_figure, _, _)] = app_figures
    for base in (APP_QUERY, "http://127.0.0.1:8050/" + APP_QUERY):
        assert figure_json(export_figure(collection, build_view(base, NO_FLAGS))) == figure_json(app_figure)


def test_full_app_url_and_bare_query_export_the_same_view(cli_figures, tmp_path):
    exported("--format", "png", "--view", "http://127.0.0.1:8050/?category=military", "--out", tmp_path / "a.png")
    exported("--format", "png", "--view", "?category=military", "--out", tmp_path / "b.png")
    exported("--format", "png", "--out", tmp_path / "c.png")
    url, query, everything = (figure_json(p.figure) for p in cli_figures)
    assert url == query
    assert url != everything, "the view's filter was ignored"


# ---- 3. labels never collide ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,view,size",
    [
        ("calendar, 1600 px", View(), PageSize(height=None)),
        ("sequence, 1600 px", View(mode="sequence"), PageSize(height=None)),
        ("calendar, 900 px", View(), PageSize(width=900, height=None)),
        ("sequence, 900 px", View(mode="sequence"), PageSize(width=900, height=None)),
    ],
)
def test_labels_of_the_densest_day_do_not_overlap(name, view, size, collection, offline_page, tmp_path):
    figure = export_figure(collection, view, size)
    boxes = label_boxes(offline_page, figure, tmp_path)
    labels = boxes["labels"]
    assert len(labels) == len(collection.events), f"{name}: expected a label per event, got {len(labels)}"
    on_16_feb = collection.events["start"].dt.date.eq(dt.date(2022, 2, 16)).sum()
    assert on_16_feb >= 10, "the bundled events no longer have a dense day to test"
    clashes = overlapping(labels)
    assert not clashes, f"{name}: labels overlap: {clashes}"
    cut = outside(labels, boxes["figure"])
    assert not cut, f"{name}: labels cut at the figure's edge: {cut}"


def test_overlap_and_edge_checks_catch_colliding_and_cut_labels(offline_page, tmp_path):
    """The label checks themselves: labels forced onto one spot, and a label running off the right edge."""
    figure = go.Figure(
        go.Scatter(
            x=[1, 1, 9.8],
            y=[1, 1, 3],
            mode="text",
            cliponaxis=False,
            text=[
                "Two labels on one spot",
                "Two labels in one place",
                "A label that runs far past the right edge of the figure",
            ],
            textposition="middle right",
        )
    )
    figure.update_layout(width=600, height=300, xaxis={"range": [0, 10]}, yaxis={"range": [0, 4]})
    boxes = label_boxes(offline_page, figure, tmp_path)
    assert len(boxes["labels"]) == 3
    assert overlapping(boxes["labels"]) == [("Two labels on one spot", "Two labels in one place")]
    assert outside(boxes["labels"], boxes["figure"]) == ["A label that runs far past the right edge of the figure"]


def test_overlap_check_ignores_labels_that_only_touch():
    a = {"text": "a", "left": 0, "right": 100, "top": 0, "bottom": 14}
    touching = {"text": "b", "left": 100.5, "right": 200, "top": 0, "bottom": 14}
    stacked = {"text": "c", "left": 0, "right": 100, "top": 13.5, "bottom": 27}
    assert overlapping([a, touching, stacked]) == []
    assert overlapping([a, {**touching, "left": 90}]) == [("a", "b")]


# ---- 4. a batch starts one browser -----------------------------------------------------------------------------


@pytest.fixture
def browser_starts(monkeypatch) -> dict[str, int]:
    """Count kaleido browsers made and opened during a test, and tabs reloaded between pictures."""
    import kaleido
    from kaleido._kaleido_tab import _KaleidoTab

    counts = {"created": 0, "opened": 0, "reloaded": 0}
    original_init, original_open = kaleido.Kaleido.__init__, kaleido.Kaleido.open
    original_reload = _KaleidoTab.reload

    async def counting_reload(self, *args, **kwargs):
        counts["reloaded"] += 1
        return await original_reload(self, *args, **kwargs)

    def counting_init(self, *args, **kwargs):
        counts["created"] += 1
        original_init(self, *args, **kwargs)

    async def counting_open(self, *args, **kwargs):
        counts["opened"] += 1
        return await original_open(self, *args, **kwargs)

    monkeypatch.setattr(kaleido.Kaleido, "__init__", counting_init)
    monkeypatch.setattr(kaleido.Kaleido, "open", counting_open)
    monkeypatch.setattr(_KaleidoTab, "reload", counting_reload)
    return counts


def test_each_category_writes_one_png_per_category_at_scale_with_one_browser(browser_starts, all_records, tmp_path):
    out = tmp_path / "batch"
    result = exported(
        "--format", "png", "--each", "category", "--out", out, "--width", 600, "--height", 600, "--scale", 2
    )
    categories = sorted({r["category"] for r in all_records})
    expected = sorted(f"timeline-{c}.png" for c in categories)
    assert sorted(p.name for p in out.glob("*.png")) == expected
    assert sorted(p.name for p in out.glob("*.alt.txt")) == [name.replace(".png", ".alt.txt") for name in expected]
    assert sorted(Path(line).name for line in result.stdout.split()) == expected
    for path in out.glob("*.png"):
        info = png_info(path)
        assert (info["width"], info["height"]) == (1200, 1200), f"{path.name}: --scale 2 must double 600x600"
    # One browser, whose tabs draw picture after picture without reloading plotly.js in between.
    assert browser_starts == {"created": 1, "opened": 1, "reloaded": 0}, f"a batch of {len(expected)}: {browser_starts}"


def test_several_views_write_several_files_with_one_browser(browser_starts, tmp_path):
    out = tmp_path / "views"
    exported(
        "--format",
        "svg",
        "--view",
        "?category=military",
        "--view",
        "?category=diplomacy&theme=dark",
        "--view",
        "http://127.0.0.1:8050/?mode=sequence",
        "--out",
        out,
    )
    files = sorted(out.glob("*.svg"))
    assert [p.name for p in files] == ["timeline-1.svg", "timeline-2.svg", "timeline-3.svg"]
    texts = [p.read_text(encoding="utf-8") for p in files]
    assert "category: military" in texts[0] and "category: diplomacy" in texts[1] and "in sequence" in texts[2]
    assert "Zelenskyy watches Javelin" in texts[0] and "Zelenskyy watches Javelin" not in texts[1]
    assert browser_starts == {"created": 1, "opened": 1, "reloaded": 0}, f"three views started {browser_starts}"


# ---- 5. no browser: a clear message ----------------------------------------------------------------------------


@pytest.fixture
def no_browser(monkeypatch, tmp_path) -> Iterator[dict[str, str]]:
    """BROWSER_PATH at a file that is not there; choreographer's own downloads hidden too, as they come first."""
    import choreographer.browsers.chromium as chromium

    import dashboard.export.browser as browser

    browser.renderer.close()  # a browser left open by an earlier test would draw the picture
    missing = tmp_path / "no-such-chrome"
    monkeypatch.setattr(chromium, "get_chrome_download_path", lambda *a, **k: missing)
    monkeypatch.setattr(chromium, "get_old_chrome_download_path", lambda *a, **k: missing)
    monkeypatch.setenv("BROWSER_PATH", str(missing))
    # The premise: with this, choreographer picks the missing file and refuses to start.
    assert chromium.Chromium.find_browser(skip_local=False) == str(missing)
    import kaleido

    with pytest.raises(chromium.ChromeNotFoundError):
        kaleido.Kaleido()  # finds its browser when made, before any process starts
    yield {"BROWSER_PATH": str(missing)}
    browser.renderer.close()


def test_png_export_without_a_browser_says_how_to_install_one(no_browser, tmp_path):
    out = tmp_path / "timeline.png"
    result = invoke("export", "--events", EVENTS, "--format", "png", "--out", out, env=no_browser)
    assert result.exit_code != 0
    assert "apt-get install chromium" in result.output
    assert "plotly_get_chrome" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_app_download_without_a_browser_raises_the_install_hint(no_browser, collection):
    from dashboard.export import ExportError

    with pytest.raises(ExportError, match="apt-get install chromium"):
        download.picture(collection, "?category=military", "pdf")


# ---- 6. iCalendar ----------------------------------------------------------------------------------------------


def parse_ics(text: str):
    from icalendar import Calendar

    return Calendar.from_ical(text).walk("VEVENT")


def test_ics_has_one_vevent_per_event_with_title_and_status(all_records):
    vevents = parse_ics(data("ics"))
    assert len(vevents) == len(all_records)
    by_title = {str(v["SUMMARY"]): v for v in vevents}
    assert set(by_title) == {r["title"] for r in all_records}, "SUMMARY must be the title"
    assert len({str(v["UID"]) for v in vevents}) == len(vevents), "UIDs must be unique"
    for record in all_records:
        status = str(by_title[record["title"]].get("STATUS", ""))
        assert (status == "TENTATIVE") == record["approximate"], f"{record['id']}: STATUS {status!r}"


def test_ics_all_day_event_has_date_start_and_exclusive_end():
    vevents = {str(v["SUMMARY"]): v for v in parse_ics(data("ics"))}
    meeting = vevents["NATO defence ministers meet in Brussels"]
    start, end = meeting.decoded("DTSTART"), meeting.decoded("DTEND")
    assert type(start) is dt.date and type(end) is dt.date, "an all-day event is dated, not timed"
    assert (start, end) == (dt.date(2022, 2, 16), dt.date(2022, 2, 18))
    call = vevents["Biden and Scholz speak by phone"]
    assert (call.decoded("DTSTART"), call.decoded("DTEND")) == (dt.date(2022, 2, 16), dt.date(2022, 2, 17))
    troops = vevents["US deploys 5,000 additional troops to Poland and Romania"]  # 3 Feb, no end known
    assert (troops.decoded("DTSTART"), troops.decoded("DTEND")) == (dt.date(2022, 2, 3), dt.date(2022, 2, 4))


def test_ics_honours_the_category_filter(all_records):
    vevents = parse_ics(data("ics", "--category", "military"))
    military = {r["title"] for r in all_records if r["category"] == "military"}
    assert {str(v["SUMMARY"]) for v in vevents} == military
    assert len(military) == 4


def test_ics_timed_event_is_in_utc_and_ends_after_it_starts(hostile_events):
    vevents = {str(v["SUMMARY"]): v for v in parse_ics(data("ics", events=hostile_events))}
    press = vevents["Press conference at NATO"]
    start = press.decoded("DTSTART")
    assert start == dt.datetime(2022, 2, 16, 13, 30, tzinfo=dt.UTC)
    # RFC 5545 §3.8.2.2: DTEND "MUST be later in time than the value of the DTSTART property"; an instant
    # leaves DTEND out (§3.6.1: a DATE-TIME DTSTART alone is a zero-length instant).
    assert "DTEND" not in press, "a moment has no DTEND (it would equal DTSTART, which RFC 5545 forbids)"


# ---- 7. TimelineJS ---------------------------------------------------------------------------------------------


@pytest.fixture
def hostile_events(tmp_path) -> Path:
    """Events with HTML in their text, and one of each precision: year, month, range, minute."""
    folder = tmp_path / "events"
    folder.mkdir()
    files = {
        "_collection.yaml": """
            title: "Tests <b>& co</b>"
            description: "A <i>hostile</i> collection"
            categories:
              diplomacy: {label: Diplomacy, color: "#3361F0"}
              military: {label: Military, color: "#D12026"}
            """,
        "hostile.yaml": """
            title: "<script>alert(1)</script> & other tags"
            date: "2022-02-16"
            category: diplomacy
            summary: "Body with <script>alert(2)</script> and <img src=x onerror=alert(3)>"
            quotes:
              - {text: "<b>bold</b> quote", speaker: "<i>Someone</i>"}
            sources:
              - {title: "<em>Source</em>", publisher: "P&Q", url: "https://example.org/a?b=1&c=2"}
            """,
        "month.yaml": """
            title: Troops move in February
            date: "2022-02"
            category: military
            """,
        "year.yaml": """
            title: A year of tension
            date: "2021"
            category: military
            """,
        "range.yaml": """
            title: Two-day meeting
            date: "2022-02-16"
            end: "2022-02-17"
            category: diplomacy
            """,
        "minute.yaml": """
            title: Press conference at NATO
            date: "2022-02-16T14:30+01:00"
            category: diplomacy
            """,
    }
    for name, body in files.items():
        (folder / name).write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    assert not load_collection(folder).problems, load_collection(folder).problems
    return folder


def timelinejs(events: Path = EVENTS, *args: object) -> dict[str, Any]:
    return json.loads(data("timelinejs", *args, events=events))


def check_tl_date(date: dict[str, Any], where: str) -> None:
    assert isinstance(date.get("year"), str) and date["year"].isdigit(), f"{where}: year must be a string"
    for key in ("month", "day", "hour", "minute"):
        if key in date:
            assert isinstance(date[key], str) and date[key].isdigit(), f"{where}: {key} {date[key]!r}"
    assert "day" not in date or "month" in date, f"{where}: a day without a month"


def test_timelinejs_follows_the_documented_shape(all_records):
    document = timelinejs()
    assert document["title"]["text"]["headline"] == "NATO, Russia and Ukraine — 16 February 2022"
    events = document["events"]
    assert isinstance(events, list) and len(events) == len(all_records)
    assert len({e["unique_id"] for e in events}) == len(events), "unique_id must be unique"
    records = {r["id"]: r for r in all_records}
    for event in events:
        where = event["unique_id"]
        record = records[where]
        check_tl_date(event["start_date"], where)
        assert set(event["text"]) == {"headline", "text"} and event["text"]["headline"], where
        # A range has an end date and a single day or moment none; the media is the first source with an address.
        assert ("end_date" in event) == (record["start"] != record["end"]), where
        check_tl_date(event.get("end_date", event["start_date"]), where)
        url = next((source["url"] for source in record["sources"] if source.get("url")), None)
        assert event.get("media", {}).get("url") == url, where
    by_id = {e["unique_id"]: e for e in events}
    meeting = by_id["nato-defence-ministers-meeting"]
    assert meeting["start_date"] | {"display_date": None} == {
        "year": "2022",
        "month": "2",
        "day": "16",
        "display_date": None,
    }
    assert meeting["end_date"] == {"year": "2022", "month": "2", "day": "17"}
    assert "end_date" not in by_id["biden-scholz-call"], "a single day is not a range"
    troops = by_id["us-troops-poland-romania"]
    assert (troops["start_date"]["month"], troops["start_date"]["day"]) == ("2", "3")
    assert "end_date" not in troops, "a single day is not a range"


def test_timelinejs_precisions_of_year_month_range_and_minute(hostile_events):
    by_title = {e["text"]["headline"]: e for e in timelinejs(hostile_events)["events"]}
    year = by_title["A year of tension"]
    assert year["start_date"]["year"] == "2021" and not {"month", "day"} & set(year["start_date"])
    month = by_title["Troops move in February"]
    assert month["start_date"]["month"] == "2" and "day" not in month["start_date"]
    assert "day" not in month.get("end_date", {})
    assert by_title["Two-day meeting"]["end_date"] == {"year": "2022", "month": "2", "day": "17"}
    minute = by_title["Press conference at NATO"]["start_date"]
    assert (minute["day"], minute["hour"], minute["minute"]) == ("16", "13", "30")


def test_timelinejs_escapes_html_in_every_text(hostile_events):
    text = data("timelinejs", events=hostile_events)
    document = json.loads(text)
    hostile = next(e for e in document["events"] if "alert(1)" in e["text"]["headline"])
    assert hostile["text"]["headline"] == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; other tags"
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in hostile["text"]["text"]
    assert "&lt;b&gt;bold&lt;/b&gt;" in hostile["text"]["text"] and "&lt;i&gt;Someone" in hostile["text"]["text"]
    assert hostile["media"]["caption"] == "&lt;em&gt;Source&lt;/em&gt;"
    assert document["title"]["text"]["headline"] == "Tests &lt;b&gt;&amp; co&lt;/b&gt;"
    for tag in ("<script", "<img", "<b>", "<i>", "<em>"):
        assert tag not in text, f"raw {tag} in the TimelineJS output"


# ---- 8. data exports honour the view ---------------------------------------------------------------------------


def ids(text: str) -> set[str]:
    return {r["id"] for r in json.loads(text)}


def test_json_export_honours_the_category_filter(all_records):
    diplomacy = {r["id"] for r in all_records if r["category"] == "diplomacy"}
    assert len(diplomacy) == 3
    assert ids(data("json", "--category", "diplomacy")) == diplomacy
    assert ids(data("json", "--view", "?category=diplomacy")) == diplomacy
    csv_ids = {row["id"] for row in csv.DictReader(io.StringIO(data("csv", "--category", "diplomacy")))}
    assert csv_ids == diplomacy


def test_json_export_honours_the_date_range(all_records):
    # The US deployment began on 3 Feb with no end known: an open end reaches into every later day.
    on_17 = {"nato-defence-ministers-meeting", "us-troops-poland-romania"}
    assert ids(data("json", "--from", "2022-02-17", "--to", "2022-02-17")) == on_17
    before = ids(data("json", "--to", "2022-02-15"))
    # the shelter tour, "by 16 Feb 2022", may have been any day before: an open start reaches back without limit
    assert before == {r["id"] for r in all_records if r["start"] <= "2022-02-15"} | {"kyiv-station-bomb-shelter-tour"}
    assert "biden-scholz-call" not in before and "duma-recognition-resolution" in before
    assert ids(data("json", "--view", "?from=2022-02-17&to=2022-02-17")) == on_17


def test_json_export_honours_the_search():
    assert ids(data("json", "--search", "javelin")) == {"zelenskyy-rivne-javelin-drills"}
    found = json.loads(data("json", "--search", "zelenskyy mariupol"))
    assert "zelenskyy-mariupol-speech" in {r["id"] for r in found}
    for record in found:
        blob = json.dumps(record, ensure_ascii=False).casefold()
        assert "zelenskyy" in blob and "mariupol" in blob, record["id"]
    assert ids(data("json", "--search", "javelin", "--category", "diplomacy")) == set()


# ---- 9. bad usage: a message, no traceback ---------------------------------------------------------------------


def test_each_day_with_a_data_format_is_a_usage_error():
    result = invoke("export", "--events", EVENTS, "--format", "json", "--each", "day")
    assert result.exit_code == 2
    assert "--each" in result.stderr and "pictures" in result.stderr
    assert result.stdout == ""


def test_missing_events_folder_is_a_usage_error(tmp_path):
    result = invoke("export", "--events", tmp_path / "nowhere", "--format", "png")
    assert result.exit_code == 2
    assert "no events folder" in result.stderr and "--events" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_bad_view_value_warns_and_still_exports(fmt, all_records, tmp_path):
    out = tmp_path / f"bogus.{fmt}"
    result = invoke(
        "export", "--events", EVENTS, "--format", fmt, "--view", "?mode=bogus&category=military", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "mode=bogus" in result.stderr
    text = out.read_text(encoding="utf-8")
    # The rest of the view is kept: military events only, whatever the format.
    shown = (
        {r["title"] for r in all_records if json.dumps(r["title"])[1:-1] in text}
        if fmt == "html"
        else {r["title"] for r in json.loads(text)}
    )
    assert shown == {r["title"] for r in all_records if r["category"] == "military"}

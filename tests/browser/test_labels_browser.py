"""Every headline readable, nothing on top of anything: the timeline's labels measured where they are drawn, in the
app at 1440×900 and 1024×768 and in the exported pictures (SVG drawn by kaleido, laid out again in Chromium).

For each picture: no text ends in an ellipsis, every event has its label, no two boxes of labels and axis texts (dates,
lane names) intersect, no label box intersects a bar or a mark, and the server's estimate of each line's width is
never short of the drawn width.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from dashboard.app import ids
from dashboard.export.page import SIZES, export_figure
from dashboard.export.pictures import draw_batch
from dashboard.figure.style import text_px
from dashboard.table import Collection
from dashboard.view import View

# The boxes of a drawn timeline under ``root``: its labels (the annotations that name an event, by index), each
# line's drawn width, the bars and marks of the plot (not the range slider's copies, not the legend's), and the
# content of every text element.
MEASURE_JS = """([root, indices]) => {
  const top = document.querySelector(root);
  const gd = top.classList.contains('js-plotly-plot') ? top : top.querySelector('.js-plotly-plot');
  if (indices === null) {
    // The labels; not the notes at the axis's edges (named too, for a click, but placed on the plot's frame).
    indices = gd.layout.annotations.map((a, i) => (a.name && a.xref !== 'paper' ? i : -1)).filter((i) => i >= 0);
  }
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  };
  const inPlot = (el) => !el.closest('.rangeslider-container') && !el.closest('.legend');
  // An annotation anchored off the axis (the label of an event left off its edge) has no text drawn.
  const drawn = indices.filter((i) => top.querySelector(`g.annotation[data-index="${i}"] text.annotation-text`));
  const labels = drawn.map((i) => {
    const text = top.querySelector(`g.annotation[data-index="${i}"] text.annotation-text`);
    const spans = [...text.querySelectorAll('tspan.line')];
    const lines = (spans.length ? spans : [text]).map((s) => ({text: s.textContent, px: s.getComputedTextLength()}));
    return {text: lines.map((l) => l.text).join(' '), lines, ...box(text)};
  });
  const ticks = [...top.querySelectorAll('.xtick text, .ytick text')]
    .filter((t) => inPlot(t) && t.textContent.trim())
    .map((t) => ({text: t.textContent, ...box(t)}));
  return {
    labels,
    ticks,
    bars: [...top.querySelectorAll('.bars .point path')].filter(inPlot).map(box),
    marks: [...top.querySelectorAll('.scatterlayer .points path.point')].filter(inPlot).map(box),
    texts: [...top.querySelectorAll('text')].map((t) => t.textContent),
  };
}"""


def overlaps(a: dict[str, float], b: dict[str, float], tolerance: float = 0.5) -> bool:
    across = min(a["right"], b["right"]) - max(a["left"], b["left"])
    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return across > tolerance and down > tolerance


def problems(drawn: dict[str, Any], titles: list[str]) -> list[str]:
    """What is wrong with the labels of one drawn timeline, in words (nothing when all is well)."""
    # A note at the axis's edge for an event left off it (◂ … or … ▸) is shortened on purpose: it has a hover.
    notes = [text for text in drawn["texts"] if text.startswith("◂ ") or text.endswith(" ▸")]
    found = [
        f"ends in an ellipsis: {text!r}"
        for text in drawn["texts"]
        if text.rstrip().endswith(("…", "...")) and text not in notes
    ]
    labels = drawn["labels"]
    shown = sorted(label["text"] for label in labels)
    if shown != sorted(" ".join(title.split()) for title in titles):
        found.append(f"the labels are not the titles in full: {shown}")
    texts = [*labels, *drawn.get("ticks", [])]  # the axes' dates and lane names as well
    for index, a in enumerate(texts):
        found += [f"texts overlap: {a['text']!r} and {b['text']!r}" for b in texts[index + 1 :] if overlaps(a, b)]
    for a in labels:
        found += [f"a label is on a bar: {a['text']!r}" for bar in drawn["bars"] if overlaps(a, bar)]
        found += [f"a label is on a mark: {a['text']!r}" for mark in drawn["marks"] if overlaps(a, mark)]
        found += [
            f"the width of {line['text']!r} was estimated at {text_px(line['text']):.1f} px, drawn {line['px']:.1f}"
            for line in a["lines"]
            if line["px"] > text_px(line["text"]) + 0.5
        ]
    return found


def measure_app(app: Any, width: int, height: int, query: str = "") -> dict[str, Any]:
    """Open the app at a window size (the page reports its width and the server packs for it) and measure."""
    app.page.set_viewport_size({"width": width, "height": height})
    app.open(query)
    drawn: dict[str, Any] = app.page.evaluate(MEASURE_JS, [f"#{ids.TIMELINE}", None])
    return drawn


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)], ids=["1440x900", "1024x768"])
def test_the_app_shows_every_headline_whole_and_clear_of_everything(app, collection: Collection, size):
    titles = list(collection.events["title"])
    # The US deployment (3 Feb) is left off the calendar's axis, at its left edge: its label is not drawn.
    on_axis = [title for title in titles if not title.startswith("US deploys")]
    calendar = measure_app(app, *size)
    assert not problems(calendar, on_axis), "\n".join(problems(calendar, on_axis))
    # the ministers' two days are a bar; the shelter tour ("by 16 Feb") is a mark on its fading band
    assert len(calendar["bars"]) >= 1 and len(calendar["marks"]) >= len(on_axis), "the plot's bars and marks"
    sequence = measure_app(app, *size, "?mode=sequence")
    assert not problems(sequence, titles), "\n".join(problems(sequence, titles))
    app.assert_no_errors()


def test_a_click_on_a_label_selects_its_event(app, collection: Collection):
    app.page.set_viewport_size({"width": 1024, "height": 768})
    app.open()
    # The label of the ministers' meeting sits beside its bar: its text, not the mark, is what is clicked.
    event_id = "nato-defence-ministers-meeting"
    title = collection.events.set_index("id").loc[event_id, "title"]
    target = app.page.evaluate(
        """([root, id]) => {
      const gd = document.querySelector(root + ' .js-plotly-plot');
      const index = gd.layout.annotations.findIndex((a) => a.name === id);
      const r = gd.querySelector(`g.annotation[data-index="${index}"] text`).getBoundingClientRect();
      return {x: r.left + r.width / 2, y: r.top + r.height / 2};
    }""",
        [f"#{ids.TIMELINE}", event_id],
    )
    marks = [mark for mark in app.marks() if mark["id"] == event_id]
    assert all(abs(mark["x"] - target["x"]) > 20 for mark in marks), "the click must be on the text, off the mark"
    app.page.mouse.click(target["x"], target["y"])
    app.expect_card(event_id, title)
    assert app.selected_ring() == [event_id]
    app.assert_no_errors()


@pytest.fixture(scope="module")
def pictures(collection: Collection) -> list[tuple[str, str, Any]]:
    """The bundled events exported as SVG at each named size, and in sequence mode as a slide: (name, svg, figure),
    drawn by one kaleido browser."""
    jobs = [(name, export_figure(collection, View(), SIZES[name])) for name in ("slide", "page", "square", "story")]
    jobs.append(("sequence slide", export_figure(collection, View(mode="sequence"), SIZES["slide"])))
    drawn = draw_batch([(figure, "svg", 1.0) for _, figure in jobs])
    return [(name, svg.decode("utf-8"), figure) for (name, figure), svg in zip(jobs, drawn, strict=True)]


def test_exported_pictures_show_every_headline_whole_and_clear_of_everything(
    chromium: Browser, collection: Collection, pictures: list[tuple[str, str, Any]]
):
    titles = list(collection.events["title"])
    page = chromium.new_page()
    try:
        found = []
        for name, svg, figure in pictures:
            page.set_content(f"<!doctype html><html><body style='margin:0'><div id='picture'>{svg}</div></body></html>")
            annotations = figure.layout.annotations
            labels = [index for index, a in enumerate(annotations) if a.name and a.xref != "paper"]
            drawn = page.evaluate(MEASURE_JS, ["#picture", labels])
            left_off = {a.name for a in annotations if a.name and a.xref == "paper"}  # noted at the axis's edge
            shown = [t for i, t in zip(collection.events["id"], titles, strict=True) if i not in left_off]
            assert len(drawn["marks"]) >= len(shown), f"{name}: the marks were not found in the SVG"
            assert len(drawn["bars"]) >= (0 if "sequence" in name else 1), f"{name}: the bars were not found"
            found += [f"{name}: {problem}" for problem in problems(drawn, shown)]
        assert not found, "\n".join(found)
    finally:
        page.close()


def test_the_checks_catch_a_clipped_label_a_label_on_a_bar_and_labels_on_each_other():
    line = {"text": "A title", "px": 30.0}
    label = {"text": "A title", "lines": [line], "left": 0, "right": 60, "top": 0, "bottom": 14}
    fine = {"labels": [label], "bars": [], "marks": [], "texts": ["A title"]}
    assert problems(fine, ["A title"]) == []
    assert problems({**fine, "texts": ["A tit…"]}, ["A title"])
    assert problems({**fine, "bars": [{"left": 50, "right": 90, "top": 5, "bottom": 20}]}, ["A title"])
    assert problems({**fine, "labels": [label, {**label, "left": 40}]}, ["A title", "A title"])
    tick = {"text": "16 Feb", "left": 30, "right": 70, "top": 10, "bottom": 24}
    assert problems({**fine, "ticks": [tick]}, ["A title"])
    assert problems({**fine, "labels": [{**label, "lines": [{"text": "A title", "px": 60.0}]}]}, ["A title"])

"""Open and uncertain dates in a real browser: an open-start event is drawn fading out to the left of its stated
bound, with a hard edge at the bound, its card says "on or before", and the legend explains the marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import AppPage, Server
from playwright.sync_api import expect

from dashboard.app import ids

TITLE = "US deployment already under way"
EVENTS = {
    "open-start": f'title: {TITLE}\ndate: "../2022-02-16"\ncategory: other\n',
    "plain-range": 'title: Ministers meet in Brussels\ndate: "2022-02-10/2022-02-12"\ncategory: other\n',
    "uncertain-day": 'title: Possible shelling\ndate: "2022-02-14?"\ncategory: other\n',
}

# In page pixels of the plot: the open-start event's mark, its row's fade boxes (left, right) and hard edges,
# read from the figure plotly drew (its full data, through its axes), and the boxes of the fills it drew in the
# SVG in that row.
DRAWN_JS = (
    """(id) => {
  const gd = document.querySelector('#"""
    + ids.TIMELINE
    + """ .js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  let mark = null;
  for (const t of gd._fullData) {
    if (t.type === 'scatter' && t.customdata && String(t.mode).includes('markers')) {
      const at = Array.from(t.customdata).indexOf(id);
      if (at >= 0) mark = {x: xa.d2p(t.x[at]), y: t.y[at]};
    }
  }
  const fades = [], edges = [];
  for (const t of gd._fullData) {
    const name = String(t.name);
    if (!(name.startsWith('fade') || name === 'stated bound')) continue;
    const step = name === 'stated bound' ? 3 : 5;
    for (let i = 0; i < t.x.length; i += step) {
      const ys = t.y.slice(i, i + step - 1), xs = t.x.slice(i, i + step - 1).map((x) => xa.d2p(x));
      if (Math.min(...ys) > mark.y || Math.max(...ys) < mark.y) continue;  // another row's
      (step === 3 ? edges : fades).push({left: Math.min(...xs), right: Math.max(...xs)});
    }
  }
  const page = gd.getBoundingClientRect(), left = page.left + xa._offset;
  const row = page.top + ya._offset + ya.d2p(mark.y), fills = [];
  for (const path of gd.querySelectorAll('.scatterlayer .trace .fills path')) {
    const box = path.getBoundingClientRect();
    if (box.width > 0 && box.top <= row && row <= box.bottom) {
      fills.push({left: box.left - left, right: box.right - left});
    }
  }
  return {mark: mark.x, fades: fades, edges: edges, fills: fills, width: xa._length};
}"""
)


def started(start_server: Callable[[Path], Server], app_for: Callable[[Server], AppPage], tmp_path: Path) -> AppPage:
    folder = tmp_path / "bounds"
    folder.mkdir()
    for stem, text in EVENTS.items():
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return app_for(start_server(folder))


def test_an_open_start_fades_left_of_its_bound_and_its_card_says_on_or_before(
    start_server: Callable[[Path], Server], app_for: Callable[[Server], AppPage], tmp_path: Path
) -> None:
    app = started(start_server, app_for, tmp_path).open()
    drawn: dict[str, Any] = app.page.evaluate(DRAWN_JS, "open-start")

    # The fade lies left of the stated bound (the end of 16 Feb, its hard edge), reaching well left of the mark.
    assert len(drawn["edges"]) == 1, drawn
    bound = drawn["edges"][0]["left"]
    assert drawn["mark"] < bound
    assert drawn["fades"] and all(box["right"] <= bound + 0.5 for box in drawn["fades"]), drawn
    assert min(box["left"] for box in drawn["fades"]) < drawn["mark"] - 100, "a fade a reader sees"
    # And plotly drew it: filled shapes in the row, none past the bound.
    assert drawn["fills"], "no fill drawn in the open event's row"
    assert all(box["right"] <= bound + 1 for box in drawn["fills"]), drawn["fills"]

    legend = " ".join(app.page.locator(f"#{ids.TIMELINE} .legend .legendtext").all_text_contents())
    assert "Open bound (fades)" in legend and "Uncertain date (?)" in legend

    app.click_mark("open-start", TITLE)
    app.expect_card("open-start", TITLE)
    expect(app.card).to_contain_text("on or before 16 Feb 2022")
    app.assert_no_errors()

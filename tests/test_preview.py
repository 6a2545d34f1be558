"""The first readable paint: the page for '/' carries a picture of the default view's timeline once it is drawn (kept
per collection fingerprint, in memory and on disk), a deep link never does, and text from event files in the picture
stays text."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboard.app import create_app, ids, preview
from dashboard.app.preview import Drawn, Unsafe, checked_svg
from dashboard.figure import timeline_figure
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
HOSTILE_TITLE = "</svg><script>alert(1)</script>"
MARK = f'id="{ids.PREVIEW}"'
SVG = (
    '<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="1100" height="300" viewBox="0 0 1100 300"><rect x="0" y="0" width="1100" height="300"/>'
    '<g class="infolayer"><text x="10" y="20">A mark</text></g></svg>'
)


def picture(collection: Collection) -> Drawn:
    """A stand-in for the browser's drawing: fast, and counted."""
    picture.calls.append(collection.fingerprint)  # type: ignore[attr-defined]
    return Drawn(SVG, "Timeline of two events.", collection.settings.title)


picture.calls = []  # type: ignore[attr-defined]


def wait_until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    return check()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    picture.calls.clear()  # type: ignore[attr-defined]
    monkeypatch.setattr(preview, "draw", picture)
    return tmp_path / "cache"


def page(app: Any, query: str = "") -> str:
    return str(app.server.test_client().get("/" + query).get_data(as_text=True))


def test_the_page_for_slash_carries_the_preview_once_it_is_ready_and_a_deep_link_never(cache_dir: Path) -> None:
    app = create_app(EVENTS)
    first = page(app)
    assert wait_until(lambda: MARK in page(app)), "the preview never came"
    html = page(app)
    assert html.count(MARK) == 1 and "A mark" in html
    assert html.index(MARK) < html.index('<div id="react-entry-point"'), "the preview comes before Dash's page"
    assert 'role="img" aria-label="Timeline of two events."' in html, "the picture is named by its alt text"
    assert 'role="status">Loading the interactive timeline' in html
    assert '<svg aria-hidden="true" focusable="false"' in html
    for query in ("?from=2022-02-14", "?theme=dark", "?event=biden-scholz-call", "?lanes=actor"):
        assert MARK not in page(app, query), f"a deep link {query} got the default view's picture"
    assert MARK not in page(app, "other/path")
    assert MARK not in first or first.count(MARK) == 1


def test_previews_are_kept_by_fingerprint_on_disk_and_a_second_start_has_it_at_once(
    cache_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "events"
    shutil.copytree(EVENTS, folder)
    fingerprint = load_collection(folder).fingerprint
    app = create_app(folder)
    page(app)
    assert wait_until(lambda: MARK in page(app))
    kept = list((cache_dir / preview.FOLDER).glob("*.json"))
    assert [path.name.split("-")[0] for path in kept] == [fingerprint]
    assert picture.calls == [fingerprint]  # type: ignore[attr-defined]

    second = create_app(folder)  # a second start: read from disk, never drawn again
    assert wait_until(lambda: MARK in page(second), timeout=5)
    assert picture.calls == [fingerprint], "the second start drew the picture again"

    (folder / "biden-scholz-call.yaml").unlink()  # another state of the files: another fingerprint
    changed = load_collection(folder).fingerprint
    assert changed != fingerprint
    assert MARK not in page(second), "the picture of the files as they were is not shown for the files as they are"
    assert wait_until(lambda: MARK in page(second))
    assert picture.calls == [fingerprint, changed]  # type: ignore[attr-defined]
    assert len(list((cache_dir / preview.FOLDER).glob("*.json"))) == 2


def test_a_preview_changed_on_disk_into_markup_is_not_served(cache_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "events"
    shutil.copytree(EVENTS, folder)
    path = preview.disk_path(load_collection(folder).fingerprint)
    assert path is not None
    path.parent.mkdir(parents=True)
    bad = SVG.replace("</svg>", "<script>alert(1)</script></svg>")
    path.write_text(f'{{"svg": {bad!r}, "alt": "x", "title": "y"}}'.replace("'", '"'))
    app = create_app(folder)
    page(app)
    time.sleep(1)
    assert "alert(1)" not in page(app)


def test_a_hostile_title_in_a_drawn_picture_stays_text(tmp_path: Path) -> None:
    """Drawn by the real browser, as the server draws it: an event's title that closes the SVG and opens a script
    is escaped by plotly, and the check finds nothing to refuse; the same words as markup are refused."""
    folder = tmp_path / "events"
    folder.mkdir()
    event = yaml.safe_load((EVENTS / "biden-scholz-call.yaml").read_text())
    event.pop("links", None)
    event["title"] = HOSTILE_TITLE
    event["category"] = HOSTILE_TITLE
    (folder / "hostile.yaml").write_text(yaml.safe_dump(event))
    (folder / "_collection.yaml").write_text(yaml.safe_dump({"title": HOSTILE_TITLE}))
    collection = load_collection(folder)
    assert len(collection.events) == 1
    drawn = preview.draw(collection)
    assert drawn is not None
    html = drawn.markup()
    assert "<script" not in html.lower(), "a script element in the preview"
    assert html.count("</svg>") == 1 and html.endswith("</svg></div></div>")
    assert "&lt;/svg&gt;&lt;script&gt;" in html or "&#60;/svg&#62;&#60;script&#62;" in html, "the title is not shown"
    with pytest.raises(Unsafe):
        checked_svg(drawn.svg.replace("</svg>", "<script>alert(1)</script></svg>", 1).encode())


@pytest.mark.parametrize(
    "svg",
    [
        SVG.replace("<rect ", '<rect onload="alert(1)" ', 1),
        SVG.replace("</svg>", "<foreignObject><div>x</div></foreignObject></svg>"),
        SVG.replace("</svg>", '<image href="https://example.com/x.png"/></svg>'),
        SVG.replace("</svg>", '<image xlink:href="javascript:alert(1)"/></svg>'),
        SVG.replace('<rect x="0"', '<rect style="fill: url(https://example.com/x)" x="0"', 1),
        SVG.replace("A mark", "<![CDATA[</svg><script>alert(1)</script>]]>"),
        SVG.replace("A mark", "<!-- </svg><script>alert(1)</script> -->"),
        SVG.replace("</svg>", "<style>body { display: none }</style></svg>"),
        SVG[:-20],  # not well-formed
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]>' + SVG,
    ],
)
def test_anything_but_shapes_and_text_is_refused(svg: str) -> None:
    with pytest.raises(Unsafe):
        checked_svg(svg.encode())


def test_what_plotly_draws_passes(cache_dir: Path) -> None:
    assert checked_svg(SVG.encode()) == SVG
    heatmap = SVG.replace("</svg>", '<image xlink:href="data:image/png;base64,iVBORw0KGgo="/></svg>')
    assert checked_svg(('<?xml version="1.0" encoding="utf-8"?>' + heatmap).encode()) == heatmap
    assert re.search(r"[0-9a-f]{16}", preview.code_stamp())


def test_the_benchmark_looks_for_the_preview_by_its_id() -> None:
    assert f'PREVIEW_ID = "{ids.PREVIEW}"' in (REPO / "benchmarks" / "browser.py").read_text()


def test_a_page_asked_for_while_the_start_looks_for_the_preview_on_disk_has_it_drawn(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looking, release = threading.Event(), threading.Event()
    read = preview.Previews._read

    def slow(path: Path | None) -> Drawn | None:
        looking.set()
        release.wait(20)
        return read(path)

    monkeypatch.setattr(preview.Previews, "_read", staticmethod(slow))
    app = create_app(EVENTS)
    assert looking.wait(20), "the server's start did not look for the preview on disk"
    assert MARK not in page(app)  # asked while that look is under way
    release.set()
    assert wait_until(lambda: picture.calls, timeout=30.0), "the preview was never drawn"  # type: ignore[attr-defined]
    assert wait_until(lambda: MARK in page(app), timeout=30.0)


def test_a_view_too_tall_for_a_picture_has_no_preview_and_one_quiet_line_in_the_log(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from dashboard.export.errors import ExportError

    def too_tall(collection: Any) -> Any:
        raise ExportError("this picture would be 1,100 × 12,592 px")

    monkeypatch.setattr(preview, "draw", too_tall)
    app = create_app(EVENTS)
    with caplog.at_level("INFO"):
        page(app)
        assert wait_until(lambda: any("no preview" in r.getMessage() for r in caplog.records), timeout=30.0)
    assert MARK not in page(app)
    assert not any(r.exc_info for r in caplog.records), "an expected refusal logged a traceback"


def test_the_browser_that_drew_a_preview_is_closed_and_a_downloads_is_kept() -> None:
    from dashboard.export import browser
    from dashboard.export.pictures import in_browser

    browser.renderer.close()
    drawn = preview.draw(load_collection(EVENTS))
    assert drawn is not None and drawn.svg.startswith("<svg")
    # A preview is drawn once per state of the events: its browser (hundreds of MB) does not stay for more.
    assert wait_until(lambda: browser.renderer._kaleido is None), "the preview's browser is still open"
    loaded = load_collection(EVENTS)
    figure = timeline_figure(loaded.events, View(), loaded.settings)
    figure.update_layout(width=600, height=400)
    in_browser(figure, "svg")  # a download: the browser stays for the next one
    time.sleep(0.5)
    assert browser.renderer._kaleido is not None
    browser.renderer.close()

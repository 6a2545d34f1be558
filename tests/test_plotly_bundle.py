"""The page's plotly.js is the app's own bundle (assets/vendor, built by scripts/plotly-bundle): of the plotly.js
release the plotly package carries, with every trace type the figures draw; dcc.Graph fetches it instead of the
whole plotly.js, and it is not put in the page as a script of its own."""

from __future__ import annotations

import re
from pathlib import Path

from plotly.offline import get_plotlyjs_version

from dashboard.app import PLOTLY_BUNDLE, create_app, screens, with_plotly
from dashboard.figure import map_figure, timeline_figure
from dashboard.index import index_for
from dashboard.store import load_collection
from dashboard.view import View, apply

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "assets" / PLOTLY_BUNDLE
HEADER = re.compile(r"/\*! plotly\.js v(?P<version>[0-9.]+) \((?P<traces>[a-z, ]+)\)")
URL_SET = re.compile(r'Object\.defineProperty\(window, "_dashPlotlyJSURL", \{.*?return "(?P<url>[^"]+)"')


def header() -> re.Match[str]:
    with BUNDLE.open(encoding="utf-8") as file:
        found = HEADER.match(file.readline())
    assert found, "the bundle's first line names its plotly.js version and its trace types"
    return found


def bundled_traces() -> set[str]:
    return {name.strip() for name in header()["traces"].split(",")}


def test_the_bundle_is_of_the_plotly_js_the_plotly_package_carries():
    # A new plotly release brings a new plotly.js: rebuild the bundle (npm install && npm run build in
    # scripts/plotly-bundle, with its package.json naming that version).
    assert header()["version"] == get_plotlyjs_version()
    package = (REPO / "scripts" / "plotly-bundle" / "package.json").read_text(encoding="utf-8")
    assert f'"plotly.js": "{get_plotlyjs_version()}"' in package


def test_every_trace_type_the_figures_make_is_in_the_bundle():
    source = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "dashboard" / "figure").glob("*.py"))
    made = {name.lower() for name in re.findall(r"\bgo\.([A-Z][A-Za-z]+)\(", source)} - {"figure"}
    assert {"scatter", "bar", "scattergeo", "heatmap"} <= made, "the parse no longer sees the figures' traces"
    assert made <= bundled_traces(), f"drawn but not in the bundle: {made - bundled_traces()}"
    build = (REPO / "scripts" / "plotly-bundle" / "build.js").read_text(encoding="utf-8")
    listed = re.search(r"const TRACES = \[([^\]]*)\]", build)
    assert listed and set(re.findall(r"'([a-z]+)'", listed[1])) == bundled_traces(), "the bundle is as built"


def test_the_bundled_events_figures_use_only_bundled_traces():
    collection = load_collection(REPO / "events")
    view = View()
    events = apply(collection.events, view)
    timeline = timeline_figure(events, view, collection.settings)
    places = map_figure(events, view, collection.settings, index_for(collection).places)
    assert {trace.type for trace in (*timeline.data, *places.data)} <= bundled_traces()


def test_the_page_names_the_bundle_for_its_graphs_and_loads_no_copy_of_its_own():
    client = create_app(REPO / "events").server.test_client()
    page = client.get("/").get_data(as_text=True)
    named = URL_SET.search(page)
    assert named, "the page names the graphs' plotly.js"
    assert named["url"] == f"/assets/{PLOTLY_BUNDLE}?v={get_plotlyjs_version()}"
    assert PLOTLY_BUNDLE not in page.replace(named.group(0), ""), "the bundle is fetched by the graph, once"
    assert named.start() < page.index("app.js"), "named before Dash's renderer sets its own"
    served = client.get(named["url"])
    assert served.status_code == 200 and served.get_data().startswith(b"/*! plotly.js v")


def test_the_pages_figures_draw_only_the_marks_in_view():
    collection = load_collection(REPO / "events")
    view = View()
    events = apply(collection.events, view)
    page = screens.for_page(timeline_figure(events, view, collection.settings), "key")
    marks = [t for t in page["data"] if t["type"] == "scatter" and "markers" in str(t.get("mode"))]
    culled = [t for t in marks if t.get("marker", {}).get("maxdisplayed") == screens.MARKS_IN_VIEW]
    assert culled and all(t.get("customdata") is not None for t in culled), "the events' marks"
    assert all(t.get("customdata") is None for t in marks if t not in culled), "legend swatches are drawn always"


def test_the_bundles_name_cannot_close_the_script_element():
    page = with_plotly("<head>{%scripts%}</head>", "/a</script><script>alert(1)//b.js")
    script = page[page.index("<script>") + len("<script>") :]
    assert script.index("</script>") == script.index("});</script>") + 3, "the only end is the script's own"

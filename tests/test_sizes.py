"""Pictures are the size they say: a slide is 1600×900 whatever the rows, square 1080×1080, story 1080×1920, a
page an A4 (842×595 pt) or US Letter (792×612 pt) PDF page with real text, embedded fonts and its metadata; rows
that cannot fit a fixed size are an error that suggests --size tall. Drawn by Chromium through kaleido."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner, Result

from dashboard.cli import cli
from dashboard.export import SIZES, TooTall, export_figure, page_size
from dashboard.store import load_collection
from dashboard.view import View

EVENTS = Path(__file__).resolve().parents[1] / "events"
TITLE = "NATO, Russia and Ukraine — 16 February 2022"


def export(*args: object) -> Result:
    runner = CliRunner(env={"TIMELINE_EVENTS": None, "COLUMNS": "250"})
    result = runner.invoke(cli, ["export", "--events", str(EVENTS), *(str(a) for a in args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def png_size(path: Path) -> tuple[int, int]:
    blob = path.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n" and blob[12:16] == b"IHDR"
    width, height = struct.unpack(">II", blob[16:24])
    return width, height


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict[str, Path]:
    """The bundled events in every size, each drawn by `timeline export` (one browser per command)."""
    folder = tmp_path_factory.mktemp("sizes")
    made = {}
    for name in ("slide", "square", "story", "page"):
        made[name] = folder / f"{name}.png"
        assert export("--format", "png", "--size", name, "--out", made[name]).exit_code == 0
    made["a4"], made["letter"], made["svg"] = folder / "a4.pdf", folder / "letter.pdf", folder / "slide.svg"
    assert export("--format", "pdf", "--size", "page", "--out", made["a4"]).exit_code == 0
    assert export("--format", "pdf", "--size", "page", "--paper", "letter", "--out", made["letter"]).exit_code == 0
    assert export("--format", "svg", "--category", "military", "--out", made["svg"]).exit_code == 0
    return made


@pytest.mark.parametrize(
    "name,size", [("slide", (1600, 900)), ("square", (1080, 1080)), ("story", (1080, 1920)), ("page", (2560, 1810))]
)
def test_a_named_size_is_exactly_that_size(drawn, name, size):
    assert png_size(drawn[name]) == size


@pytest.mark.parametrize("paper,points", [("a4", (842, 595)), ("letter", (792, 612))])
def test_a_page_pdf_is_the_paper_in_points_with_real_text_and_embedded_fonts(drawn, paper, points):
    reader = pypdf.PdfReader(drawn[paper])
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == points
    text = page.extract_text()
    assert "Diplomacy" in text and "Sources: 1 DW" in text, text[:300]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
        for part in descendants:
            descriptor = part["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), part


def test_a_pdf_names_its_title_subject_and_creator(drawn):
    meta = pypdf.PdfReader(drawn["a4"]).metadata
    assert meta is not None
    assert meta.title == TITLE
    assert meta.subject == "14–17 Feb 2022 · 18 events (1 earlier, noted at the left edge)"
    assert str(meta.creator).startswith("newstimeline ")
    assert "Kaleido" not in str(meta)


def test_an_svg_carries_its_title_and_alt_text(drawn):
    root = ET.parse(drawn["svg"]).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title") is not None and root.find(f"{ns}title").text == TITLE
    desc = root.find(f"{ns}desc")
    assert desc is not None and "Filtered by category: military." in (desc.text or "")
    assert (drawn["svg"].with_name("slide.alt.txt")).read_text(encoding="utf-8").strip() == desc.text


def test_rows_fill_a_fixed_page_and_the_furniture_stays_inside():
    collection = load_collection(EVENTS)
    for name in ("slide", "square", "story"):
        size = SIZES[name]
        fig = export_figure(collection, View(), size)
        assert (fig.layout.width, fig.layout.height) == (size.width, size.height), name
        domain = fig.layout.yaxis.domain
        plot = (domain[1] - domain[0]) * (size.height - fig.layout.margin.t - fig.layout.margin.b)
        natural = export_figure(collection, View(), SIZES["tall"])
        rows = natural.layout.height - natural.layout.margin.t - natural.layout.margin.b
        assert plot >= rows - 1, f"{name}: the rows were squeezed"
        assert plot > rows * 1.05 or domain != (0, 1), name


def test_rows_that_cannot_fit_fail_and_suggest_tall(tmp_path):
    with pytest.raises(TooTall, match="--size tall"):
        export_figure(load_collection(EVENTS), View(), page_size("slide").__class__(1600, 300))
    result = export("--format", "png", "--height", 300, "--out", tmp_path / "x.png")
    assert result.exit_code == 1 and "use --size tall" in result.output
    assert not list(tmp_path.iterdir())


def test_tall_grows_with_the_rows():
    collection = load_collection(EVENTS)
    tall = export_figure(collection, View(), SIZES["tall"])
    assert tall.layout.width == 1600 and tall.layout.height < 1000  # 18 events over 15 days: about a slide
    actor = export_figure(collection, View(lanes="actor"), SIZES["tall"])
    assert actor.layout.height > 900

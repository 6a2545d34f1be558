"""The written chronology (`timeline export --format md` and `--format docx`) and the numbered sources that the
pictures' footer and the story page share: citations numbered in the order first cited and shared by events citing
one report, a reference list of exactly the view's sources, each entry's status, and hostile text kept inert."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from dashboard.cli import cli
from dashboard.export import formats
from dashboard.export.chronology import markdown_chronology, references, safe_markdown
from dashboard.export.page import SIZES, export_figure
from dashboard.export.word import docx_chronology
from dashboard.markdown import md_escape
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply

SETTINGS = """\
title: The week in review
description: What happened, who says so.
as_of: 2022-02-18
"""
EVENTS = {
    "talks": """\
title: Talks in Geneva
date: 2022-02-15
category: diplomacy
status: confirmed
summary: Two days of **talks**.
sources:
  - title: Talks begin
    publisher: Reuters
    url: https://example.org/reuters/talks
    published: 2022-02-15
    reliability: B
    credibility: 2
  - title: Talks in Geneva
    publisher: DW
    published: 2022-02-16
    attribution: according to a Swiss official
""",
    "convoy": """\
title: A convoy near Belgorod
date: 2022-02-16
category: military
status: claimed
sources:
  - title: Convoy seen
    publisher: TASS
    published: 2022-02-16
  - title: Talks begin (copy)
    publisher: Reuters
    url: https://example.org/reuters/talks
""",
    "sirens": """\
title: Sirens in Kharkiv
date: 2022-02-17
category: civil-defence
status: expected
sources:
  - title: Talks in Geneva
    publisher: DW
    published: 2022-02-16
  - title: Sirens heard
    publisher: Kharkiv Times
    published: 2022-02-17
""",
}
HOSTILE_TITLE = "<img src=x onerror=alert(1)> [click](javascript:alert(2)) ![t](https://evil.example/t.png) *x*"
HOSTILE = """\
title: 'HOSTILE'
date: 2022-02-16
category: diplomacy
summary: |
  Hello <script>alert(3)</script> and [bad](javascript:alert(4)) and [good](https://example.org/ok)
  ![tracker](https://evil.example/pixel.png)
  <div onclick="alert(5)">block</div>

  [ref]: https://evil.example/ref
sources:
  - title: 'Evil <b>report</b> [x](javascript:alert(6))'
    publisher: '<i>Pub</i>'
    url: 'https://example.org/q?a="><script>alert(7)</script>'
    published: 2022-02-16
    attribution: 'according to <script>alert(8)</script>'
"""


def folder(tmp_path: Path, events: dict[str, str]) -> Path:
    (tmp_path / "_collection.yaml").write_text(SETTINGS, encoding="utf-8")
    for name, text in events.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def collection(tmp_path: Path) -> Collection:
    loaded = load_collection(folder(tmp_path, EVENTS))
    assert not loaded.problems, loaded.problems
    return loaded


@pytest.fixture
def hostile(tmp_path: Path) -> Collection:
    text = HOSTILE.replace("'HOSTILE'", repr(HOSTILE_TITLE).replace('"', "'"))
    loaded = load_collection(folder(tmp_path, {"hostile": text}))
    assert not loaded.problems, loaded.problems
    return loaded


def chronology(collection: Collection, view: View | None = None) -> str:
    view = view or View()
    return markdown_chronology(apply(collection.events, view), view, collection.settings)


def entry(text: str, title: str) -> str:
    """The line of the entry of that title."""
    return next(line for line in text.splitlines() if f"— {title} *(" in line)


def sources_of(text: str) -> list[str]:
    return text[text.index("## Sources") :].splitlines()[2:]


def test_citations_are_numbered_in_order_of_first_citation_and_shared(collection: Collection) -> None:
    text = chronology(collection)
    # The talks' Reuters report is graded B2 for this claim: the grade is the citation's, not the report's.
    assert entry(text, "Talks in Geneva").endswith("[1: B2][2]")
    # The convoy's Reuters report has the talks' address: the same report, the same number, after its new TASS one.
    assert entry(text, "A convoy near Belgorod").endswith("[3][1]")
    # DW's report, by publisher, title and date, is cited again by the sirens.
    assert entry(text, "Sirens in Kharkiv").endswith("[2][4]")
    listed = sources_of(text)
    assert [line.split(".")[0] for line in listed if line] == ["1", "2", "3", "4"]
    assert listed[0] == (
        "1. Reuters, “Talks begin”, 15 Feb 2022, <https://example.org/reuters/talks> — graded B: usually reliable "
        "source"
    )
    assert listed[1] == "2. DW, “Talks in Geneva”, 16 Feb 2022"


def test_the_numbering_is_one_for_the_footer_and_the_chronology(collection: Collection) -> None:
    refs = references(collection.events)
    assert refs.numbers("convoy") == [3, 1] and refs.of("talks") == [1, 2]
    fig = export_figure(collection, View(), SIZES["slide"])
    footer = fig.layout.annotations[-1].text
    assert "<b>1</b> " in footer and "Reuters, “Talks begin”, 15 Feb 2022" in footer
    assert re.search(r"<b>3</b> TASS, “Convoy seen”, 16 Feb 2022;", footer)
    assert '<a href="https://example.org/reuters/talks">' in footer


def test_the_reference_list_is_the_views_sources_only(collection: Collection) -> None:
    text = chronology(collection, View(category=("civil-defence",)))
    listed = ["1. DW, “Talks in Geneva”, 16 Feb 2022", "2. Kharkiv Times, “Sirens heard”, 17 Feb 2022"]
    assert sources_of(text) == listed
    assert "Reuters" not in text and "TASS" not in text, "a source of a filtered-out event is listed"
    assert entry(text, "Sirens in Kharkiv").endswith("[1][2]")
    fig = export_figure(collection, View(category=("civil-defence",)), SIZES["slide"])
    assert "TASS" not in fig.layout.annotations[-1].text


def test_each_entry_says_its_status_date_and_trust(collection: Collection) -> None:
    text = chronology(collection)
    assert entry(text, "Talks in Geneva").startswith("**15 Feb 2022** — Talks in Geneva *(confirmed)*")
    assert "*(claimed)*" in entry(text, "A convoy near Belgorod")
    assert "*(expected)*" in entry(text, "Sirens in Kharkiv")
    talks = text[text.index("— Talks in Geneva") : text.index("— A convoy")]
    assert "Two days of **talks**." in talks, "the summary's Markdown is kept"
    assert "*According to a Swiss official* [2]" in talks, "the attribution cites its source"
    assert "Reported 15 Feb 2022 \\(same day\\)" in talks or "Reported 15 Feb 2022 (same day)" in talks
    assert "corroborated by 2 independent publishers: Reuters, DW" in talks
    lines = text.splitlines()
    assert lines[0] == "# The week in review" and "As of 18 Feb 2022" in lines
    assert text.index("Talks in Geneva") < text.index("A convoy") < text.index("Sirens in Kharkiv"), "time order"


def rendered(markdown: str) -> str:
    """The document as a renderer that lets raw HTML through (GitHub's, with its own sanitiser off) shows it."""
    return MarkdownIt("commonmark", {"html": True}).enable("strikethrough").render(markdown)


def test_hostile_text_stays_text_in_the_markdown(hostile: Collection) -> None:
    html = rendered(chronology(hostile))
    assert not re.search(r"<(script|img|div|b|i)\b", html), html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == [  # an image is a link to it (``markdown.tokens``), never an <img> that fetches it
        "https://example.org/ok",
        "https://evil.example/pixel.png",
        "https://example.org/q?a=%22%3E%3Cscript%3Ealert(7)%3C/script%3E",
    ]
    assert '<a href="https://example.org/ok">good</a>' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html, "the hostile title is shown as its text"
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html


def test_escaping_keeps_the_words() -> None:
    text = "*x* [a](b) <b> & 1. | ~ # y"
    plain = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")
    assert plain.render(md_escape(text)).strip() == "<p>*x* [a](b) &lt;b&gt; &amp; 1. | ~ # y</p>"
    assert plain.render(md_escape("# heading\n- item")).strip() == "<p># heading\n- item</p>"
    assert safe_markdown("a <b>c</b> `<code>`\n\n- one\n- two") == "a \\<b\\>c\\</b\\> `<code>`\n\n- one\n- two"


def test_the_word_document_has_the_entries_citations_and_sources(collection: Collection) -> None:
    data = docx_chronology(apply(collection.events, View()), View(), collection.settings)
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "The week in review"
    assert "15 Feb 2022 — Talks in Geneva (confirmed) [1: B2][2]" in texts
    assert "16 Feb 2022 — A convoy near Belgorod (claimed) [3][1]" in texts
    assert "According to a Swiss official [2]" in texts
    start = texts.index("Sources")
    assert texts[start + 1].startswith("1. Reuters, “Talks begin”, 15 Feb 2022, https://example.org/reuters/talks")
    assert texts[start + 1].endswith("graded B: usually reliable source")
    assert texts[start + 4] == "4. Kharkiv Times, “Sirens heard”, 17 Feb 2022"
    links = [link.address for p in document.paragraphs for link in p.hyperlinks]
    assert links == ["https://example.org/reuters/talks"]


def test_hostile_text_stays_text_in_the_word_document(hostile: Collection) -> None:
    data = docx_chronology(apply(hostile.events, View()), View(), hostile.settings)
    document = docx.Document(io.BytesIO(data))
    texts = "\n".join(p.text for p in document.paragraphs)
    assert HOSTILE_TITLE in texts, "the title is its text"
    links = [link.address for p in document.paragraphs for link in p.hyperlinks]
    safe = [
        "https://example.org/ok",
        "https://evil.example/pixel.png",
        'https://example.org/q?a="><script>alert(7)</script>',
    ]
    assert links == safe, "only safe addresses are links"


def test_the_footer_is_escaped_and_links_only_safe_addresses(hostile: Collection) -> None:
    footer = export_figure(hostile, View(), SIZES["slide"]).layout.annotations[-1].text
    assert "&lt;i&gt;Pub&lt;/i&gt;" in footer and "<i>" not in footer
    assert set(re.findall(r"</?([a-z]+)", footer)) == {"b", "a", "br"}, "a tag of the event's text reached plotly"
    assert '<a href="https://example.org/q?a=&quot;&gt;&lt;script&gt;alert(7)&lt;/script&gt;">' in footer


def many_sources(tmp_path: Path, count: int) -> Collection:
    listed = "".join(
        f"""\
  - title: Report number {n} of a long series of reports on the talks
    publisher: Publisher {n}
    url: https://example.org/{n}
    published: 2022-02-16
"""
        for n in range(1, count + 1)
    )
    text = f"title: Talks\ndate: 2022-02-16\ncategory: diplomacy\nsources:\n{listed}"
    return load_collection(folder(tmp_path, {"talks": text}))


@pytest.mark.parametrize("count", [3, 12, 60])
@pytest.mark.parametrize("size", ["slide", "square", "story", "page"])
def test_the_footer_lists_numbered_sources_within_the_page(tmp_path: Path, count: int, size: str) -> None:
    collection = many_sources(tmp_path, count)
    fig = export_figure(collection, View(), SIZES[size])
    footer = fig.layout.annotations[-1].text
    lines = footer.split("<br>")
    source_lines = [line for line in lines if "Publisher" in line]
    assert 1 <= len(source_lines) <= 4, "the sources take at most four lines of a fixed page"
    assert "<b>1</b> " in footer
    numbers = [int(n) for n in re.findall(r"<b>(\d+)</b>", footer)]
    assert numbers == list(range(1, len(numbers) + 1))
    if len(numbers) < count:
        assert f"and {count - len(numbers)} more (full list in the chronology)" in footer
    else:
        assert "more (full list" not in footer
    bottom_px = len(lines) * 12 * 1.4
    assert bottom_px <= int(fig.layout.margin.b), "the footer is taller than the room below the plot"


def test_the_download_and_the_command_offer_the_chronology(collection: Collection, tmp_path: Path) -> None:
    assert "md" in formats.offered() and "docx" in formats.offered()
    events = tmp_path
    out = tmp_path.parent / f"{tmp_path.name}-chronology.md"
    result = CliRunner(env={"TIMELINE_EVENTS": None}).invoke(
        cli, ["export", "--format", "md", "--events", str(events), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == chronology(collection) + "\n"
    word = tmp_path.parent / f"{tmp_path.name}-chronology.docx"
    result = CliRunner(env={"TIMELINE_EVENTS": None}).invoke(
        cli, ["export", "--format", "docx", "--events", str(events), "--out", str(word)]
    )
    assert result.exit_code == 0, result.output
    assert docx.Document(str(word)).paragraphs[0].text == "The week in review"


def test_the_apps_download_serves_the_chronology_of_the_view(collection: Collection, tmp_path: Path) -> None:
    from dashboard.app import download

    query = "?category=civil-defence"
    text, name, left_out = download.data(collection, query, "md")
    assert text.decode("utf-8") == chronology(collection, View.from_query(query)) + "\n" and not left_out
    assert name.endswith("civil-defence.md")
    blob, name, _ = download.data(collection, query, "docx")
    assert name.endswith(".docx")
    texts = [p.text for p in docx.Document(io.BytesIO(blob)).paragraphs]
    assert "17 Feb 2022 — Sirens in Kharkiv (expected) [1][2]" in texts and not any("Talks begin" in t for t in texts)


def test_a_claims_grade_and_a_repeat_belong_to_the_events_citation_not_to_the_report(tmp_path: Path) -> None:
    """One report cited by two events, graded apart for each claim and repeating another source in one only: the
    reference list says how reliable it is; each entry says its own grade and repeat."""
    report = "    title: Report\n    publisher: DW\n    published: 2022-02-16\n    reliability: B\n"
    one = (
        "title: One\ndate: 2022-02-16\ncategory: x\nsources:\n  - id: wire\n    title: Wire\n    publisher: Reuters\n"
        f"  - id: dw\n{report}    credibility: 2\n    copies: wire\n"
    )
    two = f"title: Two\ndate: 2022-02-16\ncategory: x\nsources:\n  - id: dw\n{report}    credibility: 4\n"
    root = tmp_path / "events"
    root.mkdir()
    (root / "one.yaml").write_text(one, encoding="utf-8")
    (root / "two.yaml").write_text(two, encoding="utf-8")
    loaded = load_collection(root)
    assert not loaded.problems, loaded.problems
    text = markdown_chronology(loaded.events, View(), loaded.settings)
    assert entry(text, "One").endswith("[1][2: B2, repeats 1]")
    assert entry(text, "Two").endswith("[2: B4]")
    assert sources_of(text)[1] == "2. DW, “Report”, 16 Feb 2022 — graded B: usually reliable source"

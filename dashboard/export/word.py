"""The written chronology as a Word document (python-docx, installed by ``./scripts/setup.sh``): the same title,
entries, numbered citations and sources as the Markdown chronology (``chronology.py``), with real links.

Text from event files goes in as the text of runs (Word shows it as text); only http(s) and mailto addresses
become links, and characters that XML cannot hold are left out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

import pandas as pd
from markdown_it.tree import SyntaxTreeNode

from dashboard.export.chronology import (
    Reference,
    References,
    grade_words,
    published_day,
    references,
    shortened,
)
from dashboard.export.errors import ExportError
from dashboard.figure.caption import written_subtitle
from dashboard.markdown import safe_href, tokens
from dashboard.model import CollectionSettings
from dashboard.records import when_words
from dashboard.table import C
from dashboard.trust import corroboration_words, reported_words
from dashboard.view import View

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph

AVAILABLE = find_spec("docx") is not None  # the app offers Word only where it can be written
INSTALL = "a Word document needs python-docx: run ./scripts/setup.sh (or pip install 'newstimeline[docx]')"
# What XML 1.0 cannot hold (C0 controls but tab and newlines, lone surrogates, U+FFFE/U+FFFF): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
URL_SHOWN = 200  # characters of an address written as a link's text


def xml_text(text: object) -> str:
    """Text that a Word document can hold."""
    return _NOT_XML.sub("", str(text))


def _run(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False, code: bool = False) -> None:
    run = paragraph.add_run(xml_text(text))
    run.bold, run.italic = bold or None, italic or None
    if code:
        run.font.name = "Courier New"


def _link(paragraph: Paragraph, url: str, text: str) -> None:
    """A real hyperlink: a run inside <w:hyperlink> whose address is an external relationship of the document."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel = paragraph.part.relate_to(url, _HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    run.append(props)
    body = OxmlElement("w:t")
    body.text = xml_text(text)
    body.set(qn("xml:space"), "preserve")
    run.append(body)
    link.append(run)
    paragraph._p.append(link)


def _inline(paragraph: Paragraph, nodes: Sequence[SyntaxTreeNode], bold: bool = False, italic: bool = False) -> None:
    """A summary's inline Markdown as runs: emphasis kept, links real (only safe ones are left by the parser)."""
    for node in nodes:
        if node.type == "text":
            _run(paragraph, node.content, bold=bold, italic=italic)
        elif node.type == "code_inline":
            _run(paragraph, node.content, code=True)
        elif node.type in ("softbreak", "hardbreak"):
            _run(paragraph, " " if node.type == "softbreak" else "\n")
        elif node.type in ("em", "strong", "s"):
            _inline(paragraph, node.children, bold or node.type == "strong", italic or node.type == "em")
        elif node.type == "link":
            _link(paragraph, str(node.attrs.get("href", "")), _plain(node.children))
        else:
            _run(paragraph, node.content or _plain(node.children), bold=bold, italic=italic)


def _plain(nodes: Sequence[SyntaxTreeNode]) -> str:
    return "".join(node.content if not node.children else _plain(node.children) for node in nodes)


def _summary(document: Document, text: str) -> None:
    """A summary's Markdown as paragraphs: lists as Word's bullets, code in a fixed font, headings in bold."""
    for node in SyntaxTreeNode(tokens(text)).children:
        _block(document, node, None)


def _block(document: Document, node: SyntaxTreeNode, style: str | None) -> None:
    if node.type in ("paragraph", "heading"):
        inline = node.children[0].children if node.children else []
        _inline(document.add_paragraph(style=style), inline, bold=node.type == "heading")
    elif node.type in ("bullet_list", "ordered_list"):
        kind = "List Bullet" if node.type == "bullet_list" else "List Number"
        for item in node.children:
            for child in item.children:
                _block(document, child, kind)
    elif node.type == "blockquote":
        for child in node.children:
            _block(document, child, "Quote")
    elif node.type in ("code_block", "fence"):
        _run(document.add_paragraph(style=style), node.content.rstrip("\n"), code=True)
    elif node.content:
        _run(document.add_paragraph(style=style), node.content)


def _cites(cites: Sequence[tuple[int, str]]) -> str:
    return "".join(f"[{n}: {note}]" if note else f"[{n}]" for n, note in cites)


def _entry(document: Document, row: Mapping[str, Any], refs: References) -> None:
    """One event: its date, title, status and citations; its summary; who says so, when reported, by how many."""
    numbers = refs.cites(str(row[C.id]))
    head = document.add_paragraph(style="Heading 3")
    _run(head, f"{when_words(row)} — ", bold=True)
    _run(head, str(row[C.title]))
    _run(head, f" ({row[C.status]})", italic=True)
    if numbers:
        _run(head, " " + _cites(numbers))
    _summary(document, str(row[C.summary] or ""))
    for number, source in zip(refs.numbers(str(row[C.id])), row[C.sources], strict=True):
        if source.get("attribution"):
            said = str(source["attribution"])
            _run(document.add_paragraph(), f"{said[:1].upper()}{said[1:]} {_cites([(number, '')])}", italic=True)
    trust = " · ".join(part for part in (reported_words(row), corroboration_words(row[C.sources])) if part)
    _run(document.add_paragraph(), trust[:1].upper() + trust[1:], italic=True)


def _reference(document: Document, ref: Reference) -> None:
    """'1. DW, “Title”, 16 Feb 2022, https://… — graded B: usually reliable source', the address a link."""
    source = ref.source
    paragraph = document.add_paragraph()
    title = str(source.get("title") or "")
    parts = [str(source.get("publisher") or ""), f"“{title}”" if title else "", published_day(source.get("published"))]
    _run(paragraph, f"{ref.number}. " + ", ".join(part for part in parts if part))
    href = safe_href(str(source.get("url") or ""))
    if href:
        _run(paragraph, ", ")
        _link(paragraph, href, shortened(href, URL_SHOWN))
    grades = grade_words(ref)
    if grades:
        _run(paragraph, f" — graded {grades}")


def docx_chronology(events: pd.DataFrame, view: View, settings: CollectionSettings) -> bytes:
    """The view's written chronology as a Word document (.docx); ``ExportError`` when python-docx is missing."""
    if not AVAILABLE:
        raise ExportError(INSTALL)
    import docx

    refs = references(events)
    document = docx.Document()
    document.core_properties.title = xml_text(settings.title)[:255]
    _run(document.add_heading(level=0), settings.title)
    if settings.description:
        _run(document.add_paragraph(), settings.description)
    _run(document.add_paragraph(), written_subtitle(events, view), italic=True)
    credit = [f"As of {settings.as_of:%-d %b %Y}" if settings.as_of else "", settings.byline or ""]
    if any(credit):
        _run(document.add_paragraph(), " · ".join(part for part in credit if part))
    _run(document.add_heading(level=1), "Chronology")
    rows: list[dict[str, Any]] = events.to_dict("records", into=dict)
    for row in rows:
        _entry(document, row, refs)
    if not rows:
        _run(document.add_paragraph(), "No events match this view.")
    if refs.listed:
        _run(document.add_heading(level=1), "Sources")
        for ref in refs.listed:
            _reference(document, ref)
    if settings.notes:
        _run(document.add_heading(level=1), "Notes")
        _run(document.add_paragraph(), settings.notes)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

"""The written chronology of a view: dated entries in time order, each with its status and numbered citations, and
the list of every source they cite — the form analysts and fact-checkers hand in.

``references`` numbers the sources of the visible events once, in the order first cited; the Markdown chronology
(``markdown_chronology``), the Word document (``docx_chronology``), the footer of a picture (``page.py``) and the
story page (``story.py``) all read that one numbering, so that [3] means the same report everywhere.

Text from event files stays text: titles and names are escaped for Markdown, and a summary's Markdown is written
again from its parsed form (``markdown.tokens``: raw HTML as text, only safe links), so that no file can put a tag,
a script or a link of its own into the document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pandas as pd
from markdown_it.tree import SyntaxTreeNode

from dashboard.figure.caption import written_subtitle
from dashboard.markdown import md_escape, safe_href, tokens
from dashboard.model import CollectionSettings
from dashboard.records import when_words
from dashboard.table import C
from dashboard.trust import corroboration_words, grade, grade_meaning, reported_words
from dashboard.view import View

Source = Mapping[str, Any]
UNNAMED_TITLE_CHARS = 40  # of the title that names a source without a publisher, in a compact credit


@dataclass
class Reference:
    """One source of the view, numbered: its first citation's fields, and how reliable it was graded (A–F: a
    grade of the source). How credible a claim is (1–6), and which source a report repeats, belong to each event's
    citation of it (``References.notes``): one report may be graded apart for two events."""

    number: int
    source: dict[str, Any]
    grades: dict[str, str] = field(default_factory=dict)  # each reliability given ('B') and its meaning


@dataclass
class References:
    """The sources of a view, numbered in the order first cited, and the numbers each event cites."""

    listed: list[Reference] = field(default_factory=list)
    cited: dict[str, list[int]] = field(default_factory=dict)  # event id -> its sources' numbers, each once
    each: dict[str, list[int]] = field(default_factory=dict)  # event id -> the number of each of its sources
    notes: dict[str, dict[int, str]] = field(default_factory=dict)  # event id -> number -> 'B2, repeats 3'

    def of(self, event_id: str) -> list[int]:
        """The numbers an event cites, in its sources' order, each once."""
        return self.cited.get(event_id, [])

    def numbers(self, event_id: str) -> list[int]:
        """The number of each source of an event, in its order (a report it cites twice, twice)."""
        return self.each.get(event_id, [])

    def note(self, event_id: str, number: int) -> str:
        """What an event's citation of a source adds: its grade for this claim, the source it repeats ('B2,
        repeats 3'), or ''."""
        return self.notes.get(event_id, {}).get(number, "")

    def cites(self, event_id: str) -> list[tuple[int, str]]:
        """An event's citations: each number once, with its note."""
        return [(number, self.note(event_id, number)) for number in self.of(event_id)]


def _keys(source: Source) -> list[tuple[str, ...]]:
    """What makes two citations the same report: the same address, or the same publisher, title and date."""
    keys: list[tuple[str, ...]] = []
    url = str(source.get("url") or "").strip()
    if url:
        keys.append(("url", url))
    words = tuple(str(source.get(k) or "").strip().casefold() for k in ("publisher", "title", "published"))
    if any(words):
        keys.append(("words", *words))
    return keys


def references(events: pd.DataFrame) -> References:
    """Every source the events cite, numbered from 1 in the order first cited; two citations of one report (see
    ``_keys``) share its number."""
    refs = References()
    known: dict[tuple[str, ...], Reference] = {}
    for ident, sources in zip(events[C.id], events[C.sources], strict=True):
        numbers: list[int] = []
        each: list[int] = []
        by_id: dict[str, Reference] = {}
        for source in sources:
            ref = _cite(refs, known, source)
            each.append(ref.number)
            if source.get("id"):
                by_id[str(source["id"])] = ref
            if ref.number not in numbers:
                numbers.append(ref.number)
        notes: dict[int, str] = {}
        for number, source in zip(each, sources, strict=True):  # a repeat is of a source of the same event
            original = by_id.get(str(source.get("copies") or ""))
            said = [grade(source), f"repeats {original.number}" if original and original.number != number else ""]
            notes.setdefault(number, ", ".join(part for part in said if part))
        refs.cited[str(ident)] = numbers
        refs.each[str(ident)] = each
        refs.notes[str(ident)] = {number: note for number, note in notes.items() if note}
    return refs


def _find(known: dict[tuple[str, ...], Reference], source: Source) -> Reference | None:
    return next((known[key] for key in _keys(source) if key in known), None)


def _cite(refs: References, known: dict[tuple[str, ...], Reference], source: Source) -> Reference:
    """The reference of a citation: the one already numbered for its report (filled in with what this citation
    adds), or a new one."""
    ref = _find(known, source)
    if ref is None:
        ref = Reference(len(refs.listed) + 1, dict(source))
        refs.listed.append(ref)
    else:
        for key, value in source.items():
            if value and not ref.source.get(key):
                ref.source[key] = value
    for found in _keys(source):
        known.setdefault(found, ref)
    letter = source.get("reliability")
    if letter:
        ref.grades.setdefault(str(letter), grade_meaning({"reliability": letter}))
    return ref


def published_day(published: object) -> str:
    """'16 Feb 2022' from an ISO date (or date-time); the text as it is when it is not one; '' for none."""
    if not published:
        return ""
    try:
        return f"{dt.date.fromisoformat(str(published)[:10]):%-d %b %Y}"
    except ValueError:
        return str(published)


def shortened(text: str, most: int) -> str:
    """Text cut to at most ``most`` characters, at a word where it can be, with '…'."""
    if len(text) <= most:
        return text
    cut = text[: most - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > most // 2 else cut).rstrip(" ,;:") + "…"


def credit(ref: Reference, title_most: int = 60) -> str:
    """A source in a few words, for a picture's footer: 'DW, “Report on NATO…”, 16 Feb 2022' (plain text); with
    ``title_most`` 0, 'DW, 16 Feb 2022' (the title only when there is no publisher)."""
    source = ref.source
    publisher = str(source.get("publisher") or "")
    title = str(source.get("title") or "")
    most = title_most or (0 if publisher else UNNAMED_TITLE_CHARS)
    parts = [publisher, f"“{shortened(title, most)}”" if title and most else "", published_day(source.get("published"))]
    return ", ".join(part for part in parts if part)


def grade_words(ref: Reference) -> str:
    """How reliable a source was graded, with the meaning: 'B: usually reliable source'."""
    return "; ".join(meaning or mark for mark, meaning in ref.grades.items())


def note_meaning(note: str) -> str:
    """A citation's note in words, for a hover: 'B2, repeats 3' -> 'B: usually reliable source; 2: probably true;
    repeats source 3'."""
    words = []
    for part in note.split(", "):
        if part.startswith("repeats "):
            words.append(f"repeats source {part.removeprefix('repeats ')}")
        elif part:
            letter = part[0] if part[0].isalpha() else None
            number = int(part[-1]) if part[-1].isdigit() else None
            words.append(grade_meaning({"reliability": letter, "credibility": number}))
    return "; ".join(word for word in words if word)


# Markdown ---------------------------------------------------------------------------------------------------------


def _destination(url: str) -> str:
    """A link's address as Markdown's <…> destination: spaces, angle brackets and controls percent-encoded."""
    return "<" + quote(url, safe="".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "<>\\")) + ">"


def _code_span(text: str) -> str:
    runs = [len(run) for run in re.findall("`+", text)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _inline(nodes: Sequence[SyntaxTreeNode]) -> str:
    """Inline Markdown written again from its parsed form: text escaped, emphasis and code kept, links safe."""
    out = []
    for node in nodes:
        if node.type == "code_inline":
            out.append(_code_span(node.content))
        elif node.type == "softbreak":
            out.append("\n")
        elif node.type == "hardbreak":
            out.append("\\\n")
        elif node.type in ("em", "strong", "s"):
            out.append(node.markup + _inline(node.children) + node.markup)
        elif node.type == "link":  # only safe links are left in the parsed text (``markdown.tokens``)
            out.append(f"[{_inline(node.children)}]({_destination(str(node.attrs.get('href', '')))})")
        elif node.children:
            out.append(_inline(node.children))
        else:
            out.append(md_escape(node.content))
    return "".join(out)


def _text_of(node: SyntaxTreeNode) -> str:
    inline = node.children[0] if node.children else None
    return _inline(inline.children) if inline is not None else ""


def _fenced(content: str) -> list[str]:
    runs = [len(run) for run in re.findall("`{3,}", content)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return [fence, *content.rstrip("\n").split("\n"), fence]


def _list(node: SyntaxTreeNode) -> list[str]:
    lines: list[str] = []
    start = int(str(node.attrs.get("start", 1))) if node.type == "ordered_list" else 0
    for at, item in enumerate(node.children):
        marker = f"{start + at}." if node.type == "ordered_list" else "-"
        body = _blocks(item.children) or [""]
        lines.append(f"{marker} {body[0]}")
        lines += [(" " * (len(marker) + 1) + line) if line else "" for line in body[1:]]
    return lines


def _block(node: SyntaxTreeNode) -> list[str]:
    """One block written again: a heading of a summary becomes a bold line (the document has its own headings)."""
    if node.type == "paragraph":
        return _text_of(node).split("\n")
    if node.type == "heading":
        return [f"**{_text_of(node)}**"]
    if node.type == "blockquote":
        return [f"> {line}" if line else ">" for line in _blocks(node.children)]
    if node.type in ("bullet_list", "ordered_list"):
        return _list(node)
    if node.type in ("code_block", "fence"):
        return _fenced(node.content)
    if node.type == "hr":
        return ["***"]
    return md_escape(node.content).split("\n") if node.content else []


def _blocks(nodes: Sequence[SyntaxTreeNode]) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        block = _block(node)
        if block:
            lines += ([""] if lines else []) + block
    return lines


def safe_markdown(text: str) -> str:
    """A summary's Markdown written again so that it stays inert in any renderer: raw HTML shows as text, only
    http(s) and mailto links stay links, an image is a link to it, and the rest (emphasis, lists, code) is kept."""
    return "\n".join(_blocks(SyntaxTreeNode(tokens(text)).children)).strip("\n")


def _cites(cites: Iterable[tuple[int, str]]) -> str:
    """'[1: B2][3]': each number, with what this citation of it adds (a grade for this claim, a repeat)."""
    # Plain brackets: no reference definition is ever written (titles and summaries escape theirs), so they stay text.
    return "".join(f"[{n}: {note}]" if note else f"[{n}]" for n, note in cites)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _entry(row: Mapping[str, Any], refs: References) -> list[str]:
    """One event: its date, title, status and citations; its summary; who says so, when it was first reported and
    by how many."""
    cites = _cites(refs.cites(str(row[C.id])))
    head = f"**{md_escape(when_words(row))}** — {md_escape(row[C.title])} *({md_escape(row[C.status])})*"
    lines = [head + (f" {cites}" if cites else ""), ""]
    summary = safe_markdown(str(row[C.summary] or ""))
    if summary:
        lines += [summary, ""]
    notes = [
        f"*{md_escape(_sentence(str(source['attribution'])))}* {_cites([(number, '')])}"
        for number, source in zip(refs.numbers(str(row[C.id])), row[C.sources], strict=True)
        if source.get("attribution")
    ]
    trust = " · ".join(part for part in (reported_words(row), corroboration_words(row[C.sources])) if part)
    notes.append(md_escape(_sentence(trust)))
    lines.append("\\\n".join(notes))
    return lines


def reference_line(ref: Reference) -> str:
    """'1. DW, “Title”, 16 Feb 2022, <https://…> — graded B: usually reliable source'."""
    source = ref.source
    title = str(source.get("title") or "")
    parts = [
        md_escape(source.get("publisher") or ""),
        f"“{md_escape(title)}”" if title else "",
        published_day(source.get("published")),
    ]
    href = safe_href(str(source.get("url") or ""))
    if href:
        parts.append(_destination(href))
    line = f"{ref.number}. " + ", ".join(part for part in parts if part)
    grades = grade_words(ref)
    return line + (f" — graded {md_escape(grades)}" if grades else "")


def markdown_chronology(events: pd.DataFrame, view: View, settings: CollectionSettings) -> str:
    """The view as a written chronology in Markdown: title, what is shown, "As of", the entries in time order with
    numbered citations, and the numbered sources."""
    refs = references(events)
    lines = [f"# {md_escape(settings.title)}", ""]
    if settings.description:
        lines += [md_escape(settings.description), ""]
    lines += [f"*{md_escape(written_subtitle(events, view))}*", ""]
    credit_line = [f"As of {settings.as_of:%-d %b %Y}" if settings.as_of else "", settings.byline or ""]
    if any(credit_line):
        lines += [md_escape(" · ".join(part for part in credit_line if part)), ""]
    lines += ["## Chronology", ""]
    rows: list[dict[str, Any]] = events.to_dict("records", into=dict)
    for row in rows:
        lines += [*_entry(row, refs), ""]
    if not rows:
        lines += ["No events match this view.", ""]
    if refs.listed:
        lines += ["## Sources", "", *(reference_line(ref) for ref in refs.listed), ""]
    if settings.notes:
        lines += ["## Notes", "", md_escape(settings.notes), ""]
    return "\n".join(lines).rstrip("\n")

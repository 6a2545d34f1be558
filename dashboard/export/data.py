"""Data exports of a view's events: iCalendar and TimelineJS, and the functions of every data format (JSON and CSV
come from ``dashboard.records``), each taking the events, the collection's settings and a ``warn`` for events left
out."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from dashboard.dates import DAY, edtf_of, when_of
from dashboard.markdown import safe_href
from dashboard.markdown import to_html as summary_html
from dashboard.markdown import tokens as markdown_tokens
from dashboard.model import CollectionSettings, Precision
from dashboard.records import doubtful, to_csv, to_json
from dashboard.table import C
from dashboard.trust import status_meaning

if TYPE_CHECKING:
    from markdown_it.token import Token

# ---- data ------------------------------------------------------------------------------------------------------

Warn = Callable[[str], None]  # hears of an event left out of an export, in one line

_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]+")
_NOT_IN_URI = re.compile(r"[\x00-\x20\x7f]")


def _one_line(text: str) -> str:
    """Text for a one-line property: line breaks and other control characters become a space."""
    return _CONTROLS.sub(" ", text).strip()


def _lines(text: str) -> str:
    """Text for a description: line breaks kept as "\\n" (iCalendar escapes them), other controls a space."""
    return _CONTROLS_BUT_LINES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _uri(url: str) -> str:
    """An address without the spaces and control characters a URI may not hold (percent-encoded instead)."""
    return _NOT_IN_URI.sub(lambda match: f"%{ord(match.group()):02X}", url.strip())


def _inline_text(children: list[Token]) -> str:
    """The text of an inline run: emphasis marks gone, a link as its text and its address in brackets."""
    parts: list[str] = []
    href: list[str] = []
    start = 0
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            href.append(str(child.attrGet("href") or ""))
            start = len(parts)
        elif child.type == "link_close" and href:
            address, text = href.pop(), "".join(parts[start:])
            if address and address not in (text, f"mailto:{text}"):
                parts.append(f" ({address})")
    return "".join(parts)


def plain_text(markdown: str) -> str:
    """Markdown as plain text, for formats that show text as it is (iCalendar): paragraphs apart, list items on
    lines of their own with a dash, no emphasis marks, a link's address after its text."""
    blocks: list[str] = []
    prefix = ""
    for token in markdown_tokens(markdown):
        if token.type == "list_item_open":
            prefix = "- "
        elif token.type == "inline":
            blocks.append(prefix + _inline_text(token.children or []))
            prefix = ""
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
    return "\n\n".join(block for block in blocks if block.strip())


def to_ics(events: pd.DataFrame, title: str, warn: Warn | None = None) -> str:
    """An iCalendar file: one VEVENT per event, all-day spans for dates, UTC times for minutes.

    Text is made fit for its property (``_one_line``, ``_lines``, ``_uri``); an event that still cannot be
    written is left out and named to ``warn``, and the others are exported.
    """
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//newstimeline//timeline export//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _one_line(title))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for row in events.to_dict("records", into=dict):
        try:
            item = _ics_event(row, stamp)
            item.to_ical()  # fails here, for this event alone, rather than for the whole calendar
        except (ValueError, TypeError) as error:
            if warn is not None:
                warn(f"{row[C.id]}: skipped in the iCalendar export: {error}")
            continue
        calendar.add_component(item)
    return str(calendar.to_ical().decode("utf-8"))


# An event's status as a calendar says it (RFC 5545: CONFIRMED, TENTATIVE or CANCELLED): these, else TENTATIVE for an
# approximate or uncertain date, else CONFIRMED for a confirmed event; a reported one says nothing.
ICS_STATUS = {"expected": "TENTATIVE", "claimed": "TENTATIVE", "disputed": "TENTATIVE", "denied": "CANCELLED"}


def _ics_event(row: dict[str, Any], stamp: dt.datetime) -> Any:
    """One event as a VEVENT."""
    from icalendar import Event, vGeo

    when = when_of(row)
    item = Event()
    item.add("uid", f"{row[C.id]}@newstimeline")
    item.add("dtstamp", stamp)
    item.add("summary", _one_line(row[C.title]))
    if when.precision == Precision.MINUTE:
        item.add("dtstart", when.start.replace(tzinfo=dt.UTC))
        if when.end > when.start:  # a moment has no DTEND (RFC 5545 wants DTEND after DTSTART)
            item.add("dtend", when.end.replace(tzinfo=dt.UTC))
    else:
        item.add("dtstart", when.start.date())
        item.add("dtend", when.end.date())  # exclusive, as iCalendar wants
    # iCalendar holds no open bound and no doubt: DTSTART and DTEND are the stated span, the words and EDTF say the rest
    lines = [f"When: {row[C.when]}"]  # 'about 14–16 Feb 2022', 'on or before 16 Feb 2022'
    if doubtful(when):
        lines.append(f"EDTF: {edtf_of(when)}")
    lines += [f"Status: {row[C.status]} ({status_meaning(row[C.status]).lower()})", "", plain_text(row[C.summary])]
    lines += [f"“{q['text']}” — {q.get('speaker') or 'unattributed'}" for q in row[C.quotes]]
    for source in row[C.sources]:
        parts = (source["title"], source.get("publisher"), source.get("url") and _uri(source["url"]))
        lines.append(f"Source: {' · '.join(part for part in parts if part)}")
    item.add("description", _lines("\n".join(lines).strip()))
    item.add("categories", [_one_line(c) for c in (row[C.category], *row[C.tags])])
    status = ICS_STATUS.get(row[C.status]) or ("TENTATIVE" if row[C.approximate] or row[C.uncertain] else None)
    if status or row[C.status] == "confirmed":
        item.add("status", status or "CONFIRMED")
    places = [_one_line(p["name"]) for p in row[C.places]]
    if places:
        item.add("location", "; ".join(places))
    located = [p for p in row[C.places] if p.get("lat") is not None]
    if located:
        item.add("geo", vGeo((located[0]["lat"], located[0]["lon"])))
    url = next((s["url"] for s in row[C.sources] if s.get("url")), None)
    if url:
        item.add("url", _uri(url))
    return item


def _tl_date(moment: dt.datetime, precision: Precision) -> dict[str, str]:
    parts = {"year": str(moment.year)}
    if precision != Precision.YEAR:
        parts["month"] = str(moment.month)
    if precision in (Precision.DAY, Precision.MINUTE):
        parts["day"] = str(moment.day)
    if precision == Precision.MINUTE:
        parts.update(hour=str(moment.hour), minute=str(moment.minute))
    return parts


def _credit(sources: list[dict[str, Any]]) -> str:
    """A slide's credit line: each source as publisher, title and date, linked when it has a safe address."""
    credits = []
    for source in sources:
        said = " · ".join(
            html.escape(str(part))
            for part in (source.get("publisher"), source["title"], source.get("published"))
            if part
        )
        href = safe_href(source.get("url"))
        credits.append(f'<a href="{html.escape(href, quote=True)}">{said}</a>' if href else said)
    return "; ".join(credits)


def to_timelinejs(
    events: pd.DataFrame, title: str, description: str = "", settings: CollectionSettings | None = None
) -> str:
    """TimelineJS3's JSON: its text fields are HTML, so every text is escaped and Markdown rendered safely. Groups
    are the categories' labels; every source goes into a slide's credit."""
    settings = settings or CollectionSettings()
    items = []
    for row in events.to_dict("records", into=dict):
        when = when_of(row)
        start = _tl_date(when.start, when.precision)
        start["display_date"] = html.escape(row[C.when])
        status = row[C.status]
        body = f"<p>{html.escape(status.capitalize())}: {html.escape(status_meaning(status).lower())}.</p>"
        body += summary_html(row[C.summary])
        body += "".join(
            f"<blockquote>{html.escape(q['text'])}</blockquote>"
            + (f"<p>— {html.escape(q['speaker'])}</p>" if q.get("speaker") else "")
            for q in row[C.quotes]
        )
        item: dict[str, Any] = {
            "unique_id": row[C.id],
            "start_date": start,
            "text": {"headline": html.escape(row[C.title]), "text": body},
            # TimelineJS shows the group's name with innerHTML too
            "group": html.escape(settings.category_label(row[C.category])),
        }
        last = _tl_date(when.end - DAY if when.precision != Precision.MINUTE else when.end, when.precision)
        if last != _tl_date(when.start, when.precision):  # a range, at the precision it is known to
            item["end_date"] = last
        source = next((s for s in row[C.sources] if safe_href(s.get("url"))), None)
        if source:
            item["media"] = {
                "url": safe_href(source["url"]),
                "caption": html.escape(source["title"]),
                "credit": _credit(row[C.sources]),
            }
        elif row[C.sources]:  # no address to show as media: the credits go under the text
            body += f'<p class="credit">{_credit(row[C.sources])}</p>'
            item["text"]["text"] = body
        items.append(item)
    document = {"title": {"text": {"headline": html.escape(title), "text": html.escape(description)}}, "events": items}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# ---- each data format's function (the registry, dashboard.export.formats, names them) -----------------------------


def json_text(events: pd.DataFrame, settings: CollectionSettings, warn: Warn | None = None) -> str:
    """The events as a JSON list of records (``records.to_json``)."""
    return to_json(events)


def csv_text(events: pd.DataFrame, settings: CollectionSettings, warn: Warn | None = None) -> str:
    """The events as a table in the native columns, which loads back as the same events (``records.to_csv``)."""
    return to_csv(events)


def ics_text(events: pd.DataFrame, settings: CollectionSettings, warn: Warn | None = None) -> str:
    """The events as an iCalendar file named after the collection (``to_ics``)."""
    return to_ics(events, settings.title, warn)


def timelinejs_text(events: pd.DataFrame, settings: CollectionSettings, warn: Warn | None = None) -> str:
    """The events as TimelineJS3's JSON, titled after the collection (``to_timelinejs``)."""
    return to_timelinejs(events, settings.title, settings.description, settings)

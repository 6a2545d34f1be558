"""The story page: one self-contained HTML file that reads like a TimelineJS story and embeds in an article.

The page carries everything it needs (plotly.js, its script and styles, the figures, the events), so it opens from
a file with no server and no network. Every event is written once, as HTML escaped here, in the chronology; the
card is a copy of the selected event's entry, made by the page's script (``story/story.js``), which puts no text
of the events into the page but with ``textContent``. The figures, the events' order and their marks' positions
go in as JSON inside ``<script type="application/json">``, escaped so that no text can close the element.
"""

from __future__ import annotations

import html
import json
import re
from importlib.resources import files
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from dashboard.export.chronology import Reference, References, note_meaning, published_day, references
from dashboard.figure import THEMES, Theme, balance_bidi, category_colors
from dashboard.figure.caption import subtitle
from dashboard.markdown import LINK_ATTRS, safe_href, to_html
from dashboard.records import when_words
from dashboard.table import C, Collection
from dashboard.trust import corroboration_words, reported_words, status_meaning
from dashboard.view import View, apply

# Characters that could end a <script> element or start markup inside it (<, >, &), and the two line separators
# that older JavaScript reads as line ends: written as JSON escapes, which mean the same to JSON.parse.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")  # a BCP 47 tag, as <html lang> takes it
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_LINK = " ".join(f'{name}="{value}"' for name, value in LINK_ATTRS.items())
CHART_TOP_PX = 40  # room above the plot for the legend, where a picture has its title
PRECISION_NOTE = {"year": "to the year", "month": "to the month", "day": "to the day", "minute": "to the minute"}


def _script_safe(json_text: str) -> str:
    """JSON text that is safe inside <script type="application/json">: no text in it can close the element."""
    # <, >, & and the separators occur in JSON only inside strings, where their escapes mean the same.
    return _SCRIPT_UNSAFE.sub(lambda match: _SCRIPT_ESCAPES[match.group()], json_text)


def script_json(value: Any) -> str:
    """A value as JSON that is safe inside <script type="application/json">."""
    return _script_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def esc(text: object) -> str:
    """Text for HTML content or a quoted attribute: escaped, with its bidirectional controls closed."""
    return html.escape(balance_bidi(str(text)), quote=True)


def _name(text: str) -> str:
    """A name isolated from its neighbours: a right-to-left override in it cannot reverse the text around it."""
    return f"<bdi>{esc(text)}</bdi>"


def _link(url: str | None, text: str) -> str:
    """A link when the address is safe (http, https, mailto), else the text alone."""
    href = safe_href(url)
    return f'<a href="{esc(href)}" {_LINK}>{text}</a>' if href else text


_day = published_day  # '16 Feb 2022' from an ISO date: the chronology's words, on the page too


def _source(source: dict[str, Any], number: int | None = None, note: str = "") -> str:
    """One report in a card: its number in the page's list of sources (a link to it), its title (a link to it),
    publisher and date, and what the event's citation adds (its grade for this claim, the source it repeats)."""
    title = _link(source.get("url"), _name(source.get("title") or source.get("url") or "Untitled"))
    meta = " · ".join(_name(x) for x in (source.get("publisher"), _day(source.get("published"))) if x)
    cite = f'<a class=ref href="#source-{number}">[{number}]</a> ' if number else ""
    graded = f' <abbr class=grade title="{esc(note_meaning(note))}">{esc(note)}</abbr>' if note else ""
    return f"<li>{cite}{title}{f' <span class=muted>{meta}</span>' if meta else ''}{graded}</li>"


def _reference(ref: Reference) -> str:
    """One report in the page's numbered list of sources: its title (a link), publisher, date and reliability (its
    meaning on hover). A claim's grade and a repeat are an event's own: its card's list of sources says them."""
    source = ref.source
    title = _link(source.get("url"), _name(source.get("title") or source.get("url") or "Untitled"))
    meta = " · ".join(_name(x) for x in (source.get("publisher"), _day(source.get("published"))) if x)
    grades = " ".join(
        f'<abbr class=grade title="{esc(meaning)}">{esc(mark)}</abbr>' for mark, meaning in ref.grades.items()
    )
    return (
        f'<li id="source-{ref.number}" value="{ref.number}">{title}'
        f"{f' <span class=muted>{meta}</span>' if meta else ''}{f' {grades}' if grades else ''}</li>"
    )


def _facts(row: dict[str, Any]) -> str:
    """Places and actors, as terms and values (only those the event has)."""
    places = ", ".join(
        _name(p["name"]) + (f" ({esc(p['country'])})" if p.get("country") else "") for p in row[C.places]
    )
    actors = ", ".join(_name(actor) for actor in row[C.actors])
    facts = [(label, value) for label, value in (("Places", places), ("Actors", actors)) if value]
    return "<dl class=facts>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>" if facts else ""


def _quote(quote: dict[str, Any]) -> str:
    speaker = f"<figcaption>— {_name(quote['speaker'])}</figcaption>" if quote.get("speaker") else ""
    return f"<figure class=quote><blockquote>{esc(quote['text'])}</blockquote>{speaker}</figure>"


def _status(status: str) -> str:
    """The event's status, its meaning on hover (as the app's card shows it)."""
    meaning = esc(status_meaning(status))
    return f' <span class="status status-{esc(status)}" title="{meaning}">{esc(status.capitalize())}</span>'


def _trust(row: dict[str, Any]) -> str:
    """When the event was first reported, and by how many independent publishers."""
    text = " · ".join(part for part in (reported_words(row), corroboration_words(row[C.sources])) if part)
    return f"<p class=trust>{esc(text[:1].upper() + text[1:])}</p>" if text else ""


def _event(row: dict[str, Any], category: str, color: str, refs: References) -> str:
    """One event in the chronology: date, category, title (a link to itself), and the details the card shows."""
    ident = esc(row[C.id])
    precision = PRECISION_NOTE.get(row[C.precision], "")
    written = f"Written as “{row[C.date_text]}” (known {precision}{', approximately' if row[C.approximate] else ''})"
    numbered = zip(refs.numbers(str(row[C.id])), row[C.sources], strict=True)
    sources = "".join(_source(source, number, refs.note(str(row[C.id]), number)) for number, source in numbered)
    return (
        f'<li class=event id="event-{ident}" data-id="{ident}" style="--cat:{color}">'
        f'<article aria-labelledby="title-{ident}">'
        f'<p class=meta><span class=when title="{esc(written)}">{esc(when_words(row))}</span>'
        f" <span class=badge>{_name(category)}</span>{_status(row[C.status])}</p>"
        f'<h3 id="title-{ident}"><a href="#event-{ident}">{esc(row[C.title])}</a></h3>'
        f"{_trust(row)}<div class=more>{_facts(row)}<div class=summary>{to_html(row[C.summary] or '')}</div>"
        + "".join(_quote(q) for q in row[C.quotes])
        + (f"<h4>Sources</h4><ul class=sources>{sources}</ul>" if sources else "")
        + "</div></article></li>"
    )


def _marks(fig: go.Figure) -> dict[str, list[list[float | str]]]:
    """Where each event's marks are on the figure ([x, y] pairs by id; x a date, or an ordinal in sequence mode):
    the page rings the selected one there."""
    found: dict[str, list[list[float | str]]] = {}
    for trace in fig.data:
        if trace.type != "scatter" or trace.name == "selected" or trace.customdata is None:
            continue
        if "markers" not in str(trace.mode) or (trace.xaxis or "x") != "x":
            continue
        for x, y, ident in zip(trace.x, trace.y, trace.customdata, strict=False):
            if isinstance(ident, str) and x is not None:
                found.setdefault(ident, []).append([x if isinstance(x, str) else float(x), float(y)])
    return found


def _for_page(fig: go.Figure) -> go.Figure:
    """The figure for reading rather than exploring (no drag-zoom: a swipe scrolls the page), without the heading
    of a picture (the page has its own): the plot keeps its size, the header's room above it goes."""
    copy = go.Figure(fig)
    copy.update_layout(dragmode=False)
    top = int(copy.layout.margin.t or 0)
    if copy.layout.title.text and top > CHART_TOP_PX and copy.layout.height:
        copy.update_layout(title=None, margin_t=CHART_TOP_PX, height=int(copy.layout.height) - top + CHART_TOP_PX)
        if copy.layout.legend.yref == "container":  # a legend placed in the header: just above the plot instead
            copy.update_layout(legend={"yref": "paper", "y": 1.0, "yanchor": "bottom"})
    return copy


def _color(color: str) -> str:
    """A category's colour for the page's CSS, when it is one ('#rrggbb'); else none."""
    return color if _COLOR.fullmatch(color) else ""


def _theme_css() -> str:
    """The page's colours, the figure's themes': light, or dark when the reader's system asks for it."""

    def variables(theme: Theme) -> str:
        return (
            f":root{{--bg:{theme.paper};--text:{theme.text};--muted:{theme.muted};"
            f"--line:{theme.grid};--band:{theme.band}}}"
        )

    return f"{variables(THEMES['light'])}@media (prefers-color-scheme: dark){{{variables(THEMES['dark'])}}}"


def _asset(name: str) -> str:
    return (files("dashboard.export") / "story" / name).read_text(encoding="utf-8")


def _furniture(settings: Any) -> dict[str, str]:
    """The collection's title, description, byline, notes and 'as of' date, each '' when it has none."""
    fields = ("title", "description", "byline", "notes", "as_of")
    return {name: str(getattr(settings, name, "") or "") for name in fields}


def story_page(collection: Collection, view: View, light: go.Figure, dark: go.Figure, *, alt: str) -> str:
    """The whole HTML document of a view's story page: header, timeline, card, chronology, sources, notes."""
    settings = collection.settings
    events = apply(collection.events, view).reset_index(drop=True)
    rows: list[dict[str, Any]] = events.to_dict("records", into=dict)
    text = _furniture(settings)
    language = str(getattr(settings, "language", "") or "")
    lang = language if _LANGUAGE.fullmatch(language) else "en"
    colors = category_colors(settings, list(dict.fromkeys(events[C.category])))
    refs = references(events)
    items = "".join(
        _event(r, settings.category_label(r[C.category]), _color(colors[r[C.category]]), refs) for r in rows
    )
    data = {
        "order": [r[C.id] for r in rows],
        "titles": [r[C.title] for r in rows],
        "selected": view.selected if view.selected in set(events[C.id]) else (rows[0][C.id] if rows else None),
        "marks": _marks(light),
    }
    sources = "".join(_reference(ref) for ref in refs.listed)
    credit = " · ".join(
        part
        for part in (
            f"<span class=byline>{esc(text['byline'])}</span>" if text["byline"] else "",
            f"<span class=muted>As of {esc(_day(text['as_of']))}</span>" if text["as_of"] else "",
        )
        if part
    )
    description = esc(text["description"] or alt)
    chart_subtitle = subtitle(events, view, settings)
    count = f"{len(rows):,} event{'s' * (len(rows) != 1)}"
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="description" content="{description}">
<title>{esc(text["title"])}</title>
<style>{_theme_css()}{_asset("story.css")}</style>
</head>
<body>
<header class=masthead>
<h1>{esc(text["title"])}</h1>
{f"<p class=dek>{esc(text['description'])}</p>" if text["description"] else ""}
{f"<p class=credit>{credit}</p>" if credit else ""}
</header>
<main>
<figure class=chart aria-describedby=chart-caption>
{f"<p class=chart-subtitle>{esc(chart_subtitle)}</p>" if chart_subtitle else ""}
<div class=scroller tabindex=0 aria-label="Timeline (scrolls sideways)">
<div id=timeline role=img aria-label="{esc(alt)}"></div>
</div>
<figcaption id=chart-caption>{esc(alt)}</figcaption>
</figure>
<section class=card-panel aria-label="The selected event">
<nav class=stepper aria-label="Step through events">
<button type=button id=previous aria-keyshortcuts=ArrowLeft>← Previous</button>
<span id=position aria-live=polite></span>
<button type=button id=next aria-keyshortcuts=ArrowRight>Next →</button>
</nav>
<div id=card class=card aria-live=polite></div>
<p class="hint muted">Select a mark or a headline to read about it; <kbd>←</kbd> <kbd>→</kbd> step in time order.</p>
</section>
<section class=chronology aria-labelledby=chronology-title>
<h2 id=chronology-title>All events <span class=muted>({count})</span></h2>
<ol>{items}</ol>
</section>
{f"<section class=all-sources><h2>Sources</h2><ol class=sources>{sources}</ol></section>" if sources else ""}
{f"<section class=notes><h2>Notes</h2><p>{esc(text['notes'])}</p></section>" if text["notes"] else ""}
</main>
<script type="application/json" id=story-data>{script_json(data)}</script>
<script type="application/json" id=figure-light>{_script_safe(_for_page(light).to_json())}</script>
<script type="application/json" id=figure-dark>{_script_safe(_for_page(dark).to_json())}</script>
<script>{get_plotlyjs()}</script>
<script>{_asset("story.js")}</script>
</body>
</html>
"""


def embed_snippet(src: str, title: str) -> str:
    """An <iframe> for a CMS, with a listener that takes its height from the page's messages (only from it)."""
    return f"""<iframe src="{esc(src)}" title="{esc(title)}" class="timeline-story" width="100%" height="900" \
style="border:0;width:100%;max-width:100%" loading="lazy"></iframe>
<script>
(function () {{
  window.addEventListener("message", function (event) {{
    var data = event.data;
    if (!data || data.type !== "timeline-story:height" || !(data.height > 0 && data.height < 100000)) return;
    document.querySelectorAll("iframe.timeline-story").forEach(function (frame) {{
      // Only the frame that sent the message may resize itself.
      if (frame.contentWindow === event.source) frame.style.height = Math.ceil(data.height) + "px";
    }});
  }});
}})();
</script>
"""

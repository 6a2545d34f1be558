"""From an article to draft events for a person to review (``timeline draft``).

``text`` reads the article (plain text, Markdown or HTML) into paragraphs, headings and sentences; ``when`` finds
and resolves its date expressions; ``people`` finds its actors; ``draft`` turns sentences into drafts (merging a
sentence that goes on telling the happening before it); ``files`` writes them; ``compare`` sets them beside events
made by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from dashboard.drafting.draft import Draft, Drafting, Gazetteer, Unused, draft_article
from dashboard.drafting.files import ArticleSource, out_problem, write_drafts
from dashboard.drafting.text import Article, parse_article, read_article
from dashboard.model import published_in_range
from dashboard.wording import counted

__all__ = [
    "Article",
    "ArticleSource",
    "Draft",
    "Drafting",
    "Gazetteer",
    "Unused",
    "draft_article",
    "draft_file",
    "out_problem",
    "parse_article",
    "published_day",
    "read_article",
    "summary_lines",
    "write_drafts",
]


@dataclass(frozen=True)
class Written:
    """What ``draft_file`` did: the drafting and the files it wrote."""

    drafting: Drafting
    paths: list[Path]


def default_gazetteer() -> Gazetteer:
    """The project's offline gazetteer."""
    from dashboard import gazetteer

    return gazetteer


def draft_file(
    path: Path,
    source: ArticleSource,
    out: Path,
    categories: list[str] | None = None,
    events: Path | None = None,
    gazetteer: Gazetteer | None = None,
) -> Written:
    """Read an article, draft its events and write them to ``out``. ``source.title`` may be empty: the article's
    own title, else its file name, is used."""
    article = read_article(path)
    if not source.title:
        source = ArticleSource(article.title or path.stem, source.publisher, source.published, source.url)
    drafting = draft_article(article, source.published, gazetteer if gazetteer is not None else default_gazetteer())
    paths = write_drafts(drafting.drafts, out, source, categories or [], events)
    return Written(drafting, paths)


def summary_lines(drafting: Drafting) -> list[str]:
    """The printed summary: the counts, then each dated sentence no draft was made from, with why."""
    lines = [
        f"{counted(len(drafting.drafts), 'draft')}, {drafting.day_precise} with a day-precise date, "
        f"{drafting.merged} merged; sentences with a date not used: {len(drafting.unused) or 'none'}"
    ]
    if not drafting.drafts:  # an article in another language gives none, and says nothing else
        lines.append("no dated happenings found (the drafter reads English)")
    for unused in drafting.unused:
        lines.append(f'  - "{unused.date}" ({unused.reason}): {unused.sentence}')
    return lines


def published_day(text: str) -> dt.date:
    """A publication day written as YYYY-MM-DD; ``ValueError`` with a plain message otherwise."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f'"{text}" is not a day: write it as YYYY-MM-DD, such as 2022-02-16') from None
    if not published_in_range(day):
        raise ValueError(f"{day.isoformat()} is outside the years the timeline can show")
    return day

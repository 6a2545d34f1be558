"""Draft events as YAML files: one per draft, named by a unique id, written by the project's safe writer and
never over an existing file."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dashboard.dates import edtf_of
from dashboard.drafting.draft import Draft
from dashboard.markdown import md_escape
from dashboard.model import EVIDENCE_MAX, ID_MAX, NAME_MAX, SETTINGS_FILE, slugify
from dashboard.reading import YAML_SUFFIXES
from dashboard.records import write_atomic
from dashboard.table import C

OTHER = "other"
MOST_TRIES = 1000  # names tried for one draft: files appearing faster than that is no race but a fault
# What a sentence's words say of its category: each idea with the keys a collection may give it and its words.
CATEGORY_WORDS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (
        ("economy", "economic", "aid", "finance"),
        ("billion", "million", "financial", "aid", "sanctions", "economy", "assistance", "loan", "€", "$"),
    ),
    (("intelligence",), ("intelligence", "assessment", "spy", "spies")),
    (("civil-defence", "civil-defense", "civil"), ("shelter", "evacuat", "civil defence", "civil defense", "siren")),
    (
        ("military", "defence", "defense"),
        (
            "troops",
            "deployment",
            "tanks",
            "battlegroup",
            "drills",
            "military",
            "missile",
            "army",
            "forces",
            "soldiers",
            "armored",
            "armoured",
            "invasion",
        ),
    ),
    (
        ("politics", "political"),
        ("parliament", "resolution", "vote", "law", "election", "declar", "duma", "decree", "unity day"),
    ),
    (
        ("diplomacy", "diplomatic"),
        (
            "call",
            "talks",
            "meeting",
            "met",
            "summit",
            "diplomac",
            "negotiat",
            "visit",
            "ambassador",
            "appealed",
            "security council",
            "ministers",
        ),
    ),
    (("statement", "statements"), ("said", "told", "added", "statement", "remarks", "concurred", "tweet")),
]


@dataclass(frozen=True)
class ArticleSource:
    """The article the drafts come from, as each draft cites it."""

    title: str
    publisher: str
    published: dt.date
    url: str | None = None

    def as_source(self) -> dict[str, Any]:
        source: dict[str, Any] = {"title": self.title, "publisher": self.publisher}
        if self.url:
            source["url"] = self.url
        source["published"] = self.published.isoformat()
        return source


def category_of(text: str, categories: Iterable[str]) -> str:
    """The collection's category whose words the text has most of ("other" without categories); the first category
    that fits an idea counts, and ties go to the idea listed first (the more specific)."""
    keys = list(categories)
    if not keys:
        return OTHER
    lower = text.lower()
    best, score = "", 0
    for names, words in CATEGORY_WORDS:
        key = next((key for key in keys if key.lower() in names or key.lower().split("-")[0] in names), None)
        hits = sum(len(re.findall(rf"(?<!\w){re.escape(word)}", lower)) for word in words)  # "aid", not "said"
        if key is not None and hits > score:
            best, score = key, hits
    return best or (OTHER if OTHER in keys else keys[0])


def summary_of(draft: Draft) -> str:
    """The sentences as Markdown that shows them as written, and a note for the reviewer where one is due."""
    text = md_escape(" ".join(draft.sentences))
    notes = []
    if draft.future:
        notes.append("Told as still to come when the article was published: check that it happened, and when.")
    if draft.when.open_start and draft.written.startswith("by "):
        notes.append(
            "The article names no day for this and tells of it as done: it is dated by the day of publication."
        )
    return "\n\n".join([text, *(f"*{md_escape(note)}*" for note in notes)])


def event_data(draft: Draft, event_id: str, source: ArticleSource, categories: Iterable[str]) -> dict[str, Any]:
    """A draft as an event file's mapping, in the order an event file lists its keys."""
    data: dict[str, Any] = {
        "id": event_id,
        "title": draft.title or "Draft from the article",
        "date": edtf_of(draft.when),
        "category": category_of(" ".join(draft.sentences), categories),
        "status": "draft",
    }
    actors = [name for name in draft.actors if len(name) <= NAME_MAX]  # a longer run of capitals is no name
    if actors:
        data["actors"] = actors
    if draft.places:
        data["places"] = [dict(place) for place in draft.places]
    data["summary"] = summary_of(draft)
    if draft.quotes:
        data["quotes"] = [dict(quote) for quote in draft.quotes]
    data["sources"] = [source.as_source()]
    data["evidence"] = cut_at_word(" ".join(draft.sentences), EVIDENCE_MAX)
    return data


def cut_at_word(text: str, most: int) -> str:
    """The text whole when it has at most ``most`` characters, else cut at a word and ended with "…" within them."""
    if len(text) <= most:
        return text
    kept = text[: most - 1]
    if " " in kept and not text[most - 1].isspace():  # the cut falls inside a word: leave that word out
        kept = kept.rsplit(" ", 1)[0]
    return kept.rstrip() + "…"


def taken_ids(*folders: Path) -> set[str]:
    """The ids of the event files in these folders (at any depth), as their names give them and as the files
    themselves state them (``id:``): a draft takes none of them."""
    from dashboard.store import load_collection  # the loader and its caches: only when files are written

    taken: set[str] = set()
    for folder in folders:
        if folder.is_dir():
            taken.update(
                path.name.rsplit(".", 1)[0]
                for path in folder.rglob("*")
                if path.name.lower().endswith(YAML_SUFFIXES) and path.name != SETTINGS_FILE
            )
            taken.update(str(ident) for ident in load_collection(folder).events[C.id].dropna())
    return taken


def unique_id(title: str, taken: set[str]) -> str:
    """An id from the title, with -2, -3 … when it is taken."""
    base = slugify(title)[: ID_MAX - 4]
    ident, number = base, 1
    while ident in taken:
        number += 1
        ident = f"{base}-{number}"
    return ident


def dump(data: dict[str, Any]) -> str:
    """An event file's YAML: every string quoted as YAML needs, keys in order, no line wrapped."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1_000_000)


def out_problem(out: Path) -> str | None:
    """Why drafts cannot be written to the folder ``out`` (None: they can, the folder made when missing): it is a
    link or a file, or the folder it would be made in is not one, or is not writable."""
    if os.path.islink(out):
        return "it is a link: give a folder"
    if out.exists():
        return None if out.is_dir() else "it is not a folder"
    parent = out.absolute().parent
    while not os.path.lexists(parent):
        parent = parent.parent
    if os.path.islink(parent) and not parent.exists():
        return f"{parent} is a link to nothing"
    if not parent.is_dir():
        return f"{parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{parent} is not writable"
    return None


def write_drafts(
    drafts: list[Draft], out: Path, source: ArticleSource, categories: Iterable[str] = (), events: Path | None = None
) -> list[Path]:
    """Write each draft to ``out`` as ID.yaml, never over an existing file; the ids are unique in ``out`` and in
    the events folder."""
    taken = taken_ids(out, *([events] if events is not None else []))
    keys = list(categories)
    written = []
    for draft in drafts:
        for _ in range(MOST_TRIES):
            ident = unique_id(draft.title, taken)
            taken.add(ident)
            path = out / f"{ident}.yaml"
            body = dump(event_data(draft, ident, source, keys))
            try:
                write_atomic(path, body.encode("utf-8"), overwrite=False, sync=False)
            except FileExistsError:
                if os.path.lexists(path):  # made since the folder was looked at: the next id
                    continue
                raise  # something else exists where the folder should be (it names the path)
            written.append(path)
            break
        else:
            raise OSError(errno.EEXIST, f"no free name for a draft after {MOST_TRIES} tries", str(out))
    return written

"""The options of ``timeline export`` and what they become: the facet flags, the View built from ``--view`` and
the flags, the ``--format`` choice read from the export registry, and where a batch of pictures goes."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click

from dashboard.dates import DateError, parse_when
from dashboard.export import ExportError, batch_paths, formats
from dashboard.records import is_stdout
from dashboard.table import Collection
from dashboard.view import FACETS, View

QUERY_KEYS = ("from", "to", *(facet.key for facet in FACETS), "q", "lanes", "mode", "theme", "event")


class DayParam(click.ParamType[dt.date, Any]):
    """A day written as in an event file ('2022-02-16', '16 Feb 2022', 'Feb 16, 2022', 'February 2022'): the
    first day of what it means for ``--from``, the last for ``--to``."""

    name = "date"

    def __init__(self, last: bool = False) -> None:
        self.last = last

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            when = parse_when(str(value))
        except DateError as error:
            self.fail(f"{error} (write a day as 2022-02-16 or 16 Feb 2022)", param, ctx)
        return (when.end - dt.timedelta(microseconds=1)).date() if self.last else when.start.date()


def facet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One option per facet of the View (``--category``, ``--actor``, ...), each repeatable, named by its key."""
    for facet in reversed(FACETS):  # click lists options in the order they are written, the last applied first
        command = click.option(facet.flag, facet.key, multiple=True, help=facet.help)(command)
    return command


def build_view(base: str | None, flags: dict[str, Any]) -> View:
    """A View from a link or query copied from the app, with any explicit flags laid over it.

    The View keeps itself drawable (dates inside what the figures can hold, a search within its limits) and says
    what it changed: those warnings go to stderr, named after the link or the flags.
    """
    check_link(base)
    view = View.from_query(base)
    for warning in view.warnings:
        click.secho(f"warning: --view: {warning}", fg="yellow", err=True)
    changes: dict[str, Any] = {}
    for facet in FACETS:
        if flags[facet.key]:
            changes[facet.key] = tuple(flags[facet.key])
    for name, key in (("start", "date_from"), ("end", "date_to")):
        if flags[key]:
            changes[name] = flags[key]
    for name in ("q", "mode", "lanes", "theme", "selected"):
        if flags[name]:
            changes[name] = flags[name]
    if not changes:
        return view
    flagged = view.with_(**changes)
    for warning in flagged.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return flagged


def _closest(value: str, known: list[str]) -> str | None:
    """The known name closest to a mistyped one: difflib's best guess over whole names, else over the words of
    names, so that ``Zelensky`` finds ``Volodymyr Zelenskyy``."""
    folded = {name.casefold(): name for name in known}
    guesses = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    if guesses:
        return folded[guesses[0]]
    words = {word: name for name in known for word in name.casefold().split() if len(word) > 2}
    guesses = difflib.get_close_matches(value.casefold(), list(words), n=1, cutoff=0.75)
    return words[guesses[0]] if guesses else None


def check_link(base: str | None) -> None:
    """Refuse a ``--view`` that is not a link or a query of the app (the View itself reads anything as a query)."""
    if not base:
        return
    text = base.strip()
    if "://" in text or text.startswith("/"):
        parts = urlsplit(text)
        if not parts.netloc and "://" in text:
            raise click.BadParameter(f"'{base[:80]}' is not a link", param_hint="--view")
        text = parts.query
    params = parse_qs(text.lstrip("?"), keep_blank_values=True)
    if text.strip("?") and (not params or "=" not in text):
        raise click.BadParameter(
            f"'{base[:80]}' is neither a link copied from the app nor its ?query "
            "(such as '?category=military&from=2022-02-14')",
            param_hint="--view",
        )
    for key in params:
        if key not in QUERY_KEYS:
            guess = _closest(key, list(QUERY_KEYS))
            hint = f": did you mean '{guess}'?" if guess else f" (known: {', '.join(QUERY_KEYS)})"
            raise click.BadParameter(f"'{key[:40]}' is not a key of the app's links{hint}", param_hint="--view")


def _read_name(value: str, known: list[str], aliases: dict[str, str]) -> str | None:
    """A filter value as the events name it: exactly, else the one name that differs only in case, else the name
    an alias (a category's label, case aside) stands for; None when it names nothing."""
    if value in known:
        return value
    same_but_case = [name for name in known if name.casefold() == value.casefold()]
    if len(same_but_case) == 1:
        return same_but_case[0]
    return aliases.get(value.casefold())


def check_names(collection: Collection, view: View) -> View:
    """The view with each filter value read as the events name it (``--category Military``, the legend's label,
    is ``military``). A value no event has is refused (``--category militray`` would export nothing, silently),
    with the closest known value named."""
    changes: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        chosen = view.chosen(facet)
        if not chosen:
            continue
        known = facet.distinct(collection.events[facet.column])
        aliases: dict[str, str] = {}
        if facet.settings_keys:
            known = list(dict.fromkeys([*collection.settings.categories, *known]))
            aliases = {collection.settings.category_label(key).casefold(): key for key in known}
        read = []
        for value in chosen:
            name = _read_name(value, known, aliases)
            if name is None:
                guess = _closest(value, known)
                hint = f"did you mean {guess}?" if guess else f"none of the events has it ({len(known):,} known)"
                raise click.BadParameter(f"unknown {facet.key} '{value[:60]}': {hint}", param_hint=facet.flag)
            read.append(name)
        if tuple(read) != chosen:
            changes[facet.key] = tuple(read)
    return view.with_(**changes) if changes else view


class FormatChoice(click.Choice[str]):
    """The choices of ``--format``: the export formats' registry, read whenever they are asked for (in any case:
    PNG is png)."""

    def __init__(self) -> None:
        super().__init__((), case_sensitive=False)

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(formats.names())

    @choices.setter
    def choices(self, _: object) -> None:
        pass  # click sets the choices once; the registry holds them


class FormatOption(click.Option):
    """``--format``, whose help names the registry's formats."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = formats.help_text()
        return super().get_help_record(ctx)


def picture_paths(labels: list[str], out: Path | None, extension: str) -> list[Path]:
    """Where the pictures of a batch go: ``--out`` (or timeline.EXTENSION) for one, files in a folder for more."""
    if len(labels) == 1:
        return [out or Path(f"timeline.{extension}")]
    if is_stdout(out):
        raise click.UsageError(f"--out - writes one picture; give a folder for these {len(labels)} pictures")
    folder = out or Path("timeline-export")
    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"--out {folder} must be a folder when exporting {len(labels)} pictures")
    try:  # file names made from category keys: never a path outside the folder
        return batch_paths(folder, labels, extension)
    except ExportError as error:
        raise click.ClickException(str(error)) from None

"""The options of ``timeline export`` and what they become: the facet flags, the View built from ``--view`` and
the flags, the ``--format`` choice read from the export registry, where a batch of pictures goes, and what the
batch says as it is written."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click
from pydantic import ValidationError

from dashboard.dates import DateError, parse_when
from dashboard.export import ExportError, Furniture, Picture, alt_path, batch_paths, formats
from dashboard.model import CollectionSettings
from dashboard.reading import SOURCE_SUFFIXES
from dashboard.records import UnsafeTarget, check_not_source, check_target, is_stdout
from dashboard.table import Collection
from dashboard.view import FACETS, View
from dashboard.wording import closest, visible
from dashboard.zones import read_zone

QUERY_KEYS = (
    "from",
    "to",
    *(facet.key for facet in FACETS),
    "q",
    "corroborated",
    "lag",
    "lanes",
    "mode",
    "theme",
    "tz",
    "event",
)


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
            when = parse_when(str(value), typed=True)
        except DateError as error:
            self.fail(f"{error} (write a day as 2022-02-16 or 16 Feb 2022)", param, ctx)
        return (when.end - dt.timedelta(microseconds=1)).date() if self.last else when.start.date()


class ZoneParam(click.ParamType[str, Any]):
    """The zone times of day are shown in: utc, own (each event's own zone) or an IANA name such as Europe/Kyiv."""

    name = "zone"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        zone, unknown = read_zone(str(value))
        if unknown:
            self.fail(f"'{visible(str(value)[:60])}' is not a time zone: utc, own, or a name such as Europe/Kyiv")
        return zone


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
    for name in ("q", "corroborated", "lag", "mode", "lanes", "theme", "tz", "selected"):
        if flags.get(name):  # an option a caller did not pass is not set
            changes[name] = flags[name]
    if not changes:
        return view
    flagged = view.with_(**changes)
    for warning in flagged.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return flagged


def check_link(base: str | None) -> None:
    """Refuse a ``--view`` that is not a link or a query of the app (the View itself reads anything as a query)."""
    if not base:
        return
    text = base.strip()
    if "://" in text or text.startswith("/"):
        parts = urlsplit(text)
        if not parts.netloc and "://" in text:
            raise click.BadParameter(f"'{visible(base[:80])}' is not a link", param_hint="--view")
        text = parts.query
    params = parse_qs(text.lstrip("?"), keep_blank_values=True)
    if text.strip("?") and (not params or "=" not in text):
        raise click.BadParameter(
            f"'{visible(base[:80])}' is neither a link copied from the app nor its ?query "
            "(such as '?category=military&from=2022-02-14')",
            param_hint="--view",
        )
    for key in params:
        if key not in QUERY_KEYS:
            guess = closest(key, list(QUERY_KEYS))
            hint = f": did you mean '{guess}'?" if guess else f" (known: {', '.join(QUERY_KEYS)})"
            raise click.BadParameter(
                f"'{visible(key[:40])}' is not a key of the app's links{hint}", param_hint="--view"
            )


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
        known = list(dict.fromkeys([*facet.order, *known]))
        read = []
        for value in chosen:
            name = _read_name(value, known, aliases)
            if name is None:
                guess = closest(value, known)
                hint = (
                    f"did you mean {visible(guess)}?" if guess else f"none of the events has it ({len(known):,} known)"
                )
                raise click.BadParameter(f"unknown {facet.key} '{visible(value[:60])}': {hint}", param_hint=facet.flag)
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


def furniture(given: dict[str, str | None]) -> Furniture:
    """The words of --title, --subtitle, --notes and --byline, held to the rules of the collection's own (its
    ``CollectionSettings`` fields: their lengths, no control characters); a word that breaks one is a usage error."""
    fields = {"title": "title", "subtitle": "description", "notes": "notes", "byline": "byline"}
    read: dict[str, str | None] = {}
    for flag, field in fields.items():
        value = given[flag]
        if value is None:
            read[flag] = None
            continue
        try:
            settings = CollectionSettings.model_validate({field: value})
        except ValidationError as error:
            message = error.errors()[0]["msg"].removeprefix("Value error, ")
            raise click.BadParameter(message, param_hint=f"--{flag}") from None
        read[flag] = getattr(settings, field)
    return Furniture(**read)


def check_out(out: Path | None, fmt: str) -> None:
    """Refuse an --out file named for another format: ``--format png --out x.alt.txt`` would put a PNG where its
    alt text goes, ``--format csv --out x.yaml`` a table where an event file is read."""
    if out is None or is_stdout(out):
        return
    known = {f".{each.extension}" for each in formats.REGISTRY.values()} | set(SOURCE_SUFFIXES)
    name = out.name.lower()
    ending = max((suffix for suffix in known if name.endswith(suffix)), key=len, default=None)
    extension = formats.get(fmt).extension
    if ending is not None and ending != f".{extension}":
        raise click.UsageError(
            f"--out {out} is named as a {ending} file, but --format {fmt} writes .{extension}: "
            f"name it {out.name[: len(out.name) - len(ending)]}.{extension}"
        )


def check_not_sources(paths: list[Path], events: Path) -> None:
    """Refuse to write over any file the events are read from (an event file or table, ``_collection.yaml``)."""
    for path in paths:
        try:
            check_not_source(path, events)
        except UnsafeTarget as error:
            raise click.UsageError(str(error)) from None


def picture_paths(labels: list[str], out: Path | None, fmt: str, events: Path) -> list[Path]:
    """Where the pictures of a batch go: ``--out`` (or timeline.EXTENSION) for one, named for the format, files in
    a folder for more; never onto a file the ``events`` are read from, nor their alt text."""
    if len(labels) == 1:
        check_out(out, fmt)
    paths = _picture_paths(labels, out, formats.get(fmt).extension)
    targets = [*paths, *(alt_path(path) for path in paths if not is_stdout(path))]
    check_not_sources(targets, events)
    try:  # every target before any picture is written: a batch is refused whole, not half written
        for target in targets:
            if not is_stdout(target):
                check_target(target)
    except UnsafeTarget as error:
        raise click.ClickException(str(error)) from None
    return paths


def _picture_paths(labels: list[str], out: Path | None, extension: str) -> list[Path]:
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


class Progress:
    """What a batch of pictures says as it goes: ``wrote PATH (0.21 s)`` on stderr as each picture is written, with
    the seconds since the one before (since the batch began, for the first); and, when one fails, which one, and
    which were written."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.done: list[Picture] = []
        self._last = time.perf_counter()

    def written(self, picture: Picture) -> None:
        """Say that a picture was written (a picture on stdout is not said: stdout is the picture)."""
        now = time.perf_counter()
        if not is_stdout(picture.path):
            click.echo(f"wrote {picture.path} ({now - self._last:.2f} s)", err=True)
        self._last = now
        self.done.append(picture)

    def failed(self, error: Exception) -> str:
        """The error of the picture that failed, named in its batch: the pictures before it were written (and said),
        none after it."""
        total, done = len(self.paths), len(self.done)
        if total == 1 or done >= total:
            return str(error)
        left = total - done - 1
        if not done:
            said = "No picture of the batch was written."
        else:
            said = f"The {done} before it were written (above){f'; the {left} after it were not' if left else ''}."
        return f"picture {done + 1} of {total} ({self.paths[done]}) failed: {error}\n{said}"

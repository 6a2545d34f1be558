"""The options of ``timeline export`` and what they become: the facet flags, the View built from ``--view`` and
the flags, the ``--format`` choice read from the export registry, and where a batch of pictures goes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dashboard.export import ExportError, batch_paths, formats
from dashboard.records import is_stdout
from dashboard.view import FACETS, View


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
    view = View.from_query(base)
    for warning in view.warnings:
        click.secho(f"warning: --view: {warning}", fg="yellow", err=True)
    changes: dict[str, Any] = {}
    for facet in FACETS:
        if flags[facet.key]:
            changes[facet.key] = tuple(flags[facet.key])
    for name, key in (("start", "date_from"), ("end", "date_to")):
        if flags[key]:
            changes[name] = flags[key].date()
    for name in ("q", "mode", "lanes", "theme", "selected"):
        if flags[name]:
            changes[name] = flags[name]
    if not changes:
        return view
    flagged = view.with_(**changes)
    for warning in flagged.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return flagged


class FormatChoice(click.Choice[str]):
    """The choices of ``--format``: the export formats' registry, read whenever they are asked for."""

    def __init__(self) -> None:
        super().__init__(())

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

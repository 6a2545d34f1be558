"""The ``timeline`` command: a thin layer of click over the store, the figure and the exporters."""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import ValidationError

from dashboard import gazetteer, importer
from dashboard.cli_export import (
    DayParam,
    FormatChoice,
    FormatOption,
    Progress,
    ZoneParam,
    build_view,
    check_names,
    check_not_sources,
    check_out,
    facet_options,
    furniture,
    picture_paths,
)
from dashboard.consistency import check
from dashboard.dates import DateError, resolve
from dashboard.export import (
    PAPERS,
    SIZE_HELP,
    SIZES,
    STORY_PAGE,
    ExportError,
    Furniture,
    PageSize,
    Picture,
    about,
    batch_views,
    data_export,
    export_figure,
    formats,
    page_size,
    too_many_pixels,
    write_pictures,
)
from dashboard.index import for_export, in_zone, reviewed
from dashboard.model import (
    ID_MAX,
    SETTINGS_FILE,
    SLUG,
    CollectionSettings,
    EventFile,
    Status,
    event_json_schema,
    slugify,
)
from dashboard.readers import tables
from dashboard.readers.yaml_events import load_settings, plain_errors
from dashboard.reading import TABLE_SUFFIXES
from dashboard.records import UnsafeTarget, is_stdout, write_atomic
from dashboard.store import load_collection
from dashboard.table import C, Collection, Effect, Problem, summary_text
from dashboard.view import FACETS, LANES, MAX_CORROBORATED, MODES, THEMES, View
from dashboard.wording import counted, visible

DEFAULT_EVENTS = Path("events")
SCHEMA_COMMENT = "# yaml-language-server: $schema={schema}\n"
OUT_RULES = (
    "'-' writes to stdout. Only a regular file is replaced: a symbolic link is refused (not followed; give "
    "the file it points to), and so are folders, devices and FIFOs."
)


# A database's address as a Path makes of it (its '//' made one): only `serve` takes one (``events_or_database``).
DATABASE_PATHS = ("postgresql:/", "postgres:/")


class EventsOrDatabase(click.Path):
    """An events folder or file (a Path), or a PostgreSQL database's address, kept as it is written."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from dashboard.postgres import is_database

        return value if is_database(value) else super().convert(value, param, ctx)


def _events(database: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--events DIR`` option; with ``database``, a database's address too (`serve` only)."""
    return click.option(
        "--events",
        "events_dir",
        type=EventsOrDatabase(path_type=Path) if database else click.Path(path_type=Path),
        default=DEFAULT_EVENTS,
        show_default=True,
        envvar="TIMELINE_EVENTS",
        help="Folder of event files and tables, or one file: YAML, CSV or Parquet"
        + (
            "; or a PostgreSQL database written by `timeline db load` (postgresql://USER@HOST:PORT/NAME)."
            if database
            else "."
        ),
    )


events_option = _events(database=False)  # every command's
events_or_database_option = _events(database=True)  # `serve`'s


@contextmanager
def progress_bar(label: str, always: bool = False) -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback drawing a bar on stderr, for work that takes a while.

    The bar shows up after half a second, and only on a terminal unless ``always``; otherwise the callback is None.
    """
    if not (always or sys.stderr.isatty()):
        yield None
        return
    started = time.monotonic()
    bars: list[Any] = []

    def update(done: int, total: int) -> None:
        if not bars:
            if not always and time.monotonic() - started < 0.5:
                return
            bar = click.progressbar(length=total, label=label, file=sys.stderr, update_min_steps=max(1, total // 200))
            if always:  # click draws only the label off a terminal; --progress asks for the bar anyway
                bar._is_atty = True
            bars.append(bar.__enter__())
        bars[0].update(done - bars[0].pos)

    try:
        yield update
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


def load(events_dir: Path) -> Collection:
    """Load the events, or stop with a clear message when the folder is not there."""
    if str(events_dir).lower().startswith(DATABASE_PATHS):
        raise click.UsageError(
            "only `timeline serve` reads a database (--events postgresql://…); give the events folder it was "
            "loaded from"
        )
    if not events_dir.exists():
        raise click.UsageError(f"no events folder at '{events_dir}' (use --events DIR)")
    with progress_bar("Loading events") as progress:
        return load_collection(events_dir, progress=progress)


def located(problem: Problem, root: Path) -> str:
    """A problem as ``path:line:col: message``, its path (below the events folder) joined to the folder given."""
    base = root if root.is_dir() else root.parent
    return str(replace(problem, path=str(base / problem.path)))


def report_problems(collection: Collection, root: Path, *, all_lines: bool = False) -> None:
    """Tell stderr about problems: every line, or a one-line hint to run validate."""
    if not collection.problems:
        return
    if all_lines:
        for problem in collection.problems:
            click.echo(located(problem, root), err=True)
    else:
        click.secho(
            f"warning: {summary_text(collection.problems)}; run 'timeline validate' to see them",
            fg="yellow",
            err=True,
        )


def warn(message: str) -> None:
    """A warning on stderr."""
    click.secho(f"warning: {message}", fg="yellow", err=True)


def emit(text: str | bytes, out: Path | None) -> None:
    """Write text (or a binary document's bytes) to a file (atomically; only ever over a regular file) or to stdout
    (no ``--out``, or '-')."""
    if out is None or is_stdout(out):
        click.echo(text, nl=False)
        return
    try:
        write_atomic(out, text.encode("utf-8") if isinstance(text, str) else text)
    except UnsafeTarget as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {out}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="newstimeline")
def cli() -> None:
    """Dated event records in YAML, as an interactive timeline with linked cards, a map and exports."""
    # Every failure in reading a file is reported as that file's problem line; the cause, with its traceback,
    # belongs in a server's log (`serve` sets one up), not between the problem lines of `validate`.
    logging.getLogger("dashboard").addHandler(logging.NullHandler())


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@events_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (dates that disagree, likely duplicates).")
def validate(path: Path | None, events_dir: Path, strict: bool) -> None:
    """Check every event file; print each problem as path:line:col: message, then each warning (dates that
    disagree with the sources or the links, likely duplicates) as path:line:col: warning: message.

    Exits 0 when all is well or there are only warnings, 1 when there is any problem (or, with --strict, any
    warning).
    """
    collection = load(path or events_dir)
    root = path or events_dir
    for problem in collection.problems:
        click.echo(f"{located(problem, root)} ({problem.effect.said})")
    checked = check(collection.events)
    for warning in checked.warnings:
        click.echo(located(warning, root))
    for note in checked.notes:
        click.echo(f"note: {note}", err=True)
    # A place's name that had to be chosen among several is a warning too: said, and the exit code left alone.
    problems = [problem for problem in collection.problems if problem.effect != Effect.WARNING]
    count, warnings = len(problems), len(checked.warnings) + len(collection.problems) - len(problems)
    summary = f"{counted(len(collection.events), 'event')} OK"
    if count:
        summary += f"; {summary_text(problems)}"
    if warnings:
        summary += f"; {counted(warnings, 'warning')}"
    click.secho(summary, fg="red" if count else "yellow" if warnings else "green", err=True)
    sys.exit(1 if count or (strict and warnings) else 0)


TITLE_MIN_WIDTH = 30  # a title column narrower than this wraps titles into too many lines
ID_MIN_WIDTH = 12
CATEGORY_WIDTH = 16


def middle_cut(text: str, width: int) -> str:
    """Text cut to ``width`` characters with an ellipsis in the middle, keeping its start and its end."""
    if len(text) <= width:
        return text
    keep = max(width - 1, 2)
    return text[: keep - keep // 2] + "…" + text[len(text) - keep // 2 :]


@cli.command(name="list")
@events_option
def list_events(events_dir: Path) -> None:
    """Print the events as a table, in time order."""
    collection = load(events_dir)
    events = collection.events
    width = shutil.get_terminal_size((100, 20)).columns
    when_w = max([len("WHEN"), *events[C.when].str.len()]) if len(events) else 4
    cat_w = min(max([len("CATEGORY"), *events[C.category].str.len()]) if len(events) else 8, CATEGORY_WIDTH)
    id_w = max([len("ID"), *events[C.id].str.len()]) if len(events) else 2
    # The title is what a reader scans for: it takes what the other columns leave, at least half the line. An id
    # is never cut (it is what `--select` and links take): one longer than its column is written whole, and its
    # title starts on the next line.
    fixed = when_w + cat_w + 6
    id_w = max(min(id_w, width - fixed - max(TITLE_MIN_WIDTH, (width - 6) // 2)), ID_MIN_WIDTH)
    title_w = max(TITLE_MIN_WIDTH, width - fixed - id_w)
    click.secho(f"{'WHEN':<{when_w}}  {'CATEGORY':<{cat_w}}  {'ID':<{id_w}}  TITLE", bold=True)
    indent = " " * (fixed + id_w)
    for when, category, ident, title in zip(
        events[C.when], events[C.category], events[C.id], events[C.title], strict=True
    ):
        lines = textwrap.wrap(visible(title), title_w) or [""]
        head = f"{when:<{when_w}}  {middle_cut(visible(category), cat_w):<{cat_w}}  {ident:<{id_w}}"
        if len(ident) > id_w:
            click.echo(head.rstrip())
            lines = ["", *lines]
        else:
            click.echo(f"{head}  {lines[0]}")
        for line in lines[1:]:
            click.echo(f"{indent}{line}")
    click.echo(counted(len(events), "event"), err=True)
    report_problems(collection, events_dir)


@cli.command()
@click.option("--format", "fmt", cls=FormatOption, type=FormatChoice(), default="json", show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, allow_dash=True),
    help="File to write; a folder for several pictures. Default: stdout for data, timeline.EXTENSION "
    f"for a picture, with its alt text beside it as timeline.alt.txt. {OUT_RULES}",
)
@click.option(
    "--view",
    "views",
    multiple=True,
    metavar="URL",
    help="A link (or its ?query) copied from the app: export exactly that view. Repeat for a batch.",
)
@click.option("--from", "date_from", type=DayParam(), help="First day shown: 2022-02-14, '14 Feb 2022', …")
@click.option("--to", "date_to", type=DayParam(last=True), help="Last day shown: 2022-02-17, '17 Feb 2022', …")
@facet_options
@click.option("--search", "q", help="Only events whose text contains every word.")
@click.option(
    "--corroborated",
    type=click.IntRange(0, MAX_CORROBORATED),
    help="Only events reported by at least N independent publishers (a source that copies another does not count).",
)
@click.option("--lag", is_flag=True, default=None, help="Draw each event's reporting lag: a line to its first report.")
@click.option("--mode", type=click.Choice(MODES), help="calendar (dates to scale) or sequence (evenly spaced).")
@click.option("--lanes", type=click.Choice(LANES), help="Group rows by category, actor or place.")
@click.option("--select", "selected", metavar="ID", help="Highlight this event.")
@click.option("--theme", type=click.Choice(THEMES), help="light or dark.")
@click.option(
    "--tz",
    type=ZoneParam(),
    help="Show times of day in UTC (utc, the default), each in its own zone (own), or a zone such as Europe/Kyiv: "
    "the axis, the cards and the chronology, and the days --from and --to mean.",
)
@click.option(
    "--size",
    type=click.Choice(list(SIZES)),
    show_default="slide; for html a page-wide timeline, as tall as its rows",
    help=f"{SIZE_HELP} The html story page scrolls: its timeline is tall unless --size or --height is given.",
)
@click.option(
    "--paper", type=click.Choice(list(PAPERS)), default="a4", show_default=True, help="The paper of --size page."
)
@click.option("--width", type=click.IntRange(400, 10000), help="Width in pixels (overrides --size).")
@click.option("--height", type=click.IntRange(200, 10000), help="Height in pixels (overrides --size).")
@click.option(
    "--scale",
    type=click.FloatRange(0.5, 8),
    default=None,
    help="Pixel density: 2 for print and retina screens (default 1; 2 with --size page).",
)
@click.option("--title", help="The picture's title (default: the collection's).")
@click.option("--subtitle", help="The line under the title (default: the collection's description).")
@click.option("--notes", help="Notes under the picture (default: the collection's).")
@click.option("--byline", help="Who made the graphic (default: the collection's).")
@click.option("--embed", is_flag=True, help="With --format html: also print an <iframe> snippet for a CMS.")
@click.option("--each", type=click.Choice(["category", "day"]), help="One picture per category or per day.")
@click.option(
    "--drafts", is_flag=True, help="Keep the drafts (status: draft, not yet reviewed): left out unless given."
)
@events_option
def export(
    fmt: str,
    out: Path | None,
    views: tuple[str, ...],
    each: str | None,
    events_dir: Path,
    embed: bool,
    drafts: bool,
    **flags: Any,
) -> None:
    """Export what the app shows: its events as data, or a picture of it (see --format).

    Filters and --view pick the events; problems in files are reported on stderr and the good events still
    export. A filter value no event has is an error that names the closest one. Examples:

    \b
      timeline export --format png --view 'http://127.0.0.1:8050/?category=military'
      timeline export --format pdf --size page --from 2022-02-14 --to 2022-02-17
      timeline export --format png --each category --out pictures/
      timeline export --format html --embed --out timeline.html
      timeline export --format ics --out events.ics
    """
    sizes = {key: flags.pop(key) for key in ("size", "paper", "width", "height", "scale")}
    words = furniture({key: flags.pop(key) for key in ("title", "subtitle", "notes", "byline")})
    if embed and fmt != "html":
        raise click.UsageError("--embed is for --format html")
    if formats.get(fmt).kind == "data" and out is not None:
        check_out(out, fmt)
        check_not_sources([out], events_dir)
    size = picture_size(fmt=fmt, **sizes)
    chosen = [build_view(base, flags) for base in (views or (None,))]  # a bad link fails before loading
    collection = load(events_dir)
    report_problems(collection, events_dir, all_lines=True)
    if not drafts:  # every format, data and pictures, reads the events from here on
        collection = reviewed(collection)
        status = next(facet for facet in FACETS if facet.key == "status")
        if any(Status.DRAFT.value in view.chosen(status) for view in chosen):
            warn("drafts are left out of exports: add --drafts to export them")
    chosen = [check_names(collection, view) for view in chosen]
    if formats.get(fmt).kind == "data":
        if len(chosen) > 1 or each:
            raise click.UsageError("--each and several --view are for pictures; data takes one view")
        stored = formats.data_format(fmt).make is not None  # records read back elsewhere keep their times as stored
        emit(data_export(*for_export(collection, chosen[0], stored), fmt, warn=warn), out)
        return
    pictures = export_pictures(collection, chosen, each, fmt, out, size, words, events_dir)
    from dashboard.export.story import embed_snippet  # the story page's module, loaded only for an HTML export

    for picture in pictures:
        if not is_stdout(picture.path):
            click.echo(str(picture.path))
            if embed and picture.about is not None:
                click.echo(embed_snippet(picture.path.name, picture.about.title))


def picture_size(
    fmt: str, size: str | None, paper: str, width: int | None, height: int | None, scale: float | None
) -> PageSize:
    """The size of the pictures: a named one (slide; tall for the html page, which scrolls), with any of --width,
    --height and --scale laid over it. A size of more pixels than the browser can draw is a usage error."""
    if fmt == "html" and not (size or width or height):
        named = STORY_PAGE  # the page scrolls: its timeline as tall as the rows, as wide as the page's column
    else:
        named = page_size(size or ("tall" if fmt == "html" and not height else "slide"), paper)
    if width and not height and named.height is not None:
        named = replace(named, height=None)  # another width alone: the height fits the rows
    chosen = replace(
        named,
        width=width or named.width,
        height=height or named.height,
        scale=scale or named.scale,
        points=named.points if not (width or height) else None,
    )
    if chosen.height is not None:  # a height that grows with the rows is checked once the rows are laid out
        why = too_many_pixels(chosen.width, chosen.height, chosen.scale, fmt)
        if why:
            raise click.UsageError(why)
    return chosen


def export_pictures(
    collection: Collection,
    chosen: list[View],
    each: str | None,
    fmt: str,
    out: Path | None,
    size: PageSize,
    furniture: Furniture,
    events: Path,
) -> list[Picture]:
    """Draw and write the pictures of the views (one per category or day with --each), each with its alt text and
    as soon as it is drawn (said on stderr); never over a file the ``events`` are read from."""
    batch = [(label, view) for base in chosen for label, view in batch_views(in_zone(collection, base.tz), base, each)]
    if len(batch) > 1 and len(chosen) > 1:
        batch = [(f"{index + 1}{'-' + label if label else ''}", view) for index, (label, view) in enumerate(batch)]
    paths = picture_paths([label for label, _ in batch], out, fmt, events)
    progress = Progress(paths)
    pictures = (  # each figure built as the one before it is drawn, and each picture written as soon as it is drawn
        Picture(
            export_figure(shown, view, size, furniture),
            path,
            fmt,
            size.scale,
            about(shown, view, size, furniture),
        )
        for (_, view), path in zip(batch, paths, strict=True)
        for shown in (in_zone(collection, view.tz),)  # the events as the view's zone shows them
    )
    try:
        write_pictures(pictures, written=progress.written)  # every path was checked against the events by picture_paths
    except (ExportError, UnsafeTarget) as error:
        raise click.ClickException(progress.failed(error)) from None
    return progress.done


def new_event_data(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``timeline new`` as an event file's mapping, in the order the file lists them."""
    data: dict[str, Any] = {"title": fields["title"], "date": fields["date_text"]}
    for key in ("end", "timezone"):
        if fields[key]:
            data[key] = fields[key]
    if fields["approximate"]:
        data["approximate"] = True
    data["category"] = fields["category"]
    for key in ("actors", "tags"):
        if fields[key]:
            data[key] = list(fields[key])
    if fields["places"]:
        data["places"] = [{"name": name} for name in fields["places"]]
        where = {key: fields[key] for key in ("country", "lat", "lon") if fields.get(key) is not None}
        data["places"][0].update(where)  # the coordinates and country of the first place given
    if fields["summary"]:
        data["summary"] = fields["summary"]
    if fields["source_title"] or fields["source_url"]:
        source = {
            "title": fields["source_title"] or fields["source_url"],
            "url": fields["source_url"],
            "published": fields["published"],
        }
        data["sources"] = [{k: v for k, v in source.items() if v}]
    return data


def find_places(places: list[dict[str, Any]]) -> list[str]:
    """Give each place named without coordinates those of the gazetteer (and its country), in place; the warnings
    of the names shared by several places. An unknown name is a usage error that suggests known ones."""
    notes = []
    for index, place in enumerate(places):
        if place.get("lat") is not None:  # explicit coordinates always win
            continue
        found, said = gazetteer.settle(place["name"], place.get("country"))
        if found is None:
            raise click.BadParameter(said, param_hint="--place")
        places[index] = {"name": place["name"], "country": found.country, "lat": found.lat, "lon": found.lon}
        if said:
            notes.append(f"--place {place['name']}: {said}")
    return notes


def check_new_id(event_id: str) -> None:
    """Refuse an ``--id`` that cannot be a file name."""
    # fullmatch: re.match would let a trailing newline through ('$' matches before it), into the file name.
    if not re.fullmatch(SLUG, event_id):
        raise click.BadParameter(
            "use lower-case letters, digits, '.', '_' and '-' (it becomes the file name)", param_hint="--id"
        )
    if len(event_id) > ID_MAX:
        raise click.BadParameter(
            f"at most {ID_MAX} characters (it becomes the file name); this one has {len(event_id)}", param_hint="--id"
        )


@cli.command()
@click.option("--title", required=True, help="Short headline of the event.")
@click.option("--date", "date_text", required=True, help="When: 2022-02-16, '16 Feb 2022', Wednesday, …")
@click.option("--end", help="Last day (inclusive) of a range.")
@click.option("--category", required=True, help="Category key, e.g. diplomacy.")
@click.option("--id", "event_id", help="Event id and file name (default: from the title).")
@click.option("--actor", "actors", multiple=True, help="An actor; repeat for several.")
@click.option("--place", "places", multiple=True, help="A place name; repeat for several.")
@click.option("--lat", type=float, help="Latitude of the (first) place, in degrees (with --lon).")
@click.option("--lon", type=float, help="Longitude of the (first) place, in degrees (with --lat).")
@click.option("--country", help="ISO 3166-1 alpha-2 code of the (first) place, e.g. UA.")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for several.")
@click.option("--summary", default="", help="What happened (Markdown).")
@click.option("--source-title", help="Title of the report.")
@click.option("--source-url", help="Address of the report.")
@click.option("--published", help="Publication date of the report (YYYY-MM-DD).")
@click.option("--approximate", is_flag=True, help="The date is not known exactly.")
@click.option("--timezone", help="IANA time zone, e.g. Europe/Kyiv.")
@events_option
def new(events_dir: Path, event_id: str | None, **fields: Any) -> None:
    """Write a new event file from flags (never overwriting an existing one)."""
    if not fields["places"] and any(fields.get(key) is not None for key in ("lat", "lon", "country")):
        raise click.UsageError("--lat, --lon and --country describe a place: give its name with --place")
    data = new_event_data(fields)
    if event_id is not None:
        check_new_id(event_id)
    for note in find_places(data.get("places", [])):
        click.echo(f"warning: {note}", err=True)
    settings, _ = load_settings(events_dir) if events_dir.exists() else (None, [])
    try:
        event = EventFile.model_validate(data)
        resolve(event.date, event.end, event.published, event.timezone, order=settings.date_order if settings else None)
    except DateError as error:
        raise click.BadParameter(str(error), param_hint=f"--{getattr(error, 'field', 'date')}") from None
    except ValidationError as error:
        raise click.UsageError("; ".join(plain_errors(error))) from None
    if settings and settings.categories and event.category not in settings.categories:
        raise click.BadParameter(
            f"'{event.category}' is not one of {', '.join(settings.categories)}", param_hint="--category"
        )
    ident = event_id or slugify(event.title)
    target = events_dir / f"{ident}.yaml"
    body = SCHEMA_COMMENT.format(schema="../schema/event.schema.json") + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100
    )
    try:
        write_atomic(target, body.encode("utf-8"), overwrite=False)
    except FileExistsError:
        raise click.ClickException(f"{target} exists already; choose another --id") from None
    click.echo(str(target))


@cli.command()
@click.argument("article", metavar="ARTICLE", type=click.Path(path_type=Path))
@click.option("--published", required=True, help="The article's publication day (YYYY-MM-DD): dates are read from it.")
@click.option("--publisher", required=True, help="Who published the article, e.g. DW.")
@click.option("--title", default="", help="The article's title (default: its own title, else the file name).")
@click.option("--url", help="The article's address (http or https).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_EVENTS / "drafts",
    show_default=True,
    help="Folder to write the draft files in (made when missing); no file in it is replaced.",
)
@events_option
def draft(
    article: Path, published: str, publisher: str, title: str, url: str | None, out: Path, events_dir: Path
) -> None:
    """Draft events from an article (plain text, Markdown or HTML), one file per dated happening it tells of,
    marked status: draft for a person to review. Prints what it did and the dated sentences it could not use."""
    from dashboard import drafting
    from dashboard.model import NAME_MAX
    from dashboard.reading import Refused

    try:
        day = drafting.published_day(published)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--published") from None
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise click.BadParameter("give an http:// or https:// address", param_hint="--url")
    if not publisher.strip() or len(publisher.strip()) > NAME_MAX:
        raise click.BadParameter(
            f"give who published the article, in 1 to {NAME_MAX} characters", param_hint="--publisher"
        )
    problem = drafting.out_problem(out)
    if problem is not None:  # before anything is written
        raise click.ClickException(f"cannot write to {out}: {problem}")
    folder = events_dir if events_dir.is_dir() else None
    settings, _ = load_settings(events_dir) if folder else (None, [])
    source = drafting.ArticleSource(title.strip(), publisher.strip(), day, url)
    try:
        done = drafting.draft_file(article, source, out, list(settings.categories) if settings else [], folder)
    except (Refused, ValueError) as error:
        raise click.ClickException(f"{article}: {error}") from None
    except (UnsafeTarget, OSError) as error:
        where = getattr(error, "filename", None) or out
        raise click.ClickException(f"cannot write to {where}: {getattr(error, 'strerror', None) or error}") from None
    for path in done.paths:
        click.echo(str(path))
    for line in drafting.summary_lines(done.drafting):
        click.echo(visible(line), err=True)


@cli.command(name="import")
@click.argument("table", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_EVENTS,
    show_default=True,
    envvar="TIMELINE_EVENTS",
    help="Folder to write the event files in (made when missing).",
)
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Import the first N rows only.")
@click.option("--progress", is_flag=True, help="Show a progress bar even when stderr is not a terminal.")
def import_table(table: Path, out: Path, limit: int | None, progress: bool) -> None:
    """Turn the rows of a CSV or Parquet table into event files, one per row, named by the event's id.

    Native columns (title, date, category, ...) and ACLED exports are both read; see the README. A file that
    exists is never replaced: its row is skipped and counted. Rows with problems are reported as
    path:line:col: message and not written. Exits 0 when every row was written or skipped, 1 when any had a
    problem.
    """

    if not table.name.lower().endswith(TABLE_SUFFIXES):
        raise click.UsageError(f"'{table}' is not a table: give a {' or '.join(TABLE_SUFFIXES)} file")
    # The target folder's settings first: its date_order says how the table's numeric dates read.
    settings, problems_here = (
        load_settings(out, str(out / SETTINGS_FILE)) if out.is_dir() else (CollectionSettings(), [])
    )
    with progress_bar(f"Reading {table.name}", progress) as update:
        rows, problems = tables.read_table(
            table,
            str(table),
            limit=limit,
            keep_source=True,
            progress=None if update is None else lambda share: update(int(share * 1000), 1000),
            date_order=settings.date_order,
        )
    problems.extend(problems_here)
    try:
        with progress_bar(f"Writing to {out}", progress) as update:
            done = importer.write_events(rows, out, settings, progress=update)
    except OSError as error:  # the folder cannot be made; an error while writing rows is in done.error
        raise click.ClickException(f"cannot write to {out}: {error.strerror or error}") from None
    problems = sorted(problems + done.problems)
    for problem in problems:
        click.echo(str(problem), err=True)
    for path in done.skipped[:10]:
        click.echo(f"skipped {path}: the file exists", err=True)
    if len(done.skipped) > 10:
        click.echo(f"… and {len(done.skipped) - 10:,} more files that exist", err=True)
    count = len(problems)
    click.secho(
        f"wrote {len(done.written)} files, skipped {len(done.skipped)} (exist), {count} problem{'s' * (count != 1)}",
        fg="red" if count or done.error else "green",
        err=True,
    )
    if done.error is not None:
        raise click.ClickException(f"stopped: cannot write to {out}: {done.error.strerror or done.error}")
    sys.exit(1 if count else 0)


@cli.command()
@events_or_database_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this machine only)."
)
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug", is_flag=True, help="Dash's debug mode: error overlay and hot reload. Never on a shared host.")
@click.option(
    "--review",
    is_flag=True,
    help="Review drafts: a draft's card has Accept (moves its file to the events folder as reported), Edit and "
    "Reject (deletes its file). These write to the folder; without --review the app never writes.",
)
@click.option(
    "--engine",
    type=click.Choice(["pandas", "duckdb"]),
    default="pandas",
    show_default=True,
    envvar="TIMELINE_ENGINE",
    help="How the server holds a folder's events: pandas, in its memory; duckdb, in a DuckDB file beside the "
    "folder's cache, which it queries (a fraction of the memory for big collections, shared by gunicorn's workers).",
)
def serve(events_dir: Path | str, host: str, port: int, debug: bool, review: bool, engine: str) -> None:
    """Open the timeline app in a browser at http://HOST:PORT/ (files are re-read on each page load; a database
    each time `timeline db load` has written it again)."""
    from dashboard import duck, postgres
    from dashboard.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if isinstance(events_dir, str):  # a database
        if review:
            raise click.UsageError("--review works on an events folder, not a database")
        if engine != "pandas":
            raise click.UsageError(f"--engine {engine} works on an events folder: a database is queried where it is")
        url = events_dir
        collection = in_database(lambda: postgres.read(url))
        report_problems(collection, Path("."))
        where = postgres.safe_name(url)
    else:
        if review and engine != "pandas":
            raise click.UsageError("--review works with the pandas engine")
        try:
            collection = duck.Folder(events_dir)() if engine == "duckdb" else load(events_dir)
        except duck.BuildFailed as error:
            raise click.ClickException(str(error)) from None
        report_problems(collection, events_dir)
        if review and not events_dir.is_dir():
            raise click.UsageError("--review works on an events folder: give the folder, not a file")
        where = str(events_dir)
    app = create_app(events_dir, review=review, engine=engine)
    click.echo(
        f"Serving {collection.size} events from {where}"
        + (" (read from a DuckDB file)" if engine == "duckdb" else "")
        + f" at http://{host}:{port}/ (Ctrl+C to stop)"
        + (" for review: Accept and Reject write to the folder" if review else ""),
        err=True,
    )
    app.run(host=host, port=port, debug=debug, dev_tools_ui=debug, dev_tools_props_check=debug)


@cli.command()
@click.argument("event_id", metavar="ID")
@events_option
def history(event_id: str, events_dir: Path) -> None:
    """Print an event's history in git: a line on its file, then each commit that changed it, newest first,
    following the file through renames. Exits 1, saying why, when the events are not in a git repository."""
    from dashboard.history import NoHistory, history_of  # git is read by this command only
    from dashboard.wording import closest

    events = load(events_dir).events
    paths = events[C.path][events[C.id] == event_id]
    if not len(paths):
        guess = closest(event_id, list(events[C.id]))
        hint = f"did you mean {visible(guess)}?" if guess else f"none of the {counted(len(events), 'event')} has it"
        raise click.BadParameter(f"no event has the id '{visible(event_id[:60])}': {hint}", param_hint="ID")
    path = str(paths.iloc[0])
    found = history_of(events_dir if events_dir.is_dir() else events_dir.parent, path)
    if isinstance(found, NoHistory):
        raise click.ClickException(visible(found.reason))
    sharing = int((events[C.path] == path).sum())
    if sharing > 1:  # a table's events share its file, and so its history
        click.echo(f"{visible(path)} holds {counted(sharing, 'event')}: this is the history of the file", err=True)
    click.echo(found.summary(visible))
    for change in found.changes:
        renamed = f" (renamed from {visible(change.renamed_from)})" if change.renamed_from else ""
        click.echo(f"{change.day}  {change.commit}  {visible(change.subject)}{renamed}")


@cli.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help=f"File to write (default: stdout). {OUT_RULES}",
)
def schema(out: Path | None) -> None:
    """Print the JSON Schema of an event file (for editor completion and checks)."""
    emit(json.dumps(event_json_schema(), indent=2) + "\n", out)


def main() -> None:
    """Run the command line, turning system errors into one readable line instead of a traceback."""
    try:
        cli(standalone_mode=True)
    except OSError as error:
        click.secho(f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), fg="red", err=True)
        sys.exit(1)


# ---- a collection in PostgreSQL ---------------------------------------------------------------------------------


def database_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    """The database a ``db`` command works on: an argument, or $TIMELINE_DATABASE."""
    return click.argument("url", metavar="URL", envvar="TIMELINE_DATABASE")(command)


def in_database(action: Callable[[], Any]) -> Any:
    """Run a database action, turning a database that cannot be reached or used into one line and exit code 1."""
    from dashboard.postgres import DatabaseError

    try:
        return action()
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None


@cli.group()
def db() -> None:
    """A collection in PostgreSQL, for several app servers on several machines: `db init` makes its schema,
    `db load` writes a folder into it, and `timeline serve --events URL` (or gunicorn with TIMELINE_EVENTS=URL)
    reads it. URL is postgresql://USER@HOST:PORT/NAME, or $TIMELINE_DATABASE; the password comes from
    $PGPASSWORD or ~/.pgpass, never the command line."""


@db.command("init")
@database_argument
@click.option(
    "--reader",
    metavar="ROLE",
    help="An existing role that may then read the collection, and nothing more: the one the app servers use.",
)
def db_init(url: str, reader: str | None) -> None:
    """Create the collection's tables, or bring them up to date (each migration once, in one transaction)."""
    from dashboard import postgres

    before, after = in_database(lambda: postgres.init(url, reader))
    done = f"schema version {after}" + (f" (was {before})" if before != after else " (up to date)")
    click.echo(f"{postgres.safe_name(url)}: {done}" + (f"; {reader} may read it" if reader else ""))


@db.command("load")
@database_argument
@events_option
@click.option("--prune", is_flag=True, help="Remove the events the database has and the folder does not.")
def db_load(url: str, events_dir: Path, prune: bool) -> None:
    """Write the events folder into the database, in one transaction: each event added or updated by its id,
    nothing removed unless --prune. Problems are printed as `timeline validate` prints them, and the app shows
    them as it would for the folder; the events with problems are left out as they would be. Exits 1 on any
    problem."""
    from dashboard import postgres

    collection = load(events_dir)
    report_problems(collection, events_dir, all_lines=True)
    done = in_database(lambda: postgres.load(url, collection, prune=prune))
    parts = [f"{done.added:,} added", f"{done.changed:,} changed", f"{done.removed:,} removed"]
    if done.kept:
        parts.append(f"{done.kept:,} not in the folder kept (--prune removes them)")
    click.echo(
        f"{postgres.safe_name(url)}: version {done.version}, {counted(len(collection.events), 'event')} "
        f"({', '.join(parts)})"
    )
    problems = [p for p in collection.problems if p.effect != Effect.WARNING]
    sys.exit(1 if problems else 0)

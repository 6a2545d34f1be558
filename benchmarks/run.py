"""The benchmark: our timeline app against a naive one-``px.timeline`` Dash app and the floor (Dash with one graph of
one trace: what Dash and plotly.js cost by themselves), at growing collection sizes.

    python benchmarks/run.py                                   # 1k, 10k, 100k, 1M events; 15-25 minutes
    python benchmarks/run.py --quick                           # 1k and 10k, one repeat: about 4 minutes
    python benchmarks/run.py --sizes 1000,100000 --out /tmp/b.md
    python benchmarks/run.py --sizes 1000000 --apps naive      # one app only (ours, naive, floor)
    python benchmarks/run.py --quick --ours-src /tmp/other     # our app from another checkout

For each size it generates (or reuses) a synthetic collection (benchmarks/generate.py), starts each app as its
own server on a free loopback port, and measures: server start until '/' answers 200 (first and second start),
the bytes of the figure JSON, the time to the first drawn timeline in headless Chromium and the bytes received
until then, zoom re-render and click-to-card latency, peak memory of the server and of Chromium's renderer, and
(ours) PNG export time per image. Every measurement has a timeout; a timeout or a crash is reported in the table,
not raised. The tables go to docs/benchmark.md (or --out) and to stdout; every cell, with the machine's load at
the start and the end, to /tmp/timeline-bench/run/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
_VENV = HERE.parent / ".venv"
if __name__ == "__main__" and Path(sys.prefix).resolve() != _VENV.resolve() and (_VENV / "bin" / "python").exists():
    # `python benchmarks/run.py` with another Python: run again with the project's own (Playwright, pandas, …).
    os.execv(str(_VENV / "bin" / "python"), [str(_VENV / "bin" / "python"), __file__, *sys.argv[1:]])

import browser  # noqa: E402
import generate  # noqa: E402
import servers  # noqa: E402

ROOT = HERE.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TIMELINE = ROOT / ".venv" / "bin" / "timeline"
WORK = generate.CACHE / "run"
NA_PARQUET = "n/a: store cannot read parquet yet"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- results ---------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One table cell: a number with its unit, and/or a word about it ('timeout after 120 s')."""

    value: float | None = None
    unit: str = ""
    text: str | None = None

    def show(self) -> str:
        text = (self.text or "").replace("|", "\\|").replace("\n", " ")
        if self.value is None:
            return text or "—"
        shown = fmt(self.value, self.unit)
        return f"{shown} ({text})" if text else shown


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.0f} s" if value >= 100 else f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "B":
        for limit, name in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if value >= limit:
                return f"{value / limit:.1f} {name}"
        return f"{value:.0f} B"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.0f}"


ROWS = [
    ("load_cold", "server ready at `/`, first start"),
    ("load_cached", "server ready at `/`, second start (cache warm)"),
    ("yaml_cold", "ours from the YAML folder: ready, first start"),
    ("yaml_cached", "ours from the YAML folder: ready, second start"),
    ("layout_bytes", "`/_dash-layout` answer"),
    ("figure_bytes", "timeline figure JSON (ours: in 1st callback answer; naive: in layout)"),
    ("update_bytes", "1st callback answer carrying the figure, whole"),
    ("initial_updates", "callback answers during page load"),
    ("layout_at", "layout arrived (from navigation start)"),
    ("figure_at", "1st figure answer arrived (from navigation start)"),
    ("first_render", "**first rendered timeline** (from navigation start)"),
    ("first_paint", "**first readable paint**: preview or rendered timeline, whichever first (from navigation start)"),
    ("bytes_to_render", "bytes received until the first render (as sent)"),
    ("decoded_to_render", "the same, uncompressed"),
    ("zoom_p50", "zoom until redrawn and quiet p50"),
    ("zoom_p95", "zoom until redrawn and quiet p95"),
    ("zoom_first_p50", "zoom until plotly's first redraw p50"),
    ("click_p50", "click → card p50"),
    ("server_mem", "server peak memory (VmHWM)"),
    ("renderer_mem", "Chromium renderer peak memory (VmHWM)"),
    ("export_per_image", "PNG export `--size tall --each category`: wall time / images"),
    ("export_first", "PNG export: first image written (from command start)"),
    ("export_marginal", "PNG export: each image after the first (file times)"),
]
RATIO_ROWS = {
    "load_cold",
    "load_cached",
    "layout_bytes",
    "figure_bytes",
    "first_render",
    "first_paint",
    "bytes_to_render",
    "zoom_p50",
    "zoom_p95",
    "zoom_first_p50",
    "click_p50",
    "server_mem",
    "renderer_mem",
}


@dataclass
class SizeResult:
    size: int
    facts: dict[str, Any]
    parquet_bytes: int
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ours_source: str = "Parquet"

    def put(self, row: str, app: str, cell: Cell) -> None:
        self.cells.setdefault(row, {})[app] = cell

    def get(self, row: str, app: str) -> Cell:
        return self.cells.get(row, {}).get(app, Cell())


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


# ---- time budget -----------------------------------------------------------------------------------------------


class Budget:
    """Deadlines for the tasks in order: a task may take up to its cap, leaving each later task its reserve."""

    def __init__(self, total_s: float, tasks: list[tuple[str, float, float]]) -> None:
        self.end = time.monotonic() + total_s
        self.tasks = tasks  # (name, reserve, cap)
        self.index = 0

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def next_deadline(self, name: str) -> float:
        names = [t[0] for t in self.tasks]
        self.index = names.index(name)
        later = sum(t[1] for t in self.tasks[self.index + 1 :])
        cap = self.tasks[self.index][2]
        allowed = min(cap, self.remaining() - later)
        allowed = max(allowed, min(self.tasks[self.index][1], self.remaining()))
        return time.monotonic() + max(allowed, 0)


# ---- one app ---------------------------------------------------------------------------------------------------


@dataclass
class Config:
    repeats: int
    timeout: float  # server start, page load
    step_timeout: float  # one zoom, one click
    export_timeout: float
    zooms: int
    clicks: int


APPS = ("ours", "duckdb", "naive", "floor")  # the report's columns, in order
OURS = ("ours", "duckdb")  # this app: its events in each server process (pandas), or in a DuckDB file it queries


def app_command(kind: str, source: Path) -> list[str]:
    if kind in ("naive", "floor"):
        return [str(PYTHON), str(HERE / f"{kind}_app.py"), "--events", str(source), "--port", "{port}"]
    engine = ["--engine", "duckdb"] if kind == "duckdb" else []
    return [*timeline_command(), "serve", "--events", str(source), "--port", "{port}", *engine]


def fresh_copy(source: Path, folder: Path) -> Path:
    """A copy of the events in a new folder, so that any cache our app builds starts empty."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if source.is_dir():
        target = folder / source.name
        shutil.copytree(source, target)
        return target
    shutil.copy2(source, folder / source.name)
    settings = source.parent / "_collection.yaml"
    if settings.exists():
        shutil.copy2(settings, folder / settings.name)
    return folder / source.name


OURS_SOURCE: Path | None = None  # --ours-src: run our app from another checkout of the project


def timeline_command() -> list[str]:
    """How to run our CLI: the project's own `timeline`, or `python -m dashboard` of another checkout."""
    return [str(PYTHON), "-m", "dashboard"] if OURS_SOURCE else [str(TIMELINE)]


def cache_env(workdir: Path) -> dict[str, str]:
    """Point every cache our app may write into the run's own folder (so a first start is a cold one)."""
    env = {"XDG_CACHE_HOME": str(workdir / "xdg-cache"), "TIMELINE_CACHE_DIR": str(workdir / "timeline-cache")}
    if OURS_SOURCE:
        env["PYTHONPATH"] = str(OURS_SOURCE)
    return env


def served_count(server: servers.Server) -> int | None:
    match = re.search(r"Serving ([\d,]+) events", server.log_text())
    return int(match.group(1).replace(",", "")) if match else None


@dataclass
class Loads:
    cold: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    error: str | None = None
    loaded: int | None = None
    server: servers.Server | None = None
    workdir: Path | None = None
    source: Path | None = None


def start_times(kind: str, source: Path, tag: str, cfg: Config, deadline: float, keep: bool) -> Loads:
    """First and second start of the app on fresh copies, ``cfg.repeats`` times; the last server kept running."""
    out = Loads()
    for repeat in range(cfg.repeats):
        workdir = WORK / f"{tag}-{repeat}"
        copy = fresh_copy(source, workdir / "data") if kind in OURS else source
        env = cache_env(workdir)
        for folder in (env["XDG_CACHE_HOME"], env["TIMELINE_CACHE_DIR"]):  # a first start is a cold one, every run
            shutil.rmtree(folder, ignore_errors=True)
        out.workdir, out.source = workdir, copy
        last = repeat == cfg.repeats - 1
        for phase in ("cold", "cached"):
            limit = min(cfg.timeout, deadline - time.monotonic())
            if limit < 5:
                out.error = out.error or "skipped: time budget spent"
                return out
            try:
                server = servers.start(
                    app_command(kind, copy), cwd=workdir, log=workdir / f"{phase}.log", timeout=limit, env=env
                )
            except servers.StartError as error:
                out.error = error.message if error.kind == "timeout" else f"failed: {error.message}"
                return out
            (out.cold if phase == "cold" else out.cached).append(server.ready_s)
            log(f"  {tag} start {repeat + 1} ({phase}): {server.ready_s:.2f} s")
            if kind in OURS:
                out.loaded = served_count(server)
                if out.loaded == 0:
                    servers.stop(server)
                    out.error = "loaded 0 events"
                    return out
            # A slow start (a first one that builds a file for minutes) is measured once, and its server kept.
            if phase == "cached" and keep and (last or server.ready_s > 60 or out.cold[-1] > 60):
                out.server = server
                return out
            servers.stop(server)
        if out.cold[-1] > 60:
            return out  # slow: one repeat is enough (the time goes to the larger sizes)
    return out


def measure_duckdb(source: Path, result: SizeResult, cfg: Config, budget: Budget) -> None:
    """Our app with the DuckDB engine at one size (``measure_app``), in its share of the run's time."""
    log(f"{result.size:,} events: ours, DuckDB")
    measure_app("duckdb", source, result, cfg, budget.next_deadline(f"duckdb-{result.size}"))


def measure_app(kind: str, source: Path, result: SizeResult, cfg: Config, deadline: float, label: str = "") -> Loads:
    """Start times, browser measurements and memory of one app at one size, into ``result`` under ``kind``.

    Returns the start times; when ours loaded no event from the file it records nothing and says so in
    ``error`` ('loaded 0 events')."""
    facts = result.facts
    tag = f"{kind}-{result.size}{label}"
    loads = start_times(kind, source, tag, cfg, deadline, keep=True)
    if loads.error == "loaded 0 events":
        return loads
    if loads.cold:
        result.put("load_cold", kind, Cell(median(loads.cold), "s"))
    if loads.cached:
        result.put("load_cached", kind, Cell(median(loads.cached), "s"))
    if loads.error:
        for row in ("load_cold", "load_cached"):
            if result.get(row, kind).value is None:
                result.put(row, kind, Cell(text=loads.error))
    if loads.server is None:
        if loads.error:
            result.put("first_render", kind, Cell(text=f"not measured ({loads.error})"))
        return loads
    server = loads.server
    if kind in OURS and loads.loaded not in (None, result.size):
        result.notes.append(f"{kind} loaded {loads.loaded:,} of {result.size:,} events.")
    if kind in OURS:
        # Measured as a reader meets a running server: with the preview that its first request for the page drew.
        waited = wait_for_preview(server, min(60.0, max(deadline - time.monotonic(), 1)))
        result.notes.append(
            f"{kind}: the preview of the timeline was in the page {waited:.1f} s after the server was ready."
            if waited is not None
            else f"{kind}: the preview of the timeline was not in the page within 60 s of the server being ready."
        )
    quiet_to_next = (dt.date.fromisoformat(facts["quiet_to"]) + dt.timedelta(days=1)).isoformat()
    ours = kind in OURS
    params = {
        "url": server.url,
        "graph_id": "timeline" if ours else "graph",
        "card_selector": "#detail-card .detail-title" if ours else "#card h3",
        "loads": cfg.repeats,
        "load_query": "",
        "zoom_ranges_": browser.zoom_ranges(facts["busiest_day"], facts["first_day"], facts["last_day"], cfg.zooms),
        "click_query": f"?from={facts['quiet_from']}&to={facts['quiet_to']}" if ours else None,
        # A quiet day, then its rarest category alone: at a million events the approximate months around a day
        # (their loose bounds reach a month further) make even a day a density view.
        "click_fallback_queries": [
            f"?from={facts['quiet_day']}&to={facts['quiet_day']}",
            f"?from={facts['quiet_day']}&to={facts['quiet_day']}&category={generate.CATEGORIES[-1]}",
        ]
        if ours
        else [],
        "click_range": [facts["quiet_from"], quiet_to_next] if kind == "naive" else None,
        "clicks": 0 if kind == "floor" else cfg.clicks,  # the floor has no card to show
        "timeout_s": cfg.timeout,
        "step_timeout_s": cfg.step_timeout,
    }
    session = browser_session(params, deadline, WORK / f"{tag}-browser")
    memory = servers.peak_mb(server.pid)
    alive = server.proc.poll() is None
    servers.stop(server)
    record_session(kind, session, result, memory, alive)
    return loads


def browser_session(params: dict[str, Any], deadline: float, folder: Path) -> browser.Session:
    """Run browser.run_session in a process of its own and stop it (with its Chromium) when it has reported no
    progress for longer than any one step may take, or the deadline has passed; what it had measured by then
    is kept. (A renderer stuck in a huge figure can keep Playwright from noticing its own timeouts.)"""
    folder.mkdir(parents=True, exist_ok=True)
    params_path, out_path, log_path = folder / "params.json", folder / "session.json", folder / "browser.log"
    out_path.unlink(missing_ok=True)
    budget = max(deadline - time.monotonic(), 1)
    params_path.write_text(json.dumps({**params, "budget_s": budget}))
    quiet_limit = max(params["timeout_s"], params["step_timeout_s"]) + 30
    with log_path.open("wb") as handle:
        proc = subprocess.Popen(
            [str(PYTHON), str(HERE / "browser.py"), str(params_path), str(out_path)],
            cwd=folder,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    started = last = time.monotonic()
    seen_mtime = 0.0
    shown = 0
    hung = None
    renderer_at_stop = None
    while proc.poll() is None:
        time.sleep(0.5)
        now = time.monotonic()
        try:
            mtime = out_path.stat().st_mtime
        except OSError:
            mtime = 0.0
        if mtime != seen_mtime:
            seen_mtime, last = mtime, now
        lines = log_path.read_text(errors="replace").splitlines()
        for line in lines[shown:]:
            if line.startswith("["):
                print(line, file=sys.stderr, flush=True)
        shown = len(lines)
        if now - last > quiet_limit:
            hung = f"no progress for {quiet_limit:.0f} s"
        elif now - started > budget + 30:
            hung = "past the time budget"
        if hung:
            renderer_at_stop = servers.renderer_peak_mb(proc.pid)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            break
    text = log_path.read_text(errors="replace")
    for line in text.splitlines()[shown:]:
        if line.startswith("["):
            print(line, file=sys.stderr, flush=True)
    session = browser.Session()
    if out_path.exists():
        try:
            session = browser.session_from_json(out_path.read_text())
        except (ValueError, TypeError) as error:
            session.notes.append(f"session results unreadable: {error}")
    if hung:
        if renderer_at_stop is not None:
            session.renderer_mb = max(session.renderer_mb or 0, renderer_at_stop)
            session.renderer_at_stop = True
        message = f"browser process stopped: {hung} (renderer stuck?)"
        log(f"    {message}")
        if not session.loads:
            session.loads.append(
                browser.PageResult(error=f"timeout after {params['timeout_s']:.0f} s (browser hung; stopped)")
            )
        elif not session.zoom_ms and not session.zoom_error and not session.loads[-1].error:
            session.zoom_error = "timeout (browser hung; stopped)"
        elif not session.click_ms and not session.click_error and not session.loads[-1].error:
            session.click_error = "timeout (browser hung; stopped)"
        session.notes.append(message)
    elif proc.returncode != 0 and not session.loads:
        session.loads.append(browser.PageResult(error=f"failed: {servers.last_line(text)}"))
    return session


def record_bytes(kind: str, good: list[browser.PageResult], result: SizeResult) -> None:
    """Bytes received until the first render: medians over the page loads, and whether any was compressed."""
    sent = [g.bytes_to_render for g in good if g.bytes_to_render is not None]
    if not sent:
        return
    decoded = [g.decoded_bytes_to_render for g in good if g.decoded_bytes_to_render is not None]
    encodings = sorted({e for g in good for e in g.encodings})
    requests = median([g.requests_to_render for g in good if g.requests_to_render is not None])
    how = f"{', '.join(encodings)}-compressed" if encodings else "uncompressed"
    result.put("bytes_to_render", kind, Cell(median(sent), "B", f"{how}, {requests:.0f} responses"))
    if decoded:
        result.put("decoded_to_render", kind, Cell(median(decoded), "B"))


def record_first_paint(kind: str, good: list[browser.PageResult], result: SizeResult) -> None:
    """The first readable paint: medians over the page loads, saying what came first (an app without a preview
    gets its first rendered timeline)."""
    paints = [g.first_paint_ms / 1000 for g in good if g.first_paint_ms is not None]
    if not paints:
        return
    previews = sum(1 for g in good if g.preview_ms is not None and g.preview_ms == g.first_paint_ms)
    what = "no preview: the first render" if not previews else f"the preview in {previews} of {len(good)} loads"
    result.put("first_paint", kind, Cell(median(paints), "s", what))


def wait_for_preview(server: servers.Server, timeout_s: float) -> float | None:
    """Seconds until our server's page for '/' carries its preview (drawn in the background after its first request
    for the page), or None if it did not within ``timeout_s``."""
    import urllib.request

    marker = f'id="{browser.PREVIEW_ID}"'.encode()
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(server.url, timeout=10) as answer:
                if marker in answer.read():
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.25)
    return None


def record_session(kind: str, s: browser.Session, result: SizeResult, memory: float | None, alive: bool) -> None:
    good = [load for load in s.loads if load.error is None]
    errors = [load.error for load in s.loads if load.error]
    if good:
        result.put(
            "first_render",
            kind,
            Cell(median([g.first_render_ms / 1000 for g in good]), "s", f"n={len(good)}" if len(good) > 1 else None),
        )
        record_first_paint(kind, good, result)
        layout = [g.layout_ms / 1000 for g in good if g.layout_ms]
        if layout:
            result.put("layout_at", kind, Cell(median(layout), "s"))
        update = [g.first_update_ms / 1000 for g in good if g.first_update_ms]
        if update:
            result.put("figure_at", kind, Cell(median(update), "s"))
        record_bytes(kind, good, result)
    elif errors:
        result.put("first_render", kind, Cell(text=errors[0]))
    if s.layout_bytes is not None:
        result.put("layout_bytes", kind, Cell(s.layout_bytes, "B"))
    if kind in OURS:
        if s.first_update_figure_bytes is not None:
            result.put("figure_bytes", kind, Cell(s.first_update_figure_bytes, "B"))
        if s.first_update_bytes is not None:
            result.put("update_bytes", kind, Cell(s.first_update_bytes, "B"))
            total = fmt(s.initial_update_bytes or 0, "B")
            result.put("initial_updates", kind, Cell(text=f"{s.initial_updates} answers, {total}"))
    else:  # naive and floor: the figure is in the layout
        if s.layout_figure_bytes is not None:
            result.put("figure_bytes", kind, Cell(s.layout_figure_bytes, "B"))
        elif s.layout_bytes is not None:
            result.put("figure_bytes", kind, Cell(s.layout_bytes, "B", "whole layout"))
        result.put("update_bytes", kind, Cell(text="n/a (figure in layout)"))
        result.put("initial_updates", kind, Cell(text=f"{s.initial_updates or 0} answers"))
    if kind == "floor":
        result.put("click_p50", kind, Cell(text="n/a (no card)"))
    if good:
        zoom_note = s.zoom_error
        if s.zoom_ms:
            n_note = f"n={len(s.zoom_ms)}" + (f"; {zoom_note}" if zoom_note else "")
            result.put("zoom_p50", kind, Cell(percentile(s.zoom_ms, 0.5), "ms", n_note))
            result.put("zoom_p95", kind, Cell(percentile(s.zoom_ms, 0.95), "ms"))
            if s.zoom_first_ms:
                result.put("zoom_first_p50", kind, Cell(percentile(s.zoom_first_ms, 0.5), "ms"))
            if kind in OURS and s.zoom_no_update:
                result.notes.append(
                    f"{kind}: the server answered {s.zoom_no_update} of the zooms with 204 (nothing to change)."
                )
            if kind in OURS and s.zoom_requests:
                result.notes.append(
                    f"{kind}: callback answers per zoom: {sorted(set(s.zoom_requests))}; "
                    f"each zoom (ms): {', '.join(f'{v:,.0f}' for v in s.zoom_ms)}."
                )
        elif zoom_note:
            result.put("zoom_p50", kind, Cell(text=zoom_note))
        if s.click_ms:
            note = f"n={len(s.click_ms)}" + (f"; {s.click_error}" if s.click_error else "")
            result.put("click_p50", kind, Cell(median(s.click_ms), "ms", note))
        elif s.click_error:
            result.put("click_p50", kind, Cell(text=s.click_error))
        if s.click_note:
            result.notes.append(f"{kind}: clicks: {s.click_note}.")
    if memory is not None:
        result.put("server_mem", kind, Cell(memory, "MB", None if alive else "server had exited"))
    if s.renderer_mb is not None:
        result.put(
            "renderer_mem",
            kind,
            Cell(s.renderer_mb, "MB", "when the stuck browser was stopped" if s.renderer_at_stop else None),
        )
    for note in s.notes:
        result.notes.append(f"{kind}: {note}")


# ---- export ----------------------------------------------------------------------------------------------------


def measure_export(source: Path, workdir: Path, result: SizeResult, cfg: Config, deadline: float) -> None:
    """`timeline export --format png --size tall --each category`: wall time per image, and from the files' modification
    times when the first image was written and how fast the others followed."""
    facts = result.facts
    window = [] if result.size <= 1000 else ["--from", facts["quiet_from"], "--to", facts["quiet_to"]]
    what = "the whole collection" if not window else f"{facts['quiet_from']} – {facts['quiet_to']}"
    # tall: each picture as high as its rows need (a busy view does not fit the default 900 px, which is refused)
    cmd = [*timeline_command(), "export", "--format", "png", "--size", "tall", "--events", str(source), *window]
    cmd += ["--each", "category"]
    env = cache_env(workdir)
    per_image: list[float] = []
    first: list[float] = []
    after: list[float] = []
    images = 0
    error = None
    for repeat in range(cfg.repeats if result.size <= 10_000 else 1):
        limit = min(cfg.export_timeout, deadline - time.monotonic())
        if limit < 5:
            error = "skipped: time budget spent"
            break
        target = workdir / "export" / str(repeat)
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        started = time.time()
        try:
            seconds, code, text = servers.run_timed(
                [*cmd, "--out", str(target)], cwd=workdir, timeout=limit, env=env, log=workdir / f"export-{repeat}.log"
            )
        except servers.StartError as err:
            error = err.message
            break
        written = sorted(p.stat().st_mtime_ns / 1e9 for p in target.glob("*.png"))
        if code != 0 or not written:
            error = f"failed (exit {code}): {servers.last_line(text)}"
            break
        images = len(written)
        per_image.append(seconds / images)
        first.append(written[0] - started)
        if images > 1:
            after.append((written[-1] - written[0]) / (images - 1))
        log(f"  export: {images} images in {seconds:.2f} s (first written after {first[-1]:.2f} s)")
    if per_image:
        result.put("export_per_image", "ours", Cell(median(per_image), "s", f"{images} images"))
        result.put("export_first", "ours", Cell(median(first), "s"))
    if after:
        # Pictures written all together at the end (one batch) leave their files' times nothing to tell apart.
        together = (median(after) or 0) < 0.01
        limit = next(limits for key, _, _, limits in TARGETS if key == "export_marginal").get(result.size)
        note = (
            "written together at the end: file times cannot separate them"
            if together
            else (f"target ≤ {limit} s" if limit is not None else None)
        )
        result.put("export_marginal", "ours", Cell(median(after), "s", note))
    if error:
        result.put("export_per_image" if not per_image else "export_marginal", "ours", Cell(text=error))
    for row in ("export_per_image", "export_first", "export_marginal"):
        result.put(row, "naive", Cell(text="—"))
        result.put(row, "floor", Cell(text="—"))
    result.notes.append(
        f"PNG export: {what} (`--events` {'YAML folder' if source.is_dir() else 'Parquet'}), {len(per_image)} run(s)."
    )


# ---- machine and report ------------------------------------------------------------------------------------------


LOADTEST = ["--workers", "4", "--users", "8", "--requests", "10", "--preload", "--start-seconds", "600"]


def loadtests(source: Path, deadline: float) -> list[str]:
    """The load test (``benchmarks/loadtest.py``) against gunicorn with 4 workers over ``source``, for each engine:
    its table rows, or why one was not run."""
    lines = [
        "| engine | requests | errors | p50 ms | p95 ms | p99 ms | max ms | req/s | workers agree "
        "| serving: peak RSS MB | serving: peak PSS MB | RSS MB after | starting: peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for engine in ("pandas", "duckdb"):
        workdir = WORK / f"loadtest-{engine}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        copy = fresh_copy(source, workdir / "data")
        limit = deadline - time.monotonic()
        if limit < 60:
            lines.append(f"| {engine} | not run: time budget spent |")
            continue
        command = [str(PYTHON), str(HERE / "loadtest.py"), "--events", str(copy), "--engine", engine, *LOADTEST]
        log(f"load test, {engine}: {' '.join(command[2:])}")
        try:
            done = subprocess.run(
                command,
                cwd=ROOT,
                env={**os.environ, **cache_env(workdir)},
                capture_output=True,
                text=True,
                timeout=limit,
            )
        except subprocess.TimeoutExpired:
            lines.append(f"| {engine} | not finished within {limit:.0f} s |")
            continue
        rows = [line for line in done.stdout.splitlines() if re.match(r"\| \d", line)]
        if done.returncode or not rows:
            lines.append(f"| {engine} | failed (exit {done.returncode}): {servers.last_line(done.stderr)} |")
        else:
            lines.append(f"| {engine} {rows[0]}")
        shutil.rmtree(workdir / "data", ignore_errors=True)
    return lines


def machine_line(chromium: str) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    versions = []
    for package in ("dash", "plotly", "pandas", "pyarrow", "kaleido"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # noqa: BLE001
            pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram} RAM; Chromium {chromium}; Python {sys.version.split()[0]}; "
        f"{', '.join(versions)}; {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}"
    )


def loadavg() -> str:
    """The machine's 1-minute load average, as text."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def git_state() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "dashboard", "assets"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return f"{head}{' with uncommitted changes in dashboard/ or assets/' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def ratio_text(ratio: float) -> str:
    """0.52× as such; a tiny ratio as 1/N so that it does not read 0.00×."""
    return f"{ratio:.2f}×" if ratio >= 0.05 or ratio == 0 else f"1/{1 / ratio:,.0f}"


def ratio_cell(key: str, ours: Cell, other: Cell) -> str:
    if key in RATIO_ROWS and ours.value is not None and other.value:
        return ratio_text(ours.value / other.value)
    return ""


def table(result: SizeResult, ours_label: str) -> str:
    """One size: the apps side by side, ours against the floor and against the naive app, and ours with its
    events in a DuckDB file against ours with them in each server process."""
    lines = [
        f"| metric | {ours_label} | ours, DuckDB | naive | floor | ours / floor | ours / naive | DuckDB / pandas |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label in ROWS:
        if key not in result.cells:
            continue
        ours, duck, naive, floor = (result.get(key, app) for app in APPS)
        lines.append(
            f"| {label} | {ours.show()} | {duck.show()} | {naive.show()} | {floor.show()} "
            f"| {ratio_cell(key, ours, floor)} | {ratio_cell(key, ours, naive)} | {ratio_cell(key, duck, ours)} |"
        )
    return "\n".join(lines)


# The targets each size is held to: (row, what, unit, {size: limit}); a limit is a number in the row's unit, or
# ("floor", extra) for the floor app's value plus extra, or "naive" for the naive app's value.
Limit = float | tuple[str, float] | str
TARGETS: list[tuple[str, str, str, dict[int, Limit]]] = [
    (
        "first_render",
        "first rendered timeline",
        "s",
        {
            1_000: ("floor", 0.3),
            10_000: ("floor", 0.3),
            100_000: ("floor", 0.5),
            1_000_000: ("floor", 1.5),
            10_000_000: ("floor", 2.0),
        },
    ),
    ("first_paint", "first readable paint", "s", {1_000: 0.6, 10_000: 0.6, 100_000: 0.6, 1_000_000: 1.0}),
    (
        "zoom_first_p50",
        "zoom p50, until plotly has redrawn",
        "ms",
        {1_000: "naive", 10_000: 150, 100_000: 250, 1_000_000: 400},
    ),
    (
        "zoom_p50",
        "zoom p50, until redrawn and quiet",
        "ms",
        {1_000: "naive", 10_000: 150, 100_000: 250, 1_000_000: 400, 10_000_000: 1000},
    ),
    ("click_p50", "click → card p50", "ms", {1_000: 50, 10_000: 50, 100_000: 100, 1_000_000: 150}),
    ("bytes_to_render", "bytes to first render", "B", {1_000: 2e6, 10_000: 2e6, 100_000: 2e6, 1_000_000: 2.5e6}),
    ("server_mem", "server peak memory", "MB", {1_000_000: 1500}),
    ("load_cached", "server ready, second start", "s", {1_000_000: 3.0}),
    ("export_marginal", "batch PNG, each after the first", "s", {1_000: 0.3, 100_000: 0.3, 1_000_000: 0.5}),
]


def limit_of(result: SizeResult, row: str, limit: Limit) -> float | None:
    """A target's limit for one size, in the row's unit (None when the app it is measured against has no value)."""
    if isinstance(limit, str):
        return result.get(row, limit).value
    if isinstance(limit, tuple):
        base = result.get(row, limit[0]).value
        return None if base is None else base + limit[1]
    return limit


def target_cell(result: SizeResult, row: str, unit: str, limit: Limit, app: str = "ours") -> str:
    """'0.42 s ≤ 0.60 s: met', or why it cannot be said."""
    ours = result.get(row, app)
    bound = limit_of(result, row, limit)
    wanted = (
        f"≤ {limit} ({fmt(bound, unit) if bound is not None else '—'})"
        if isinstance(limit, str)
        else f"≤ floor + {fmt(limit[1], unit)} ({fmt(bound, unit) if bound is not None else '—'})"
        if isinstance(limit, tuple)
        else f"≤ {fmt(limit, unit)}"
    )
    if ours.value is None or bound is None:
        return f"{ours.show()}; target {wanted}: not measured"
    verdict = "**met**" if ours.value <= bound else "not met"
    return f"{fmt(ours.value, unit)}; target {wanted}: {verdict}"


def targets_table(results: list[SizeResult]) -> list[str]:
    """Each target beside what was measured, size by size, marked met or not."""
    sizes = [result.size for result in results]
    lines = [
        "| target | " + " | ".join(f"{size:,}" for size in sizes) + " |",
        "| --- |" + " --- |" * len(sizes),
    ]
    for app, named in (("ours", ""), ("duckdb", " (DuckDB)")):
        for row, what, unit, limits in TARGETS:
            cells = [
                target_cell(result, row, unit, limits[result.size], app) if result.size in limits else ""
                for result in results
            ]
            if any(cells) and any(result.get(row, app).value is not None for result in results):
                lines.append(f"| {what}{named} | " + " | ".join(cells) + " |")
    return lines


def load_text(load: tuple[float, float, float] | None) -> str:
    return " / ".join(f"{v:.2f}" for v in load) if load else "?"


def report(
    results: list[SizeResult],
    machine: str,
    command: str,
    cfg: Config,
    finished: bool,
    elapsed: float,
    code: str,
    loads: tuple[Any, Any] = (None, None),
    loadtest: list[str] | None = None,
) -> str:
    parts = [
        "# Benchmark: our timeline app against a naive `px.timeline` app and the floor",
        "",
        f"Made by `{command}` ({'finished' if finished else 'partial: still running or stopped'}, "
        f"{elapsed / 60:.1f} min). Code at the start of the run: {code}.",
        "",
        f"**Machine:** {machine}.",
        "",
        f"**Machine load** (`os.getloadavg()`, 1 / 5 / 15 min, {os.cpu_count()} cores): {load_text(loads[0])} at "
        f"the start, {load_text(loads[1]) if finished else 'still running'} at the end; other work on the machine "
        "makes times noisier.",
        "",
        "**Run it:** `.venv/bin/python benchmarks/run.py` (1k, 10k, 100k and 1M events, about 25–30 min; "
        "`--sizes 1000,100000` for others, `--out FILE` for another report, `--apps ours,floor` for some apps), or "
        "`--quick` (1k and 10k, one repeat, 4 zooms and 4 clicks: a smoke run of about 4 min). "
        "`benchmarks/generate.py N …` writes the collections alone; `benchmarks/naive_app.py --events FILE.parquet "
        "--port P` serves the baseline, `benchmarks/floor_app.py` (same arguments) the floor.",
        "",
        "**Data** (`benchmarks/generate.py`, seeded, cached under `/tmp/timeline-bench/`): bursty days (eight days "
        "hold 30% of the events, the busiest about 12%), 75% single days, 15% ranges of 2–14 days, 10% "
        "month-precision approximate events; 6 categories, 200 actors (1–2 per event), 300 places with "
        "coordinates, 3% of events linking to earlier ones; the span grows with the size (90 days at 1k, "
        "333 days at 10k, 9 years at 100k, 10 years at 1M). The three apps read the same Parquet file; the YAML "
        "rows read the same events as one YAML file each.",
        "",
        "**How it is measured.** Each app runs as its own server process on a free 127.0.0.1 port (ours: "
        "`timeline serve --events FILE`; naive: `benchmarks/naive_app.py`, one `px.timeline` of every event "
        "built at start, in the layout, plus a clickData → card callback; floor: `benchmarks/floor_app.py`, Dash with "
        "one `dcc.Graph` of one scatter trace of the events' dates in the layout, nothing else: what loading Dash "
        "and plotly.js costs). *Server ready*: from process start "
        "until `GET /` answers 200; the first start is on a fresh copy of the file in a new folder (any cache "
        "our app writes starts empty), the second start on the same copy. *First rendered timeline*: in headless "
        "Chromium (1400×900), from navigation start until the graph div holds drawn traces and plotly's "
        "`_fullLayout` exists, fresh browser context each load. *First readable paint*: from navigation start until "
        "the first frame drawn with our static preview of the timeline in the page (its first HTML carries one, drawn"
        " on the server; the page loads start once it is ready), or until the first render if that comes first; the "
        "naive and floor apps have no preview, so theirs is their first render. *Bytes until the first render*: the "
        "response bodies (Playwright's finished requests, as sent: compressed if the server compressed them) whose "
        "answer had ended when the graph was first drawn; the note says whether any was compressed. *Zoom*: "
        f"`Plotly.relayout(gd, {{'xaxis.range': …}})` (what a drag or wheel zoom ends in) {cfg.zooms} times, each "
        "range half as wide as the one before, centred on the busiest day, for every app from that call until "
        "the graph has redrawn (`plotly_afterplot`) and the app is quiet (no Dash callback queued, in flight or "
        f"being applied, nothing answered or redrawn for {browser.ZOOM_QUIET_MS} ms): the time of the last answer, "
        "redraw or end of Dash's callbacks the zoom caused; also until plotly's first redraw. "
        "*Click → card*: a click on a drawn mark (naive: bar) of a quiet week (ours opened "
        "with `?from=…&to=…`, naive zoomed there), from mousedown until the card (ours `#detail-card "
        f".detail-title`, naive `#card h3`) shows a new title; {cfg.clicks} clicks (the floor has no card). "
        "*Memory*: VmHWM of the server "
        "process at the end, and the largest VmHWM of Chromium's renderer processes. Medians over "
        f"{cfg.repeats if cfg.repeats == 1 else '3 (≤10k) or 2 (larger) repeats'}; each step has a timeout "
        f"({cfg.timeout:.0f} s for a start or a page load, {cfg.step_timeout:.0f} s for one zoom or click, "
        f"{cfg.export_timeout:.0f} s for an export), and the whole run a time budget. The apps run one after "
        "another; the two engines of ours take turns going first, from one size to the next, since the app "
        "measured second at a size runs on a machine the first has warmed and loaded (about 10 % slower at 1k).",
        "",
    ]
    summary = [
        "| events | ours: first rendered timeline | ours, DuckDB | naive | floor | ours / floor | ours / naive |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        ours, duck, naive, floor = (result.get("first_render", app) for app in APPS)
        summary.append(
            f"| {result.size:,} | {ours.show()} | {duck.show()} | {naive.show()} | {floor.show()} "
            f"| {ratio_cell('first_render', ours, floor)} | {ratio_cell('first_render', ours, naive)} |"
        )
    parts += ["## First rendered timeline, all sizes", "", *summary, ""]
    parts += ["## Targets", "", *targets_table(results), ""]
    if loadtest:
        parts += [
            f"## Load test: gunicorn, 4 workers, {results[-1].size:,} events",
            "",
            "`benchmarks/loadtest.py " + " ".join(LOADTEST) + "` for each engine: the page's own callback request "
            "(recorded from Chromium) replayed by 8 users, 10 requests each, each selecting another event. Memory "
            "is the server's (master, workers and their children) sampled every 0.25 s, while serving (after the "
            "first page) and apart while starting (the first load, or the DuckDB file's build in a child process, "
            "and the timeline's preview, drawn in a browser after the first request for the page): "
            "RSS added up counts the pages the workers share (the imports and, for pandas with --preload, the "
            "table loaded before the fork) once per worker; PSS splits each shared page between the processes "
            "sharing it, and is what the server takes of the machine.",
            "",
            *loadtest,
            "",
        ]
    for result in results:
        f = result.facts
        ours_label = "ours" if result.ours_source == "Parquet" else f"ours ({result.ours_source})"
        parts += [
            f"## {result.size:,} events",
            "",
            f"Parquet {fmt(result.parquet_bytes, 'B')}; {f['first_day']} – {f['last_day']}; busiest day "
            f"{f['busiest_day']} ({f['busiest_day_events']:,} events); quiet week {f['quiet_from']} – "
            f"{f['quiet_to']} ({f['quiet_week_events']:,} events start in it).",
            "",
            table(result, ours_label),
            "",
        ]
        if result.notes:
            parts += ["Notes:", "", *[f"- {note}" for note in dict.fromkeys(result.notes)], ""]
    return "\n".join(parts)


# ---- main ------------------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Benchmark our timeline app against a naive px.timeline app.")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="comma-separated event counts")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmark.md", help="Markdown report")
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, one repeat, fewer zooms and clicks")
    parser.add_argument(
        "--budget", type=float, default=None, help="seconds for the whole run (default 2400, --quick 320)"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds for one server start or page load")
    parser.add_argument(
        "--apps",
        default=",".join(APPS),
        help="which apps to measure: ours (with its PNG export), duckdb (ours with --engine duckdb), naive, floor",
    )
    parser.add_argument(
        "--loadtest", action="store_true", help="also the load test with 4 workers, each engine, at the largest size"
    )
    parser.add_argument(
        "--ours-src",
        type=Path,
        default=None,
        help="run our app from this checkout (python -m dashboard with PYTHONPATH=DIR)",
    )
    args = parser.parse_args(argv)
    apps = {a.strip() for a in args.apps.split(",") if a.strip()}
    if not apps <= set(APPS):
        parser.error(f"--apps: unknown {', '.join(sorted(apps - set(APPS)))} (known: {', '.join(APPS)})")
    load_start = os.getloadavg()
    global OURS_SOURCE
    OURS_SOURCE = args.ours_src.resolve() if args.ours_src else None

    sizes = [1000, 10000] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    cfg = Config(
        repeats=1 if args.quick else 3,
        timeout=args.timeout or (60 if args.quick else 120),
        step_timeout=20 if args.quick else 60,
        export_timeout=60 if args.quick else 180,
        zooms=4 if args.quick else 10,
        clicks=4 if args.quick else 10,
    )
    loadtest_s = 900 if args.loadtest else 0  # kept for the load test, after every size
    total = args.budget or (320 if args.quick else 2400) + loadtest_s
    started = time.monotonic()
    command = "python benchmarks/run.py " + " ".join(argv) if argv else "python benchmarks/run.py"

    WORK.mkdir(parents=True, exist_ok=True)
    log(f"generating (or reusing) collections of {', '.join(f'{n:,}' for n in sizes)} events in {generate.CACHE}")
    for n in sizes:
        t0 = time.monotonic()
        generate.collection(n)
        if n <= 10_000:
            generate.yaml_folder(n)
        log(f"  {n:,} events ready ({time.monotonic() - t0:.1f} s)")
    try:
        chromium = browser.chromium_version()
    except Exception as error:  # noqa: BLE001
        chromium = f"unknown ({error})"
    machine = machine_line(chromium)
    code = git_state() + (f"; ours from {OURS_SOURCE}" if OURS_SOURCE else "")
    log(machine)

    def weight(n: int) -> tuple[float, float]:  # (reserve, cap) seconds of one app's task at size n
        if args.quick:
            return 15, 55
        if n > 1_000_000:  # a first start builds the DuckDB file: minutes at ten million events
            return 900, 2400
        return (60, 240) if n <= 10_000 else (90, 420) if n <= 100_000 else (120, 480)

    tasks = []
    for n in sizes:
        reserve, cap = weight(n)
        export_cap = 25 if args.quick else cfg.export_timeout * (cfg.repeats if n <= 10_000 else 1)
        tasks += [
            (f"ours-{n}", reserve, cap),
            (f"duckdb-{n}", reserve, cap),
            (f"naive-{n}", reserve, cap * (0.6 if args.quick else 1)),
            (f"floor-{n}", reserve, cap * (0.6 if args.quick else 1)),
            (f"export-{n}", reserve / 2, export_cap),
        ]
    budget = Budget(total - loadtest_s - (time.monotonic() - started), tasks)

    results: list[SizeResult] = []
    out_path: Path = args.out
    for number, n in enumerate(sizes):
        source = generate.collection(n)
        result = SizeResult(n, generate.meta(n), source.stat().st_size)
        results.append(result)
        load_before = loadavg()
        per = cfg.repeats if args.quick else (3 if n <= 10_000 else 2)
        size_cfg = Config(**{**asdict(cfg), "repeats": per})

        # The two engines in turn, the first of them at one size the second at the next: an app measured second
        # runs on a machine the first has warmed and loaded (about 10 % slower at 1k), which one order would
        # charge to one engine alone.
        duckdb_first = "duckdb" in apps and "ours" in apps and number % 2 == 1
        if duckdb_first:
            measure_duckdb(source, result, size_cfg, budget)
        if "ours" in apps and "duckdb" in apps:
            result.notes.append(
                f"the engines measured one after the other: {'DuckDB' if duckdb_first else 'in memory'} first "
                "(the order changes from one size to the next)."
            )
        export_source, export_dir, export_missing = None, None, "ours not measured"
        if "ours" in apps:
            log(f"{n:,} events: ours")
            deadline = budget.next_deadline(f"ours-{n}")
            loads = measure_app("ours", source, result, size_cfg, deadline)
            if loads.error != "loaded 0 events":
                export_source, export_dir = loads.source, loads.workdir
                export_missing = f"not measured ({loads.error})" if loads.error else ""
            else:
                export_missing = NA_PARQUET
                if n <= 10_000:
                    result.notes.append(
                        "ours cannot read Parquet yet (it served 0 events), so its browser, memory "
                        "and export rows were measured on the same events from the YAML folder."
                    )
                    result.ours_source = "YAML folder"
                    yaml_loads = measure_app("ours", generate.yaml_folder(n), result, size_cfg, deadline, label="-yaml")
                    export_source, export_dir = yaml_loads.source, yaml_loads.workdir
                    result.put("yaml_cold", "ours", result.get("load_cold", "ours"))
                    result.put("yaml_cached", "ours", result.get("load_cached", "ours"))
                else:
                    result.put("first_render", "ours", Cell(text=NA_PARQUET))
                result.put("load_cold", "ours", Cell(text=NA_PARQUET))
                result.put("load_cached", "ours", Cell(text=NA_PARQUET))
            if n <= 10_000 and result.ours_source == "Parquet" and time.monotonic() < deadline:
                yaml = start_times(
                    "ours", generate.yaml_folder(n), f"ours-{n}-yamlload", size_cfg, deadline, keep=False
                )
                if yaml.cold:
                    result.put("yaml_cold", "ours", Cell(median(yaml.cold), "s"))
                if yaml.cached:
                    result.put("yaml_cached", "ours", Cell(median(yaml.cached), "s"))
                if yaml.error:
                    result.put("yaml_cold" if not yaml.cold else "yaml_cached", "ours", Cell(text=yaml.error))
            if n <= 10_000:
                for other in ("naive", "floor"):
                    result.put("yaml_cold", other, Cell(text="—"))
                    result.put("yaml_cached", other, Cell(text="—"))

        if "duckdb" in apps and not duckdb_first:
            measure_duckdb(source, result, size_cfg, budget)

        if "naive" in apps:
            log(f"{n:,} events: naive")
            measure_app("naive", source, result, size_cfg, budget.next_deadline(f"naive-{n}"))

        if "floor" in apps:
            log(f"{n:,} events: floor")
            measure_app("floor", source, result, size_cfg, budget.next_deadline(f"floor-{n}"))

        result.notes.append(
            f"load average (1 min) of the machine at the start of this size / before the export: "
            f"{load_before} / {loadavg()} (2 cores; other work on the machine makes times noisier)."
        )
        if "ours" in apps:
            log(f"{n:,} events: export")
            deadline = budget.next_deadline(f"export-{n}")
            if export_source is not None and export_dir is not None:
                export_dir.mkdir(parents=True, exist_ok=True)
                measure_export(export_source, export_dir, result, size_cfg, deadline)
            else:
                for row in ("export_per_image", "export_first", "export_marginal"):
                    result.put(row, "ours", Cell(text=export_missing))
                    result.put(row, "naive", Cell(text="—"))
                    result.put(row, "floor", Cell(text="—"))
        for copy in WORK.glob(f"*-{n}*/data"):  # the copies of the events (logs and pictures stay)
            shutil.rmtree(copy, ignore_errors=True)
        text = report(
            results, machine, command, cfg, False, time.monotonic() - started, code, (load_start, os.getloadavg())
        )
        write(out_path, text)

    loadtest = loadtests(generate.collection(sizes[-1]), started + total) if args.loadtest else None
    load_end = os.getloadavg()
    text = report(
        results, machine, command, cfg, True, time.monotonic() - started, code, (load_start, load_end), loadtest
    )
    write(out_path, text)
    summary = {
        "command": command,
        "machine": machine,
        "code": code,
        "apps": [app for app in APPS if app in apps],
        "load_start": list(load_start),
        "load_end": list(load_end),
        "sizes": [
            {
                "size": r.size,
                "facts": r.facts,
                "notes": r.notes,
                "cells": {k: {a: asdict(c) for a, c in v.items()} for k, v in r.cells.items()},
            }
            for r in results
        ],
    }
    (WORK / "results.json").write_text(json.dumps(summary, indent=2))
    print(text)
    log(f"done in {(time.monotonic() - started) / 60:.1f} min; wrote {out_path}")
    return 0


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

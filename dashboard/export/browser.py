"""The headless browsers that draw pictures through kaleido: one per process for the app's downloads (started on
first use, reused, closed when idle; at most RENDERS_AT_ONCE pictures at a time, and a 'try again' past that), and
one per batch of the export command (``Batch``: started at once, BATCH_TABS pictures drawn side by side)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import plotly.graph_objects as go

from dashboard.export.errors import ExportError

RENDERS_AT_ONCE = 2  # pictures one process draws at the same time; more are turned away, not queued
RENDER_WAIT_S = 1.0  # how long a download waits for a free slot before it is told to try again
RENDER_TIMEOUT_S = 60.0
BROWSER_IDLE_S = 300.0  # a browser unused this long is closed: it holds a few hundred MB
BATCH_TABS = 2  # pictures a batch draws side by side: plotly.js draws one on one core, the figures are built on another
BATCH_TIMEOUT_S = 120.0  # the longest one picture of a batch may take (a tall page of thousands of rows)


async def open_browser(tabs: int, timeout: float, *, reload: bool = True) -> Any:
    """A kaleido browser of ``tabs`` tabs, open (``ChromeNotFoundError`` when there is no Chrome or Chromium); with
    ``reload=False``, one whose tabs are not reloaded between pictures (``_keeping_tabs``).

    Its page loads no MathJax: the app's graphs have none either (a headline between two '$' is text, not a
    formula), and a picture is drawn without reaching the network.
    """
    import kaleido

    kind = kaleido.Kaleido if reload else _keeping_tabs(kaleido.Kaleido)
    browser = kind(n=tabs, timeout=timeout, mathjax=False)
    await browser.open()
    return browser


def _keeping_tabs(kind: Any) -> Any:
    """kaleido's browser, handing a tab back as it is after a picture: kaleido reloads the tab's page, all of
    plotly.js, which costs Chromium nearly as much as drawing the picture (0.3 s of 0.65 s at 1,000 events).

    Nothing is carried from one picture to the next: plotly draws each in an element of its own, which it removes.
    Only a batch keeps its tabs, and a batch stops at its first failure, so a tab that failed (or still runs a
    drawing that timed out) draws nothing more. A kaleido that hands its tabs back otherwise is used as it is.
    """
    if not hasattr(kind, "_return_kaleido_tab"):
        return kind

    class KeepingTabs(kind):  # type: ignore[misc]  # kaleido ships no types
        async def _return_kaleido_tab(self, tab: Any) -> None:
            await self.tabs_ready.put(tab)

    return KeepingTabs


def _start_loop(name: str) -> asyncio.AbstractEventLoop:
    """An event loop running on a daemon thread of its own, where a kaleido browser lives."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name=name, daemon=True).start()
    return loop


class RenderBusy(ExportError):
    """Every drawing slot is taken: the caller should try again in a moment."""


class _Renderer:
    """The app's downloads drawn by one headless browser per process, started on first use and reused.

    kaleido ≥ 1 keeps its browser open as long as its ``Kaleido`` object is: that object lives in an event loop on a
    thread of its own, and each download hands it a figure from whatever thread serves the request. A browser that
    failed a picture is closed (the next download starts a fresh one), as is one left idle for BROWSER_IDLE_S.
    kaleido's own sync server is not used: it serves every caller in the process (the export command's batches too),
    draws one picture at a time, mixes up the answers of concurrent callers, and waits forever when its browser
    cannot start.
    """

    def __init__(self) -> None:
        self._slots = threading.BoundedSemaphore(RENDERS_AT_ONCE)
        self._start_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Touched only in the loop's thread:
        self._kaleido: Any = None
        self._opening: asyncio.Lock | None = None  # so that two first downloads start one browser
        self._active = 0
        self._broken = False
        self._idle: asyncio.TimerHandle | None = None  # the timer that closes an idle browser
        self.started = 0  # browsers started

    def draw(self, figure: go.Figure, opts: dict[str, Any], idle_s: float = BROWSER_IDLE_S) -> bytes:
        """The picture's bytes; ``RenderBusy`` when RENDERS_AT_ONCE pictures are being drawn already. The browser
        is closed when nothing more is drawn within ``idle_s`` seconds."""
        if not self._slots.acquire(timeout=RENDER_WAIT_S):
            raise RenderBusy("the server is busy drawing other pictures: try again in a moment")
        try:
            future = asyncio.run_coroutine_threadsafe(self._draw(figure, opts, idle_s), self._running_loop())
            try:
                return bytes(future.result(timeout=RENDER_TIMEOUT_S + 30))  # kaleido's own timeout comes first
            except (TimeoutError, concurrent.futures.TimeoutError):
                future.cancel()
                raise ExportError("the picture took too long to draw: try a smaller view") from None
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the browser, if one is open (at exit; between tests)."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shut(), loop).result(timeout=15)
        except Exception:  # noqa: BLE001 - closing is best effort: the process is leaving, or a test moving on
            pass

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        import atexit

        with self._start_lock:
            if self._loop is None:
                self._loop = _start_loop("picture-renderer")
                atexit.register(self.close)
            return self._loop

    async def _draw(self, figure: go.Figure, opts: dict[str, Any], idle_s: float) -> bytes:
        self._active += 1
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        try:
            browser = await self._open()
            return bytes(await browser.calc_fig(figure, opts=opts))
        except BaseException:
            self._broken = True
            raise
        finally:
            self._active -= 1
            if self._active == 0:
                if self._broken:
                    await self._shut()
                else:
                    self._idle = asyncio.get_running_loop().call_later(
                        idle_s, lambda: asyncio.ensure_future(self._shut_if_idle())
                    )

    async def _open(self) -> Any:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._kaleido is None:
                self._kaleido, self._broken = await open_browser(RENDERS_AT_ONCE, RENDER_TIMEOUT_S), False
                self.started += 1
        return self._kaleido

    async def _shut(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None:
            try:
                await browser.close()
            except Exception:  # noqa: BLE001 - a browser that died on its own has nothing left to close
                pass

    async def _shut_if_idle(self) -> None:
        if self._active == 0:
            await self._shut()


renderer = _Renderer()  # the one per process


class Batch:
    """One browser for a batch of pictures (the export command), in a ``with`` block: it starts at once, in the
    background; ``draw`` hands it a figure and returns at once, with a future of the picture's bytes; BATCH_TABS
    pictures are drawn side by side, in tabs that are not reloaded between them; the browser is closed when the
    block ends. A browser that cannot start fails every future with its error (``ChromeNotFoundError``)."""

    def __init__(self, tabs: int = BATCH_TABS, timeout: float = BATCH_TIMEOUT_S) -> None:
        self._tabs, self._timeout = tabs, timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._browser: concurrent.futures.Future[Any] | None = None

    def __enter__(self) -> Batch:
        self._loop = _start_loop("picture-batch")
        opening = open_browser(self._tabs, self._timeout, reload=False)
        self._browser = asyncio.run_coroutine_threadsafe(opening, self._loop)
        return self

    def __exit__(self, *exc: object) -> None:
        loop, browser = self._loop, self._browser
        if loop is None or browser is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shut(browser), loop).result(timeout=30)
        except Exception:  # noqa: BLE001 - closing is best effort: the pictures are written, or the error said
            pass
        loop.call_soon_threadsafe(loop.stop)

    def draw(self, figure: go.Figure, opts: dict[str, Any]) -> concurrent.futures.Future[bytes]:
        """The picture's bytes, to come (its ``result()`` waits for them, or raises why they could not be drawn)."""
        if self._loop is None or self._browser is None:
            raise RuntimeError("a Batch draws inside its with block")
        return asyncio.run_coroutine_threadsafe(self._draw(self._browser, figure, opts), self._loop)

    @staticmethod
    async def _draw(browser: concurrent.futures.Future[Any], figure: go.Figure, opts: dict[str, Any]) -> bytes:
        opened = await asyncio.wrap_future(browser)
        return bytes(await opened.calc_fig(figure, opts=opts))

    @staticmethod
    async def _shut(browser: concurrent.futures.Future[Any]) -> None:
        try:
            opened = await asyncio.wrap_future(browser)
        except Exception:  # noqa: BLE001 - it never started: nothing to close (its error was each picture's)
            return
        await opened.close()

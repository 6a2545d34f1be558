"""The headless browser that draws the app's downloads: one per process, started on first use, reused, and closed
when idle; at most RENDERS_AT_ONCE pictures at a time, and a 'try again' past that."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashboard.export.errors import ExportError

RENDERS_AT_ONCE = 2  # pictures one process draws at the same time; more are turned away, not queued
RENDER_WAIT_S = 1.0  # how long a download waits for a free slot before it is told to try again
RENDER_TIMEOUT_S = 60.0
BROWSER_IDLE_S = 300.0  # a browser unused this long is closed: it holds a few hundred MB


class RenderBusy(ExportError):
    """Every drawing slot is taken: the caller should try again in a moment."""


class _Renderer:
    """The app's downloads drawn by one headless browser per process, started on first use and reused.

    kaleido ≥ 1 keeps its browser open as long as its ``Kaleido`` object is: that object lives in an event loop on a
    thread of its own, and each download hands it a figure from whatever thread serves the request. A browser that
    failed a picture is closed (the next download starts a fresh one), as is one left idle for BROWSER_IDLE_S.
    kaleido's own sync server is not used: it serves every caller in the process (the export command's batches too),
    mixes up the answers of concurrent callers, and waits forever when its browser cannot start.
    """

    def __init__(self) -> None:
        import threading

        self._slots = threading.BoundedSemaphore(RENDERS_AT_ONCE)
        self._start_lock = threading.Lock()
        self._loop: Any = None
        # Touched only in the loop's thread:
        self._kaleido: Any = None
        self._opening: Any = None  # an asyncio.Lock, so that two first downloads start one browser
        self._active = 0
        self._broken = False
        self._idle: Any = None  # the timer that closes an idle browser
        self.started = 0  # browsers started

    def draw(self, figure: go.Figure, opts: dict[str, Any]) -> bytes:
        """The picture's bytes; ``RenderBusy`` when RENDERS_AT_ONCE pictures are being drawn already."""
        import asyncio
        import concurrent.futures

        if not self._slots.acquire(timeout=RENDER_WAIT_S):
            raise RenderBusy("the server is busy drawing other pictures: try again in a moment")
        try:
            future = asyncio.run_coroutine_threadsafe(self._draw(figure, opts), self._running_loop())
            try:
                return bytes(future.result(timeout=RENDER_TIMEOUT_S + 30))  # kaleido's own timeout comes first
            except (TimeoutError, concurrent.futures.TimeoutError):
                future.cancel()
                raise ExportError("the picture took too long to draw: try a smaller view") from None
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the browser, if one is open (at exit; between tests)."""
        import asyncio

        loop = self._loop
        if loop is None or not loop.is_running():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shut(), loop).result(timeout=15)
        except Exception:  # noqa: BLE001 - closing is best effort: the process is leaving, or a test moving on
            pass

    def _running_loop(self) -> Any:
        import asyncio
        import atexit
        import threading

        with self._start_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="picture-renderer", daemon=True).start()
                self._loop = loop
                atexit.register(self.close)
            return self._loop

    async def _draw(self, figure: go.Figure, opts: dict[str, Any]) -> bytes:
        import asyncio

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
                        BROWSER_IDLE_S, lambda: asyncio.ensure_future(self._shut_if_idle())
                    )

    async def _open(self) -> Any:
        import asyncio

        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._kaleido is None:
                import kaleido

                browser = kaleido.Kaleido(n=RENDERS_AT_ONCE, timeout=RENDER_TIMEOUT_S)  # finds Chrome, or raises
                await browser.open()
                self._kaleido, self._broken = browser, False
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

"""A stand-in for kaleido's browser, for tests of what the export writes, and when, without starting Chromium:
it counts the browsers made and the pictures asked for, and draws each as the start of a real file of its format
(or as broken bytes, or only once a test lets it)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

STARTS = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg>", "pdf": b"%PDF-1.4\n"}


class StandIn:
    """kaleido.Kaleido, as far as the export uses it. Its state is the class's: reset by ``stand_in``."""

    made = 0
    options: dict[str, Any] = {}
    asked = 0  # pictures asked for, numbered from 1 in the order they were handed over
    gates: dict[int, threading.Event] = {}  # a picture drawn only once its event is set
    broken: set[int] = set()  # pictures drawn as bytes that are no file of their format

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).made += 1
        type(self).options = kwargs

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def calc_fig(self, fig: Any, opts: Any = None, **kwargs: Any) -> bytes:
        cls = type(self)
        cls.asked += 1
        number = cls.asked
        gate = cls.gates.get(number)
        if gate is not None:
            await asyncio.to_thread(gate.wait, 10)
        fmt = str((opts or {}).get("format"))
        return b"broken" if number in cls.broken else STARTS.get(fmt, b"") + b"picture " + str(number).encode()


def stand_in(monkeypatch: pytest.MonkeyPatch) -> type[StandIn]:
    """kaleido's browser replaced by the stand-in, fresh."""
    import kaleido

    StandIn.made, StandIn.options, StandIn.asked, StandIn.gates, StandIn.broken = 0, {}, 0, {}, set()
    monkeypatch.setattr(kaleido, "Kaleido", StandIn)
    return StandIn

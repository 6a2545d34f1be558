"""What the page holds: a digest of each part of the page as last sent, so that a part that would come again
unchanged, or changed only in the addresses of its links, is not sent.

The page renders every part it is sent anew, equal or not: on a zoom, the list's thirty cards and the detail card
cost more than the rest of the answer, though a zoom changes no more of them than the view in their links. Those
links' addresses the page's script keeps up with the address itself (assets/app.js, ``followAddress``). The
digests travel with the page (``ids.HELD``), so any worker can answer; a page that reports other digests than
those it was sent only gets parts it already has sent again, or not at all.
"""

from __future__ import annotations

import hashlib
from typing import Any

from dash import Patch, no_update
from plotly.io.json import to_json_plotly

from dashboard.app.cards import SELECT_LINK

# The parts digested: those only the one callback writes. The selected card (``detail``) the page may also draw
# itself: an answer names it ``unknown`` when it cannot tell.
PARTS = (
    "detail",
    "list",
    "list_note",
    "count",
    "empty",
    "notice",
    "root_class",
    "theme_label",
    "filters_label",
    "timeline_label",
    "map_label",
    "timeline_style",
)


def _shape(node: Any) -> Any:
    """A part as plain data, with the address of each link that selects an event left out."""
    if isinstance(node, list | tuple):
        return [_shape(child) for child in node]
    if not hasattr(node, "to_plotly_json"):
        return node
    plain = node.to_plotly_json()
    props = {key: _shape(value) for key, value in plain["props"].items()}
    if SELECT_LINK in props:
        props.pop("href", None)
    return [plain["namespace"], plain["type"], props]


def digest(value: Any) -> str:
    """A digest of a part, but for the addresses of its links that select an event."""
    return hashlib.blake2b(to_json_plotly(_shape(value)).encode(), digest_size=12).hexdigest()


def hold(out: dict[str, Any], held: Any, unknown: tuple[str, ...] = ()) -> dict[str, Any]:
    """The answer ``out`` with each part the page holds already, but for its links' addresses (by the digests
    ``held`` it reports), as no_update; ``out["held"]`` is what the page will then hold. ``unknown``: parts the
    page has changed itself, whose digests are dropped."""
    before = held if isinstance(held, dict) else {}
    after: dict[str, Any] = {}
    for name in PARTS:
        value = out.get(name, no_update)
        if value is no_update:
            if name not in unknown and isinstance(before.get(name), str):
                after[name] = before[name]  # unchanged on the page
            continue
        if isinstance(value, Patch):
            continue  # what a patch makes of the part is not known here: sent whole next time
        now = digest(value)
        if name not in unknown and before.get(name) == now:
            out[name] = no_update  # the page's script brings the links' addresses up to date itself
        after[name] = now
    out["held"] = after
    return out

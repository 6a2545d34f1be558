"""Test helper: the bundled events and three more from other sources (two of another status), for the source and
status filters."""

from __future__ import annotations

import shutil
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[1] / "events"
# file stem (the event's id) -> YAML
SOURCED = {
    "reuters-convoy": """\
title: A convoy is seen near Belgorod
date: 2022-02-16
category: military
status: claimed
sources:
  - title: Convoy seen near Belgorod
    publisher: Reuters
""",
    "live-page-report": """\
title: A live page reports sirens in Kharkiv
date: 2022-02-16
category: civil-defence
sources:
  - title: Kyiv Independent live page
""",
    "two-sources": """\
title: Two agencies report the same talks
date: 2022-02-16
category: diplomacy
status: confirmed
sources:
  - title: Talks go on
    publisher: Reuters
  - title: Talks continue
    publisher: AP
""",
}


def sourced_events(target: Path) -> Path:
    """A copy of the bundled events in ``target`` with the SOURCED events added; returns ``target``."""
    shutil.copytree(EVENTS, target)
    for stem, text in SOURCED.items():
        (target / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return target

"""How the drafts of an article compare with events made by hand from it: for each hand-made event, a draft whose
dates overlap its own (the events table's earliest and latest; NaT is open, without limit) and that names at least
one of its actors (compared without titles, short names and aliases made one)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.drafting.people import canonical
from dashboard.model import Status
from dashboard.table import C


@dataclass(frozen=True)
class Match:
    """A hand-made event and the draft that agrees with it (None: none does, and why)."""

    event: str
    title: str
    draft: str | None
    why: str


def _overlap(a: pd.Series, b: pd.Series) -> bool:
    """Whether two events' spans overlap: [earliest, latest), an open side (NaT) reaching without limit."""
    a_starts_before_b_ends = pd.isna(a[C.earliest]) or pd.isna(b[C.latest]) or a[C.earliest] < b[C.latest]
    b_starts_before_a_ends = pd.isna(b[C.earliest]) or pd.isna(a[C.latest]) or b[C.earliest] < a[C.latest]
    return bool(a_starts_before_b_ends and b_starts_before_a_ends)


def _actors(row: pd.Series) -> set[str]:
    return {canonical(str(name)) for name in (row[C.actors] if row[C.actors] is not None else [])}


def compare(handmade: pd.DataFrame, drafts: pd.DataFrame) -> list[Match]:
    """For each hand-made event (drafts among them left out), the first draft that agrees with it."""
    made = handmade[handmade[C.status].astype(str) != Status.DRAFT.value]
    found = []
    for _, event in made.iterrows():
        dated = [draft for _, draft in drafts.iterrows() if _overlap(event, draft)]
        sharing = [draft for draft in dated if _actors(event) & _actors(draft)]
        if sharing:
            best = max(sharing, key=lambda draft: _agreement(event, draft))
            shared = sorted(_actors(event) & _actors(best))
            found.append(Match(str(event[C.id]), str(event[C.title]), str(best[C.id]), ", ".join(shared)))
        elif dated:
            found.append(Match(str(event[C.id]), str(event[C.title]), None, "no draft of those days names its actors"))
        else:
            found.append(Match(str(event[C.id]), str(event[C.title]), None, "no draft of those days"))
    return found


def _same_start(event: pd.Series, draft: pd.Series) -> bool:
    return bool(event[C.start] == draft[C.start] and not pd.isna(draft[C.earliest]))


def _agreement(event: pd.Series, draft: pd.Series) -> tuple[int, bool, int]:
    """How well a draft agrees with an event, to choose the one to show: the actors both name, then whether the
    draft starts on the event's stated day, then the fewer actors of its own."""
    theirs = _actors(draft)
    return len(_actors(event) & theirs), _same_start(event, draft), -len(theirs)


def same_day(matches: list[Match], handmade: pd.DataFrame, drafts: pd.DataFrame) -> int:
    """How many of the matches have a draft that starts on the event's stated day, with a closed date (a stricter
    agreement than an overlap, which an open bound makes easy)."""
    made = handmade.set_index(C.id)
    drafted = drafts.set_index(C.id)
    return sum(
        match.draft is not None and _same_start(made.loc[match.event], drafted.loc[match.draft])  # type: ignore[arg-type]
        for match in matches
    )


def agreeing(matches: list[Match]) -> int:
    """How many hand-made events have an agreeing draft."""
    return sum(match.draft is not None for match in matches)

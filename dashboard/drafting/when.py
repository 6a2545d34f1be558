"""Date expressions in a sentence, resolved against the article's publication day.

The expressions are found by patterns of the project's own date words and read by ``dashboard.dates.parse_when``,
so a draft's date means what the same words mean in an event file. dateparser's search is asked only for forms
those words lack ("three days ago"), and what it matched is checked before its reading is used.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from dashboard.dates import DateError, When, edtf_of, parse_when
from dashboard.model import Precision

_WEEKDAY = "|".join(calendar.day_name)
_MONTH_FULL = "|".join(name for name in calendar.month_name if name)
_MONTH_SHORT = "|".join(name for name in calendar.month_abbr if name and name != "May") + "|Sept"
_MONTH = rf"(?:{_MONTH_FULL}|(?:{_MONTH_SHORT})\.?)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[7-9]|2[01])\d{2}"
_BOUND = r"(?:(?:by|since|before|after|no later than|no earlier than|on or before|on or after)\s+)"
_YEAR_AFTER = "(?:" + "|".join(rf"(?<=\b{word}\s)" for word in ("in", "since", "by", "before", "after")) + ")"
_TIME = r"(?:\s+at\s+(?:\d{1,2}(?::\d{2})?\s*[ap]\.?m\.?|\d{1,2}:\d{2}|noon|midnight))"
_FORMS = [
    r"(?:earlier|later)\s+(?:in|this)\s+the\s+week|(?:earlier|later)\s+(?:in\s+the|this)\s+week",
    r"(?:this|last|next)\s+(?:week|month|year)",
    r"the\s+end\s+of\s+(?:the\s+|this\s+)?(?:week|month|year)",
    r"today|yesterday|tomorrow",
    r"\d{4}-\d{2}-\d{2}",
    rf"{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?(?!\d)",
    rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?(?!\d)",
    rf"(?:early|mid|late)[\s-]+{_MONTH}(?:\s+{_YEAR})?",
    rf"{_MONTH}\s+{_YEAR}",
    rf"(?<=\bin\s)(?:{_MONTH_FULL})\b",
    # A year alone after "in", "since" …: any digits, so that one the timeline cannot show is said, not skipped
    # ("in 1600", "in the year 10000"); not a count of things ("in 1000 cities").
    rf"{_YEAR_AFTER}(?:the\s+year\s+\d+|\d{{4}}(?!\s+[a-z]+s\b))",
    r"\d{1,2}/\d{1,2}/\d{4}",  # read as parse_when reads it: one that reads two ways is refused, with why
    rf"(?:(?:last|next|this)\s+)?(?:{_WEEKDAY})(?:['’]s)?{_TIME}?",
]
DATE_EXPRESSION = re.compile(rf"\b(?:{_BOUND}|on\s+)?(?P<date>{'|'.join(f'(?:{form})' for form in _FORMS)})\b", re.I)
# What dateparser may be trusted with: a count of days or weeks back from the report, and nothing that reads as
# a bare number, a word like "Two days of meetings" or a month without a day.
TRUSTED_SEARCH = re.compile(
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:days?|weeks?)\s+ago|the\s+day\s+before\s+"
    r"yesterday",
    re.I,
)

TRAILING_WORDS = re.compile(r"(?:\s+(?:in|on|at|of|from|near|by|for))+$", re.I)


@dataclass(frozen=True)
class FoundDate:
    """A date expression in a sentence: as written, where, and what it means (or why it could not be read)."""

    text: str
    start: int
    end: int
    when: When | None
    problem: str = ""

    @property
    def edtf(self) -> str:
        """The date in EDTF, as the draft file writes it."""
        return edtf_of(self.when) if self.when else ""


def day_precise(when: When) -> bool:
    """Whether a date names one day (or a time of it), exactly: no open bound, no doubt, no span of days."""
    if when.open_start or when.open_end or when.approximate or when.uncertain:
        return False
    if when.precision == Precision.MINUTE:
        return True
    return when.precision == Precision.DAY and when.end - when.start == dt.timedelta(days=1)


def _month_words(unit: str, which: str, ref: dt.date) -> str:
    """'last month' and the like in words ``parse_when`` reads: 'January 2022', '2021'."""
    step = {"last": -1, "this": 0, "next": 1}[which]
    if unit == "year":
        return str(ref.year + step)
    month = ref.month - 1 + step
    return f"{calendar.month_name[month % 12 + 1]} {ref.year + month // 12}"


def resolve(expression: str, ref: dt.date, future: bool = False) -> When:
    """One expression as a span, read by the project's date words against the publication day. A month or a day
    of it without a year is the last one that starts on or before that day, unless the sentence tells of what is
    to come ("met on Dec. 20" in a January report is the December before)."""
    text = " ".join(expression.split())
    text = re.sub(r"['’]s\b", "", text)  # "Monday's call": Monday
    text = re.sub(r"^(in|on)\s+", "", text, flags=re.I)
    text = re.sub(r"^the\s+year\s+", "", text, flags=re.I)
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"\b(\d{1,2})\s+of\s+", r"\1 ", text)
    relative = re.fullmatch(r"(?P<bound>.*?\s)?(?P<which>this|last|next)\s+(?P<unit>month|year)", text, re.I)
    if relative:
        words = _month_words(relative.group("unit").lower(), relative.group("which").lower(), ref)
        text = (relative.group("bound") or "") + words
    when = parse_when(text, ref=ref)
    yearless = re.search(_MONTH, text, re.I) and not re.search(r"\d{4}", text)
    if yearless and not future and when.start.date() > ref:
        return parse_when(text, ref=ref.replace(year=ref.year - 1, day=min(ref.day, 28)))  # the year is all it takes
    return when


def _searched(sentence: str, ref: dt.date) -> list[FoundDate]:
    """The forms the project's words lack, found by dateparser and kept only when the matched text is trusted."""
    from dateparser.search import search_dates  # slow to import: only when a sentence has no date of ours

    base = dt.datetime.combine(ref, dt.time())
    hits = search_dates(sentence, languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    found = []
    for found_text, moment in hits or []:
        matched = TRAILING_WORDS.sub("", found_text.strip())  # "3 days ago in Kyiv": dateparser takes the "in"
        if not TRUSTED_SEARCH.fullmatch(matched):
            continue
        start = sentence.find(matched)
        approximate = "week" in matched.lower()  # "two weeks ago" is about that day
        words = f"{'about ' if approximate else ''}{moment.date().isoformat()}"
        found.append(FoundDate(matched, start, start + len(matched), parse_when(words, ref=ref)))
    return found


def find_dates(sentence: str, ref: dt.date, search: bool = True, future: bool = False) -> list[FoundDate]:
    """The date expressions of a sentence in order, each resolved or with the reason it could not be; ``future``:
    the sentence tells of what is to come (a date without a year may then lie after the publication day)."""
    found = []
    for match in DATE_EXPRESSION.finditer(sentence):
        written = match.group(0)
        try:
            when: When | None = resolve(written, ref, future)
            problem = ""
        except DateError as error:
            when, problem = None, str(error)
        found.append(FoundDate(written, match.start(), match.end(), when, problem))
    if not found and search:
        found = _searched(sentence, ref)
    return found

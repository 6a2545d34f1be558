"""Counts are said as a reader says them."""

from dashboard.wording import counted


def test_one_is_singular_and_others_plural_with_thousands_separated():
    assert [counted(n, "event") for n in (0, 1, 2, 1204)] == ["0 events", "1 event", "2 events", "1,204 events"]
    assert counted(2, "person", "people") == "2 people"

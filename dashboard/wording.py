"""How things are said, the same in the page and on the command line: counts, and text quoted from files."""

from __future__ import annotations

import difflib


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 event', '2 events', '1,204 events'."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


_INVISIBLE = [*range(0x00, 0x20), 0x7F, 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_CODE_POINTS = {code: f"<U+{code:04X}>" for code in _INVISIBLE if code != 0x09}


def visible(text: str) -> str:
    """Text with its control characters and bidirectional controls shown as code points ('<U+202E>'): quoted on a
    terminal or in a message, they would otherwise act (set the terminal's title, reverse the text after them)."""
    return text.translate(_CODE_POINTS)


def closest(value: str, known: list[str]) -> str | None:
    """The known name closest to a mistyped one: difflib's best guess over whole names, else over the words of
    names, so that ``Zelensky`` finds ``Volodymyr Zelenskyy``."""
    folded = {name.casefold(): name for name in known}
    guesses = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    if guesses:
        return folded[guesses[0]]
    words = {word: name for name in known for word in name.casefold().split() if len(word) > 2}
    guesses = difflib.get_close_matches(value.casefold(), list(words), n=1, cutoff=0.75)
    return words[guesses[0]] if guesses else None

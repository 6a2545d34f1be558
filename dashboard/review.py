"""Reviewing drafts: accepting a draft event file (moved to the events folder's root as reported) or rejecting it
(deleted). Plain file operations on one file of the folder, named by the loaded table, never by a request.

A draft is a file of one event whose status line reads ``status: draft``. Accepting writes the same text with that
line alone changed to ``status: reported`` (comments, order and quoting of everything else stay as the person or
the drafter wrote them) into a new file of the same name at the folder's root, atomically and never over a file
that exists, then removes the draft. Only a regular file inside the folder is touched: no link, no path outside.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from dashboard.model import Status
from dashboard.reading import YAML_SUFFIXES, Refused, kind, read_regular
from dashboard.records import UnsafeTarget, write_atomic

DRAFT_BYTES = 1_000_000  # a draft of one event is a few kilobytes; the loader refuses far less than a gigabyte too
# The one line that makes a file a draft: at the top level, the value plain or quoted, in any case, a comment kept.
STATUS_LINE = re.compile(
    rf"^(?P<key>status[ \t]*:[ \t]*)(?P<quote>[\"']?){Status.DRAFT.value}(?P=quote)(?P<rest>[ \t]*(#.*)?)$",
    re.IGNORECASE,
)


class ReviewError(Exception):
    """Why a draft could not be accepted or rejected, in words for the reviewer."""


def draft_path(root: Path, rel: str) -> Path:
    """The draft file ``rel`` (as the loaded table names it) inside the events folder ``root``: a YAML file that is
    a regular file, not a link, in a folder inside ``root``; ``ReviewError`` otherwise."""
    if not root.is_dir():
        raise ReviewError("drafts are reviewed in an events folder, not a single file")
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or any(part in ("", ".", "..") for part in parts):
        raise ReviewError(f"{rel} is not a path inside the events folder")
    if not rel.lower().endswith(YAML_SUFFIXES):
        raise ReviewError(f"{rel} is not an event file (.yaml): only a draft's own file is reviewed")
    path = root.joinpath(*parts)
    folder, parent = os.path.realpath(root), os.path.realpath(path.parent)
    if parent != folder and not parent.startswith(folder + os.sep):  # a folder linked in from elsewhere
        raise ReviewError(f"{rel} is outside the events folder")
    try:
        info = os.lstat(path)
    except OSError as error:
        raise ReviewError(f"{rel} cannot be read: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ReviewError(f"{rel} is {kind(info.st_mode)}, not a regular file: left as it is")
    return path


def _draft_text(path: Path, rel: str) -> tuple[list[str], int]:
    """The draft's lines (ends kept) and the index of its one status line; ``ReviewError`` for anything else."""
    try:
        text = read_regular(path, DRAFT_BYTES).decode("utf-8")
    except (Refused, UnicodeDecodeError) as error:
        raise ReviewError(f"{rel} cannot be read: {error}") from None
    lines = text.splitlines(keepends=True)
    found = [index for index, line in enumerate(lines) if STATUS_LINE.match(line.rstrip("\r\n"))]
    if len(found) != 1:
        raise ReviewError(
            f"{rel} has no line 'status: draft' at its top level" if not found else f"{rel} holds several drafts"
        )
    return lines, found[0]


def accepted_text(lines: list[str], at: int) -> str:
    """The draft's text with its status line saying ``reported`` instead, and nothing else changed."""
    line = lines[at]
    body = line.rstrip("\r\n")
    match = STATUS_LINE.match(body)
    assert match is not None  # found by _draft_text
    quote = match.group("quote")
    changed = f"{match.group('key')}{quote}{Status.REPORTED.value}{quote}{match.group('rest')}{line[len(body) :]}"
    return "".join([*lines[:at], changed, *lines[at + 1 :]])


def accept(root: Path, rel: str) -> str:
    """Accept the draft ``rel``: the same file at the folder's root, reported; the draft removed. Returns the new
    file's path in the folder. Never replaces a file: ``ReviewError`` saying which one is in the way."""
    path = draft_path(root, rel)
    lines, at = _draft_text(path, rel)
    target = root / path.name
    data = accepted_text(lines, at).encode("utf-8")
    if target == path:  # a draft at the root already: its status changes in place, the file stays where it is
        try:
            write_atomic(path, data)
        except (OSError, UnsafeTarget) as error:
            raise ReviewError(f"{rel} could not be written: {error}") from None
        return path.name
    try:
        write_atomic(target, data, overwrite=False)  # a new file, fsynced, linked into place or not at all
    except FileExistsError:
        raise ReviewError(
            f"the events folder has a file {path.name} already: rename the draft (or that file) and accept again"
        ) from None
    except (OSError, UnsafeTarget) as error:
        raise ReviewError(f"{path.name} could not be written: {error}") from None
    try:
        path.unlink()
    except OSError as error:  # the event is accepted; the draft beside it would be a duplicate id: say so
        raise ReviewError(f"accepted as {path.name}, but the draft {rel} could not be removed: {error}") from None
    return path.name


def reject(root: Path, rel: str) -> None:
    """Reject the draft ``rel``: its file is deleted (only a file that is still a draft)."""
    path = draft_path(root, rel)
    _draft_text(path, rel)  # still a draft: a file someone has meanwhile reviewed by hand is not deleted
    try:
        path.unlink()
    except OSError as error:
        raise ReviewError(f"{rel} could not be deleted: {error.strerror or error}") from None

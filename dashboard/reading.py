"""Reading a user's file safely: regular files only, within a size limit, never blocking on a device or a FIFO.

``timeline validate /dev/zero`` or a FIFO named ``x.yaml`` in the events folder would otherwise read forever
or wait for a writer that never comes. A file is opened without blocking, checked to be a regular file on the
open descriptor (so it cannot be swapped for a device between the check and the read), and read up to the limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# What the loader reads in an events folder: event files, and tables of events (the settings file aside).
YAML_SUFFIXES = (".yaml", ".yml")
TABLE_SUFFIXES = (".csv", ".parquet")
SOURCE_SUFFIXES = YAML_SUFFIXES + TABLE_SUFFIXES


class Refused(Exception):
    """A file that is not read, with the reason in plain words."""


def kind(mode: int) -> str:
    """What a file of this mode is, in words, for a refusal."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path: Path | str) -> os.stat_result:
    """The file's status (links followed) when it is a regular file; ``Refused`` otherwise."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise Refused(f"cannot read the file: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"refused: {kind(info.st_mode)}, not a regular file")
    return info


def read_regular(path: Path | str, limit: int, advice: str = "") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``Refused`` with the reason otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise Refused(f"cannot read the file: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"refused: {kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise Refused(f"refused: the file is {info.st_size:,} bytes; the limit is {limit:,}{advice}")
        chunks, total = [], 0
        while True:  # read to the end, but never past the limit: the file may grow while it is read
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Refused(f"refused: the file is over {limit:,} bytes{advice}")
        return b"".join(chunks)
    except OSError as error:
        raise Refused(f"cannot read the file: {error.strerror or error}") from None
    finally:
        os.close(fd)

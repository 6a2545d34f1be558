"""The history of each event file in git: when it was created, how often edited, its last change and why.

Git is read through its command line, only with commands that read (``log``, ``status``, ``rev-parse``), never
through a shell, with optional locks off so that reading never writes the index. The whole history of an events
folder is read in one ``git log`` pass and kept per folder until the repository's HEAD moves, so a hundred cards
cost one pass, not a hundred; what is uncommitted is asked of ``git status`` at most once every few seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.wording import counted

GIT_SECONDS = 20.0  # the longest a git command may take; past it the history is said to be unavailable
CHECK_SECONDS = 2.0  # how long a folder's known state (HEAD, uncommitted files) is trusted before asking git again
# Every command: no pager, paths unquoted (and NUL-separated where it matters), nothing of the user's settings that
# would change the output or run a program (a file-system monitor is a program named by the repository's config).
GIT_OPTIONS = ("--no-pager", "-c", "core.quotepath=off", "-c", "core.fsmonitor=false", "-c", "log.showSignature=false")


@dataclass(frozen=True)
class Change:
    """One commit that touched an event file."""

    commit: str  # the short hash
    when: dt.datetime  # the author's date, in the author's time zone
    subject: str  # the commit message's first line: untrusted text, shown as text
    renamed_from: str | None = None  # the file's path before this commit, when the commit renamed it

    @property
    def day(self) -> str:
        """'16 Feb 2022'."""
        return f"{self.when:%-d %b %Y}"


@dataclass(frozen=True)
class History:
    """An event file's commits, newest first, and whether it has changes not yet committed."""

    path: str  # below the events folder
    changes: tuple[Change, ...] = ()
    uncommitted: bool = False
    shallow: bool = False  # the repository is a shallow clone: its oldest commits are not there

    @property
    def created(self) -> Change | None:
        return self.changes[-1] if self.changes else None

    @property
    def last(self) -> Change | None:
        return self.changes[0] if self.changes else None

    @property
    def edits(self) -> int:
        """Commits after the one that created the file."""
        return max(len(self.changes) - 1, 0)

    @property
    def renamed_from(self) -> list[str]:
        """The file's earlier paths, the latest first."""
        return [change.renamed_from for change in self.changes if change.renamed_from]

    @property
    def lead(self) -> str:
        """'created 16 Feb 2022, edited 2 times, last changed 18 Feb 2022', or 'not committed yet'."""
        created, last = self.created, self.last
        if created is None or last is None:
            return "not committed yet"
        if not self.edits:
            return f"created {created.day}"
        edited = "once" if self.edits == 1 else counted(self.edits, "time")
        return f"created {created.day}, edited {edited}, last changed {last.day}"

    @property
    def note(self) -> str | None:
        """What the commits do not say: changes made since the last one; a history a shallow clone cut short."""
        notes = ["uncommitted changes" if self.uncommitted and self.changes else ""]
        notes.append("a shallow clone: older commits are not here" if self.shallow and self.changes else "")
        return "; ".join(note for note in notes if note) or None

    def summary(self, shown: Callable[[str], str] = str) -> str:
        """The history in a line: its ``lead``, the last change's subject (through ``shown``) and its ``note``."""
        text = self.lead
        if self.last is not None:
            text += f": {shown(self.last.subject)}"
        return text + (f"; {self.note}" if self.note else "")


@dataclass(frozen=True)
class NoHistory:
    """Why there is no history to show: no git, no repository, or git failed."""

    reason: str


@dataclass
class _Folder:
    """What is known of one folder's repository: the files' histories at a HEAD, and the files changed since."""

    prefix: str | None = None  # the folder's path from the top of its repository ('' at the top, 'events/' below)
    shallow: bool = False  # a shallow clone
    head: str | None = None  # the commit the histories were read at ('' before the first commit; None: not read)
    checked: float = float("-inf")  # time.monotonic() of the last `git status`
    files: dict[str, tuple[Change, ...]] = field(default_factory=dict)
    changed: frozenset[str] = frozenset()
    failure: NoHistory | None = None
    failed_at: str | None = None  # a HEAD whose log failed (took too long): not read again until HEAD moves


_known: dict[str, _Folder] = {}
_lock = threading.Lock()


class GitError(Exception):
    """A git command that failed, with the reason to tell the user."""


def _environment() -> dict[str, str]:
    # No GIT_* of the caller (a hook's GIT_DIR or GIT_INDEX_FILE would point git elsewhere); no optional locks,
    # so that `status` never refreshes the index; never a password prompt; messages in English, to be recognised.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return env


def git(folder: Path, *args: str) -> str:
    """The output of a reading git command run in ``folder``, or GitError saying plainly why not."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *GIT_OPTIONS, *args],
            capture_output=True,
            env=_environment(),
            timeout=GIT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("history needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git took longer than {GIT_SECONDS:.0f} s to read the history of {folder}") from None
    except OSError as error:
        raise GitError(f"git could not be run: {error.strerror or error}") from None
    if done.returncode:
        message = done.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in message:
            raise GitError(f"{folder} is not in a git repository: history needs git")
        first = message.splitlines()[0].removeprefix("fatal: ") if message else f"exit status {done.returncode}"
        raise GitError(f"git could not read the history of {folder}: {first}")
    return done.stdout.decode("utf-8", "replace")


def _status(folder: Path, prefix: str) -> tuple[str, frozenset[str]]:
    """HEAD's commit ('' before the first), and the files below the folder changed since."""
    # Untracked files are not asked for (a file without commits is "not committed yet" whatever git says of it).
    out = git(
        folder,
        "status",
        "--porcelain=v2",
        "--branch",
        "-z",
        "-uno",
        "--no-renames",
        "--ignore-submodules=all",
        "--",
        ".",
    )
    head, changed = "", set()
    for entry in out.split("\0"):
        kind, _, rest = entry.partition(" ")
        if kind == "#" and rest.startswith("branch.oid "):
            oid = rest.removeprefix("branch.oid ")
            head = "" if oid == "(initial)" else oid
        elif kind in ("1", "u"):  # the path is last, after 7 (ordinary) or 9 (unmerged) fields; it may hold spaces
            path = rest.split(" ", 7 if kind == "1" else 9)[-1]
            changed.add(path)
    inside = len(prefix)  # porcelain paths are from the repository's top: those below the folder, made relative
    return head, frozenset(p[inside:] for p in changed if p.startswith(prefix))


def _log(folder: Path) -> dict[str, tuple[Change, ...]]:
    """Every file below the folder (by its path now) and its commits, newest first, in one ``git log`` pass."""
    # Each commit starts with a mark no commit message can hold (it is made afresh for each pass); its fields are
    # split by a unit separator, the subject last since it may hold one; then its files, NUL-separated.
    mark = f"\x1e{secrets.token_hex(8)}"
    out = git(
        folder,
        "log",
        "-z",
        "--name-status",
        "-M",
        "--relative",
        "--no-color",
        "--no-ext-diff",
        f"--format={mark}%h%x1f%aI%x1f%s",
        "--",
        ".",
    )
    commits = []
    try:
        for chunk in out.split(mark)[1:]:
            header, _, files = chunk.partition("\0")
            short, when, subject = header.split("\x1f", 2)
            commits.append((short, dt.datetime.fromisoformat(when), subject, files.lstrip("\n").split("\0")))
    except ValueError as error:  # a git whose log reads otherwise: said, never a traceback
        raise GitError(f"git's history of {folder} could not be read ({error})") from None
    return follow(commits)


def follow(commits: list[tuple[str, dt.datetime, str, list[str]]]) -> dict[str, tuple[Change, ...]]:
    """Each file's commits, newest first, by the path it has after the newest of them, following renames.

    ``commits`` are newest first, each (short hash, date, subject, ``--name-status -z`` fields). Walking back in
    time, ``named`` says whose history a path's older commits belong to: a rename hands the new path's file its old
    path; a deletion gives the path's older commits to a file that is gone (None)."""
    histories: dict[str, list[Change]] = {}
    named: dict[str, str | None] = {}
    for short, when, subject, fields in commits:
        position = 0
        while position < len(fields) and fields[position]:
            status = fields[position][:1]
            if status in ("R", "C") and position + 2 < len(fields):
                old, path = fields[position + 1], fields[position + 2]
                position += 3
            else:
                old, path = "", fields[position + 1] if position + 1 < len(fields) else ""
                position += 2
            if status == "D":
                named[path] = None
                continue
            owner = named.get(path, path)
            if status == "C":  # a copy: a new file starts here, and the one it was copied from goes on
                old = ""
            if owner is not None:
                histories.setdefault(owner, []).append(Change(short, when, subject, old or None))
            if status == "R":
                named[old] = owner
    return {path: tuple(changes) for path, changes in histories.items()}


def _refresh(folder: Path, known: _Folder) -> None:
    """Bring what is known of the folder up to date: ``git status`` each time, ``git log`` when HEAD has moved."""
    if known.prefix is None:
        # One run: the folder's path in its repository (a blank line at the top), then whether it is shallow.
        prefix, shallow = (git(folder, "rev-parse", "--show-prefix", "--is-shallow-repository").split("\n") + [""])[:2]
        known.prefix, known.shallow = prefix.strip(), shallow.strip() == "true"
    head, known.changed = _status(folder, known.prefix)
    if head == known.head:
        return
    if known.failure is not None and known.failed_at == head:
        raise GitError(known.failure.reason)  # a log that took too long is not tried again until HEAD moves
    known.failed_at = head
    known.files = _log(folder) if head else {}
    known.head, known.failed_at = head, None


def history_of(folder: Path, path: str) -> History | NoHistory:
    """The history of the event file at ``path`` below ``folder`` (as the events table names it), or why there is
    none. Never raises for git's sake: no git, no repository and a failing git are each a NoHistory."""
    key = os.path.abspath(folder)
    with _lock:  # one reader of a folder at a time: a hundred cards wait for one pass, not a hundred
        known = _known.setdefault(key, _Folder())
        now = time.monotonic()
        if now - known.checked >= CHECK_SECONDS:
            known.checked = now
            try:
                _refresh(folder, known)
                known.failure = None
            except GitError as error:
                known.failure = NoHistory(str(error))
        if known.failure is not None:
            return known.failure
        changes = known.files.get(path, ())
        return History(path, changes, uncommitted=not changes or path in known.changed, shallow=known.shallow)


def forget() -> None:
    """Forget every folder's history: the next question asks git again (after a commit made a moment ago)."""
    with _lock:
        _known.clear()

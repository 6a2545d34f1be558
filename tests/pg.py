"""A throwaway PostgreSQL server for the tests: Debian's, in a temporary folder, on a free loopback port, stopped
afterwards. Missing, it fails the tests that need it (``./scripts/setup.sh --test`` installs it), never skips."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ADMIN = "timeline_admin"  # the server's superuser: loads and migrates
READER = "timeline_reader"  # a role that may only read what `timeline db init --reader` grants it
DATABASE = "timeline_test"


@dataclass(frozen=True)
class Server:
    port: int
    folder: Path

    def url(self, user: str = ADMIN, database: str = DATABASE) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"


def _bin(name: str) -> str:
    found = shutil.which(name) or max(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), default=None)
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed: ./scripts/setup.sh --test installs Debian's postgresql")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server() -> Iterator[Server]:
    """A fresh server with one empty database, its superuser ADMIN and a login role READER (no grants)."""
    folder = Path(tempfile.mkdtemp(prefix="timeline-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL will not run as root: as Debian's postgres user, in a folder it owns
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")

    run(_bin("initdb"), "-D", str(data), "-U", ADMIN, "--auth=trust", "--no-sync", "-E", "UTF8", "--no-locale")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    run(_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "-t", "60", "start")
    try:
        import psycopg

        with psycopg.connect(f"postgresql://{ADMIN}@127.0.0.1:{port}/postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
            connection.execute(f"CREATE ROLE {READER} LOGIN")
        yield Server(port, folder)
    finally:
        subprocess.run(
            [*prefix, _bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def reset(target: Server) -> None:
    """The test database as new: no tables, no grants."""
    import psycopg

    with psycopg.connect(target.url(database="postgres"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")

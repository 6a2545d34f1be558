"""A collection in a real PostgreSQL server (Debian's, started for these tests): the schema and its migrations,
loads that upsert by id in one transaction, the collection read back as the folder gives it, a role that only
reads, and one clear line for a database that cannot be reached or used."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner
from pg import ADMIN, READER, Server, reset, server

from dashboard import postgres
from dashboard.cli import cli
from dashboard.store import load_collection
from dashboard.table import COLUMNS, Collection, Effect

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.fixture(scope="module")
def pg() -> Iterator[Server]:
    with server() as started:
        yield started


@pytest.fixture
def url(pg: Server) -> str:
    reset(pg)
    return pg.url()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copied = tmp_path / "events"
    shutil.copytree(EVENTS, copied)
    return copied


def loaded(url: str, folder: Path, prune: bool = False) -> postgres.Loaded:
    return postgres.load(url, load_collection(folder), prune=prune)


def same(one: Collection, other: Collection) -> None:
    pd.testing.assert_frame_equal(one.events, other.events)
    assert one.problems == other.problems
    assert one.settings == other.settings


def test_init_makes_the_schema_once_with_the_tables_declared_columns(url: str):
    assert postgres.init(url) == (0, len(postgres.MIGRATIONS))
    assert postgres.init(url) == (len(postgres.MIGRATIONS), len(postgres.MIGRATIONS)), "up to date: nothing done"
    with psycopg.connect(url) as connection:
        found = connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
            (postgres.EVENTS,),
        ).fetchall()
    assert [name for (name,) in found] == COLUMNS, "a new column of the table needs a migration"


def test_the_collection_read_back_is_the_folders(url: str, folder: Path):
    postgres.init(url)
    done = loaded(url, folder)
    expected = load_collection(folder)
    assert (done.added, done.changed, done.removed, done.kept, done.version) == (len(expected.events), 0, 0, 0, 1)
    read = postgres.read(url)
    same(read, expected)
    assert read.fingerprint == postgres.read(url).fingerprint, "the same in every process reading this version"


def test_a_load_again_changes_nothing_and_an_edit_changes_one_event(url: str, folder: Path):
    postgres.init(url)
    loaded(url, folder)
    before = postgres.read(url).fingerprint
    again = loaded(url, folder)
    assert (again.added, again.changed, again.removed, again.version) == (0, 0, 0, 1), "nothing new: no version"
    assert postgres.read(url).fingerprint == before, "the app servers do not read it again"
    path = folder / "biden-scholz-call.yaml"
    path.write_text(path.read_text("utf-8").replace("title: ", "title: Edited ", 1), "utf-8")
    edited = loaded(url, folder)
    assert (edited.added, edited.changed, edited.version) == (0, 1, 2)
    (folder / "_collection.yaml").write_text("title: Renamed\n", "utf-8")
    assert loaded(url, folder).version == 3, "new settings alone are a new version"
    (folder / "broken.yaml").write_text("title: Broken\ndate: 2022-02-30\n", "utf-8")
    assert loaded(url, folder).version == 4, "a new problem alone is a new version"
    read = postgres.read(url)
    assert read.fingerprint != before
    assert read.events.set_index("id").loc["biden-scholz-call", "title"].startswith("Edited ")


def test_an_event_gone_from_the_folder_stays_unless_pruned(url: str, folder: Path):
    postgres.init(url)
    loaded(url, folder)
    (folder / "biden-scholz-call.yaml").unlink()
    kept = loaded(url, folder)
    assert (kept.removed, kept.kept) == (0, 1)
    assert "biden-scholz-call" in set(postgres.read(url).events["id"])
    pruned = loaded(url, folder, prune=True)
    assert (pruned.removed, pruned.kept) == (1, 0)
    same(postgres.read(url), load_collection(folder))


def test_a_load_that_fails_half_way_leaves_the_previous_version(url: str, folder: Path, monkeypatch):
    postgres.init(url)
    loaded(url, folder)
    before = postgres.read(url)
    rows = postgres._rows

    def failing(events: pd.DataFrame) -> Iterator[tuple[object, ...]]:
        for index, row in enumerate(rows(events)):
            if index == 5:
                raise psycopg.OperationalError("the connection went away")
            yield row

    monkeypatch.setattr(postgres, "_rows", failing)
    (folder / "biden-scholz-call.yaml").unlink()
    with pytest.raises(postgres.DatabaseError, match="the connection went away"):
        loaded(url, folder, prune=True)
    same(postgres.read(url), before)
    assert postgres.read(url).fingerprint == before.fingerprint


def test_text_that_looks_like_sql_is_kept_as_text(url: str, tmp_path: Path):
    root = tmp_path / "events"
    root.mkdir()
    hostile = "x'); DROP TABLE timeline_events; --"
    (root / "e.yaml").write_text(
        f"id: quote-o-brien\ntitle: \"{hostile} O'Brien \\u202e\"\ndate: 2022-02-16\ncategory: c'; --\n", "utf-8"
    )
    postgres.init(url)
    loaded(url, root)
    read = postgres.read(url)
    assert list(read.events["title"]) == list(load_collection(root).events["title"])
    assert hostile in read.events["title"].iloc[0]


def test_a_reader_role_may_read_and_nothing_more(pg: Server, url: str, folder: Path):
    with pytest.raises(postgres.DatabaseError, match="no role named 'nobody'"):
        postgres.init(url, reader="nobody")
    postgres.init(url, reader=READER)
    loaded(url, folder)
    reader = pg.url(user=READER)
    same(postgres.read(reader), postgres.read(url))
    with psycopg.connect(reader) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute(f"DELETE FROM {postgres.EVENTS}")
    with pytest.raises(postgres.DatabaseError, match="permission denied"):
        loaded(reader, folder)


def test_the_app_reads_in_read_only_transactions_whatever_its_role(url: str):
    postgres.init(url)
    with postgres.connect(url, read_only=True) as connection, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        connection.execute(f"DELETE FROM {postgres.EVENTS}")


def test_a_database_that_cannot_be_used_is_one_line_without_its_password(pg: Server, url: str, folder: Path):
    down = f"postgresql://{ADMIN}:s3cret-pass@127.0.0.1:1/nowhere"
    with pytest.raises(postgres.DatabaseError) as raised:
        postgres.read(down)
    message = str(raised.value)
    assert message.startswith(f"cannot connect to postgresql://{ADMIN}@127.0.0.1:1/nowhere: ")
    assert "s3cret" not in message and "\n" not in message
    with pytest.raises(postgres.DatabaseError, match="has no timeline schema: run `timeline db init URL` first"):
        postgres.read(url)
    with pytest.raises(postgres.DatabaseError, match="cannot read the database's address") as raised:
        postgres.read("user=me password=se cret")
    assert "cret" not in str(raised.value), "a parse error quotes the address: not said"


def test_the_apps_reader_reads_again_only_a_new_version_and_keeps_the_last_while_the_database_is_away(
    pg: Server, url: str, folder: Path, monkeypatch
):
    postgres.init(url)
    loaded(url, folder)
    reads: list[str] = []
    read = postgres.read
    monkeypatch.setattr(postgres, "read", lambda target: reads.append(target) or read(target))
    reader = postgres.Reader(url)
    first = reader()
    assert reader() is first and len(reads) == 1, "an unchanged version is not read again"
    path = folder / "biden-scholz-call.yaml"
    path.write_text(path.read_text("utf-8").replace("title: ", "title: Edited ", 1), "utf-8")
    loaded(url, folder)
    second = reader()
    assert second is not first and len(reads) == 2
    tries: list[str] = []
    real_connect = postgres.connect

    def unreachable(target: str, read_only: bool = False, timeout_s: float | None = None) -> object:
        tries.append(target)
        return _unreachable(target)

    monkeypatch.setattr(postgres, "connect", unreachable)
    away = reader()
    same_events = away.events is second.events
    assert same_events and away.problems[0].effect == Effect.SHOWN
    assert "cannot read the database" in away.problems[0].message
    assert away.problems[1:] == second.problems
    assert away.fingerprint != second.fingerprint, "the page is told: its banner changes"
    assert reader() is away and len(tries) == 1, "not tried again at once: a hanging database costs one timeout"
    monkeypatch.setattr(postgres, "RETRY_AFTER_S", 0)
    assert reader().fingerprint == away.fingerprint and len(tries) == 2, "tried again after a while"
    monkeypatch.setattr(postgres, "connect", real_connect)
    back = reader()
    assert back is second and len(reads) == 2, "back: the same version, not read again, and no banner of it"


def test_the_apps_reader_waits_a_while_for_a_locked_collection_not_until_it_is_unlocked(
    url: str, folder: Path, monkeypatch
):
    postgres.init(url)
    loaded(url, folder)
    reader = postgres.Reader(url)
    first = reader()
    monkeypatch.setattr(postgres, "VERSION_TIMEOUT_S", 0.5)
    shown: list[Collection] = []
    with psycopg.connect(url) as holder:  # as a migration or a VACUUM FULL holds it
        holder.execute(f"LOCK TABLE {postgres.STATE} IN ACCESS EXCLUSIVE MODE")
        asking = threading.Thread(target=lambda: shown.append(reader()))
        asking.start()
        asking.join(timeout=20)
        waited = asking.is_alive()
    asking.join()
    assert not waited, "the request waited for the lock to go"
    assert shown[0].events is first.events and "cannot read the database" in shown[0].problems[0].message


def _unreachable(url: str, read_only: bool = False, timeout_s: float | None = None) -> object:
    raise postgres.DatabaseError(f"cannot connect to {postgres.safe_name(url)}: connection refused")


def test_the_command_initialises_loads_and_says_what_it_did(pg: Server, url: str, folder: Path):
    runner = CliRunner()
    done = runner.invoke(cli, ["db", "init", url, "--reader", READER])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == (
        f"postgresql://{ADMIN}@127.0.0.1:{pg.port}/timeline_test: schema version {len(postgres.MIGRATIONS)} "
        f"(was 0); {READER} may read it"
    )
    count = len(load_collection(folder).events)
    done = runner.invoke(cli, ["db", "load", url, "--events", str(folder)])
    assert done.exit_code == 0, done.output
    assert f"version 1, {count} events ({count} added, 0 changed, 0 removed)" in done.output
    (folder / "broken.yaml").write_text("title: Broken\ndate: 2022-02-30\n", "utf-8")
    done = runner.invoke(cli, ["db", "load", "--events", str(folder)], env={"TIMELINE_DATABASE": url})
    assert done.exit_code == 1, "a problem in the folder"
    assert f"{folder / 'broken.yaml'}:2:7:" in done.output and "version 2" in done.output
    assert {p.path for p in postgres.read(url).problems} == {"broken.yaml"}, "the app shows them too"


def test_the_command_says_in_one_line_when_the_database_is_away(tmp_path: Path):
    done = CliRunner().invoke(cli, ["db", "load", "postgresql://me:pw@127.0.0.1:1/x", "--events", str(EVENTS)])
    assert done.exit_code == 1
    assert done.output.strip().splitlines()[-1].startswith("Error: cannot connect to postgresql://me@127.0.0.1:1/x")
    assert "pw" not in done.output.replace("postgresql", "") and "Traceback" not in done.output
    done = CliRunner().invoke(cli, ["export", "--events", "postgresql://me@127.0.0.1:1/x", "--format", "json"])
    assert done.exit_code == 2 and "only `timeline serve` reads a database" in done.output

"""A collection in PostgreSQL, so that several app servers on several machines serve one: the schema and its
migrations, a loaded folder written into it (one transaction, each event upserted by its id), and the collection
read back as the store gives it.

YAML in git stays the editing format; the database is what the servers read. Every statement is parameterised,
or built from this module's own names (``psycopg.sql``), never from a value. The app reads in read-only
transactions, whatever its role may do.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dashboard.model import CollectionSettings
from dashboard.table import (
    COLUMNS,
    DECLARED,
    Collection,
    Effect,
    Problem,
    empty_events,
    finish,
    problems_from,
    problems_json,
    settings_json,
    shown_as_it_was,
)

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
EVENTS = "timeline_events"  # a row an event, in the events table's columns (``dashboard.table.DECLARED``)
STATE = "timeline_collection"  # one row: the collection's version, settings and problems
SCHEMA = "timeline_schema"  # one row: the migrations applied
CONNECT_TIMEOUT_S = 5
VERSION_TIMEOUT_S = 5  # how long the app waits for the collection's version (a lock held on it, say)
RETRY_AFTER_S = 10  # how long the app shows the last events read before it tries an unreachable database again


def is_database(events: object) -> bool:
    """True when ``--events`` names a PostgreSQL database rather than a folder or a file."""
    return isinstance(events, str) and events.lower().startswith(SCHEMES)


class DatabaseError(Exception):
    """The database cannot be reached or used, in one line for the user (never with a password in it)."""


# Each migration once, in order; a database's ``timeline_schema`` says how many it has had. Never edit one that has
# shipped: add another. ``test_postgres`` checks that the events table has the table's declared columns.
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE {EVENTS} (
        id text PRIMARY KEY,
        title text NOT NULL,
        start timestamp NOT NULL,
        "end" timestamp NOT NULL,
        precision text NOT NULL,
        approximate boolean NOT NULL,
        uncertain boolean NOT NULL,
        earliest timestamp,
        latest timestamp,
        zone text,
        "when" text NOT NULL,
        date_text text NOT NULL,
        category text NOT NULL,
        status text NOT NULL,
        reported timestamp,
        corroboration bigint NOT NULL,
        actors jsonb NOT NULL,
        places jsonb NOT NULL,
        summary text NOT NULL,
        quotes jsonb NOT NULL,
        sources jsonb NOT NULL,
        tags jsonb NOT NULL,
        links jsonb NOT NULL,
        evidence text NOT NULL,
        path text NOT NULL,
        line bigint NOT NULL
    );
    CREATE TABLE {STATE} (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        version bigint NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now(),
        settings jsonb NOT NULL,
        problems jsonb NOT NULL
    );
    INSERT INTO {STATE} (version, settings, problems) VALUES (0, '{{}}', '[]');
    """,
)
TIMES = {column.name for column in DECLARED if column.kind == "time"}
NESTED = {column.name for column in DECLARED if column.kind == "nested"}


def safe_name(url: str) -> str:
    """The database as messages and logs name it: ``postgresql://user@host:port/name``, never its password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - an address psycopg cannot read is named by its scheme alone
        return "the PostgreSQL database (an address that cannot be read)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = str(parts.get("host") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}"


def _said(error: BaseException) -> str:
    """psycopg's message, on one line and without a password (it never quotes one, but a URL may echo one)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]


@contextmanager
def connect(url: str, read_only: bool = False, timeout_s: float | None = None) -> Iterator[psycopg.Connection[Any]]:
    """A connection, or DatabaseError saying why not; ``read_only``: every transaction reads only; ``timeout_s``:
    a statement that takes longer (waiting for a lock, say) is cancelled."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - its message may quote any part of the address, a password among them
        raise DatabaseError(
            "cannot read the database's address: write it as postgresql://USER@HOST:PORT/NAME"
        ) from None
    said = (["-c default_transaction_read_only=on"] if read_only else []) + (
        [f"-c statement_timeout={round(timeout_s * 1000)}"] if timeout_s is not None else []
    )
    options = " ".join(said) or None
    try:
        connection = psycopg.connect(
            url, connect_timeout=CONNECT_TIMEOUT_S, application_name="timeline", options=options
        )
    except (psycopg.Error, ValueError) as error:
        raise DatabaseError(f"cannot connect to {safe_name(url)}: {_said(error)}") from None
    try:
        with connection:
            yield connection
    except psycopg.Error as error:
        raise DatabaseError(f"{safe_name(url)}: {_said(error)}") from None


def _schema_version(connection: psycopg.Connection[Any]) -> int:
    row = connection.execute("SELECT to_regclass(%s) IS NOT NULL", (SCHEMA,)).fetchone()
    if not row or not row[0]:
        return 0
    found = connection.execute(f"SELECT version FROM {SCHEMA}").fetchone()
    return int(found[0]) if found else 0


def init(url: str, reader: str | None = None) -> tuple[int, int]:
    """Create the schema, or bring it up to date (the migrations not yet applied, in one transaction), and let
    ``reader`` (a role that exists) read it; the versions before and after."""
    from psycopg import sql

    with connect(url) as connection, connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (SCHEMA,))  # one init at a time
        before = _schema_version(connection)
        if before > len(MIGRATIONS):
            raise DatabaseError(
                f"{safe_name(url)} has schema version {before}, newer than this timeline's {len(MIGRATIONS)}: "
                "upgrade the timeline"
            )
        if before == 0:
            connection.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA} (version integer NOT NULL)")
            connection.execute(f"INSERT INTO {SCHEMA} (version) VALUES (0)")
        for migration in MIGRATIONS[before:]:
            connection.execute(migration)  # this module's own text: no value in it
        connection.execute(f"UPDATE {SCHEMA} SET version = %s", (len(MIGRATIONS),))
        if reader:
            found = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (reader,)).fetchone()
            if not found:
                raise DatabaseError(
                    f"no role named {reader!r} in {safe_name(url)}: create it first "
                    f"(CREATE ROLE {reader} LOGIN PASSWORD '…'), then run this again"
                )
            role = sql.Identifier(reader)
            connection.execute(
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(_schema(connection)), role)
            )
            connection.execute(
                sql.SQL("GRANT SELECT ON {}, {}, {} TO {}").format(
                    sql.Identifier(EVENTS), sql.Identifier(STATE), sql.Identifier(SCHEMA), role
                )
            )
    return before, len(MIGRATIONS)


def _schema(connection: psycopg.Connection[Any]) -> str:
    row = connection.execute("SELECT current_schema()").fetchone()
    return str(row[0]) if row and row[0] else "public"


def _check_schema(connection: psycopg.Connection[Any], url: str) -> None:
    version = _schema_version(connection)
    if version != len(MIGRATIONS):
        what = "has no timeline schema" if version == 0 else f"has schema version {version}, not {len(MIGRATIONS)}"
        raise DatabaseError(f"{safe_name(url)} {what}: run `timeline db init URL` first")


# ---- writing --------------------------------------------------------------------------------------------------


def _cell(name: str, value: Any) -> Any:
    """One cell as COPY writes it: times as datetimes (None for none), lists and dicts as JSON text."""
    if name in NESTED:
        return json.dumps(value if value is not None else [], ensure_ascii=False)
    if name in TIMES:
        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _rows(events: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    columns = [events[name].to_numpy(dtype=object) for name in COLUMNS]
    for values in zip(*columns, strict=True):
        yield tuple(_cell(name, value) for name, value in zip(COLUMNS, values, strict=True))


@dataclass(frozen=True)
class Loaded:
    """What a load did: events added, changed, removed, left in place (in the database, not in the folder), and
    the collection's new version."""

    added: int
    changed: int
    removed: int
    kept: int
    version: int


def load(url: str, collection: Collection, prune: bool = False) -> Loaded:
    """Write a loaded collection into the database in one transaction: each event upserted by its id (an unchanged
    one left as it is), its settings and problems replaced, its version raised. Events in the database but not in
    the collection stay, unless ``prune``. Readers see the previous version until it commits."""
    from psycopg import sql

    names = [sql.Identifier(name) for name in COLUMNS]
    listed = sql.SQL(", ").join(names)
    updates = sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(name, name) for name in names[1:])
    with connect(url) as connection, connection.transaction():
        _check_schema(connection, url)
        connection.execute(f"LOCK TABLE {STATE} IN EXCLUSIVE MODE")  # one load at a time; readers go on reading
        connection.execute(f"CREATE TEMP TABLE incoming (LIKE {EVENTS}) ON COMMIT DROP")
        with connection.cursor() as cursor:
            with cursor.copy(sql.SQL("COPY incoming ({}) FROM STDIN").format(listed)) as copy:
                for row in _rows(collection.events):
                    copy.write_row(row)
            cursor.execute(
                sql.SQL(
                    "INSERT INTO {events} ({listed}) SELECT {listed} FROM incoming ON CONFLICT (id) DO UPDATE SET "
                    "{updates} WHERE ({events}.*) IS DISTINCT FROM (EXCLUDED.*) RETURNING (xmax = 0)"
                ).format(events=sql.Identifier(EVENTS), listed=listed, updates=updates)
            )
            written = [bool(row[0]) for row in cursor.fetchall()]
            missing = sql.SQL("FROM {events} e WHERE NOT EXISTS (SELECT 1 FROM incoming i WHERE i.id = e.id)").format(
                events=sql.Identifier(EVENTS)
            )
            if prune:
                cursor.execute(sql.SQL("DELETE ") + missing)
                removed, kept = cursor.rowcount, 0
            else:
                found = cursor.execute(sql.SQL("SELECT count(*) ") + missing).fetchone()
                removed, kept = 0, int(found[0]) if found else 0
            # A load that changes nothing (no event, settings or problem) leaves the version as it was: every app
            # server would otherwise read the whole collection again for nothing.
            settings, problems = settings_json(collection.settings), problems_json(collection.problems)
            state = (
                cursor.execute(
                    f"UPDATE {STATE} SET version = version + 1, loaded_at = now(), settings = %s, problems = %s "
                    "WHERE %s OR settings IS DISTINCT FROM %s::jsonb OR problems IS DISTINCT FROM %s::jsonb "
                    "RETURNING version",
                    (settings, problems, bool(written) or removed > 0, settings, problems),
                ).fetchone()
                or cursor.execute(f"SELECT version FROM {STATE}").fetchone()
            )
    version = int(state[0]) if state else 0
    return Loaded(sum(written), len(written) - sum(written), removed, kept, version)


# ---- reading --------------------------------------------------------------------------------------------------


def _version(connection: psycopg.Connection[Any]) -> tuple[int, str]:
    row = connection.execute(f"SELECT version, loaded_at::text FROM {STATE}").fetchone()
    if not row:
        raise DatabaseError("the collection's state row is missing: run `timeline db init URL` again")
    return int(row[0]), str(row[1])


def _fingerprint(url: str, version: int, loaded_at: str) -> str:
    """The same in every process reading this version of this database, so their screen keys agree."""
    return hashlib.sha256(f"postgres\0{safe_name(url)}\0{version}\0{loaded_at}".encode()).hexdigest()[:32]


def read(url: str) -> Collection:
    """The collection in the database, as the store gives a folder's: events sorted and typed, its problems and
    settings as loaded."""
    from psycopg import sql

    with connect(url, read_only=True) as connection, connection.transaction():
        _check_schema(connection, url)
        version, loaded_at = _version(connection)
        state = connection.execute(f"SELECT settings, problems FROM {STATE}").fetchone()
        kept_settings, kept_problems = state if state else ({}, [])
        cursor = connection.execute(
            sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(sql.Identifier(name) for name in COLUMNS), sql.Identifier(EVENTS)
            )
        )
        rows = cursor.fetchall()
    if rows:
        columns = dict(
            zip(COLUMNS, (pd.Series(values, dtype=object) for values in zip(*rows, strict=True)), strict=True)
        )
        events = finish(columns)
    else:
        events = empty_events()
    try:
        settings = CollectionSettings.model_validate(kept_settings or {})
    except ValueError as error:
        log.warning("the settings in %s cannot be used: %s", safe_name(url), error)
        settings = CollectionSettings()
    return Collection(events, problems_from(kept_problems), settings, _fingerprint(url, version, loaded_at))


class Reader:
    """The collection of one database for the app: read again only when its version changes (one small query a
    request, as an unchanged folder costs one ``stat``); while the database cannot be reached, the last collection
    read, with a problem saying so, and no new try for ``RETRY_AFTER_S``: a database that hangs costs one request
    a connection's timeout, not every request one each, queued behind the last."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._collection: Collection | None = None
        self._version: tuple[int, str] | None = None
        self._away: tuple[float, Collection] | None = None  # since when the database could not be read, and what shows

    def __call__(self) -> Collection:
        with self._lock:
            if self._away is not None and time.monotonic() - self._away[0] < RETRY_AFTER_S:
                return self._away[1]
            try:
                # The version, asked on every request, within a few seconds: a collection locked by a migration or
                # a VACUUM FULL would otherwise hold every request (they queue behind this one) until it is done.
                with connect(self.url, read_only=True, timeout_s=VERSION_TIMEOUT_S) as connection:
                    version = _version(connection)
                if self._collection is None or version != self._version:
                    self._collection, self._version = read(self.url), version
                self._away = None
                return self._collection
            except DatabaseError as error:
                log.warning("%s", error)
                self._away = (time.monotonic(), self._shown_away(error))
                return self._away[1]

    def _shown_away(self, error: DatabaseError) -> Collection:
        """The last collection read (or none), with a problem saying the database cannot be read."""
        why = f"cannot read the database ({error}); showing the events as last read"
        shown = self._collection or Collection(empty_events(), [], CollectionSettings())
        return shown_as_it_was(shown, Problem(safe_name(self.url), 1, 1, why, Effect.SHOWN), "away")

"""How fast the store loads big collections: a folder of YAML files and million-row tables, cold and cached.

    python benchmarks/load.py                          # 100,000 YAML files, 1,000,000-row tables
    python benchmarks/load.py --files 20000 --rows 200000 --work /tmp/timeline-load

Generates (once, kept in --work) a folder of small YAML events, one per file, and an ACLED-style table as
Parquet and CSV plus a native Parquet table; then measures each case in a fresh Python process so that its
peak memory (ru_maxrss) is its own, and prints a table. The disk cache goes to a folder under --work, never to
the user's own cache. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ["diplomacy", "military", "politics"]
EVENT_TYPES = {
    "Battles": ["Armed clash", "Government regains territory", "Non-state actor overtakes territory"],
    "Explosions/Remote violence": [
        "Shelling/artillery/missile attack",
        "Air/drone strike",
        "Remote explosive/landmine/IED",
    ],
    "Violence against civilians": ["Attack", "Abduction/forced disappearance"],
    "Protests": ["Peaceful protest", "Protest with intervention"],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": ["Agreement", "Arrests", "Change to group/activity", "Looting/property destruction"],
}
OBLASTS = [
    "Kyiv",
    "Kharkiv",
    "Donetsk",
    "Luhansk",
    "Zaporizhia",
    "Kherson",
    "Odesa",
    "Mykolaiv",
    "Dnipropetrovsk",
    "Sumy",
    "Chernihiv",
    "Lviv",
    "Poltava",
    "Vinnytsia",
    "Zhytomyr",
]
SOURCES = [
    "Ukrainska Pravda",
    "Kyiv Independent",
    "Ukrinform",
    "Suspilne",
    "Ministry of Defence of Ukraine",
    "Interfax-Ukraine",
    "Reuters",
    "RBC-Ukraine",
    "Liga",
    "Hromadske",
]


# ---- data ---------------------------------------------------------------------------------------------------------


def yaml_folder(work: Path, files: int) -> Path:
    """One small event per file, a thousand files per subfolder, and a settings file."""
    root = work / f"yaml-{files}"
    if (root / ".complete").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / "_collection.yaml").write_text(
        "title: Benchmark\ncategories:\n" + "".join(f"  {name}: {{}}\n" for name in CATEGORIES), encoding="utf-8"
    )
    rnd = random.Random(1)
    for i in range(files):
        folder = root / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(exist_ok=True)
        day = f"2022-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        link = f"links:\n  - {{to: event-{i - 1:06d}, relation: follows}}\n" if i % 10 == 1 else ""
        (folder / f"event-{i:06d}.yaml").write_text(
            f"title: Event number {i}\ndate: {day}\ncategory: {CATEGORIES[i % 3]}\nactors: [Actor {i % 50}]\n"
            f"places:\n  - {{name: Place {i % 200}, country: UA, lat: 50.{i % 90:02d}, lon: 30.{i % 70:02d}}}\n"
            f"summary: Something happened on {day}.\n"
            f"sources:\n  - {{title: Report, publisher: DW, published: '2022-12-31'}}\n{link}",
            encoding="utf-8",
        )
    (root / ".complete").touch()
    return root


def acled_frame(rows: int) -> pd.DataFrame:
    """ACLED-like rows: many repeats in dates, actors, places and sources; a unique note each."""
    rng = np.random.default_rng(7)
    pairs = [(kind, sub) for kind, subs in EVENT_TYPES.items() for sub in subs]
    which = rng.integers(0, len(pairs), rows)
    locations = [
        f"{name}{suffix}"
        for name in (
            "Bakhmut",
            "Avdiivka",
            "Kupiansk",
            "Vuhledar",
            "Orikhiv",
            "Kherson",
            "Sumy",
            "Kharkiv",
            "Marinka",
            "Lyman",
        )
        for suffix in ("", " (outskirts)", "-2", "-3", "-4", "-5", "-6", "-7", "-8", "-9")
    ] * 50
    locations = [f"{name} {i // 100}" if i >= 100 else name for i, name in enumerate(locations)]
    place = rng.integers(0, len(locations), rows)
    lat = 46 + (np.arange(len(locations)) % 500) / 100
    lon = 30 + (np.arange(len(locations)) % 700) / 100
    actors = (
        [f"Military Forces of Ukraine ({y})" for y in range(2019, 2025)]
        + [f"Military Forces of Russia ({y})" for y in range(2000, 2025)]
        + [f"Protesters (Ukraine) {i}" for i in range(300)]
    )
    days = pd.date_range("2018-01-01", "2024-12-31").strftime("%Y-%m-%d").to_numpy()
    words = np.array(
        "on the morning of shelling was reported near the village by forces of with casualties "
        "unknown according to local officials a drone struck an infrastructure object".split()
    )
    notes = [" ".join(words[rng.integers(0, len(words), 30)]) + f" (ref {i})." for i in range(rows)]
    assoc = np.array(["", "", "", "Civilians (Ukraine)", "Labour Group (Ukraine); Students (Ukraine)"], dtype=object)
    return pd.DataFrame(
        {
            "event_id_cnty": [f"UKR{i:07d}" for i in range(rows)],
            "event_date": days[rng.integers(0, len(days), rows)],
            "year": 2024,
            "time_precision": rng.choice([1, 1, 1, 1, 2, 3], rows),
            "disorder_type": "Political violence",
            "event_type": [pairs[i][0] for i in which],
            "sub_event_type": [pairs[i][1] for i in which],
            "actor1": np.array(actors, dtype=object)[rng.integers(0, len(actors), rows)],
            "assoc_actor_1": assoc[rng.integers(0, len(assoc), rows)],
            "inter1": 1,
            "actor2": np.array(actors + [""] * 200, dtype=object)[rng.integers(0, len(actors) + 200, rows)],
            "assoc_actor_2": "",
            "inter2": 8,
            "interaction": 18,
            "civilian_targeting": "",
            "iso": 804,
            "region": "Europe",
            "country": "Ukraine",
            "admin1": np.array(OBLASTS, dtype=object)[place % len(OBLASTS)],
            "admin2": "",
            "admin3": "",
            "location": np.array(locations, dtype=object)[place],
            "latitude": lat[place],
            "longitude": lon[place],
            "geo_precision": 1,
            "source": np.array(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), rows)],
            "source_scale": "National",
            "notes": notes,
            "fatalities": rng.integers(0, 5, rows),
            "tags": "",
            "timestamp": 1700000000,
        }
    )


def tables(work: Path, rows: int) -> dict[str, Path]:
    """An ACLED-style Parquet and CSV file and a native Parquet file of ``rows`` rows each (made once)."""
    paths = {
        "acled.parquet": work / f"acled-{rows}.parquet",
        "acled.csv": work / f"acled-{rows}.csv",
        "native.parquet": work / f"native-{rows}.parquet",
    }
    if all(path.exists() for path in paths.values()):
        return paths
    work.mkdir(parents=True, exist_ok=True)
    acled = acled_frame(rows)
    acled.to_parquet(paths["acled.parquet"], index=False)
    acled.to_csv(paths["acled.csv"], index=False)
    rng = np.random.default_rng(3)
    native = pd.DataFrame(
        {
            "id": [f"ev-{i:07d}" for i in range(rows)],
            "title": [f"Event {i} at {acled['location'].iat[i]}" for i in range(rows)],
            "date": acled["event_date"],
            "end": np.where(rng.random(rows) < 0.05, "2025-01-01", ""),
            "approximate": rng.random(rows) < 0.1,
            "category": np.array(CATEGORIES, dtype=object)[rng.integers(0, 3, rows)],
            "actors": acled["actor1"] + "; " + acled["actor2"],
            "tags": "tag-" + pd.Series(rng.integers(0, 40, rows)).astype(str),
            "place": acled["location"],
            "country": "UA",
            "lat": acled["latitude"],
            "lon": acled["longitude"],
            "summary": acled["notes"],
            "source": acled["source"],
            "source_url": "https://example.org/" + acled["source"].str.replace(" ", "-"),
            "published": "2025-01-02",
            "links": np.where(np.arange(rows) % 30 == 1, [f"follows:ev-{max(i - 1, 0):07d}" for i in range(rows)], ""),
        }
    )
    native.to_parquet(paths["native.parquet"], index=False)
    return paths


# ---- measuring ------------------------------------------------------------------------------------------------

PROBE = r"""
import json, os, resource, sys, time
from pathlib import Path
case, target = sys.argv[1], Path(sys.argv[2])
from dashboard import store
result = {}
def cpu():  # this process and its finished children (the workers that parse a first load)
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
started, cpu_started = time.perf_counter(), cpu()
collection = store.load_collection(target)
result["seconds"] = time.perf_counter() - started
result["cpu"] = cpu() - cpu_started
result["rows"] = len(collection.events)
result["problems"] = len(collection.problems)
if case == "yaml-cached":
    store.RESTAT_AFTER = 0  # measure what a reload after the time-to-live costs: a stat of every file
    started = time.perf_counter(); again = store.load_collection(target)
    result["reload (stat every file)"] = time.perf_counter() - started
    assert again.events is collection.events
    store.RESTAT_AFTER = 2.0
    started = time.perf_counter(); store.load_collection(target)
    result["reload within the time-to-live"] = time.perf_counter() - started
    edited = sorted(target.glob("000/*.yaml"))[5]
    text = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(text.replace("title: Event number", "title: Edited event number"), encoding="utf-8")
        store.RESTAT_AFTER = 0
        started = time.perf_counter(); after = store.load_collection(target)
        result["reload after editing one file"] = time.perf_counter() - started
        assert after.events["title"].str.startswith("Edited").sum() == 1
    finally:
        edited.write_text(text, encoding="utf-8")
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def measure(case: str, target: Path, cache_dir: Path, repeat: int = 1) -> dict[str, float]:
    """Run a case in fresh processes; with ``repeat``, the best of each number."""
    env = {**os.environ, "TIMELINE_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT)}
    best: dict[str, float] = {}
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, case, str(target)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if done.returncode:
            sys.exit(f"{case} failed:\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        best = {key: min(value, best.get(key, value)) for key, value in result.items()}
    return best


def codecs(rows: int) -> None:
    """Compare ways to keep nested columns in the cache: JSON text decoded once per distinct value (what
    dashboard/cache.py does) against Arrow's own nested types, in IPC files with and without LZ4 and in Parquet."""
    import tempfile

    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    from dashboard import cache

    columns: dict[str, list[Any]] = {
        "places": [
            [{"name": f"Place {i % 200}", "country": "UA", "lat": 50 + i % 90 / 100, "lon": 30.5}] for i in range(rows)
        ],
        "sources": [[{"title": "Report", "publisher": "DW", "url": None, "published": "2022-12-31"}]] * rows,
        "actors": [[f"Actor {i % 50}"] for i in range(rows)],
        "quotes": [[] for _ in range(rows)],
        "links": [[{"to": f"event-{i - 1:06d}", "relation": "follows"}] if i % 10 == 1 else [] for i in range(rows)],
    }
    quote = pa.list_(pa.struct([("text", pa.string()), ("speaker", pa.string())]))
    tables = {
        "JSON text": pa.table({k: pa.array([cache.to_json(v) for v in vs]) for k, vs in columns.items()}),
        "Arrow nested": pa.table({k: pa.array(vs, type=quote if k == "quotes" else None) for k, vs in columns.items()}),
    }
    decoders: dict[str, Callable[[pa.Table], Any]] = {
        "JSON text": lambda t: {k: cache._objects(t.column(k)) for k in columns},
        "Arrow nested": lambda t: {k: t.column(k).to_pylist() for k in columns},
    }
    print(f"nested columns of {rows:,} events: read + decode, best of 3")
    with tempfile.TemporaryDirectory() as folder:
        for name, table in tables.items():
            for form, write, read in (
                ("IPC lz4", lambda t, p: feather.write_feather(t, p, compression="lz4"), feather.read_table),
                ("IPC plain", lambda t, p: feather.write_feather(t, p, compression="uncompressed"), feather.read_table),
                ("Parquet", pq.write_table, pq.read_table),
            ):
                path = os.path.join(folder, "t")
                write(table, path)
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    decoders[name](read(path))
                    best = min(best, time.perf_counter() - started)
                print(f"  {name:<13} {form:<10} {os.path.getsize(path) / 1e6:6.1f} MB  {best:6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000, help="YAML files in the folder (default 100,000)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in each table (default 1,000,000)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/timeline-load"), help="where the data is kept")
    parser.add_argument("--skip-csv", action="store_true", help="leave out the CSV table")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run each case but the first load N times and keep the fastest (for a busy machine)",
    )
    parser.add_argument("--codecs", action="store_true", help="only compare ways to store nested columns")
    args = parser.parse_args()
    if args.codecs:
        codecs(args.files)
        return

    started = time.perf_counter()
    folder = yaml_folder(args.work, args.files)
    paths = tables(args.work, args.rows)
    print(f"data ready in {time.perf_counter() - started:.1f} s under {args.work}", file=sys.stderr)
    cache_dir = args.work / "cache"
    for stale in cache_dir.glob("*/*"):
        stale.unlink()

    table: list[tuple[str, float, float, float | None, float | None]] = []
    cold = measure("yaml-cold", folder, cache_dir)
    table.append(
        (
            f"YAML folder, {args.files:,} files: first load (parse all, write cache)",
            cold["rows"],
            cold["seconds"],
            cold["cpu"],
            cold["peak_rss_mb"],
        )
    )
    cached = measure("yaml-cached", folder, cache_dir, args.repeat)
    table.append(
        ("  restart: new process, disk cache", cached["rows"], cached["seconds"], cached["cpu"], cached["peak_rss_mb"])
    )
    for key in ("reload (stat every file)", "reload within the time-to-live", "reload after editing one file"):
        table.append((f"  same process: {key}", cached["rows"], cached[key], None, None))
    for name, path in paths.items():
        if args.skip_csv and name.endswith(".csv"):
            continue
        for kept in cache_dir.glob("*/table-*.arrow"):
            kept.unlink()  # a table of 1 MB or more is kept in the disk cache: its first load is measured first
        size = path.stat().st_size / 1e6
        first = measure("table", path, cache_dir)
        table.append(
            (
                f"{name} ({size:,.0f} MB): first load",
                first["rows"],
                first["seconds"],
                first["cpu"],
                first["peak_rss_mb"],
            )
        )
        again = measure("table", path, cache_dir, args.repeat)
        table.append(
            ("  restart: new process, disk cache", again["rows"], again["seconds"], again["cpu"], again["peak_rss_mb"])
        )

    width = max(len(row[0]) for row in table)
    print(f"{'case':<{width}}  {'events':>9}  {'seconds':>8}  {'CPU s':>6}  {'peak RSS MB':>11}")
    for name, rows, seconds, cpu, rss in table:
        print(
            f"{name:<{width}}  {rows:>9,}  {seconds:>8.3f}  {'' if cpu is None else f'{cpu:.2f}':>6}  "
            f"{'' if rss is None else f'{rss:,.0f}':>11}"
        )
    print(
        f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}: on a busy machine the seconds grow, "
        "the CPU seconds much less)"
    )


if __name__ == "__main__":
    main()

"""Synthetic event collections for the benchmark: deterministic, bursty, written as Parquet (and YAML folders).

``collection(n)`` returns the path of ``events-N.parquet`` under the cache folder (``/tmp/timeline-bench`` or
``$TIMELINE_BENCH_CACHE``), generating it on first use; ``meta(n)`` tells where the busy and the quiet days
are, for the zoom and click measurements. ``yaml_folder(n)`` writes the same events as one YAML file each.

The columns are the store's native Parquet layout: id, title, date (ISO text: a day, or a month for
month-precision events), end (ISO day or null), approximate, category, actors ('; '-separated), tags
('; '-separated), place, country, lat, lon, summary, source, source_url, published, links
('relation:id; …' or null).

    python benchmarks/generate.py 1000 10000      # write (or reuse) those sizes and print where they are
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(os.environ.get("TIMELINE_BENCH_CACHE", "/tmp/timeline-bench"))
VERSION = 1  # bump when the generated content changes, so old caches are not reused
SEED = 20220216
FIRST_DAY = dt.date(2016, 1, 4)
CATEGORIES = ["diplomacy", "military", "politics", "statement", "economy", "intelligence"]
COLORS = ["#3361F0", "#D12026", "#C22492", "#B373DD", "#D68100", "#1BAA59"]
RELATIONS = ["follows", "responds-to", "causes", "part-of"]
PUBLISHERS = ["DW", "Reuters", "AP", "AFP", "BBC", "Euronews", "Politico", "Kyiv Independent"]
N_ACTORS, N_PLACES, N_TAGS = 200, 300, 40
BURST_DAYS, BURST_SHARE = 8, 0.30  # eight days hold 30% of all events, the busiest about 12%
LINK_SHARE = 0.03

FIRST_NAMES = [
    "Anna",
    "Boris",
    "Clara",
    "Dmytro",
    "Elena",
    "Felix",
    "Greta",
    "Hassan",
    "Ingrid",
    "Jonas",
    "Katya",
    "Lukas",
    "Maria",
    "Nikolai",
    "Olga",
    "Pavel",
    "Quentin",
    "Rosa",
    "Stefan",
    "Tamara",
]
LAST_NAMES = [
    "Adler",
    "Brandt",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gruber",
    "Horvat",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Ortega",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tkachenko",
]
SYLLABLES = [
    "ka",
    "ri",
    "mo",
    "ven",
    "sta",
    "lo",
    "ber",
    "gra",
    "dov",
    "lin",
    "ze",
    "pol",
    "mar",
    "ost",
    "nik",
    "sla",
    "vo",
    "ter",
    "an",
    "bur",
]
COUNTRIES = [
    "UA",
    "RU",
    "DE",
    "FR",
    "US",
    "GB",
    "PL",
    "RO",
    "EE",
    "LV",
    "LT",
    "BE",
    "NL",
    "IT",
    "ES",
    "SE",
    "FI",
    "NO",
    "DK",
    "CZ",
    "SK",
    "HU",
    "MD",
    "BY",
    "TR",
    "GE",
    "AT",
    "CH",
    "PT",
    "IE",
]
WORDS = """
alliance allies army attack border briefing cabinet call ceasefire chancellor council convoy defence delegation
deal deployment drill economic election embassy energy envoy exercise forces foreign funding gas government
grain grid hospital humanitarian intelligence investigation leaders loan market meeting military minister
ministers mission monitors navy negotiations observers officials parliament partners pipeline port president
prime protest railway refugees regional report reserves resolution sanctions satellite security shelling
shipment soldiers spokesman summit support talks tanks trade troops vote warning weapons withdrawal agree
announce approve arrive ask back block call cancel claim close condemn confirm debate delay deliver deny
discuss expand extend freeze hold host launch meet open pledge postpone propose raise reject release report
resume review send sign suspend threaten urge visit warn new urgent joint emergency second final early late
northern southern eastern western overnight weekly annual interim formal informal limited major minor
""".split()


def span_days(n: int) -> int:
    """How many days the collection covers: a season for small ones, ten years for the largest."""
    return int(min(3650, max(90, n // 30)))


def _names(rng: np.random.Generator) -> tuple[list[str], list[dict[str, object]], list[str]]:
    pairs = [f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES]
    actors = [pairs[i] for i in rng.choice(len(pairs), N_ACTORS, replace=False)]
    seen: set[str] = set()
    places: list[dict[str, object]] = []
    while len(places) < N_PLACES:
        name = "".join(rng.choice(SYLLABLES, rng.integers(2, 4))).capitalize()
        if name in seen:
            continue
        seen.add(name)
        places.append(
            {
                "name": name,
                "country": str(rng.choice(COUNTRIES)),
                "lat": round(float(rng.uniform(-45, 65)), 4),
                "lon": round(float(rng.uniform(-120, 150)), 4),
            }
        )
    tags = [f"topic-{i:02d}" for i in range(N_TAGS)]
    return actors, places, tags


def _zipf(rng: np.random.Generator, k: int, size: int, a: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1) ** a
    return rng.choice(k, size=size, p=weights / weights.sum())


def _plan(n: int, rng: np.random.Generator) -> dict[str, object]:
    days = span_days(n)
    margin = max(days // 10, 3)
    bursts = rng.choice(np.arange(margin, days - margin), BURST_DAYS, replace=False)
    shares = 0.6 ** np.arange(BURST_DAYS)
    shares = BURST_SHARE * shares / shares.sum()
    # A quiet week for clicking: near 40% of the span, at least 4 days from any burst day.
    quiet = int(days * 0.4)
    while any(abs(quiet - int(b)) < 4 for b in bursts):
        quiet += 5
    return {"days": days, "bursts": bursts, "shares": shares, "quiet": quiet}


def generate(n: int, seed: int = SEED) -> tuple[pd.DataFrame, dict[str, object]]:
    """N synthetic events in the native column layout, and facts about them (busy and quiet days)."""
    rng = np.random.default_rng(seed + n)
    actors, places, tags = _names(rng)
    plan = _plan(n, rng)
    days = plan["days"]
    bursts, shares = plan["bursts"], plan["shares"]

    in_burst = rng.random(n) < BURST_SHARE
    day = rng.integers(0, days, n)
    day[in_burst] = rng.choice(bursts, size=int(in_burst.sum()), p=shares / shares.sum())
    kind = rng.choice(3, size=n, p=[0.75, 0.15, 0.10])  # single day, range, month-precision approximate
    kind[in_burst & (kind == 2)] = 0  # a burst is news of the day, not a month's
    length = rng.integers(2, 15, n)

    first = np.datetime64(FIRST_DAY.isoformat(), "D")
    start = first + day.astype("timedelta64[D]")
    month_start = start.astype("datetime64[M]").astype("datetime64[D]")
    sort_key = np.where(kind == 2, month_start, start)
    order = np.lexsort((day, sort_key))  # time order, so that links to earlier events point to lower ids
    day, kind, length, start = day[order], kind[order], length[order], start[order]

    ids = [f"ev-{i:07d}" for i in range(n)]
    day_text = np.datetime_as_string(start, unit="D")
    month_text = np.datetime_as_string(start.astype("datetime64[M]"), unit="M")
    end_text = np.datetime_as_string(start + (length - 1).astype("timedelta64[D]"), unit="D")
    date = np.where(kind == 2, month_text, day_text).tolist()
    end = [e if k == 1 else None for e, k in zip(end_text.tolist(), kind.tolist(), strict=True)]

    category_idx = rng.choice(len(CATEGORIES), n, p=[0.24, 0.2, 0.18, 0.16, 0.12, 0.10])
    actor_a = _zipf(rng, N_ACTORS, n)
    actor_b = _zipf(rng, N_ACTORS, n)
    two_actors = (rng.random(n) < 0.45) & (actor_a != actor_b)
    place_idx = _zipf(rng, N_PLACES, n, a=0.9)
    tag_count = rng.integers(1, 4, n)
    tag_idx = rng.integers(0, N_TAGS, (n, 3))
    title_len = rng.integers(6, 11, n)
    title_words = rng.integers(0, len(WORDS), (n, 10))
    summary_len = rng.integers(14, 26, n)
    summary_words = rng.integers(0, len(WORDS), (n, 25))
    publisher_idx = rng.integers(0, len(PUBLISHERS), n)

    title = []
    summary = []
    for i, (tl, tw, sl, sw) in enumerate(
        zip(title_len.tolist(), title_words.tolist(), summary_len.tolist(), summary_words.tolist(), strict=True)
    ):
        words = [WORDS[w] for w in tw[:tl]]
        title.append(" ".join(words).capitalize())
        place = places[place_idx[i]]["name"]
        summary.append(" ".join(WORDS[w] for w in sw[:sl]).capitalize() + f" in {place}.")

    actor_text = [
        f"{actors[a]}; {actors[b]}" if two else actors[a]
        for a, b, two in zip(actor_a.tolist(), actor_b.tolist(), two_actors.tolist(), strict=True)
    ]
    tag_text = [
        "; ".join(dict.fromkeys(tags[t] for t in row[:c]))
        for row, c in zip(tag_idx.tolist(), tag_count.tolist(), strict=True)
    ]

    links: list[str | None] = [None] * n
    linking = np.flatnonzero(rng.random(n) < LINK_SHARE)
    for i in linking.tolist():
        if i == 0:
            continue
        count = 2 if rng.random() < 0.1 else 1
        targets = sorted({int(rng.integers(max(0, i - 500), i)) for _ in range(count)})
        links[i] = "; ".join(f"{RELATIONS[int(rng.integers(0, 4))]}:{ids[t]}" for t in targets)

    published = np.where(kind == 1, end_text, day_text).tolist()
    frame = pd.DataFrame(
        {
            "id": ids,
            "title": title,
            "date": date,
            "end": end,
            "approximate": kind == 2,
            "category": [CATEGORIES[c] for c in category_idx.tolist()],
            "actors": actor_text,
            "tags": tag_text,
            "place": [places[p]["name"] for p in place_idx.tolist()],
            "country": [places[p]["country"] for p in place_idx.tolist()],
            "lat": [places[p]["lat"] for p in place_idx.tolist()],
            "lon": [places[p]["lon"] for p in place_idx.tolist()],
            "summary": summary,
            "source": [PUBLISHERS[p] for p in publisher_idx.tolist()],
            "source_url": [
                f"https://example.org/{PUBLISHERS[p].lower().replace(' ', '-')}/{ident}"
                for p, ident in zip(publisher_idx.tolist(), ids, strict=True)
            ],
            "published": published,
            "links": links,
        }
    )

    def iso(offset: int) -> str:
        return (FIRST_DAY + dt.timedelta(days=int(offset))).isoformat()

    singles = pd.Series(day[kind == 0]).value_counts()
    busiest = int(singles.idxmax())
    quiet = int(plan["quiet"])
    facts = {
        "n": n,
        "version": VERSION,
        "seed": seed,
        "first_day": iso(0),
        "last_day": iso(days - 1),
        "span_days": days,
        "busiest_day": iso(busiest),
        "busiest_day_events": int((day == busiest).sum()),
        "burst_days": sorted(iso(b) for b in bursts),
        "quiet_from": iso(quiet - 3),
        "quiet_to": iso(quiet + 3),
        "quiet_day": iso(quiet),
        "quiet_week_events": int(((day >= quiet - 3) & (day <= quiet + 3)).sum()),
        "kinds": {"single": int((kind == 0).sum()), "range": int((kind == 1).sum()), "month": int((kind == 2).sum())},
        "linking_events": int(sum(link is not None for link in links)),
    }
    return frame, facts


def collection_settings() -> str:
    """The _collection.yaml that goes beside every generated collection."""
    lines = ["title: Synthetic benchmark events", "description: Generated by benchmarks/generate.py.", "categories:"]
    lines += [
        f'  {key}: {{label: {key.capitalize()}, color: "{color}"}}'
        for key, color in zip(CATEGORIES, COLORS, strict=True)
    ]
    return "\n".join(lines) + "\n"


def _paths(n: int) -> tuple[Path, Path]:
    return CACHE / f"events-{n}.parquet", CACHE / f"events-{n}.json"


def meta(n: int) -> dict[str, object]:
    """Facts about the collection of size N (generating it if needed)."""
    collection(n)
    return json.loads(_paths(n)[1].read_text())


def collection(n: int) -> Path:
    """The Parquet file of N events, generated once and reused while its version matches."""
    parquet, facts_path = _paths(n)
    CACHE.mkdir(parents=True, exist_ok=True)
    settings = CACHE / "_collection.yaml"
    if not settings.exists() or settings.read_text() != collection_settings():
        settings.write_text(collection_settings())
    if parquet.exists() and facts_path.exists():
        try:
            if json.loads(facts_path.read_text()).get("version") == VERSION:
                return parquet
        except ValueError:
            pass
    frame, facts = generate(n)
    tmp = parquet.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
    tmp.replace(parquet)
    facts_path.write_text(json.dumps(facts, indent=2) + "\n")
    return parquet


def _present(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _event_yaml(row: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {"title": row["title"], "date": row["date"]}
    if _present(row["end"]):
        data["end"] = row["end"]
    if row["approximate"]:
        data["approximate"] = True
    data["category"] = row["category"]
    data["actors"] = str(row["actors"]).split("; ")
    data["places"] = [{"name": row["place"], "country": row["country"], "lat": row["lat"], "lon": row["lon"]}]
    data["summary"] = row["summary"]
    data["sources"] = [{"title": row["source"], "url": row["source_url"], "published": row["published"]}]
    data["tags"] = str(row["tags"]).split("; ")
    if _present(row["links"]):
        data["links"] = [
            {"to": part.split(":", 1)[1], "relation": part.split(":", 1)[0]} for part in str(row["links"]).split("; ")
        ]
    return data


def yaml_folder(n: int) -> Path:
    """The same N events as a folder of YAML files, one per event (for comparing load times)."""
    import yaml

    folder = CACHE / f"yaml-{n}"
    stamp = folder / f".complete-v{VERSION}"
    if stamp.exists():
        return folder
    parquet = collection(n)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "_collection.yaml").write_text(collection_settings())
    frame = pd.read_parquet(parquet)
    for row in frame.to_dict("records"):
        text = yaml.safe_dump(_event_yaml(row), sort_keys=False, allow_unicode=True, width=100)
        (folder / f"{row['id']}.yaml").write_text(text, encoding="utf-8")
    stamp.touch()
    return folder


def main(argv: list[str]) -> None:
    sizes = [int(a.replace("_", "")) for a in argv] or [1000, 10000]
    for n in sizes:
        path = collection(n)
        print(f"{path}  ({path.stat().st_size:,} bytes)  {json.dumps(meta(n))}")
        if n <= 10_000:
            print(yaml_folder(n))


if __name__ == "__main__":
    main(sys.argv[1:])

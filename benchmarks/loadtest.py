"""Load test: concurrent simulated users against the app on this machine (loopback only), bounded in count
and time. Reports errors (the target is none), latency percentiles, and whether every worker answered a
request alike.

    python benchmarks/loadtest.py [--events events] [--workers 2] [--users 8] [--requests 25] [--engine pandas]

It starts `gunicorn -w N dashboard.app:server` on a free 127.0.0.1 port, with the engine asked for
(TIMELINE_ENGINE), records one real callback request from headless Chromium (so the request is exactly what the
browser sends), then replays it from many threads with a different selected event each time, as users clicking
through events would. The server's memory (its master and workers together) is sampled throughout: while
serving (after the first page), the peak of their resident sizes added up (RSS, which counts the pages the workers
share once per worker) and of their proportional sizes (PSS, which splits a shared page between the processes
sharing it: the machine's memory they take); and apart, the peak while starting (a first load or build, and the
preview of the timeline the first page's request draws in a browser).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything but this machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not answer within {seconds:.0f} s")


def record_request(base: str) -> tuple[str, dict]:
    """The URL and JSON body of the main callback's request when the page first renders."""
    from playwright.sync_api import sync_playwright

    captured: list[tuple[str, dict]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        def keep(request) -> None:  # noqa: ANN001 - playwright's Request
            data = request.post_data or ""
            # The request that renders the page is the one carrying the page's width.
            if "_dash-update-component" in request.url and "timeline.figure" in data and '"width"' in data:
                captured.append((request.url, json.loads(data)))

        page.on("request", keep)
        page.goto(base)
        page.wait_for_function("document.querySelector('#timeline .main-svg') !== null", timeout=60000)
        page.wait_for_timeout(1500)
        browser.close()
    if not captured:
        raise SystemExit("could not record the app's callback request")
    return captured[0]


def descendants(pid: int) -> list[int]:
    """A process and every process under it (its workers, and theirs: a build, the preview's browser)."""
    found, queue = [], [pid]
    while queue:
        one = queue.pop()
        found.append(one)
        try:
            for task in Path(f"/proc/{one}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


PREVIEW_SECONDS = 120  # how long the server's preview may take to draw before serving is measured anyway


def drawing(pid: int) -> bool:
    """Whether a browser runs under the server (the preview's, drawn after the first request for the page)."""
    for one in descendants(pid):
        try:
            if b"chrom" in Path(f"/proc/{one}/cmdline").read_bytes().split(b"\0")[0].lower():
                return True
        except OSError:
            continue
    return False


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process and every process under it, added up, in MB (0, 0 once they have gone)."""
    rss = pss = 0.0
    for one in descendants(pid):
        try:
            for line in Path(f"/proc/{one}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            continue
    return rss, pss


def print_processes(pid: int) -> None:
    """Each server process's resident memory after the run, by kind (MB): what the sums above are made of."""
    kinds = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Anonymous")
    print("| process | " + " | ".join(kinds) + " |")
    print("| --- |" + " ---: |" * len(kinds))
    for one in descendants(pid):
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{one}/smaps_rollup").read_text().splitlines()[1:])
        except OSError:
            continue
        try:  # a worker, or a process of a worker's (the preview's browser, while it draws)
            role = "master" if one == pid else f"{Path(f'/proc/{one}/comm').read_text().strip()} {one}"
        except OSError:
            continue
        print(f"| {role} | " + " | ".join(f"{int(fields[k].split()[0]) / 1024:,.0f}" for k in kinds) + " |")


def with_selection(body: dict, event_id: str) -> dict:
    """The recorded request, as if the address bar had changed to select another event."""
    body = json.loads(json.dumps(body))
    for item in body["inputs"]:
        entries = item if isinstance(item, list) else [item]
        for entry in entries:
            if isinstance(entry, dict) and entry.get("id") == "url" and entry.get("property") == "search":
                entry["value"] = f"?event={event_id}"
    body["changedPropIds"] = ["url.search"]
    return body


def post(url: str, body: dict) -> tuple[int, bytes, float]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.perf_counter() - started
    except OSError as error:
        return 0, str(error).encode(), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", default=str(ROOT / "events"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25, help="requests per user")
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--engine", choices=["pandas", "duckdb"], default="pandas")
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload: the workers share the imports")
    parser.add_argument("--detail", action="store_true", help="each process's memory, by kind, after the run")
    parser.add_argument("--start-seconds", type=float, default=60, help="how long the server may take to answer")
    args = parser.parse_args()

    from dashboard.store import load_collection

    ids = list(load_collection(args.events).events["id"])
    port = free_port()
    base = f"http://{HOST}:{port}/"
    env = {**os.environ, "TIMELINE_EVENTS": args.events, "TIMELINE_ENGINE": args.engine}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-w",
            str(args.workers),
            "-b",
            f"{HOST}:{port}",
            "--timeout",
            "60",
            *(["--preload"] if args.preload else []),
            "dashboard.app:server",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = [0.0, 0.0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.25):
            rss, pss = memory_mb(server.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        wait_until_up(base, args.start_seconds)
        url, body = record_request(base)
        # The first page's request draws the timeline's preview in a browser of the server's (once per state of the
        # events): part of starting, as a build is. Serving is measured once it has closed.
        quiet_deadline = time.monotonic() + PREVIEW_SECONDS
        while drawing(server.pid) and time.monotonic() < quiet_deadline:
            time.sleep(0.25)
        started_at = (peak[0], peak[1])  # starting (with a first build or load) is not serving: counted apart
        peak[0] = peak[1] = 0.0
        # The same request, answered by whichever worker takes it, must give the same answer.
        answers = {post(url, with_selection(body, ids[0]))[1] for _ in range(3 * args.workers)}
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.max_seconds

        def user(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(args.requests):
                if time.monotonic() > deadline:
                    return
                status, payload, seconds = post(url, with_selection(body, rng.choice(ids)))
                with lock:
                    latencies.append(seconds)
                    if status != 200 or not payload.startswith(b"{"):
                        errors.append(f"{status}: {payload[:120]!r}")

        threads = [threading.Thread(target=user, args=(seed,)) for seed in range(args.users)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        rest = memory_mb(server.pid)
        if args.detail:
            print_processes(server.pid)
    finally:
        sampling.set()
        server.terminate()
        server.wait(timeout=10)

    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(
        f"{args.users} users × {args.requests} requests, gunicorn -w {args.workers}, {len(ids):,} events, "
        f"engine {args.engine}{', preloaded' if args.preload else ''}"
    )
    print(
        "| requests | errors | p50 ms | p95 ms | p99 ms | max ms | req/s | workers agree "
        "| serving: peak RSS MB | serving: peak PSS MB | RSS MB after | starting: peak RSS MB |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    print(
        f"| {len(latencies)} | {len(errors)} | {pct(50):.0f} | {pct(95):.0f} | {pct(99):.0f} | "
        f"{latencies[-1] * 1000:.0f} | {len(latencies) / elapsed:.1f} | {'yes' if len(answers) == 1 else 'NO'} "
        f"| {peak[0]:,.0f} | {peak[1]:,.0f} | {rest[0]:,.0f} | {started_at[0]:,.0f} |"
    )
    for error in errors[:5]:
        print("error:", error)
    print(f"mean {statistics.mean(latencies) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

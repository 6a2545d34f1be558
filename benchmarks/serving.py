"""How a baseline app of the benchmark is started: ``python benchmarks/APP.py --events FILE.parquet --port P``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from dash import Dash


def serve(argv: list[str], build: Callable[[str], Dash], about: str, port: int, what: str) -> None:
    """Read the command line, build the app over the events' Parquet file and serve it on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=about)
    parser.add_argument("--events", required=True, help="Parquet file of events")
    parser.add_argument("--port", type=int, default=port)
    args = parser.parse_args(argv)
    app = build(args.events)
    print(f"Serving {what} of {args.events} at http://127.0.0.1:{args.port}/", file=sys.stderr, flush=True)
    app.run(host="127.0.0.1", port=args.port, debug=False)

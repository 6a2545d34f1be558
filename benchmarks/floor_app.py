"""The floor: Dash with one ``dcc.Graph`` of one scatter trace of the events' dates, nothing else.

    python benchmarks/floor_app.py --events /tmp/timeline-bench/events-10000.parquet --port 8061

What loading Dash and plotly.js costs on this machine, measured beside the other apps: it reads the same Parquet
file, and its one trace holds a point per event (so its figure is of the same size class), in the page layout.
"""

from __future__ import annotations

import sys

import pandas as pd
import plotly.graph_objects as go
from dash import Dash, dcc
from serving import serve  # the script's own folder is on its path

GRAPH_ID = "graph"


def build(path: str) -> Dash:
    events = pd.read_parquet(path, columns=["date"])
    dates = pd.to_datetime(events["date"], format="ISO8601")
    figure = go.Figure(go.Scatter(x=dates, y=[0] * len(dates), mode="markers"))
    figure.update_layout(height=600)
    app = Dash(__name__, title="Floor")
    app.layout = dcc.Graph(id=GRAPH_ID, figure=figure)
    return app


def main(argv: list[str]) -> None:
    serve(argv, build, __doc__.splitlines()[0], 8061, "the floor app")


if __name__ == "__main__":
    main(sys.argv[1:])

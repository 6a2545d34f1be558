"""The naive baseline: one ``px.timeline`` of every event and a click -> card callback, nothing more.

    python benchmarks/naive_app.py --events /tmp/timeline-bench/events-10000.parquet --port 8060

It reads the same Parquet file as the real app, builds the whole figure once at start (so it sits in the
page layout), and shows the clicked event's title and summary in the div with id 'card'.
"""

from __future__ import annotations

import sys

import pandas as pd
import plotly.express as px
from dash import Dash, Input, Output, dcc, html, no_update
from serving import serve  # the script's own folder is on its path

GRAPH_ID = "graph"
CARD_ID = "card"


def build(path: str) -> Dash:
    events = pd.read_parquet(path)
    start = pd.to_datetime(events["date"], format="ISO8601")
    last = pd.to_datetime(events["end"], format="ISO8601").fillna(start)
    events["start"] = start
    events["finish"] = last + pd.Timedelta(days=1)
    fig = px.timeline(
        events, x_start="start", x_end="finish", y="category", color="category", hover_name="title", custom_data=["id"]
    )
    fig.update_layout(height=600, clickmode="event")
    by_id = events.set_index("id")[["title", "summary"]]

    app = Dash(__name__, title="Naive timeline")
    app.layout = html.Div(
        [
            html.H1("Naive timeline"),
            dcc.Graph(id=GRAPH_ID, figure=fig),
            html.Div(id=CARD_ID),
        ]
    )

    @app.callback(Output(CARD_ID, "children"), Input(GRAPH_ID, "clickData"), prevent_initial_call=True)
    def card(click: dict | None) -> object:
        try:
            event_id = click["points"][0]["customdata"][0]
            row = by_id.loc[event_id]
        except (TypeError, KeyError, IndexError):
            return no_update
        return [html.H3(row["title"], className="card-title"), html.P(row["summary"])]

    return app


def main(argv: list[str]) -> None:
    serve(argv, build, __doc__.splitlines()[0], 8060, "naive timeline")


if __name__ == "__main__":
    main(sys.argv[1:])

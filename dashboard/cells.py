"""Reading a big events table a column at a time: its lists shared between rows, found once per distinct list.

The readers and the disk cache give the rows that hold the same names one list object between them, so a million
rows hold a few thousand lists: anything worked out per list is worked out once per distinct list, then spread to
the rows by code, instead of once per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def shared_lists(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number in the column's distinct cells (by identity), and those cells in order of first appearance.

    Cells equal but not shared are distinct here: still right, only slower.
    """
    values = column.to_numpy(dtype=object)
    ids = np.fromiter(map(id, values), dtype=np.int64, count=len(values))  # the cells are alive: ids are distinct
    codes, _ = pd.factorize(ids)  # numbered in order of first appearance
    firsts = np.flatnonzero(~pd.Series(ids).duplicated().to_numpy())  # hashed: no sort; in the same order
    cells: np.ndarray = values[firsts]
    return codes, cells


def pairs(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of items, from each row's number in the distinct cells (``codes``) and how many items each cell holds
    (``lengths``): the row of each (row, item) pair, rows in order and each row's items in their order, and the
    item's number among all the cells' items laid end to end."""
    per_row = lengths[codes]
    rows = np.repeat(np.arange(len(codes)), per_row)
    # A pair's item: where its row's cell starts among all the items, plus its place in the cell.
    cell_starts = np.cumsum(lengths) - lengths
    within = np.arange(len(rows)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return rows, cell_starts[codes[rows]] + within

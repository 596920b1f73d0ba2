"""Numeric tables from CSV files, with errors that point at the line and column."""
import csv
import os

import numpy as np

from ..tensor import new_tensor


def load_csv(path, target=None):
    """Read a CSV file with a header row into ``(features, target)`` tensors.

    Every cell must be a number. ``target`` names the column to predict (the last column
    when None); the other columns become float32 features. The target is int64 when every
    value in it is a whole number written without a decimal point (class labels), float32
    otherwise.

    >>> import chainrule as cr, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "points.csv")
    >>> _ = open(path, "w").write("a,b,label\\n1,2,0\\n3,4.5,1\\n")
    >>> x, y = cr.data.load_csv(path, target="label")
    >>> x.tolist(), y.tolist()
    ([[1.0, 2.0], [3.0, 4.5]], [0, 1])
    """
    name = os.fspath(path)
    try:
        with open(name, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"load_csv: {name} is not readable as CSV text ({e}); save it as UTF-8 "
                         f"text, one row of comma-separated numbers per line") from None
    if not rows:
        raise ValueError(f"load_csv: {name} is empty; expected a header row of column names")
    header = [h.strip() for h in rows[0]]
    column = target_column(name, header, target)
    cells = [parse_row(name, header, row, line) for line, row in enumerate(rows[1:], 2)
             if any(c.strip() for c in row)]
    if not cells:
        raise ValueError(f"load_csv: {name} has a header but no data rows")
    table = np.array([[value for value, _ in row] for row in cells])
    whole = all(row[column][1] for row in cells)
    features = np.delete(table, column, axis=1).astype(np.float32)
    labels = table[:, column].astype(np.int64 if whole else np.float32)
    return new_tensor(features, None), new_tensor(labels, None)


def target_column(name, header, target):
    if target is None:
        return len(header) - 1
    if target not in header:
        raise ValueError(f"load_csv: {name} has no column {target!r}; line 1 names the "
                         f"columns {', '.join(header)} (pass one of them as target)")
    return header.index(target)


def parse_row(name, header, row, line):
    """``[(value, is_whole_number), ...]`` for one data row."""
    if len(row) != len(header):
        raise ValueError(f"load_csv: {name} line {line} has {len(row)} cells but the header "
                         f"has {len(header)} columns")
    return [parse_cell(name, header[i], cell.strip(), line) for i, cell in enumerate(row)]


def parse_cell(name, column, cell, line):
    try:
        value = float(cell)
    except ValueError:
        what = "an empty cell" if not cell else f"{cell!r}, which is not a number"
        raise ValueError(f"load_csv: {name} line {line}, column {column!r}: {what}; every "
                         f"cell must be numeric (encode categories as numbers)") from None
    whole = value.is_integer() and cell.lstrip("+-").isdigit()
    return value, whole

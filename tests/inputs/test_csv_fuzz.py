"""``load_csv`` on drawn tables written every way a CSV may be: any of the three separators,
a byte-order mark, CRLF line ends, quoted cells (some holding newlines), blank lines,
spaces around numbers. The loaded table is the written one; one bad cell put anywhere is
named by its true line and column, however many quoted newlines come before it."""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"


def bounded(examples):
    return settings(max_examples=examples * (25 if LONG else 1), deadline=None,
                    derandomize=not LONG, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


values = st.floats(allow_nan=False, allow_infinity=False, width=32) | st.integers(-10 ** 6, 10 ** 6)
tables = st.integers(1, 4).flatmap(lambda columns: st.lists(
    st.tuples(st.lists(values, min_size=columns, max_size=columns), st.integers(0, 2)),
    min_size=2, max_size=12))
layouts = st.fixed_dictionaries({
    "sep": st.sampled_from([",", ";", "\t"]), "bom": st.booleans(),
    "newline": st.sampled_from(["\n", "\r\n"]),
    "quote": st.lists(st.sampled_from(["none", "plain", "newline", "spaces"]), min_size=1),
    "blank": st.lists(st.booleans(), min_size=1)})


def cell(text, how):
    return {"none": text, "plain": f'"{text}"', "newline": f'"{text}\n"',
            "spaces": f"  {text} "}[how]


def write(path, table, layout, bad=None):
    """Write the table; ``bad = (row, column, text)`` replaces one cell. Returns the line and
    column (1-based) where that cell starts."""
    sep, newline = layout["sep"], layout["newline"]
    columns = len(table[0][0])
    lines = [sep.join([f"x{i}" for i in range(columns)] + ["label"])]
    where = None
    for r, (row, label) in enumerate(table):
        if layout["blank"][r % len(layout["blank"])]:
            lines.append("")
        cells = [repr(v) if isinstance(v, float) else str(v) for v in row] + [str(label)]
        if bad and bad[0] == r:
            cells[bad[1]] = bad[2]
            where = (sum(line.count("\n") + 1 for line in lines) + 1, bad[1] + 1)
        quoted = [cell(c, layout["quote"][(r + i) % len(layout["quote"])])
                  for i, c in enumerate(cells)]
        lines.append(sep.join(quoted))
    text = newline.join(line.replace("\n", newline) for line in lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if layout["bom"] else b"") + text.encode())
    return where


@bounded(60)
@given(table=tables, layout=layouts)
def test_the_table_read_is_the_table_written(tmp_path, table, layout):
    path = tmp_path / "drawn.csv"
    write(path, table, layout)
    labels = [label for _, label in table]
    x, y, info = cr.data.load_csv(path, return_info=True, task="classification") \
        if len(set(labels)) > 1 else (None, None, None)
    if x is None:
        return
    expected = np.array([[float(v) for v in row] for row, _ in table], dtype=np.float32)
    assert np.array_equal(x.detach().numpy(), expected)
    assert y.tolist() == labels if info.classes is None else \
        [info.classes[i] for i in y.tolist()] == labels


@bounded(60)
@given(table=tables, layout=layouts, data=st.data())
def test_a_bad_cell_is_named_by_its_true_line_and_column(tmp_path, table, layout, data):
    row = data.draw(st.integers(0, len(table) - 1))
    column = data.draw(st.integers(0, len(table[0][0]) - 1))
    text = data.draw(st.sampled_from(["nan", "inf", "-inf", "1e39", "abc", "", "1_0"]))
    path = tmp_path / "drawn.csv"
    line, col = write(path, table, layout, bad=(row, column, text))
    try:
        cr.data.load_csv(path)
    except ValueError as e:
        assert f"drawn.csv:{line}:{col}: line {line}, column 'x{column}'" in str(e), str(e)
    else:
        raise AssertionError(f"{text!r} at line {line} was accepted")

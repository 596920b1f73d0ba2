"""Tables from CSV files: NumPy's parser reads them, chainrule checks what it read.

``numpy.loadtxt`` (its C parser) reads well-formed files; whenever it refuses one, or reads
a value chainrule will not train on (NaN, an infinity, a float32 overflow), a second reader
(Python's ``csv`` module, which counts lines inside quoted fields) finds the first bad cell
and names it as ``file:line:column``. The target column then decides the task: see
``decide_task``.
"""
import csv
import os
import re
import warnings
from typing import NamedTuple

import numpy as np
from numpy.lib import recfunctions

from ..tensor import new_tensor

SEPARATORS = ",;\t"
TASKS = ("auto", "classification", "regression")
MAX_CLASSES = 1000      # auto: more distinct whole numbers than this is a quantity, not a class
FLOAT32_MAX = float(np.finfo(np.float32).max)
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
INTEGER = re.compile(r"[+-]?\d+\Z")
NOT_FINITE = {"nan", "inf", "infinity"}
INT64 = np.iinfo(np.int64)


class CsvInfo(NamedTuple):
    """What ``load_csv(..., return_info=True)`` read: the task it chose, the target column,
    the feature columns, and the class labels in class order (``classes[i]`` is the label
    of class ``i``) when labels were mapped to classes, else None."""
    task: str
    target: str
    features: list
    classes: list


def load_csv(path, target=None, task="auto", return_info=False):
    """Read a CSV file with a header row into ``(features, target)`` tensors.

    Columns are separated by ``,``, ``;`` or tabs (the header row decides); a byte-order
    mark is skipped, quoted fields may hold newlines. ``target`` names the column to predict
    (the last when None); the others become float32 features. ``task`` says what the target
    is:

    - ``"classification"``: int64 class indices. Labels that are whole numbers 0..k-1 (a few
      may be missing) are the classes themselves; other labels (text, sparse or negative
      numbers) are mapped to 0..k-1 in sorted order.
    - ``"regression"``: float32 numbers.
    - ``"auto"`` (default): classification when every label is text, or a whole number
      written without a decimal point with at most 1,000 distinct values all below twice
      their count; regression when the labels are written as decimals; otherwise a
      ``ValueError`` that says what it saw and asks for ``task=``.

    Refused with a ``ValueError`` naming the file (and ``file:line:column`` for a cell): a
    cell that is not a number, empty, NaN, infinite or beyond float32's range; rows of the
    wrong length; a file without feature columns or data rows; a target with one class, or
    the same number on every row. ``return_info=True`` also returns a ``CsvInfo``.

    >>> import chainrule as cr, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "points.csv")
    >>> _ = open(path, "w").write("a,b,label\\n1,2,0\\n3,4.5,1\\n")
    >>> x, y = cr.data.load_csv(path, target="label")
    >>> x.tolist(), y.tolist()
    ([[1.0, 2.0], [3.0, 4.5]], [0, 1])
    >>> _ = open(path, "w").write("a;b;kind\\n1;2;cat\\n3;4.5;dog\\n")
    >>> x, y, info = cr.data.load_csv(path, return_info=True)
    >>> y.tolist(), info.task, info.classes
    ([0, 1], 'classification', ['cat', 'dog'])
    """
    if task not in TASKS:
        raise ValueError(f"load_csv: task must be 'auto', 'classification' or 'regression', "
                         f"got {task!r}")
    name = os.fspath(path)
    header, sep, quoted = read_header(name)
    column = target_column(name, header, target)
    if len(header) < 2:
        raise ValueError(f"load_csv: {name} has no feature columns: its header names only "
                         f"{header[column]!r}, the target; add the columns to learn from")
    table = None if quoted else fast_table(name, header, sep, column)
    if table is None:
        table = Reader(name, header, sep, column).read()
    features, labels, stray = table
    if stray is not None and task != "classification":
        raise stray_word(name, header[column], *stray)
    y, task, classes = decide_task(name, header[column], labels, task)
    x, y = new_tensor(features, None), new_tensor(y, None)
    if not return_info:
        return x, y
    names = header[:column] + header[column + 1:]
    return x, y, CsvInfo(task, header[column], names, classes)


# ----- the header ----------------------------------------------------------------------
def read_header(name):
    """``(column names, separator, quoted)``; ``quoted`` when the header row uses quotes
    (NumPy's reader skips physical lines, so such files go to the ``csv`` reader)."""
    with open(name, encoding="utf-8-sig", newline="") as f:
        try:
            line = f.readline(1 << 20)
        except UnicodeDecodeError as e:
            raise not_text(name, e) from None
    line = line.rstrip("\r\n")
    if not line.strip():
        raise ValueError(f"load_csv: {name} is empty; expected a header row of column names "
                         f"on line 1")
    sep = max(SEPARATORS, key=line.count)     # ties (no separator at all) go to ','
    if '"' in line:
        row = next(csv.reader([line], delimiter=sep))
        return [h.strip() for h in row], sep, True
    return [h.strip() for h in line.split(sep)], sep, False


def not_text(name, error):
    return ValueError(f"load_csv: {name} is not UTF-8 text (byte {error.start}: {error.reason}); "
                      f"save it as UTF-8 CSV, one row of separated values per line")


def target_column(name, header, target):
    if target is None:
        return len(header) - 1
    if header.count(target) > 1:
        raise ValueError(f"load_csv: {name} names two columns {target!r} on line 1; rename "
                         f"one of them")
    if target not in header:
        raise ValueError(f"load_csv: {name} has no column {target!r}; line 1 names the "
                         f"columns {', '.join(header)} (pass one of them as target)")
    return header.index(target)


# ----- the fast reader: numpy.loadtxt --------------------------------------------------
def fast_table(name, header, sep, column):
    """``(float32 features, int64 or float64 labels)`` read by NumPy, or None when NumPy
    refuses the file or reads a value chainrule refuses (the ``csv`` reader then says which
    cell). Integer labels are tried first: NumPy refuses ``2.0`` or ``1e3`` as an integer,
    which is how labels written as decimals are told apart."""
    for label_type in (np.int64, np.float64):
        fields = [(f"c{i}", label_type if i == column else np.float32)
                  for i in range(len(header))]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")          # "input contained no data"
                rows = np.loadtxt(name, delimiter=sep, skiprows=1, dtype=fields, ndmin=1,
                                  comments=None, quotechar='"', encoding="utf-8-sig")
        except (ValueError, OverflowError):
            continue
        break
    else:
        return None
    if len(rows) == 0:
        return None
    names = [f"c{i}" for i in range(len(header)) if i != column]
    features = recfunctions.structured_to_unstructured(rows[names], dtype=np.float32,
                                                       copy=True)
    labels = rows[f"c{column}"].copy()
    del rows
    if not np.isfinite(features).all():
        return None
    if labels.dtype.kind == "f" and not (np.abs(labels) <= FLOAT32_MAX).all():
        return None
    return features, labels, None


# ----- the careful reader: csv, with line numbers ----------------------------------------
class Reader:
    """Reads a file row by row with Python's ``csv`` module, keeping each row's first line
    number, and raises at the first cell chainrule will not use. Labels that are not
    numbers are kept as text (class names)."""

    def __init__(self, name, header, sep, column):
        self.name, self.header, self.sep, self.column = name, header, sep, column
        self.values = []          # feature values, row after row (float64)
        self.labels = []          # the target cells, stripped text
        self.lines = []           # the line each row starts on
        self.stray = None         # (line, column, text) of a word among numeric labels

    def read(self):
        try:
            with open(self.name, encoding="utf-8-sig", newline="") as f:
                self.read_rows(csv.reader(f, delimiter=self.sep))
        except UnicodeDecodeError as e:
            raise not_text(self.name, e) from None
        except csv.Error as e:
            raise ValueError(f"load_csv: {self.name} is not readable as CSV ({e})") from None
        if not self.labels:
            raise ValueError(f"load_csv: {self.name} has a header but no data rows")
        features = np.array(self.values, dtype=np.float64).reshape(len(self.labels), -1)
        labels = self.parse_labels()
        return features.astype(np.float32), labels, self.stray

    def read_rows(self, reader):
        next(reader)                                  # the header, read already
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):     # blank lines (and ",,,") are skipped
                self.add_row(row, start)
            start = reader.line_num + 1

    def add_row(self, row, line):
        if len(row) != len(self.header):
            raise ValueError(f"load_csv: {self.name}:{line}: line {line} has {len(row)} cells "
                             f"but the header has {len(self.header)} columns"
                             + self.separator_hint(row))
        for i, cell in enumerate(row):
            cell = cell.strip()
            if i == self.column:
                if not cell:
                    raise self.bad_cell(line, i, "is an empty cell", "every row needs a label")
                self.labels.append(cell)
            else:
                self.values.append(self.number(cell, line, i))
        self.lines.append(line)

    def number(self, cell, line, i):
        """The cell's value; a ``ValueError`` naming the cell unless it is a finite number
        within float32's range."""
        if NUMBER.match(cell):
            value = float(cell)
            if abs(value) <= FLOAT32_MAX:
                return value
            raise self.bad_cell(line, i, f"{cell!r} overflows float32 (largest "
                                f"{FLOAT32_MAX:.4g})", "rescale the column")
        if cell.lstrip("+-").lower() in NOT_FINITE:
            raise self.bad_cell(line, i, f"{cell!r} is not a finite number",
                                "fill or drop missing values and infinities before training")
        if not cell:
            raise self.bad_cell(line, i, "is an empty cell", "fill or drop missing values")
        hint = "encode categories as numbers"
        if re.fullmatch(r"[+-]?\d+,\d+", cell):
            hint = "write decimals with a point (1.5), not a comma"
        raise self.bad_cell(line, i, f"{cell!r} is not a number", hint)

    def bad_cell(self, line, i, what, hint):
        return ValueError(f"load_csv: {self.name}:{line}:{i + 1}: line {line}, column "
                          f"{self.header[i]!r}: {what}; {hint}")

    def separator_hint(self, row):
        if self.sep != ";" and any(re.fullmatch(r"\s*\d+,\d+\s*", c) for c in row):
            return " (decimal commas? write decimals with a point)"
        return ""

    def parse_labels(self):
        """int64 when every label is a whole number written without a point (and fits),
        float64 when every label is a number, else the text (an object array)."""
        labels = self.labels
        if all(INTEGER.match(s) for s in labels):
            values = [int(s) for s in labels]
            if INT64.min <= min(values) and max(values) <= INT64.max:
                return np.array(values, dtype=np.int64)
        numbers = [NUMBER.match(s) is not None for s in labels]
        if all(numbers):
            values = np.array([float(s) for s in labels])
            bad = np.flatnonzero(np.abs(values) > FLOAT32_MAX)
            if len(bad):
                raise self.bad_cell(self.lines[bad[0]], self.column, f"{labels[bad[0]]!r} "
                                    f"overflows float32 (largest {FLOAT32_MAX:.4g})",
                                    "rescale the column")
            return values
        text = np.array(labels, dtype=object)
        if any(numbers):       # mostly numbers with a stray word: a typo or a missing value
            first = numbers.index(False)
            word = labels[first]
            if word.lstrip("+-").lower() in NOT_FINITE:
                raise self.bad_cell(self.lines[first], self.column, f"{word!r} is not a "
                                    f"finite number", "fill or drop missing values")
            self.stray = (self.lines[first], self.column, word)
        return text


# ----- the task ------------------------------------------------------------------------
def decide_task(name, column, labels, task):
    """``(y, task, classes)`` for the target ``labels`` as read (int64 when written as whole
    numbers, float64 when written as decimals, an object array of text otherwise)."""
    where = f"load_csv: {name}: column {column!r}"
    if labels.dtype == object:
        if task == "regression":
            raise ValueError(f"{where} holds text (such as {labels[0]!r}); regression needs "
                             f"numbers, or pass task='classification' to use them as classes")
        return classes_of(where, labels.astype(str))
    if task == "regression" or (task == "auto" and labels.dtype.kind == "f"):
        values = labels.astype(np.float32)
        if values.min() == values.max():
            raise ValueError(f"{where} holds the same value ({values[0]:g}) on every row: "
                             f"there is nothing to predict")
        return values, "regression", None
    if labels.dtype.kind == "f" and not (labels == np.round(labels)).all():
        bad = labels[labels != np.round(labels)][0]
        raise ValueError(f"{where} holds {bad:g}, which is not a class label; classification "
                         f"needs whole numbers or text (pass task='regression' to predict "
                         f"the number)")
    distinct = np.unique(labels)
    if len(distinct) < 2:
        raise one_class(where, distinct)
    if dense(distinct):
        return labels.astype(np.int64), "classification", None
    if task == "auto":
        raise ValueError(f"{where} holds {len(distinct):,} distinct whole numbers from "
                         f"{distinct[0]:,} to {distinct[-1]:,}; class labels are few (at most "
                         f"{MAX_CLASSES:,}) and run 0, 1, 2, ... (below twice their count). "
                         f"Pass task='regression' (--task regression) to predict the number, "
                         f"or task='classification' (--task classification) to make each "
                         f"distinct value a class")
    return classes_of(where, labels)


def stray_word(name, column, line, i, word):
    return ValueError(f"load_csv: {name}:{line}:{i + 1}: line {line}, column {column!r}: "
                      f"{word!r} is not a number, but the other labels are numbers; fix the "
                      f"cell, or pass task='classification' (--task classification) to treat "
                      f"every label as a class name")


def dense(distinct):
    """Whole-number labels that can be class indices themselves: at most ``MAX_CLASSES``
    of them, none negative, the largest below twice their count."""
    return (len(distinct) <= MAX_CLASSES and distinct[0] >= 0
            and distinct[-1] < 2 * len(distinct))


def classes_of(where, labels):
    """Labels mapped to 0..k-1 in sorted order, and the labels in class order."""
    distinct, y = np.unique(labels, return_inverse=True)
    if len(distinct) < 2:
        raise one_class(where, distinct)
    return y.astype(np.int64).reshape(-1), "classification", [plain(v) for v in distinct]


def plain(value):
    """A label as JSON writes it: a Python str, int or float."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def one_class(where, distinct):
    return ValueError(f"{where} holds one class only ({plain(distinct[0])!r} on every row); "
                      f"a classifier needs at least two")

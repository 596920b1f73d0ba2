"""Tensors printed as PyTorch prints them: ``tensor([1.5000, 2.2500], requires_grad=True)``.

The rules are PyTorch's (its ``_tensor_str``): floats whose nonzero finite values are all
whole print as ``1.``; otherwise with ``precision`` decimals (4), or in scientific notation
when the largest and smallest magnitudes are more than 1000 apart, the largest above 1e8
or the smallest below 1e-4; every element padded to one width; rows wrapped at
``linewidth`` (80); a tensor of more than ``threshold`` (1000) elements shows the first and
last ``edgeitems`` (3) of each dimension around ``...``. ``set_printoptions`` changes them.
This module imports only NumPy.
"""
import math

import numpy as np


class PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTIONS = PrintOptions()
PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
            "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
            "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """PyTorch's ``torch.set_printoptions``: decimals, the element count above which a
    tensor is summarised, the items kept at each edge then, the line width, a profile
    ('default', 'short', 'full'), and ``sci_mode`` (True, False, or None: automatic).

    >>> import chainrule as cr
    >>> cr.set_printoptions(precision=2); cr.tensor([1.2345])
    tensor([1.23])
    >>> cr.set_printoptions(profile="default"); cr.tensor([1.2345])
    tensor([1.2345])
    """
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(PROFILES)}, "
                             f"got {profile!r}")
        for name, value in PROFILES[profile].items():
            setattr(OPTIONS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


class Formatter:
    """How one tensor's elements print: one width for all, the mode chosen from its values."""

    def __init__(self, array):
        self.floating = array.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max((len(plain(v)) for v in array.reshape(-1).tolist()), default=1)
            return
        values = array.reshape(-1).astype(np.float64)
        values = values[np.isfinite(values) & (values != 0)]
        if values.size:
            magnitudes = np.abs(values)
            low, high = magnitudes.min(), magnitudes.max()
            self.int_mode = bool((values == np.ceil(values)).all())
            spread = high / low > 1000.0 or high > 1.0e8
            self.sci_mode = spread if self.int_mode else spread or low < 1.0e-4
            texts = [self.text(v) for v in values.tolist()]
            extra = 1 if self.int_mode and not self.sci_mode else 0   # the "." of "1."
            self.width = max(len(t) for t in texts) + extra
        if OPTIONS.sci_mode is not None:
            self.sci_mode = OPTIONS.sci_mode

    def text(self, value):
        if self.sci_mode:
            return f"{value:.{OPTIONS.precision}e}"
        if self.int_mode:
            return f"{value:.0f}"
        return f"{value:.{OPTIONS.precision}f}"

    def format(self, value):
        if not self.floating:
            text = plain(value)
        else:
            text = self.text(value)
            if self.int_mode and not self.sci_mode and math.isfinite(value):
                text += "."
        return text.rjust(self.width)


def plain(value):
    return str(value)


def summarised(array):
    """The elements that print (all, or the edges of a summarised tensor), flat."""
    if array.size <= OPTIONS.threshold:
        return array
    return np.concatenate([part.reshape(-1) for part in edges(array)]) if array.ndim else array


def edges(array):
    """The pieces of ``array`` a summary shows (for the formatter's width)."""
    if array.ndim == 0:
        return [array]
    n = OPTIONS.edgeitems
    if array.shape[0] > 2 * n:
        rows = list(array[:n]) + list(array[-n:])
    else:
        rows = list(array)
    return [piece for row in rows for piece in edges(np.asarray(row))]


def body(array, formatter, indent, summarise):
    """The nested brackets of ``array``, PyTorch's layout."""
    if array.ndim == 0:
        return formatter.format(array.item())
    n = OPTIONS.edgeitems
    cut = summarise and array.shape[0] > 2 * n
    if array.ndim == 1:
        items = [formatter.format(v) for v in (array[:n].tolist() if cut else array.tolist())]
        if cut:
            items += [" ..."] + [formatter.format(v) for v in array[-n:].tolist()]
        per_line = max((OPTIONS.linewidth - indent) // (formatter.width + 2), 1)
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    rows = ([body(array[i], formatter, indent + 1, summarise) for i in range(n)] + ["..."]
            + [body(array[i], formatter, indent + 1, summarise)
               for i in range(array.shape[0] - n, array.shape[0])]) if cut else \
        [body(row, formatter, indent + 1, summarise) for row in array]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def tensor_repr(array, suffixes, prefix="tensor("):
    """``tensor(...)`` for ``array``, with ``suffixes`` ("dtype=...", "grad_fn=<...>")."""
    indent = len(prefix)
    if array.size == 0 and array.ndim != 1:
        text = "[]"
        suffixes = [f"size={tuple(array.shape)}"] + suffixes
    elif array.size == 0:
        text = "[]"
    else:
        summarise = array.size > OPTIONS.threshold
        formatter = Formatter(summarised(array))
        text = body(array, formatter, indent, summarise)
    return add_suffixes(prefix + text, suffixes, indent) + ")"


def add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts)

"""The two runs compared: ``same`` (are two gate parameters or constants equal), and the
constants made outside the graph whose sizes follow dynamic axes (``follows``): each is
written so that it follows them at run time, or refused.

A size that differs between the runs is matched with the input axis that has the same two
sizes (``dimension_source``); every dynamic axis grows by one in the second run, so a size
such as 2 * length, which grows by two, matches none.
"""
import numpy as np

from ..tensor import Tensor
from .builder import onnx_dtype


def same(a, b):
    """Whether two gate parameters are equal: numbers, tuples, slices, arrays."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, slice) and isinstance(b, slice):
        return same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and a == b


def filled(exporter, a, b):
    """A constant that is the same along every axis whose size follows a dynamic axis
    (an RNN's zero initial state cr.zeros(batch, hidden), a padding mask made per
    batch), ``a`` in the first run and ``b`` in the second: one slice of it, expanded
    to the sizes read off an input axis of the same sizes in both runs. None when it
    is not that."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != b.ndim or a.dtype != b.dtype or not a.size or not b.size:
        return None
    varying = [d for d in range(a.ndim) if a.shape[d] != b.shape[d]]
    base = a[tuple(slice(0, 1) if d in varying else slice(None) for d in range(a.ndim))]
    if not all(same(np.broadcast_to(base, x.shape), x) for x in (a, b)):
        return None
    sizes = sizes_of(exporter, a, b)
    return None if sizes is None else exporter.builder.op("Expand", exporter.builder.const(base),
                                                      sizes)

def follows(exporter, a, b):
    """The ONNX value of a constant whose size follows dynamic axes (``a`` in the first
    run, ``b`` in the second): a slice of a parameter or buffer, a triangle (a causal
    mask), or one slice expanded; None when it is none of these."""
    return state_view(exporter, a, b) or triangle(exporter, a, b) or filled(exporter, a, b)

def state_view(exporter, a, b):
    """A slice of a parameter or buffer whose end follows a dynamic axis (a model's
    ``exporter.causal[:length, :length]`` or ``exporter.position_ids[:length]``, taken with
    NumPy or under no_grad): Slice of the state, ``a`` and ``b`` being the two runs'
    views. None when it is not that."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or not a.size:
        return None
    for path, t in exporter.states.items():
        starts = [view_start(v, t._data) for v in (a, b)]
        if None in starts or starts[0] != starts[1]:
            continue
        end = sizes_of(exporter, a, b, starts[0])
        if end is None:
            return None
        builder = exporter.builder
        return builder.op("Slice", builder.const(t._data, name=path), builder.int64s(starts[0]),
                          end)
    return None

def triangle(exporter, a, b):
    """A matrix of two values split along a diagonal, as causal masks are (``ones(L,
    L).triu(1)``, or 0 and -inf), whose sides follow dynamic axes: Trilu of ones, then
    Where. None when ``a`` and ``b`` are not the same triangle."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape == b.shape or a.dtype != b.dtype:
        return None
    shape = triangle_of(a)
    if shape is None or triangle_of(b) != shape:
        return None
    inside, outside, k, upper = shape
    sizes = sizes_of(exporter, a, b)
    if sizes is None:
        return None
    builder = exporter.builder
    ones = builder.op("Expand", builder.const(np.ones((1, 1), np.float32)), sizes)
    tri = builder.op("Trilu", ones, builder.const(np.int64(k)), upper=int(upper))
    return builder.op("Where", builder.op("Cast", tri, to=onnx_dtype(np.bool_)),
                      builder.const(np.asarray(inside, a.dtype)),
                      builder.const(np.asarray(outside, a.dtype)))

def sizes_of(exporter, a, b, starts=None):
    """A 1-D int64 value holding ``starts`` + a's shape at export (b's in the second
    run): an axis that differs is the size of the input axis it follows (and must start
    at 0); None when one has no such source."""
    starts = starts or [0] * np.ndim(a)
    sources = [start + m if m == n else (None if start else dimension_source(exporter, m, n))
               for start, m, n in zip(starts, np.shape(a), np.shape(b))]
    if None in sources:
        return None
    builder = exporter.builder
    parts = [builder.int64s([s]) if isinstance(s, int) else
             builder.op("Gather", builder.op("Shape", s[0]), builder.int64s([s[1]]))
             for s in sources]
    return builder.op("Concat", *parts, axis=0) if len(parts) > 1 else parts[0]

def dimension_source(exporter, m, n):
    """(input name, axis) of an input axis of size m in the example run and n in the
    second one."""
    for t, twin in zip(exporter.first.inputs, exporter.second.inputs):
        if isinstance(t, Tensor):
            for axis, (p, q) in enumerate(zip(t.shape, twin.shape)):
                if (p, q) == (m, n):
                    return exporter.input_names[id(t)], axis
    return None


def triangle_of(a):
    """(inside, outside, k, upper) when matrix ``a`` holds ``inside`` exactly where
    j - i >= k (upper) or j - i <= k (lower) and ``outside`` elsewhere, else None."""
    values = np.unique(a)
    if len(values) != 2 or min(a.shape) < 2:
        return None
    rows, columns = np.indices(a.shape)
    diagonal = columns - rows
    for inside, outside in (values, values[::-1]):
        where = a == inside
        for upper in (True, False):
            k = int(diagonal[where].min() if upper else diagonal[where].max())
            if np.array_equal(where, diagonal >= k if upper else diagonal <= k):
                return inside.item(), outside.item(), k, upper
    return None


def view_start(view, whole):
    """The index where ``view`` starts in ``whole`` when it is a slice of step 1 of it (same
    strides, inside its memory), else None."""
    if view.ndim != whole.ndim or view.strides != whole.strides or view.dtype != whole.dtype \
            or not np.may_share_memory(view, whole):
        return None
    offset = view.__array_interface__["data"][0] - whole.__array_interface__["data"][0]
    start = []
    for stride, size in zip(whole.strides, whole.shape):
        k, offset = (offset // stride, offset % stride) if stride else (0, offset)
        start.append(int(k))
    if offset or any(s + n > size for s, n, size in zip(start, view.shape, whole.shape)):
        return None
    return start

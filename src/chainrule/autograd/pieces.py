"""A gradient kept as pieces until it is read: ``Pieces``.

Indexing's backward puts ``g`` back where ``x[index]`` took it from, in zeros of ``x``'s shape.
Made one at a time, a model that reads many slices of one tensor pays for a whole zero array
and a whole addition per slice: an RNN that reads step t of a (batch, T, features) sequence
for t = 1..T moves T whole sequences (T^2 steps' worth), and q, k and v split from one
projection make three arrays of the projection's size and add them.

As pieces, the slices wait beside the gradient of the whole tensor until a gate, a leaf or a
hook reads it (``dense``): then one array is made and each slice added into its place once.
Only the backward engine and explain ever see a ``Pieces``: the engine adds gradients with
``+``, which keeps the pieces, and turns them into an array (``dense``) before anything else
reads them. Only basic indices (ints, slices, None, Ellipsis) are kept as pieces: they never
name a place twice, so ``out[index] += g`` adds each value once.

>>> p = Pieces(np.ones(2), (2, 3), (slice(None), 0)) + Pieces(np.ones(2), (2, 3), (slice(None), 2))
>>> p.dense().tolist()
[[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]
"""
import numpy as np

BASIC = (int, slice, type(None), type(Ellipsis))


def is_basic(index):
    """Whether an index names each place at most once: ints, slices, None and Ellipsis."""
    if type(index) is tuple:
        return all(type(part) in BASIC for part in index)
    return type(index) in BASIC


class Pieces:
    """Slices ``g`` of a gradient of ``shape``, each at its ``index``, plus at most one whole
    array; added together only by ``dense``. The engine holds each ``Pieces`` in one place,
    so adding to it may change it: ``+`` returns it, grown."""

    __array_ufunc__ = None   # ndarray + Pieces calls Pieces.__radd__, not NumPy's add
    __slots__ = ("shape", "dtype", "parts", "whole", "owns_whole")

    def __init__(self, g, shape, index):
        self.shape, self.dtype = tuple(shape), g.dtype
        self.parts = [(index, g)]
        self.whole, self.owns_whole = None, False   # the sum of the whole arrays added

    def __add__(self, other):
        if type(other) is Pieces:
            self.parts += other.parts
            if other.whole is not None:
                self.add_whole(other.whole)
        else:
            self.add_whole(other)
        return self

    __radd__ = __add__

    def add_whole(self, array):
        if self.whole is None:   # someone else's array: read, never written
            self.whole = array
        elif self.owns_whole:
            self.whole += array
        else:
            self.whole, self.owns_whole = self.whole + array, True

    def dense(self):
        """The gradient as one array: the whole part (or zeros) with every slice added."""
        if self.owns_whole:
            out = self.whole
        elif self.whole is not None:
            out = np.array(self.whole, dtype=np.result_type(self.whole, self.dtype))
        else:
            out = np.zeros(self.shape, self.dtype)
        for index, g in self.parts:
            out[index] += g
        self.parts, self.whole, self.owns_whole = [], out, True   # a second read: the same
        return out

    def __array__(self, dtype=None, copy=None):   # np.asarray(pieces), for explain
        out = self.dense()
        return out if dtype is None else out.astype(dtype, copy=False)

"""Reductions: sum mean max min logsumexp (``dim=``, ``keepdim=`` as in PyTorch)."""
import builtins
import collections

import numpy as np

from ..autograd.gate import Gate
from ..tensor import new_tensor

MaxResult = collections.namedtuple("MaxResult", ["values", "indices"])


def normalize_dims(dim, ndim, op):
    """``dim`` as a tuple of non-negative axes (None: all), with a clear error when out of range."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    size = builtins.max(ndim, 1)
    out = []
    for d in dims:
        if not -size <= d < size:
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions "
                             f"(valid: {-size} to {size - 1})")
        out.append(d % size)
    return tuple(out) if ndim else None


def kept_shape(shape, dims):
    """The shape of a reduction over ``dims`` with keepdim=True."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


class Sum(Gate):
    label = "sum"
    saves_inputs = False
    formula = "sum(x, dims)"
    derivatives = {"x": "broadcast_to(g, x.shape)"}
    reduction = True

    def forward(self, x, dim=None, keepdim=False):
        self.dims = normalize_dims(dim, np.ndim(x), "sum")
        self.shape = np.shape(x)
        return np.sum(x, axis=self.dims, keepdims=keepdim)

    def backward(self, g, xp):
        g = xp.reshape(g, kept_shape(self.shape, self.dims))
        return (xp.broadcast_to(g, self.shape),)


class Mean(Gate):
    label = "mean"
    saves_inputs = False
    formula = "mean(x, dims)"
    derivatives = {"x": "broadcast_to(g, x.shape) / n"}
    reduction = True

    def forward(self, x, dim=None, keepdim=False):
        self.dims = normalize_dims(dim, np.ndim(x), "mean")
        self.shape = np.shape(x)
        out = np.mean(x, axis=self.dims, keepdims=keepdim)
        self.n = np.size(x) // builtins.max(np.size(out), 1)
        return out

    def backward(self, g, xp):
        g = xp.reshape(g, kept_shape(self.shape, self.dims))
        return (xp.broadcast_to(g / self.n, self.shape),)


class Max(Gate):
    """Largest element of the whole tensor; tied elements share the gradient evenly (PyTorch)."""

    label = "max"
    formula = "max(x)"
    derivatives = {"x": "g * (x == out) / sum(x == out)"}
    reduction = True
    reduce = staticmethod(np.max)

    def forward(self, x):
        check_not_empty(x, self.label)
        self.dims = None
        out = self.reduce(x)
        ties = x == out
        self.share = ties / np.count_nonzero(ties)
        return out

    def backward(self, g, xp):
        return (g * self.share.astype(g.dtype),)


class Min(Max):
    label = "min"
    formula = "min(x)"
    reduce = staticmethod(np.min)


class MaxDim(Gate):
    """Largest element along ``dim``; the whole gradient goes to the returned index (PyTorch),
    also when several elements tie."""

    label = "max"
    formula = "max(x, dim)"
    derivatives = {"x": "g * onehot(index, x.shape[dim], dim)"}
    reduction = True
    pick = staticmethod(np.argmax)
    combine = staticmethod(np.maximum)

    def forward(self, x, dim, keepdim=False):
        check_not_empty(x, self.label)
        self.dims = normalize_dims(dim, np.ndim(x), self.label)
        self.dim = self.dims[0]
        self.shape = np.shape(x)
        self.index, out = self.first_extreme(np.asarray(x), self.dim)
        return np.expand_dims(out, self.dim) if keepdim else out

    @classmethod
    def first_extreme(cls, x, axis):
        """(index, value) of the first extreme along ``axis``. NumPy's argmax walks a short
        axis one row at a time (a 2x2 max-pool's windows: 580 us for 32k windows); whole-slice
        operations take a tenth of that. NaN takes the exact path."""
        if x.shape[axis] > 16 or x.dtype.kind != "f" or np.isnan(x).any():
            index = cls.pick(x, axis=axis)
            return index, np.take_along_axis(x, np.expand_dims(index, axis), axis)[
                (slice(None),) * axis + (0,)]
        slices = np.ascontiguousarray(np.moveaxis(x, axis, 0))
        best = slices[0]
        for values in slices[1:]:
            best = cls.combine(best, values)
        index = np.zeros(best.shape, dtype=np.int8)
        for position in range(len(slices) - 1, -1, -1):   # last to first: the first tie wins
            # an arithmetic select: masked writes (np.where, putmask) are ten times slower here
            index -= (index - position) * (slices[position] == best)
        return index, best

    def backward(self, g, xp):
        g = xp.reshape(g, kept_shape(self.shape, self.dims))
        positions = np.arange(self.shape[self.dim]).reshape(
            [-1 if i == self.dim else 1 for i in range(len(self.shape))])
        return (g * (positions == np.expand_dims(self.index, self.dim)).astype(g.dtype),)


class MinDim(MaxDim):
    label = "min"
    formula = "min(x, dim)"
    pick = staticmethod(np.argmin)
    combine = staticmethod(np.minimum)


def check_not_empty(x, op):
    if np.size(x) == 0:
        raise ValueError(f"{op}: the tensor of shape {np.shape(x)} is empty; a maximum or "
                         f"minimum needs at least one element")


class LogSumExp(Gate):
    """``log(sum(exp(x), dim))`` computed stably; its local derivative is softmax(x)."""

    label = "logsumexp"
    formula = "log(sum(exp(x), dims))"
    derivatives = {"x": "g * exp(x - out)"}
    reduction = True
    saves_output = True

    def forward(self, x, dim=None, keepdim=False):
        self.dims = normalize_dims(dim, np.ndim(x), "logsumexp")
        self.shape = np.shape(x)
        top = np.max(x, axis=self.dims, keepdims=True)
        top = np.where(np.isfinite(top), top, 0)
        out = np.log(np.sum(np.exp(x - top), axis=self.dims, keepdims=True)) + top
        return out if keepdim else np.reshape(out, np.sum(x, axis=self.dims).shape)

    def backward(self, g, xp):
        (x,) = xp.values(self)
        kept = kept_shape(self.shape, self.dims)
        out = xp.reshape(xp.output(self), kept)
        return (xp.reshape(g, kept) * xp.exp(x - out),)


def sum(x, dim=None, keepdim=False):  # noqa: A001  (PyTorch's name)
    """Sum over ``dim`` (all elements when None).

    >>> import chainrule as cr
    >>> cr.sum(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0).tolist()
    [4.0, 6.0]
    """
    return Sum.apply(x, dim=dim, keepdim=keepdim)


def mean(x, dim=None, keepdim=False):
    return Mean.apply(x, dim=dim, keepdim=keepdim)


def max(x, dim=None, keepdim=False):  # noqa: A001
    """Largest element; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``maximum``."""
    return extreme(Max, x, dim, keepdim)


def min(x, dim=None, keepdim=False):  # noqa: A001
    return extreme(Min, x, dim, keepdim)


def extreme(gate, x, dim, keepdim):
    if dim is not None and not isinstance(dim, int):
        from .arithmetic import maximum, minimum
        return (maximum if gate is Max else minimum)(x, dim)
    if dim is None:
        return gate.apply(x)
    if np.ndim(getattr(x, "data", x)) == 0:   # PyTorch allows dim 0 (or -1) on a scalar
        x = x.reshape(1)
        dim = normalize_dims(dim, 0, gate.label) or 0
    by_dim = MaxDim if gate is Max else MinDim
    values = by_dim.apply(x, dim=dim, keepdim=keepdim)
    if values.grad_fn is not None:   # the gate found the indices already
        index = values.grad_fn.index
    else:
        data = np.asarray(getattr(x, "data", x))
        index = by_dim.first_extreme(data, dim % data.ndim)[0]
    index = index.astype(np.int64)
    return MaxResult(values, new_tensor(np.expand_dims(index, dim) if keepdim else index, None))


def logsumexp(x, dim, keepdim=False):
    return LogSumExp.apply(x, dim=dim, keepdim=keepdim)


def argmax(x, dim=None, keepdim=False):
    """Index of the largest element (flattened when ``dim`` is None); no gradient."""
    return arg_extreme(np.argmax, x, dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return arg_extreme(np.argmin, x, dim, keepdim)


def arg_extreme(fn, x, dim, keepdim):
    data = getattr(x, "data", x)
    if dim is None:
        return new_tensor(np.asarray(fn(data), dtype=np.int64), None)
    index = fn(data, axis=dim)
    return new_tensor(np.expand_dims(index, dim) if keepdim else index, None)


def var(x, dim=None, unbiased=True, keepdim=False, correction=None):
    """Variance, built from primitive gates (so it has every higher derivative for free)."""
    if correction is None:
        correction = 1 if unbiased else 0
    dims = normalize_dims(dim, x.ndim, "var")
    n = x.data.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
    centred = x - x.mean(dim=dim, keepdim=True)
    return (centred * centred).sum(dim=dim, keepdim=keepdim) / (n - correction)


def std(x, dim=None, unbiased=True, keepdim=False, correction=None):
    return var(x, dim, unbiased, keepdim, correction).sqrt()

"""Reductions: sum mean max min logsumexp (``dim=``, ``keepdim=`` as in PyTorch); the running
sum cumsum."""
import builtins
import collections

import numpy as np

from ..autograd.gate import Gate
from ..dtypes import array_of
from ..kernels import special
from ..autograd.vocabulary import define
from .arithmetic import Maximum, Minimum
from ..tensor import api, new_tensor

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
    formula = "sum(x, dims)"
    derivatives = {"x": "broadcast_to(g, shape)"}
    reduction = True
    saves = ("dims", "shape")

    def forward(self, x, dim=None, keepdim=False):
        self.dims = normalize_dims(dim, np.ndim(x), "sum")
        self.shape = np.shape(x)
        self.kept = kept_shape(self.shape, self.dims)
        return np.sum(x, axis=self.dims, keepdims=keepdim)


class Mean(Gate):
    label = "mean"
    formula = "mean(x, dims)"
    derivatives = {"x": "broadcast_to(g / n, shape)"}
    reduction = True
    saves = ("dims", "shape", "n")

    def forward(self, x, dim=None, keepdim=False):
        self.dims = normalize_dims(dim, np.ndim(x), "mean")
        self.shape = np.shape(x)
        self.kept = kept_shape(self.shape, self.dims)
        out = np.mean(x, axis=self.dims, keepdims=keepdim)
        self.n = np.size(x) // builtins.max(np.size(out), 1)
        return out


class Max(Gate):
    """Largest element of the whole tensor; tied elements share the gradient evenly (PyTorch)."""

    label = "max"
    formula = "max(x)"
    derivatives = {"x": "g * (x == out) / sum(x == out)"}
    reduction = True

    def forward(self, x):
        check_not_empty(x, self.label)
        self.kept = (1,) * np.ndim(x)
        return np.max(x)


class Min(Gate):
    label = "min"
    formula = "min(x)"
    derivatives = {"x": "g * (x == out) / sum(x == out)"}
    reduction = True

    def forward(self, x):
        check_not_empty(x, self.label)
        self.kept = (1,) * np.ndim(x)
        return np.min(x)


class MaxDim(Gate):
    """Largest element along ``dim``; the whole gradient goes to the returned index (PyTorch),
    also when several elements tie."""

    label = "max"
    formula = "max(x, dim)"
    derivatives = {"x": "g * onehot(index, size, dim)"}
    reduction = True
    saves = ("dim", "index", "size")
    pick = staticmethod(np.argmax)
    combine = staticmethod(np.maximum)

    def forward(self, x, dim, keepdim=False):
        check_not_empty(x, self.label)
        self.dim = normalize_dims(dim, np.ndim(x), self.label)[0]
        self.size = np.shape(x)[self.dim]
        self.kept = kept_shape(np.shape(x), (self.dim,))
        self.index, out = self.first_extreme(array_of(x), self.dim)
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
        slices = np.ascontiguousarray(np.moveaxis(x, axis, 0), like=x)   # where x lives
        best = slices[0]
        for values in slices[1:]:
            best = cls.combine(best, values)
        index = np.zeros_like(best, dtype=np.int8)
        for position in range(len(slices) - 1, -1, -1):   # last to first: the first tie wins
            # an arithmetic select: masked writes (np.where, putmask) are ten times slower here
            index -= (index - position) * (slices[position] == best)
        return index, best


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
    saves = ("dims",)

    def forward(self, x, dim=None, keepdim=False):
        self.dims = normalize_dims(dim, np.ndim(x), "logsumexp")
        self.kept = kept_shape(np.shape(x), self.dims)
        return special.logsumexp(x, self.dims, keepdim)


@api(methods=("sum",))
def sum(x, dim=None, keepdim=False):  # noqa: A001  (PyTorch's name)
    """Sum over ``dim`` (all elements when None).

    >>> import chainrule as cr
    >>> cr.sum(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0).tolist()
    [4.0, 6.0]
    """
    return Sum.apply(x, dim=dim, keepdim=keepdim)


@api(methods=("mean",))
def mean(x, dim=None, keepdim=False):
    return Mean.apply(x, dim=dim, keepdim=keepdim)


@api(methods=("max",))
def max(x, dim=None, keepdim=False):  # noqa: A001
    """Largest element; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``maximum``."""
    return extreme(Max, x, dim, keepdim)


@api(methods=("min",))
def min(x, dim=None, keepdim=False):  # noqa: A001
    return extreme(Min, x, dim, keepdim)


def extreme(gate, x, dim, keepdim):
    if dim is not None and not isinstance(dim, int):   # max(x, other): elementwise
        return (Maximum if gate is Max else Minimum).apply(x, dim)
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
        data = array_of(getattr(x, "data", x))
        index = by_dim.first_extreme(data, dim % data.ndim)[0]
    index = index.astype(np.int64)
    return MaxResult(values, new_tensor(np.expand_dims(index, dim) if keepdim else index, None))


@api(methods=("logsumexp",))
def logsumexp(x, dim=None, keepdim=False):
    return LogSumExp.apply(x, dim=dim, keepdim=keepdim)


@api(methods=("argmax",))
def argmax(x, dim=None, keepdim=False):
    """Index of the largest element (flattened when ``dim`` is None); no gradient."""
    return arg_extreme(np.argmax, x, dim, keepdim)


@api(methods=("argmin",))
def argmin(x, dim=None, keepdim=False):
    """Index of the smallest element (flattened when ``dim`` is None); no gradient."""
    return arg_extreme(np.argmin, x, dim, keepdim)


def arg_extreme(fn, x, dim, keepdim):
    data = getattr(x, "data", x)
    if dim is None:
        return new_tensor(array_of(fn(data)).astype(np.int64, copy=False), None)
    index = fn(data, axis=dim)
    return new_tensor(np.expand_dims(index, dim) if keepdim else index, None)


@api(methods=("var",))
def var(x, dim=None, unbiased=True, keepdim=False, correction=None):
    """Variance, built from primitive gates (so it has every higher derivative for free)."""
    if correction is None:
        correction = 1 if unbiased else 0
    dims = normalize_dims(dim, x.ndim, "var")
    n = x.data.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
    centred = x - x.mean(dim=dim, keepdim=True)
    return (centred * centred).sum(dim=dim, keepdim=keepdim) / (n - correction)


@api(methods=("std",))
def std(x, dim=None, unbiased=True, keepdim=False, correction=None):
    """Standard deviation: ``sqrt(var(x))``, a composition of gates."""
    return var(x, dim, unbiased, keepdim, correction).sqrt()


@api(methods=("amax",))
def amax(x, dim=None, keepdim=False):
    """Largest elements over ``dim`` (all when None); ties share the gradient only for all."""
    if dim is None:
        return Max.apply(x)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    for d in sorted((d % x.ndim for d in dims), reverse=True):
        x = MaxDim.apply(x, dim=d, keepdim=keepdim)
    return x


@api(methods=("amin",))
def amin(x, dim=None, keepdim=False):
    if dim is None:
        return Min.apply(x)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    for d in sorted((d % x.ndim for d in dims), reverse=True):
        x = MinDim.apply(x, dim=d, keepdim=keepdim)
    return x


def reversed_along(dim):
    """The index that reverses axis ``dim`` (``x[reversed_along(1)]`` is ``x[:, ::-1]``)."""
    return (slice(None),) * dim + (slice(None, None, -1),)


define("cumsum", lambda x, dim: np.cumsum(x, axis=dim), lambda x, dim: x.cumsum(dim))
define("flip", lambda x, dim: x[reversed_along(dim % np.ndim(x))],
       lambda x, dim: x[reversed_along(dim % x.ndim)],
       "flip(g, dim): g with its order along dim reversed")


class Cumsum(Gate):
    """Running sums along ``dim`` (``torch.cumsum``). Input element i reaches every output
    j >= i, so its gradient is the sum of ``g`` from i to the end: ``g`` cumsummed backwards,
    which is a cumsum between two flips."""

    label = "cumsum"
    formula = "cumsum(x, dim)"
    derivatives = {"x": "flip(cumsum(flip(g, dim), dim), dim)"}
    saves = ("dim",)

    def forward(self, x, dim):
        self.dim = normalize_dims(dim, np.ndim(x), self.label)[0]
        return np.cumsum(x, axis=self.dim)


@api(methods=("cumsum",))
def cumsum(x, dim, dtype=None):
    """Running sums of ``x`` along ``dim`` (cast to ``dtype`` first when given).

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = cr.cumsum(x, 0)
    >>> y.tolist()
    [1.0, 3.0, 6.0]
    >>> (y * cr.tensor([1.0, 10.0, 100.0])).sum().backward()
    >>> x.grad.tolist()
    [111.0, 110.0, 100.0]
    """
    if dtype is not None:
        x = x.to(dtype)
    if x.ndim == 0:   # PyTorch allows dim 0 (or -1) on a scalar: its running sum is itself
        normalize_dims(dim, 0, "cumsum")
        return Cumsum.apply(x.reshape(1), dim=0).reshape(())
    return Cumsum.apply(x, dim=dim)

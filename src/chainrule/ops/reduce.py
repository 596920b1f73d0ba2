"""Reductions: sum mean max min logsumexp (``dim=``, ``keepdim=`` as in PyTorch); the running
sum cumsum."""
import builtins
import collections

import numpy as np

from ..autograd.gate import Gate
from ..dtypes import array_of
from ..kernels import special
from ..autograd.vocabulary import TENSORS, define
from .arithmetic import Maximum, Minimum
from .masks import MaskGate, Masks, in_graph, record_mask
from .svd import spectral_norm
from ..tensor import api, new_tensor

MaxResult = collections.namedtuple("MaxResult", ["values", "indices"])


def normalize_dims(dim, ndim, op):
    """``dim`` as a tuple of non-negative axes (None: all, and so is an empty list, as in
    PyTorch), with a clear error when out of range."""
    if dim is None or not isinstance(dim, (int, np.integer)) and len(dim) == 0:
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


class Reduction(Gate, register=False):
    """A gate that reduces over ``dims``: its rows see ``g`` and ``out`` with those dims kept
    (``kept``), so that a row like ``g * exp(x - out)`` broadcasts against ``x``."""

    reduction = True

    def reduce_over(self, x, dim):
        """Note the reduced dims (a tuple, None for all) and the kept shape; return the dims."""
        shape = np.shape(x)
        if dim is None:   # the common case (a loss), without normalize_dims' checks
            self.dims, self.kept = None, (1,) * len(shape)
        else:
            self.dims = normalize_dims(dim, len(shape), self.label)
            self.kept = kept_shape(shape, self.dims)
        return self.dims


class Sum(Reduction):
    label = "sum"
    formula = "sum(x, dims)"
    derivatives = {"x": "broadcast_to(g, shape)"}
    saves = ("dims", "shape")

    def forward(self, x, dim=None, keepdim=False):
        self.reduce_over(x, dim)
        self.shape = x.shape
        # integers and bools add up in int64, as in PyTorch (NumPy: uint8 in uint64). The
        # array's method: np.sum's dispatch costs three times a small array's sum.
        return x.sum(self.dims, np.int64 if x.dtype.kind in "biu" else None, None, keepdim)


class Mean(Reduction):
    label = "mean"
    formula = "mean(x, dims)"
    derivatives = {"x": "broadcast_to(g / n, shape)"}
    saves = ("dims", "shape", "n")

    def forward(self, x, dim=None, keepdim=False):
        self.reduce_over(x, dim)
        self.shape = x.shape
        if x.dtype.kind != "f" or x.dtype.itemsize < 4:   # NumPy's mean sums float16 in float32
            out = np.mean(x, axis=self.dims, keepdims=keepdim)
            self.n = x.size // builtins.max(np.size(out), 1)
            return out
        # np.mean's own steps (a sum in the array's dtype, then one division), without its
        # Python wrapper, which costs three times a small array's mean
        total = x.sum(self.dims, None, None, keepdim)
        self.n = x.size // builtins.max(np.size(total), 1)
        return total / total.dtype.type(self.n)


def ties(x, out):
    """Where ``x`` equals ``out``, NaN counting as equal to NaN."""
    return (x == out) | (np.isnan(x) & np.isnan(out)) if np.isnan(out).any() else x == out


def tensor_ties(x, out):
    return new_tensor(ties(x._data, out._data), None)


define("ties", ties, tensor_ties, "ties(x, out) = 1 where x equals out (NaN equal to NaN)")


class Max(Reduction):
    """Largest element of the whole tensor; tied elements share the gradient evenly, and so
    do NaN elements when the maximum is NaN (PyTorch's ``max()``)."""

    label = "max"
    formula = "max(x)"
    derivatives = {"x": "g * ties(x, out) / sum(ties(x, out))"}

    def forward(self, x):
        check_not_empty(x, self.label)
        self.reduce_over(x, None)
        return np.max(x)


class Min(Reduction):
    label = "min"
    formula = "min(x)"
    derivatives = {"x": "g * ties(x, out) / sum(ties(x, out))"}

    def forward(self, x):
        check_not_empty(x, self.label)
        self.reduce_over(x, None)
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


class Amax(Reduction):
    """Largest elements over ``dims`` (all when None), ``torch.amax``: tied elements share
    the gradient evenly, in each reduced slice (a slice whose maximum is NaN gets NaN)."""

    label = "amax"
    formula = "max(x, dims)"
    derivatives = {"x": "g * (x == out) / sum(x == out, dims, True)"}
    saves = ("dims",)
    reduce = staticmethod(np.max)

    def forward(self, x, dim=None, keepdim=False):
        self.reduce_over(x, dim)
        if np.size(x) == 0 and (self.dims is None or any(np.shape(x)[d] == 0 for d in self.dims)):
            check_not_empty(x, self.label)   # an empty slice has no maximum
        return self.reduce(x, axis=self.dims, keepdims=keepdim)


class Amin(Amax):
    label = "amin"
    formula = "min(x, dims)"
    reduce = staticmethod(np.min)


class LogSumExp(Reduction):
    """``log(sum(exp(x), dim))`` computed stably; its local derivative is softmax(x)."""

    label = "logsumexp"
    formula = "log(sum(exp(x), dims))"
    derivatives = {"x": "g * exp(x - out)"}
    saves = ("dims",)

    def forward(self, x, dim=None, keepdim=False):
        self.reduce_over(x, dim)
        if x.dtype.kind != "f":   # integers: in the default float, as PyTorch
            x = x.astype(np.float32)
        return special.logsumexp(x, self.dims, keepdim)


@api(methods=("sum",))
def sum(x, dim=None, keepdim=False, *, dtype=None, **numpy_names):  # noqa: A001
    """Sum over ``dim`` (all elements when None); ``dtype=`` casts first, and NumPy's
    ``axis=`` and ``keepdims=`` are accepted, as PyTorch accepts them.

    >>> import chainrule as cr
    >>> cr.sum(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0).tolist()
    [4.0, 6.0]
    """
    if dtype is not None or numpy_names:
        x, dim, keepdim = reduction_arguments("sum", x, dim, keepdim, dtype, numpy_names)
    return Sum.apply(x, dim=dim, keepdim=keepdim)


def reduction_arguments(op, x, dim, keepdim, dtype, numpy_names):
    """PyTorch's other spellings of a reduction's arguments: ``dtype=`` (cast first) and
    NumPy's ``axis=`` and ``keepdims=``."""
    unknown = set(numpy_names) - {"axis", "keepdims"}
    if unknown:
        raise TypeError(f"{op}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    dim = numpy_names.get("axis", dim)
    keepdim = numpy_names.get("keepdims", keepdim)
    return (x if dtype is None else x.to(dtype)), dim, keepdim


@api(methods=("mean",))
def mean(x, dim=None, keepdim=False, *, dtype=None, **numpy_names):
    """Mean over ``dim`` (all elements when None); ``dtype=``, ``axis=``, ``keepdims=`` as
    PyTorch also accepts them.

    >>> import chainrule as cr
    >>> cr.mean(cr.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=1).tolist()
    [1.5, 4.0]
    """
    if dtype is not None or numpy_names:
        x, dim, keepdim = reduction_arguments("mean", x, dim, keepdim, dtype, numpy_names)
    return Mean.apply(x, dim=dim, keepdim=keepdim)


@api(methods=("max",))
def max(x, dim=None, keepdim=False):  # noqa: A001
    """Largest element; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``maximum``.

    >>> import chainrule as cr
    >>> x = cr.tensor([[1.0, 5.0], [4.0, 2.0]])
    >>> cr.max(x).item(), cr.max(x, dim=1).indices.tolist()
    (5.0, [1, 0])
    """
    return extreme(Max, x, dim, keepdim)


@api(methods=("min",))
def min(x, dim=None, keepdim=False):  # noqa: A001
    """The smallest element, or ``(values, indices)`` along ``dim``; with a tensor
    second argument the elementwise ``minimum``.

    >>> import chainrule as cr
    >>> x = cr.tensor([[1.0, 5.0], [4.0, 2.0]])
    >>> cr.min(x).item(), cr.min(x, 0).values.tolist()
    (1.0, [1.0, 2.0])
    """
    return extreme(Min, x, dim, keepdim)


def extreme(gate, x, dim, keepdim):
    if dim is not None and not isinstance(dim, (int, np.integer)):   # max(x, other)
        return (Maximum if gate is Max else Minimum).apply(x, dim)
    if dim is None:
        return gate.apply(x)
    by_dim = MaxDim if gate is Max else MinDim
    if np.ndim(getattr(x, "_data", x)) == 0:   # PyTorch allows dim 0 (or -1) on a scalar
        normalize_dims(dim, 0, gate.label)
        values = by_dim.apply(x.reshape(1), dim=0).reshape(())   # keepdim keeps no dims
        return MaxResult(values, new_tensor(np.zeros((), np.int64), None))
    values = by_dim.apply(x, dim=dim, keepdim=keepdim)
    if values.grad_fn is not None:   # the gate found the indices already
        index = values.grad_fn.index
    else:
        data = array_of(getattr(x, "_data", x))
        index = by_dim.first_extreme(data, dim % data.ndim)[0]
    index = index.astype(np.int64)
    return MaxResult(values, new_tensor(np.expand_dims(index, dim) if keepdim else index, None))


@api(methods=("logsumexp",))
def logsumexp(x, dim=None, keepdim=False):
    """``log(sum(exp(x), dim))``, computed stably at any value.

    >>> import chainrule as cr
    >>> cr.logsumexp(cr.tensor([0.0, 0.0]), 0).item() == cr.log(cr.tensor(2.0)).item()
    True
    """
    return LogSumExp.apply(x, dim=dim, keepdim=keepdim)


@api(methods=("argmax",))
def argmax(x, dim=None, keepdim=False):
    """Index of the largest element (flattened when ``dim`` is None); no gradient.

    >>> import chainrule as cr
    >>> cr.argmax(cr.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=1).tolist()
    [1, 0]
    """
    return arg_extreme(np.argmax, x, dim, keepdim)


@api(methods=("argmin",))
def argmin(x, dim=None, keepdim=False):
    """Index of the smallest element (flattened when ``dim`` is None); no gradient.

    >>> import chainrule as cr
    >>> cr.argmin(cr.tensor([3.0, 1.0, 2.0])).item()
    1
    """
    return arg_extreme(np.argmin, x, dim, keepdim)


def arg_extreme(fn, x, dim, keepdim):
    if Masks.recording and in_graph(x):   # onnx.export: a gate of the graph (ops/masks.py)
        return record_mask(ArgMax if fn is np.argmax else ArgMin, x, dim=dim, keepdim=keepdim)
    return new_tensor(arg_extreme_index(fn, getattr(x, "_data", x), dim, keepdim), None)


def arg_extreme_index(fn, data, dim, keepdim):
    if dim is None:   # the flat index; keepdim keeps every dimension, as size 1
        index = array_of(fn(data)).astype(np.int64, copy=False)
        return index.reshape((1,) * np.ndim(data)) if keepdim else index
    if np.ndim(data) == 0:   # dim 0 (or -1) of a scalar: index 0, a scalar (keepdim or not)
        normalize_dims(dim, 0, "argmax")
        return np.zeros((), np.int64)
    index = fn(data, axis=dim)
    return np.expand_dims(index, dim) if keepdim else index


class ArgMax(MaskGate):
    """``argmax`` recorded for onnx.export: an int64 index, no gradient."""

    label, formula, inputs, pick = "argmax", "argmax(x, dim)", ("x",), staticmethod(np.argmax)

    def forward(self, x, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim
        return arg_extreme_index(self.pick, x, dim, keepdim)


class ArgMin(ArgMax):
    """``argmin`` recorded for onnx.export."""

    label, formula, pick = "argmin", "argmin(x, dim)", staticmethod(np.argmin)


@api(methods=("var",))
def var(x, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """Variance over ``dim`` (all when None), divided by ``max(0, n - correction)``
    (``correction`` 1 by default, 0 when ``unbiased=False``; ``x.var(False)`` is the
    unbiased flag, as in PyTorch), built from primitive gates (so it has every higher
    derivative for free).

    >>> import chainrule as cr
    >>> cr.tensor([1.0, 2.0, 3.0, 6.0]).var(False).item()
    3.5
    """
    dim, correction = variance_arguments(dim, unbiased, correction, "var")
    dims = normalize_dims(dim, x.ndim, "var")
    n = x._data.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
    centred = x - x.mean(dim=dims, keepdim=True)
    divisor = builtins.max(0, n - correction)
    return (centred * centred).sum(dim=dims, keepdim=keepdim) / divisor


@api(methods=("std",))
def std(x, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """Standard deviation, ``sqrt(var(x))``, as one gate (``Std``): its gradient at a
    constant is 0, as PyTorch's.

    >>> import chainrule as cr
    >>> x = cr.tensor([2.0, 2.0, 2.0], requires_grad=True)
    >>> x.std().backward()
    >>> x.grad.tolist()
    [0.0, 0.0, 0.0]
    """
    dim, correction = variance_arguments(dim, unbiased, correction, "std")
    return Std.apply(x, dim=dim, keepdim=keepdim, correction=correction)


def variance_arguments(dim, unbiased, correction, op):
    """(dim, correction) from PyTorch's two forms: ``var(unbiased)`` and ``var(dim,
    unbiased, keepdim, correction=)``."""
    if isinstance(dim, bool):   # x.var(False): the unbiased flag, not a dim
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased else 0
    elif unbiased is not True:
        raise TypeError(f"{op}: give either unbiased or correction, not both")
    return dim, correction


def centred(x, dims=None):
    return x - np.mean(x, axis=dims, keepdims=True)


define("centred", centred, lambda x, dims=None: x - x.mean(dim=dims, keepdim=True),
       "centred(x, dims) = x minus its mean over dims")


class Std(Reduction):
    """Standard deviation over ``dims``: the root of the centred squares' sum divided by
    ``divisor = max(0, n - correction)``. A gate of its own for its gradient at a constant,
    where (x - mean) / (divisor * std) is 0 / 0: PyTorch takes 0 there."""

    label = "std"
    formula = "sqrt(sum(centred(x, dims) ** 2, dims) / divisor)"
    derivatives = {"x": "where(out == 0, 0.0, g / (divisor * out)) * c"}
    residuals = {"c": "centred(x, dims)"}
    saves = ("dims", "divisor")

    def forward(self, x, dim=None, keepdim=False, correction=1):
        self.reduce_over(x, dim)
        n = np.size(x) if self.dims is None else int(np.prod([np.shape(x)[d]
                                                              for d in self.dims]))
        self.divisor = builtins.max(0, n - correction)
        self.c = centred(x, self.dims)
        total = np.sum(self.c * self.c, axis=self.dims, keepdims=keepdim)
        return np.sqrt(total / np.asarray(self.divisor, total.dtype))


@api(methods=("amax",))
def amax(x, dim=None, keepdim=False, **numpy_names):
    """Largest elements over ``dim`` (all when None); tied elements share the gradient.

    >>> import chainrule as cr
    >>> cr.amax(cr.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=0).tolist()
    [4.0, 5.0]
    """
    if numpy_names:
        x, dim, keepdim = reduction_arguments("amax", x, dim, keepdim, None, numpy_names)
    return Amax.apply(x, dim=dim, keepdim=keepdim)


@api(methods=("amin",))
def amin(x, dim=None, keepdim=False, **numpy_names):
    """Smallest elements over ``dim`` (all when None); tied elements share the gradient.

    >>> import chainrule as cr
    >>> cr.amin(cr.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=(0, 1)).item()
    1.0
    """
    if numpy_names:
        x, dim, keepdim = reduction_arguments("amin", x, dim, keepdim, None, numpy_names)
    return Amin.apply(x, dim=dim, keepdim=keepdim)


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
        return np.cumsum(x, axis=self.dim, dtype=None if x.dtype.kind == "f" else np.int64)


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


class Norm(Reduction):
    """The Euclidean norm ``sqrt(sum(x * x, dims))``, fused because its gradient ``x / out``
    must be 0 where the norm is 0 (PyTorch's), where a composition through sqrt gives NaN."""

    label = "norm"
    formula = "sqrt(sum(x * x, dims))"
    derivatives = {"x": "g * x / where(out == 0, inf, out)"}
    saves = ("dims",)

    def forward(self, x, dim=None, keepdim=False):
        self.reduce_over(x, dim)
        return np.sqrt(np.sum(x * x, axis=self.dims, keepdims=keepdim))


@api(methods=("norm",))
def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm over ``dim`` (all elements when None), as ``torch.norm``: p = 2 (or
    'fro') the Euclidean norm (its own gate), p = 1 the sum of ``|x|``, p = inf the largest
    ``|x|``, -inf the smallest, 0 the count of nonzeros, any other p
    ``sum(|x| ** p) ** (1 / p)`` (gradient 0 at a zero norm, as PyTorch's).

    >>> import chainrule as cr
    >>> cr.tensor([3.0, 4.0]).norm().item(), round(cr.tensor([3.0, 4.0]).norm(3).item(), 4)
    (5.0, 4.4979)
    """
    if isinstance(p, str) and p != "fro" or p == "fro" and dim is not None \
            and not isinstance(dim, int) and len(dim) > 2:   # PyTorch's routing to matrix_norm
        return matrix_norm(x, p, tuple(range(x.ndim)) if dim is None else dim, keepdim,
                           dtype=dtype)
    return vector_norm(x, 2 if p == "fro" or p is None else p, dim, keepdim, dtype=dtype)


@api(name=False)
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.vector_norm``: ``sum(|x| ** ord) ** (1 / ord)`` over ``dim`` (all
    elements when None), with ord 2 its own gate (``Norm``), 1, inf, -inf and 0 their exact
    forms, and any other ord the composition, gradient 0 where the norm is 0.

    >>> import chainrule as cr
    >>> x = cr.tensor([3.0, -4.0])
    >>> [cr.linalg.vector_norm(x, ord).item() for ord in (2, 1, float('inf'), 0)]
    [5.0, 7.0, 4.0, 2.0]
    """
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise TypeError(f"vector_norm: expected a floating tensor, got {x.dtype}")
    if ord == 2:
        return Norm.apply(x, dim=dim, keepdim=keepdim)
    magnitude = x.abs()
    if ord == 1:
        return magnitude.sum(dim, keepdim)
    if ord == float("inf"):
        return magnitude.amax(dim, keepdim)
    if ord == -float("inf"):
        return magnitude.amin(dim, keepdim)
    if ord == 0:
        return (x != 0).sum(dim, keepdim).to(x.dtype)
    nonzero = magnitude != 0
    safe_magnitude = magnitude.where(nonzero, 1.0)   # no infinite derivative at x = 0
    powered = (safe_magnitude ** ord).where(nonzero, 0.0 if ord > 0 else float("inf"))
    total = powered.sum(dim, keepdim)
    zero = total == 0
    safe = total.where(zero.logical_not(), 1.0)   # no infinite derivative at a zero norm
    return (safe ** (1.0 / ord)).where(zero.logical_not(), 0.0)


@api(name=False)
def matrix_norm(x, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.matrix_norm``: 'fro' (the Euclidean norm of the entries), 1 / -1 (the
    largest / smallest column sum of ``|x|``), inf / -inf (row sums), 2 / -2 (the largest /
    smallest singular value) and 'nuc' (their sum), from ``Svdvals`` (ops/svd.py).

    >>> import chainrule as cr
    >>> x = cr.tensor([[3.0, 0.0], [0.0, -4.0]])
    >>> [cr.linalg.matrix_norm(x, ord).item() for ord in ('fro', 'nuc', 2, -2, 1)]
    [5.0, 7.0, 4.0, 3.0, 4.0]
    """
    if x.ndim < 2:
        raise ValueError(f"matrix_norm: needs at least 2 dimensions, got shape {tuple(x.shape)}")
    if isinstance(dim, int) or len(dim) != 2:
        raise ValueError(f"matrix_norm: dim must be a pair of dimensions, got {dim!r}")
    rows, cols = normalize_dims(dim, x.ndim, "matrix_norm")
    if ord == "fro":
        return vector_norm(x, 2, (rows, cols), keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        return spectral_norm(x.to(dtype) if dtype else x, ord, (rows, cols), keepdim)
    if ord not in (1, -1, float("inf"), -float("inf")):
        raise ValueError(f"matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, "
                         f"got {ord!r}")
    summed, kept = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = x.to(dtype).abs().sum(summed, keepdim=True) if dtype else x.abs().sum(summed, True)
    out = sums.amax(kept, keepdim=True) if ord > 0 else sums.amin(kept, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


@api(name=False)
def linalg_norm(x, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.norm``: a vector norm over one dim (or all, flattened, when ``ord``
    and ``dim`` are None), a matrix norm over two.

    >>> import chainrule as cr
    >>> x = cr.tensor([[3.0, 0.0], [0.0, 4.0]])
    >>> cr.linalg.norm(x).item(), cr.linalg.norm(x, 'nuc').item(), cr.linalg.norm(x, 2, dim=1).tolist()
    (5.0, 7.0, [3.0, 4.0])
    """
    if dim is None and ord is None:
        return vector_norm(x, 2, None, keepdim, dtype=dtype)
    if dim is None and x.ndim not in (1, 2):
        raise ValueError(f"linalg.norm: with ord and no dim the input must be 1-D or 2-D, got "
                         f"shape {tuple(x.shape)}; give dim= (one dim or a pair)")
    if isinstance(ord, str):   # 'fro' and 'nuc' are matrix norms, as in PyTorch
        return matrix_norm(x, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    dims = normalize_dims(dim, x.ndim, "norm") if dim is not None else tuple(range(x.ndim))
    if len(dims) == 2:
        return matrix_norm(x, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    return vector_norm(x, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def array_prod_others(x, dims=None):
    """For each element, the product of the others in its slice along ``dims`` (one dim, or
    None: all), exact where some are zero (no division by x)."""
    axis = one_axis(dims)
    if axis is None:
        return array_prod_others(np.reshape(x, -1), 0).reshape(np.shape(x))
    y = np.moveaxis(x, axis, -1)
    ones = np.ones_like(y[..., :1])
    before = np.cumprod(np.concatenate([ones, y[..., :-1]], -1), -1)
    after = np.cumprod(np.concatenate([ones, y[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis(before * after, -1, axis)


def tensor_prod_others(x, dims=None):
    """``prod_others`` through gates: for each position, the slice's product with that
    element replaced by 1 (so the gradient of the gradient is exact at zeros too)."""
    dim = one_axis(dims)
    if dim is None:
        return tensor_prod_others(x.reshape(-1), 0).reshape(x.shape)
    n = x.shape[dim]
    parts = []
    for i in range(n):
        others = np.arange(n) != i
        keep = new_tensor(others.reshape((-1,) + (1,) * (x.ndim - dim - 1)), None)
        parts.append(x.where(keep, 1.0).prod(dim))
    return stack_along(parts, dim)


def stack_along(parts, dim):
    """``stack(parts, dim)`` (the ``Stack`` gate, defined with the shape gates)."""
    return TENSORS.stack(parts, dim)


def one_axis(dims):
    """The one reduced axis of ``dims`` (an int or a one-element tuple), or None: all."""
    return dims if dims is None or isinstance(dims, (int, np.integer)) else dims[0]


define("prod", lambda x, dim=None, keepdim=False: np.prod(x, axis=one_axis(dim), keepdims=keepdim),
       lambda x, dim=None, keepdim=False: x.prod(one_axis(dim), keepdim))
define("prod_others", array_prod_others, tensor_prod_others,
       "prod_others(x, dims): for each element, the product of the others in its slice")


class Prod(Reduction):
    """Product over one dim (or all elements); each element's derivative is the product of
    the others in its slice, computed without dividing by it, so it is exact at zeros (as
    PyTorch's)."""

    label = "prod"
    formula = "prod(x, dims)"
    derivatives = {"x": "g * prod_others(x, dims)"}
    saves = ("dims",)

    def forward(self, x, dim=None, keepdim=False):
        self.reduce_over(x, dim)
        if self.dims is not None and len(self.dims) != 1:
            raise ValueError(f"prod: dim must be one dimension (an int), got {dim}")
        return np.prod(x, axis=self.dims, keepdims=keepdim,
                       dtype=None if x.dtype.kind == "f" else np.int64)


@api(methods=("prod",))
def prod(x, dim=None, keepdim=False, *, dtype=None):
    """The product of ``x``'s elements (over ``dim`` when given); integers and bools
    multiply in int64, as PyTorch's.

    >>> import chainrule as cr
    >>> x = cr.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> x.prod().backward(); x.grad.tolist()
    [0.0, 6.0, 0.0]
    """
    if dtype is not None:
        x = x.to(dtype)
    if dim is not None and x.ndim == 0:
        normalize_dims(dim, 0, "prod")
        dim = None
    return Prod.apply(x, dim=dim, keepdim=keepdim)


@api(methods=("cumprod",))
def cumprod(x, dim, *, dtype=None):
    """Running products along ``dim``. With a gradient, a composition: the product of each
    leading slice (``Prod``), so the gradient is exact at zeros; its cost grows with the
    square of the dimension's size. Without one, NumPy's running product.

    >>> import chainrule as cr
    >>> cr.cumprod(cr.tensor([1.0, 2.0, 3.0]), 0).tolist()
    [1.0, 2.0, 6.0]
    """
    if dtype is not None:
        x = x.to(dtype)
    dim = normalize_dims(dim, builtins.max(x.ndim, 1), "cumprod")[0]
    if x.ndim == 0 or x.numel() == 0:
        return x * 1 if x.requires_grad else x.clone()
    if not x.requires_grad:
        data = x._data
        return new_tensor(np.cumprod(data, axis=dim,
                                     dtype=None if data.dtype.kind == "f" else np.int64), None)
    lead = (slice(None),) * dim
    return stack_along([x[lead + (slice(0, j + 1),)].prod(dim) for j in range(x.shape[dim])],
                       dim)


MinMax = collections.namedtuple("aminmax", ["min", "max"])
Sorted = collections.namedtuple("sort", ["values", "indices"])


@api(methods=("aminmax",))
def aminmax(x, *, dim=None, keepdim=False):
    """``(amin, amax)`` over ``dim`` (all elements when None).

    >>> import chainrule as cr
    >>> low, high = cr.aminmax(cr.tensor([3.0, 1.0, 2.0]))
    >>> low.item(), high.item()
    (1.0, 3.0)
    """
    return MinMax(amin(x, dim, keepdim), amax(x, dim, keepdim))


def sort_indices(data, dim, descending):
    """Stable sort order along ``dim``, NaN counted largest (first when descending)."""
    if not descending:
        return np.argsort(data, axis=dim, kind="stable")
    moved = np.moveaxis(data, dim, -1)
    if moved.dtype.kind == "f":
        nan = np.isnan(moved)
        order = np.lexsort((-np.where(nan, 0, moved), ~nan), axis=-1)
    else:
        order = np.argsort(-moved.astype(np.int64), axis=-1, kind="stable")
    return np.moveaxis(order, -1, dim)


def picked(x, dim, order):
    """The values of ``x`` at ``order`` along ``dim`` (an indexing: gradients flow back)."""
    from_index = new_tensor(order.astype(np.int64), None)
    if x.ndim == 0:
        return x * 1 if x.requires_grad else x.clone(), new_tensor(np.zeros((), np.int64), None)
    return x.gather(dim, from_index), from_index


@api(methods=("sort",))
def sort(x, dim=-1, descending=False, stable=False):
    """``(values, indices)`` of ``x`` sorted along ``dim`` (stable, NaN largest as in
    PyTorch); the values are an indexing of ``x``, so gradients reach it.

    >>> import chainrule as cr
    >>> cr.sort(cr.tensor([3.0, 1.0, 2.0]), descending=True).indices.tolist()
    [0, 2, 1]
    """
    dim = normalize_dims(dim, x.ndim, "sort")[0] if x.ndim else 0
    order = sort_indices(x._data, dim, descending) if x.ndim else np.zeros((), np.int64)
    return Sorted(*picked(x, dim, order))


@api(methods=("argsort",))
def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort ``x`` along ``dim`` (``sort(...).indices``); no gradient.

    >>> import chainrule as cr
    >>> cr.argsort(cr.tensor([3.0, 1.0, 2.0]), descending=True).tolist()
    [0, 2, 1]
    """
    return sort(x, dim, descending).indices


@api(methods=("msort",))
def msort(x):
    """``sort(x, dim=0).values``.

    >>> import chainrule as cr
    >>> cr.msort(cr.tensor([[3.0, 1.0], [2.0, 4.0]])).tolist()
    [[2.0, 1.0], [3.0, 4.0]]
    """
    return sort(x, 0).values


@api(methods=("topk",))
def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices: the first
    ``k`` of ``sort``.

    >>> import chainrule as cr
    >>> values, indices = cr.topk(cr.tensor([1.0, 4.0, 2.0, 3.0]), 2)
    >>> values.tolist(), indices.tolist()
    ([4.0, 3.0], [1, 3])
    """
    dim = normalize_dims(dim, x.ndim, "topk")[0] if x.ndim else 0
    n = x.shape[dim] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k ({k}) must be between 0 and the size of dim {dim} ({n})")
    values, indices = sort(x, dim, descending=largest)
    if x.ndim == 0:
        return Sorted(values, indices)
    lead = (slice(None),) * dim + (slice(0, k),)
    return Sorted(values[lead], indices[lead])


@api(methods=("kthvalue",))
def kthvalue(x, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element along ``dim`` (1-based) and its index.

    >>> import chainrule as cr
    >>> cr.kthvalue(cr.tensor([5.0, 1.0, 3.0]), 2).values.item()
    3.0
    """
    dim = normalize_dims(dim, x.ndim, "kthvalue")[0] if x.ndim else 0
    n = x.shape[dim] if x.ndim else 1
    if not 1 <= k <= n:
        raise ValueError(f"kthvalue: k ({k}) must be between 1 and the size of dim {dim} ({n})")
    values, indices = sort(x, dim)
    if x.ndim == 0:
        return Sorted(values, indices)
    lead = (slice(None),) * dim + (slice(k - 1, k) if keepdim else k - 1,)
    return Sorted(values[lead], indices[lead])


@api(methods=("median",))
def median(x, dim=None, keepdim=False):
    """The lower median (of the flattened ``x`` when ``dim`` is None: the value alone;
    along ``dim``: values and indices). A slice holding NaN has median NaN, as PyTorch's.

    >>> import chainrule as cr
    >>> cr.median(cr.tensor([5.0, 1.0, 3.0, 2.0])).item()
    2.0
    """
    if dim is None:
        return median(x.reshape(-1), 0).values
    dim = normalize_dims(dim, x.ndim, "median")[0] if x.ndim else 0
    if x.ndim == 0:
        return Sorted(*picked(x, 0, np.zeros((), np.int64)))
    data = x._data
    order = sort_indices(data, dim, False)
    n = data.shape[dim]
    if n == 0:
        raise ValueError("median: the dimension is empty")
    valid = (~np.isnan(data)).sum(axis=dim, keepdims=True) if data.dtype.kind == "f" else n
    position = np.where(valid < n, valid, (n - 1) // 2)
    chosen = np.take_along_axis(order, position * np.ones_like(order[(slice(None),) * dim
                                                                        + (slice(0, 1),)]), dim)
    values, indices = picked(x, dim, chosen)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return Sorted(values, indices)


@api(methods=("count_nonzero",))
def count_nonzero(x, dim=None):
    """How many elements are nonzero over ``dim`` (all when None): int64, no gradient.

    >>> import chainrule as cr
    >>> cr.count_nonzero(cr.tensor([[0, 1], [2, 0]]), dim=0).tolist()
    [1, 1]
    """
    dims = normalize_dims(dim, x.ndim, "count_nonzero")
    return new_tensor(np.asarray(np.count_nonzero(x._data, axis=dims), np.int64), None)


@api(methods=("nansum",))
def nansum(x, dim=None, keepdim=False, *, dtype=None):
    """``sum`` with NaN counted as 0 (a ``where``, then ``Sum``).

    >>> import chainrule as cr
    >>> cr.nansum(cr.tensor([1.0, float('nan'), 2.0])).item()
    3.0
    """
    if dtype is not None:
        x = x.to(dtype)
    return x.where(~x.isnan(), 0.0).sum(dim, keepdim) if x.dtype.kind == "f" else \
        x.sum(dim, keepdim)


@api(methods=("nanmean",))
def nanmean(x, dim=None, keepdim=False, *, dtype=None):
    """The mean of the non-NaN elements over ``dim``: ``nansum`` over their count.

    >>> import chainrule as cr
    >>> cr.nanmean(cr.tensor([1.0, float('nan'), 2.0])).item()
    1.5
    """
    if dtype is not None:
        x = x.to(dtype)
    count = (~x.isnan()).sum(dim, keepdim)
    return nansum(x, dim, keepdim) / count


@api(methods=("diff",))
def diff(x, n=1, dim=-1, prepend=None, append=None):
    """Differences of neighbours along ``dim``, ``n`` times (``prepend`` / ``append``
    joined first): slices and a subtraction.

    >>> import chainrule as cr
    >>> cr.diff(cr.tensor([1, 4, 9, 16])).tolist()
    [3, 5, 7]
    """
    dim = normalize_dims(dim, x.ndim, "diff")[0]
    if n == 0:
        return x
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = TENSORS.cat([p if p.ndim == x.ndim else p.expand(*x.shape[:dim], 1,
                                                             *x.shape[dim + 1:])
                         for p in parts], dim)
    lead = (slice(None),) * dim
    for _ in range(n):
        ahead, behind = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        x = ahead ^ behind if x.dtype == np.bool_ else ahead - behind
    return x

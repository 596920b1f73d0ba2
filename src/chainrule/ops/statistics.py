"""Statistics and scans: ``logcumsumexp`` (a gate), and compositions of other gates:
``std_mean``/``var_mean``, ``cummax``/
``cummin`` (running extremes and where they are: the indices computed on arrays, the values
gathered through the ``Gather`` gate, so the gradient reaches the chosen elements as in
PyTorch), ``quantile``/``nanquantile`` (a sort, gathers and ``lerp``), and ``logspace``."""
import collections

import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define
from ..creation import float_default, float_linspace, made, number
from ..tensor import Tensor, api, new_tensor
from .arithmetic import where
from .reduce import normalize_dims

RunningExtreme = {name: collections.namedtuple(name, ["values", "indices"])
                  for name in ("cummax", "cummin")}


# ----- std_mean, var_mean -----------------------------------------------------------------
def spread_and_mean(spread, input, dim, unbiased, keepdim, correction):  # noqa: A002
    """(``spread(input, ...)``, ``mean(input, dim, keepdim)``), PyTorch's argument forms:
    ``f(x)``, ``f(x, unbiased)``, ``f(x, dim, unbiased, keepdim)``, ``correction=``."""
    if isinstance(dim, bool):   # f(x, True): the legacy unbiased in dim's place
        dim, unbiased = None, dim
    kwargs = {"correction": correction} if correction is not None else {}
    if unbiased is not None:
        if correction is not None:
            raise RuntimeError(f"{spread.__name__}_mean: give unbiased or correction, not both")
        kwargs["unbiased"] = unbiased
    values = spread(input, dim, keepdim=keepdim, **kwargs)
    middle = input.mean(dim=dim if dim is not None else None, keepdim=keepdim)
    if keepdim and dim is None:   # mean over all dims, kept: every dim of size 1
        middle = middle.reshape(values.shape)
    return values, middle


@api
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """The standard deviation and the mean, as PyTorch's ``std_mean``: the ``std`` and
    ``mean`` gates on the same dims.

    >>> import chainrule as cr
    >>> std, mean = cr.std_mean(cr.tensor([1.0, 2.0, 3.0, 6.0]))
    >>> round(std.item(), 4), mean.item()
    (2.1602, 3.0)
    """
    return spread_and_mean(std_of, input, dim, unbiased, keepdim, correction)


@api
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """The variance and the mean, as PyTorch's ``var_mean`` (``correction=0``: the
    population variance).

    >>> import chainrule as cr
    >>> var, mean = cr.var_mean(cr.tensor([[1.0, 3.0], [2.0, 6.0]]), 1, correction=0)
    >>> var.tolist(), mean.tolist()
    ([1.0, 4.0], [2.0, 4.0])
    """
    return spread_and_mean(var_of, input, dim, unbiased, keepdim, correction)


def std_of(x, dim, **kwargs):
    return x.std(dim, **kwargs)


def var_of(x, dim, **kwargs):
    return x.var(dim, **kwargs)


std_of.__name__, var_of.__name__ = "std", "var"


# ----- cummax, cummin ---------------------------------------------------------------------
def running_indices(data, better):
    """Along axis 0: the index of the running extreme at each position. PyTorch's rule: a
    later element replaces the extreme when it is NaN, or ties or beats it while the extreme
    is not NaN (so ties take the later index, and NaN, once met, stays, updated by each NaN)."""
    indices = np.zeros(data.shape, np.int64)
    best, at = data[0].copy(), np.zeros(data.shape[1:], np.int64)
    for i in range(1, data.shape[0]):
        value = data[i]
        with np.errstate(invalid="ignore"):
            take = (value != value) | ((best == best) & better(value, best))
        best = np.where(take, value, best)
        at = np.where(take, i, at)
        indices[i] = at
    return indices


def running_extreme(name, better, input, dim):  # noqa: A002
    dim = normalize_dims(dim, max(input.ndim, 1), name)[0]
    if input.ndim == 0:
        return RunningExtreme[name](input.clone(), new_tensor(np.zeros((), np.int64), None))
    if input.shape[dim] == 0:
        empty = new_tensor(np.zeros(input.shape, np.int64), None)
        return RunningExtreme[name](input.clone(), empty)
    data = np.moveaxis(input._data, dim, 0)
    indices = np.moveaxis(running_indices(data, better), 0, dim)
    index = new_tensor(np.ascontiguousarray(indices), None)
    return RunningExtreme[name](input.gather(dim, index), index)


@api(methods=("cummax",))
def cummax(input, dim):  # noqa: A002
    """The running maximum along ``dim`` and its indices (ties: the later index; NaN
    propagates), as PyTorch's; the values are a gather of ``input``, so the gradient goes to
    the elements chosen.

    >>> import chainrule as cr
    >>> values, indices = cr.cummax(cr.tensor([1.0, 3.0, 2.0, 3.0]), 0)
    >>> values.tolist(), indices.tolist()
    ([1.0, 3.0, 3.0, 3.0], [0, 1, 1, 3])
    """
    return running_extreme("cummax", np.greater_equal, input, dim)


@api(methods=("cummin",))
def cummin(input, dim):  # noqa: A002
    """The running minimum along ``dim`` and its indices, as ``cummax``.

    >>> import chainrule as cr
    >>> cr.cummin(cr.tensor([2.0, 1.0, 3.0, 1.0]), 0).indices.tolist()
    [0, 1, 1, 3]
    """
    return running_extreme("cummin", np.less_equal, input, dim)


# ----- logcumsumexp -----------------------------------------------------------------------
def reversed_logcumsumexp(a, dim, lib):
    return lib.flip(lib.logcumsumexp(lib.flip(a, dim), dim), dim)


class ArrayScan:
    """The array functions ``reversed_logcumsumexp`` needs, by PyTorch's names."""

    flip = staticmethod(lambda a, dim: np.flip(a, dim))
    logcumsumexp = staticmethod(lambda a, dim: np.logaddexp.accumulate(a, axis=dim))


class TensorScan:
    flip = staticmethod(lambda a, dim: a.flip(dim))
    logcumsumexp = staticmethod(lambda a, dim: Logcumsumexp.apply(a, dim=dim))


def logcumsumexp_vjp(g, x, out, dim, lib, where, log_abs, exp):
    """x_i's gradient, sum over j >= i of g_j exp(x_i - out_j), in the log domain so that no
    exponent overflows: the positive and the negative parts of g apart, each a reversed
    logcumsumexp of log|g| - out (the lowest finite number standing for log 0)."""
    lowest = np.finfo(g.dtype).min
    log_g = log_abs(g)
    positive = reversed_logcumsumexp(where(g > 0, log_g, lowest) - out, dim, lib)
    negative = reversed_logcumsumexp(where(g < 0, log_g, lowest) - out, dim, lib)
    return exp(positive + x) - exp(negative + x)


def vjp_of_arrays(g, x, dim):
    """In float64 for float32, the output recomputed from x: x_i - out_j would lose the
    digits of large inputs in float32 (out rounded to float32 is off by its ulp, 1e-3 at
    1e4, and so is each exp(x_i - out_j), relative)."""
    g, x = (a.astype(np.float64) if a.dtype == np.float32 else a for a in (g, x))
    out = np.logaddexp.accumulate(x, axis=dim)
    with np.errstate(all="ignore"):   # log 0 where g is 0, replaced by the lowest number
        return logcumsumexp_vjp(g, x, out, dim, ArrayScan, np.where,
                                lambda a: np.log(np.abs(a)), np.exp).astype(g.dtype)


def vjp_of_tensors(g, x, dim):
    out = Logcumsumexp.apply(x, dim=dim)
    return logcumsumexp_vjp(g, x, out, dim, TensorScan,
                            lambda c, a, b: where(c, a, b), lambda a: a.abs().log(),
                            lambda a: a.exp())


define("logcumsumexp_vjp", vjp_of_arrays, vjp_of_tensors,
       "logcumsumexp_vjp(g, x, dim): sum over j >= i of g_j exp(x_i - out_j), along dim, "
       "in the log domain")


define("logcumsumexp", lambda a, dim: np.logaddexp.accumulate(a, axis=dim),
       lambda a, dim: Logcumsumexp.apply(a, dim=dim))


class Logcumsumexp(Gate):
    """``log(cumsum(exp(x), dim))`` without overflow: running ``logaddexp`` along ``dim``
    (in float64 for float32, so long runs do not gather rounding). Input i reaches every
    output j >= i with weight exp(x_i - out_j) <= 1 (``logcumsumexp_vjp``)."""

    label = "logcumsumexp"
    formula = "logcumsumexp(x, dim)"
    derivatives = {"x": "logcumsumexp_vjp(g, x, dim)"}
    saves = ("dim",)

    def forward(self, x, dim):
        self.dim = normalize_dims(dim, np.ndim(x), self.label)[0]
        wide = x.astype(np.float64) if x.dtype == np.float32 else x
        with np.errstate(invalid="ignore"):   # inf - inf inside logaddexp: NaN, as PyTorch
            return np.logaddexp.accumulate(wide, axis=self.dim).astype(x.dtype, copy=False)


@api(methods=("logcumsumexp",))
def logcumsumexp(input, dim):  # noqa: A002
    """The log of the running sums of ``exp(input)`` along ``dim`` (the ``Logcumsumexp``
    gate), as PyTorch's; integer tensors give the default float.

    >>> import chainrule as cr
    >>> x = cr.tensor([0.0, 0.0, 1000.0], requires_grad=True)
    >>> y = cr.logcumsumexp(x, 0)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.6931, 1000.0]
    """
    if not input.dtype.is_floating_point:
        input = input.float()
    if input.ndim == 0:   # dim 0 or -1 on a scalar: the scalar itself
        normalize_dims(dim, 0, "logcumsumexp")
        return Logcumsumexp.apply(input.reshape(1), dim=0).reshape(())
    return Logcumsumexp.apply(input, dim=dim)


# ----- mode -------------------------------------------------------------------------------
Mode = collections.namedtuple("mode", ["values", "indices"])


def mode_indices(rows):
    """Per row: where its most frequent value is (the smallest of equally frequent ones, as
    PyTorch's), at its last occurrence (PyTorch's choice for short rows; for long ones its
    index among equal values comes from an unstable sort). NaNs count as one value."""
    indices = np.empty(len(rows), np.int64)
    for r, row in enumerate(rows):
        _, inverse, counts = np.unique(row, return_inverse=True, return_counts=True)
        indices[r] = np.flatnonzero(inverse.reshape(-1) == np.argmax(counts))[-1]
    return indices


@api(methods=("mode",))
def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """The most frequent value along ``dim`` and an index of it, as PyTorch's ``mode``
    (values gathered, so the gradient goes to that element).

    >>> import chainrule as cr
    >>> values, indices = cr.mode(cr.tensor([[3.0, 1.0, 3.0, 2.0], [5.0, 4.0, 4.0, 5.0]]))
    >>> values.tolist(), indices.tolist()
    ([3.0, 4.0], [2, 2])
    """
    dim = normalize_dims(dim, max(input.ndim, 1), "mode")[0]
    if input.ndim == 0:
        return Mode(input.clone(), new_tensor(np.zeros((), np.int64), None))
    if input.shape[dim] == 0:
        raise IndexError(f"mode(): Expected reduction dim {dim} to have non-zero size")
    data = np.moveaxis(input._data, dim, -1)
    at = mode_indices(data.reshape(-1, data.shape[-1])).reshape(data.shape[:-1])
    index = new_tensor(np.expand_dims(at, dim), None)
    values = input.gather(dim, index)
    if not keepdim:
        values, index = values.squeeze(dim), index.squeeze(dim)
    return Mode(values, index)


# ----- quantile, nanquantile --------------------------------------------------------------
INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile_of(name, input, q, dim, keepdim, interpolation, ignore_nan):  # noqa: A002
    if not isinstance(input, Tensor) or not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{name}() interpolation must be one of {', '.join(INTERPOLATIONS)}. "
                         f"Got '{interpolation}'")
    qs = quantile_levels(name, input, q)
    if dim is None:
        x, dim_kept = input.reshape(-1), None
    else:
        dim_kept = normalize_dims(dim, max(input.ndim, 1), name)[0]
        x = input.reshape(1) if input.ndim == 0 else input.movedim(dim_kept, -1)
    ordered = x.sort(-1).values   # NaN last
    data = ordered._data
    n = data.shape[-1]
    nan = np.isnan(data)
    # rank = q * scale, except where the result is a NaN (the last sorted value)
    if ignore_nan:
        count = n - nan.sum(-1)
        scale, forced = count - 1, count == 0   # all NaN: the NaN
    else:
        scale, forced = np.full(data.shape[:-1], n - 1), nan[..., -1]   # a NaN: the NaN
    shape = (len(qs),) + data.shape[:-1]
    ranks = np.where(forced, n - 1, qs.reshape((-1,) + (1,) * (data.ndim - 1)) * scale)
    ranks = np.broadcast_to(ranks, shape)
    levels = q.reshape((-1,) + (1,) * (data.ndim - 1)) if isinstance(q, Tensor) else None
    result = interpolated(ordered, ranks, interpolation, levels, scale, forced)
    if keepdim:
        result = kept_dims(result, input.ndim, dim_kept)
    one_level = q.ndim == 0 if isinstance(q, Tensor) else np.ndim(q) == 0
    return result[0] if one_level else result


def quantile_levels(name, input, q):  # noqa: A002
    """``q`` as a 1-D float64 array, checked as PyTorch checks it."""
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        levels = q._data.astype(np.float64).reshape(-1)
    else:
        levels = np.asarray([q], np.float64).reshape(-1)
    if ((levels < 0) | (levels > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    return levels


def interpolated(ordered, ranks, interpolation, levels, scale, forced):
    """The values at fractional ``ranks`` (shape (Q, *batch)) of the sorted last dim. With
    linear interpolation the weight is ``q * scale - floor(rank)``, through gates when ``q``
    is a tensor (``levels``), so the gradient reaches q as in PyTorch."""
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)   # half to even, as PyTorch's round
    below = np.floor(ranks).astype(np.int64)
    values = ordered.unsqueeze(0).expand(ranks.shape + (ordered.shape[-1],))
    low = values.gather(-1, new_tensor(below[..., None], None)).squeeze(-1)
    if interpolation not in ("linear", "midpoint"):
        return low
    above = np.ceil(ranks).astype(np.int64)
    high = values.gather(-1, new_tensor(above[..., None], None)).squeeze(-1)
    dtype = ordered._data.dtype
    if interpolation == "midpoint":
        weights = new_tensor(np.full(ranks.shape, 0.5, dtype), None)
    elif levels is not None:
        weights = (levels * new_tensor(scale.astype(dtype), None)
                   - new_tensor(below.astype(dtype), None))
        weights = where(new_tensor(np.broadcast_to(forced, ranks.shape), None), 0.0, weights)
    else:
        weights = new_tensor((ranks - below).astype(dtype), None)
    return low.lerp(high, weights)


def kept_dims(result, ndim, dim):
    """``result`` (Q, *batch) with the reduced dims put back with size 1."""
    if dim is None:
        return result.reshape((result.shape[0],) + (1,) * ndim)
    return result.unsqueeze(-1).movedim(-1, dim + 1) if ndim else result


@api(methods=("quantile",))
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """The ``q``-th quantiles of ``input`` along ``dim`` (all elements when None), as
    PyTorch's: a 1-D ``q`` adds a first dim; a NaN in a slice gives NaN; ``interpolation``
    between the two nearest sorted values: linear, lower, higher, midpoint or nearest. The
    gradient flows through the sort to the elements used.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 4.0, 2.0, 3.0])
    >>> cr.quantile(x, 0.5).item(), cr.quantile(x, cr.tensor([0.0, 1.0])).tolist()
    (2.5, [1.0, 4.0])
    """
    return quantile_of("quantile", input, q, dim, keepdim, interpolation, False)


@api(methods=("nanquantile",))
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """``quantile`` ignoring NaN (NaN only for a slice of NaN alone).

    >>> import chainrule as cr
    >>> cr.nanquantile(cr.tensor([1.0, float("nan"), 3.0]), 0.5).item()
    2.0
    """
    return quantile_of("nanquantile", input, q, dim, keepdim, interpolation, True)


# ----- logspace ---------------------------------------------------------------------------
@api
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``base ** linspace(start, end, steps)``, as PyTorch's: the exponents are linspace's
    (the same rounding), the powers taken in float64 and rounded once to ``dtype``.

    >>> import chainrule as cr
    >>> cr.logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    start, end, base = number(start), number(end), number(base)
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    dtype = float_default(dtype)
    exponents = float_linspace(start, end, steps, dtype if dtype.kind == "f" else
                               np.dtype(np.float64))
    with np.errstate(all="ignore"):
        values = np.power(np.float64(base), exponents.astype(np.float64))
    if dtype.kind != "f":   # integers: toward zero, as PyTorch
        values = np.trunc(values)
    return made("logspace", values.astype(dtype), device, requires_grad, out)


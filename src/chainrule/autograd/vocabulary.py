"""The row vocabulary: every function a gate's formula and derivative rows may call, in two
namespaces with the same names.

* ``ARRAYS`` computes on bare arrays: the normal backward, full speed, no graph;
* ``TENSORS`` computes through gates: backward with ``create_graph=True``, whose every step
  is itself recorded (gradients of gradients).

A row such as ``"g * exp(x - out)"`` compiles to ``g * xp.exp(x - out)`` (see ``rows.py``), so
the same text runs on either namespace, and explain prints that text. The functions follow
PyTorch's names and meaning (``sum(x, dim, keepdim)``); where a gate's derivative is too
intricate for one expression, its row names a helper added with ``define`` beside the gate,
with a one-line ``meaning`` that explain prints under the table.

The array namespace is written against NumPy's functions, which dispatch on their argument
(``__array_ufunc__``, ``__array_function__``): an array type that implements those protocols
runs through it unchanged (CuPy's arrays; arrays are made with ``dtypes.namespace_of``, where
their inputs live). The functions that still need host NumPy arrays are listed in
docs/engine.md, "Backends".

>>> import numpy as np
>>> ARRAYS.sum(np.ones((2, 3)), 1, True).shape, MEANINGS["unbroadcast"]
((2, 1), 'g summed over the axes that broadcasting added or stretched, down to shape')
"""
import math
from operator import attrgetter, methodcaller

import numpy as np

from ..dtypes import array_of, is_foreign, namespace_of
from ..kernels import special
from ..tensor import new_tensor
from .pieces import Pieces, is_basic
from .unbroadcast import reduction_axes
from .registry import REGISTRY

ARRAY_FUNCTIONS = {}    # name -> implementation on arrays
TENSOR_FUNCTIONS = {}   # name -> implementation on Tensors (through gates)
MEANINGS = {}           # name -> one line: what explain prints for a helper
CONSTANTS = {"pi": math.pi, "inf": math.inf}


class Namespace:
    """The functions rows call, as attributes: ``xp.exp``. ``values(node)`` and
    ``output(node)`` give what a gate saved, in the namespace's kind."""

    def __init__(self, kind):
        self.kind = kind


ARRAYS = Namespace("arrays")
TENSORS = Namespace("tensors")
# what a gate saved, read by C-level getters on the hottest path
ARRAYS.values = attrgetter("arrays")
ARRAYS.output = attrgetter("out_data")
TENSORS.values = attrgetter("tensors")
TENSORS.output = lambda node: new_tensor(node.out_data, node)


def define(name, arrays, tensors, meaning=None):
    """Add ``name`` to the vocabulary: its array and tensor implementations, and for a
    helper the one line explain prints for it."""
    ARRAY_FUNCTIONS[name] = arrays
    TENSOR_FUNCTIONS[name] = tensors
    setattr(ARRAYS, name, arrays)
    setattr(TENSORS, name, tensors)
    if meaning:
        MEANINGS[name] = meaning


def names():
    """Every name a row may call or read besides its own symbols."""
    return ARRAY_FUNCTIONS.keys() | CONSTANTS.keys()


def gate(name):
    """A gate class by name, for the tensor implementations (the gates register after this
    module loads, in ``registry.REGISTRY``)."""
    return REGISTRY[name]


# ----- elementwise -----------------------------------------------------------------------
def tensor_where(cond, x, y):
    cond = cond._data if hasattr(cond, "_data") else cond
    return gate("Where").apply(np.asarray(cond, dtype=bool), x, y)   # ~cond: a logical not


def tensor_sign(x):
    return new_tensor(special.sign(x._data), None)


def tensor_log(x):
    """log through the Log gate; a number (the base of ``2 ** y``) is a constant."""
    return x.log() if hasattr(x, "grad_fn") else new_tensor(np.log(np.asarray(x)), None)


for fn in ("exp", "sqrt", "sin", "cos", "tanh", "abs"):
    define(fn, getattr(np, fn), methodcaller(fn))
define("log", np.log, tensor_log)
define("sigmoid", special.sigmoid, lambda x: x.sigmoid())
define("erf", special.erf, lambda x: gate("Erf").apply(x))
define("sign", special.sign, tensor_sign)   # PyTorch's sign: 0 at 0 and at NaN
define("where", np.where, tensor_where)
define("maximum", np.maximum, lambda x, y: gate("Maximum").apply(x, y))
define("minimum", np.minimum, lambda x, y: gate("Minimum").apply(x, y))
define("clip", np.clip, lambda x, low, high: gate("Clamp").apply(x, min=low, max=high))


# ----- reductions (PyTorch's dim= and keepdim=) -------------------------------------------
def axes(dim):
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


def array_reduction(fn):
    def reduce(x, dim=None, keepdim=False):
        return fn(x, axis=axes(dim), keepdims=keepdim)
    return reduce


def array_sum(x, dim=None, keepdim=False):
    # the method skips np.sum's dispatch; a list of dims is the one form NumPy does not take
    return x.sum(tuple(dim) if type(dim) is list else dim, None, None, keepdim)


define("sum", array_sum, lambda x, dim=None, keepdim=False: x.sum(dim, keepdim))
define("mean", array_reduction(np.mean), lambda x, dim=None, keepdim=False: x.mean(dim, keepdim))
define("max", array_reduction(np.max), lambda x, dim=None, keepdim=False: x.amax(dim, keepdim))
define("min", array_reduction(np.min), lambda x, dim=None, keepdim=False: x.amin(dim, keepdim))
define("logsumexp", special.logsumexp, lambda x, dim=None, keepdim=False: x.logsumexp(dim, keepdim))
define("softmax", special.softmax, lambda x, dim: x.softmax(dim))
define("log_softmax", special.log_softmax, lambda x, dim: x.log_softmax(dim))


# ----- shapes ----------------------------------------------------------------------------
def array_unbroadcast(g, shape, gate=None):
    axes_ = reduction_axes(g.shape, shape, gate)
    g = g.sum(axis=axes_) if axes_ else g
    return g.reshape(shape) if g.shape != tuple(shape) else g


def tensor_unbroadcast(g, shape, gate=None):
    axes_ = reduction_axes(g.shape, shape, gate)
    g = g.sum(axes_) if axes_ else g
    return g.reshape(shape) if g.shape != tuple(shape) else g


def inverse_permutation(dims):
    return tuple(int(i) for i in np.argsort(dims))


def array_reshape(x, shape):
    return x.reshape(shape)   # the method: np.reshape's wrapper costs four times as much


define("reshape", array_reshape, lambda x, shape: x.reshape(shape))
define("permute", np.transpose, lambda x, dims: x.permute(dims))
define("inverse_permutation", inverse_permutation, inverse_permutation,
       "the permutation that undoes dims")
def array_broadcast_to(x, shape):
    """np.broadcast_to's read-only view. A gradient of one value (a full sum's or mean's, as
    every loss has) is expanded directly: a sixth of np.broadcast_to's cost."""
    if type(x) is np.ndarray and x.size == 1:
        view = np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    return np.broadcast_to(x, shape)


define("broadcast_to", array_broadcast_to, lambda x, shape: x.expand(shape))
def array_channel_sum(g):
    """g summed over every axis but 1, as (C,). A convolution's output gradient is channels
    last in memory, where NumPy's reduction over (0, 2, 3) runs one 16-value loop per pixel
    (0.7 ms on 32x16x28x28); summed as nested blocks, batch first, each loop runs over long
    contiguous rows: 20x faster, and closer to the exact sum (a tree of partial sums)."""
    axes = (0,) + tuple(range(2, g.ndim)) + (1,)
    if type(g) is np.ndarray and g.ndim >= 3 and g.size:
        last = g.transpose(axes)
        if last.flags.c_contiguous:
            out = last.reshape(last.shape[0], -1).sum(0)
            for n in last.shape[1:-1]:   # then each spatial axis, outermost first
                out = out.reshape(n, -1).sum(0)
            return out
    return g.sum(axes[:-1])


define("channel_sum", array_channel_sum,
       lambda g: g.sum((0,) + tuple(range(2, g.ndim))),
       "g summed over every axis but the channels (axis 1)")
define("unbroadcast", array_unbroadcast, tensor_unbroadcast,
       "g summed over the axes that broadcasting added or stretched, down to shape")
define("unsqueeze", np.expand_dims, lambda x, dim: x.unsqueeze(dim))
define("as_matrix", lambda a: a.reshape(-1, a.shape[-1]), lambda a: a.reshape(-1, a.shape[-1]),
       "as_matrix(a) = a with its leading axes flattened: the (rows, a.shape[-1]) matrix")
define("outer", lambda u, v: u[..., :, None] * v[..., None, :],
       lambda u, v: u.unsqueeze(-1) * v.unsqueeze(-2),
       "outer(u, v)[i, j] = u[i] * v[j] (batched over leading axes)")
define("mv", lambda m, v: np.matmul(m, v[..., None])[..., 0],
       lambda m, v: (m @ v.unsqueeze(-1))[..., 0],
       "mv(A, v) = A @ v, a matrix times a vector (batched over leading axes)")


# ----- building arrays -------------------------------------------------------------------
def array_onehot(index, n, dim=-1):
    index = array_of(index)
    positions = namespace_of(index).arange(n)   # made where index lives
    if dim == -1:   # the common case (class indices), without expand_dims' overhead
        return index[..., None] == positions
    index = np.expand_dims(index, dim)
    return positions.reshape([-1 if i == dim % index.ndim else 1
                              for i in range(index.ndim)]) == index


def array_scatter_add(g, shape, index):
    if type(index) is np.ndarray and index.dtype.kind in "iu" and index.size and g.ndim:
        return segment_sum(g, shape, index)
    out = np.zeros_like(g, shape=shape)   # where g lives
    if has_integer_array(index):
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


def segment_sum(g, shape, index):
    """Rows of g added at the rows index picks along axis 0 (an embedding's backward): the
    rows sorted by index and each run summed by one ``add.reduceat``, several times faster
    than ``np.add.at``, which adds one row at a time."""
    flat = index.reshape(-1)
    flat = np.where(flat < 0, flat + shape[0], flat)
    order = np.argsort(flat, kind="stable")
    picked = flat[order]
    starts = np.flatnonzero(np.concatenate(([True], picked[1:] != picked[:-1])))
    out = np.zeros((shape[0], int(np.prod(shape[1:], dtype=np.int64))), g.dtype)
    out[picked[starts]] = np.add.reduceat(g.reshape(flat.size, -1)[order], starts, axis=0)
    return out.reshape(shape)


def has_integer_array(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any((isinstance(p, np.ndarray) or is_foreign(p)) and p.dtype.kind in "iu"
               for p in parts)


define("onehot", array_onehot, lambda index, n, dim=-1: new_tensor(array_onehot(index, n, dim), None),
       "onehot(index, n, dim)[..., k, ...] = 1 where k equals index along a new axis dim of size n")
define("zeros_like", np.zeros_like, lambda x: new_tensor(np.zeros_like(x._data), None))
def array_unindex(g, shape, index):
    """Indexing's backward: as ``Pieces`` for a basic index (summed when read: see
    pieces.py), else added into zeros now."""
    if is_basic(index) and type(g) is np.ndarray:
        return Pieces(g, shape, index)
    return array_scatter_add(g, shape, index)


define("unindex", array_unindex,
       lambda g, shape, index: gate("ScatterAdd").apply(g, shape=shape, index=index),
       "g put back where x[index] took it from: zeros of shape with g added at index "
       "(repeated indices add up)")
define("scatter_add", array_scatter_add,
       lambda g, shape, index: gate("ScatterAdd").apply(g, shape=shape, index=index),
       "zeros of shape with g added at index (repeated indices add up)")


def array_index_put(x, index, y):
    out = np.array(x, copy=True)
    out[index] = y
    return out


define("index_put", array_index_put,
       lambda x, index, y: gate("IndexPut").apply(x, y, index=index),
       "a copy of x with y written at index (x[index] = y out of place)")


# ----- lists -----------------------------------------------------------------------------
def split(g, sizes, dim):
    bounds = np.cumsum([0] + list(sizes))
    lead = (slice(None),) * (dim % g.ndim)
    return tuple(g[lead + (slice(int(a), int(b)),)] for a, b in zip(bounds[:-1], bounds[1:]))


def unbind(g, dim):
    lead = (slice(None),) * (dim % g.ndim)
    return tuple(g[lead + (i,)] for i in range(g.shape[dim]))


define("split", split, split, "the pieces of g along dim, of the given sizes")
define("unbind", unbind, unbind, "the slices of g along dim")
define("cat", np.concatenate, lambda xs, dim: gate("Cat").apply(*xs, dim=dim))
define("stack", np.stack, lambda xs, dim: gate("Stack").apply(*xs, dim=dim))

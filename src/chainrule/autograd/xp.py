"""The two namespaces a gate's backward runs on: bare arrays, or Tensors (graph of the backward).

Both offer the same functions with NumPy's argument names (``axis``, ``keepdims``), so one
backward formula serves the fast path and the higher-order path alike.
"""
from operator import attrgetter

import numpy as np

from .unbroadcast import reduction_axes


class Arrays:
    """Backward on NumPy arrays: no graph, no overhead."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    where = staticmethod(np.where)
    broadcast_to = staticmethod(np.broadcast_to)
    reshape = staticmethod(np.reshape)
    transpose = staticmethod(np.transpose)
    swapaxes = staticmethod(np.swapaxes)
    expand_dims = staticmethod(np.expand_dims)
    matmul = staticmethod(np.matmul)
    zeros_like = staticmethod(np.zeros_like)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return x.sum(axis=axis, keepdims=keepdims)   # the method skips np.sum's dispatch layer

    # what the gate saved, read by C-level getters: no Python call on the hottest path
    values = staticmethod(attrgetter("arrays"))
    output = staticmethod(attrgetter("out_data"))


    @staticmethod
    def sum_to(g, shape, gate):
        if g.shape == shape:
            return g
        axes = reduction_axes(g.shape, shape, gate)
        return np.sum(g, axis=axes).reshape(shape) if axes else g.reshape(shape)

    @staticmethod
    def conform(g, like, gate):
        """``g`` as the gradient of ``like``: summed back to its shape (undoing broadcasting)
        and in its dtype, as PyTorch's engine casts at every edge."""
        g = Arrays.sum_to(g, like.shape, gate)
        return g if g.dtype == like.dtype else g.astype(like.dtype)


class Tensors:
    """Backward on Tensors: every step is itself recorded, for gradients of gradients."""

    @staticmethod
    def values(node):
        return node.tensors

    @staticmethod
    def output(node):
        return new_tensor(node.out_data, node)


    @staticmethod
    def sum_to(g, shape, gate):
        if g.shape == shape:
            return g
        axes = reduction_axes(g.shape, shape, gate)
        return (g.sum(dim=axes) if axes else g).reshape(shape)

    @staticmethod
    def conform(g, like, gate):
        g = Tensors.sum_to(g, like.shape, gate)
        return g if g.dtype == like.dtype else g.to(like.dtype)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return x.sum(dim=axis, keepdim=keepdims)

    @staticmethod
    def transpose(x, axes):
        return x.permute(*axes)

    @staticmethod
    def swapaxes(x, a, b):
        return x.transpose(a, b)

    @staticmethod
    def expand_dims(x, axis):
        return x.unsqueeze(axis)

    @staticmethod
    def broadcast_to(x, shape):
        return x.expand(*shape)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def zeros_like(x):
        return new_tensor(np.zeros_like(x.data), None)


ARRAYS = Arrays()
TENSORS = Tensors()

from ..tensor import new_tensor  # noqa: E402


def bind_namespaces(ops):
    """Called once the gates exist: the functions each namespace takes from ``ops``."""
    Arrays.scatter_add = staticmethod(ops.scatter_add_array)
    Arrays.softmax = staticmethod(ops.softmax_array)
    Arrays.sigmoid = staticmethod(ops.sigmoid_array)
    Arrays.erf = staticmethod(ops.erf_array)
    Arrays.unfold = staticmethod(ops.unfold_array)
    Arrays.fold = staticmethod(ops.fold_array)
    for fn in ("exp", "log", "sin", "cos", "where", "matmul",
               "scatter_add", "softmax", "sigmoid", "erf", "unfold", "fold"):
        setattr(Tensors, fn, staticmethod(getattr(ops, fn)))

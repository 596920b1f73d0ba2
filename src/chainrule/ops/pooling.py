"""``MaxUnpool2d``: the values of max pooling put back at the positions its indices name.

A gate because PyTorch's unpooling *writes* each value at its index (an index that two
overlapping windows share is written twice with the same value, not added), while its
backward reads the gradient at every index, the repeated ones included; scatter-add would
double such a value.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate
from ..tensor import new_tensor


def planes(shape):
    """(N, C, *) -> (N * C, prod(*)): one row per image plane."""
    return (int(np.prod(shape[:2])), int(np.prod(shape[2:])))


def array_take_planes(g, index):
    """g (N, C, *out) read at index (N, C, *in), each plane at its own flat positions."""
    flat = g.reshape(planes(g.shape))
    return np.take_along_axis(flat, index.reshape(planes(index.shape)), 1).reshape(index.shape)


def tensor_take_planes(g, index):
    flat = g.reshape(planes(tuple(g.shape)))
    idx = index.reshape(planes(index.shape))
    rows = np.arange(idx.shape[0])[:, None]
    return flat[(new_tensor(np.broadcast_to(rows, idx.shape).copy(), None)._data, idx)].reshape(
        index.shape)


def array_unpool(x, index, shape):
    out = np.zeros(planes(shape), dtype=x.dtype)
    np.put_along_axis(out, index.reshape(planes(index.shape)), x.reshape(planes(x.shape)), 1)
    return out.reshape(shape)


define("max_unpool", array_unpool, lambda x, index, shape: gate("MaxUnpool2d").apply(
    x, index=index, shape=shape),
       "max_unpool(x, index, shape): zeros of shape with each plane's x written at its flat "
       "positions index")
define("take_planes", array_take_planes, tensor_take_planes,
       "take_planes(g, index)[n, c, i, j] = g[n, c] at the flat position index[n, c, i, j] of "
       "its plane")


class MaxUnpool2d(Gate):
    """x (N, C, H, W) written into zeros of ``shape`` (N, C, OH, OW) at the flat positions
    ``index`` (per plane, as ``max_pool2d(return_indices=True)`` gives them)."""

    label = "max_unpool2d"
    formula = "max_unpool(x, index, shape)"
    derivatives = {"x": "take_planes(g, index)"}
    saves = ("index", "shape")

    def forward(self, x, index, shape):
        self.index, self.shape = index, tuple(shape)
        return array_unpool(x, index, self.shape)

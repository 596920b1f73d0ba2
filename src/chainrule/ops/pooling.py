"""``MaxPool2d``: the largest value of each window, the gradient going to it; and
``MaxUnpool2d``: the values of max pooling put back at the positions its indices name.

Max pooling is one gate (not windows reduced by MaxDim) because its windows then never get
copied out: forward runs over the kernel offsets on strided views of the image, and backward
puts each gradient at its maximum's position in one write (``kernels/pooling.py``).

A gate because PyTorch's unpooling *writes* each value at its index (an index that two
overlapping windows share is written twice with the same value, not added), while its
backward reads the gradient at every index, the repeated ones included; scatter-add would
double such a value.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import TENSORS, define, gate
from ..kernels import pooling
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


def tensor_unpool_add(g, offset, shape, kernel, stride, padding, dilation):
    """unpool_add through gates (for a gradient of the gradient): g scattered to the flat
    positions of the maxima."""
    index = pooling.pool_index(offset, shape, kernel, stride, padding, dilation)
    planes = np.arange(shape[0] * shape[1]).reshape(shape[0], shape[1], 1, 1)
    flat = (index + planes * (shape[2] * shape[3])).reshape(-1)
    return TENSORS.scatter_add(g.reshape(-1), (int(np.prod(shape)),), flat).reshape(tuple(shape))


define("max_pool2d", lambda *args: pooling.max_pool(*args)[0],
       lambda x, kernel, stride, padding, dilation, ceil_mode: MaxPool2d.apply(
           x, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
           ceil_mode=ceil_mode),
       "max_pool2d(x, kernel, stride, padding, dilation, ceil_mode) = the largest value of each "
       "window (padding never counts)")
define("unpool_add", pooling.unpool_add, tensor_unpool_add,
       "unpool_add(g, offset, shape, kernel, stride, padding, dilation) = zeros of shape with "
       "each window's g added into the cell at its offset (max pooling's gradient: each "
       "window's goes to its maximum)")


class MaxPool2d(Gate):
    """x (N, C, H, W) pooled to (N, C, OH, OW): the largest value in each window, the first
    one on ties, NaN winning as in PyTorch. Its gradient goes to that value: ``offset`` keeps
    which cell of its window it was (``kernels/pooling.py``)."""

    label = "max_pool2d"
    formula = "max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)"
    derivatives = {"x": "unpool_add(g, offset, x.shape, kernel, stride, padding, dilation)"}
    saves = ("kernel", "stride", "padding", "dilation", "ceil_mode", "offset")

    def forward(self, x, kernel, stride, padding, dilation, ceil_mode=False):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.ceil_mode = ceil_mode
        out, self.offset = pooling.max_pool(x, kernel, stride, padding, dilation, ceil_mode)
        return out

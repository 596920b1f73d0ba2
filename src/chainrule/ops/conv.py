"""Sliding windows as gates: ``Unfold`` cuts an image into windows, ``Fold`` sums windows
back into an image (the array work is in ``kernels/windows.py``). Each is the other's
backward, so everything built on them (pooling) has derivatives of every order for free.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate
from ..kernels import windows


def tensor_unfold(x, kernel, stride, padding, dilation):
    return gate("Unfold").apply(x, kernel=kernel, stride=stride, padding=padding,
                                dilation=dilation)


def tensor_fold(x, shape, kernel, stride, padding, dilation):
    return gate("Fold").apply(x, shape=shape, kernel=kernel, stride=stride, padding=padding,
                              dilation=dilation)


define("unfold", windows.unfold, tensor_unfold,
       "unfold(x, kernel, stride, padding, dilation): the sliding windows of image x, "
       "shape (N, OH, OW, KH, KW, C)")
define("fold", windows.fold, tensor_fold,
       "fold(g, shape, kernel, stride, padding, dilation): windows summed back into an image "
       "of shape (N, C, H, W), overlaps added")


class Unfold(Gate):
    """Sliding windows of an image (im2col); its backward is Fold."""

    label = "unfold"
    formula = "unfold(x, kernel, stride, padding, dilation)"
    derivatives = {"x": "fold(g, shape, kernel, stride, padding, dilation)"}
    saves = ("shape", "kernel", "stride", "padding", "dilation")

    def forward(self, x, kernel, stride, padding, dilation, pad_value=0.0):
        self.shape = np.shape(x)
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        return windows.unfold(x, kernel, stride, padding, dilation, pad_value)


class Fold(Gate):
    """Windows summed back into an image (col2im); its backward is Unfold."""

    label = "fold"
    formula = "fold(x, shape, kernel, stride, padding, dilation)"
    derivatives = {"x": "unfold(g, kernel, stride, padding, dilation)"}
    saves = ("shape", "kernel", "stride", "padding", "dilation")

    def forward(self, x, shape, kernel, stride, padding, dilation):
        expected = (shape[0],) + windows.window_geometry(
            shape, kernel, stride, padding, dilation, "fold") + tuple(kernel) + (shape[1],)
        if np.shape(x) != expected:
            raise ValueError(f"fold: windows of shape {np.shape(x)} do not cover an image of "
                             f"shape {tuple(shape)}; expected windows of shape {expected}")
        self.shape = shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        return windows.fold(x, shape, kernel, stride, padding, dilation)


def pair(value, name, op):
    """An int or a pair of ints as a pair (PyTorch's ``_pair``)."""
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value}")
    return value


def unfold(x, kernel, stride=1, padding=0, dilation=1, pad_value=0.0):
    """Sliding windows of an (N, C, H, W) image, shape (N, OH, OW, KH, KW, C).

    >>> import chainrule as cr
    >>> x = cr.arange(16.0).reshape(1, 1, 4, 4)
    >>> cr.ops.unfold(x, 2, stride=2)[0, 0, 0, :, :, 0].tolist()
    [[0.0, 1.0], [4.0, 5.0]]
    """
    return Unfold.apply(x, kernel=pair(kernel, "kernel_size", "unfold"),
                        stride=pair(stride, "stride", "unfold"),
                        padding=pair(padding, "padding", "unfold"),
                        dilation=pair(dilation, "dilation", "unfold"), pad_value=pad_value)


def fold(x, shape, kernel, stride=1, padding=0, dilation=1):
    """Windows (N, OH, OW, KH, KW, C) summed into an image of ``shape`` (N, C, H, W)."""
    return Fold.apply(x, shape=tuple(shape), kernel=pair(kernel, "kernel_size", "fold"),
                      stride=pair(stride, "stride", "fold"),
                      padding=pair(padding, "padding", "fold"),
                      dilation=pair(dilation, "dilation", "fold"))

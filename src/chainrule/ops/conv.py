"""Sliding windows and convolution as gates: ``Unfold`` cuts an image into windows, ``Fold``
sums windows back into an image (the array work is in ``kernels/windows.py``). Each is the
other's backward, so everything built on them (pooling) has derivatives of every order for
free.

``Conv2d`` is a convolution as one gate (the graph and explain show ``conv2d``, not the
windows and matrix products it is computed with). Its rows name three helpers defined here,
with PyTorch's names (``torch.nn.grad.conv2d_input``, ``conv2d_weight``): on arrays they are
``kernels/convolution.py``, one matrix product per group; on tensors (``create_graph``) they
are built from Unfold, Fold and matrix products, so convolutions have higher derivatives too.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate
from ..kernels import convolution, windows


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


def tensor_conv2d(x, W, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    return gate("Conv2d").apply(x, W, b, stride=stride, padding=padding, dilation=dilation,
                                groups=groups)


def output_rows(g, groups):
    """The output gradient (N, O, OH, OW) as rows per group: (G, N * OH * OW, O / G)."""
    n, o, oh, ow = g.shape
    return g.permute(0, 2, 3, 1).reshape(n * oh * ow, groups, o // groups).permute(1, 0, 2)


def tensor_conv2d_input(input_size, W, g, stride, padding, dilation, groups):
    """conv2d_input through gates: the windows' gradient (one matrix product per group),
    summed back onto the image by Fold."""
    o, cg, kh, kw = W.shape
    n, c = input_size[:2]
    oh, ow = g.shape[2:]
    kernels = W.reshape(groups, o // groups, cg, kh, kw).permute(0, 1, 3, 4, 2).reshape(
        groups, o // groups, kh * kw * cg)                        # (G, O / G, KH * KW * Cg)
    cols = (output_rows(g, groups) @ kernels).reshape(groups, n, oh, ow, kh, kw, cg)
    cols = cols.permute(1, 2, 3, 4, 5, 0, 6).reshape(n, oh, ow, kh, kw, c)
    return tensor_fold(cols, tuple(input_size), (kh, kw), stride, padding, dilation)


def tensor_conv2d_weight(x, weight_size, g, stride, padding, dilation, groups):
    """conv2d_weight through gates: the output gradient's rows against x's windows (Unfold)."""
    o, cg, kh, kw = weight_size
    cols = tensor_unfold(x, (kh, kw), stride, padding, dilation)     # (N, OH, OW, KH, KW, C)
    rows = int(np.prod(cols.shape[:3]))
    cols = cols.reshape(rows, kh * kw, groups, cg).permute(2, 0, 1, 3).reshape(
        groups, rows, kh * kw * cg)                                 # (G, R, KH * KW * Cg)
    grads = output_rows(g, groups).permute(0, 2, 1) @ cols           # (G, O / G, KH * KW * Cg)
    return grads.reshape(o, kh, kw, cg).permute(0, 3, 1, 2)


define("conv2d", convolution.conv2d, tensor_conv2d,
       "conv2d(x, W, b, stride, padding, dilation, groups)[n, o, p, q] = b[o] + sum over c, i, "
       "j of W[o, c, i, j] * x[n, c of o's group, p * stride + i * dilation - padding, "
       "q * stride + j * dilation - padding] (x is zero outside the image)")
define("conv2d_input", convolution.conv2d_input, tensor_conv2d_input,
       "conv2d_input(input_size, W, g, ...): g through the transposed convolution with W, "
       "each g[n, o, p, q] * W[o] added back onto the window of x that made out[n, o, p, q]")
define("conv2d_weight", convolution.conv2d_weight, tensor_conv2d_weight,
       "conv2d_weight(x, weight_size, g, ...)[o, c, i, j] = sum over n, p, q of g[n, o, p, q] "
       "* x[n, c of o's group, p * stride + i * dilation - padding, "
       "q * stride + j * dilation - padding]")


class Conv2d(Gate):
    """2-D cross-correlation with PyTorch's geometry (``torch.nn.functional.conv2d``), as one
    gate: x (N, C, H, W), W (O, C / groups, KH, KW), b (O,) or None. The input gradient is
    a transposed convolution of g with W, the weight gradient x's windows against g."""

    label = "conv2d"
    inputs = ("x", "W", "b")
    formula = "conv2d(x, W, b, stride, padding, dilation, groups)"
    derivatives = {
        "x": "conv2d_input(input_size, W, g, stride, padding, dilation, groups)",
        "W": "conv2d_weight(x, weight_size, g, stride, padding, dilation, groups)",
        "b": "channel_sum(g)",
    }
    saves = ("input_size", "weight_size", "stride", "padding", "dilation", "groups")

    def forward(self, x, W, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        self.input_size, self.weight_size = np.shape(x), np.shape(W)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        return convolution.conv2d(x, W, b, stride, padding, dilation, groups)


def array_conv_transpose2d(x, W, b=None, output_size=None, stride=(1, 1), padding=(0, 0),
                           dilation=(1, 1), groups=1):
    out = convolution.conv2d_input(output_size, W, x, stride, padding, dilation, groups)
    return out if b is None else out + b.reshape(-1, 1, 1)


def tensor_conv_transpose2d(x, W, b=None, output_size=None, stride=(1, 1), padding=(0, 0),
                            dilation=(1, 1), groups=1):
    return gate("ConvTranspose2d").apply(x, W, b, output_size=output_size, stride=stride,
                                         padding=padding, dilation=dilation, groups=groups)


define("conv_transpose2d", array_conv_transpose2d, tensor_conv_transpose2d,
       "conv_transpose2d(x, W, b, output_size, ...) = conv2d_input(output_size, W, x, ...) + b: "
       "each x[n, c, p, q] * W[c] added onto the output window that conv2d would read for "
       "(p, q)")


class ConvTranspose2d(Gate):
    """PyTorch's ``conv_transpose2d`` as one gate: the adjoint of ``conv2d`` with the same
    weight, x (N, C_in, H, W), W (C_in, C_out / groups, KH, KW), b (C_out,) or None, out
    (N, C_out, OH, OW) with OH = (H - 1) stride - 2 padding + dilation (KH - 1) +
    output_padding + 1. Its input gradient is a plain convolution of g with W, its weight
    gradient conv2d's weight gradient with the roles of image and output swapped."""

    label = "conv_transpose2d"
    inputs = ("x", "W", "b")
    formula = "conv_transpose2d(x, W, b, output_size, stride, padding, dilation, groups)"
    cases = {
        "fits": {
            "x": "conv2d(g, W, None, stride, padding, dilation, groups)",
            "W": "conv2d_weight(g, weight_size, x, stride, padding, dilation, groups)",
            "b": "channel_sum(g)"},
        # output_padding of a stride or more: the convolution of g has more rows than x (the
        # first are x's gradient), and x, put in zeros of that size, weighs g for W's
        "grown": {
            "x": "conv2d(g, W, None, stride, padding, dilation, groups)[reached]",
            "W": "conv2d_weight(g, weight_size, scatter_add(x, grown, reached), stride, "
                 "padding, dilation, groups)",
            "b": "channel_sum(g)"},
    }
    saves = ("case", "output_size", "weight_size", "stride", "padding", "dilation", "groups",
             "reached", "grown")

    def forward(self, x, W, b=None, output_size=None, stride=(1, 1), padding=(0, 0),
                dilation=(1, 1), groups=1):
        self.output_size, self.weight_size = tuple(output_size), np.shape(W)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        # the rows and columns conv2d makes of the output: x's, or more with a large
        # output_padding (output_padding >= stride, which a dilation allows)
        shape, kernel = np.shape(x), np.shape(W)[2:]
        made = tuple((self.output_size[2 + i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1)
                      - 1) // stride[i] + 1 for i in range(2))
        self.case = "fits" if made == tuple(shape[2:]) else "grown"
        self.grown = tuple(shape[:2]) + made
        self.reached = (slice(None), slice(None), slice(0, shape[2]), slice(0, shape[3]))
        return array_conv_transpose2d(x, W, b, self.output_size, stride, padding, dilation,
                                      groups)


def pair(value, name, op):
    """An int or a pair of ints as a pair (PyTorch's ``_pair``)."""
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    value = tuple(int(v) for v in value)
    if len(value) == 1:   # PyTorch's kernels read one value for both dims
        value = value * 2
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

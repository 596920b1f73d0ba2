"""2-D convolution on NumPy arrays: the forward and its two gradients, each one matrix
product per group over the channels-last windows of ``windows.py``.

Shapes: the image ``x`` (N, C, H, W), the weight (O, C / G, KH, KW), the output
(N, O, OH, OW); G groups each see C / G input channels and make O / G output channels.
With R = N * OH * OW output pixels:

* ``conv2d``: the windows as rows (G, R, KH * KW * C / G) times the weight as
  (G, KH * KW * C / G, O / G): (G, R, O / G), which is the output channels last;
* ``conv2d_input`` (d out / d x, a transposed convolution): the gradient's rows
  (G, R, O / G) times the weight at each kernel offset (KH, KW, G, O / G, C / G) give the
  windows' gradient already ordered by offset, which ``windows.fold_offsets`` sums into the
  image without the transposing copy a plain fold makes;
* ``conv2d_weight`` (d out / d W): the gradient's rows transposed (G, O / G, R) times the
  windows (G, R, KH * KW * C / G).

The names and argument orders are PyTorch's (``torch.nn.grad.conv2d_input`` and
``conv2d_weight``); ``stride``, ``padding`` and ``dilation`` are pairs here. Outputs come
back channels last in memory (transposed views), as the next convolution's windows want.
"""
import numpy as np

from . import windows


def conv2d(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """(N, C, H, W) cross-correlated with (O, C / G, KH, KW), plus bias (O,): (N, O, OH, OW)."""
    o, cg, kh, kw = weight.shape
    cols = windows.grouped_unfold(x, groups, (kh, kw), stride, padding, dilation, op="conv2d")
    _, n, oh, ow = cols.shape[:4]
    rows = cols.reshape(groups, n * oh * ow, kh * kw * cg)
    # (G, KH * KW * Cg, O / G), in the windows' (KH, KW, Cg) order
    kernels = weight.reshape(groups, o // groups, cg, kh, kw).transpose(0, 3, 4, 2, 1)
    out = grouped_matmul(rows, kernels.reshape(groups, kh * kw * cg, o // groups))
    out = out[0] if groups == 1 else out.transpose(1, 0, 2).reshape(n * oh * ow, o)
    if bias is not None:
        out += bias
    return out.reshape(n, oh, ow, o).transpose(0, 3, 1, 2)


def grouped_matmul(a, b):
    """``a @ b`` over a leading axis of groups. One group is one 2-D product: NumPy's stacked
    matmul of a single pair of matrices takes 1.2-2x as long (6272 x 144 x 32: 935 against
    498 us)."""
    if a.shape[0] == 1 and b.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return np.matmul(a, b)


def output_rows(g, groups):
    """The output gradient (N, O, OH, OW) as rows per group: (G, R, O / G)."""
    n, o, oh, ow = g.shape
    return g.transpose(0, 2, 3, 1).reshape(n * oh * ow, groups, o // groups).transpose(1, 0, 2)


def conv2d_input(input_size, weight, g, stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                 groups=1):
    """d out / d x: the output gradient g (N, O, OH, OW) through the transposed convolution
    with weight, back onto an image of shape input_size (N, C, H, W)."""
    o, cg, kh, kw = weight.shape
    n, _, oh, ow = g.shape
    # (KH, KW, G, O / G, Cg): one small matrix per kernel offset and group
    kernels = np.ascontiguousarray(
        weight.reshape(groups, o // groups, cg, kh, kw).transpose(3, 4, 0, 1, 2))
    by_offset = np.matmul(output_rows(g, groups), kernels)      # (KH, KW, G, R, Cg)
    return windows.fold_offsets(by_offset.reshape(kh, kw, groups, n, oh, ow, cg),
                                tuple(input_size), stride, padding, dilation)


def conv2d_weight(x, weight_size, g, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """d out / d W: the windows of x against the output gradient g, for a weight of shape
    weight_size (O, C / G, KH, KW)."""
    o, cg, kh, kw = weight_size
    cols = windows.grouped_unfold(x, groups, (kh, kw), stride, padding, dilation, op="conv2d")
    rows = cols.reshape(groups, -1, kh * kw * cg)
    grads = grouped_matmul(output_rows(g, groups).transpose(0, 2, 1), rows)   # (G, O/G, KH*KW*Cg)
    return np.ascontiguousarray(grads.reshape(o, kh, kw, cg).transpose(0, 3, 1, 2))

"""3-D max and average pooling: ``F.max_pool3d``, ``F.avg_pool3d``, ``nn.MaxPool3d``,
``nn.AvgPool3d``, built on the 2-D pools.

Output depth ``od`` pools the KD input planes ``od * stride + kd * dilation`` of the
depth-padded input. Those planes, stacked (N, C, KD, OD, H, W) and seen as N images of
C * KD * OD channels, go through the 2-D pool at once; then

* max: the largest over kd, gathered (``gather``) from the first kd holding it, or the
  last kd whose maximum is NaN. Each plane's 2-D pool already picked its element as
  PyTorch's does, so the element chosen is PyTorch's (the first largest in (d, h, w) order,
  the last NaN), and the whole gradient goes to it;
* average: the 2-D sums (``divisor_override=1``) added over kd, divided by PyTorch's divisor,
  the product over the three dims of each window's cells (clipped to the padded input, or
  to the input without ``count_include_pad``), or ``divisor_override``.

>>> import chainrule as cr
>>> x = cr.arange(8.0).reshape(1, 1, 2, 2, 2)
>>> cr.nn.functional.max_pool3d(x, 2).flatten().tolist(), cr.nn.functional.avg_pool3d(x, 2).item()
([7.0], 3.5)
"""
import numpy as np

from .. import ops
from ..tensor import new_tensor
from .conv3d import triple
from .pooling import AvgPool, MaxPool
from .pool_functions import avg_pool2d, batched, geometry, max_pool2d
from .resample import pad


def depth_planes(input, kernel, stride, padding, dilation, depth, pad_value):
    """(N, C * KD * OD, H, W): for each kd and output depth, the input plane it pools."""
    n, c, d, h, w = input.shape
    last = (depth - 1) * stride + dilation * (kernel - 1) + 1   # padded depth the windows span
    right = max(0, last - d - padding)                          # padding, and ceil_mode's extra
    if padding or right:
        input = pad(input, (0, 0, 0, 0, padding, right), value=pad_value)
    stop = stride * (depth - 1) + 1
    planes = [input[:, :, k * dilation:k * dilation + stop:stride] for k in range(kernel)]
    return ops.stack(planes, 2).reshape(n, c * kernel * depth, h, w)


def unbatched(fn):
    """Run ``fn`` on an unbatched (C, D, H, W) input as a batch of one."""
    return batched(fn, "D, H, W")


@unbatched
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Largest value of each 3-D window (padding counts as -inf); the gradient goes to it
    (the first in (d, h, w) order). ``return_indices``: also each maximum's flat position in
    its D x H x W volume.

    >>> import chainrule as cr
    >>> x = cr.arange(27.0).reshape(1, 1, 3, 3, 3)
    >>> max_pool3d(x, 2, stride=1, return_indices=True)[1].flatten().tolist()
    [13, 14, 16, 17, 22, 23, 25, 26]
    """
    kernel, stride, padding, dilation, out, _ = geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d", triple)
    n, c, d, h, w = input.shape
    planes = depth_planes(input, kernel[0], stride[0], padding[0], dilation[0], out[0],
                          -np.inf)
    pooled, where = max_pool2d(planes, kernel[1:], stride[1:], padding[1:], dilation[1:],
                               ceil_mode, return_indices=True)
    pooled = pooled.reshape(n, c, kernel[0], *out)
    which = chosen_plane(pooled._data)
    values = pooled.gather(2, new_tensor(which[:, :, None], None)).squeeze(2)
    if not return_indices:
        return values
    plane_index = np.take_along_axis(where._data.reshape(n, c, kernel[0], *out),
                                     which[:, :, None], 2)[:, :, 0]
    depth = (np.arange(out[0]) * stride[0] - padding[0])[:, None, None] + which * dilation[0]
    return values, new_tensor((depth * h * w + plane_index).astype(np.int64), None)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool3d`` with its indices (PyTorch's name for that form).

    >>> import chainrule as cr
    >>> max_pool3d_with_indices(cr.arange(8.0).reshape(1, 2, 2, 2), 2)[1].tolist()
    [[[[7]]]]
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def chosen_plane(pooled):
    """For each window, the kernel depth (axis 2) whose 2-D maximum PyTorch's kernel keeps:
    the first largest, or, where a plane's maximum is NaN, the last such plane (its scan
    keeps the last NaN it meets)."""
    nan = np.isnan(pooled)
    first_largest = np.argmax(np.where(nan, -np.inf, pooled), axis=2)
    last_nan = pooled.shape[2] - 1 - np.argmax(nan[:, :, ::-1], axis=2)
    return np.where(nan.any(2), last_nan, first_largest)


@unbatched
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean of each 3-D window, divided as PyTorch divides: the window clipped to the padded
    input (to the input itself unless ``count_include_pad``), or ``divisor_override``.

    >>> import chainrule as cr
    >>> avg_pool3d(cr.ones(1, 1, 2, 2, 2), 2, padding=1, count_include_pad=False).flatten().tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    kernel, stride, padding, _, out, _ = geometry(
        input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool3d", triple)
    n, c = input.shape[:2]
    planes = depth_planes(input, kernel[0], stride[0], padding[0], 1, out[0], 0.0)
    sums = avg_pool2d(planes, kernel[1:], stride[1:], padding[1:], ceil_mode,
                      divisor_override=1).reshape(n, c, kernel[0], *out).sum(2)
    if divisor_override:
        return sums / divisor_override
    counts = [window_cells(input.shape[2 + i], kernel[i], stride[i], padding[i], out[i],
                           count_include_pad) for i in range(3)]
    divisor = counts[0][:, None, None] * counts[1][None, :, None] * counts[2][None, None, :]
    return sums / new_tensor(divisor.astype(input._data.dtype), None)


def window_cells(size, kernel, stride, padding, out, count_include_pad):
    """Per output position of one dim, the cells its window counts (PyTorch's divisor)."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class MaxPool3d(MaxPool):
    """Largest value of each 3-D window of (N, C, D, H, W) (``F.max_pool3d``).

    >>> import chainrule as cr
    >>> cr.nn.MaxPool3d(2)
    MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    function = max_pool3d


class AvgPool3d(AvgPool):
    """Mean of each 3-D window of (N, C, D, H, W) (``F.avg_pool3d``).

    >>> import chainrule as cr
    >>> cr.nn.AvgPool3d(3, 2, 1)
    AvgPool3d(kernel_size=3, stride=2, padding=1)
    """

    function = avg_pool3d

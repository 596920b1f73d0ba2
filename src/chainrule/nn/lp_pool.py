"""Power-average pooling: ``F.lp_pool1d/2d/3d`` and ``nn.LPPool1d/2d/3d``, each window's ``(sum of x^p) ** (1 / p)``. PyTorch writes it as a
composition (the average pool of ``x^p`` times the window's size, then the 1/p-th power),
and so does chainrule, step for step, so values and gradients are PyTorch's, kinks
included: where a window's sum is 0, the gradient is NaN in both (the 1/p-th power's
derivative is infinite there). ``p = inf`` is the max pool of ``|x|``, ``-inf`` its min.

>>> import chainrule as cr
>>> cr.nn.LPPool1d(2, 2)(cr.tensor([[[3.0, 4.0, 6.0, 8.0]]])).tolist()
[[[5.0, 10.0]]]
"""
import math

from .. import ops
from .module import Module
from .pool3d import avg_pool3d, max_pool3d
from .pool_functions import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d


def window_power_mean(out, size, norm_type):
    """``(sign(out) * relu(|out|) * size) ** (1 / p)``: PyTorch's last steps, exactly."""
    return (out.sign() * ops.relu(out.abs()) * size) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum of x^p over each window) ** (1 / p)`` along the last dim of (N, C, L) or
    (C, L) (``norm_type`` is p; inf: the largest ``|x|``).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.lp_pool1d(cr.tensor([[1.0, 2.0, 2.0, 4.0]]), 1, 2).tolist()
    [[3.0, 6.0]]
    """
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        return sign * max_pool1d(sign * input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    size = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    out = avg_pool1d(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    return window_power_mean(out, size, norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum of x^p over each window) ** (1 / p)`` over the last two dims of (N, C, H, W)
    or (C, H, W) (``norm_type`` is p; inf: the largest ``|x|``).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.lp_pool2d(cr.tensor([[[[1.0, 2.0], [2.0, 4.0]]]]), 2, 2).tolist()
    [[[[5.0]]]]
    """
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        return sign * max_pool2d(sign * input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = avg_pool2d(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    return window_power_mean(out, kh * kw, norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum of x^p over each window) ** (1 / p)`` over the last three dims of
    (N, C, D, H, W) or (C, D, H, W) (``norm_type`` is p; inf: the largest ``|x|``).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.lp_pool3d(cr.full((1, 1, 2, 2, 2), 2.0), 1, 2).flatten().tolist()
    [16.0]
    """
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        return sign * max_pool3d(sign * input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    kd, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else kernel_size
    out = avg_pool3d(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    return window_power_mean(out, kd * kh * kw, norm_type)


class LPPoolNd(Module):
    """The layers' common part: PyTorch's arguments and repr."""

    pool = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):
        return type(self).pool(input, float(self.norm_type), self.kernel_size, self.stride,
                               self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(LPPoolNd):
    """Power-average pooling over windows of the last dim (``F.lp_pool1d``).

    >>> import chainrule as cr
    >>> cr.nn.LPPool1d(2, 3, stride=2)
    LPPool1d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
    """

    pool = staticmethod(lp_pool1d)


class LPPool2d(LPPoolNd):
    """Power-average pooling over windows of the last two dims (``F.lp_pool2d``).

    >>> import chainrule as cr
    >>> tuple(cr.nn.LPPool2d(1.5, (3, 2), stride=(2, 1))(cr.rand(2, 4, 9, 6)).shape)
    (2, 4, 4, 5)
    """

    pool = staticmethod(lp_pool2d)


class LPPool3d(LPPoolNd):
    """Power-average pooling over windows of the last three dims (``F.lp_pool3d``).

    >>> import chainrule as cr
    >>> cr.nn.LPPool3d(2, 2)
    LPPool3d(norm_type=2, kernel_size=2, stride=None, ceil_mode=False)
    """

    pool = staticmethod(lp_pool3d)

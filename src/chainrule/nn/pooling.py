"""Pooling layers beyond ``MaxPool2d`` / ``AvgPool2d`` (in ``nn/conv.py``): ``MaxPool1d``,
``AvgPool1d``, ``AdaptiveAvgPool1d/2d``, ``AdaptiveMaxPool1d/2d``, ``MaxUnpool1d/2d``, each
calling its function in ``nn/pool_functions.py``, with PyTorch's arguments and reprs; and
the bases ``MaxPool`` and ``AvgPool`` that the max and average pools of every dimension share.

>>> import chainrule as cr
>>> pool = cr.nn.AdaptiveAvgPool2d((1, 1))
>>> pool, tuple(pool(cr.ones(2, 3, 5, 7)).shape)
(AdaptiveAvgPool2d(output_size=(1, 1)), (2, 3, 1, 1))
"""
from ..ops.conv import pair
from . import pool_functions as P
from .module import Module
from .pool_functions import single


class MaxPool(Module):
    """What MaxPool1d, 2d and 3d share (PyTorch's ``_MaxPoolNd``): the arguments kept as
    given, the stride defaulting to the kernel size; a subclass names its ``function``."""

    function = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return type(self).function(input, self.kernel_size, self.stride, self.padding,
                                   self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool(Module):
    """What AvgPool2d and AvgPool3d share (PyTorch's: AvgPool1d keeps tuples and has no
    ``divisor_override``); a subclass names its ``function``."""

    function = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return type(self).function(input, self.kernel_size, self.stride, self.padding,
                                   self.ceil_mode, self.count_include_pad,
                                   self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(MaxPool):
    """Largest value of each window of (N, C, L).

    >>> import chainrule as cr
    >>> pool = cr.nn.MaxPool1d(2)
    >>> pool, pool(cr.tensor([[[1.0, 4.0, 3.0, 2.0]]])).tolist()
    (MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False), [[[4.0, 3.0]]])
    """

    function = P.max_pool1d


class AvgPool1d(Module):
    """Mean of each window of (N, C, L).

    >>> import chainrule as cr
    >>> pool = cr.nn.AvgPool1d(2)
    >>> pool, pool(cr.tensor([[[1.0, 4.0, 3.0, 2.0]]])).tolist()
    (AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,)), [[[2.5, 2.5]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = (single(kernel_size, "kernel_size", "AvgPool1d"),)
        self.stride = self.kernel_size if stride is None else (single(stride, "stride",
                                                                      "AvgPool1d"),)
        self.padding = (single(padding, "padding", "AvgPool1d"),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Adaptive(Module):
    """An adaptive pooling: ``fn(input, output_size)`` (None in a size keeps the input's)."""

    fn = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return type(self).fn(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(Adaptive):
    """Mean over PyTorch's adaptive windows of the last dim.

    >>> import chainrule as cr
    >>> cr.nn.AdaptiveAvgPool1d(1)(cr.tensor([[[1.0, 2.0, 6.0]]])).tolist()
    [[[3.0]]]
    """

    fn = staticmethod(P.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(Adaptive):
    """Mean over PyTorch's adaptive windows of the last two dims.

    >>> import chainrule as cr
    >>> tuple(cr.nn.AdaptiveAvgPool2d((2, None))(cr.ones(1, 3, 5, 7)).shape)
    (1, 3, 2, 7)
    """

    fn = staticmethod(P.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(Adaptive):
    """Mean over PyTorch's adaptive windows of the last three dims.

    >>> import chainrule as cr
    >>> tuple(cr.nn.AdaptiveAvgPool3d((1, 2, None))(cr.ones(1, 2, 3, 4, 5)).shape)
    (1, 2, 1, 2, 5)
    """

    fn = staticmethod(P.adaptive_avg_pool3d)


class AdaptiveMaxPool1d(Adaptive):
    """Largest value of PyTorch's adaptive windows of the last dim.

    >>> import chainrule as cr
    >>> cr.nn.AdaptiveMaxPool1d(1)(cr.tensor([[[1.0, 2.0, 6.0]]])).tolist()
    [[[6.0]]]
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return P.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(AdaptiveMaxPool1d):
    """Largest value of PyTorch's adaptive windows of the last two dims.

    >>> import chainrule as cr
    >>> pool = cr.nn.AdaptiveMaxPool2d(1, return_indices=True)
    >>> [t.tolist() for t in pool(cr.arange(4.0).reshape(1, 1, 2, 2))]
    [[[[[3.0]]]], [[[[3]]]]]
    """

    def forward(self, input):
        return P.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class MaxUnpool2d(Module):
    """Values put back at ``max_pool2d``'s indices, zeros elsewhere.

    >>> import chainrule as cr
    >>> pool, unpool = cr.nn.MaxPool2d(2, return_indices=True), cr.nn.MaxUnpool2d(2)
    >>> unpool(*pool(cr.arange(4.0).reshape(1, 1, 2, 2))).tolist()
    [[[[0.0, 0.0], [0.0, 3.0]]]]
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size", "MaxUnpool2d")
        self.stride = pair(kernel_size if stride is None else stride, "stride", "MaxUnpool2d")
        self.padding = pair(padding, "padding", "MaxUnpool2d")

    def forward(self, input, indices, output_size=None):
        return P.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """Values put back at ``max_pool1d``'s indices, zeros elsewhere.

    >>> import chainrule as cr
    >>> pool, unpool = cr.nn.MaxPool1d(2, return_indices=True), cr.nn.MaxUnpool1d(2)
    >>> unpool(*pool(cr.tensor([[[1.0, 3.0]]]))).tolist()
    [[[0.0, 3.0]]]
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        Module.__init__(self)
        self.kernel_size = (single(kernel_size, "kernel_size", "MaxUnpool1d"),)
        self.stride = (single(kernel_size if stride is None else stride, "stride",
                              "MaxUnpool1d"),)
        self.padding = (single(padding, "padding", "MaxUnpool1d"),)

    def forward(self, input, indices, output_size=None):
        return P.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

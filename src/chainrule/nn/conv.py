"""Convolution and pooling layers: ``Conv1d/2d/3d`` (one base, ``Conv``),
``ConvTranspose1d/2d/3d`` (one base, ``ConvTranspose``), ``MaxPool2d``, ``AvgPool2d``, ``Fold``,
``Unfold`` (sliding windows from the Unfold gate; see ``ops/conv.py``). Each layer of a base
names its dims and its function. Weights have PyTorch's shapes, names and default
initialisation."""
from ..ops.conv import pair
from . import functional as F
from .pool_functions import single
from .linear import add_weight_and_bias, empty_parameter
from . import init
from .module import Module
from .pooling import AvgPool, MaxPool
from .conv3d import triple


def ntuple(value, name, dims, op):
    """``value`` as a ``dims``-tuple (PyTorch's ``_single``, ``_pair``, ``_triple``)."""
    if dims == 1:
        return (single(value, name, op),)
    return pair(value, name, op) if dims == 2 else triple(value, name, op)


class Conv(Module):
    """What Conv1d, Conv2d and Conv3d share (PyTorch's ``_ConvNd``): the weight
    (out_channels, in_channels / groups, *kernel), PyTorch's default init, the padding modes.
    A subclass names its ``dims`` and its ``function``."""

    dims, function = 2, None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        op = type(self).__name__
        check_groups(in_channels, out_channels, groups, op)
        check_padding_mode(padding_mode, padding, op)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(kernel_size, "kernel_size", self.dims, op)
        self.stride = ntuple(stride, "stride", self.dims, op)
        self.padding = padding if isinstance(padding, str) \
            else ntuple(padding, "padding", self.dims, op)
        self.dilation = ntuple(dilation, "dilation", self.dims, op)
        self.groups, self.padding_mode = groups, padding_mode
        add_weight_and_bias(self, (out_channels, in_channels // groups) + self.kernel_size, bias,
                            dtype, device)

    def reset_parameters(self):
        init.default_init(self.weight, self.bias)

    def forward(self, input):
        padding = self.padding
        if self.padding_mode != "zeros":
            input, padding = F.pad(input, reversed_twice(self.padding), self.padding_mode), 0
        return type(self).function(input, self.weight, self.bias, self.stride, padding,
                                   self.dilation, self.groups)

    def extra_repr(self):
        return conv_repr(self)


class Conv2d(Conv):
    """2-D cross-correlation with ``out_channels`` learned (in_channels / groups, KH, KW)
    kernels, PyTorch's arguments and default init.

    >>> import chainrule as cr
    >>> conv = cr.nn.Conv2d(1, 4, 3, padding=1)
    >>> tuple(conv(cr.ones(2, 1, 8, 8)).shape)
    (2, 4, 8, 8)
    """

    function = F.conv2d


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def check_padding_mode(mode, padding, op):
    if mode not in PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {PADDING_MODES}, got {mode!r}")
    if mode != "zeros" and isinstance(padding, str) and padding != "valid":
        raise ValueError(f"{op}: padding={padding!r} with padding_mode={mode!r} is not "
                         f"supported; give the padding as numbers")


def reversed_twice(padding):
    """(ph, pw) as F.pad's (left, right, top, bottom): PyTorch's
    ``_reversed_padding_repeated_twice``."""
    if isinstance(padding, str):
        return (0, 0) * 2
    return tuple(p for size in reversed(padding) for p in (size, size))


def conv_repr(m):
    """PyTorch's ``_ConvNd.extra_repr``: defaults left out."""
    text = f"{m.in_channels}, {m.out_channels}, kernel_size={m.kernel_size}, stride={m.stride}"
    zeros = (0,) * len(m.kernel_size)
    if isinstance(m.padding, str):
        text += f", padding={m.padding}"
    elif m.padding != zeros:
        text += f", padding={m.padding}"
    if m.dilation != (1,) * len(m.kernel_size):
        text += f", dilation={m.dilation}"
    if getattr(m, "output_padding", zeros) != zeros:
        text += f", output_padding={m.output_padding}"
    if m.groups != 1:
        text += f", groups={m.groups}"
    if m.bias is None:
        text += ", bias=False"
    if m.padding_mode != "zeros":
        text += f", padding_mode={m.padding_mode}"
    return text


class Conv1d(Conv):
    """1-D cross-correlation of (N, C, L) with ``out_channels`` learned (C / groups, K)
    kernels, PyTorch's arguments and default init.

    >>> import chainrule as cr
    >>> conv = cr.nn.Conv1d(2, 3, 5, padding=2)
    >>> tuple(conv(cr.ones(4, 2, 10)).shape), conv
    ((4, 3, 10), Conv1d(2, 3, kernel_size=(5,), stride=(1,), padding=(2,)))
    """

    dims, function = 1, F.conv1d


def check_groups(in_channels, out_channels, groups, op):
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{op}: in_channels ({in_channels}) and out_channels "
                         f"({out_channels}) must both be divisible by groups ({groups})")


class ConvTranspose(Module):
    """What ConvTranspose1d, 2d and 3d share: the weight (C_in, C_out / groups, *kernel),
    PyTorch's default init, ``forward(input, output_size=None)``. A subclass names its
    ``dims`` and its ``function``."""

    dims, function = 2, None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__()
        op = type(self).__name__
        check_groups(in_channels, out_channels, groups, op)
        if padding_mode != "zeros":
            raise ValueError(f"{op}: only 'zeros' padding mode is supported (as in PyTorch)")
        as_tuple = self.as_tuple
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = as_tuple(kernel_size, "kernel_size")
        self.stride, self.padding = as_tuple(stride, "stride"), as_tuple(padding, "padding")
        self.output_padding = as_tuple(output_padding, "output_padding")
        self.dilation = as_tuple(dilation, "dilation")
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = empty_parameter((in_channels, out_channels // groups) + self.kernel_size,
                                      dtype, device, op)
        self.register_parameter("bias", empty_parameter((out_channels,), dtype) if bias else None)
        # the bias's bound comes from the weight's fan in, its dim 1 times the kernel (PyTorch)
        self.reset_parameters()

    def as_tuple(self, value, name):
        return ntuple(value, name, self.dims, type(self).__name__)

    def reset_parameters(self):
        init.default_init(self.weight, self.bias)

    def forward(self, input, output_size=None):
        return type(self).function(input, self.weight, self.bias, self.stride, self.padding,
                                   self.output_padding_for(input, output_size), self.groups,
                                   self.dilation)

    def output_padding_for(self, input, output_size):
        """PyTorch's ``_output_padding``: the output_padding that gives ``output_size``."""
        if output_size is None:
            return self.output_padding
        size = tuple(output_size)[-self.dims:]
        spatial = tuple(input.shape[-self.dims:])
        padding = []
        for i in range(self.dims):
            smallest = ((spatial[i] - 1) * self.stride[i] - 2 * self.padding[i]
                        + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            extra = size[i] - smallest
            if not 0 <= extra < max(self.stride[i], self.dilation[i]):
                raise ValueError(f"{type(self).__name__}: requested an output size of {size}, "
                                 f"but valid sizes range from {smallest} to "
                                 f"{smallest + self.stride[i] - 1} in dim {i}")
            padding.append(extra)
        return tuple(padding)

    def extra_repr(self):
        return conv_repr(self)


class ConvTranspose2d(ConvTranspose):
    """The transposed 2-D convolution (a learned upsampling), one ConvTranspose2d gate.

    >>> import chainrule as cr
    >>> up = cr.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
    >>> tuple(up(cr.ones(1, 4, 5, 5)).shape)
    (1, 2, 10, 10)
    """

    function = F.conv_transpose2d


class ConvTranspose1d(ConvTranspose):
    """The transposed 1-D convolution of (N, C, L).

    >>> import chainrule as cr
    >>> up = cr.nn.ConvTranspose1d(2, 3, 4, stride=2, padding=1)
    >>> up, tuple(up(cr.ones(1, 2, 5)).shape)
    (ConvTranspose1d(2, 3, kernel_size=(4,), stride=(2,), padding=(1,)), (1, 3, 10))
    """

    dims, function = 1, F.conv_transpose1d


class MaxPool2d(MaxPool):
    """Largest value of each ``kernel_size`` window (stride defaults to the kernel size).

    >>> import chainrule as cr
    >>> pool = cr.nn.MaxPool2d(2)
    >>> pool, pool(cr.arange(4.0).reshape(1, 1, 2, 2)).tolist()
    (MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False), [[[[3.0]]]])
    """

    function = F.max_pool2d


class AvgPool2d(AvgPool):
    """Mean of each ``kernel_size`` window (stride defaults to the kernel size).

    >>> import chainrule as cr
    >>> pool = cr.nn.AvgPool2d(2)
    >>> pool, pool(cr.arange(4.0).reshape(1, 1, 2, 2)).tolist()
    (AvgPool2d(kernel_size=2, stride=2, padding=0), [[[[1.5]]]])
    """

    function = F.avg_pool2d


class Unfold(Module):
    """``F.unfold`` as a layer: (N, C, H, W) -> (N, C * KH * KW, L) sliding blocks.

    >>> import chainrule as cr
    >>> tuple(cr.nn.Unfold(2)(cr.ones(1, 3, 4, 4)).shape)
    (1, 12, 9)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Unfold):
    """``F.fold`` as a layer: (N, C * KH * KW, L) blocks summed into (N, C, H, W).

    >>> import chainrule as cr
    >>> tuple(cr.nn.Fold((4, 4), 2)(cr.ones(1, 12, 9)).shape)
    (1, 3, 4, 4)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return f"output_size={self.output_size}, " + super().extra_repr()


class Conv3d(Conv):
    """3-D cross-correlation with ``out_channels`` learned (in_channels / groups, KD, KH, KW)
    kernels; PyTorch's arguments, parameter names, shapes and default init.

    >>> import chainrule as cr
    >>> conv = cr.nn.Conv3d(2, 4, 3, padding=1, padding_mode="replicate")
    >>> tuple(conv(cr.ones(1, 2, 4, 5, 6)).shape), conv
    ((1, 4, 4, 5, 6), Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1), padding_mode=replicate))
    """

    dims, function = 3, F.conv3d


class ConvTranspose3d(ConvTranspose):
    """The transposed 3-D convolution of (N, C, D, H, W) (``F.conv_transpose3d``).

    >>> import chainrule as cr
    >>> up = cr.nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1, output_padding=1)
    >>> tuple(up(cr.ones(1, 4, 2, 3, 3)).shape)
    (1, 2, 4, 6, 6)
    """

    dims, function = 3, F.conv_transpose3d

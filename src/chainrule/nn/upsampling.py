"""Resampling and padding layers: ``Upsample`` (and ``UpsamplingNearest2d``,
``UpsamplingBilinear2d``), ``PixelShuffle``, ``PixelUnshuffle``, and the padding layers
(``ZeroPad1d/2d``, ``ConstantPad1d/2d``, ``ReflectionPad1d/2d``, ``ReplicationPad1d/2d``,
``CircularPad1d/2d``), each calling ``nn/resample.py``.

>>> import chainrule as cr
>>> up = cr.nn.Upsample(scale_factor=2, mode="bilinear")
>>> up, tuple(up(cr.ones(1, 1, 2, 3)).shape)
(Upsample(scale_factor=2.0, mode='bilinear'), (1, 1, 4, 6))
"""
from . import functional as F
from . import resample as R
from .module import Module


class Upsample(Module):
    """``interpolate(input, size, scale_factor, mode, align_corners)`` as a layer.

    >>> import chainrule as cr
    >>> cr.nn.Upsample(size=3)(cr.tensor([[[1.0, 2.0]]])).tolist()
    [[[1.0, 1.0, 2.0]]]
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return R.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest upsampling of (N, C, H, W) images.

    >>> import chainrule as cr
    >>> tuple(cr.nn.UpsamplingNearest2d(scale_factor=2)(cr.ones(1, 1, 2, 3)).shape)
    (1, 1, 4, 6)
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling with ``align_corners=True`` (this layer's PyTorch definition).

    >>> import chainrule as cr
    >>> cr.nn.UpsamplingBilinear2d(size=(1, 3))(cr.tensor([[[[0.0, 2.0]]]])).tolist()
    [[[[0.0, 1.0, 2.0]]]]
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(N, C r^2, H, W) -> (N, C, H r, W r).

    >>> import chainrule as cr
    >>> shuffle = cr.nn.PixelShuffle(2)
    >>> shuffle, tuple(shuffle(cr.ones(1, 8, 3, 3)).shape)
    (PixelShuffle(upscale_factor=2), (1, 2, 6, 6))
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return R.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(N, C, H r, W r) -> (N, C r^2, H, W).

    >>> import chainrule as cr
    >>> tuple(cr.nn.PixelUnshuffle(2)(cr.ones(1, 2, 4, 4)).shape)
    (1, 8, 2, 2)
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return R.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """(N, C, *) with its channels seen as (groups, C / groups) and transposed.

    >>> import chainrule as cr
    >>> cr.nn.ChannelShuffle(2)(cr.arange(4.0).reshape(1, 4, 1)).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


# ----- padding ----------------------------------------------------------------------------
class Pad(Module):
    """A padding layer: ``pad(input, padding, mode)`` over the last ``dims`` dims; an int
    pads every side by it."""

    mode, dims = "constant", 1

    def __init__(self, padding):
        super().__init__()
        self.padding = (int(padding),) * (2 * self.dims) if isinstance(padding, int) \
            else tuple(padding)
        if len(self.padding) != 2 * self.dims:
            raise ValueError(f"{type(self).__name__}: padding must be an int or "
                             f"{2 * self.dims} ints, got {padding}")

    def forward(self, input):
        return R.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad1d(Pad):
    """Pads the last dim with ``value``.

    >>> import chainrule as cr
    >>> pad = cr.nn.ConstantPad1d(1, 3.5)
    >>> pad, pad(cr.zeros(1, 1)).tolist()
    (ConstantPad1d(padding=(1, 1), value=3.5), [[3.5, 0.0, 3.5]])
    """

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return R.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pads the last two dims with ``value``.

    >>> import chainrule as cr
    >>> tuple(cr.nn.ConstantPad2d((1, 1, 0, 2), 1.0)(cr.zeros(1, 2, 2)).shape)
    (1, 4, 4)
    """

    dims = 2


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros.

    >>> import chainrule as cr
    >>> cr.nn.ZeroPad1d((1, 0))(cr.ones(1, 2)).tolist()
    [[0.0, 1.0, 1.0]]
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    """Pads the last two dims with zeros: ``(left, right, top, bottom)`` or one int.

    >>> import chainrule as cr
    >>> tuple(cr.nn.ZeroPad2d((1, 0, 2, 0))(cr.ones(1, 1, 2, 2)).shape)
    (1, 1, 4, 3)
    """

    dims = 2


class ReflectionPad1d(Pad):
    """Pads the last dim with its reflection (the edge value not repeated).

    >>> import chainrule as cr
    >>> cr.nn.ReflectionPad1d(2)(cr.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """

    mode = "reflect"


class ReflectionPad2d(Pad):
    """Pads the last two dims with their reflection.

    >>> import chainrule as cr
    >>> cr.nn.ReflectionPad2d((1, 0, 0, 0))(cr.tensor([[[1.0, 2.0]]])).tolist()
    [[[2.0, 1.0, 2.0]]]
    """

    mode, dims = "reflect", 2


class ReplicationPad1d(Pad):
    """Pads the last dim with copies of the edge value.

    >>> import chainrule as cr
    >>> cr.nn.ReplicationPad1d((2, 1))(cr.tensor([[1.0, 2.0]])).tolist()
    [[1.0, 1.0, 1.0, 2.0, 2.0]]
    """

    mode = "replicate"


class ReplicationPad2d(Pad):
    """Pads the last two dims with copies of the edge values.

    >>> import chainrule as cr
    >>> cr.nn.ReplicationPad2d((0, 0, 1, 0))(cr.tensor([[[1.0, 2.0]]])).tolist()
    [[[1.0, 2.0], [1.0, 2.0]]]
    """

    mode, dims = "replicate", 2


class CircularPad1d(Pad):
    """Pads the last dim by wrapping around.

    >>> import chainrule as cr
    >>> cr.nn.CircularPad1d((1, 2))(cr.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]
    """

    mode = "circular"


class CircularPad2d(Pad):
    """Pads the last two dims by wrapping around.

    >>> import chainrule as cr
    >>> tuple(cr.nn.CircularPad2d(1)(cr.ones(1, 1, 2, 2)).shape)
    (1, 1, 4, 4)
    """

    mode, dims = "circular", 2


class ZeroPad3d(ZeroPad1d):
    """Pads the last three dims with zeros.

    >>> import chainrule as cr
    >>> tuple(cr.nn.ZeroPad3d(1)(cr.ones(1, 2, 2, 2)).shape)
    (1, 4, 4, 4)
    """

    dims = 3


class ConstantPad3d(ConstantPad1d):
    """Pads the last three dims with ``value``.

    >>> import chainrule as cr
    >>> cr.nn.ConstantPad3d((1, 0, 0, 0, 0, 0), 2.0)(cr.zeros(1, 1, 1)).tolist()
    [[[2.0, 0.0]]]
    """

    dims = 3


class ReflectionPad3d(Pad):
    """Pads the last three dims with their reflection.

    >>> import chainrule as cr
    >>> tuple(cr.nn.ReflectionPad3d(1)(cr.ones(1, 1, 2, 2, 2)).shape)
    (1, 1, 4, 4, 4)
    """

    mode, dims = "reflect", 3


class ReplicationPad3d(Pad):
    """Pads the last three dims with copies of the edge values.

    >>> import chainrule as cr
    >>> tuple(cr.nn.ReplicationPad3d((1, 1, 0, 0, 2, 0))(cr.ones(1, 1, 2, 2, 2)).shape)
    (1, 1, 4, 2, 4)
    """

    mode, dims = "replicate", 3


class CircularPad3d(Pad):
    """Pads the last three dims by wrapping around.

    >>> import chainrule as cr
    >>> tuple(cr.nn.CircularPad3d(1)(cr.ones(1, 1, 2, 2, 2)).shape)
    (1, 1, 4, 4, 4)
    """

    mode, dims = "circular", 3

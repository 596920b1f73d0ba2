"""3-D convolution, ``F.conv3d`` and ``F.conv_transpose3d`` (the layers, ``nn.Conv3d`` and
``nn.ConvTranspose3d``, are in conv.py), built on the 2-D gates.

A 3-D kernel of depth KD reads, for output depth ``od``, the KD input planes
``od * stride + kd * dilation``. Stacking those KD planes as channels turns the 3-D
convolution into a 2-D one over every (sample, output depth) pair: the input becomes
(N * OD, groups * KD * C / groups, H, W), the weight (O, KD * C / groups, KH, KW), and one
``Conv2d`` gate computes all of it (its matrix product, its rows, its higher derivatives).
The planes are strided slices of the depth-padded input, stacked: indexing and reshapes,
whose gradients add back into the input. Memory: the input copied KD times.

>>> import chainrule as cr
>>> import chainrule.nn.functional as F
>>> F.conv3d(cr.ones(1, 1, 3, 3, 3), cr.ones(1, 1, 2, 2, 2)).flatten().tolist()
[8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
"""
import numpy as np

from .. import ops
from ..tensor import new_tensor
from .resample import pad


def triple(value, name, op):
    """An int or a 3-tuple as a 3-tuple of ints (PyTorch's ``_triple``)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 3:
            raise ValueError(f"{op}: {name} must be an int or a 3-tuple, got {tuple(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * 3


def same_padding(kernel, dilation, stride, op):
    """(left, right) per dim of padding='same'; PyTorch refuses it with a stride."""
    if stride != (1, 1, 1):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                         f"(stride={stride})")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [(t // 2, t - t // 2) for t in totals]   # an odd total's extra cell on the right


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation of (N, C, D, H, W) or (C, D, H, W) with a weight
    (O, C / groups, KD, KH, KW), as ``torch.nn.functional.conv3d`` (``padding`` also
    'same' or 'valid'): one ``Conv2d`` gate over the stacked depth planes (see the module).

    >>> import chainrule as cr
    >>> tuple(conv3d(cr.ones(2, 4, 5, 6, 7), cr.ones(6, 2, 3, 3, 3), groups=2, padding=1).shape)
    (2, 6, 5, 6, 7)
    """
    op = "conv3d"
    if input.ndim == 4:
        return conv3d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    if input.ndim != 5 or weight.ndim != 5:
        raise ValueError(f"{op}: expected an input (N, C, D, H, W) or (C, D, H, W) and a "
                         f"weight (O, C / groups, KD, KH, KW), got shapes "
                         f"{tuple(input.shape)} and {tuple(weight.shape)}")
    out_channels, group_channels, *kernel = weight.shape
    if input.shape[1] != group_channels * groups or out_channels % groups:
        raise ValueError(f"{op}: input of shape {tuple(input.shape)} has {input.shape[1]} "
                         f"channels, but a weight of shape {tuple(weight.shape)} with "
                         f"groups={groups} expects {group_channels * groups} (and out "
                         f"channels divisible by groups)")
    stride, dilation = triple(stride, "stride", op), triple(dilation, "dilation", op)
    if padding == "same":
        sides = same_padding(kernel, dilation, stride, op)
        input = pad(input, tuple(p for side in reversed(sides) for p in side))
        padding = (0, 0, 0)
    padding = (0, 0, 0) if padding == "valid" else triple(padding, "padding", op)
    if padding[0]:
        input = pad(input, (0, 0, 0, 0, padding[0], padding[0]))
    planes = depth_planes(input, kernel[0], stride[0], dilation[0], groups, op)
    flat_weight = weight.permute(0, 2, 1, 3, 4).reshape(
        out_channels, kernel[0] * group_channels, kernel[1], kernel[2])
    out = ops.Conv2d.apply(planes, flat_weight, None, stride=stride[1:], padding=padding[1:],
                           dilation=dilation[1:], groups=groups)
    n, depth = input.shape[0], planes.shape[0] // input.shape[0]
    out = out.reshape(n, depth, out_channels, *out.shape[2:]).permute(0, 2, 1, 3, 4)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1, 1)


def depth_planes(input, kd, stride, dilation, groups, op):
    """The KD input planes that output depth od reads, stacked as channels:
    (N * OD, groups * KD * C / groups, H, W), each group's channels kept together."""
    n, c, d, h, w = input.shape
    depth = (d - dilation * (kd - 1) - 1) // stride + 1
    if depth < 1:
        raise ValueError(f"{op}: the kernel's depth {kd} (dilation {dilation}) is larger than "
                         f"the padded input's depth {d}")
    stop = stride * (depth - 1) + 1
    slices = [input[:, :, k * dilation:k * dilation + stop:stride] for k in range(kd)]
    stacked = ops.stack(slices, 2)                                   # (N, C, KD, OD, H, W)
    stacked = stacked.reshape(n, groups, c // groups, kd, depth, h, w)
    return stacked.permute(0, 4, 1, 3, 2, 5, 6).reshape(n * depth, groups * kd * (c // groups),
                                                        h, w)



def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transposed 3-D convolution (the adjoint of ``conv3d``), weight
    (C_in, C_out / groups, KD, KH, KW), output size (D - 1) stride - 2 padding +
    dilation (KD - 1) + output_padding + 1 per dim: for each kernel depth kd, every input
    plane goes through the 2-D transposed convolution (one ``ConvTranspose2d`` gate) and
    lands at depth ``d * stride + kd * dilation``; the planes add up there.

    >>> import chainrule as cr
    >>> tuple(conv_transpose3d(cr.ones(1, 2, 3, 3, 3), cr.ones(2, 4, 2, 2, 2), stride=2).shape)
    (1, 4, 6, 6, 6)
    """
    op = "conv_transpose3d"
    if input.ndim == 4:
        return conv_transpose3d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    if input.ndim != 5 or weight.ndim != 5:
        raise ValueError(f"{op}: expected an input (N, C, D, H, W) or (C, D, H, W) and a "
                         f"weight (C_in, C_out / groups, KD, KH, KW), got shapes "
                         f"{tuple(input.shape)} and {tuple(weight.shape)}")
    stride, padding = triple(stride, "stride", op), triple(padding, "padding", op)
    output_padding, dilation = triple(output_padding, "output_padding", op), \
        triple(dilation, "dilation", op)
    n, c, *spatial = input.shape
    if c != weight.shape[0] or weight.shape[0] % groups:
        raise ValueError(f"{op}: input of shape {tuple(input.shape)} has {c} channels, but "
                         f"the weight {tuple(weight.shape)} expects {weight.shape[0]} "
                         f"(divisible by groups={groups})")
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output padding must be smaller than either stride or "
                         f"dilation, but got output_padding={output_padding}, "
                         f"stride={stride}, dilation={dilation}")
    out_channels, kernel = weight.shape[1] * groups, tuple(weight.shape[2:])
    size = tuple((spatial[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1)
                 + output_padding[i] + 1 for i in range(3))
    if min(size) < 1:
        raise ValueError(f"{op}: the output would be {size}; padding {padding} is too large "
                         f"for an input of size {tuple(spatial)}")
    depth = spatial[0]
    planes = input.permute(0, 2, 1, 3, 4).reshape(n * depth, c, *spatial[1:])
    full = size[0] + 2 * padding[0]   # the depth before padding is cropped
    out = None
    for k in range(kernel[0]):
        y = ops.ConvTranspose2d.apply(planes, weight[:, :, k], None,
                                      output_size=(n * depth, out_channels) + size[1:],
                                      stride=stride[1:], padding=padding[1:],
                                      dilation=dilation[1:], groups=groups)
        y = spread(y.reshape(n, depth, out_channels, *size[1:]).permute(0, 2, 1, 3, 4),
                   stride[0])
        start = k * dilation[0]
        y = pad(y, (0, 0, 0, 0, start, full - start - y.shape[2]))
        out = y if out is None else out + y
    out = out[:, :, padding[0]:padding[0] + size[0]]
    return out if bias is None else out + bias.reshape(1, -1, 1, 1, 1)


def spread(planes, stride):
    """(N, C, D, H, W) with ``stride - 1`` zero planes between consecutive planes."""
    if stride == 1:
        return planes
    n, c, d, h, w = planes.shape
    zeros = new_tensor(np.zeros((n, c, d, h, w), planes._data.dtype), None)
    woven = ops.stack([planes] + [zeros] * (stride - 1), 3).reshape(n, c, d * stride, h, w)
    return woven[:, :, :(d - 1) * stride + 1]

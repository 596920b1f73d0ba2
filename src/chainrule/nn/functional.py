"""``chainrule.nn.functional``: the layers and losses as functions (PyTorch's ``F``).

Each function is a gate from ``ops`` or a short composition of gates, so everything here
has a backward (and, through the gates, higher derivatives) without code of its own.

>>> import chainrule as cr
>>> import chainrule.nn.functional as F
>>> F.relu(cr.tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""
import math

import numpy as np

from .. import ops
from ..autograd.grad_mode import no_grad
from ..kernels import windows as window_kernels
from ..ops.conv import pair
from ..random import numpy_generator
from ..tensor import Tensor, new_tensor
from .loss import (mse_loss, l1_loss, huber_loss, cross_entropy,  # noqa: F401
                   nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits)

linear = ops.linear
sigmoid = ops.sigmoid
tanh = ops.tanh
RELU = ops.Relu.apply


# ----- activations ----------------------------------------------------------------------
def relu(input, inplace=False):
    """``max(0, x)`` (``inplace`` is accepted and ignored: the graph may need the input)."""
    return RELU(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""
    return ops.leaky_relu(input, negative_slope)


def gelu(input, approximate="none"):
    """``x * Phi(x)`` (exact, through erf) or its tanh approximation.

    >>> import chainrule as cr
    >>> round(gelu(cr.tensor(1.0, dtype=cr.float64), approximate="tanh").item(), 6)
    0.841192
    """
    if approximate == "none":
        return ops.gelu(input)
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1 + inner.tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where beta * x > threshold."""
    scaled = input * beta if beta != 1 else input
    smooth = ops.softplus(scaled)
    if beta != 1:
        smooth = smooth / beta
    return ops.where(scaled._data > threshold, input, smooth)


def softmax(input, dim):
    """``exp(x) / sum(exp(x), dim)``, stable at any logit."""
    return ops.softmax(input, dim)


def log_softmax(input, dim):
    """``x - logsumexp(x, dim)``, stable at any logit."""
    return ops.log_softmax(input, dim)


# ----- layers ---------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    keep = numpy_generator(generator).random(input.shape) >= p
    return ops.dropout(input, keep.astype(input.dtype) / np.asarray(1 - p, input.dtype))


def embedding(input, weight, padding_idx=None):
    """Rows of ``weight`` picked by the integer tensor ``input``; the ``padding_idx`` row
    gets no gradient."""
    index = input._data if isinstance(input, Tensor) else np.asarray(input)
    if index.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {index.dtype}")
    rows = weight.shape[0]
    if index.size and (index.min() < 0 or index.max() >= rows):
        bad = index[(index < 0) | (index >= rows)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {rows} embeddings "
                         f"(valid: 0 to {rows - 1})")
    out = ops.getitem(weight, index)
    if padding_idx is None:
        return out
    padding = (index == padding_idx % rows)[..., None]
    return ops.where(padding, new_tensor(weight._data[index], None), out)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``: one Conv2d gate (the graph
    shows a convolution; its arrays are sliding windows and one matrix product per group).

    >>> import chainrule as cr
    >>> conv2d(cr.ones(1, 1, 3, 3), cr.ones(1, 1, 2, 2)).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    if input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    kernel = tuple(weight.shape[2:])
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    padding = conv_padding(padding, kernel, stride, dilation)
    c = input.shape[1]
    out_channels, group_channels = weight.shape[:2]
    if c != group_channels * groups or out_channels % groups:
        raise ValueError(f"conv2d: input of shape {tuple(input.shape)} has {c} channels, but a "
                         f"weight of shape {tuple(weight.shape)} with groups={groups} expects "
                         f"{group_channels * groups} (and out channels divisible by groups)")
    return ops.Conv2d.apply(input, weight, bias, stride=stride, padding=padding,
                            dilation=dilation, groups=groups)


def conv_padding(padding, kernel, stride, dilation):
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if stride != (1, 1) or any(t % 2 for t in totals):
            raise ValueError(f"conv2d: padding='same' needs stride 1 and an odd effective "
                             f"kernel here (kernel {kernel}, dilation {dilation}); give "
                             f"padding as numbers instead")
        return tuple(t // 2 for t in totals)
    return pair(padding, "padding", "conv2d")


def pool_windows(input, kernel_size, stride, padding, dilation, ceil_mode, op, pad_value):
    """The (N, OH, OW, KH * KW, C) windows a pooling reduces over axis 3."""
    if ceil_mode:
        raise ValueError(f"{op}: ceil_mode=True is not supported; pad the input so the "
                         f"windows fit, or use ceil_mode=False")
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    padding = pair(padding, "padding", op)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {padding} should be at most half of kernel "
                         f"size {kernel}")
    windows = ops.unfold(input, kernel, stride, padding, pair(dilation, "dilation", op),
                         pad_value=pad_value)
    n, oh, ow = windows.shape[:3]
    return windows.reshape(n, oh, ow, -1, input.shape[1]), kernel, stride, padding


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Largest value in each window (padding counts as -inf); the gradient goes to it."""
    if input.ndim == 3:
        return max_pool2d(input.unsqueeze(0), kernel_size, stride, padding, dilation,
                          ceil_mode, return_indices).squeeze(0)
    if return_indices:
        raise ValueError("max_pool2d: return_indices=True is not supported; the gradient "
                         "already goes to each window's maximum")
    windows, *_ = pool_windows(input, kernel_size, stride, padding, dilation, ceil_mode,
                               "max_pool2d", -np.inf)
    return ops.MaxDim.apply(windows, dim=3).permute(0, 3, 1, 2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean of each window; padding zeros count unless ``count_include_pad=False``."""
    if input.ndim == 3:
        return avg_pool2d(input.unsqueeze(0), kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override).squeeze(0)
    windows, kernel, stride, padding = pool_windows(input, kernel_size, stride, padding, 1,
                                                    ceil_mode, "avg_pool2d", 0.0)
    if divisor_override:
        out = windows.sum(dim=3) / divisor_override
    elif count_include_pad or padding == (0, 0):
        out = windows.mean(dim=3)
    else:
        ones = np.ones((1, 1) + tuple(input.shape[2:]), dtype=input.dtype)
        counts = window_kernels.unfold(ones, kernel, stride, padding, (1, 1)).sum(axis=(3, 4, 5))
        out = windows.sum(dim=3) / counts[0, :, :, None]
    return out.permute(0, 3, 1, 2)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's ``F.unfold``: (N, C, H, W) -> (N, C * KH * KW, L) sliding blocks."""
    windows = ops.unfold(input, kernel_size, stride, padding, dilation)
    n, oh, ow, kh, kw, c = windows.shape   # sizes, not -1: an empty batch has no -1
    return windows.permute(0, 5, 3, 4, 1, 2).reshape(n, c * kh * kw, oh * ow)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's ``F.fold``: (N, C * KH * KW, L) blocks summed into (N, C, H, W)."""
    kernel = pair(kernel_size, "kernel_size", "fold")
    size = pair(output_size, "output_size", "fold")
    n, rows, _ = input.shape
    channels = rows // (kernel[0] * kernel[1])
    stride, padding = pair(stride, "stride", "fold"), pair(padding, "padding", "fold")
    dilation = pair(dilation, "dilation", "fold")
    oh, ow = (window_kernels.output_size(size[i], kernel[i], stride[i], padding[i], dilation[i])
              for i in range(2))
    windows = input.reshape(n, channels, kernel[0], kernel[1], oh, ow).permute(0, 4, 5, 2, 3, 1)
    return ops.fold(windows, (n, channels) + size, kernel, stride, padding, dilation)


def flatten(input, start_dim=1, end_dim=-1):
    return ops.flatten(input, start_dim, end_dim)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over every dim but the channel (1).

    In training the batch statistics normalise and the running ones are updated in place
    (running = (1 - momentum) * running + momentum * batch, with the unbiased variance).
    """
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if input._data.size == 0:   # an empty batch: nothing to normalise, nor to learn (PyTorch)
        out = input * 1
        if input.ndim < 2:
            return out
    elif training:
        count = input._data.size // input.shape[1]
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {tuple(input.shape)}")
        mean = input.mean(dim=dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dim=dims, keepdim=True)
        if running_mean is not None:
            with no_grad():
                running_mean._data[...] = ((1 - momentum) * running_mean._data
                                          + momentum * mean._data.reshape(-1))
                running_var._data[...] = ((1 - momentum) * running_var._data
                                         + momentum * var._data.reshape(-1) * count / (count - 1))
        out = centred / (var + eps).sqrt()
    else:
        mean = running_mean._data.reshape(shape)
        out = (input - mean) / np.sqrt(running_var._data.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last len(normalized_shape) dims."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ValueError(f"layer_norm: the input's last dims {tuple(input.shape)} must be "
                         f"normalized_shape {shape}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    return ops.layers.LayerNorm.apply(input, weight, bias, dims=dims, eps=eps)


# ----- attention (ops/attention.py) ---------------------------------------------------
scaled_dot_product_attention = ops.attention.scaled_dot_product_attention


def one_hot(tensor, num_classes=-1):
    """Integer class indices as a one-hot int64 tensor (no gradient)."""
    index = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    classes = int(index.max()) + 1 if num_classes < 0 else num_classes
    return new_tensor((index[..., None] == np.arange(classes)).astype(np.int64), None)


"""``chainrule.nn.functional``: the layers and losses as functions (PyTorch's ``F``).

Each function is a gate from ``ops`` or a short composition of gates, so everything here
has a backward (and, through the gates, higher derivatives) without code of its own.

>>> import chainrule as cr
>>> import chainrule.nn.functional as F
>>> F.relu(cr.tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""
import math
import warnings

import numpy as np

from .. import ops
from ..autograd.grad_mode import no_grad
from ..kernels import windows as window_kernels
from ..ops.compare import Masks
from ..ops.conv import pair
from ..ops.norm import group_norm as group_norm_gate
from ..random import numpy_generator
from ..tensor import Tensor, new_tensor
from .activation_functions import (silu, elu, selu, celu, mish, hardtanh, relu6,  # noqa: F401
                                   hardsigmoid, hardswish, glu, logsigmoid, prelu, softsign,
                                   tanhshrink, softshrink, hardshrink, threshold)
from .distance import normalize, cosine_similarity, pairwise_distance, pdist  # noqa: F401
from .in_place import in_place
from .inplace_activations import (relu_, leaky_relu_, elu_, celu_, selu_,  # noqa: F401
                                  hardtanh_, threshold_, rrelu, rrelu_)
from .loss import (mse_loss, l1_loss, huber_loss, cross_entropy,  # noqa: F401
                   nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits)
from .more_losses import (smooth_l1_loss, kl_div, poisson_nll_loss,  # noqa: F401
                          gaussian_nll_loss, margin_ranking_loss, hinge_embedding_loss,
                          triplet_margin_loss, cosine_embedding_loss,
                          multilabel_soft_margin_loss, soft_margin_loss, multilabel_margin_loss,
                          triplet_margin_with_distance_loss, multi_margin_loss)
from .lp_pool import lp_pool1d, lp_pool2d, lp_pool3d  # noqa: F401
from .conv3d import conv3d, conv_transpose3d  # noqa: F401
from .alpha_dropout import alpha_dropout, feature_alpha_dropout  # noqa: F401
from .pool3d import max_pool3d, avg_pool3d, max_pool3d_with_indices  # noqa: F401
from .embedding_bag import embedding_bag  # noqa: F401
from .gumbel import gumbel_softmax  # noqa: F401
from .grid_sample import affine_grid, grid_sample  # noqa: F401
from .pool_functions import single
from .pool_functions import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d,  # noqa: F401
                             adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                             adaptive_max_pool1d,
                             adaptive_max_pool2d, max_unpool1d, max_unpool2d)
from .resample import pad, interpolate, pixel_shuffle, pixel_unshuffle  # noqa: F401

linear = ops.linear
sigmoid = ops.sigmoid
tanh = ops.tanh
RELU = ops.Relu.apply


# ----- activations ----------------------------------------------------------------------
def relu(input, inplace=False):
    """``max(0, x)``; ``inplace=True`` is ``relu_`` (the input changed and returned).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.relu(cr.tensor([-2.0, 0.5, 3.0])).tolist()
    [0.0, 0.5, 3.0]
    >>> x = cr.tensor([-2.0, 0.5, 3.0])
    >>> F.relu(x, inplace=True) is x, x.tolist()
    (True, [0.0, 0.5, 3.0])
    """
    return relu_(input) if inplace else RELU(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` for x > 0, ``negative_slope * x`` otherwise; ``inplace=True`` is ``leaky_relu_``.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.leaky_relu(cr.tensor([-2.0, 0.5, 3.0]), 0.1).tolist()
    [-0.20000000298023224, 0.5, 3.0]
    """
    return leaky_relu_(input, negative_slope) if inplace else ops.leaky_relu(input, negative_slope)


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
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where beta * x > threshold.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.softplus(cr.tensor([0.0, 30.0])).tolist()[1], round(F.softplus(cr.tensor([0.0])).item(), 4)
    (30.0, 0.6931)
    """
    scaled = input * beta if beta != 1 else input
    smooth = ops.softplus(scaled)
    if beta != 1:
        smooth = smooth / beta
    return ops.where(scaled > threshold, input, smooth)   # a mask gate in export


def implicit_dim(dim, input, name):
    """``dim``, or PyTorch's legacy choice when none is given (0 for 0-, 1- and 3-D inputs,
    else 1) with its deprecation warning: older code calls ``F.log_softmax(x)``."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if input.ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x), dim)``, stable at any logit (``dtype``: computed in it).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.softmax(cr.tensor([[1.0, 1.0], [0.0, 0.0]]), dim=1).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    return ops.softmax(input, implicit_dim(dim, input, "softmax"), dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x - logsumexp(x, dim)``, stable at any logit (``dtype``: computed in it).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.log_softmax(cr.tensor([0.0, 0.0]), dim=0).exp().tolist()
    [0.5, 0.5]
    """
    return ops.log_softmax(input, implicit_dim(dim, input, "log_softmax"), dtype=dtype)


# ----- layers ---------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p)
    (``inplace=True``: written into the input, as PyTorch's ``dropout_``).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.dropout(cr.ones(4), 0.5, training=False).tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> kept = F.dropout(cr.ones(1000), 0.25)
    >>> sorted(set(kept.tolist())) == [0.0, 4 / 3]
    False
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p}")
    if not training or p == 0:
        return input
    if inplace:
        return in_place(dropout, input, "dropout_", p=p, generator=generator)
    if p == 1:
        return input * 0
    keep = numpy_generator(generator).random(input.shape) >= p
    return ops.dropout(input, keep.astype(input.dtype) / np.asarray(1 - p, input.dtype))


def feature_dropout(input, p, training, spatial, op, inplace=False):
    """Dropout of whole channels: one draw per (sample, channel), the ``spatial`` trailing dims
    sharing it (PyTorch's dropout1d/2d/3d); an unbatched input (C, *spatial) too."""
    if inplace and training and p > 0:
        return in_place(feature_dropout, input, op + "_", p=p, training=True, spatial=spatial,
                        op=op)
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: probability p must be between 0 and 1, got {p}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{op}: expected an input of {spatial + 1} or {spatial + 2} dims "
                         f"(C, *spatial) or (N, C, *spatial), got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    lead = tuple(input.shape[:input.ndim - spatial])
    keep = numpy_generator(None).random(lead) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    mask = (keep * scale).astype(input._data.dtype).reshape(lead + (1,) * spatial)
    return input * new_tensor(mask, None)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) with probability ``p``, scale the rest by 1 / (1 - p).

    >>> import chainrule as cr
    >>> out = dropout1d(cr.ones(4, 8, 5), 0.5)
    >>> sorted(set(out.sum(2).flatten().tolist()))   # a channel is all 0 or all 2
    [0.0, 10.0]
    """
    return feature_dropout(input, p, training, 1, "dropout1d", inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) with probability ``p``, scale the rest.

    >>> import chainrule as cr
    >>> dropout2d(cr.ones(2, 3, 4, 4), 0.5, training=False).sum().item()
    96.0
    """
    return feature_dropout(input, p, training, 2, "dropout2d", inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) with probability ``p``, scale the rest.

    >>> import chainrule as cr
    >>> tuple(dropout3d(cr.ones(2, 3, 2, 2, 2)).shape)
    (2, 3, 2, 2, 2)
    """
    return feature_dropout(input, p, training, 3, "dropout3d", inplace)


def embedding(input, weight, padding_idx=None):
    """Rows of ``weight`` picked by the integer tensor ``input``; the ``padding_idx`` row
    gets no gradient.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> weight = cr.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
    >>> F.embedding(cr.tensor([[2, 1]]), weight).tolist()
    [[[3.0, 4.0], [1.0, 2.0]]]
    """
    index = input._data if isinstance(input, Tensor) else np.asarray(input)
    if index.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {index.dtype}")
    rows = weight.shape[0]
    if index.size and (index.min() < 0 or index.max() >= rows):
        bad = index[(index < 0) | (index >= rows)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {rows} embeddings "
                         f"(valid: 0 to {rows - 1})")
    out = ops.getitem(weight, index)
    if padding_idx is None or Masks.recording:   # the Where only stops the padding rows'
        return out                                # gradient: onnx.export takes none
    padding = (index == padding_idx % rows)[..., None]
    return ops.where(padding, new_tensor(weight._data[index], None), out)


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = sum over i, j of x1[..., i] W[o, i, j] x2[..., j] + b[o]`` (one einsum).

    >>> import chainrule as cr
    >>> bilinear(cr.ones(1, 2), cr.ones(1, 3), cr.ones(1, 2, 3)).tolist()
    [[6.0]]
    """
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] \
            or input2.shape[-1] != weight.shape[2]:
        raise ValueError(f"bilinear: inputs (..., {tuple(input1.shape)[-1:]}) and (..., "
                         f"{tuple(input2.shape)[-1:]}) do not fit a weight (out, in1, in2) of "
                         f"shape {tuple(weight.shape)}")
    out = ops.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias


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
    if padding == "same":   # an even total pads its odd cell on the right, as PyTorch
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if any(t % 2 for t in totals):
            input = pad(input, (0, totals[1] % 2, 0, totals[0] % 2))
    padding = conv_padding(padding, kernel, stride, dilation)
    c = input.shape[1]
    out_channels, group_channels = weight.shape[:2]
    if c != group_channels * groups or out_channels % groups:
        raise ValueError(f"conv2d: input of shape {tuple(input.shape)} has {c} channels, but a "
                         f"weight of shape {tuple(weight.shape)} with groups={groups} expects "
                         f"{group_channels * groups} (and out channels divisible by groups)")
    return ops.Conv2d.apply(input, weight, bias, stride=stride, padding=padding,
                            dilation=dilation, groups=groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of (N, C, L): ``conv2d`` on a (N, C, 1, L) image (a composition:
    the graph shows one Conv2d gate).

    >>> import chainrule as cr
    >>> conv1d(cr.ones(1, 1, 4), cr.ones(1, 1, 2)).tolist()
    [[[2.0, 2.0, 2.0]]]
    """
    if input.ndim == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    check_rank(input, 3, "conv1d", "(N, C, L) or (C, L)")
    check_rank(weight, 3, "conv1d", "a weight (O, C / groups, K)", "weight")
    one = lambda v, name: (1 if name != "padding" else 0, single(v, name, "conv1d"))  # noqa: E731
    pad = padding if isinstance(padding, str) else one(padding, "padding")
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, one(stride, "stride"), pad,
                 one(dilation, "dilation"), groups)
    return out.squeeze(2)


def check_rank(tensor, rank, op, expected, what="input"):
    if tensor.ndim != rank:
        raise ValueError(f"{op}: expected {expected} for the {what}, got shape "
                         f"{tuple(tensor.shape)}")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transposed convolution (the adjoint of ``conv2d``, its input gradient), one
    ConvTranspose2d gate: weight (C_in, C_out / groups, KH, KW), output size
    (H - 1) stride - 2 padding + dilation (KH - 1) + output_padding + 1.

    >>> import chainrule as cr
    >>> tuple(conv_transpose2d(cr.ones(1, 1, 2, 2), cr.ones(1, 1, 2, 2), stride=2).shape)
    (1, 1, 4, 4)
    """
    op = "conv_transpose2d"
    if input.ndim == 3:
        return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    check_rank(input, 4, op, "(N, C, H, W) or (C, H, W)")
    check_rank(weight, 4, op, "a weight (C_in, C_out / groups, KH, KW)", "weight")
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op)
    output_padding, dilation = pair(output_padding, "output_padding", op), \
        pair(dilation, "dilation", op)
    if input.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise ValueError(f"{op}: input of shape {tuple(input.shape)} has {input.shape[1]} "
                         f"channels, but the weight {tuple(weight.shape)} expects "
                         f"{weight.shape[0]} (divisible by groups={groups})")
    for i in range(2):
        if output_padding[i] >= max(stride[i], dilation[i]):
            raise ValueError(f"{op}: output padding must be smaller than either stride or "
                             f"dilation, but got output_padding={output_padding}, "
                             f"stride={stride}, dilation={dilation}")
    if bias is not None and tuple(bias.shape) != (weight.shape[1] * groups,):
        raise ValueError(f"{op}: bias of shape {tuple(bias.shape)} must have one value per "
                         f"output channel, ({weight.shape[1] * groups},)")
    kernel = weight.shape[2:]
    size = tuple((input.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] *
                 (kernel[i] - 1) + output_padding[i] + 1 for i in range(2))
    if min(size) < 1:
        raise ValueError(f"{op}: the output would be {size[0]}x{size[1]}; padding {padding} is "
                         f"too large for an input of size {tuple(input.shape[2:])}")
    shape = (input.shape[0], weight.shape[1] * groups) + size
    return ops.ConvTranspose2d.apply(input, weight, bias, output_size=shape, stride=stride,
                                     padding=padding, dilation=dilation, groups=groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """``conv_transpose2d`` on a (N, C, 1, L) image (a composition).

    >>> import chainrule as cr
    >>> conv_transpose1d(cr.ones(1, 1, 3), cr.ones(1, 1, 2)).tolist()
    [[[1.0, 2.0, 2.0, 1.0]]]
    """
    op = "conv_transpose1d"
    if input.ndim == 2:
        return conv_transpose1d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    check_rank(input, 3, op, "(N, C, L) or (C, L)")
    check_rank(weight, 3, op, "a weight (C_in, C_out / groups, K)", "weight")
    one = lambda v, name, first=1: (first, single(v, name, op))  # noqa: E731
    out = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), bias, one(stride, "stride"),
                           one(padding, "padding", 0), one(output_padding, "output_padding", 0),
                           groups, one(dilation, "dilation"))
    return out.squeeze(2)


def conv_padding(padding, kernel, stride, dilation):
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError("conv2d: padding='same' is not supported for strided "
                             "convolutions (PyTorch refuses it too); give the padding as "
                             "numbers")
        return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    return pair(padding, "padding", "conv2d")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's ``F.unfold``: (N, C, H, W) -> (N, C * KH * KW, L) sliding blocks.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.unfold(cr.arange(9.0).reshape(1, 1, 3, 3), 2).tolist()
    [[[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]]
    """
    windows = ops.unfold(input, kernel_size, stride, padding, dilation)
    n, oh, ow, kh, kw, c = windows.shape   # sizes, not -1: an empty batch has no -1
    return windows.permute(0, 5, 3, 4, 1, 2).reshape(n, c * kh * kw, oh * ow)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's ``F.fold``: (N, C * KH * KW, L) blocks summed into (N, C, H, W).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.fold(cr.ones(1, 4, 4), (3, 3), 2).tolist()
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
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

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([[1.0], [3.0]])
    >>> F.batch_norm(x, cr.zeros(1), cr.ones(1), training=True).flatten().tolist()
    [-0.9999949932098389, 0.9999949932098389]
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
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last len(normalized_shape) dims.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.layer_norm(cr.tensor([[1.0, 3.0]]), (2,)).tolist()
    [[-0.9999949932098389, 0.9999949932098389]]
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ValueError(f"layer_norm: the input's last dims {tuple(input.shape)} must be "
                         f"normalized_shape {shape}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    return ops.layers.LayerNorm.apply(input, weight, bias, dims=dims, eps=eps)


# ----- attention (ops/attention.py) ---------------------------------------------------
scaled_dot_product_attention = ops.attention.scaled_dot_product_attention


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over groups of ``C / num_groups`` channels (and the spatial
    dims), then scale and shift per channel: one fused GroupNorm gate.

    >>> import chainrule as cr
    >>> [round(v, 4) for v in group_norm(cr.tensor([[1.0, 3.0]]), 1)[0].tolist()]
    [-1.0, 1.0]
    """
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: expected an input (N, C, *) whose C is divisible by "
                         f"num_groups={num_groups}, got shape {tuple(input.shape)}")
    if weight is None and bias is not None:
        weight = new_tensor(np.ones(input.shape[1], input._data.dtype), None)
    if bias is None and weight is not None:
        bias = new_tensor(np.zeros(input.shape[1], input._data.dtype), None)
    return group_norm_gate(input, num_groups, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each sample and channel over its spatial dims: ``group_norm`` with one
    channel per group. With running statistics, training updates them (the batch's mean of
    the per-instance means and unbiased variances); ``use_input_stats=False`` normalises
    with them instead, as ``batch_norm`` in eval mode.

    >>> import chainrule as cr
    >>> instance_norm(cr.tensor([[[1.0, 3.0]]]), eps=0.0).tolist()
    [[[-1.0, 1.0]]]
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, *spatial), got shape "
                         f"{tuple(input.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: expected running_mean and running_var to be "
                             "defined when use_input_stats is false")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if running_mean is not None and running_var is not None:
        data = input._data.reshape(input.shape[0], input.shape[1], -1)
        count = data.shape[2]
        mean = data.mean(axis=2).mean(axis=0)
        var = data.var(axis=2, ddof=1 if count > 1 else 0).mean(axis=0)
        running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean
        running_var._data[...] = (1 - momentum) * running_var._data + momentum * var
    return group_norm(input, input.shape[1], weight, bias, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """``x / (k + alpha * mean of x^2 over size neighbouring channels) ** beta`` (the window
    zero-padded as PyTorch pads it: size // 2 before, (size - 1) // 2 after); a composition.

    >>> import chainrule as cr
    >>> local_response_norm(cr.ones(1, 2, 1), 2, alpha=1.0, beta=1.0, k=0.0).flatten().tolist()
    [2.0, 1.0]
    """
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected 3D or higher dimensional input, got "
                         f"shape {tuple(input.shape)}")
    if input.shape[0] == 0 or input.shape[1] == 0:
        return input * 1
    squares = input * input
    channels = input.shape[1]
    padded = pad(squares.movedim(1, -1), (size // 2, (size - 1) // 2)).movedim(-1, 1)
    total = None
    for i in range(size):
        window = padded[:, i:i + channels]
        total = window if total is None else total + window
    return input / (total / size * alpha + k) ** beta


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last ``len(normalized_shape)`` dims; eps
    defaults to the dtype's machine epsilon (a composition).

    >>> import chainrule as cr
    >>> rms_norm(cr.tensor([[3.0, 4.0]]), 2, eps=0.0).tolist()
    [[0.8485281467437744, 1.1313709020614624]]
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ValueError(f"rms_norm: the input's last dims {tuple(input.shape)} must be "
                         f"normalized_shape {shape}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * ((input * input).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def softmin(input, dim=None, dtype=None):
    """``softmax(-x, dim)``.

    >>> import chainrule as cr
    >>> softmin(cr.tensor([0.0, 0.0]), 0).tolist()
    [0.5, 0.5]
    """
    x = input if dtype is None else input.to(dtype)
    return ops.softmax(-x, implicit_dim(dim, input, "softmin"))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """PyTorch's deprecated name of ``interpolate``.

    >>> import chainrule as cr
    >>> upsample(cr.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(mode="nearest")`` (PyTorch's deprecated name).

    >>> import chainrule as cr
    >>> tuple(upsample_nearest(cr.ones(1, 1, 2, 2), scale_factor=2).shape)
    (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(mode="bilinear", align_corners=True)`` (PyTorch's deprecated name).

    >>> import chainrule as cr
    >>> upsample_bilinear(cr.tensor([[[[0.0, 2.0]]]]), size=(1, 3)).tolist()
    [[[[0.0, 1.0, 2.0]]]]
    """
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool1d(..., return_indices=True)``.

    >>> import chainrule as cr
    >>> [t.tolist() for t in max_pool1d_with_indices(cr.tensor([[[1.0, 3.0]]]), 2)]
    [[[[3.0]]], [[[1]]]]
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool2d(..., return_indices=True)``.

    >>> import chainrule as cr
    >>> max_pool2d_with_indices(cr.arange(4.0).reshape(1, 1, 2, 2), 2)[1].tolist()
    [[[[3]]]]
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool1d(..., return_indices=True)``.

    >>> import chainrule as cr
    >>> adaptive_max_pool1d_with_indices(cr.tensor([[[1.0, 3.0, 2.0]]]), 1)[1].tolist()
    [[[1]]]
    """
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool2d(..., return_indices=True)``.

    >>> import chainrule as cr
    >>> adaptive_max_pool2d_with_indices(cr.arange(4.0).reshape(1, 1, 2, 2), 1)[1].tolist()
    [[[[3]]]]
    """
    return adaptive_max_pool2d(input, output_size, True)


def channel_shuffle(input, groups):
    """(N, C, *) with its C channels seen as (groups, C / groups) and transposed.

    >>> import chainrule as cr
    >>> channel_shuffle(cr.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """
    n, c, *rest = input.shape
    if c % groups:
        raise ValueError(f"channel_shuffle: number of channels ({c}) must be divisible by "
                         f"groups ({groups})")
    x = input.reshape((n, groups, c // groups) + tuple(rest))
    return x.transpose(1, 2).reshape((n, c) + tuple(rest))


def one_hot(tensor, num_classes=-1):
    """Integer class indices as a one-hot int64 tensor (no gradient).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.one_hot(cr.tensor([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    index = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    classes = int(index.max()) + 1 if num_classes < 0 else num_classes
    return new_tensor((index[..., None] == np.arange(classes)).astype(np.int64), None)


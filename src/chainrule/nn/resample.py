"""Padding and resampling as functions (re-exported by ``nn.functional``): ``pad``,
``interpolate``, ``pixel_shuffle`` and ``pixel_unshuffle``, each a composition of gates:

* constant padding is ``Cat`` with constant blocks (a negative pad crops by slicing);
  ``reflect``, ``replicate`` and ``circular`` read the input at computed positions
  (``GetItem`` with an index array per dim, whose gradient adds repeated positions);
* ``interpolate``: ``nearest`` reads positions; ``linear``/``bilinear``/``trilinear`` mix two
  neighbours per dim with constant weights, one dim after the other, ``bicubic`` four (cubic
  convolution, A = -0.75); ``area`` is adaptive average pooling; ``antialias`` is a
  product with a constant matrix of PyTorch's filter weights per dim (bilinear: a triangle,
  bicubic: cubic convolution with A = -0.5, as PIL's). Positions and weights are
  computed as PyTorch computes them (in the input's precision), so a chainrule model
  upsamples to PyTorch's numbers.

>>> import chainrule as cr
>>> pad(cr.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
>>> interpolate(cr.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear").tolist()
[[[1.0, 1.25, 1.75, 2.0]]]
"""
import math

import numpy as np

from .. import ops
from ..tensor import new_tensor
from .pool_functions import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad`` lists (left, right) for the last dim,
    then the one before, as in PyTorch.

    >>> import chainrule as cr
    >>> pad(cr.ones(1, 2), (1, 2), value=0.5).tolist()
    [[0.5, 1.0, 1.0, 0.5, 0.5]]
    >>> pad(cr.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode='circular').tolist()
    [[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding length must be even and at most twice the input's "
                         f"{input.ndim} dims, got {len(pad)} values")
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {MODES}, got {mode!r}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    out = input
    for k in range(len(pad) // 2):
        dim = input.ndim - 1 - k
        left, right = pad[2 * k], pad[2 * k + 1]
        if mode == "constant":
            out = constant_pad(out, dim, left, right, 0.0 if value is None else value)
        elif left or right:
            out = ops.getitem(out, (slice(None),) * dim + (positions(out.shape[dim], left,
                                                                     right, mode),))
    return out


def constant_pad(x, dim, left, right, value):
    if left < 0 or right < 0:
        stop = x.shape[dim] + min(right, 0)
        x = ops.getitem(x, (slice(None),) * dim + (slice(max(-left, 0), stop),))
        left, right = max(left, 0), max(right, 0)
    if not (left or right):
        return x
    pieces = []
    for width in (left, None, right):
        if width is None:
            pieces.append(x)
        elif width:
            shape = tuple(x.shape[:dim]) + (width,) + tuple(x.shape[dim + 1:])
            pieces.append(new_tensor(np.full(shape, value, x._data.dtype), None))
    return ops.cat(pieces, dim)


def positions(size, left, right, mode):
    """The input positions a padded dim reads, in order."""
    if size + left + right <= 0:
        raise ValueError(f"pad: padding ({left}, {right}) leaves nothing of a dimension of "
                         f"size {size}")
    if mode == "reflect" and (left >= size or right >= size):
        raise ValueError(f"pad: padding size should be less than the corresponding input "
                         f"dimension, but got padding ({left}, {right}) at a dimension of "
                         f"size {size} (reflect)")
    if mode == "circular" and (left > size or right > size):
        raise ValueError(f"pad: padding value causes wrapping around more than once: "
                         f"({left}, {right}) at a dimension of size {size}")
    if size == 0:
        raise ValueError(f"pad: cannot {mode}-pad an empty dimension")
    i = np.arange(-left, size + right)   # a negative pad starts or stops inside: a crop
    if mode == "replicate":
        return np.clip(i, 0, size - 1)
    if mode == "circular":   # PyTorch wraps around what is left after the crops
        start, kept = max(-left, 0), size + min(left, 0) + min(right, 0)
        return start + (np.arange(-max(left, 0), kept + max(right, 0)) % kept)
    period = 2 * (size - 1) if size > 1 else 1
    i = np.abs(i) % period
    return np.where(i < size, i, period - i)


# ----- interpolate ------------------------------------------------------------------------
INTERPOLATION = {"nearest": None, "nearest-exact": None, "linear": 3, "bilinear": 4,
                 "bicubic": 4, "trilinear": 5, "area": None}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims (all after N, C) to ``size`` or by ``scale_factor``.

    >>> import chainrule as cr
    >>> interpolate(cr.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    >>> interpolate(cr.tensor([[[0.0, 3.0]]]), size=4, mode='linear', align_corners=True).tolist()
    [[[0.0, 1.0, 2.0, 3.0]]]
    """
    op = "interpolate"
    if mode not in INTERPOLATION:
        raise ValueError(f"{op}: mode {mode!r} is not supported; chainrule has "
                         f"{tuple(INTERPOLATION)}")
    if antialias and mode not in ANTIALIAS:
        raise ValueError(f"{op}: antialias=True is not supported with mode={mode!r}; "
                         f"chainrule has it for mode='bilinear' or 'bicubic'")
    dims = input.ndim - 2
    if dims < 1:
        raise ValueError(f"{op}: expected an input (N, C, *spatial) with at least one spatial "
                         f"dim, got shape {tuple(input.shape)}")
    if INTERPOLATION[mode] not in (None, input.ndim):
        raise ValueError(f"{op}: got {input.ndim}D input, but {mode} mode needs "
                         f"{INTERPOLATION[mode]}D input")
    if align_corners is not None and INTERPOLATION[mode] is None:
        raise ValueError(f"{op}: align_corners option can only be set with the interpolating "
                         f"modes: linear | bilinear | bicubic | trilinear")
    sizes, scales = target_sizes(input, size, scale_factor, recompute_scale_factor, dims)
    if mode == "area":
        return area(input, sizes)
    out = input
    for k in range(dims):
        dim = 2 + k
        if antialias:
            matrix = antialias_matrix(input.shape[dim], sizes[k], scales[k], input._data.dtype,
                                      ANTIALIAS[mode], bool(align_corners))
            out = (out.transpose(dim, -1) @ matrix.mT).transpose(dim, -1)
        elif mode.startswith("nearest"):
            index = nearest_index(input.shape[dim], sizes[k], scales[k], mode == "nearest-exact")
            out = ops.getitem(out, (slice(None),) * dim + (index,))
        elif mode == "bicubic":
            out = cubic_along(out, dim, sizes[k], scales[k], bool(align_corners))
        else:
            out = linear_along(out, dim, sizes[k], scales[k], bool(align_corners))
    return out


def area(input, sizes):
    """PyTorch's ``area`` mode: adaptive average pooling over every spatial dim."""
    pool = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}[len(sizes)]
    return pool(input, sizes)


def target_sizes(input, size, scale_factor, recompute_scale_factor, dims):
    """The output sizes, and the scales PyTorch's kernels use (None: computed from sizes)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        sizes = (size,) * dims if isinstance(size, int) else tuple(int(s) for s in size)
        if len(sizes) != dims:
            raise ValueError(f"interpolate: input with {dims} spatial dims needs {dims} "
                             f"sizes, got {size}")
        return sizes, (None,) * dims
    factors = (scale_factor,) * dims if isinstance(scale_factor, (int, float)) \
        else tuple(scale_factor)
    if len(factors) != dims:
        raise ValueError(f"interpolate: input with {dims} spatial dims needs {dims} scale "
                         f"factors, got {scale_factor}")
    sizes = tuple(int(math.floor(s * f)) for s, f in zip(spatial, factors))
    scales = (None,) * dims if recompute_scale_factor else tuple(float(f) for f in factors)
    return sizes, scales


def nearest_index(size, out, scale, exact):
    """PyTorch's nearest source positions, computed in float32 as its kernels do."""
    if scale is not None and scale > 0:
        ratio = np.float32(1.0 / scale)
    else:
        ratio = np.float32(size) / np.float32(out)
    i = np.arange(out, dtype=np.float32)
    if exact:
        source = np.floor((i + np.float32(0.5)) * ratio)
    elif out == size:
        return np.arange(out)
    elif out == 2 * size:
        return np.arange(out) >> 1
    else:
        source = np.floor(i * ratio)
    return np.minimum(source.astype(np.int64), size - 1)


def triangle(x):
    """The antialiased bilinear filter: 1 - |x| on (-1, 1)."""
    return np.maximum(0, 1 - np.abs(x))


def keys_cubic(x, a=-0.5):
    """The antialiased bicubic filter: cubic convolution with PIL's A = -0.5 (PyTorch's plain
    bicubic uses -0.75), zero from |x| = 2 on."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


# mode -> (the filter's half-width, the filter) of antialias=True
ANTIALIAS = {"bilinear": (1, triangle), "bicubic": (2, keys_cubic)}


def antialias_matrix(size, out, scale_factor, dtype, kind=ANTIALIAS["bilinear"],
                     align_corners=False):
    """PyTorch's antialiased weights along one dim, as an (out, size) constant: the filter
    (``kind``: its half-width and function) stretched by the scale when shrinking (so every
    input cell counts), cut at the edges, each row normalised to sum 1. With
    ``align_corners`` the scale is (size - 1) / (out - 1), the centres stay at
    scale * (i + 0.5), as in PyTorch's kernels."""
    half, kernel = kind
    if align_corners:
        scale = (size - 1) / (out - 1) if out > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor else size / out
    support, stretch = (half * scale, 1.0 / scale) if scale >= 1.0 else (half, 1.0)
    matrix = np.zeros((out, size))
    for i in range(out):
        centre = scale * (i + 0.5)
        low = max(int(centre - support + 0.5), 0)
        high = min(int(centre + support + 0.5), size)
        weights = kernel((np.arange(low, high) - centre + 0.5) * stretch)
        total = weights.sum()
        matrix[i, low:high] = weights / total if total != 0 else weights
    return new_tensor(matrix.astype(dtype), None)


def source_positions(size, out, scale, align_corners, dtype, cubic=False):
    """PyTorch's ``area_pixel_compute_source_index`` for each output position: with
    align_corners the corners meet, else the pixel centres (clamped at 0 unless cubic)."""
    i = np.arange(out)
    if align_corners:
        ratio = dtype.type((size - 1) / (out - 1)) if out > 1 else dtype.type(0)
        return ratio * i.astype(dtype)
    ratio = dtype.type(1.0 / scale) if scale is not None and scale > 0 else dtype.type(size / out)
    # ratio * (i + 0.5) - 0.5 rounded once, as the fused multiply-add of PyTorch's compiled
    # kernels rounds it (twice-rounded float32 is one ulp off at some rows)
    source = (np.float64(ratio) * (i + 0.5) - 0.5).astype(dtype)
    return source if cubic else np.maximum(source, 0)


def cubic_weights(t, a=-0.75):
    """The four weights of PyTorch's cubic convolution (A = -0.75) at fraction t."""
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def cubic_along(x, dim, out, scale, align_corners):
    """Bicubic interpolation along one dim: four neighbours (clamped at the edges) with
    PyTorch's cubic-convolution weights, constants."""
    size, dtype = x.shape[dim], x._data.dtype
    source = source_positions(size, out, scale, align_corners, dtype, cubic=True)
    start = np.floor(source).astype(np.int64)
    t = (source - start).astype(dtype)
    shape = (1,) * dim + (out,) + (1,) * (x.ndim - dim - 1)
    lead = (slice(None),) * dim
    total = None
    for k, w in enumerate(cubic_weights(t)):
        index = np.clip(start - 1 + k, 0, size - 1)
        term = ops.getitem(x, lead + (index,)) * new_tensor(w.astype(dtype).reshape(shape), None)
        total = term if total is None else total + term
    return total


def linear_along(x, dim, out, scale, align_corners):
    """Linear interpolation along one dim: each output mixes two neighbours with weights
    that are constants (positions and weights as PyTorch's ``area_pixel`` helpers give)."""
    size = x.shape[dim]
    dtype = x._data.dtype
    source = source_positions(size, out, scale, align_corners, dtype)
    low = np.minimum(source.astype(np.int64), size - 1)
    high = low + (low < size - 1)
    frac = (source - low).astype(dtype)
    shape = (1,) * dim + (out,) + (1,) * (x.ndim - dim - 1)
    lead = (slice(None),) * dim
    low_w = new_tensor((1 - frac).reshape(shape), None)
    high_w = new_tensor(frac.reshape(shape), None)
    return ops.getitem(x, lead + (low,)) * low_w + ops.getitem(x, lead + (high,)) * high_w


# ----- pixel shuffle ----------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): channel blocks spread into r x r pixels.

    >>> import chainrule as cr
    >>> pixel_shuffle(cr.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    r = int(upscale_factor)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                         f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                         f"is not divisible by {r * r}")
    k = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of ``pixel_shuffle``.

    >>> import chainrule as cr
    >>> tuple(pixel_unshuffle(cr.ones(1, 1, 4, 6), 2).shape)
    (1, 4, 2, 3)
    """
    r = int(downscale_factor)
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle expects height and width ({h}, {w}) to be "
                         f"divisible by downscale_factor {r}")
    k = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))

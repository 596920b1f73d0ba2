"""Pooling as functions (re-exported by ``nn.functional``): max and average pooling in 1-D
and 2-D with PyTorch's ``ceil_mode``, ``return_indices`` and divisors, adaptive pooling,
and ``max_unpool``.

Max pooling is one gate (``MaxPool2d``, ops/pooling.py). Compositions: an average pooling is
the ``Unfold`` gate's windows summed; an
adaptive average is two matrix products with constant averaging matrices; an adaptive max
reads its windows by indexing (``GetItem``); unpooling is its own gate (``MaxUnpool2d``).

>>> import chainrule as cr
>>> x = cr.arange(16.0).reshape(1, 1, 4, 4)
>>> out, idx = max_pool2d(x, 2, return_indices=True)
>>> out.tolist(), idx.tolist()
([[[[5.0, 7.0], [13.0, 15.0]]]], [[[[5, 7], [13, 15]]]])
>>> max_unpool2d(out, idx, 2)[0, 0].tolist()[1]
[0.0, 5.0, 0.0, 7.0]
"""
import numpy as np

from .. import ops
from ..kernels.pooling import max_pool, pool_index, pooled_size
from ..ops.conv import pair
from ..tensor import new_tensor


def single(value, name, op):
    """An int or a 1-tuple as an int (PyTorch's ``_single``)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {tuple(value)}")
        value = value[0]
    return int(value)


def geometry(input, kernel_size, stride, padding, dilation, ceil_mode, op, as_tuple=pair):
    """Kernel, stride, padding, dilation as pairs (``as_tuple``: triples for the 3-D pools),
    the output size and the extra right/bottom padding ceil_mode needs."""
    kernel = as_tuple(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or len(np.atleast_1d(stride)) == 0 \
        else as_tuple(stride, "stride", op)
    padding, dilation = as_tuple(padding, "padding", op), as_tuple(dilation, "dilation", op)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: pad should be at most half of effective kernel size, but got "
                         f"pad={padding}, kernel_size={kernel}")
    sizes = tuple(input.shape[2:])
    dims = range(len(kernel))
    out = tuple(pooled_size(sizes[i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
                for i in dims)
    if min(out) < 1:
        raise ValueError(f"{op}: the kernel {kernel} (dilation {dilation}, padding {padding}) "
                         f"does not fit an input of size {sizes}; the output would be "
                         f"{'x'.join(map(str, out))}")
    extra = tuple(max(0, (out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1
                      - sizes[i] - 2 * padding[i]) for i in dims)
    return kernel, stride, padding, dilation, out, extra


def windows_of(input, kernel, stride, padding, dilation, extra, pad_value):
    """(N, OH, OW, KH * KW, C) windows; ceil_mode's extra cells hold ``pad_value``."""
    if any(extra):
        fill = np.full(tuple(input.shape[:2]) + (input.shape[2] + extra[0], input.shape[3] +
                                                 extra[1]), pad_value, input._data.dtype)
        fill[:, :, :input.shape[2], :input.shape[3]] = 0
        index = (slice(None), slice(None), slice(0, input.shape[2]), slice(0, input.shape[3]))
        input = ops.scatter_add(input, fill.shape, index) + new_tensor(fill, None)
    windows = ops.unfold(input, kernel, stride, padding, dilation, pad_value=pad_value)
    n, oh, ow = windows.shape[:3]
    return windows.reshape(n, oh, ow, kernel[0] * kernel[1], input.shape[1])


def batched(fn, spatial="H, W"):
    """Run ``fn`` on an unbatched (C, *spatial) input as a batch of one (``spatial``: the
    names of the spatial dims, "D, H, W" for the 3-D pools)."""
    dims = 2 + len(spatial.split(", "))   # N, C and the spatial dims

    def run(input, *args, **kwargs):
        if input.ndim == dims - 1:
            out = fn(input.unsqueeze(0), *args, **kwargs)
            return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
        if input.ndim != dims:
            raise ValueError(f"{fn.__name__}: expected a {dims - 1}-D (C, {spatial}) or "
                             f"{dims}-D (N, C, {spatial}) input, got shape {tuple(input.shape)}")
        return fn(input, *args, **kwargs)
    # fn's module too: its docstring's examples run among that module's names
    run.__name__, run.__doc__, run.__module__ = fn.__name__, fn.__doc__, fn.__module__
    return run


@batched
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Largest value in each window (padding counts as -inf); the gradient goes to it (the
    first largest). ``return_indices``: also each maximum's flat position in its H x W plane,
    as ``max_unpool2d`` takes them.

    >>> import chainrule as cr
    >>> max_pool2d(cr.arange(9.0).reshape(1, 1, 3, 3), 2, stride=1).tolist()
    [[[[4.0, 5.0], [7.0, 8.0]]]]
    """
    kernel, stride, padding, dilation, out, extra = geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    pooled = ops.pooling.MaxPool2d.apply(input, kernel=kernel, stride=stride, padding=padding,
                                         dilation=dilation, ceil_mode=ceil_mode)
    if not return_indices:
        return pooled
    gate = pooled.grad_fn   # its saved offsets; no gate under no_grad: the kernel again
    offset = gate.offset if gate is not None else max_pool(
        input._data, kernel, stride, padding, dilation, ceil_mode)[1]
    return pooled, new_tensor(pool_index(offset, input.shape, kernel, stride, padding,
                                         dilation), None)


@batched
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean of each window, divided as PyTorch divides: the window clipped to the padded input
    (to the input itself unless ``count_include_pad``), or ``divisor_override``.

    >>> import chainrule as cr
    >>> avg_pool2d(cr.ones(1, 1, 3, 3), 2, padding=1, count_include_pad=False).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    kernel, stride, padding, dilation, out, extra = geometry(
        input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    windows = windows_of(input, kernel, stride, padding, dilation, extra, 0.0)
    if divisor_override:
        divisor = np.asarray(divisor_override, input._data.dtype)
    else:
        counts = [window_counts(input.shape[2 + i], kernel[i], stride[i], padding[i], out[i],
                                count_include_pad) for i in range(2)]
        divisor = (counts[0][:, None] * counts[1][None, :])[None, :, :, None]
        divisor = divisor.astype(input._data.dtype)
    return (windows.sum(dim=3) / new_tensor(divisor, None)).permute(0, 3, 1, 2)


def window_counts(size, kernel, stride, padding, out, count_include_pad):
    """Per output position along one dim: how many cells PyTorch's average divides by."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    whole = end - start
    clipped = np.minimum(end, size) - np.maximum(start, 0)
    return whole if count_include_pad else clipped


def as_2d(input, op):
    """(N, C, L) or (C, L) -> a (N, C, 1, L) image, and a function undoing it."""
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                         f"{tuple(input.shape)}")
    image = input.unsqueeze(-2)
    return image, lambda t: t.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """``max_pool2d`` along the last dim of an (N, C, L) input.

    >>> import chainrule as cr
    >>> max_pool1d(cr.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0]]]), 2, ceil_mode=True).tolist()
    [[[5.0, 4.0, 3.0]]]
    """
    image, back = as_2d(input, "max_pool1d")
    k = single(kernel_size, "kernel_size", "max_pool1d")
    s = k if stride is None or len(np.atleast_1d(stride)) == 0 \
        else single(stride, "stride", "max_pool1d")
    out = max_pool2d(image, (1, k), (1, s), (0, single(padding, "padding", "max_pool1d")),
                     (1, single(dilation, "dilation", "max_pool1d")), ceil_mode, return_indices)
    return (back(out[0]), back(out[1])) if return_indices else back(out)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """``avg_pool2d`` along the last dim of an (N, C, L) input.

    >>> import chainrule as cr
    >>> avg_pool1d(cr.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2).tolist()
    [[[1.5, 3.5]]]
    """
    image, back = as_2d(input, "avg_pool1d")
    k = single(kernel_size, "kernel_size", "avg_pool1d")
    s = k if stride is None or len(np.atleast_1d(stride)) == 0 \
        else single(stride, "stride", "avg_pool1d")
    return back(avg_pool2d(image, (1, k), (1, s), (0, single(padding, "padding", "avg_pool1d")),
                           ceil_mode, count_include_pad))


# ----- adaptive ---------------------------------------------------------------------------
def adaptive_bounds(size, out):
    """PyTorch's adaptive windows along one dim: [floor(i in / out), ceil((i + 1) in / out))."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def output_sizes(input, output_size, dims, op):
    sizes = (output_size,) * dims if isinstance(output_size, (int, type(None))) \
        else tuple(output_size)
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must be an int or {dims} ints, got {output_size}")
    spatial = tuple(input.shape[-dims:])
    return tuple(spatial[i] if s is None else int(s) for i, s in enumerate(sizes))


def averaging_matrix(size, out, dtype):
    start, end = adaptive_bounds(size, out)
    cells = np.arange(size)
    inside = (cells[None, :] >= start[:, None]) & (cells[None, :] < end[:, None])
    return new_tensor((inside / (end - start)[:, None]).astype(dtype), None)


def adaptive_avg_pool1d(input, output_size):
    """Mean over PyTorch's adaptive windows of the last dim: x @ A.T, A the (out, L)
    averaging matrix (a constant; the composition is one MatMul).

    >>> import chainrule as cr
    >>> adaptive_avg_pool1d(cr.tensor([[[1.0, 2.0, 3.0, 5.0]]]), 2).tolist()
    [[[1.5, 4.0]]]
    """
    (size,) = output_sizes(input, output_size, 1, "adaptive_avg_pool1d")
    return input @ averaging_matrix(input.shape[-1], size, input._data.dtype).mT


def adaptive_avg_pool2d(input, output_size):
    """Mean over PyTorch's adaptive windows of the last two dims (A_h @ x @ A_w.T).

    >>> import chainrule as cr
    >>> adaptive_avg_pool2d(cr.arange(9.0).reshape(1, 1, 3, 3), 1).tolist()
    [[[[4.0]]]]
    """
    oh, ow = output_sizes(input, output_size, 2, "adaptive_avg_pool2d")
    h, w = input.shape[-2:]
    if (oh, ow) == (1, 1):
        return input.mean(dim=(-2, -1), keepdim=True)
    dtype = input._data.dtype
    return averaging_matrix(h, oh, dtype) @ input @ averaging_matrix(w, ow, dtype).mT


def adaptive_avg_pool3d(input, output_size):
    """Mean over PyTorch's adaptive windows of the last three dims (one product with a
    constant averaging matrix per dim).

    >>> import chainrule as cr
    >>> adaptive_avg_pool3d(cr.arange(8.0).reshape(1, 1, 2, 2, 2), 1).flatten().tolist()
    [3.5]
    """
    sizes = output_sizes(input, output_size, 3, "adaptive_avg_pool3d")
    out = input
    for k, size in enumerate(sizes):
        dim = input.ndim - 3 + k
        moved = out.transpose(dim, -1)
        moved = moved @ averaging_matrix(moved.shape[-1], size, input._data.dtype).mT
        out = moved.transpose(dim, -1)
    return out


def window_index(size, out):
    """(out, K) input positions of each adaptive window, short windows padded with their
    last position (a repeat cannot change a maximum)."""
    start, end = adaptive_bounds(size, out)
    width = int(np.max(end - start))
    return np.minimum(start[:, None] + np.arange(width)[None, :], end[:, None] - 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Largest value in each of PyTorch's adaptive windows (the windows read by indexing,
    the maximum by MaxDim); ``return_indices`` as ``max_pool2d``'s.

    >>> import chainrule as cr
    >>> adaptive_max_pool2d(cr.arange(9.0).reshape(1, 1, 3, 3), 2).tolist()
    [[[[4.0, 5.0], [7.0, 8.0]]]]
    """
    if input.ndim == 3:
        out = adaptive_max_pool2d(input.unsqueeze(0), output_size, return_indices)
        return tuple(o.squeeze(0) for o in out) if return_indices else out.squeeze(0)
    oh, ow = output_sizes(input, output_size, 2, "adaptive_max_pool2d")
    h, w = input.shape[-2:]
    rows, cols = window_index(h, oh), window_index(w, ow)
    picked = ops.getitem(input, (slice(None), slice(None), rows[:, :, None, None],
                                 cols[None, None, :, :]))      # (N, C, OH, KH, OW, KW)
    n, c = input.shape[:2]
    windows = picked.permute(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, -1)
    pooled = ops.MaxDim.apply(windows, dim=4)
    if not return_indices:
        return pooled
    best = np.argmax(windows._data, axis=4)
    i, j = np.divmod(best, cols.shape[1])
    r = rows[np.arange(oh)[:, None], i]
    q = cols[np.arange(ow)[None, :], j]
    return pooled, new_tensor((r * w + q).astype(np.int64), None)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """``adaptive_max_pool2d`` along the last dim of an (N, C, L) input.

    >>> import chainrule as cr
    >>> adaptive_max_pool1d(cr.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0]]]), 2).tolist()
    [[[5.0, 4.0]]]
    """
    image, back = as_2d(input, "adaptive_max_pool1d")
    (size,) = output_sizes(input, output_size, 1, "adaptive_max_pool1d")
    out = adaptive_max_pool2d(image, (1, size), return_indices)
    return (back(out[0]), back(out[1])) if return_indices else back(out)


# ----- unpooling --------------------------------------------------------------------------
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Each value written at its index in a zero image: the inverse of ``max_pool2d`` with
    ``return_indices=True`` (positions that held no maximum are 0). The output is
    (H - 1) * stride - 2 * padding + kernel per dim, or ``output_size``.

    >>> import chainrule as cr
    >>> out, index = max_pool2d(cr.arange(4.0).reshape(1, 1, 2, 2), 2, return_indices=True)
    >>> max_unpool2d(out, index, 2).tolist()
    [[[[0.0, 0.0], [0.0, 3.0]]]]
    """
    op = "max_unpool2d"
    if input.ndim == 3:
        return max_unpool2d(input.unsqueeze(0), indices.unsqueeze(0), kernel_size, stride,
                            padding, output_size).squeeze(0)
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    padding = pair(padding, "padding", op)
    default = tuple((input.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + kernel[i]
                    for i in range(2))
    size = default if output_size is None else tuple(int(s) for s in tuple(output_size)[-2:])
    index = indices._data if hasattr(indices, "_data") else np.asarray(indices)
    if tuple(index.shape) != tuple(input.shape):
        raise ValueError(f"{op}: indices of shape {tuple(index.shape)} must have the input's "
                         f"shape {tuple(input.shape)}")
    if index.size and (index.min() < 0 or index.max() >= size[0] * size[1]):
        raise ValueError(f"{op}: found an invalid max index {int(index.max())} (output volumes "
                         f"are of size {size[0]}x{size[1]})")
    shape = tuple(input.shape[:2]) + size
    return ops.MaxUnpool2d.apply(input, index=index.astype(np.int64), shape=shape)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """``max_unpool2d`` along the last dim of an (N, C, L) input.

    >>> import chainrule as cr
    >>> out, index = max_pool1d(cr.tensor([[[1.0, 5.0, 4.0, 2.0]]]), 2, return_indices=True)
    >>> max_unpool1d(out, index, 2).tolist()
    [[[0.0, 5.0, 4.0, 0.0]]]
    """
    image, back = as_2d(input, "max_unpool1d")
    k = single(kernel_size, "kernel_size", "max_unpool1d")
    s = k if stride is None else single(stride, "stride", "max_unpool1d")
    size = None if output_size is None else (1, int(tuple(output_size)[-1]))
    return back(max_unpool2d(image, indices.unsqueeze(-2), (1, k), (1, s),
                             (0, single(padding, "padding", "max_unpool1d")), size))

"""Max pooling on NumPy arrays: the largest value of each window, which one it was, and
the gradient sent back to it.

An image ``x`` (N, C, H, W) pooled by windows of ``kernel`` (KH, KW) cells, ``stride`` and
``dilation`` apart, with ``padding`` cells on each side, gives (N, C, OH, OW). The windows
are never copied out (no im2col): both directions loop over the KH * KW kernel offsets, each
one strided view of the whole image. Forward keeps the running maximum and the ``offset``
(i * KW + j) of the cell it came from: ties go to the first, NaN wins and a cell of padding
is never chosen, as in PyTorch. Backward adds each window's gradient into the cell at its
offset, one offset at a time, so windows that overlap add up where they share a maximum.
The work runs in x's memory order: a channels-last image (a convolution's output) stays
channels last, and so does its gradient.

``pool_index`` turns the offsets into flat positions ``row * W + col`` in each H x W plane,
the form ``max_pool2d(return_indices=True)`` gives and ``max_unpool2d`` takes.
"""
import numpy as np


def pooled_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output size along one dim; with ceil_mode the last window must start
    inside the input or its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def channels_last(a):
    """Whether the (N, C, H, W) array ``a`` is laid out as (N, H, W, C) in memory (an array
    of another library says nothing of its layout: then no)."""
    if not hasattr(a, "flags"):
        return False
    return not a.flags.c_contiguous and a.transpose(0, 2, 3, 1).flags.c_contiguous


class Windows:
    """The geometry of one pooling, in the memory order of the image it reads."""

    def __init__(self, shape, last, kernel, stride, padding, dilation, out_size):
        self.shape = tuple(shape)
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.out_size = tuple(out_size)
        self.order = (0, 2, 3, 1) if last else (0, 1, 2, 3)   # the axes in memory order
        self.back = tuple(int(a) for a in np.argsort(self.order))
        self.ah, self.aw = self.order.index(2), self.order.index(3)   # H and W in that order
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
        h, w = shape[2:]
        self.span = (max((oh - 1) * sh + (kh - 1) * dh + 1, h + 2 * padding[0]),
                     max((ow - 1) * sw + (kw - 1) * dw + 1, w + 2 * padding[1]))
        self.padded = self.span != (h, w)

    def memory_shape(self, rows, cols):
        shape = [self.shape[a] for a in self.order]
        shape[self.ah], shape[self.aw] = rows, cols
        return shape

    def spatial(self, rows, cols):
        """An index taking ``rows`` on the H axis and ``cols`` on the W axis."""
        index = [slice(None)] * 4
        index[self.ah], index[self.aw] = rows, cols
        return tuple(index)

    def offsets(self):
        """(offset number, index of its cells in the padded image) for each kernel offset."""
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = (self.kernel, self.stride, self.dilation,
                                                  self.out_size)
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, self.spatial(slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                                               slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))

    def tiles(self):
        """Whether the windows cover the image exactly once (MaxPool2d(k) on a multiple of
        k): then each cell belongs to one window and one offset."""
        return (tuple(self.kernel) == tuple(self.stride) and tuple(self.dilation) == (1, 1)
                and tuple(self.padding) == (0, 0)
                and all(o * k == n for o, k, n in zip(self.out_size, self.kernel, self.shape[2:])))

    def interior(self):
        """Where the image sits in the padded one."""
        (ph, pw), (h, w) = self.padding, self.shape[2:]
        return self.spatial(slice(ph, ph + h), slice(pw, pw + w))

    def first_real(self):
        """Each window's first offset whose cell is inside the image, in memory order."""
        first = [first_inside(np.arange(o) * s - p, size, d, k) for o, s, p, size, d, k in zip(
            self.out_size, self.stride, self.padding, self.shape[2:], self.dilation,
            self.kernel)]
        both = first[0][:, None] * self.kernel[1] + first[1][None, :]
        oh, ow = self.out_size
        return both.reshape([oh if a == self.ah else ow if a == self.aw else 1
                             for a in range(4)])


def first_inside(starts, size, dilation, kernel):
    cells = starts[:, None] + np.arange(kernel) * dilation
    return np.argmax((cells >= 0) & (cells < size), 1)


def max_pool(x, kernel, stride, padding, dilation, ceil_mode=False):
    """(pooled (N, C, OH, OW), offset (N, C, OH, OW) of each maximum in its window); each
    geometry argument is a pair, ``ceil_mode`` keeps a last partial window."""
    out_size = tuple(pooled_size(x.shape[2 + k], kernel[k], stride[k], padding[k],
                                 dilation[k], ceil_mode) for k in range(2))
    win = Windows(x.shape, channels_last(x), kernel, stride, padding, dilation, out_size)
    image = x.transpose(win.order)
    if win.padded:
        padded = np.full(win.memory_shape(*win.span), -np.inf, x.dtype)
        padded[win.interior()] = image
        image = padded
    shape = win.memory_shape(*out_size)
    # each offset's cells copied into one contiguous row: the passes below then run over
    # long rows (a strided view of a channels-last image has rows of C values; 2.9x faster)
    cells_by_offset = np.empty((kernel[0] * kernel[1],) + tuple(shape), x.dtype)
    for k, cells in win.offsets():
        cells_by_offset[k] = image[cells]
    best, offset = running_max(cells_by_offset, win.first_real(), nan_wins=False)
    if x.dtype.kind == "f" and np.isnan(best).any():   # rare: again, with NaN's rule
        best, offset = running_max(cells_by_offset, win.first_real(), nan_wins=True)
    return best.transpose(win.back), offset.transpose(win.back)


def running_max(cells_by_offset, first, nan_wins):
    """(the largest value of each window, the offset of its first occurrence) from the
    windows' cells given offset by offset; ``first``: each window's first real cell. With
    ``nan_wins``, a NaN takes the place as it comes, as in PyTorch."""
    kernel_cells = len(cells_by_offset)
    best = np.full(cells_by_offset.shape[1:], -np.inf, cells_by_offset.dtype)
    kind = np.int8 if kernel_cells <= 127 else np.int32
    offset = np.empty(best.shape, kind)   # each window's first real cell until a larger one
    offset[...] = first
    for k, view in enumerate(cells_by_offset):
        better = view > best     # padding (-inf) never is
        if nan_wins:
            better |= np.isnan(view)
        np.maximum(best, view, out=best)   # NaN stays once met
        # offsets only grow through the loop, so the larger of the two is the select:
        # no branches, where a masked copy costs 4x more
        np.maximum(offset, better * kind(k), out=offset)
    return best, offset


def unpool_add(g, offset, shape, kernel, stride, padding, dilation):
    """Max pooling's backward: zeros of ``shape`` (N, C, H, W) with each window's g
    (N, C, OH, OW) added into the cell at its ``offset``, in offset's memory order."""
    win = Windows(shape, channels_last(offset), kernel, stride, padding, dilation,
                  offset.shape[2:])
    where = np.ascontiguousarray(offset.transpose(win.order))   # long rows, as in forward
    grads = np.ascontiguousarray(g.transpose(win.order))
    tiles = win.tiles()
    out = (np.empty if tiles else np.zeros)(win.memory_shape(*win.span), g.dtype)
    for k, cells in win.offsets():
        if tiles:   # each cell written once, straight from the product: 2x faster
            np.multiply(grads, where == k, out=out[cells])
        else:
            out[cells] += grads * (where == k)
    return out[win.interior()].transpose(win.back)


def pool_index(offset, shape, kernel, stride, padding, dilation):
    """Each maximum's flat position ``row * W + col`` in its H x W plane (int64)."""
    (kw, (sh, sw), (ph, pw), (dh, dw), w) = (kernel[1], stride, padding, dilation, shape[3])
    i, j = np.divmod(offset.astype(np.int64), kw)
    rows = np.arange(offset.shape[2])[:, None] * sh - ph + i * dh
    cols = np.arange(offset.shape[3])[None, :] * sw - pw + j * dw
    return rows * w + cols

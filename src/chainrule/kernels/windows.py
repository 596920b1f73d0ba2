"""Sliding windows on NumPy arrays: ``unfold`` cuts an image into windows (im2col), ``fold``
sums windows back into an image (col2im); each is the other's transpose.

Layout: for an image ``x`` of shape (N, C, H, W), the windows have shape
(N, OH, OW, KH, KW, C): one row per output pixel, channels last. A convolution is then one
matrix product of the (N * OH * OW, KH * KW * C) rows with the weight laid out as
(out, KH, KW, C), and a pooling a reduction over the KH * KW axis. Channels last because the
copy that makes the windows then moves runs of C contiguous values, and a convolution's
output (N, OH, OW, out) is already channels last for the next one. Unfold is one strided
view and one copy; Fold loops over the KH * KW kernel offsets (never over pixels), adding
one shifted slice per offset.

A grouped convolution (``groups`` > 1) needs each group's channels apart: ``grouped_unfold``
cuts the windows as (G, N, OH, OW, KH, KW, C / G), one block of rows per group, and
``fold_offsets`` sums windows given by kernel offset (KH, KW, G, N, OH, OW, C / G), the
layout in which a convolution's input gradient comes out of its matrix product. ``unfold``
and ``fold`` are their one-group cases.
"""
import numpy as np


def output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def window_geometry(shape, kernel, stride, padding, dilation, op):
    """(OH, OW) for an (N, C, H, W) image, with an error naming the op when it has none."""
    if len(shape) != 4:
        raise ValueError(f"{op}: expected an input of shape (N, C, H, W), got {tuple(shape)}; "
                         f"add a batch dimension with unsqueeze(0) for a single image")
    oh, ow = (output_size(shape[2 + i], kernel[i], stride[i], padding[i], dilation[i])
              for i in range(2))
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: kernel {tuple(kernel)} with dilation {tuple(dilation)} does "
                         f"not fit an input of size {tuple(shape[2:])} with padding "
                         f"{tuple(padding)}; the output would be {oh}x{ow}")
    return oh, ow


def unfold(x, kernel, stride, padding, dilation, pad_value=0.0):
    """(N, C, H, W) -> windows (N, OH, OW, KH, KW, C), a contiguous copy."""
    return grouped_unfold(x, 1, kernel, stride, padding, dilation, pad_value)[0]


def grouped_unfold(x, groups, kernel, stride, padding, dilation, pad_value=0.0, op="unfold"):
    """(N, C, H, W) -> windows (G, N, OH, OW, KH, KW, C / G), a contiguous copy: the windows
    of each group of C / G channels apart, so that each group's rows are one matrix."""
    n, c, h, w = x.shape
    oh, ow = window_geometry(x.shape, kernel, stride, padding, dilation, op)
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    cg = c // groups
    padded = np.empty((groups, n, h + 2 * ph, w + 2 * pw, cg), dtype=x.dtype)
    if ph or pw:
        padded.fill(pad_value)
    # splitting C into (G, C / G) is a view whatever x's strides; the copy moves channels last
    padded[:, :, ph:ph + h, pw:pw + w, :] = x.reshape(n, groups, cg, h, w).transpose(1, 0, 3, 4, 2)
    if cg == 1:   # one channel: copying offset by offset moves runs of OW values, not of KW
        windows = np.empty((groups, n, oh, ow) + tuple(kernel) + (1,), dtype=x.dtype)
        for i in range(kernel[0]):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kernel[1]):
                cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                windows[:, :, :, :, i, j] = padded[:, :, rows, cols]
        return windows
    s_g, s_n, s_h, s_w, s_c = padded.strides
    windows = np.lib.stride_tricks.as_strided(
        padded, shape=(groups, n, oh, ow, kernel[0], kernel[1], cg),
        strides=(s_g, s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c), writeable=False)
    return np.ascontiguousarray(windows)


def fold(windows, shape, kernel, stride, padding, dilation):
    """Windows (N, OH, OW, KH, KW, C) -> the (N, C, H, W) image they cover, overlaps summed."""
    # Kernel offsets first: each offset's slice is then contiguous, and the adds run faster.
    by_offset = np.ascontiguousarray(windows.transpose(3, 4, 0, 1, 2, 5))
    return fold_offsets(by_offset[:, :, None], shape, stride, padding, dilation)


def fold_offsets(by_offset, shape, stride, padding, dilation):
    """Windows by kernel offset (KH, KW, G, N, OH, OW, C / G) -> the (N, C, H, W) image they
    cover, overlaps summed: one add of a shifted slice per offset, never a loop over pixels.
    The image comes back channels last in memory (a transposed view)."""
    n, c, h, w = shape
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    kh, kw, groups, _, oh, ow, cg = by_offset.shape
    out = np.zeros((n, h + 2 * ph, w + 2 * pw, groups, cg), dtype=by_offset.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            target = out[:, rows, cols].transpose(3, 0, 1, 2, 4)   # a view: (G, N, OH, OW, Cg)
            target += by_offset[i, j]
    return out[:, ph:ph + h, pw:pw + w].reshape(n, h, w, c).transpose(0, 3, 1, 2)

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
    n, c, h, w = x.shape
    oh, ow = window_geometry(x.shape, kernel, stride, padding, dilation, "unfold")
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    padded = np.empty((n, h + 2 * ph, w + 2 * pw, c), dtype=x.dtype)
    if ph or pw:
        padded.fill(pad_value)
    padded[:, ph:ph + h, pw:pw + w, :] = x.transpose(0, 2, 3, 1)
    s_n, s_h, s_w, s_c = padded.strides
    windows = np.lib.stride_tricks.as_strided(
        padded, shape=(n, oh, ow, kernel[0], kernel[1], c),
        strides=(s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c), writeable=False)
    return np.ascontiguousarray(windows)


def fold(windows, shape, kernel, stride, padding, dilation):
    """Windows (N, OH, OW, KH, KW, C) -> the (N, C, H, W) image they cover, overlaps summed."""
    n, c, h, w = shape
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    oh, ow = windows.shape[1:3]
    out = np.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=windows.dtype)
    # Kernel offsets first: each offset's slice is then contiguous, and the adds run faster.
    by_offset = np.ascontiguousarray(windows.transpose(3, 4, 0, 1, 2, 5))
    for i in range(kernel[0]):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kernel[1]):
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, rows, cols, :] += by_offset[i, j]
    return out[:, ph:ph + h, pw:pw + w, :].transpose(0, 3, 1, 2)

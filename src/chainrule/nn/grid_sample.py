"""``F.affine_grid`` and ``F.grid_sample``: spatial transformers, PyTorch's formulas as
compositions, so both the image and the sampling grid get gradients.

``affine_grid(theta, size)`` is the base grid of normalised coordinates ([-1, 1] across the
image; pixel centres, or corners with ``align_corners``) times each affine matrix: one
``MatMul``. ``grid_sample(input, grid)`` reads the image at those coordinates: each is
unnormalised to pixels, folded back into the image as ``padding_mode`` says ('border' clamps,
with no gradient at the ends, as PyTorch's; 'reflection' mirrors, as ``sign * x +
constant``, PyTorch's gradient sign, then clamps), and then
'bilinear' mixes the four pixels around it with PyTorch's weights (``(1 - dy) (1 - dx)``
...), pixels outside the image counting 0 ('zeros'); 'nearest' takes the nearest pixel
(half to even). The pixels are gathered from the flattened image (``gather``), so the
image's gradient adds back where they came from, and the grid's flows through the weights.

>>> import chainrule as cr
>>> import chainrule.nn.functional as F
>>> image = cr.arange(4.0).reshape(1, 1, 2, 2)
>>> identity = cr.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
>>> F.grid_sample(image, F.affine_grid(identity, (1, 1, 2, 2), align_corners=False),
...               align_corners=False).flatten().tolist()
[0.0, 1.0, 2.0, 3.0]
"""
import warnings

import numpy as np

from .. import ops
from ..tensor import new_tensor

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")


def default_align_corners(align_corners, op):
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.", stacklevel=3)
        return False
    return align_corners


def positions(size, align_corners, dtype):
    """The normalised coordinates of ``size`` pixels: -1 to 1 at their centres (corners)."""
    if size <= 1:
        return np.zeros(size, dtype)
    steps = np.linspace(-1, 1, size, dtype=dtype)
    return steps if align_corners else steps * ((size - 1) / size)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps ``theta``
    (N, 2, 3) (or (N, 3, 4)) for an output of ``size`` (N, C, H, W) (or (N, C, D, H, W)).

    >>> import chainrule as cr
    >>> grid = affine_grid(cr.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 1, 3),
    ...                    align_corners=True)
    >>> grid.tolist()
    [[[[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]]]
    """
    align_corners = default_align_corners(align_corners, "affine_grid")
    size = tuple(int(s) for s in size)
    spatial = len(size) - 2
    if spatial not in (2, 3):
        raise NotImplementedError(f"affine_grid: only 4-D and 5-D sizes (2-D and 3-D affine "
                                  f"maps) are supported, got size {size}")
    if theta._data.dtype.kind != "f":
        raise ValueError(f"affine_grid: expected a floating theta, got {theta.dtype}")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (spatial, spatial + 1) \
            or theta.shape[0] != size[0]:
        raise ValueError(f"affine_grid: expected a batch of {size[0]} affine matrices "
                         f"{spatial}x{spatial + 1} for size {size}, got shape "
                         f"{tuple(theta.shape)}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"affine_grid: expected a non-zero, positive output size, got {size}")
    dtype = theta._data.dtype
    axes = [positions(s, align_corners, dtype) for s in reversed(size[2:])]   # x, y (, z)
    mesh = np.meshgrid(*axes, indexing="xy") if spatial == 2 else \
        [a.transpose(2, 0, 1) for a in np.meshgrid(*axes, indexing="xy")]
    base = np.stack(list(mesh) + [np.ones_like(mesh[0])], -1).reshape(-1, spatial + 1)
    grid = new_tensor(base, None) @ theta.mT                # (N, pixels, spatial)
    return grid.reshape(size[0], *size[2:], spatial)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """``input`` (N, C, H, W) read at the normalised (x, y) positions of ``grid``
    (N, H_out, W_out, 2): (N, C, H_out, W_out). 'bilinear' or 'nearest'; 'zeros', 'border'
    or 'reflection' outside the image.

    >>> import chainrule as cr
    >>> image = cr.tensor([[[[0.0, 10.0]]]])
    >>> grid_sample(image, cr.tensor([[[[0.0, 0.0]]]]), align_corners=True).item()
    5.0
    """
    if mode not in MODES:
        raise ValueError(f"grid_sample: expected mode to be 'bilinear', 'nearest' or "
                         f"'bicubic', but got: {mode!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"grid_sample: expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: {padding_mode!r}")
    align_corners = default_align_corners(align_corners, "grid_sample")
    if mode == "bicubic" or input.ndim == 5:
        raise NotImplementedError(f"grid_sample: {'bicubic' if mode == 'bicubic' else '3-D'} "
                                  f"sampling is not supported yet; use 'bilinear' or "
                                  f"'nearest' on a 4-D input")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 \
            or grid.shape[0] != input.shape[0]:
        raise ValueError(f"grid_sample: expected an input (N, C, H, W) and a grid "
                         f"(N, H_out, W_out, 2), got shapes {tuple(input.shape)} and "
                         f"{tuple(grid.shape)}")
    if input.dtype != grid.dtype:
        raise TypeError(f"grid_sample: the input ({input.dtype}) and the grid ({grid.dtype}) "
                        f"must have the same dtype")
    h, w = input.shape[2:]
    x = source_index(grid[..., 0], w, padding_mode, align_corners)
    y = source_index(grid[..., 1], h, padding_mode, align_corners)
    if mode == "nearest":
        corners = [(np.rint(x._data), np.rint(y._data), None)]
    else:
        x0, y0 = np.floor(x._data), np.floor(y._data)
        west, north = x - constant(x0, x), y - constant(y0, y)   # PyTorch's weights' form
        east, south = 1 - west, 1 - north
        corners = [(x0, y0, south * east), (x0 + 1, y0, south * west),
                   (x0, y0 + 1, north * east), (x0 + 1, y0 + 1, north * west)]
    out = None
    for cx, cy, weight in corners:
        term = pixels(input, cx, cy)
        if weight is not None:
            term = term * weight.unsqueeze(1)
        out = term if out is None else out + term
    return out


def constant(values, like):
    return new_tensor(np.asarray(values, like._data.dtype), None)


def source_index(coord, size, padding_mode, align_corners):
    """Normalised coordinates as pixel positions, folded in as ``padding_mode`` says."""
    # PyTorch's CPU kernel's order of operations, in the grid's dtype
    if align_corners:
        position = (coord + 1) * ((size - 1) / 2)
    else:
        position = (coord + 1) * (size / 2) - 0.5
        if position._data.dtype == np.float32:   # its kernel fuses the multiply-subtract
            fused = ((coord._data + np.float32(1)).astype(np.float64) * (size / 2) - 0.5)
            position = position + constant(fused.astype(np.float32) - position._data, position)
    if padding_mode == "reflection":
        low, twice_span = (0.0, 2 * (size - 1)) if align_corners else (-0.5, 2 * size)
        position = reflected(position, low, twice_span)
    if padding_mode != "zeros":   # clamped; PyTorch counts the ends as outside: gradient 0
        data = position._data
        inside = (data > 0) & (data < size - 1)
        position = ops.where(inside, position, constant(np.clip(data, 0, size - 1), position))
    return position


def reflected(position, low, twice_span):
    """PyTorch's ``reflect_coordinates`` (its CPU kernel's form: ``|x - low|`` folded into
    ``[0, twice_span)``, then mirrored about its middle) as ``sign * position + constant``,
    its gradient sign; an empty span gives 0."""
    data = position._data
    if twice_span <= 0:
        return position * 0
    dtype = data.dtype.type
    shifted = data - dtype(low)
    distance = np.abs(shifted)
    extra = distance - np.trunc(distance / dtype(twice_span)) * dtype(twice_span)
    mirrored = dtype(twice_span) - extra
    flip = extra > mirrored
    value = np.where(flip, mirrored, extra) + dtype(low)
    slope = np.where(flip ^ (shifted < 0), -1.0, 1.0).astype(data.dtype)
    return position * constant(slope, position) + constant(value - slope * data, position)


def pixels(input, cx, cy):
    """The input's pixels at integer positions (N, H_out, W_out), 0 outside the image."""
    n, c, h, w = input.shape
    inside = (cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)
    flat = (np.clip(cy, 0, h - 1) * w + np.clip(cx, 0, w - 1)).astype(np.int64)
    index = np.broadcast_to(flat.reshape(n, 1, -1), (n, c, flat[0].size))
    values = input.reshape(n, c, h * w).gather(2, new_tensor(np.ascontiguousarray(index), None))
    values = values.reshape(n, c, *cx.shape[1:])
    if inside.all():
        return values
    return ops.where(inside[:, None], values, constant(0.0, input))

"""Tensor products and index helpers PyTorch programs call, written as compositions of the
existing gates (so each gradient is the gates' own): ``cross`` / ``linalg.cross``, ``kron``,
``tensordot``, ``cdist``, ``diag_embed``, ``tensor_split``, ``Tensor.unfold`` and ``take``;
and the functions without a gradient that return indices or masks: ``tril_indices``,
``triu_indices``, ``searchsorted``, ``bucketize`` and ``isin``.
"""
import numbers

import numpy as np

from ..tensor import Tensor, api, new_tensor
from .linalg import MatMul
from .reduce import normalize_dims, vector_norm
from .shape import broadcast_tensors, cat, index_select, movedim


def constant(array):
    """A tensor with no gradient from a NumPy array (indices, masks)."""
    return new_tensor(np.asarray(array), None)


# ----- cross products ---------------------------------------------------------------------
def cross_along(a, b, dim, op):
    if a.ndim != b.ndim:   # PyTorch broadcasts sizes, not numbers of dimensions, here
        raise ValueError(f"{op}: inputs must have the same number of dimensions, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}; unsqueeze the shorter")
    a, b = broadcast_tensors(a, b)
    dim = normalize_dims(dim, a.ndim, op)[0]
    if a.shape[dim] != 3:
        raise ValueError(f"{op}: inputs dimension {dim} must have length 3, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    a0, a1, a2 = (a.narrow(dim, i, 1) for i in range(3))
    b0, b1, b2 = (b.narrow(dim, i, 1) for i in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


@api(methods=("cross",))
def cross(input, other, dim=None, *, out=None):  # noqa: A002 (PyTorch's argument name)
    """``torch.cross``: the cross product of 3-vectors along ``dim`` (by default, as
    PyTorch's, the first dimension of size 3), inputs broadcast; a composition of slices,
    products and ``cat``.

    >>> import chainrule as cr
    >>> cr.cross(cr.tensor([1.0, 0.0, 0.0]), cr.tensor([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    refuse_out(out, "cross")
    if dim is None:
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        sizes = [d for d, n in enumerate(shape) if n == 3]
        if not sizes:
            raise ValueError(f"cross: no dimension of size 3 in shapes {tuple(input.shape)} "
                             f"and {tuple(other.shape)}; pass dim=")
        dim = sizes[0]
    return cross_along(input, other, dim, "cross")


@api(name=False)
def linalg_cross(input, other, *, dim=-1, out=None):  # noqa: A002
    """``torch.linalg.cross``: the cross product along ``dim`` (default -1), broadcast.

    >>> import chainrule as cr
    >>> cr.linalg.cross(cr.tensor([[0.0, 1.0, 0.0]]), cr.tensor([[0.0, 0.0, 1.0]])).tolist()
    [[1.0, 0.0, 0.0]]
    """
    refuse_out(out, "linalg.cross")
    return cross_along(input, other, dim, "linalg.cross")


def refuse_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; use the returned tensor")


# ----- Kronecker and tensor contractions --------------------------------------------------
@api(methods=("kron",))
def kron(input, other, *, out=None):  # noqa: A002
    """``torch.kron``: the Kronecker product; the shorter shape gets leading ones. An outer
    product of interleaved axes, reshaped.

    >>> import chainrule as cr
    >>> cr.kron(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 10.0])).tolist()
    [1.0, 10.0, 2.0, 20.0]
    """
    refuse_out(out, "kron")
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    a_shape = [s for d in a.shape for s in (d, 1)]
    b_shape = [s for d in b.shape for s in (1, d)]
    product = a.reshape(a_shape) * b.reshape(b_shape)
    return product.reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))


def contracted_dims(dims, a, b):
    """PyTorch's ``dims``: an int n (a's last n with b's first n), or two lists of dims."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise ValueError(f"tensordot: dims must be a non-negative number, got {dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if len(dims) != 2:
        raise ValueError(f"tensordot: dims must be an int or a pair of lists of dims, got "
                         f"{dims!r}")
    first, second = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
    if len(first) != len(second):
        raise ValueError(f"tensordot: both lists of dims must have the same length, got "
                         f"{first} and {second}")
    return (normalize_dims(first, a.ndim, "tensordot") if first else [],
            normalize_dims(second, b.ndim, "tensordot") if second else [])


@api
def tensordot(a, b, dims=2, out=None):
    """``torch.tensordot``: sum of products over ``dims`` (an int n: the last n of ``a``
    with the first n of ``b``; or two lists of dims), a permute, reshape and ``MatMul``.

    >>> import chainrule as cr
    >>> cr.tensordot(cr.ones(2, 3), cr.ones(3, 4), dims=1).shape
    chainrule.Size([2, 4])
    """
    refuse_out(out, "tensordot")
    dims_a, dims_b = contracted_dims(dims, a, b)
    for i, j in zip(dims_a, dims_b):   # PyTorch's rule: a size 1 against n sums the other
        if b.shape[j] == 1 and a.shape[i] != 1:
            a = a.sum(i, keepdim=True)
        elif a.shape[i] == 1 and b.shape[j] != 1:
            b = b.sum(j, keepdim=True)
        elif a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: contracted dimensions {i} of a {tuple(a.shape)} and "
                             f"{j} of b {tuple(b.shape)} differ in size")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = int(np.prod([a.shape[d] for d in dims_a]))
    left = a.permute(free_a + list(dims_a)).reshape(-1, k)
    right = b.permute(list(dims_b) + free_b).reshape(k, -1)
    shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return MatMul.apply(left, right).reshape(shape)


# ----- distances --------------------------------------------------------------------------
CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
               "donot_use_mm_for_euclid_dist")


@api
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """``torch.cdist``: the p-norm distance between each row of ``x1`` (..., P, M) and each
    row of ``x2`` (..., R, M), batch dimensions broadcast: ``vector_norm`` of the pairwise
    differences (its gradient at a zero distance is 0, as PyTorch's). ``compute_mode`` is
    accepted; chainrule always takes the differences (PyTorch's matrix-product shortcut
    differs from them only in rounding).

    >>> import chainrule as cr
    >>> cr.cdist(cr.tensor([[0.0, 0.0]]), cr.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [[5.0, 1.0]]
    """
    if compute_mode not in CDIST_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {CDIST_MODES}, got "
                         f"{compute_mode!r}")
    if p < 0:
        raise ValueError(f"cdist: p must be non-negative, got {p}")
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 (..., P, M) and x2 (..., R, M) need at least 2 "
                         f"dimensions and the same M, got {tuple(x1.shape)} and "
                         f"{tuple(x2.shape)}")
    differences = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(differences, p, -1)


# ----- matrices from vectors, pieces and windows ------------------------------------------
@api(methods=("diag_embed",))
def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """``torch.diag_embed``: the last dimension of ``input`` (n) on the ``offset`` diagonal
    of new (n + |offset|)-square matrices over ``dim1`` and ``dim2`` of the output; zeros
    elsewhere. An indexing and a ``where`` (no product, so inf stays off the diagonal).

    >>> import chainrule as cr
    >>> cr.diag_embed(cr.tensor([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    dims = normalize_dims([dim1, dim2], input.ndim + 1, "diag_embed")
    if dims[0] == dims[1]:
        raise ValueError(f"diag_embed: dim1 and dim2 cannot be the same, got {dim1} and {dim2}")
    n = input.shape[-1] if input.ndim else 1
    x = input.reshape(1) if input.ndim == 0 else input
    m = n + abs(offset)
    rows, cols = np.indices((m, m))
    on_diagonal = (cols - rows == offset) & (rows - max(-offset, 0) < n)
    source = np.clip(rows - max(-offset, 0), 0, max(n - 1, 0))
    if n == 0:
        out = x.new_zeros(tuple(x.shape[:-1]) + (m, m))
    else:
        picked = index_select(x, -1, constant(source.ravel())).reshape(
            tuple(x.shape[:-1]) + (m, m))
        out = picked.where(constant(on_diagonal), x.new_zeros(()))
    return movedim(out, (-2, -1), tuple(dims))


def index_tensor(indices, dtype):
    if dtype is not None and str(dtype) not in ("chainrule.int64", "chainrule.int32"):
        raise ValueError(f"tril_indices/triu_indices: dtype must be int64 or int32, got {dtype}")
    return constant(np.stack(indices).astype(np.int32 if str(dtype) == "chainrule.int32"
                                             else np.int64).reshape(2, -1))


@api
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None,
                 pin_memory=False):
    """``torch.tril_indices``: the (2, N) coordinates of the lower triangle of a row x col
    matrix (on and below ``offset``), row by row.

    >>> import chainrule as cr
    >>> cr.tril_indices(2, 2).tolist()
    [[0, 1, 1], [0, 0, 1]]
    """
    check_cpu(device, "tril_indices")
    return index_tensor(np.tril_indices(row, offset, col), dtype)


@api
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None,
                 pin_memory=False):
    """``torch.triu_indices``: the (2, N) coordinates of the upper triangle (on and above
    ``offset``), row by row.

    >>> import chainrule as cr
    >>> cr.triu_indices(2, 3, 1).tolist()
    [[0, 0, 1], [1, 2, 2]]
    """
    check_cpu(device, "triu_indices")
    return index_tensor(np.triu_indices(row, offset, col), dtype)


def check_cpu(device, op):
    if device is not None and str(device).split(":")[0] != "cpu":
        raise ValueError(f"{op}: device={device!r}: chainrule computes on the CPU today; "
                         f"leave device out or pass 'cpu'")


def split_points(sections_or_indices, size, op):
    """The cut points of ``tensor_split``: n sections as np.array_split, or the indices."""
    value = sections_or_indices
    if isinstance(value, Tensor):
        if value.dtype.is_floating_point or value.ndim > 1:
            raise TypeError(f"{op}: a tensor of sections or indices must be an integer "
                            f"scalar or 1-D, got {value.dtype} of shape {tuple(value.shape)}")
        value = value.tolist()
    if isinstance(value, numbers.Integral):
        if value <= 0:
            raise ValueError(f"{op}: number of sections must be larger than 0, got {value}")
        base, extra = divmod(size, value)
        return list(np.cumsum([base + 1] * extra + [base] * (value - extra - 1)))
    return [min(max(int(i) + size if i < 0 else int(i), 0), size) for i in value]


@api(methods=("tensor_split",))
def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    """``torch.tensor_split``: pieces of ``input`` along ``dim``, as ``np.array_split`` (n
    sections, the first ``size % n`` one longer) or cut at the given indices; slices.

    >>> import chainrule as cr
    >>> [t.tolist() for t in cr.tensor_split(cr.arange(5), 2)]
    [[0, 1, 2], [3, 4]]
    """
    dim = normalize_dims(dim, input.ndim, "tensor_split")[0]
    size = input.shape[dim]
    cuts = [0] + split_points(indices_or_sections, size, "tensor_split") + [size]
    return tuple(input.narrow(dim, start, max(end - start, 0))
                 for start, end in zip(cuts[:-1], cuts[1:]))


@api(name=False, methods=("unfold",))
def tensor_unfold(self, dimension, size, step):
    """``Tensor.unfold``: every window of ``size`` elements along ``dimension``, ``step``
    apart, as a new last dimension (the windows replace ``dimension``); one indexing.

    >>> import chainrule as cr
    >>> cr.arange(5.0).unfold(0, 2, 2).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    x = self.reshape(1) if self.ndim == 0 else self
    dim = normalize_dims(dimension, x.ndim, "unfold")[0]
    if step <= 0:
        raise ValueError(f"unfold: step must be positive, got {step}")
    if not 0 <= size <= x.shape[dim]:
        raise ValueError(f"unfold: size {size} must be between 0 and the size "
                         f"{x.shape[dim]} of dimension {dim}")
    count = (x.shape[dim] - size) // step + 1
    starts = np.arange(count) * step
    windows = (starts[:, None] + np.arange(size)).ravel()
    picked = index_select(x, dim, constant(windows))
    out = picked.reshape(tuple(x.shape[:dim]) + (count, size) + tuple(x.shape[dim + 1:]))
    out = movedim(out, dim + 1, -1)
    return out.reshape(size) if self.ndim == 0 else out


@api(methods=("take",))
def take(input, index):  # noqa: A002
    """``torch.take``: the elements of ``input`` read as 1-D at ``index`` (any shape;
    negative counts from the end); an indexing.

    >>> import chainrule as cr
    >>> cr.take(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), cr.tensor([0, -1])).tolist()
    [1.0, 4.0]
    """
    flat = np.asarray(index._data if isinstance(index, Tensor) else index)
    if flat.dtype.kind not in "iu":
        raise TypeError(f"take: index must be an integer tensor, got {flat.dtype}")
    n = int(np.prod(input.shape))
    if flat.size and (flat.min() < -n or flat.max() >= n):
        raise IndexError(f"take: index out of range for a tensor of {n} elements "
                         f"(indices from {flat.min()} to {flat.max()})")
    picked = index_select(input.reshape(-1), 0, constant((flat % max(n, 1)).ravel()))
    return picked.reshape(flat.shape)


# ----- sorted search and membership: indices and masks, no gradient ----------------------
def array_of(x):
    return np.asarray(x._data if isinstance(x, Tensor) else x)


@api
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False,  # noqa: A002
                 side=None, sorter=None, out=None):
    """``torch.searchsorted``: for each value of ``input``, the index in the last dimension
    of ``sorted_sequence`` where it would be inserted to keep it sorted (after equal
    values with ``right=True`` or ``side='right'``); a 1-D sequence serves every value,
    an N-D one is searched row by row against the same rows of ``input``. No gradient.

    >>> import chainrule as cr
    >>> cr.searchsorted(cr.tensor([1.0, 3.0, 5.0]), cr.tensor([3.0, 6.0])).tolist()
    [1, 3]
    """
    refuse_out(out, "searchsorted")
    if side not in (None, "left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if side is not None and (side == "right") != right and right:
        raise ValueError("searchsorted: side and right can't be set to opposites, got "
                         "side='left' and right=True")
    side = side or ("right" if right else "left")
    sequence, values = array_of(sorted_sequence), array_of(input)
    if sorter is not None:
        sequence = np.take_along_axis(sequence, array_of(sorter), -1)
    if sequence.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least 1 dimension")
    if sequence.ndim == 1:
        found = np.searchsorted(sequence, values, side=side)
    else:
        if values.shape[:-1] != sequence.shape[:-1]:
            raise ValueError(f"searchsorted: the leading dimensions of sorted_sequence "
                             f"{sequence.shape} and input {values.shape} must be the same")
        lead = int(np.prod(sequence.shape[:-1]))
        rows = sequence.reshape(lead, sequence.shape[-1])
        wanted = values.reshape(lead, values.shape[-1])
        found = np.zeros(wanted.shape, np.int64)
        for i, (row, value) in enumerate(zip(rows, wanted)):
            found[i] = np.searchsorted(row, value, side=side)
        found = found.reshape(values.shape)
    return constant(np.asarray(found).astype(np.int32 if out_int32 else np.int64))


@api
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):  # noqa: A002
    """``torch.bucketize``: the bucket of each value of ``input`` among the 1-D sorted
    ``boundaries`` (``boundaries[i-1] < x <= boundaries[i]``, or ``<= x <`` with
    ``right=True``): ``searchsorted`` with the arguments swapped. No gradient.

    >>> import chainrule as cr
    >>> cr.bucketize(cr.tensor([1.0, 4.0, 9.0]), cr.tensor([2.0, 4.0, 8.0])).tolist()
    [0, 1, 3]
    """
    refuse_out(out, "bucketize")
    if array_of(boundaries).ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape "
                         f"{array_of(boundaries).shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


@api
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """``torch.isin``: whether each of ``elements`` is among ``test_elements`` (either
    may be a number); a bool tensor of ``elements``' shape, no gradient.

    >>> import chainrule as cr
    >>> cr.isin(cr.tensor([1, 2, 3]), cr.tensor([2, 5])).tolist()
    [False, True, False]
    """
    return constant(np.isin(array_of(elements), array_of(test_elements),
                            assume_unique=assume_unique, invert=invert))


# ----- scatter with a reduction -----------------------------------------------------------
SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_layout(input_shape, dim, index, src_shape):
    """Where each used element of ``src`` goes: an (N, K) matrix of flat ``src`` positions,
    one row per element of the output (N of them), its K columns the elements scattered
    there and then ``src``'s size (a padding position), and the output's touched mask."""
    coords = list(np.indices(index.shape))
    src_flat = np.ravel_multi_index(coords, src_shape)
    coords[dim] = index
    out_flat = np.ravel_multi_index(coords, input_shape).ravel()
    n = int(np.prod(input_shape))
    counts = np.bincount(out_flat, minlength=n)
    order = np.argsort(out_flat, kind="stable")
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(order)) - starts[out_flat[order]]
    layout = np.full((n, max(int(counts.max(initial=0)), 1)), int(np.prod(src_shape)))
    layout[out_flat[order], rank] = src_flat.ravel()[order]
    return layout, counts.reshape(input_shape)


def check_scatter(input, dim, index, src, reduce):  # noqa: A002
    if reduce not in SCATTER_REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {SCATTER_REDUCTIONS}, got "
                         f"{reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError("scatter_reduce: src must be a tensor (use scatter for a number)")
    if not (index.ndim == input.ndim == src.ndim) and index.numel():
        raise ValueError(f"scatter_reduce: index {tuple(index.shape)}, input "
                         f"{tuple(input.shape)} and src {tuple(src.shape)} must have the "
                         f"same number of dimensions")
    for d, size in enumerate(index.shape):
        if size > src.shape[d] or (d != dim and size > input.shape[d]):
            raise ValueError(f"scatter_reduce: index {tuple(index.shape)} is larger than src "
                             f"{tuple(src.shape)} or input {tuple(input.shape)} in dimension {d}")
    positions = index._data
    if positions.size and (positions.min() < 0 or positions.max() >= input.shape[dim]):
        raise IndexError(f"scatter_reduce: index out of range: values from {positions.min()} "
                         f"to {positions.max()} for dimension {dim} of size "
                         f"{input.shape[dim]}")


def padding_for(reduce, dtype):
    """The value a padding column holds: neutral for the reduction."""
    if reduce in ("amax", "amin"):
        big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
        return -big if reduce == "amax" else big
    return 1 if reduce == "prod" else 0


@api(methods=("scatter_reduce",))
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):  # noqa: A002
    """``torch.scatter_reduce``: ``src``'s elements reduced into ``input`` at ``index``
    along ``dim`` with ``reduce`` (sum, prod, mean, amax, amin), ``input``'s own value
    taking part unless ``include_self=False``; positions no index names keep ``input``.
    Each output element's values are gathered into one row and reduced by the ``sum``,
    ``prod``, ``amax`` or ``amin`` gate, so the gradient is theirs (ties of amax/amin share
    it, as PyTorch's; an excluded input is never counted among the ties, where PyTorch
    counts it when equal to the result).

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0, 3.0])
    >>> x.scatter_reduce(0, cr.tensor([0, 0, 2]), cr.tensor([5.0, 7.0, 1.0]), "amax").tolist()
    [7.0, 2.0, 3.0]
    """
    refuse_out(out, "scatter_reduce")
    if input.ndim == 0:   # PyTorch takes 0-d tensors as 1-element vectors here
        scalars = [t.reshape(1) if t.ndim == 0 else t for t in (input, index, src)]
        return scatter_reduce(*scalars[:1], dim, *scalars[1:], reduce,
                              include_self=include_self).reshape(())
    dim = normalize_dims(dim, input.ndim, "scatter_reduce")[0]
    check_scatter(input, dim, index, src, reduce)
    if index.numel() == 0:
        return input.clone()
    x = input
    layout, counts = scatter_layout(tuple(x.shape), dim, index._data, tuple(src.shape))
    pad = constant(np.array([padding_for(reduce, src._data.dtype)], src._data.dtype))
    pool = cat([src.reshape(-1).to(x.dtype), pad.to(x.dtype)])
    rows = index_select(pool, 0, constant(layout.ravel())).reshape(layout.shape)
    if include_self:
        rows = cat([x.reshape(-1, 1), rows], 1)
    reduced = reduce_rows(rows, reduce, counts.reshape(-1) + include_self)
    return reduced.reshape(tuple(x.shape)).where(constant(counts > 0), x)


def reduce_rows(rows, reduce, counts):
    if reduce == "sum":
        return rows.sum(1)
    if reduce == "prod":
        return rows.prod(1).to(rows.dtype)
    if reduce in ("amax", "amin"):
        return rows.amax(1) if reduce == "amax" else rows.amin(1)
    divisor = constant(np.maximum(counts, 1).astype(rows._data.dtype))   # mean
    if rows.dtype.is_floating_point:
        return rows.sum(1) / divisor
    return rows.sum(1).div(divisor, rounding_mode="floor")

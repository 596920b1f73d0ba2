"""``F.embedding_bag``: sums, means or maxima of bags of embedding rows, without the
(bags, length, dim) tensor of rows that ``embedding`` then a reduction would build per bag
(the layer, ``nn.EmbeddingBag``, is in linear.py beside ``Embedding``).

The rows of every index are picked once (``GetItem``: the gradient adds back into the
weight, repeated indices included); a bag's sum or mean is then one matrix product with a
constant (bags, indices) matrix of 1 (or 1 / count, or the per-sample weight) where an index
belongs to the bag, so the gradient reaches the rows, and the per-sample weights, through
``MatMul``; a bag's max is ``max(dim)`` over its rows padded to the longest bag (the whole
gradient to the first largest row, as PyTorch's). Entries equal to ``padding_idx`` are left
out of their bag (and of its count); an empty bag gives zeros.

>>> import chainrule as cr
>>> import chainrule.nn.functional as F
>>> weight = cr.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
>>> F.embedding_bag(cr.tensor([1, 2, 2]), weight, cr.tensor([0, 1]), mode="sum").tolist()
[[1.0, 2.0], [6.0, 8.0]]
"""
import numpy as np

from .. import ops
from ..tensor import Tensor, new_tensor

MODES = ("sum", "mean", "max")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Each bag's ``mode`` ('sum', 'mean' or 'max') of the rows of ``weight`` its indices
    pick: bags are the rows of a 2-D ``input``, or the runs of a 1-D ``input`` that
    ``offsets`` start. ``per_sample_weights`` (mode 'sum') scale each index's row.

    >>> import chainrule as cr
    >>> weight = cr.tensor([[1.0], [2.0], [4.0]])
    >>> embedding_bag(cr.tensor([[0, 2], [1, 1]]), weight).tolist()
    [[2.5], [2.0]]
    """
    refuse_options(max_norm, scale_grad_by_freq, sparse, mode, per_sample_weights)
    index = (input._data if isinstance(input, Tensor) else np.asarray(input)).astype(np.int64)
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != index.shape:
        raise ValueError(f"embedding_bag: per_sample_weights of shape "
                         f"{tuple(per_sample_weights.shape)} must have the input's shape "
                         f"{index.shape}")
    bag, count = bags_of(index, offsets, include_last_offset)
    flat = index.reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= weight.shape[0]):
        raise IndexError(f"embedding_bag: an index is out of range for {weight.shape[0]} "
                         f"embeddings (valid: 0 to {weight.shape[0] - 1})")
    kept = np.ones(flat.shape, bool) if padding_idx is None \
        else flat != padding_idx % weight.shape[0]
    rows = ops.getitem(weight, flat)                        # (L, D)
    if mode == "max":
        return bag_max(rows, bag, kept, count, weight)
    member = (bag[None, :] == np.arange(count)[:, None]) & kept[None, :]   # (B, L)
    dtype = weight._data.dtype
    if mode == "mean":
        sizes = member.sum(1, keepdims=True)
        matrix = new_tensor((member / np.maximum(sizes, 1)).astype(dtype), None)
    else:
        matrix = new_tensor(member.astype(dtype), None)
        if per_sample_weights is not None:
            matrix = matrix * per_sample_weights.reshape(1, -1)
    return matrix @ rows


def refuse_options(max_norm, scale_grad_by_freq, sparse, mode, per_sample_weights):
    if mode not in MODES:
        raise ValueError(f"embedding_bag: mode must be one of {MODES}, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"embedding_bag: per_sample_weights is only supported for "
                         f"mode='sum' (got mode={mode!r}), as in PyTorch")
    for name, value in (("max_norm", max_norm), ("scale_grad_by_freq", scale_grad_by_freq),
                        ("sparse", sparse)):
        if value not in (None, False):
            raise NotImplementedError(
                f"embedding_bag: {name}={value!r} is not supported (chainrule's gradients "
                f"are dense and the weight is never renormalised in place); leave it unset")


def bags_of(index, offsets, include_last_offset):
    """(the bag of each flattened index, the number of bags), PyTorch's checks."""
    if index.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2-D, offsets has to be None: each "
                             "row of input is a bag")
        return np.repeat(np.arange(index.shape[0]), index.shape[1]), index.shape[0]
    if index.ndim != 1 or offsets is None:
        raise ValueError(f"embedding_bag: input must be 2-D (bags of one length), or 1-D "
                         f"with offsets; got shape {index.shape} and offsets {offsets!r}")
    starts = (offsets._data if isinstance(offsets, Tensor) else np.asarray(offsets))
    starts = starts.astype(np.int64).reshape(-1)
    if starts.size and starts[0] != 0:
        raise ValueError(f"embedding_bag: offsets[0] has to be 0 (the first bag starts at "
                         f"position 0), got {starts[0]}")
    if include_last_offset:   # the last offset ends the last bag
        starts = starts[:-1]
    if np.any(np.diff(starts) < 0) or starts.size and starts[-1] > index.size:
        raise ValueError("embedding_bag: offsets must be non-decreasing and at most the "
                         "input's length")
    bag = np.searchsorted(starts, np.arange(index.size), side="right") - 1
    return bag, starts.size


def bag_max(rows, bag, kept, count, weight):
    """Each bag's largest row, element by element (an empty bag: zeros)."""
    dim = weight.shape[1]
    if rows.shape[0] == 0:   # no index at all: every bag is empty
        return weight.new_zeros((count, dim)) + rows.sum() * 0
    position = [np.flatnonzero((bag == b) & kept) for b in range(count)]
    longest = max([len(p) for p in position] + [1])
    table = np.zeros((count, longest), np.int64)
    present = np.zeros((count, longest), bool)
    for b, p in enumerate(position):
        table[b, :len(p)], present[b, :len(p)] = p, True
    padded = ops.getitem(rows, table)                     # (B, longest, D)
    low = new_tensor(np.full((), -np.inf, weight._data.dtype), None)
    padded = ops.where(present[:, :, None], padded, low)
    largest = padded.max(1).values
    empty = new_tensor(np.zeros((), weight._data.dtype), None)
    return ops.where(present.any(1, keepdims=True) | np.zeros((1, dim), bool), largest, empty)

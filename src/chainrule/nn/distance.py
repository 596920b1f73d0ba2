"""Distances between vectors: ``normalize``, ``cosine_similarity``, ``pairwise_distance``
(functions, re-exported by ``nn.functional``) and the ``CosineSimilarity`` and
``PairwiseDistance`` modules. Each is a composition of gates (Norm, Div, Mul, Sum).

>>> import chainrule as cr
>>> cosine_similarity(cr.tensor([[1.0, 0.0]]), cr.tensor([[1.0, 1.0]])).tolist()
[0.7071067690849304]
"""
import numpy as np

from .. import ops
from ..ops.reduce import vector_norm
from ..tensor import new_tensor
from .module import Module


def clamped_below(norm, eps):
    """``max(norm, eps)`` in value, with the gradient of ``norm`` unclamped: PyTorch clamps
    these norms in place under no_grad, so its gradient flows as if they were not clamped."""
    data = norm._data
    return norm + new_tensor(np.maximum(data, np.asarray(eps, data.dtype)) - data, None)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``x / max(||x||_p, eps)`` along ``dim``.

    >>> import chainrule as cr
    >>> normalize(cr.tensor([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    if out is not None:
        raise ValueError("normalize: out= is not supported; use the returned tensor")
    return input / ops.norm(input, p, dim, True).clamp(min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 / ||x1|| * x2 / ||x2||, dim)``, each norm at least ``eps`` (PyTorch's form:
    dividing first keeps the result in [-1, 1]).

    >>> import chainrule as cr
    >>> cosine_similarity(cr.tensor([[3.0, 4.0]]), cr.tensor([[6.0, 8.0]])).tolist()
    [1.0]
    """
    x1, x2 = broadcast_pair(x1, x2)
    n1 = clamped_below(ops.norm(x1, 2, dim, True), eps)
    n2 = clamped_below(ops.norm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def broadcast_pair(x1, x2):
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    return (x1 if tuple(x1.shape) == shape else x1.expand(shape),
            x2 if tuple(x2.shape) == shape else x2.expand(shape))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` along the last dim.

    >>> import chainrule as cr
    >>> round(pairwise_distance(cr.tensor([[0.0, 0.0]]), cr.tensor([[3.0, 4.0]])).item(), 4)
    5.0
    """
    return ops.norm(x1 - x2 + eps, p, max(x1.ndim, x2.ndim, 1) - 1, keepdim)


class CosineSimilarity(Module):
    """``cosine_similarity(x1, x2, dim, eps)``.

    >>> import chainrule as cr
    >>> cr.nn.CosineSimilarity(dim=0)(cr.tensor([1.0, 0.0]), cr.tensor([0.0, 2.0])).item()
    0.0
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``pairwise_distance(x1, x2, p, eps, keepdim)``.

    >>> import chainrule as cr
    >>> distance = cr.nn.PairwiseDistance(p=1.0, eps=0.0)
    >>> distance(cr.tensor([[1.0, 1.0]]), cr.tensor([[0.0, 3.0]])).tolist()
    [3.0]
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows ``i < j`` of an (N, M) input, in
    PyTorch's order (row 0 with rows 1..N-1, then row 1 with 2..N-1, ...): shape
    N (N - 1) / 2. A composition: the rows picked in pairs (``GetItem``), subtracted, and
    ``vector_norm`` (gradient 0 where two rows are equal, as PyTorch's).

    >>> import chainrule as cr
    >>> pdist(cr.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])).tolist()
    [5.0, 10.0, 5.0]
    """
    if input.ndim != 2:
        raise ValueError(f"pdist: only 2-D inputs (N, M) are supported, got shape "
                         f"{tuple(input.shape)}")
    if p < 0:
        raise ValueError(f"pdist: only non-negative p values are supported, got {p}")
    first, second = np.triu_indices(input.shape[0], 1)
    difference = ops.getitem(input, first) - ops.getitem(input, second)
    distance = vector_norm(difference, p, dim=1)
    if p == 0 and difference.requires_grad:   # a count: PyTorch's has a zero gradient
        counted = np.zeros(distance.shape, bool)
        return ops.where(counted, difference.sum(1), distance)
    return distance

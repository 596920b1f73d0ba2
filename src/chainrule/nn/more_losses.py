"""More losses, PyTorch's: ``smooth_l1_loss``, ``kl_div``, ``poisson_nll_loss``,
``gaussian_nll_loss``, ``margin_ranking_loss``, ``hinge_embedding_loss``,
``triplet_margin_loss``, ``cosine_embedding_loss``, ``multilabel_soft_margin_loss`` and their
modules. Each is a composition of gates, written as PyTorch computes it (the same clamps at
the same places), so values and gradients agree at the seams too.

>>> import chainrule as cr
>>> smooth_l1_loss(cr.tensor([0.5, 3.0]), cr.tensor([0.0, 0.0])).item()
1.3125
"""
import math

import numpy as np

from .. import ops
from ..tensor import Tensor, new_tensor
from .distance import PairwiseDistance, clamped_below, pairwise_distance
from .loss import Loss, check_reduction, check_same_shape, l1_loss, reduce, takes_legacy_reduction


def constant(values, like):
    return new_tensor(np.asarray(values, dtype=like._data.dtype), None)


def data_of(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


@takes_legacy_reduction
def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` where |d| < beta, else ``|d| - beta / 2`` (d = x - y); beta = 0 is
    the L1 loss. Written as q^2 / (2 beta) + |d| - q with q = min(|d|, beta).

    >>> import chainrule as cr
    >>> smooth_l1_loss(cr.tensor([0.5, 3.0]), cr.zeros(2), reduction='none').tolist()
    [0.125, 2.5]
    """
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    size = (input - target).abs()
    inner = size.clamp(max=beta)
    return reduce(0.5 * inner * inner / beta + (size - inner), reduction, "smooth_l1_loss")


def xlogy(x):
    """``x * log(x)``, 0 where x is 0 (the gradient too: the log sees 1 there)."""
    data = data_of(x)
    positive = data > 0
    safe = ops.where(positive, x, constant(np.ones_like(data), x))
    return ops.where(positive, x * safe.log(), constant(np.zeros_like(data), x))


@takes_legacy_reduction
def kl_div(input, target, reduction="mean", log_target=False):
    """``target * (log(target) - input)`` pointwise, ``input`` holding log-probabilities;
    ``log_target``: ``exp(target) * (target - input)``. ``reduction="batchmean"`` divides the
    sum by the batch size (the true KL divergence); ``"mean"`` divides by every element.

    >>> import chainrule as cr
    >>> p = cr.tensor([[0.5, 0.5]])
    >>> kl_div(p.log(), p, reduction="batchmean").item()
    0.0
    """
    if log_target:
        losses = target.exp() * (target - input)
    else:
        losses = xlogy(target) - target * input
    if reduction == "batchmean":
        return losses.sum() / (input.shape[0] if input.ndim else 1)
    return reduce(losses, reduction, "kl_div")


@takes_legacy_reduction
def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """``exp(x) - y x`` (``log_input``) or ``x - y log(x + eps)``; ``full`` adds Stirling's
    ``y log y - y + log(2 pi y) / 2`` where y > 1.

    >>> import chainrule as cr
    >>> poisson_nll_loss(cr.tensor([0.0, 0.0]), cr.tensor([1.0, 3.0]), reduction='sum').item()
    2.0
    """
    if log_input:
        losses = input.exp() - target * input
    else:
        losses = input - target * (input + eps).log()
    if full:
        y = data_of(target)
        big = y > 1
        safe = ops.where(big, target, constant(np.full_like(y, 2.0), target))
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        losses = losses + ops.where(big, stirling, constant(np.zeros_like(y), target))
    return reduce(losses, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """``(log(var) + (x - y)^2 / var) / 2`` (plus ``log(2 pi) / 2`` when ``full``); ``var``
    is at least ``eps`` in value, its gradient unclamped, as in PyTorch. ``var`` has the
    input's shape, or one dim fewer, or a last dim of 1.

    >>> import chainrule as cr
    >>> gaussian_nll_loss(cr.tensor([1.0, 3.0]), cr.tensor([1.0, 1.0]), cr.tensor([1.0, 4.0]),
    ...     reduction='none').tolist()
    [0.0, 1.1931471824645996]
    """
    op = "gaussian_nll_loss"
    if not isinstance(var, Tensor):
        var = constant(np.full(tuple(input.shape), var), input)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif tuple(input.shape[:-1]) != tuple(var.shape[:-1]) or var.shape[-1] != 1:
            raise ValueError(f"{op}: var is of incorrect size: {tuple(var.shape)} for an input "
                             f"of shape {tuple(input.shape)} (give the input's shape, one dim "
                             f"fewer, or a last dim of 1)")
    check_reduction(reduction, op)
    if np.any(var._data < 0):
        raise ValueError(f"{op}: var has negative entry/entries")
    var = clamped_below(var, eps)
    diff = input - target
    losses = 0.5 * (var.log() + diff * diff / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduce(losses, reduction, op)


@takes_legacy_reduction
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """``max(0, -y (x1 - x2) + margin)`` with y = 1 or -1.

    >>> import chainrule as cr
    >>> margin_ranking_loss(cr.tensor([1.0, 2.0]), cr.tensor([2.0, 1.0]), cr.tensor([1.0, 1.0]),
    ...     reduction='none').tolist()
    [1.0, 0.0]
    """
    if not (input1.ndim == input2.ndim == np.ndim(data_of(target))):
        raise ValueError(f"margin_ranking_loss: all input tensors should have the same "
                         f"number of dimensions, got {input1.ndim}, {input2.ndim} and "
                         f"{np.ndim(data_of(target))}")
    losses = (-target * (input1 - input2) + margin).clamp(min=0.0)
    return reduce(losses, reduction, "margin_ranking_loss")


@takes_legacy_reduction
def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """``x`` where y = 1, ``max(0, margin - x)`` where y = -1 (PyTorch's sum of both masks).

    >>> import chainrule as cr
    >>> hinge_embedding_loss(cr.tensor([0.25, 2.0]), cr.tensor([-1.0, 1.0]),
    ...     reduction='none').tolist()
    [0.75, 2.0]
    """
    y = data_of(target)
    zeros = constant(np.zeros(np.broadcast_shapes(y.shape, tuple(input.shape))), input)
    margin_part = ops.where(y != 1, (margin - input).clamp(min=0.0), zeros)
    self_part = ops.where(y != -1, input, zeros)
    return reduce(margin_part + self_part, reduction, "hinge_embedding_loss")


@takes_legacy_reduction
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with d the pairwise distance; ``swap`` uses
    min(d(a, n), d(p, n)).

    >>> import chainrule as cr
    >>> a, p, n = cr.tensor([[0.0, 0.0]]), cr.tensor([[3.0, 4.0]]), cr.tensor([[0.0, 1.0]])
    >>> triplet_margin_loss(a, p, n, eps=0.0).item()   # max(0, 1 + 5 - 1)
    5.0
    """
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"triplet_margin_loss: anchor, positive and negative must have the "
                         f"same number of dimensions, got {anchor.ndim}, {positive.ndim} and "
                         f"{negative.ndim}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    losses = (margin + d_pos - d_neg).clamp(min=0.0)
    return reduce(losses, reduction, "triplet_margin_loss")


@takes_legacy_reduction
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """``1 - cos(x1, x2)`` where y = 1, ``max(0, cos(x1, x2) - margin)`` where y = -1, cos
    computed as PyTorch does (squared norms plus 1e-12).

    >>> import chainrule as cr
    >>> x1, x2 = cr.tensor([[1.0, 0.0], [1.0, 0.0]]), cr.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> cosine_embedding_loss(x1, x2, cr.tensor([1, -1]), reduction='none').tolist()
    [0.0, 0.0]
    """
    dim = input1.ndim - 1
    if dim < 0 or input1.ndim > 2:
        raise ValueError(f"cosine_embedding_loss: expected 1-D or 2-D inputs, got shape "
                         f"{tuple(input1.shape)}")
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + 1e-12
    mag2 = (input2 * input2).sum(dim) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    y = data_of(target)
    zeros = constant(np.zeros(tuple(cos.shape)), cos)
    pos = ops.where(y == 1, 1 - cos, zeros)
    neg = ops.where(y == -1, (cos - margin).clamp(min=0.0), zeros)
    return reduce(pos + neg, reduction, "cosine_embedding_loss")


@takes_legacy_reduction
def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """``-(y log sigmoid(x) + (1 - y) log sigmoid(-x))`` averaged over the classes (the last
    dim), then reduced over the samples.

    >>> import chainrule as cr
    >>> round(multilabel_soft_margin_loss(cr.zeros(1, 2), cr.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """
    check_same_shape(input, target, "multilabel_soft_margin_loss")
    losses = target * ops.softplus(-input) + (1 - target) * ops.softplus(input)
    if weight is not None:
        losses = losses * weight
    dim = input.ndim - 1
    return reduce(losses.sum(dim) / input.shape[dim], reduction, "multilabel_soft_margin_loss")


@takes_legacy_reduction
def multilabel_margin_loss(input, target, reduction="mean"):
    """For each sample, ``sum over target classes j and other classes i of
    max(0, 1 - (x[j] - x[i])) / C``: ``target`` lists the classes (C,) or (N, C), ended by
    the first -1 (a repeated class counts twice, as in PyTorch). A composition: the target
    classes' scores gathered, a hinge (``relu``) on every difference, a constant mask.

    >>> import chainrule as cr
    >>> x = cr.tensor([[0.1, 0.9, 0.3]])
    >>> round(multilabel_margin_loss(x, cr.tensor([[1, 2, -1]])).item(), 4)
    0.3333
    """
    if input.ndim > 2 or tuple(np.shape(data_of(target))) != tuple(input.shape):
        raise ValueError(f"multilabel_margin_loss: expected an input (C,) or (N, C) and a "
                         f"target of its shape, got {tuple(input.shape)} and "
                         f"{tuple(np.shape(data_of(target)))}")
    if input.ndim < 2:   # one sample (a 0-d input: one class)
        row = np.asarray(data_of(target)).reshape(1, -1)
        loss = multilabel_margin_loss(input.reshape(1, -1), row, "none")[0]
        return reduce(loss, reduction, "multilabel_margin_loss")
    labels = np.asarray(data_of(target)).astype(np.int64)
    classes = input.shape[1]
    valid = np.cumprod(labels >= 0, axis=1).astype(bool)        # before the first -1
    if np.any(labels[valid] >= classes):
        raise IndexError(f"multilabel_margin_loss: a target class is out of range for "
                         f"{classes} classes")
    picked = np.where(valid, labels, 0)
    is_target = np.zeros(labels.shape, bool)
    is_target[np.nonzero(valid)[0], labels[valid]] = True
    scores = input.gather(1, new_tensor(picked, None))          # x[y_j], (N, C)
    margins = ops.relu(1 - (scores.unsqueeze(2) - input.unsqueeze(1)))   # (N, j, i)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    losses = (margins * constant(mask, input)).sum((1, 2)) / classes
    return reduce(losses, reduction, "multilabel_margin_loss")


@takes_legacy_reduction
def soft_margin_loss(input, target, reduction="mean"):
    """``log(1 + exp(-y x))`` (softplus of -y x), y = 1 or -1.

    >>> import chainrule as cr
    >>> round(soft_margin_loss(cr.zeros(2), cr.tensor([1.0, -1.0])).item(), 4)
    0.6931
    """
    return reduce(ops.softplus(-target * input), reduction, "soft_margin_loss")


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with any distance ``d`` (by default the pairwise
    distance); ``swap`` uses min(d(a, n), d(p, n)).

    >>> import chainrule as cr
    >>> a, p, n = cr.tensor([[0.0, 0.0]]), cr.tensor([[3.0, 4.0]]), cr.tensor([[0.0, 1.0]])
    >>> l1 = lambda x, y: (x - y).abs().sum(-1)
    >>> triplet_margin_with_distance_loss(a, p, n, distance_function=l1).item()   # 1 + 7 - 1
    7.0
    """
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, distance(positive, negative))
    return reduce((margin + d_pos - d_neg).clamp(min=0.0), reduction,
                  "triplet_margin_with_distance_loss")


@takes_legacy_reduction
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """``sum over i != y of max(0, margin - x[y] + x[i])^p / C`` per sample (times
    ``weight[y]``), y the target class; input (N, C) or (C,).

    >>> import chainrule as cr
    >>> multi_margin_loss(cr.tensor([[0.1, 0.2, 0.4, 0.8]]), cr.tensor([3])).item()
    0.32499998807907104
    """
    op = "multi_margin_loss"
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got {p}")
    if input.ndim < 2:   # (C,) or a 0-d input (one class): one sample
        labels = np.reshape(data_of(target), 1)
        out = multi_margin_loss(input.reshape(1, -1), labels, p, margin, weight, reduction)
        return out.reshape(np.shape(data_of(target))) if reduction == "none" else out
    labels = data_of(target).astype(np.int64).reshape(-1)
    n, classes = input.shape
    if input.ndim != 2 or labels.shape != (n,) or (labels.size and (
            labels.min() < 0 or labels.max() >= classes)):
        raise ValueError(f"{op}: expected input (N, C) and N class indices in [0, C), got "
                         f"shapes {tuple(input.shape)} and {tuple(np.shape(data_of(target)))}")
    rows = np.arange(n)
    picked = ops.getitem(input, (rows, labels)).unsqueeze(1)
    terms = ops.relu(margin - picked + input)
    if p == 2:
        terms = terms * terms
    others = np.ones((n, classes), dtype=input._data.dtype)
    others[rows, labels] = 0
    terms = terms * constant(others, input)
    if weight is not None:
        if isinstance(weight, Tensor) and weight.requires_grad:
            raise RuntimeError(f"{op}: not differentiable with respect to argument 'weight' (as "
                               f"in PyTorch); pass weight.detach()")
        terms = terms * constant(data_of(weight)[labels][:, None], input)
    return reduce(terms.sum(1) / classes, reduction, op)


# ----- modules ----------------------------------------------------------------------------
class SmoothL1Loss(Loss):
    """``smooth_l1_loss`` as a module.

    >>> import chainrule as cr
    >>> cr.nn.SmoothL1Loss(beta=0.5)(cr.tensor([0.25, 2.0]), cr.zeros(2)).item()
    0.90625
    """

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class KLDivLoss(Loss):
    """``kl_div`` as a module (``reduction='batchmean'`` for the true KL divergence).

    >>> import chainrule as cr
    >>> loss = cr.nn.KLDivLoss(reduction='batchmean', log_target=True)
    >>> loss(cr.zeros(1, 2), cr.zeros(1, 2)).item()
    0.0
    """

    def __init__(self, reduction="mean", log_target=False):
        if reduction != "batchmean":
            super().__init__(reduction)
        else:
            super().__init__()
            self.reduction = reduction
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, self.reduction, self.log_target)


class PoissonNLLLoss(Loss):
    """``poisson_nll_loss`` as a module.

    >>> import chainrule as cr
    >>> cr.nn.PoissonNLLLoss()(cr.zeros(2), cr.tensor([1.0, 3.0])).item()
    1.0
    """

    def __init__(self, log_input=True, full=False, eps=1e-8, reduction="mean"):
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps,
                                self.reduction)


class GaussianNLLLoss(Loss):
    """``gaussian_nll_loss`` as a module: ``forward(input, target, var)``.

    >>> import chainrule as cr
    >>> loss = cr.nn.GaussianNLLLoss()
    >>> loss(cr.tensor([1.0, 3.0]), cr.tensor([1.0, 1.0]), cr.tensor([1.0, 4.0])).item()
    0.5965735912322998
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class MarginRankingLoss(Loss):
    """``margin_ranking_loss`` as a module.

    >>> import chainrule as cr
    >>> cr.nn.MarginRankingLoss(margin=0.5)(cr.tensor([1.0]), cr.tensor([2.0]),
    ...     cr.tensor([1.0])).item()
    1.5
    """

    def __init__(self, margin=0.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(Loss):
    """``hinge_embedding_loss`` as a module.

    >>> import chainrule as cr
    >>> cr.nn.HingeEmbeddingLoss()(cr.tensor([0.25, 2.0]), cr.tensor([-1.0, 1.0])).item()
    1.375
    """

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input, target):
        return hinge_embedding_loss(input, target, self.margin, self.reduction)


class TripletMarginLoss(Loss):
    """``triplet_margin_loss`` as a module.

    >>> import chainrule as cr
    >>> cr.nn.TripletMarginLoss(eps=0.0)(cr.tensor([[0.0, 0.0]]), cr.tensor([[3.0, 4.0]]),
    ...     cr.tensor([[0.0, 1.0]])).item()
    5.0
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, self.reduction)


class CosineEmbeddingLoss(Loss):
    """``cosine_embedding_loss`` as a module.

    >>> import chainrule as cr
    >>> cr.nn.CosineEmbeddingLoss()(cr.tensor([[1.0, 0.0]]), cr.tensor([[0.0, 1.0]]),
    ...     cr.tensor([1])).item()
    1.0
    """

    def __init__(self, margin=0.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class MultiLabelSoftMarginLoss(Loss):
    """``multilabel_soft_margin_loss`` as a module.

    >>> import chainrule as cr
    >>> round(cr.nn.MultiLabelSoftMarginLoss()(cr.zeros(1, 2), cr.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class SoftMarginLoss(Loss):
    """``soft_margin_loss`` as a module.

    >>> import chainrule as cr
    >>> round(cr.nn.SoftMarginLoss()(cr.zeros(2), cr.tensor([1.0, -1.0])).item(), 4)
    0.6931
    """

    def forward(self, input, target):
        return soft_margin_loss(input, target, self.reduction)


class TripletMarginWithDistanceLoss(Loss):
    """``triplet_margin_with_distance_loss`` as a module; the default distance is a
    ``PairwiseDistance`` child, as in PyTorch.

    >>> import chainrule as cr
    >>> cr.nn.TripletMarginWithDistanceLoss(margin=0.5)
    TripletMarginWithDistanceLoss(
      (distance_function): PairwiseDistance()
    )
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function = PairwiseDistance() if distance_function is None \
            else distance_function
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiMarginLoss(Loss):
    """``multi_margin_loss`` as a module (``weight`` a buffer).

    >>> import chainrule as cr
    >>> round(cr.nn.MultiMarginLoss()(cr.tensor([[0.1, 0.2, 0.4, 0.8]]), cr.tensor([3])).item(), 4)
    0.325
    """

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean"):
        super().__init__(reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got {p}")
        self.p, self.margin = p, margin
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class MultiLabelMarginLoss(Loss):
    """``multilabel_margin_loss`` as a module.

    >>> import chainrule as cr
    >>> loss = cr.nn.MultiLabelMarginLoss()
    >>> loss, round(loss(cr.tensor([0.1, 0.9, 0.3]), cr.tensor([1, 1, -1])).item(), 4)
    (MultiLabelMarginLoss(), 0.4)
    """

    def forward(self, input, target):
        return multilabel_margin_loss(input, target, self.reduction)

"""Losses: the functions (re-exported by ``nn.functional``) and their Module forms.

The cost the seeds minimise is the average loss over the examples (seed 003); every loss
here reduces its per-example values the PyTorch way: ``reduction="mean"`` (weighted mean
where class weights apply), ``"sum"`` or ``"none"``. PyTorch's deprecated ``size_average=``
and ``reduce=``, which older tutorials pass, are turned into ``reduction`` as PyTorch turns
them, with its warning (``legacy_reduction``).

>>> import chainrule as cr
>>> loss = cr.nn.CrossEntropyLoss()(cr.tensor([[2.0, 0.0]]), cr.tensor([0]))
>>> round(loss.item(), 4)
0.1269
"""
import functools
import inspect
import warnings

import numpy as np

from .. import ops
from ..dtypes import array_of, namespace_of
from ..tensor import Tensor
from .module import Module

REDUCTIONS = ("mean", "sum", "none")


def as_array(value):
    return value._data if isinstance(value, Tensor) else array_of(value)


def check_reduction(reduction, op):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def legacy_reduction(size_average, reduce, op):
    """PyTorch's reduction for its deprecated arguments (None counts as True): both true,
    'mean'; ``reduce`` alone, 'sum'; ``reduce=False``, 'none'. Warns as PyTorch does."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"{op}: size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    return reduction


def takes_legacy_reduction(fn, op=None):
    """``fn`` (a loss function or a loss module's ``__init__`` with ``reduction``) also
    taking ``size_average=`` and ``reduce=``, which then set the reduction."""
    @functools.wraps(fn)
    def with_legacy(*args, size_average=None, reduce=None, **kwargs):
        if size_average is not None or reduce is not None:
            kwargs["reduction"] = legacy_reduction(size_average, reduce, op or fn.__name__)
        return fn(*args, **kwargs)
    return with_legacy


def reduce(losses, reduction, op="loss"):
    """Per-element losses reduced to their mean, their sum, or left as they are."""
    check_reduction(reduction, op)
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def check_same_shape(input, target, op):
    if tuple(np.shape(as_array(target))) != tuple(input.shape):
        raise ValueError(f"{op}: target of shape {tuple(np.shape(as_array(target)))} must have "
                         f"the input's shape {tuple(input.shape)}")


# ----- regression -------------------------------------------------------------------------
@takes_legacy_reduction
def mse_loss(input, target, reduction="mean"):
    """``(x - y)^2``, reduced.

    >>> import chainrule as cr
    >>> mse_loss(cr.tensor([1.0, 3.0]), cr.tensor([0.0, 0.0])).item()
    5.0
    """
    diff = input - target
    return reduce(diff * diff, reduction, "mse_loss")


@takes_legacy_reduction
def l1_loss(input, target, reduction="mean"):
    """``|x - y|``, reduced.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.l1_loss(cr.tensor([1.0, 2.0]), cr.tensor([2.0, 4.0])).item()
    1.5
    """
    return reduce((input - target).abs(), reduction, "l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """``d^2 / 2`` where |d| < delta, else ``delta * (|d| - delta / 2)``, with d = x - y.

    Written as q^2 / 2 + delta * (|d| - q) with q = min(|d|, delta): one formula for both
    pieces, whose gradient is right on either side of the seam.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.huber_loss(cr.tensor([0.0, 0.0]), cr.tensor([0.5, 3.0]), reduction='none').tolist()
    [0.125, 2.5]
    """
    size = (input - target).abs()
    inner = size.clamp(max=delta)
    return reduce(0.5 * inner * inner + delta * (size - inner), reduction, "huber_loss")


# ----- classification ---------------------------------------------------------------------
@takes_legacy_reduction
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy of logits against class indices or class probabilities.

    Logits are (C,), (N, C) or (N, C, d1, ...); class indices have the shape without C,
    probabilities the input's shape. The plain case (indices, mean, no options) is the
    fused ``CrossEntropy`` gate, the hot path of training; the options compose
    log_softmax with indexing. Stable at any logit.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> logits = cr.tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> F.cross_entropy(logits, cr.tensor([0, 1])).item() == cr.log(cr.tensor(2.0)).item()
    True
    """
    check_reduction(reduction, "cross_entropy")
    labels = as_array(target)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if labels.dtype.kind in "iu":
        if (weight is None and label_smoothing == 0 and reduction == "mean" and input.ndim == 2
                and (ignore_index < 0 or not (labels == ignore_index).any())):
            try:
                return ops.cross_entropy_indices(input, labels)
            except ops.ClassOutOfRange:   # rows to ignore, or a bad index: the general path
                if not (labels == ignore_index).any():   # says which
                    raise
        return class_cross_entropy(input, labels, weight, ignore_index, reduction,
                                   label_smoothing)
    if labels.dtype.kind != "f":
        raise TypeError(f"cross_entropy: target must hold class indices (integers) or class "
                        f"probabilities (floats), got {labels.dtype}")
    return soft_cross_entropy(input, target, weight, reduction, label_smoothing)


def class_cross_entropy(input, labels, weight, ignore_index, reduction, smoothing):
    logp = ops.log_softmax(input, 1 if input.ndim > 1 else 0)
    rows, labels, shape = class_rows(logp, labels, "cross_entropy")
    losses, weights = picked_losses(rows, labels, weight, ignore_index, "cross_entropy")
    loss = reduce_weighted(losses, weights, reduction, shape)
    if smoothing == 0:
        return loss
    # PyTorch's smoothing: (1 - e) * nll + e / C * (-sum over classes of weight * log p).
    spread = rows * as_array(weight) if weight is not None else rows
    smooth = -spread.sum(dim=1) * (labels != ignore_index).astype(rows.dtype)
    smooth = reduce_weighted(smooth, weights, reduction, shape)
    return (1 - smoothing) * loss + smooth * (smoothing / rows.shape[1])


@takes_legacy_reduction
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """``-input[i, target[i]]`` (times the class weight), for log-probabilities ``input``.

    >>> import chainrule as cr
    >>> nll_loss(cr.tensor([[-1.0, -2.0]]), cr.tensor([1])).item()
    2.0
    """
    check_reduction(reduction, "nll_loss")
    labels = as_array(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold class indices (integers), got {labels.dtype}")
    rows, labels, shape = class_rows(input, labels, "nll_loss")
    losses, weights = picked_losses(rows, labels, weight, ignore_index, "nll_loss")
    return reduce_weighted(losses, weights, reduction, shape)


def class_rows(x, labels, op):
    """Scores as (rows, C) with the classes last, labels as (rows,), and the loss's shape."""
    if x.ndim == 1:
        expected, rows = (), x.reshape(1, -1)
    else:
        expected = (x.shape[0],) + tuple(x.shape[2:])
        rows = x if x.ndim == 2 else x.permute(0, *range(2, x.ndim), 1).reshape(-1, x.shape[1])
    if labels.shape != expected:
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} needs class indices of shape "
                         f"{expected}, got {labels.shape}")
    return rows, labels.reshape(-1), expected


def picked_losses(rows, labels, weight, ignore_index, op):
    """``-weight[y] * rows[i, y]`` per row (0 where ignored), and the weights used."""
    classes = rows.shape[1]
    keep = labels != ignore_index
    safe = np.where(keep, labels, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= classes):
        bad = safe[(safe < 0) | (safe >= classes)][0]
        raise IndexError(f"{op}: target {bad} is out of range for {classes} classes (valid: 0 "
                         f"to {classes - 1}, or ignore_index={ignore_index})")
    weights = keep.astype(rows.dtype)
    if weight is not None:
        weights = weights * as_array(weight).astype(rows.dtype)[safe]
    picked = rows[namespace_of(safe).arange(safe.size), safe]
    return -(picked * weights), weights


def reduce_weighted(losses, weights, reduction, shape):
    """Mean divides by the total weight of the counted rows (PyTorch's weighted mean). With
    no weight at all (every target ignored) the mean is 0 / 0 = NaN, as in PyTorch, and its
    gradient is 0, as in PyTorch (not NaN)."""
    if reduction == "mean":
        total = float(weights.sum())
        if total == 0:
            return losses.sum() * 0.0 + float("nan")
        return losses.sum() / total
    return losses.sum() if reduction == "sum" else losses.reshape(shape)


def soft_cross_entropy(input, target, weight, reduction, smoothing):
    check_same_shape(input, target, "cross_entropy")
    dim = 1 if input.ndim > 1 else 0
    classes = input.shape[dim]
    if smoothing:
        target = target * (1 - smoothing) + smoothing / classes
    terms = ops.log_softmax(input, dim) * target
    if weight is not None:
        terms = terms * as_array(weight).astype(input.dtype).reshape(
            (-1,) + (1,) * (input.ndim - dim - 1))
    return reduce(-terms.sum(dim=dim), reduction, "cross_entropy")


@takes_legacy_reduction
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """``-(y log p + (1 - y) log(1 - p))`` for probabilities ``p``, logs clamped at -100.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.binary_cross_entropy(cr.tensor([0.5, 0.5]), cr.tensor([1.0, 0.0])).item() == cr.log(cr.tensor(2.0)).item()
    True
    """
    losses = ops.binary_cross_entropy(input, target)
    if weight is not None:
        losses = losses * weight
    return reduce(losses, reduction, "binary_cross_entropy")


@takes_legacy_reduction
def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy of ``sigmoid(x)``, computed from the logit ``x`` stably:
    ``(1 - y) x + (1 + (pos_weight - 1) y) softplus(-x)``.

    >>> import chainrule as cr
    >>> binary_cross_entropy_with_logits(cr.tensor([1e4, -1e4]), cr.tensor([1.0, 0.0])).item()
    0.0
    """
    check_same_shape(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        losses = ops.softplus(input) - input * target
    else:
        scale = 1 + (pos_weight - 1) * target
        losses = (1 - target) * input + scale * ops.softplus(-input)
    if weight is not None:
        losses = losses * weight
    return reduce(losses, reduction, "binary_cross_entropy_with_logits")


# ----- modules ----------------------------------------------------------------------------
class Loss(Module):
    """Base of the loss modules: holds ``reduction``. Takes PyTorch's ``_Loss`` arguments
    (``size_average=None, reduce=None, reduction='mean'``) for custom losses written for
    it; chainrule's own losses pass the reduction alone. Subclasses whose ``__init__`` takes
    ``reduction`` also take ``size_average=`` and ``reduce=`` (``MSELoss(size_average=False)``).
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if isinstance(size_average, str):   # Loss.__init__(self, reduction): chainrule's own
            size_average, reduction = None, size_average
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce, type(self).__name__)
        check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = vars(cls).get("__init__")
        if init is not None:
            takes = inspect.signature(init).parameters
            if "reduction" in takes and "size_average" not in takes:
                cls.__init__ = takes_legacy_reduction(init, cls.__name__)


class MSELoss(Loss):
    """The mean (or sum, or each) of ``(input - target)^2``: ``F.mse_loss``.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> nn.MSELoss()(cr.tensor([1.0, 2.0]), cr.tensor([2.0, 4.0])).item()
    2.5
    """

    def forward(self, input, target):
        return mse_loss(input, target, self.reduction)


class L1Loss(Loss):
    """The mean (or sum, or each) of ``|input - target|``: ``F.l1_loss``.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> nn.L1Loss(reduction='sum')(cr.tensor([1.0, 2.0]), cr.tensor([2.0, 4.0])).item()
    3.0
    """

    def forward(self, input, target):
        return l1_loss(input, target, self.reduction)


class HuberLoss(Loss):
    """Squared error below ``delta``, absolute error beyond it: ``F.huber_loss``.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> nn.HuberLoss(delta=1.0)(cr.tensor([0.0, 0.0]), cr.tensor([0.5, 3.0])).item()
    1.3125
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return huber_loss(input, target, self.reduction, self.delta)


class CrossEntropyLoss(Loss):
    """Cross-entropy of logits against class indices or probabilities (see ``cross_entropy``);
    ``weight`` is a buffer, so it is saved in the state dict, as in PyTorch.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss, round(loss(cr.tensor([[2.0, 0.0]]), cr.tensor([0])).item(), 4)
    (CrossEntropyLoss(), 0.2269)
    """

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class NLLLoss(Loss):
    """The negative log-likelihood of class indices under log-probabilities:
    ``F.nll_loss``.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> nn.NLLLoss()(cr.tensor([[-0.5, -1.0], [-2.0, -0.25]]), cr.tensor([0, 1])).item()
    0.375
    """

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(Loss):
    """Binary cross-entropy of probabilities against targets in [0, 1]:
    ``F.binary_cross_entropy``.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> round(nn.BCELoss()(cr.tensor([0.9, 0.2]), cr.tensor([1.0, 0.0])).item(), 4)
    0.1643
    """

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from logits:
    ``F.binary_cross_entropy_with_logits``.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> round(nn.BCEWithLogitsLoss()(cr.tensor([0.0, 2.0]), cr.tensor([1.0, 1.0])).item(), 4)
    0.41
    """

    def __init__(self, weight=None, *, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)

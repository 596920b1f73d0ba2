"""Gates that are better fused: softmax, log-softmax and cross-entropy (stable at any logit)."""
import numpy as np

from ..autograd.gate import Gate
from ..dtypes import array_of, namespace_of
from ..kernels import special
from ..tensor import api


class Softmax(Gate):
    label = "softmax"
    formula = "exp(x) / sum(exp(x), dim, True)"
    derivatives = {"x": "out * (g - sum(g * out, dim, True))"}
    saves = ("dim",)

    def forward(self, x, dim):
        self.dim = dim
        try:
            return special.softmax(x, dim)
        except IndexError:   # NumPy's AxisError
            raise dim_error(self.label, dim, x) from None


class LogSoftmax(Gate):
    label = "log_softmax"
    formula = "x - log(sum(exp(x), dim, True))"
    derivatives = {"x": "g - exp(out) * sum(g, dim, True)"}
    saves = ("dim",)

    def forward(self, x, dim):
        self.dim = dim
        try:
            return special.log_softmax(x, dim)
        except IndexError:   # NumPy's AxisError
            raise dim_error(self.label, dim, x) from None


class CrossEntropy(Gate):
    """Mean cross-entropy of logits ``x`` (N, C) against class indices: softmax and the loss
    fused, because together the gradient is simply (softmax(x) - onehot(target)) / N."""

    label = "cross_entropy"
    inputs = ("x", "target")
    formula = "mean(logsumexp(x, 1) - sum(x * onehot(target, C), 1))"
    derivatives = {"x": "g / N * (probs - onehot(target, C))"}   # g / N: a scalar first
    residuals = {"probs": "softmax(x, 1)"}
    saves = ("N", "C")

    def forward(self, x, target):
        target = array_of(target)
        if x.ndim != 2 or target.shape != x.shape[:1]:
            raise ValueError(f"cross_entropy: expected logits (N, C) and class indices (N,), got "
                             f"shapes {x.shape} and {target.shape}")
        if target.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: class indices must be integers, got {target.dtype}")
        n, c = self.N, self.C = x.shape
        if n and target.min() < 0:
            raise_out_of_range(target, c)
        if n and type(target) is not np.ndarray and target.max() >= c:
            raise_out_of_range(target, c)   # a device library may not check (CuPy wraps)
        shifted = x - x.max(axis=1, keepdims=True)
        try:
            picked = shifted[namespace_of(x).arange(n), target]
        except IndexError:   # a target >= C: NumPy checks the upper bound for us
            raise_out_of_range(target, c)
        exps = np.exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        self.probs = exps / totals
        return (np.log(totals).sum() - picked.sum()) / n


class SoftmaxCrossEntropy(Gate):
    """Cross-entropy of logits ``x`` against target probabilities ``y`` along ``dim``.

    Fused because the gradient is then simply ``softmax(x) - y`` (seed 000's y_hat - y); that
    needs each target row to sum to 1, which forward checks.
    """

    label = "softmax_ce"
    inputs = ("x", "y")
    formula = "-sum(y * log_softmax(x, dim))"
    derivatives = {"x": "g * (probs - y)", "y": "-g * log_probs"}
    residuals = {"probs": "softmax(x, dim)", "log_probs": "log_softmax(x, dim)"}
    saves = ("dim",)

    def forward(self, x, y, dim=-1):
        if np.shape(x) != np.shape(y):
            raise ValueError(f"softmax_cross_entropy: logits of shape {np.shape(x)} and target "
                             f"probabilities of shape {np.shape(y)} must have the same shape")
        totals = np.sum(y, axis=dim)
        if not np.allclose(totals, 1, atol=1e-5):
            raise ValueError(f"softmax_cross_entropy: target probabilities must sum to 1 along "
                             f"dim {dim}, got sums {np.round(totals, 6).tolist()}; normalize "
                             f"them (y / y.sum({dim}, keepdim=True)) or pass one-hot rows")
        self.dim = dim
        self.log_probs = special.log_softmax(x, dim)
        self.probs = np.exp(self.log_probs)
        return -np.sum(y * self.log_probs)


def dim_error(op, dim, x):
    return IndexError(f"{op}: dim {dim} is out of range for a tensor with {np.ndim(x)} "
                     f"dimensions (valid: {-np.ndim(x)} to {np.ndim(x) - 1})")


class ClassOutOfRange(IndexError):
    """A class index outside 0..C-1 (``cross_entropy`` may then be looking at ignored rows)."""


def raise_out_of_range(target, classes):
    bad = target[(target < 0) | (target >= classes)][0]
    raise ClassOutOfRange(f"cross_entropy: target {bad} is out of range for {classes} classes "
                          f"(valid: 0 to {classes - 1})") from None


@api(methods=("softmax",))
def softmax(x, dim, dtype=None):
    """``exp(x) / sum(exp(x), dim)``, stable for large logits; ``dtype``: cast ``x`` first.

    >>> import chainrule as cr
    >>> cr.softmax(cr.tensor([0.0, 0.0, 0.0, 0.0]), dim=0).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    return Softmax.apply(x if dtype is None else x.to(dtype), dim=dim)


@api(methods=("log_softmax",))
def log_softmax(x, dim, dtype=None):
    """``x - logsumexp(x, dim)``: the log of softmax, stable at any logit.

    >>> import chainrule as cr
    >>> cr.log_softmax(cr.tensor([0.0, 0.0]), dim=0).exp().tolist()
    [0.5, 0.5]
    """
    return LogSoftmax.apply(x if dtype is None else x.to(dtype), dim=dim)


def cross_entropy_indices(logits, target):
    """Mean cross-entropy of (N, C) logits against (N,) class indices (the fused gate)."""
    return CrossEntropy.apply(logits, target)


@api
def softmax_cross_entropy(logits, target, dim=-1):
    """``-sum(target * log_softmax(logits, dim))`` for target probabilities (rows summing to 1).

    >>> import chainrule as cr
    >>> z = cr.tensor([0.0, 0.0], requires_grad=True)
    >>> loss = cr.softmax_cross_entropy(z, cr.tensor([1.0, 0.0]))
    >>> round(loss.item(), 4)
    0.6931
    >>> loss.backward()
    >>> z.grad.tolist()
    [-0.5, 0.5]
    """
    return SoftmaxCrossEntropy.apply(logits, target, dim=dim)


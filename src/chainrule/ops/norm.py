"""Group normalisation as one gate: ``group_normalize(x, groups, eps) * w + b``.

Fused because the graph then shows one ``group_norm`` node with its layer formula instead of
a dozen, and because the backward reuses the normalised values and the reciprocal standard
deviations that forward computes anyway (residuals). The rows name three helpers defined
here, each also written with gates so the gradient can be differentiated again:

* ``group_normalize(x, groups, eps)``: ``(x - mean) / sqrt(var + eps)``, the mean and the
  (biased) variance taken per sample over each group of ``C / groups`` channels;
* ``group_rstd(x, groups, eps)``: ``1 / sqrt(var + eps)`` per sample and group, shape (N, G, 1);
* ``group_norm_backward(gx, xhat, rstd, groups)``: the gradient reaching x from the gradient
  ``gx`` of the normalised values: ``rstd * (gx - mean(gx) - xhat * mean(gx * xhat))`` per
  group.

InstanceNorm is this gate with one channel per group (``nn.functional.instance_norm``).
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define, gate


def grouped(x, groups):
    """(N, C, *) seen as (N, G, C / G * prod(*)) (sizes, not -1: N may be 0)."""
    shape = tuple(x.shape)
    return x.reshape(shape[0], groups, int(np.prod(shape[1:])) // groups)


def array_rstd(x, groups, eps):
    v = grouped(x, groups)
    return 1 / np.sqrt(np.var(v, axis=2, keepdims=True) + np.asarray(eps, x.dtype))


def tensor_rstd(x, groups, eps):
    v = grouped(x, groups)
    centred = v - v.mean(2, True)
    return 1 / ((centred * centred).mean(2, True) + eps).sqrt()


def array_normalize(x, groups, eps):
    v = grouped(x, groups)
    return ((v - np.mean(v, axis=2, keepdims=True)) * array_rstd(x, groups, eps)).reshape(x.shape)


def tensor_normalize(x, groups, eps):
    v = grouped(x, groups)
    return ((v - v.mean(2, True)) * tensor_rstd(x, groups, eps)).reshape(x.shape)


def array_backward(gx, xhat, rstd, groups):
    g, h = grouped(gx, groups), grouped(xhat, groups)
    dx = rstd * (g - np.mean(g, axis=2, keepdims=True)
                 - h * np.mean(g * h, axis=2, keepdims=True))
    return dx.reshape(gx.shape)


def tensor_backward(gx, xhat, rstd, groups):
    g, h = grouped(gx, groups), grouped(xhat, groups)
    return (rstd * (g - g.mean(2, True) - h * (g * h).mean(2, True))).reshape(tuple(gx.shape))


def array_group_norm(x, groups, w=None, b=None, eps=1e-5):
    out = array_normalize(x, groups, eps)
    if w is None:
        return out
    shape = (-1,) + (1,) * (x.ndim - 2)
    return out * w.reshape(shape) + b.reshape(shape)


define("group_norm", array_group_norm,
       lambda x, groups, w=None, b=None, eps=1e-5: gate("GroupNorm").apply(x, w, b, groups=groups,
                                                                           eps=eps),
       "group_norm(x, groups, w, b, eps) = group_normalize(x, groups, eps) * w + b, w and b "
       "per channel (dim 1)")
define("group_normalize", array_normalize, tensor_normalize,
       "group_normalize(x, groups, eps) = (x - mean) / sqrt(var + eps), mean and biased var "
       "per sample over each group of C / groups channels")
define("group_rstd", array_rstd, tensor_rstd,
       "group_rstd(x, groups, eps) = 1 / sqrt(var + eps) per sample and group, shape (N, G, 1)")
define("group_norm_backward", array_backward, tensor_backward,
       "group_norm_backward(gx, xhat, rstd, groups) = rstd * (gx - mean(gx) - xhat * "
       "mean(gx * xhat)), means per sample and group: the gradient reaching x from that of "
       "the normalised values xhat")


class GroupNorm(Gate):
    """PyTorch's ``group_norm``: x (N, C, *) normalised per sample over groups of channels,
    then scaled by w (C,) and shifted by b (C,) per channel (both or neither)."""

    label = "group_norm"
    inputs = ("x", "w", "b")
    formula = "group_norm(x, groups, w, b, eps)"
    residuals = {"xhat": "group_normalize(x, groups, eps)", "rstd": "group_rstd(x, groups, eps)"}
    cases = {
        "affine": {
            "x": "group_norm_backward(g * reshape(w, cshape), xhat, rstd, groups)",
            "w": "sum(g * xhat, dims)",
            "b": "sum(g, dims)"},
        "plain": {"x": "group_norm_backward(g, xhat, rstd, groups)"},
    }
    saves = ("case", "groups", "eps", "cshape", "dims")

    def forward(self, x, w=None, b=None, groups=1, eps=1e-5):
        self.case = "plain" if w is None else "affine"
        self.groups, self.eps = groups, eps
        self.cshape = (-1,) + (1,) * (x.ndim - 2)
        self.dims = (0,) + tuple(range(2, x.ndim))
        self.rstd = array_rstd(x, groups, eps)
        v = grouped(x, groups)
        self.xhat = ((v - np.mean(v, axis=2, keepdims=True)) * self.rstd).reshape(x.shape)
        if w is None:
            return self.xhat
        return self.xhat * w.reshape(self.cshape) + b.reshape(self.cshape)


def group_norm(x, groups, w=None, b=None, eps=1e-5):
    """The GroupNorm gate; ``w`` and ``b`` both given or both None."""
    return GroupNorm.apply(x, w, b, groups=groups, eps=eps)

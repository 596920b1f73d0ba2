"""Gates for neural-network layers: leaky ReLU, erf, GELU, softplus, dropout, binary
cross-entropy.

Each is its own gate for a reason said in its docstring: a derivative that composition would
get wrong at one point (softplus at 0 through ``abs``), a value NumPy lacks (erf), or a
clamp that PyTorch applies to the loss and its gradient separately (binary cross-entropy).
Batch and layer normalisation are compositions of existing gates (``nn.functional``), so they
have every higher derivative for free.
"""
import math

import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import TENSORS, define
from ..dtypes import float_result
from ..kernels import special

SQRT_HALF = math.sqrt(0.5)


def clamped_log(v, floor):
    """max(log(v), floor), without ever taking the log of 0."""
    positive = v > math.exp(floor)
    return np.where(positive, np.log(np.where(positive, v, 1.0)), floor)


def tensor_clamped_log(v, floor):
    positive = v > math.exp(floor)
    return TENSORS.where(positive, TENSORS.where(positive, v, 1.0).log(), floor)


define("clamped_log", clamped_log, tensor_clamped_log,
       "clamped_log(v, floor) = max(log(v), floor), never taking the log of 0")


class Erf(Gate):
    """The error function, a gate because NumPy has none; d/dx erf(x) = 2/sqrt(pi) exp(-x^2)."""

    label = "erf"
    formula = "erf(x)"
    derivatives = {"x": "2 / pi ** 0.5 * exp(-x * x)"}
    elementwise = True

    def forward(self, x):
        return special.erf(x)


class LeakyRelu(Gate):
    """``x`` for x > 0, ``negative_slope * x`` otherwise: one gate where a composition takes four."""

    label = "leaky_relu"
    formula = "where(x > 0, x, negative_slope * x)"
    derivatives = {"x": "where(x > 0, 1.0, negative_slope)"}
    elementwise = True
    saves = ("negative_slope",)

    def forward(self, x, negative_slope=0.01):
        self.negative_slope = negative_slope
        return np.where(x > 0, x, x * np.asarray(negative_slope, x.dtype))


class Gelu(Gate):
    """``x * Phi(x)`` with Phi the normal CDF, fused: one node instead of five."""

    label = "gelu"
    formula = "x * (1 + erf(x / 2 ** 0.5)) / 2"
    residuals = {"Phi": "(1 + erf(x / 2 ** 0.5)) / 2"}   # the normal CDF, kept from forward
    derivatives = {"x": "Phi + x * exp(-x * x / 2) / (2 * pi) ** 0.5"}
    elementwise = True

    def forward(self, x):
        x = x if x.dtype.kind == "f" else x.astype(np.float32)
        self.Phi = special.erf(x * x.dtype.type(SQRT_HALF))
        self.Phi += 1
        self.Phi *= 0.5
        return x * self.Phi


def normalized_backward(gx, xhat, rstd, dims):
    """The gradient reaching x through xhat = (x - mean) * rstd, from xhat's gradient gx."""
    return rstd * (gx - np.mean(gx, axis=dims, keepdims=True)
                   - xhat * np.mean(gx * xhat, axis=dims, keepdims=True))


def tensor_normalized_backward(gx, xhat, rstd, dims):
    return rstd * (gx - gx.mean(dims, True) - xhat * (gx * xhat).mean(dims, True))


define("normalized_backward", normalized_backward, tensor_normalized_backward,
       "normalized_backward(gx, xhat, rstd, dims) = rstd * (gx - mean(gx, dims) - xhat * "
       "mean(gx * xhat, dims)): the gradient reaching x from that of xhat = (x - mean) * rstd")


class LayerNorm(Gate):
    """PyTorch's ``layer_norm``: x normalised over its last dims (``dims``), then scaled by W
    and shifted by b (each optional). One gate because its backward reuses the normalised
    values and the reciprocal deviations forward computes anyway (residuals xhat, rstd), and
    because a transformer calls it on every block: a composition takes nine gates."""

    label = "layer_norm"
    inputs = ("x", "W", "b")
    formula = "centred(x, dims) / sqrt(mean(centred(x, dims) ** 2, dims, True) + eps) * W + b"
    residuals = {"xhat": "centred(x, dims) / sqrt(mean(centred(x, dims) ** 2, dims, True) + eps)",
                 "rstd": "1 / sqrt(mean(centred(x, dims) ** 2, dims, True) + eps)"}
    cases = {
        "affine": {"x": "normalized_backward(g * W, xhat, rstd, dims)",
                   "W": "sum(g * xhat, batch)", "b": "sum(g, batch)"},
        "plain": {"x": "normalized_backward(g, xhat, rstd, dims)", "b": "sum(g, batch)"},
    }
    saves = ("case", "dims", "batch", "eps")

    def forward(self, x, W=None, b=None, dims=(-1,), eps=1e-5):
        self.case = "plain" if W is None else "affine"
        self.dims, self.eps = dims, eps
        self.batch = tuple(range(x.ndim - len(dims)))
        centred = x - np.mean(x, axis=dims, keepdims=True)
        var = np.mean(centred * centred, axis=dims, keepdims=True)
        self.rstd = 1 / np.sqrt(var + np.asarray(eps, var.dtype))
        self.xhat = centred * self.rstd
        out = self.xhat if W is None else self.xhat * W
        return out if b is None else out + b


class Softplus(Gate):
    """``log(1 + exp(x))`` computed as logaddexp(0, x): finite at any x, and its derivative
    sigmoid(x) is exact everywhere (a composition through abs(x) gets 0 instead of 1/2 at 0)."""

    label = "softplus"
    formula = "log(1 + exp(x))"
    derivatives = {"x": "sigmoid(x)"}
    elementwise = True

    def forward(self, x):
        return np.logaddexp(0, x).astype(float_result(x.dtype), copy=False)


class Dropout(Gate):
    """``x * mask``, the mask holding 0 (dropped) or 1 / (1 - p) (kept); the mask is a
    constant, so it is a value the gate saves and not an input."""

    label = "dropout"
    formula = "x * mask"
    derivatives = {"x": "mask"}
    elementwise = True
    saves = ("mask",)

    def forward(self, x, mask):
        self.mask = mask
        return x * mask


class BinaryCrossEntropy(Gate):
    """``-(y log p + (1 - y) log(1 - p))`` elementwise, as PyTorch computes it: each log
    clamped at -100 and the gradient (p - y) / max(p (1 - p), 1e-12), so p = 0 or 1 gives a
    finite loss and gradient (a composition would give 0 * inf = NaN there)."""

    label = "binary_cross_entropy"
    inputs = ("p", "y")
    formula = "-(y * clamped_log(p, floor) + (1 - y) * clamped_log(1 - p, floor))"
    derivatives = {"p": "(p - y) / maximum(p * (1 - p), epsilon)",
                   "y": "clamped_log(1 - p, floor) - clamped_log(p, floor)"}
    elementwise = True
    saves = ("floor", "epsilon")
    floor = -100.0      # PyTorch clamps log(p) and log(1 - p) here
    epsilon = 1e-12     # and keeps p (1 - p) above this in the gradient

    def forward(self, p, y):
        if np.shape(p) != np.shape(y):
            raise ValueError(f"binary_cross_entropy: target shape {np.shape(y)} must equal the "
                             f"input shape {np.shape(p)}")
        if np.size(p) and (np.min(p) < 0 or np.max(p) > 1):
            raise ValueError("binary_cross_entropy: input values must be probabilities in "
                             "[0, 1]; apply sigmoid first, or use binary_cross_entropy_with_logits")
        return -(y * clamped_log(p, self.floor) + (1 - y) * clamped_log(1 - p, self.floor))


def erf(x):
    """The error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x.

    >>> import chainrule as cr
    >>> round(cr.ops.erf(cr.tensor(0.5, dtype=cr.float64)).item(), 10)
    0.5204998778
    """
    return Erf.apply(x)


def leaky_relu(x, negative_slope=0.01):
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def gelu(x):
    """``x * Phi(x)``, the exact (erf) GELU.

    >>> import chainrule as cr
    >>> round(cr.ops.gelu(cr.tensor(1.0, dtype=cr.float64)).item(), 6)
    0.841345
    """
    return Gelu.apply(x)


def softplus(x):
    """``log(1 + exp(x))``, stable at any x."""
    return Softplus.apply(x)


def dropout(x, mask):
    """``x * mask`` with a constant mask (see ``nn.functional.dropout`` for the random one)."""
    return Dropout.apply(x, mask=mask)


def binary_cross_entropy(p, y):
    """Elementwise binary cross-entropy of probabilities ``p`` against targets ``y``."""
    return BinaryCrossEntropy.apply(p, y)

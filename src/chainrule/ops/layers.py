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

# erfc(z) = t * exp(-z**2 + P(t)) with t = 1 / (1 + z / 2), z >= 0: P is a degree-16
# polynomial fitted (Chebyshev least squares) to float64 erfc; the form is that of Numerical
# Recipes' erfcc with more terms. Largest error: 3.4e-12 absolute on erf, 1e-11 relative on erfc.
ERFC_COEFFICIENTS = (
    -1.265512123474683, 0.9999999938121975, 0.3750006464154853, 0.08330654749656541,
    -0.085353122909126, -0.15147711929881624, -0.024607521322644432, -0.3743772678551114,
    1.8637667018480446, -5.245384050889465, 12.033920919421098, -19.564205796432027,
    21.17805401204799, -15.041701675870987, 6.790964039346826, -1.7795829163513532,
    0.20718873401939167)
# erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); 13 terms reach float64 precision
# for |x| < 0.5.
ERF_SERIES = tuple((-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(13))
SQRT_HALF = math.sqrt(0.5)
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
INV_SQRT_TWO_PI = 1 / math.sqrt(2 * math.pi)
LOG_FLOOR = -100.0        # PyTorch clamps log(p) and log(1 - p) here in binary cross-entropy
BCE_EPSILON = 1e-12       # and keeps p (1 - p) above this in its gradient


def erf_array(x):
    """erf on arrays, vectorised (NumPy has none), computed in float64: relative error below
    1e-11 (the Maclaurin series below |x| = 0.5, where 1 - erfc would cancel; erfc above)."""
    x = np.asarray(x)
    wide = x.astype(np.float64)
    z = np.abs(wide)
    t = 1 / (1 + 0.5 * z)
    poly = np.full_like(t, ERFC_COEFFICIENTS[-1])
    for c in ERFC_COEFFICIENTS[-2::-1]:
        poly = poly * t + c
    erfc = t * np.exp(poly - z * z)
    squares = wide * wide
    series = np.full_like(squares, ERF_SERIES[-1])
    for c in ERF_SERIES[-2::-1]:
        series = series * squares + c
    out = np.where(z < 0.5, TWO_OVER_SQRT_PI * wide * series,
                   np.where(wide >= 0, 1 - erfc, erfc - 1))
    return out.astype(np.result_type(x.dtype, np.float32), copy=False)


class Erf(Gate):
    """The error function, a gate because NumPy has none; d/dx erf(x) = 2/sqrt(pi) exp(-x^2)."""

    label = "erf"
    formula = "erf(x)"
    derivatives = {"x": "2 / sqrt(pi) * exp(-x**2)"}
    elementwise = True

    def forward(self, x):
        return erf_array(x)

    def backward(self, g, xp):
        (x,) = xp.values(self)
        return (g * TWO_OVER_SQRT_PI * xp.exp(-(x * x)),)


class LeakyRelu(Gate):
    """``x`` for x > 0, ``negative_slope * x`` otherwise: one gate where a composition takes four."""

    label = "leaky_relu"
    formula = "where(x > 0, x, negative_slope * x)"
    derivatives = {"x": "where(x > 0, 1, negative_slope)"}
    elementwise = True

    def forward(self, x, negative_slope=0.01):
        self.negative_slope = negative_slope
        self.scale = np.where(x > 0, 1, negative_slope).astype(x.dtype)
        return x * self.scale

    def backward(self, g, xp):
        return (g * self.scale,)


class Gelu(Gate):
    """``x * Phi(x)`` with Phi the normal CDF, fused: one node instead of five."""

    label = "gelu"
    formula = "x * (1 + erf(x / sqrt(2))) / 2"
    derivatives = {"x": "(1 + erf(x / sqrt(2))) / 2 + x * exp(-x**2 / 2) / sqrt(2 * pi)"}
    elementwise = True

    def forward(self, x):
        return 0.5 * x * (1 + erf_array(x * SQRT_HALF))

    def backward(self, g, xp):
        (x,) = xp.values(self)
        cdf = 0.5 * (1 + xp.erf(x * SQRT_HALF))
        return (g * (cdf + x * xp.exp(-0.5 * (x * x)) * INV_SQRT_TWO_PI),)


class Softplus(Gate):
    """``log(1 + exp(x))`` computed as logaddexp(0, x): finite at any x, and its derivative
    sigmoid(x) is exact everywhere (a composition through abs(x) gets 0 instead of 1/2 at 0)."""

    label = "softplus"
    formula = "log(1 + exp(x))"
    derivatives = {"x": "sigmoid(x)"}
    elementwise = True

    def forward(self, x):
        return np.logaddexp(0, x).astype(np.result_type(x, np.float32), copy=False)

    def backward(self, g, xp):
        (x,) = xp.values(self)
        return (g * xp.sigmoid(x),)


class Dropout(Gate):
    """``x * mask``, the mask holding 0 (dropped) or 1 / (1 - p) (kept); the mask is a
    constant, so it is a parameter of the gate and not an input."""

    label = "dropout"
    formula = "x * mask"
    derivatives = {"x": "mask"}
    elementwise = True

    def forward(self, x, mask):
        self.mask = mask
        return x * mask

    def backward(self, g, xp):
        return (g * self.mask,)


class BinaryCrossEntropy(Gate):
    """``-(y log p + (1 - y) log(1 - p))`` elementwise, as PyTorch computes it: each log
    clamped at -100 and the gradient (p - y) / max(p (1 - p), 1e-12), so p = 0 or 1 gives a
    finite loss and gradient (a composition would give 0 * inf = NaN there)."""

    label = "binary_cross_entropy"
    inputs = ("p", "y")
    formula = "-(y * log(p) + (1 - y) * log(1 - p))"
    derivatives = {"p": "(p - y) / (p * (1 - p))", "y": "log(1 - p) - log(p)"}
    elementwise = True

    def forward(self, p, y):
        if np.shape(p) != np.shape(y):
            raise ValueError(f"binary_cross_entropy: target shape {np.shape(y)} must equal the "
                             f"input shape {np.shape(p)}")
        if np.size(p) and (np.min(p) < 0 or np.max(p) > 1):
            raise ValueError("binary_cross_entropy: input values must be probabilities in "
                             "[0, 1]; apply sigmoid first, or use binary_cross_entropy_with_logits")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), LOG_FLOOR)
            log_q = np.maximum(np.log(1 - p), LOG_FLOOR)
        return -(y * log_p + (1 - y) * log_q)

    def backward(self, g, xp):
        p, y = xp.values(self)
        needs_p, needs_y = self.needs_input_grad
        gp = gy = None
        if needs_p:
            spread = p * (1 - p)
            gp = g * (p - y) / xp.where(spread > BCE_EPSILON, spread, BCE_EPSILON)
        if needs_y:
            gy = g * (clamped_log(1 - p, xp) - clamped_log(p, xp))
        return gp, gy


def clamped_log(v, xp):
    """max(log(v), -100) without ever taking the log of 0."""
    floor = math.exp(LOG_FLOOR)
    return xp.where(v > floor, xp.log(xp.where(v > floor, v, 1.0)), LOG_FLOOR)


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

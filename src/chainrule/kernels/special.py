"""Elementwise and row-wise numerics on NumPy arrays that NumPy lacks or gets unstable:
erf, the stable logistic function, softmax and log-softmax.

These are the bottom layer: plain arrays in, plain arrays out, no graph. The gates' forwards
and the row vocabulary (``autograd/vocabulary.py``) both call them.
"""
import math

import numpy as np

from ..dtypes import array_of

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
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def erf(x):
    """erf on arrays, vectorised (NumPy has none), computed in float64: relative error below
    1e-11 (the Maclaurin series below |x| = 0.5, where 1 - erfc would cancel; erfc above)."""
    x = array_of(x)
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
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float32, copy=False)


def sigmoid(x):
    """Stable logistic on arrays: never exponentiates a large positive number. An integer
    or bool array gives float32 (PyTorch's default float)."""
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sign(x):
    """-1, 0 or 1 per element, as PyTorch's ``sign``: 0 at NaN (NumPy gives NaN), and a
    bool array is its own sign."""
    x = array_of(x)
    if x.dtype == np.bool_:
        return x.copy()
    out = np.sign(x, out=np.empty_like(x))   # an array also for a 0-d x
    if out.dtype.kind == "f":
        np.copyto(out, 0, where=out != out)
    return out


def softmax(x, dim):
    """``exp(x) / sum(exp(x), dim)``, shifted by the maximum so no exponent overflows."""
    if np.size(x) == 0:   # nothing to normalise (and no maximum to shift by)
        return np.exp(x)
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def logsumexp(x, dim=None, keepdim=False):
    """``log(sum(exp(x), dim))``, shifted by the maximum so no exponent overflows."""
    axes = tuple(dim) if isinstance(dim, (tuple, list)) else dim
    top = finite_max(x, axes)
    out = np.log(np.sum(np.exp(x - top), axis=axes, keepdims=True)) + top
    return out if keepdim else np.squeeze(out, axis=axes)


def log_softmax(x, dim):
    """``x - log(sum(exp(x), dim))``, stable at any logit: computed as ``shifted -
    log(sum(exp(shifted)))`` with ``shifted = x - max``, which stays exact when the logits
    dwarf log(n) (1e30 - (1e30 + log 2) would round to 0)."""
    shifted = x - finite_max(x, dim)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def finite_max(x, axes):
    """The maximum over ``axes`` (dims kept), 0 where it is not finite: the shift that keeps
    exp from overflowing, and keeps all -inf at -inf and an inf at inf. An empty slice's
    maximum is -inf (so its logsumexp is log(0) = -inf, as PyTorch's)."""
    top = np.max(x, axis=axes, keepdims=True, initial=-np.inf) if np.size(x) == 0 else \
        np.max(x, axis=axes, keepdims=True)
    return np.where(np.isfinite(top), top, 0)

"""Elementwise and row-wise numerics on NumPy arrays that NumPy lacks or gets unstable:
erf (from SciPy), the stable logistic function, softmax and log-softmax.

These are the bottom layer: plain arrays in, plain arrays out, no graph. The gates' forwards
and the row vocabulary (``autograd/vocabulary.py``) both call them.
"""
import numpy as np

from ..dtypes import array_of

def erf(x):
    """erf on arrays, from SciPy (the maintained implementation NumPy lacks), computed in the
    input's precision as PyTorch does: float32 for float32, float64 for float64. Integers and
    bools give float32 (PyTorch's default float).

    >>> erf(np.array([0.5, -0.5], np.float32))
    array([ 0.5204999, -0.5204999], dtype=float32)
    """
    return scipy_special("erf", x)


def sigmoid(x):
    """Stable logistic on arrays: never exponentiates a large positive number. An integer
    or bool array gives float32 (PyTorch's default float).

    ``exp(min(x, 0)) / (1 + exp(-|x|))`` is ``1 / (1 + e)`` for x >= 0 and ``e / (1 + e)``
    below, the same bits as choosing between the two, without a choice per element: a
    ``where`` on the signs of random values mispredicts and cost 3-5x the whole function.
    """
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    out = np.minimum(x, 0, out=np.empty_like(x))   # (an array also for a 0-d x)
    np.exp(out, out=out)
    denominator = np.exp(-np.abs(x))
    denominator += 1
    out /= denominator
    return out


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


def scipy_special(name, *args):
    """``scipy.special.<name>(*args, x)`` on the float array ``x`` (the last argument), in its
    precision as PyTorch computes it: integers and bools give float32, float16 is computed
    in float32. SciPy is imported on first use: ``import chainrule`` stays light, and
    SciPy's warning filter comes only then."""
    import scipy.special
    x = array_of(args[-1])
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    fn = getattr(scipy.special, name)
    with np.errstate(all="ignore"):   # poles and overflow give inf and NaN, as PyTorch's, silently
        return np.asarray(fn(*args[:-1], x)).astype(x.dtype, copy=False)


def erfinv(x):
    """The inverse error function on arrays (SciPy's ``erfinv``): NaN outside [-1, 1].

    >>> erfinv(np.array([0.0, 0.5]))
    array([0.        , 0.47693628])
    """
    return scipy_special("erfinv", x)


def lgamma(x):
    """``log |gamma(x)|`` on arrays (SciPy's ``gammaln``): inf at 0, the negative integers
    and both infinities, as PyTorch's (and C's; SciPy gives -inf at -inf).

    >>> lgamma(np.array([-np.inf, 1.0, 3.0]))
    array([       inf, 0.        , 0.69314718])
    """
    out = scipy_special("gammaln", x)
    out[np.isneginf(out) & np.isneginf(x)] = np.inf
    return out


def polygamma(n, x):
    """The ``n``-th derivative of digamma on arrays (SciPy's ``psi`` for n = 0, its
    ``polygamma`` above), with PyTorch's values where the two differ:

    * n = 1 below 1/2 by the reflection formula, ``pi^2 / sin(pi x)^2 - trigamma(1 - x)``,
      as PyTorch computes it: at the poles (0 and the negative integers) sin(pi x) rounds
      to a tiny number, not 0, giving a huge finite value (SciPy: inf), and NaN at -inf;
    * n >= 2 gives NaN at +inf (PyTorch's Hurwitz zeta; the limit, which SciPy gives, is 0).

    >>> polygamma(1, np.array([1.0, -0.5]))
    array([1.64493407, 8.9348022 ])
    """
    if n == 0:
        return scipy_special("psi", x)
    out = scipy_special("polygamma", n, x)
    x = np.asarray(out.dtype.type(0) + array_of(x))   # the float input, as out's dtype
    if n == 1:
        low = x < 0.5
        if low.any():
            with np.errstate(all="ignore"):   # the poles, silently, as PyTorch
                xl = x[low]
                sine = np.sin(out.dtype.type(np.pi) * xl)
                reflected = scipy_special("polygamma", 1, 1 - xl)
                out[low] = np.pi ** 2 / (sine * sine) - reflected
    else:
        out[np.isposinf(x)] = np.nan
    return out


def scipy_function(name):
    """``scipy.special.<name>`` on float arrays, as ``scipy_special`` computes it."""
    def fn(x):
        return scipy_special(name, x)
    fn.__name__ = name
    fn.__doc__ = f"SciPy's ``{name}`` on arrays, in the input's precision (integers: float32)."
    return fn


erfc, erfcx, ndtri, log_ndtr = map(scipy_function, ("erfc", "erfcx", "ndtri", "log_ndtr"))
i0, i0e, i1, i1e = map(scipy_function, ("i0", "i0e", "i1", "i1e"))

"""Comparisons and logical reductions: results without a gradient (a step function's
derivative is zero wherever it exists), so they record no gate."""
import numpy as np

from ..dtypes import as_torch_promotes
from ..tensor import Tensor, api, new_tensor
from .reduce import normalize_dims


def comparison(ufunc, *names):
    def compare(x, other):
        return new_tensor(ufunc(x._data, other._data if isinstance(other, Tensor) else other), None)
    compare.__name__ = names[-1]
    return api(compare, name=names[-1], methods=names)


lt = comparison(np.less, "__lt__", "lt")
le = comparison(np.less_equal, "__le__", "le")
gt = comparison(np.greater, "__gt__", "gt")
ge = comparison(np.greater_equal, "__ge__", "ge")
eq = comparison(np.equal, "__eq__", "eq")
ne = comparison(np.not_equal, "__ne__", "ne")


def logical_reduction(ufunc, name):
    def reduce(x, dim=None, keepdim=False):
        data = x._data
        if dim is None:
            out = ufunc.reduce(data.reshape(-1))
            return new_tensor(np.asarray(out).reshape((1,) * data.ndim if keepdim else ()), None)
        dims = normalize_dims(dim, data.ndim, name)
        out = ufunc.reduce(data != 0, axis=dims, keepdims=keepdim) if dims is not None else \
            np.asarray(data != 0)
        return new_tensor(np.asarray(out, bool), None)
    reduce.__name__ = name
    reduce.__doc__ = (f"Whether {'any' if name == 'any' else 'every'} element is nonzero, over "
                      f"``dim`` (an int or a tuple; all when None), with ``keepdim``: a bool "
                      f"tensor, no gradient.")
    return api(reduce, name=name, methods=(name,))


any = logical_reduction(np.logical_or, "any")  # noqa: A001  (PyTorch's name)
all = logical_reduction(np.logical_and, "all")  # noqa: A001


def check_bitwise(x, other, op):
    for value in (x, other):
        kind = value._data.dtype.kind if isinstance(value, Tensor) else \
            ("f" if isinstance(value, float) else "i")
        if kind in "fc":
            raise TypeError(f"{op}: not supported for floating tensors (PyTorch's "
                            f"bitwise ops take bool and integer tensors); use logical_and / "
                            f"logical_or / logical_xor for masks")


def bitwise(ufunc, name, *methods):
    def combine(x, other):
        check_bitwise(x, other, name)
        a = x._data
        b = other._data if isinstance(other, Tensor) else other
        return new_tensor(as_torch_promotes(ufunc(a, b), a, b), None)
    combine.__name__ = name
    combine.__doc__ = (f"``{name}``: bitwise on integer tensors, logical on bool tensors "
                       f"(PyTorch's ``&``, ``|``, ``^``); no gradient.")
    return api(combine, name=name, methods=methods + (name,))


bitwise_and = bitwise(np.bitwise_and, "bitwise_and", "__and__", "__rand__")
bitwise_or = bitwise(np.bitwise_or, "bitwise_or", "__or__", "__ror__")
bitwise_xor = bitwise(np.bitwise_xor, "bitwise_xor", "__xor__", "__rxor__")


def logical(ufunc, name):
    def combine(x, other):
        return new_tensor(ufunc(x._data, other._data if isinstance(other, Tensor) else other), None)
    combine.__name__ = name
    combine.__doc__ = f"``{name}``: True where it holds of the two (nonzero is True); no gradient."
    return api(combine, name=name, methods=(name,))


logical_and = logical(np.logical_and, "logical_and")
logical_or = logical(np.logical_or, "logical_or")
logical_xor = logical(np.logical_xor, "logical_xor")


@api(methods=("logical_not",))
def logical_not(x):
    """True where ``x`` is zero (or False): a bool tensor, for any dtype."""
    return new_tensor(np.logical_not(x._data), None)


@api(methods=("__invert__", "bitwise_not"))
def bitwise_not(x):
    """``~x``: logical not of a bool tensor, the bits flipped of an integer one."""
    if x._data.dtype.kind == "f":
        raise TypeError(f"~ (bitwise_not) is not supported for a {x.dtype} tensor; use "
                        f"logical_not() for a mask")
    return new_tensor(np.invert(x._data), None)


def predicate(ufunc, name, meaning):
    def check(x):
        return new_tensor(np.asarray(ufunc(x._data)), None)
    check.__name__ = name
    check.__doc__ = f"True where ``x`` {meaning}: a bool tensor, no gradient."
    return api(check, name=name, methods=(name,))


isfinite = predicate(np.isfinite, "isfinite", "is finite (not inf, not NaN)")
isnan = predicate(np.isnan, "isnan", "is NaN")
isinf = predicate(np.isinf, "isinf", "is +inf or -inf")
isposinf = predicate(np.isposinf, "isposinf", "is +inf")
isneginf = predicate(np.isneginf, "isneginf", "is -inf")


@api(methods=("isclose",))
def isclose(x, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|x - other| <= atol + rtol * |other|`` elementwise (PyTorch's ``isclose``), NaN
    equal to NaN when ``equal_nan``; a bool tensor.

    >>> import chainrule as cr
    >>> cr.isclose(cr.tensor([1.0, 2.0]), cr.tensor([1.0 + 1e-9, 2.1])).tolist()
    [True, False]
    """
    a, b = (v._data if isinstance(v, Tensor) else np.asarray(v) for v in (x, other))
    if a.dtype != b.dtype and not (a.ndim == 0 or b.ndim == 0):
        raise TypeError(f"isclose: x ({a.dtype}) and other ({b.dtype}) must be of one dtype")
    return new_tensor(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), None)


@api(methods=("allclose",))
def allclose(x, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of ``x`` is close to ``other``'s (``isclose``): a Python bool."""
    return bool(isclose(x, other, rtol, atol, equal_nan)._data.all())


@api(methods=("equal",))
def equal(x, other):
    """Whether ``x`` and ``other`` have the same shape and elements: a Python bool."""
    return x.shape == other.shape and bool((x._data == other._data).all())


@api
def is_tensor(obj):
    """Whether ``obj`` is a chainrule tensor."""
    return isinstance(obj, Tensor)


@api(name="is_floating_point")
def is_floating_point(x):
    """Whether ``x``'s dtype is a float dtype."""
    return x._data.dtype.kind == "f"

"""Comparisons and logical reductions: results without a gradient (a step function's
derivative is zero wherever it exists), so they record no gate."""
import numpy as np

from ..tensor import Tensor, api, new_tensor


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


@api(name=False, methods=("any",))
def any(x):  # noqa: A001  (PyTorch's name)
    return new_tensor(x._data.any(), None)


@api(name=False, methods=("all",))
def all(x):  # noqa: A001
    return new_tensor(x._data.all(), None)


def logical(ufunc, *names):
    def combine(x, other):
        return new_tensor(ufunc(x._data, other._data if isinstance(other, Tensor) else other), None)
    combine.__name__ = names[-1]
    return api(combine, name=False, methods=names)


logical(np.logical_and, "__and__", "logical_and")
logical(np.logical_or, "__or__", "logical_or")
logical(np.logical_xor, "__xor__", "logical_xor")


@api(name=False, methods=("logical_not",))
def logical_not(x):
    """True where ``x`` is zero (or False): a bool tensor, for any dtype."""
    return new_tensor(np.logical_not(x._data), None)


@api(name=False, methods=("__invert__", "bitwise_not"))
def bitwise_not(x):
    """``~x``: logical not of a bool tensor, the bits flipped of an integer one."""
    if x._data.dtype.kind == "f":
        raise TypeError(f"~ (bitwise_not) is not defined for a {x.dtype} tensor; use "
                        f"logical_not() for a mask")
    return new_tensor(np.invert(x._data), None)

"""Arithmetic gates: + - * / ** neg, maximum, minimum, where. All elementwise, broadcasting.

Their rows are local derivatives; the engine multiplies them by the upstream gradient and
sums the product back over the axes broadcasting stretched.
"""
import numpy as np

from ..autograd.gate import Gate
from ..dtypes import array_of
from ..tensor import Tensor, api


class Add(Gate):
    """``x + y``.

    >>> import chainrule as cr
    >>> cr.add(cr.tensor([1.0, 2.0]), 1).tolist()
    [2.0, 3.0]
    """

    label = "+"
    ufunc = np.add
    inputs = ("x", "y")
    formula = "x + y"
    derivatives = {"x": "1", "y": "1"}
    elementwise = True
    number_operands = True
    methods = ("__add__", "__radd__")   # cr.add and x.add take alpha=: see add below


class Sub(Gate):
    label = "-"
    ufunc = np.subtract
    inputs = ("x", "y")
    formula = "x - y"
    derivatives = {"x": "1", "y": "-1"}
    elementwise = True
    number_operands = True
    methods = ("__sub__", "__rsub__")


class Mul(Gate):
    label = "*"
    ufunc = np.multiply
    inputs = ("x", "y")
    formula = "x * y"
    derivatives = {"x": "y", "y": "x"}
    elementwise = True
    number_operands = True
    methods = ("__mul__", "__rmul__", "mul", "multiply")
    function = "mul"


class Div(Gate):
    label = "/"
    ufunc = np.true_divide
    inputs = ("x", "y")
    formula = "x / y"
    derivatives = {"x": "1 / y", "y": "-x / y ** 2"}
    elementwise = True
    number_operands = True
    methods = ("__truediv__", "__rtruediv__", "div", "divide", "true_divide")
    function = "div"


class Neg(Gate):
    label = "neg"
    ufunc = np.negative
    formula = "-x"
    derivatives = {"x": "-1"}
    elementwise = True
    methods = ("__neg__", "neg", "negative")
    function = "neg"


class Pow(Gate):
    """``x ** y``; ``y`` is a tensor or a number. As in PyTorch, d/dy is 0 where x = 0."""

    label = "**"
    ufunc = np.power
    inputs = ("x", "y")
    formula = "x ** y"
    derivatives = {"x": "y * x ** (y - 1)", "y": "out * log(where(x == 0, 1, x))"}
    elementwise = True
    methods = ("__pow__", "__rpow__")


class Maximum(Gate):
    """Elementwise maximum; at a tie each input gets half the gradient (as in PyTorch)."""

    label = "maximum"
    ufunc = np.maximum
    inputs = ("x", "y")
    formula = "maximum(x, y)"
    derivatives = {"x": "where(x > y, 1.0, where(x == y, 0.5, 0.0))",
                   "y": "where(y > x, 1.0, where(x == y, 0.5, 0.0))"}
    elementwise = True
    methods = ("maximum",)
    function = "maximum"


class Minimum(Gate):
    """Elementwise minimum; at a tie each input gets half the gradient (as in PyTorch)."""

    label = "minimum"
    ufunc = np.minimum
    inputs = ("x", "y")
    formula = "minimum(x, y)"
    derivatives = {"x": "where(x < y, 1.0, where(x == y, 0.5, 0.0))",
                   "y": "where(y < x, 1.0, where(x == y, 0.5, 0.0))"}
    elementwise = True
    methods = ("minimum",)
    function = "minimum"


class Where(Gate):
    """``where(cond, x, y)``: x where cond holds, else y. ``cond`` gets no gradient."""

    label = "where"
    inputs = ("cond", "x", "y")
    formula = "where(cond, x, y)"
    derivatives = {"x": "cond", "y": "~cond"}
    elementwise = True

    def forward(self, cond, x, y):
        return np.where(cond, x, y)


@api(methods=("add",))
def add(x, other, alpha=1):
    """``x + alpha * other``, PyTorch's ``torch.add``."""
    return Add.binary(x, scaled(other, alpha))


@api(methods=("sub", "subtract"))
def sub(x, other, alpha=1):
    """``x - alpha * other``, PyTorch's ``torch.sub``."""
    return Sub.binary(x, scaled(other, alpha))


@api(methods=("pow",))
def pow(x, exponent):  # noqa: A001  (PyTorch's name)
    """``x ** exponent``, with PyTorch's keyword (``x.pow(exponent=3)``)."""
    return Pow.binary(x, exponent)


def scaled(other, alpha):
    return other if alpha == 1 else other * alpha


@api
def where(condition, x, y):
    """``x`` where ``condition`` is true, else ``y`` (PyTorch's ``torch.where``)."""
    cond = condition.data if isinstance(condition, Tensor) else array_of(condition)
    return Where.apply(cond.astype(bool, copy=False), x, y)

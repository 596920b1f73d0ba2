"""Arithmetic gates: + - * / ** neg, maximum, minimum, where. All elementwise, broadcasting.

Broadcasting is undone by the engine (``sum_to``), so each backward returns the gradient in
the broadcast shape and stays one line.
"""
import numpy as np

from ..autograd.gate import Gate


class Add(Gate):
    label = "+"
    ufunc = np.add
    saves_inputs = False
    inputs = ("x", "y")
    formula = "x + y"
    derivatives = {"x": "1", "y": "1"}
    elementwise = True
    number_operands = True

    def backward(self, g, xp):
        return g, g


class Sub(Gate):
    label = "-"
    ufunc = np.subtract
    saves_inputs = False
    inputs = ("x", "y")
    formula = "x - y"
    derivatives = {"x": "1", "y": "-1"}
    elementwise = True
    number_operands = True

    def backward(self, g, xp):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Gate):
    label = "*"
    ufunc = np.multiply
    inputs = ("x", "y")
    formula = "x * y"
    derivatives = {"x": "y", "y": "x"}
    elementwise = True
    number_operands = True

    def backward(self, g, xp):
        x, y = xp.values(self)
        needs_x, needs_y = self.needs_input_grad
        return (g * y if needs_x else None), (g * x if needs_y else None)


class Div(Gate):
    label = "/"
    ufunc = np.true_divide
    inputs = ("x", "y")
    formula = "x / y"
    derivatives = {"x": "1 / y", "y": "-x / y**2"}
    elementwise = True
    number_operands = True

    def backward(self, g, xp):
        x, y = xp.values(self)
        gx = g / y
        return gx, (-gx * x / y if self.needs_input_grad[1] else None)


class Neg(Gate):
    label = "neg"
    ufunc = np.negative
    saves_inputs = False
    formula = "-x"
    derivatives = {"x": "-1"}
    elementwise = True

    def backward(self, g, xp):
        return (-g,)


class Pow(Gate):
    """``x ** y``; ``y`` is a tensor or a number. Like PyTorch, d/dy is 0 where x = 0."""

    label = "**"
    ufunc = np.power
    inputs = ("x", "y")
    formula = "x ** y"
    derivatives = {"x": "y * x ** (y - 1)", "y": "out * log(x)"}
    elementwise = True
    saves_output = True

    def backward(self, g, xp):
        x, y = xp.values(self)
        needs_x, needs_y = self.needs_input_grad
        gx = g * y * x ** (y - 1) if needs_x else None
        gy = None
        if needs_y:
            safe_x = xp.where(x == 0, 1, x)
            gy = g * xp.output(self) * xp.log(safe_x)
        return gx, gy


class Maximum(Gate):
    """Elementwise maximum; at a tie each input gets half the gradient (as in PyTorch)."""

    label = "maximum"
    ufunc = np.maximum
    inputs = ("x", "y")
    formula = "maximum(x, y)"
    derivatives = {"x": "where(x > y, 1, where(x == y, 0.5, 0))",
                   "y": "where(y > x, 1, where(x == y, 0.5, 0))"}
    elementwise = True
    number_operands = True

    def backward(self, g, xp):
        x, y = self.arrays
        share = np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Minimum(Gate):
    """Elementwise minimum; at a tie each input gets half the gradient (as in PyTorch)."""

    label = "minimum"
    ufunc = np.minimum
    inputs = ("x", "y")
    formula = "minimum(x, y)"
    derivatives = {"x": "where(x < y, 1, where(x == y, 0.5, 0))",
                   "y": "where(y < x, 1, where(x == y, 0.5, 0))"}
    elementwise = True
    number_operands = True

    def backward(self, g, xp):
        x, y = self.arrays
        share = np.where(x < y, 1.0, np.where(x == y, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Where(Gate):
    """``where(cond, x, y)``: x where cond holds, else y. ``cond`` gets no gradient."""

    label = "where"
    inputs = ("cond", "x", "y")
    formula = "where(cond, x, y)"
    derivatives = {"x": "where(cond, 1, 0)", "y": "where(cond, 0, 1)"}
    elementwise = True

    def forward(self, cond, x, y):
        return np.where(cond, x, y)

    def backward(self, g, xp):
        cond = np.asarray(self.arrays[0], dtype=bool)
        zero = xp.zeros_like(g)
        return None, xp.where(cond, g, zero), xp.where(cond, zero, g)


def add(x, y):
    """``x + y`` with broadcasting.

    >>> import chainrule as cr
    >>> cr.add(cr.tensor([1.0, 2.0]), 1).tolist()
    [2.0, 3.0]
    """
    return Add.apply(x, y)


def sub(x, y):
    return Sub.apply(x, y)


def mul(x, y):
    return Mul.apply(x, y)


def div(x, y):
    return Div.apply(x, y)


def neg(x):
    return Neg.apply(x)


def pow(x, y):  # noqa: A001  (PyTorch's name)
    return Pow.apply(x, y)


def maximum(x, y):
    return Maximum.apply(x, y)


def minimum(x, y):
    return Minimum.apply(x, y)


def where(cond, x, y):
    """``x`` where ``cond`` is true, else ``y`` (PyTorch's ``torch.where``)."""
    return Where.apply(cond.data if hasattr(cond, "data") else cond, x, y)

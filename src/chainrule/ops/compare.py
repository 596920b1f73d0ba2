"""Comparisons, logical operations and predicates: bool results without a gradient (a step
function's derivative is zero wherever it exists). As in PyTorch they record no graph: a
plain bool tensor comes back, at no cost to training.

While ``onnx.export`` runs a model (``masks.recording_masks``), a mask computed from the
graph (``x > 0``, ``~m``, ``a & b``, ``x.isnan()``) is recorded instead, as a *mask gate*
(``masks.py``): a node whose output is bool and through which no gradient passes. Then
``where(x > 0, x, 0.1 * x)`` is a Where that reads a gate of the graph, and export writes
ONNX's Greater and Where where it would otherwise have frozen the example's mask into a
constant.
"""
import numpy as np

from ..dtypes import as_torch_promotes
from ..tensor import Tensor, api, new_tensor
from .masks import MaskGate, Masks, in_graph, record_mask
from .reduce import normalize_dims


class Greater(MaskGate):
    label, formula, ufunc = ">", "x > y", np.greater


class Less(MaskGate):
    label, formula, ufunc = "<", "x < y", np.less


class GreaterEqual(MaskGate):
    label, formula, ufunc = ">=", "x >= y", np.greater_equal


class LessEqual(MaskGate):
    label, formula, ufunc = "<=", "x <= y", np.less_equal


class Equal(MaskGate):
    label, formula, ufunc = "==", "x == y", np.equal


class NotEqual(MaskGate):
    label, formula, ufunc = "!=", "x != y", np.not_equal


class LogicalAnd(MaskGate):
    label, formula, ufunc = "and", "x and y", np.logical_and


class LogicalOr(MaskGate):
    label, formula, ufunc = "or", "x or y", np.logical_or


class LogicalXor(MaskGate):
    label, formula, ufunc = "xor", "x xor y", np.logical_xor


class LogicalNot(MaskGate):
    label, formula, ufunc, inputs = "not", "not x", np.logical_not, ("x",)


class IsNan(MaskGate):
    label, formula, ufunc, inputs = "isnan", "isnan(x)", np.isnan, ("x",)


class IsInf(MaskGate):
    label, formula, ufunc, inputs = "isinf", "isinf(x)", np.isinf, ("x",)


class IsPosInf(MaskGate):
    label, formula, inputs = "isposinf", "isposinf(x)", ("x",)
    ufunc = staticmethod(np.isposinf)   # a function, not a ufunc: kept unbound


class IsNegInf(MaskGate):
    label, formula, inputs = "isneginf", "isneginf(x)", ("x",)
    ufunc = staticmethod(np.isneginf)   # a function, not a ufunc: kept unbound


class IsFinite(MaskGate):
    label, formula, ufunc, inputs = "isfinite", "isfinite(x)", np.isfinite, ("x",)


def published(fn, name, doc, methods, example):
    """``fn``, which a factory made, named ``name`` and published (``api``) with ``doc``."""
    fn.__name__, fn.__doc__ = name, doc
    return api(fn, name=name, methods=methods, example=example)


def mask_of_two(gate, name, methods, doc, example):
    """``gate``'s ufunc of two operands as a bool tensor (the comparisons and the logical
    operations), recorded as ``gate`` while onnx.export runs a model."""
    ufunc = gate.ufunc

    def combine(x, other):
        if Masks.recording and in_graph(x, other):
            return record_mask(gate, x, other)
        return new_tensor(ufunc(x._data, other._data if isinstance(other, Tensor) else other), None)
    return published(combine, name, doc, methods, example)


def comparison(gate, *names, example=None):
    return mask_of_two(gate, names[-1], names, f"``x {gate.label} other`` elementwise, with "
                       f"broadcasting: a bool tensor, no gradient.", example)


PAIR = "cr.tensor([1.0, 2.0, 3.0]), cr.tensor([2.0, 2.0, 2.0])"
lt = comparison(Less, "__lt__", "lt",
                example=(f"cr.lt({PAIR}).tolist()", "[True, False, False]"))
le = comparison(LessEqual, "__le__", "le",
                example=(f"cr.le({PAIR}).tolist()", "[True, True, False]"))
gt = comparison(Greater, "__gt__", "gt",
                example=(f"cr.gt({PAIR}).tolist()", "[False, False, True]"))
ge = comparison(GreaterEqual, "__ge__", "ge",
                example=(f"cr.ge({PAIR}).tolist()", "[False, True, True]"))
eq = comparison(Equal, "__eq__", "eq",
                example=(f"cr.eq({PAIR}).tolist()", "[False, True, False]"))
ne = comparison(NotEqual, "__ne__", "ne",
                example=(f"cr.ne({PAIR}).tolist()", "[True, False, True]"))


def reduced(ufunc, data, dim, keepdim, name):
    """``any`` / ``all`` of an array (``ufunc``: logical or / and)."""
    if dim is None:
        out = ufunc.reduce(data.reshape(-1))
        return np.asarray(out).reshape((1,) * data.ndim if keepdim else ())
    dims = normalize_dims(dim, data.ndim, name)
    out = ufunc.reduce(data != 0, axis=dims, keepdims=keepdim) if dims is not None else \
        np.asarray(data != 0)
    return np.asarray(out, bool)


class Any(MaskGate):
    """``any`` recorded for onnx.export (``all``: ``All``)."""

    label, formula, inputs, ufunc = "any", "any(x, dim)", ("x",), np.logical_or

    def forward(self, x, dim=None, keepdim=False):
        self.dims = None if dim is None else normalize_dims(dim, np.ndim(x), self.label)
        self.whole, self.keepdim = dim is None, keepdim
        return reduced(self.ufunc, x, dim, keepdim, self.label)


class All(Any):
    label, formula, ufunc = "all", "all(x, dim)", np.logical_and


def logical_reduction(gate, name, example=None):
    ufunc = gate.ufunc

    def reduce(x, dim=None, keepdim=False):
        if Masks.recording and in_graph(x):
            return record_mask(gate, x, dim=dim, keepdim=keepdim)
        return new_tensor(reduced(ufunc, x._data, dim, keepdim, name), None)
    return published(reduce, name, f"Whether {'any' if name == 'any' else 'every'} element is "
                     f"nonzero, over ``dim`` (an int or a tuple; all when None), with "
                     f"``keepdim``: a bool tensor, no gradient.", (name,), example)


any = logical_reduction(Any, "any", example=(  # noqa: A001  (PyTorch's name)
    "cr.any(cr.tensor([[0, 1], [0, 0]]), dim=1).tolist()", "[True, False]"))
all = logical_reduction(All, "all", example=(  # noqa: A001
    "cr.all(cr.tensor([[1, 1], [0, 1]]), dim=1).tolist()", "[True, False]"))


def check_bitwise(x, other, op):
    for value in (x, other):
        kind = value._data.dtype.kind if isinstance(value, Tensor) else \
            ("f" if isinstance(value, float) else "i")
        if kind in "fc":
            raise TypeError(f"{op}: not supported for floating tensors (PyTorch's "
                            f"bitwise ops take bool and integer tensors); use logical_and / "
                            f"logical_or / logical_xor for masks")


def is_bool(value):
    return value._data.dtype == np.bool_ if isinstance(value, Tensor) else isinstance(value, bool)


def bitwise(ufunc, name, gate, *methods, example=None):
    """``gate`` is the mask gate it is on two bool operands (logical and, or, xor)."""
    def combine(x, other):
        check_bitwise(x, other, name)
        if Masks.recording and is_bool(x) and is_bool(other) and in_graph(x, other):
            return record_mask(gate, x, other)
        a = x._data
        b = other._data if isinstance(other, Tensor) else other
        return new_tensor(as_torch_promotes(ufunc(a, b), a, b), None)
    return published(combine, name, f"``{name}``: bitwise on integer tensors, logical on bool "
                     f"tensors (PyTorch's ``&``, ``|``, ``^``); no gradient.", methods + (name,),
                     example)


BITS = "cr.tensor([12, 10]), cr.tensor([10, 6])"
bitwise_and = bitwise(np.bitwise_and, "bitwise_and", LogicalAnd, "__and__", "__rand__",
                      example=(f"cr.bitwise_and({BITS}).tolist()", "[8, 2]"))
bitwise_or = bitwise(np.bitwise_or, "bitwise_or", LogicalOr, "__or__", "__ror__",
                     example=(f"cr.bitwise_or({BITS}).tolist()", "[14, 14]"))
bitwise_xor = bitwise(np.bitwise_xor, "bitwise_xor", LogicalXor, "__xor__", "__rxor__",
                      example=(f"cr.bitwise_xor({BITS}).tolist()", "[6, 12]"))


def logical(gate, name, example=None):
    return mask_of_two(gate, name, (name,), f"``{name}``: True where it holds of the two "
                       f"(nonzero is True); no gradient.", example)


TRUTHS = "cr.tensor([0.0, 0.0, 2.0, 3.0]), cr.tensor([0.0, 1.0, 0.0, -1.0])"
logical_and = logical(LogicalAnd, "logical_and", example=(
    f"cr.logical_and({TRUTHS}).tolist()", "[False, False, False, True]"))
logical_or = logical(LogicalOr, "logical_or", example=(
    f"cr.logical_or({TRUTHS}).tolist()", "[False, True, True, True]"))
logical_xor = logical(LogicalXor, "logical_xor", example=(
    f"cr.logical_xor({TRUTHS}).tolist()", "[False, True, True, False]"))


@api(methods=("logical_not",))
def logical_not(x):
    """True where ``x`` is zero (or False): a bool tensor, for any dtype.

    >>> import chainrule as cr
    >>> cr.logical_not(cr.tensor([0.0, 2.0])).tolist()
    [True, False]
    """
    if Masks.recording and in_graph(x):
        return record_mask(LogicalNot, x)
    return new_tensor(np.logical_not(x._data), None)


@api(methods=("__invert__", "bitwise_not"))
def bitwise_not(x):
    """``~x``: logical not of a bool tensor, the bits flipped of an integer one.

    >>> import chainrule as cr
    >>> cr.bitwise_not(cr.tensor([0, 5])).tolist(), cr.bitwise_not(cr.tensor([True])).tolist()
    ([-1, -6], [False])
    """
    if x._data.dtype.kind == "f":
        raise TypeError(f"~ (bitwise_not) is not supported for a {x.dtype} tensor; use "
                        f"logical_not() for a mask")
    if Masks.recording and is_bool(x) and in_graph(x):
        return record_mask(LogicalNot, x)
    return new_tensor(np.invert(x._data), None)


def predicate(gate, name, meaning, example=None):
    ufunc = gate.ufunc

    def check(x):
        if Masks.recording and in_graph(x):
            return record_mask(gate, x)
        return new_tensor(np.asarray(ufunc(x._data)), None)
    return published(check, name, f"True where ``x`` {meaning}: a bool tensor, no gradient.",
                     (name,), example)


SPECIALS = "cr.tensor([1.0, float('inf'), float('-inf'), float('nan')])"
isfinite = predicate(IsFinite, "isfinite", "is finite (not inf, not NaN)", example=(
    f"cr.isfinite({SPECIALS}).tolist()", "[True, False, False, False]"))
isnan = predicate(IsNan, "isnan", "is NaN", example=(
    f"cr.isnan({SPECIALS}).tolist()", "[False, False, False, True]"))
isinf = predicate(IsInf, "isinf", "is +inf or -inf", example=(
    f"cr.isinf({SPECIALS}).tolist()", "[False, True, True, False]"))
isposinf = predicate(IsPosInf, "isposinf", "is +inf", example=(
    f"cr.isposinf({SPECIALS}).tolist()", "[False, True, False, False]"))
isneginf = predicate(IsNegInf, "isneginf", "is -inf", example=(
    f"cr.isneginf({SPECIALS}).tolist()", "[False, False, True, False]"))


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
    """Whether every element of ``x`` is close to ``other``'s (``isclose``): a Python bool.

    >>> import chainrule as cr
    >>> cr.allclose(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.0 + 1e-9]))
    True
    """
    return bool(isclose(x, other, rtol, atol, equal_nan)._data.all())


@api(methods=("equal",))
def equal(x, other):
    """Whether ``x`` and ``other`` have the same shape and elements: a Python bool.

    >>> import chainrule as cr
    >>> cr.equal(cr.tensor([1, 2]), cr.tensor([1, 2])), cr.equal(cr.tensor([1, 2]), cr.tensor([1]))
    (True, False)
    """
    return x.shape == other.shape and bool((x._data == other._data).all())


@api
def is_tensor(obj):
    """Whether ``obj`` is a chainrule tensor.

    >>> import chainrule as cr
    >>> cr.is_tensor(cr.tensor(1.0)), cr.is_tensor(1.0)
    (True, False)
    """
    return isinstance(obj, Tensor)


@api(name="is_floating_point")
def is_floating_point(x):
    """Whether ``x``'s dtype is a float dtype.

    >>> import chainrule as cr
    >>> cr.is_floating_point(cr.tensor(1.0)), cr.is_floating_point(cr.tensor(1))
    (True, False)
    """
    return x._data.dtype.kind == "f"

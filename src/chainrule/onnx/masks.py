"""Translations of the mask gates (ops/masks.py): comparisons, logical operations and
predicates, which export records so that ``where(x > 0, x, 0.1 * x)`` and the activations
written with masks (elu, hardtanh, softshrink, ...) become ONNX's Greater and Where; and
rounding, sign, argmax and integer casts, so an index or a rounded value computed from the
inputs is part of the graph too.

A comparison compares in the dtype NumPy's forward compared in (``np.result_type`` of its
operands: a Python number beside a float32 tensor stays float32); ONNX's ordering operators
take no bool, so two masks are compared as uint8. The logical operators take bool operands:
any other is cast (nonzero is True, as in NumPy).
"""
import numpy as np

from .builder import onnx_dtype
from .context import emits
from .elementwise import same_op
from .reductions import reduce


def common_dtype(ctx, ordered):
    dtype = np.result_type(*ctx.node.arrays)
    return np.dtype(np.uint8) if ordered and dtype == np.bool_ else dtype


def compared(op_type, ordered=True):
    """A comparison that is one ONNX operator (Greater, Less, Equal, ...)."""
    @emits(op_type)
    def translate(ctx):
        dtype = common_dtype(ctx, ordered)
        return ctx.op(op_type, ctx.input(0, dtype), ctx.input(1, dtype))
    return translate


@emits("Equal, Not")
def not_equal(ctx):
    dtype = common_dtype(ctx, ordered=False)
    return ctx.op("Not", ctx.op("Equal", ctx.input(0, dtype), ctx.input(1, dtype)))


def logical(op_type):
    """And, Or, Xor, Not of the operands read as bool."""
    @emits(op_type)
    def translate(ctx):
        return ctx.op(op_type, *ctx.inputs(np.bool_))
    return translate


def float_input(ctx):
    """The operand as floats: ONNX's IsNaN and IsInf take no integers (which are never NaN
    nor infinite, in any float dtype)."""
    have = np.asarray(ctx.node.arrays[0]).dtype
    return ctx.input(0, have if have.kind == "f" else np.float32)


@emits("IsNaN")
def isnan(ctx):
    return ctx.op("IsNaN", float_input(ctx))


def isinf(positive, negative):
    @emits("IsInf")
    def translate(ctx):
        return ctx.op("IsInf", float_input(ctx), detect_positive=int(positive),
                      detect_negative=int(negative))
    return translate


@emits("IsNaN, IsInf, Or, Not")
def isfinite(ctx):
    x = float_input(ctx)
    return ctx.op("Not", ctx.op("Or", ctx.op("IsNaN", x), ctx.op("IsInf", x)))


@emits("Less, Ceil, Floor, Where")
def trunc(ctx):
    """Toward zero: ONNX has no Trunc (a cast to integers would overflow)."""
    x = ctx.input(0)
    negative = ctx.op("Less", x, ctx.const(0.0, ctx.dtype))
    return ctx.op("Where", negative, ctx.op("Ceil", x), ctx.op("Floor", x))


@emits("Round; Mul, Round, Div (decimals)")
def round_(ctx):
    """Half to even, as NumPy and PyTorch; with decimals, round(x * 10^d) / 10^d."""
    x, decimals = ctx.input(0), ctx.param("decimals")
    if decimals == 0:
        return ctx.op("Round", x)
    scale = ctx.const(10.0 ** decimals, ctx.dtype)
    return ctx.op("Div", ctx.op("Round", ctx.op("Mul", x, scale)), scale)


@emits("Greater, Less, Cast, Sub")
def sign(ctx):
    """(x > 0) - (x < 0): 0 at NaN, as PyTorch's sign (ONNX's Sign gives NaN)."""
    x = ctx.input(0)
    if ctx.dtype == np.bool_:
        return ctx.op("Identity", x)
    zero = ctx.const(0, np.asarray(ctx.node.arrays[0]).dtype)
    above, below = ctx.op("Greater", x, zero), ctx.op("Less", x, zero)
    return ctx.op("Sub", ctx.cast(above, np.bool_, ctx.dtype), ctx.cast(below, np.bool_, ctx.dtype))


@emits("Cast")
def cast_integer(ctx):
    return ctx.input(0, ctx.dtype)


def arg_extreme(op_type):
    """The index of the first extreme, flattened when dim is None. NumPy and PyTorch take a
    NaN as the extreme (its first index), where onnxruntime's ArgMax passes over it: where
    a slice holds a NaN, the index of its first NaN is taken instead."""
    @emits(f"{op_type}; Reshape (dim None); IsNaN, Cast, ReduceMax, Where (floats)")
    def translate(ctx):
        dim, keepdim, shape = ctx.param("dim"), ctx.param("keepdim"), ctx.shape(0)
        if not shape:   # the one element's index, whatever its value
            return ctx.const(np.zeros((), np.int64))
        x = ctx.input(0)
        keep = int(bool(keepdim)) if dim is not None else 0
        if dim is None:
            x = ctx.op("Reshape", x, ctx.int64s([-1]))
        axis = 0 if dim is None else int(dim) % len(shape)
        index = ctx.op(op_type, x, axis=axis, keepdims=keep)
        if np.asarray(ctx.node.arrays[0]).dtype.kind == "f":
            nan = ctx.op("Cast", ctx.op("IsNaN", x), to=onnx_dtype(np.int32))
            first_nan = ctx.op("ArgMax", nan, axis=axis, keepdims=keep)
            has_nan = ctx.cast(reduce(ctx, "ReduceMax", nan, [axis], keep), np.int32, np.bool_)
            index = ctx.op("Where", has_nan, first_nan, index)
        if dim is None and keepdim:
            index = ctx.op("Reshape", index, ctx.int64s([1] * len(shape)))
        return index
    return translate


def logical_reduction(op_type):
    """any (ReduceMax) and all (ReduceMin) of the operand read as bool, as 0 and 1."""
    @emits(f"Cast, {op_type}")
    def translate(ctx):
        x = ctx.cast(ctx.input(0, np.bool_), np.bool_, np.int32)
        if ctx.param("whole"):
            x = reduce(ctx, op_type, x, None, ctx.param("keepdim"))
        elif ctx.param("dims"):   # (None or () reduce nothing: the mask itself)
            x = reduce(ctx, op_type, x, ctx.param("dims"), ctx.param("keepdim"))
        return ctx.cast(x, np.int32, np.bool_)
    return translate


TRANSLATIONS = {
    "Greater": compared("Greater"), "Less": compared("Less"),
    "GreaterEqual": compared("GreaterOrEqual"), "LessEqual": compared("LessOrEqual"),
    "Equal": compared("Equal", ordered=False), "NotEqual": not_equal,
    "LogicalAnd": logical("And"), "LogicalOr": logical("Or"), "LogicalXor": logical("Xor"),
    "LogicalNot": logical("Not"),
    "IsNan": isnan, "IsInf": isinf(True, True), "IsPosInf": isinf(True, False),
    "IsNegInf": isinf(False, True), "IsFinite": isfinite,
    "Floor": same_op("Floor"), "Ceil": same_op("Ceil"), "Trunc": trunc, "Round": round_,
    "Sign": sign, "CastInteger": cast_integer,
    "ArgMax": arg_extreme("ArgMax"), "ArgMin": arg_extreme("ArgMin"),
    "Any": logical_reduction("ReduceMax"), "All": logical_reduction("ReduceMin"),
}

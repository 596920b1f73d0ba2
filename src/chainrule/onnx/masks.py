"""Translations of the mask gates (ops/compare.py): comparisons, logical operations and
predicates, which export records so that ``where(x > 0, x, 0.1 * x)`` and the activations
written with masks (elu, hardtanh, softshrink, ...) become ONNX's Greater and Where.

A comparison compares in the dtype NumPy's forward compared in (``np.result_type`` of its
operands: a Python number beside a float32 tensor stays float32); ONNX's ordering operators
take no bool, so two masks are compared as uint8. The logical operators take bool operands:
any other is cast (nonzero is True, as in NumPy).
"""
import numpy as np

from .context import emits


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


TRANSLATIONS = {
    "Greater": compared("Greater"), "Less": compared("Less"),
    "GreaterEqual": compared("GreaterOrEqual"), "LessEqual": compared("LessOrEqual"),
    "Equal": compared("Equal", ordered=False), "NotEqual": not_equal,
    "LogicalAnd": logical("And"), "LogicalOr": logical("Or"), "LogicalXor": logical("Xor"),
    "LogicalNot": logical("Not"),
    "IsNan": isnan, "IsInf": isinf(True, True), "IsPosInf": isinf(True, False),
    "IsNegInf": isinf(False, True), "IsFinite": isfinite,
}

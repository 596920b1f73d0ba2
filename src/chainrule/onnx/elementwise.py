"""Translations of the elementwise gates: arithmetic, unary functions, activations.

Operands are cast to the gate's output dtype first, as PyTorch promotes (an int tensor
divided by a float one gives float), since ONNX's binary operators want one type.
"""
import math

import numpy as np

from .context import emits


def same_op(op_type):
    """A gate that is one ONNX operator of the same arity (Add, Exp, Relu...)."""
    def translate(ctx):
        return ctx.op(op_type, *ctx.inputs(ctx.dtype))
    translate.onnx = op_type
    return translate


@emits("Pow")
def exp2(ctx):
    return ctx.op("Pow", ctx.const(2.0, ctx.dtype), ctx.input(0, ctx.dtype))


@emits("Exp, Sub")
def expm1(ctx):
    """exp(x) - 1: ONNX has no expm1, so tiny x lose their relative precision (the absolute
    error stays about float32's epsilon)."""
    return ctx.op("Sub", ctx.op("Exp", ctx.input(0, ctx.dtype)), ctx.const(1.0, ctx.dtype))


@emits("Add, Log")
def log1p(ctx):
    """log(1 + x), with the same caveat as expm1 for tiny x."""
    return ctx.op("Log", ctx.op("Add", ctx.input(0, ctx.dtype), ctx.const(1.0, ctx.dtype)))


def log_base(base):
    @emits("Log, Div")
    def translate(ctx):
        return ctx.op("Div", ctx.op("Log", ctx.input(0, ctx.dtype)),
                      ctx.const(math.log(base), ctx.dtype))
    return translate


@emits("Div, Floor, Mul, Sub")
def remainder(ctx):
    """Python's x % y, with the sign of y: x - floor(x / y) * y, since ONNX's Mod has only
    C's fmod for floats (a recorded gate computes in floats: integer tensors record none)."""
    x, y = ctx.input(0, ctx.dtype), ctx.input(1, ctx.dtype)
    return ctx.op("Sub", x, ctx.op("Mul", ctx.op("Floor", ctx.op("Div", x, y)), y))


@emits("Mod")
def fmod(ctx):
    return ctx.op("Mod", ctx.input(0, ctx.dtype), ctx.input(1, ctx.dtype), fmod=1)


@emits("Neg")
def neg(ctx):
    return ctx.op("Neg", ctx.input(0, ctx.dtype))


@emits("Pow")
def pow_(ctx):
    return ctx.op("Pow", ctx.input(0, ctx.dtype), ctx.input(1, ctx.dtype))


@emits("Where")
def where(ctx):
    cond = ctx.input(0, np.bool_)
    return ctx.op("Where", cond, ctx.input(1, ctx.dtype), ctx.input(2, ctx.dtype))


@emits("Clip")
def clamp(ctx):
    low, high = ctx.param("min"), ctx.param("max")
    bound = ctx.dtype.kind == "f"
    lo = ctx.const(low, ctx.dtype) if bound or np.isfinite(low) else None
    hi = ctx.const(high, ctx.dtype) if bound or np.isfinite(high) else None
    return ctx.op("Clip", ctx.input(0), lo, hi)


@emits("Cast")
def cast(ctx):
    return ctx.input(0, ctx.dtype)


@emits("LeakyRelu")
def leaky_relu(ctx):
    return ctx.op("LeakyRelu", ctx.input(0), alpha=float(ctx.param("negative_slope")))


@emits("Gelu (opset 20+); Erf, Mul, Add")
def gelu(ctx):
    """Exact GELU, x * (1 + erf(x / sqrt 2)) / 2: ONNX's Gelu operator from opset 20, the
    formula before it."""
    x = ctx.input(0)
    if ctx.opset >= 20:
        return ctx.op("Gelu", x)
    inner = ctx.op("Erf", ctx.op("Mul", x, ctx.const(math.sqrt(0.5), ctx.dtype)))
    half = ctx.op("Mul", x, ctx.const(0.5, ctx.dtype))
    return ctx.op("Mul", half, ctx.op("Add", inner, ctx.const(1.0, ctx.dtype)))


@emits("identity in eval mode, where dropout records no gate; a Dropout gate means "
       "training=True in forward: refused")
def dropout(ctx):
    raise ctx.error("dropout ran with training=True during export (F.dropout(x, training=True) "
                    "written into forward); in eval mode dropout is the identity and records no "
                    "gate. Pass training=self.training, or use nn.Dropout")


@emits("Log, Max, Sub, Mul, Add, Neg")
def binary_cross_entropy(ctx):
    """-(y * max(log p, -100) + (1 - y) * max(log(1 - p), -100)), PyTorch's clamp."""
    p, y = ctx.input(0, ctx.dtype), ctx.input(1, ctx.dtype)
    one, floor = ctx.const(1.0, ctx.dtype), ctx.const(ctx.node.floor, ctx.dtype)
    log_p = ctx.op("Max", ctx.op("Log", p), floor)
    log_q = ctx.op("Max", ctx.op("Log", ctx.op("Sub", one, p)), floor)
    total = ctx.op("Add", ctx.op("Mul", y, log_p),
                   ctx.op("Mul", ctx.op("Sub", one, y), log_q))
    return ctx.op("Neg", total)


TRANSLATIONS = {
    "Add": same_op("Add"), "Sub": same_op("Sub"), "Mul": same_op("Mul"),
    "Div": same_op("Div"), "Neg": neg, "Pow": pow_,
    "Maximum": same_op("Max"), "Minimum": same_op("Min"), "Where": where,
    "Exp": same_op("Exp"), "Log": same_op("Log"), "Sqrt": same_op("Sqrt"),
    "Abs": same_op("Abs"), "Sin": same_op("Sin"), "Cos": same_op("Cos"),
    "Tan": same_op("Tan"), "Tanh": same_op("Tanh"), "Sigmoid": same_op("Sigmoid"),
    "Asin": same_op("Asin"), "Acos": same_op("Acos"), "Atan": same_op("Atan"),
    "Sinh": same_op("Sinh"), "Cosh": same_op("Cosh"),
    "Asinh": same_op("Asinh"), "Acosh": same_op("Acosh"), "Atanh": same_op("Atanh"),
    "Relu": same_op("Relu"), "Erf": same_op("Erf"), "Softplus": same_op("Softplus"),
    "Clamp": clamp, "Cast": cast, "LeakyRelu": leaky_relu, "Gelu": gelu,
    "Dropout": dropout, "BinaryCrossEntropy": binary_cross_entropy,
    "Exp2": exp2, "Expm1": expm1, "Log1p": log1p, "Log2": log_base(2), "Log10": log_base(10),
    "Remainder": remainder, "Fmod": fmod,
}

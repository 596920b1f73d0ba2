"""Translations of the reductions: sums, means, extremes, logsumexp, std, norm, cumsum.

Whether a reduction kept its dimensions is read off the shapes (the output has as many
dimensions as the input); ``dims`` None means every dimension.
"""
import numpy as np

from .context import emits


def reduce(ctx, op_type, x, dims, keepdims):
    """One ONNX Reduce* node over ``dims`` (all when None): axes are an input from opset 18
    (from 13 for ReduceSum), an attribute before."""
    axes = None if dims is None else [int(d) for d in np.atleast_1d(dims)]
    if axes == [] and ctx.shape(0):
        axes = None   # PyTorch's dim=() on a tensor reduces every dimension
    keep = int(bool(keepdims))
    if op_type == "ReduceSum" or ctx.opset >= 18:
        return ctx.op(op_type, x, None if axes is None else ctx.int64s(axes), keepdims=keep)
    return ctx.op(op_type, x, axes=axes, keepdims=keep)


def kept(ctx):
    return len(ctx.shape()) == len(ctx.shape(0)) and len(ctx.shape(0)) > 0


def over_dims(op_type):
    """A gate that reduces over its saved ``dims`` with one ONNX operator."""
    @emits(op_type)
    def translate(ctx):
        return reduce(ctx, op_type, ctx.input(0, ctx.dtype), ctx.param("dims"), kept(ctx))
    return translate


def whole(op_type):
    """max() / min() of the whole tensor."""
    @emits(op_type)
    def translate(ctx):
        return reduce(ctx, op_type, ctx.input(0), None, False)
    return translate


def along_dim(op_type):
    """max(x, dim) / min(x, dim): the values (the indices are not part of the graph)."""
    @emits(op_type)
    def translate(ctx):
        return reduce(ctx, op_type, ctx.input(0), [ctx.param("dim")], kept(ctx))
    return translate


@emits("ReduceMean, Sub, Mul, ReduceSum, Div, Sqrt")
def std(ctx):
    """sqrt(sum((x - mean)^2, dims) / divisor), divisor = n - correction."""
    x, dims = ctx.input(0), ctx.param("dims")
    centred = ctx.op("Sub", x, reduce(ctx, "ReduceMean", x, dims, True))
    total = reduce(ctx, "ReduceSum", ctx.op("Mul", centred, centred), dims, kept(ctx))
    divisor = ctx.const(ctx.param("divisor"), ctx.dtype)
    return ctx.op("Sqrt", ctx.op("Div", total, divisor))


@emits("CumSum")
def cumsum(ctx):
    x = ctx.input(0, ctx.dtype)
    return ctx.op("CumSum", x, ctx.const(np.int64(ctx.param("dim"))))


TRANSLATIONS = {
    "Sum": over_dims("ReduceSum"), "Mean": over_dims("ReduceMean"),
    "Amax": over_dims("ReduceMax"), "Amin": over_dims("ReduceMin"),
    "LogSumExp": over_dims("ReduceLogSumExp"), "Norm": over_dims("ReduceL2"),
    "Prod": over_dims("ReduceProd"),
    "Max": whole("ReduceMax"), "Min": whole("ReduceMin"),
    "MaxDim": along_dim("ReduceMax"), "MinDim": along_dim("ReduceMin"),
    "Std": std, "Cumsum": cumsum,
}

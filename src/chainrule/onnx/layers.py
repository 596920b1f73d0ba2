"""Translations of the layer gates: matrix products, linear, convolution, sliding windows,
softmax, attention and the losses."""
import numpy as np

from .context import emits
from .reductions import reduce


@emits("MatMul")
def matmul(ctx):
    return ctx.op("MatMul", *ctx.inputs(ctx.dtype))


@emits("Gemm; MatMul, Transpose, Add")
def linear(ctx):
    """x @ W.T + b: Gemm for a matrix x (as PyTorch writes it), MatMul for other ranks."""
    x, w, b = ctx.inputs(ctx.dtype)
    if len(ctx.shape(0)) == 2:
        return ctx.op("Gemm", x, w, b, transB=1)
    out = ctx.op("MatMul", x, ctx.op("Transpose", w, perm=[1, 0]))
    return out if b is None else ctx.op("Add", out, b)


@emits("Conv")
def conv2d(ctx):
    x, w, b = ctx.inputs(ctx.dtype)
    padding = list(ctx.param("padding"))
    return ctx.op("Conv", x, w, b, kernel_shape=list(ctx.param("weight_size")[2:]),
                  strides=list(ctx.param("stride")), pads=padding + padding,
                  dilations=list(ctx.param("dilation")), group=int(ctx.param("groups")))


@emits("ConvTranspose")
def conv_transpose2d(ctx):
    """ConvTranspose with PyTorch's geometry; the output size becomes output_padding."""
    x, w, b = ctx.inputs(ctx.dtype)
    (sh, sw), (ph, pw) = ctx.param("stride"), ctx.param("padding")
    (dh, dw), kernel = ctx.param("dilation"), ctx.param("weight_size")[2:]
    h, wd = ctx.static(0, allow=(0,))[2:]
    oh, ow = ctx.static(allow=(0,))[2:]
    extra = [oh - ((h - 1) * sh - 2 * ph + dh * (kernel[0] - 1) + 1),
             ow - ((wd - 1) * sw - 2 * pw + dw * (kernel[1] - 1) + 1)]
    return ctx.op("ConvTranspose", x, w, b, kernel_shape=list(kernel), strides=[sh, sw],
                  pads=[ph, pw, ph, pw], dilations=[dh, dw], output_padding=extra,
                  group=int(ctx.param("groups")))


@emits("Reshape, ReduceMean, Sub, Mul, Add, Sqrt, Div, Shape")
def group_norm(ctx):
    """(x - mean) / sqrt(var + eps) over each group of channels (and the spatial axes),
    then the per-channel weight and bias: written out, since ONNX's GroupNormalization
    changed the meaning of its scale between opsets."""
    x, w, b = ctx.inputs(ctx.dtype)
    groups = int(ctx.param("groups"))
    v = ctx.op("Reshape", x, ctx.int64s([0, groups, -1]))
    centred = ctx.op("Sub", v, reduce(ctx, "ReduceMean", v, [2], True))
    var = reduce(ctx, "ReduceMean", ctx.op("Mul", centred, centred), [2], True)
    std = ctx.op("Sqrt", ctx.op("Add", var, ctx.const(ctx.param("eps"), ctx.dtype)))
    out = ctx.op("Reshape", ctx.op("Div", centred, std), ctx.op("Shape", x))
    if w is None:
        return out
    per_channel = ctx.int64s(ctx.param("cshape"))
    out = ctx.op("Mul", out, ctx.op("Reshape", w, per_channel))
    return ctx.op("Add", out, ctx.op("Reshape", b, per_channel))


@emits("Pad, Slice, Unsqueeze, Concat, Reshape, Transpose")
def unfold(ctx):
    """The windows (N, OH, OW, KH, KW, C) of an image (N, C, H, W): the padded image (its
    pad value read off the output, -inf for max pooling) sliced once per kernel offset."""
    n, c, h, w = ctx.static(0, allow=(0,))
    (kh, kw), (sh, sw) = ctx.param("kernel"), ctx.param("stride")
    (ph, pw), (dh, dw) = ctx.param("padding"), ctx.param("dilation")
    _, oh, ow = ctx.static(allow=(0,))[:3]
    x = ctx.input(0)
    if ph or pw:
        value = ctx.out._data[(0,) * 6] if ctx.out._data.size else 0.0   # a padded corner
        x = ctx.op("Pad", x, ctx.int64s([0, 0, ph, pw, 0, 0, ph, pw]),
                   ctx.const(value, ctx.dtype))
    pieces = []
    for i in range(kh):
        for j in range(kw):
            start = [i * dh, j * dw]
            stop = [start[0] + (oh - 1) * sh + 1, start[1] + (ow - 1) * sw + 1]
            piece = ctx.op("Slice", x, ctx.int64s(start), ctx.int64s(stop), ctx.int64s([2, 3]),
                           ctx.int64s([sh, sw]))
            pieces.append(ctx.op("Unsqueeze", piece, ctx.int64s([-1])))
    stacked = ctx.op("Concat", *pieces, axis=-1) if len(pieces) > 1 else pieces[0]
    windows = ctx.op("Reshape", stacked, ctx.int64s([0, c, oh, ow, kh, kw]))
    return ctx.op("Transpose", windows, perm=[0, 2, 3, 4, 5, 1])


@emits("LayerNormalization")
def layer_norm(ctx):
    """LayerNormalization over the trailing ``dims`` (ONNX's axis: the first of them); a
    layer without weight gets a scale of ones."""
    x, w, b = ctx.inputs(ctx.dtype)
    dims = ctx.param("dims")
    rank = len(ctx.shape(0))
    axis = rank - len(dims)
    if sorted(d % rank for d in dims) != list(range(axis, rank)):
        raise ctx.error(f"layer_norm over dims {dims} that are not the trailing ones")
    if w is None:
        w = ctx.const(np.ones(ctx.static(0, allow=range(axis))[axis:], ctx.dtype))
    return ctx.op("LayerNormalization", x, w, b, axis=axis, epsilon=float(ctx.param("eps")))


@emits("MaxPool")
def max_pool2d(ctx):
    padding = list(ctx.param("padding"))
    return ctx.op("MaxPool", ctx.input(0), kernel_shape=list(ctx.param("kernel")),
                  strides=list(ctx.param("stride")), pads=padding + padding,
                  dilations=list(ctx.param("dilation")), ceil_mode=int(ctx.param("ceil_mode")))


@emits("Transpose, Reshape, Col2Im (opset 18+; refused below)")
def fold(ctx):
    """Windows (N, OH, OW, KH, KW, C) summed back into an image (N, C, H, W): ONNX's Col2Im,
    which reads the windows as (N, C * KH * KW, OH * OW)."""
    if ctx.opset < 18:
        raise ctx.error("fold needs opset 18 or newer (Col2Im)")
    _, oh, ow, kh, kw, c = ctx.static(0, allow=(0,))
    (ph, pw), shape = ctx.param("padding"), ctx.static(allow=(0,))
    columns = ctx.op("Reshape", ctx.op("Transpose", ctx.input(0), perm=[0, 5, 3, 4, 1, 2]),
                     ctx.int64s([0, c * kh * kw, oh * ow]))
    return ctx.op("Col2Im", columns, ctx.int64s(shape[2:]), ctx.int64s([kh, kw]),
                  dilations=list(ctx.param("dilation")), pads=[ph, pw, ph, pw],
                  strides=list(ctx.param("stride")))


def along(op_type):
    @emits(op_type)
    def translate(ctx):
        return ctx.op(op_type, ctx.input(0), axis=int(ctx.param("dim")))
    return translate


@emits("SoftmaxCrossEntropyLoss")
def cross_entropy(ctx):
    return ctx.op("SoftmaxCrossEntropyLoss", ctx.input(0), ctx.input(1, np.int64),
                  reduction="mean")


@emits("LogSoftmax, Mul, ReduceSum, Neg")
def soft_cross_entropy(ctx):
    """-sum(y * log_softmax(x, dim)) over every element (soft targets)."""
    x, y = ctx.input(0, ctx.dtype), ctx.input(1, ctx.dtype)
    log_probs = ctx.op("LogSoftmax", x, axis=int(ctx.param("dim")))
    return ctx.op("Neg", reduce(ctx, "ReduceSum", ctx.op("Mul", y, log_probs), None, False))


@emits("MatMul, Transpose, Mul, Add, Softmax (ReduceMax, Equal, Where with a mask)")
def attention(ctx):
    """softmax(q @ k^T * scale + mask) @ v; with a mask, a row that may attend to nothing
    gives 0 (PyTorch's safe softmax) instead of softmax's NaN."""
    if ctx.param("dropmask") is not None:
        raise ctx.error("attention ran with dropout_p > 0 during export; pass "
                        "dropout_p=p if self.training else 0.0")
    q, k, v, mask = ctx.inputs(ctx.dtype)
    rank = len(ctx.shape(1))
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    scores = ctx.op("MatMul", q, ctx.op("Transpose", k, perm=perm))
    scores = ctx.op("Mul", scores, ctx.const(ctx.param("scale"), ctx.dtype))
    if mask is None:
        return ctx.op("MatMul", ctx.op("Softmax", scores, axis=-1), v)
    scores = ctx.op("Add", scores, mask)
    top = reduce(ctx, "ReduceMax", scores, [-1], True)
    dead = ctx.op("Equal", top, ctx.const(-np.inf, ctx.dtype))
    zero = ctx.const(0.0, ctx.dtype)
    probs = ctx.op("Softmax", ctx.op("Where", dead, zero, scores), axis=-1)
    return ctx.op("MatMul", ctx.op("Where", dead, zero, probs), v)


TRANSLATIONS = {
    "MatMul": matmul, "Linear": linear, "LayerNorm": layer_norm, "GroupNorm": group_norm,
    "Conv2d": conv2d, "ConvTranspose2d": conv_transpose2d, "MaxPool2d": max_pool2d,
    "Unfold": unfold, "Fold": fold,
    "Softmax": along("Softmax"), "LogSoftmax": along("LogSoftmax"),
    "CrossEntropy": cross_entropy, "SoftmaxCrossEntropy": soft_cross_entropy,
    "ScaledDotProductAttention": attention,
}

"""Translations of the fused recurrent steps (``ops/recurrent.py``): one LSTM step and one
GRU step, each after its matrix products, written out with ONNX's elementwise operators
(the sequence itself is unrolled by the layer, one step gate per time step)."""
from .context import emits


def parts(ctx, x, count, i):
    """x split into ``count`` equal parts along its last axis (operand i's size)."""
    size = ctx.shape(i)[-1] // count
    return ctx.op("Split", x, ctx.int64s([size] * count), axis=-1, outputs=count)


@emits("Split, Sigmoid, Tanh, Mul, Add, Unsqueeze, Concat")
def lstm_step(ctx):
    """c' = f c + i g and h' = o tanh(c') from the quarters i, f, g, o of the
    pre-activations z; [h', c'] stacked along a new first axis, as the gate returns them."""
    z, c = ctx.inputs(ctx.dtype)
    i, f, g, o = parts(ctx, z, 4, 0)
    i, f, o, g = ctx.op("Sigmoid", i), ctx.op("Sigmoid", f), ctx.op("Sigmoid", o), \
        ctx.op("Tanh", g)
    c_next = ctx.op("Add", ctx.op("Mul", f, c), ctx.op("Mul", i, g))
    h_next = ctx.op("Mul", o, ctx.op("Tanh", c_next))
    first = ctx.int64s([0])
    return ctx.op("Concat", ctx.op("Unsqueeze", h_next, first),
                  ctx.op("Unsqueeze", c_next, first), axis=0)


@emits("Split, Add, Sigmoid, Mul, Tanh, Sub")
def gru_step(ctx):
    """r = sigmoid(x_r + hw_r), z = sigmoid(x_z + hw_z), n = tanh(x_n + r hw_n) from the
    thirds of the projections x and hw; h' = n + z (h - n)."""
    x, hw, h = ctx.inputs(ctx.dtype)
    x_r, x_z, x_n = parts(ctx, x, 3, 0)
    h_r, h_z, h_n = parts(ctx, hw, 3, 1)
    r = ctx.op("Sigmoid", ctx.op("Add", x_r, h_r))
    z = ctx.op("Sigmoid", ctx.op("Add", x_z, h_z))
    n = ctx.op("Tanh", ctx.op("Add", x_n, ctx.op("Mul", r, h_n)))
    return ctx.op("Add", n, ctx.op("Mul", z, ctx.op("Sub", h, n)))


TRANSLATIONS = {"LSTMStep": lstm_step, "GRUStep": gru_step}

"""How a random graph applies each gate of the registry: which inputs it draws and how the
gate runs under chainrule and under PyTorch (``apply(lib, *inputs, **params)``).

Each entry of ``OPS`` is ``Op(pick, apply, kink)``:

* ``pick(b, x)``: given the builder ``b`` (``strategies.Builder``) and a node ``x``, the
  node ids the gate takes (``x`` first) and its constant parameters, or None when the gate
  does not fit ``x``'s shape;
* ``apply(lib, *values, **params)``: the gate as the last operation, with ``lib`` chainrule
  or torch (NumPy constants in ``params`` become ``lib`` tensors here);
* ``kink(*arrays, **params)``: for a gate that is not differentiable everywhere, the
  distance of its inputs to the nearest point where it is not (None when smooth).

``EXCLUDED`` names the gates random graphs leave out, each with its reason.
"""
import collections

import numpy as np

import chainrule as cr

Op = collections.namedtuple("Op", "pick apply kink", defaults=(None,))

EXCLUDED = {
    "Cast": "a cast to float32 loses more precision than a float64 central difference checks "
            "(tests/test_gates.py checks it with a looser tolerance)",
}


def is_cr(lib):
    return lib is cr


def const(lib, array):
    return lib.tensor(array)


# ----- input pickers ------------------------------------------------------------------------
def unary(b, x):
    return (x,), {}


def binary(b, x):
    return (x, b.broadcastable(b.shape(x))), {}


def positive_right(b, x):
    return (x, b.positive(b.broadcastable(b.shape(x)))), {}


def positive_self(b, x):
    return (b.positive(x),), {}


def pow_args(b, x):
    if b.flip():
        return (b.positive(x), b.broadcastable(b.shape(x))), {}
    exponent = b.choice([2, 3, 0.5, 2.5, -1.5])
    base = x if float(exponent).is_integer() else b.positive(x)
    return (base,), {"exponent": exponent}


def where_args(b, x):
    y = b.broadcastable(b.shape(x))
    shape = np.broadcast_shapes(b.shape(x), b.shape(y))
    return (x, y), {"mask": b.rng.random(shape) < 0.5}


def clamp_args(b, x):
    low, high = b.choice([(-0.5, 0.5), (0.0, None), (None, 0.3), (-1.0, -0.2)])
    return (x,), {"low": low, "high": high}


def dim_args(b, x):
    """A dim of ``x`` (None for a 0-d tensor) and keepdim."""
    n = len(b.shape(x))
    if n == 0:
        return None
    return (x,), {"dim": b.choice(list(range(-n, n))), "keepdim": b.flip()}


def reduce_args(b, x):
    n = len(b.shape(x))
    dims = [None] + list(range(-n, n)) + ([(0, n - 1)] if n > 1 else [])
    return (x,), {"dim": b.choice(dims), "keepdim": b.flip()}


def softmax_args(b, x):
    n = len(b.shape(x))
    return ((x,), {"dim": b.choice(list(range(-n, n)))}) if n else None


def reshape_args(b, x):
    shape = b.shape(x)
    size = int(np.prod(shape))
    options = [(size,), (1, size), (size, 1), shape + (1,), (1,) + shape,
               tuple(n for n in shape if n != 1)]
    if size % 2 == 0:
        options.append((2, size // 2))
    return (x,), {"shape": b.choice(options)}


def permute_args(b, x):
    n = len(b.shape(x))
    return ((x,), {"dims": tuple(b.rng.permutation(n).tolist())}) if n > 1 else None


def expand_args(b, x):
    shape = b.shape(x)
    grown = tuple(b.choice([2, 3]) if n == 1 else n for n in shape)
    if b.flip() or grown == shape:
        grown = (2,) + grown
    return (x,), {"shape": grown}


def index_args(b, x):
    """Basic and advanced indices: int, slice, None and Ellipsis, repeated integer rows,
    a boolean mask, a pair of integer arrays."""
    shape = b.shape(x)
    if not shape:
        return None
    rows = shape[0]
    options = [
        b.rng.integers(-rows, rows).item(),
        slice(b.rng.integers(0, rows).item(), None),
        (None, Ellipsis, b.rng.integers(0, shape[-1]).item()),
        b.rng.integers(0, rows, size=3),                      # repeats add up in backward
        b.rng.random(shape) < 0.6,
    ]
    if len(shape) > 1:
        options.append((b.rng.integers(0, rows, size=2), b.rng.integers(0, shape[1], size=2)))
        options.append((slice(None), slice(None, None, 2)))
    return (x,), {"index": b.choice(options)}


def scatter_args(b, x):
    shape = b.shape(x)
    if not shape:
        return None
    rows = shape[0] + 1
    return (x,), {"rows": rows, "index": b.rng.integers(0, rows, size=shape[0])}


def cat_args(b, x):
    shape = b.shape(x)
    if not shape:
        return None
    dim = b.choice(list(range(len(shape))))
    other = list(shape)
    other[dim] = b.choice([1, 2])
    return (x, b.shaped(tuple(other)), x), {"dim": dim}


def stack_args(b, x):
    shape = b.shape(x)
    return (x, b.shaped(shape)), {"dim": b.choice(list(range(len(shape) + 1)))}


def matmul_args(b, x):
    shape = b.shape(x)
    if not shape:
        return None
    k = shape[-1]
    return (x, b.shaped(b.choice([(k,), (k, 2), (1, k, 2)]))), {}


def linear_args(b, x):
    shape = b.shape(x)
    if not shape:
        return None
    out = b.choice([1, 2, 3])
    args = (x, b.shaped((out, shape[-1])))
    return (args + (b.shaped((out,)),) if b.flip() else args), {}


def cross_entropy_args(b, x):
    shape = b.shape(x)
    if len(shape) != 2:
        return None
    return (x,), {"target": b.rng.integers(0, shape[1], size=shape[0])}


def soft_target_args(b, x):
    shape = b.shape(x)
    if not shape:
        return None
    return (x, b.shaped(shape)), {"dim": b.choice(list(range(-len(shape), len(shape))))}


def dropout_args(b, x):
    keep = b.rng.random(b.shape(x)) >= 0.3
    return (x,), {"mask": keep / 0.7}


def bce_args(b, x):
    return (x, b.broadcastable(b.shape(x), same=True)), {}


def window_args(b, x):
    """Unfold: ``x`` seen as a (1, 1, H, W) image, a kernel that fits it."""
    size = int(np.prod(b.shape(x)))
    h = b.choice([d for d in range(1, size + 1) if size % d == 0])
    w = size // h
    kernel = (b.choice(list(range(1, h + 1))), b.choice(list(range(1, w + 1))))
    return (x,), {"image": (1, 1, h, w), "kernel": kernel, "stride": b.choice([1, 2]),
                  "padding": b.choice([0, 1])}


def conv_args(b, x):
    """Conv2d: ``x`` seen as a (1, C, H, W) image (C of 1 or 2), a weight of a kernel that
    fits it, and a bias or none."""
    size = int(np.prod(b.shape(x)))
    channels = b.choice([c for c in (1, 2) if size % c == 0])
    h = b.choice([d for d in range(1, size // channels + 1) if (size // channels) % d == 0])
    w = size // channels // h
    kernel = (b.choice(list(range(1, h + 1))), b.choice(list(range(1, w + 1))))
    out = b.choice([1, 2])
    args = (x, b.shaped((out, channels) + kernel))
    return ((args + (b.shaped((out,)),)) if b.flip() else args,
            {"image": (1, channels, h, w), "padding": b.choice([0, 1])})


def conv_apply(lib, x, weight, bias=None, image=None, padding=0):
    return lib.nn.functional.conv2d(x.reshape(image), weight, bias, padding=padding)


def fold_args(b, x):
    """Fold: ``x`` seen as windows (1, OH, OW, KH, KW, 1), stride 1, no padding."""
    size = int(np.prod(b.shape(x)))
    kh = b.choice([d for d in range(1, size + 1) if size % d == 0])
    oh = size // kh
    return (x,), {"windows": (1, oh, 1, kh, 1, 1), "image": (1, 1, oh + kh - 1, 1),
                  "kernel": (kh, 1)}


# ----- how each gate runs under chainrule and PyTorch -----------------------------------
def pow_apply(lib, x, y=None, exponent=None):
    return x ** (exponent if y is None else y)


def clamp_apply(lib, x, low, high):
    return x.clamp(low, high) if low is not None and high is not None else (
        x.clamp(min=low) if low is not None else x.clamp(max=high))


def reduce_apply(name):
    def apply(lib, x, dim, keepdim):
        return getattr(x, name)() if dim is None else getattr(x, name)(dim=dim, keepdim=keepdim)
    return apply


def extreme_apply(name):
    def apply(lib, x, dim=None, keepdim=False):
        return getattr(x, name)() if dim is None else getattr(x, name)(dim, keepdim).values
    return apply


def index_apply(lib, x, index):
    def convert(i):
        return const(lib, i) if isinstance(i, np.ndarray) else i
    return x[tuple(convert(i) for i in index) if isinstance(index, tuple) else convert(index)]


def scatter_apply(lib, x, rows, index):
    if is_cr(lib):
        return cr.ops.scatter_add(x, (rows,) + tuple(x.shape[1:]), index)
    return lib.zeros((rows,) + tuple(x.shape[1:]), dtype=x.dtype).index_add(
        0, const(lib, index), x)


def linear_apply(lib, x, w, bias=None):
    return cr.ops.linear(x, w, bias) if is_cr(lib) else lib.nn.functional.linear(x, w, bias)


def cross_entropy_apply(lib, x, target):
    if is_cr(lib):
        return cr.ops.cross_entropy_indices(x, const(lib, target))
    return lib.nn.functional.cross_entropy(x, const(lib, target))


def soft_target_apply(lib, x, y, dim):
    y = y.softmax(dim)   # target rows that sum to 1, and get gradients too
    if is_cr(lib):
        return cr.softmax_cross_entropy(x, y, dim)
    return -(y * x.log_softmax(dim)).sum()


def bce_apply(lib, p, y):
    p, y = p.sigmoid(), y.sigmoid()
    if is_cr(lib):
        return cr.ops.binary_cross_entropy(p, y)
    return lib.nn.functional.binary_cross_entropy(p, y, reduction="none")


def unfold_apply(lib, x, image, kernel, stride, padding):
    x = x.reshape(image)
    if is_cr(lib):
        return cr.ops.unfold(x, kernel, stride=stride, padding=padding)
    cols = lib.nn.functional.unfold(x, kernel, stride=stride, padding=padding)
    n, c = image[:2]
    oh = (image[2] + 2 * padding - kernel[0]) // stride + 1
    ow = (image[3] + 2 * padding - kernel[1]) // stride + 1
    return cols.reshape(n, c, kernel[0], kernel[1], oh, ow).permute(0, 4, 5, 2, 3, 1)


def fold_apply(lib, x, windows, image, kernel):
    x = x.reshape(windows)
    if is_cr(lib):
        return cr.ops.fold(x, image, kernel)
    n, oh, ow, kh, kw, c = windows
    cols = x.permute(0, 5, 3, 4, 1, 2).reshape(n, c * kh * kw, oh * ow)
    return lib.nn.functional.fold(cols, image[2:], kernel)


def op_apply(name, *args):
    """A chainrule function of ``cr.ops`` that PyTorch spells ``torch.nn.functional.name``."""
    def apply(lib, x):
        if is_cr(lib):
            return getattr(cr.ops, name)(x, *args)
        return getattr(lib.nn.functional, name)(x, *args)
    return apply


def erf_apply(lib, x):
    return cr.ops.erf(x) if is_cr(lib) else lib.erf(x)


# ----- kinks: distance to the nearest point where the gate is not differentiable ---------
def zero_kink(x, **params):
    return np.abs(x)


def tie_kink(x, y, **params):
    return np.abs(x - y)


def clamp_kink(x, low, high):
    ends = [e for e in (low, high) if e is not None]
    return np.min([np.abs(x - e) for e in ends], axis=0)


def extreme_kink(x, dim=None, keepdim=False):
    """Gap between the top value and the next different one (exact ties are structural)."""
    if x.size < 2:
        return np.inf
    if dim is None:
        x, dim = x.reshape(-1), 0
    x = np.sort(x, axis=dim)
    gaps = np.abs(np.diff(x, axis=dim))
    return np.where(gaps == 0, np.inf, gaps)


def pole_kink(x):
    """How far x is from the nearest pole of tan, (k + 1/2) pi."""
    return np.abs(np.remainder(x, np.pi) - np.pi / 2)


def bce_kink(p, y):
    """How far p (1 - p) is from 0, near which PyTorch's clamps flatten the loss."""
    p = 1 / (1 + np.exp(-p))
    return p * (1 - p)


OPS = {
    "Add": Op(binary, lambda lib, x, y: x + y),
    "Sub": Op(binary, lambda lib, x, y: x - y),
    "Mul": Op(binary, lambda lib, x, y: x * y),
    "Div": Op(positive_right, lambda lib, x, y: x / y),
    "Neg": Op(unary, lambda lib, x: -x),
    "Pow": Op(pow_args, pow_apply),
    "Maximum": Op(binary, lambda lib, x, y: lib.maximum(x, y), tie_kink),
    "Minimum": Op(binary, lambda lib, x, y: lib.minimum(x, y), tie_kink),
    "Where": Op(where_args, lambda lib, x, y, mask: lib.where(const(lib, mask), x, y)),
    "Exp": Op(unary, lambda lib, x: x.exp()),
    "Log": Op(positive_self, lambda lib, x: x.log()),
    "Sqrt": Op(positive_self, lambda lib, x: x.sqrt()),
    "Abs": Op(unary, lambda lib, x: x.abs(), zero_kink),
    "Sin": Op(unary, lambda lib, x: x.sin()),
    "Cos": Op(unary, lambda lib, x: x.cos()),
    "Tanh": Op(unary, lambda lib, x: x.tanh()),
    "Sigmoid": Op(unary, lambda lib, x: x.sigmoid()),
    "Relu": Op(unary, lambda lib, x: x.relu(), zero_kink),
    "Clamp": Op(clamp_args, clamp_apply, clamp_kink),
    "Sum": Op(reduce_args, reduce_apply("sum")),
    "Mean": Op(reduce_args, reduce_apply("mean")),
    "Max": Op(unary, extreme_apply("max"), extreme_kink),
    "Min": Op(unary, extreme_apply("min"), extreme_kink),
    "MaxDim": Op(dim_args, extreme_apply("max"), extreme_kink),
    "MinDim": Op(dim_args, extreme_apply("min"), extreme_kink),
    "LogSumExp": Op(softmax_args, lambda lib, x, dim: lib.logsumexp(x, dim)),
    "Reshape": Op(reshape_args, lambda lib, x, shape: x.reshape(shape)),
    "Permute": Op(permute_args, lambda lib, x, dims: x.permute(*dims)),
    "Expand": Op(expand_args, lambda lib, x, shape: x.expand(*shape)),
    "GetItem": Op(index_args, index_apply),
    "ScatterAdd": Op(scatter_args, scatter_apply),
    "Cat": Op(cat_args, lambda lib, *xs, dim: lib.cat(list(xs), dim)),
    "Stack": Op(stack_args, lambda lib, *xs, dim: lib.stack(list(xs), dim)),
    "MatMul": Op(matmul_args, lambda lib, x, y: x @ y),
    "Linear": Op(linear_args, linear_apply),
    "Softmax": Op(softmax_args, lambda lib, x, dim: x.softmax(dim)),
    "LogSoftmax": Op(softmax_args, lambda lib, x, dim: x.log_softmax(dim)),
    "CrossEntropy": Op(cross_entropy_args, cross_entropy_apply),
    "SoftmaxCrossEntropy": Op(soft_target_args, soft_target_apply),
    "Unfold": Op(window_args, unfold_apply),
    "Fold": Op(fold_args, fold_apply),
    "Erf": Op(unary, erf_apply),
    "LeakyRelu": Op(unary, op_apply("leaky_relu", 0.1), zero_kink),
    "Gelu": Op(unary, op_apply("gelu")),
    "Softplus": Op(unary, op_apply("softplus")),
    "Dropout": Op(dropout_args, lambda lib, x, mask: x * const(lib, mask) if not is_cr(lib)
                  else cr.ops.dropout(x, mask)),
    "BinaryCrossEntropy": Op(bce_args, bce_apply, bce_kink),
    "Tan": Op(unary, lambda lib, x: x.tan(), pole_kink),
    "Cumsum": Op(softmax_args, lambda lib, x, dim: lib.cumsum(x, dim)),
    "Conv2d": Op(conv_args, conv_apply),
}

"""The helpers behind the gate table (tests/gate_table.py), grouped by gate family: the
constants and shared-API wrappers its sample cases call, the pickers, appliers and kinks of
its random-graph ops, and the input makers of its extreme-input rows.

What each kind of helper takes and returns is told in gate_table.py's docstring. In short:

* a wrapper ``fn(lib, *tensors)`` runs the gate with ``lib`` chainrule or torch, where the
  two spell it differently; NumPy constants become ``lib`` tensors inside it;
* a picker ``*_args(b, x)`` gives the node ids a random graph feeds the gate and its
  parameters, or None when the gate does not fit node ``x``;
* a kink ``*_kink(*arrays, **params)`` gives the distance of the inputs to the nearest point
  where the gate is not differentiable;
* an input maker ``maker(big, small, tiny)`` gives the input arrays of an extreme-input row
  from a dtype's extremes.
"""
import numpy as np

import chainrule as cr


def is_cr(lib):
    return lib is cr


def const(lib, array):
    return lib.tensor(array)


# ===== shared by several families ==========================================================
# ----- pickers
def unary_args(b, x):
    return (x,), {}


def binary_args(b, x):
    return (x, b.broadcastable(b.shape(x))), {}


def one_dim_args(b, x):
    """One dim of ``x`` (softmax, log-softmax, logsumexp, cumsum); None for a 0-d tensor."""
    n = len(b.shape(x))
    return ((x,), {"dim": b.choice(list(range(-n, n)))}) if n else None


# ----- kinks
def zero_kink(x, **params):
    return np.abs(x)


def tie_kink(x, y, **params):
    return np.abs(x - y)


# ----- extreme inputs
def spread(big, small, tiny):
    """Both signs of every magnitude, and both zeros."""
    return [[big, -big, small, -small, tiny, -tiny, 0.0, -0.0, 1.0, -2.5]]


def pair(big, small, tiny):
    """Operands whose sum, difference and product stay representable."""
    return [[big, -big, small, 0.0, -0.0, 1.0], [1.0, 0.5, -small, 0.0, 2.0, -0.0]]


def ties(big, small, tiny):
    """Exact ties (also between the two zeros) next to non-ties."""
    return [[0.0, -0.0, 1.0, big, -big, 2.0], [-0.0, 0.0, 1.0, big, 3.0, -small]]


def logits(big, small, tiny):
    return [[[big, big, -big], [small, 0.0, -0.0], [big, 0.0, 1.0]]]


def call(method, *args, **kwargs):
    """``fn(lib, x)`` that calls the tensor method ``method`` (the same name in both)."""
    return lambda lib, x: getattr(x, method)(*args, **kwargs)


# ===== arithmetic: Add Sub Mul Div Neg Pow Maximum Minimum Where ===========================
MASK = np.array([[True, False, True, True], [False, False, True, False],
                 [True, True, False, True]])
BINARY_BROADCASTS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)),
                     ((3, 4), ())]


def positive_right_args(b, x):
    return (x, b.positive(b.broadcastable(b.shape(x)))), {}


def pow_args(b, x):
    if b.flip():
        return (b.positive(x), b.broadcastable(b.shape(x))), {}
    exponent = b.choice([2, 3, 0.5, 2.5, -1.5])
    base = x if float(exponent).is_integer() else b.positive(x)
    return (base,), {"exponent": exponent}


def pow_apply(lib, x, y=None, exponent=None):
    return x ** (exponent if y is None else y)


def where_args(b, x):
    y = b.broadcastable(b.shape(x))
    shape = np.broadcast_shapes(b.shape(x), b.shape(y))
    return (x, y), {"mask": b.rng.random(shape) < 0.5}


# ===== elementwise: Exp Log Sqrt Abs Sin Cos Tanh Tan Sigmoid Relu Clamp Cast ==============
def positive_args(b, x):
    return (b.positive(x),), {}


def positive_magnitudes(big, small, tiny):
    return [[big ** 0.5, small, 1.0, 3.0]]


def branch_kink(y, x, **params):
    """atan2's distance to its jump along the negative x axis, and to the origin."""
    return np.minimum(np.where(x < 0, np.abs(y), np.inf), np.hypot(x, y))


def unit_interval(fn):
    """``fn`` on ``0.9 * tanh(x)``: the inputs of asin and acos kept inside (-1, 1)."""
    return lambda lib, x: fn(lib, lib.tanh(x) * 0.9)


def unit_args(b, x):
    """``tanh(x)`` (asin, acos): inside their domain; ``edge_kink`` keeps off its edges."""
    squashed = b.add("Tanh", (x,), {})
    return None if squashed is None else ((squashed,), {})


def edge_kink(x, **params):
    """The distance to the edges of [-1, 1], where asin's and acos's slopes are infinite."""
    return 1 - np.abs(x)


def unit_magnitudes(big, small, tiny):
    return [[small, -small, tiny, -tiny, 0.0, -0.0, 0.5, -0.75, 0.999]]


def clamp_args(b, x):
    low, high = b.choice([(-0.5, 0.5), (0.0, None), (None, 0.3), (-1.0, -0.2)])
    return (x,), {"low": low, "high": high}


def clamp_apply(lib, x, low, high):
    return x.clamp(low, high) if low is not None and high is not None else (
        x.clamp(min=low) if low is not None else x.clamp(max=high))


def clamp_kink(x, low, high):
    ends = [e for e in (low, high) if e is not None]
    return np.min([np.abs(x - e) for e in ends], axis=0)


def pole_kink(x):
    """How far x is from the nearest pole of tan, (k + 1/2) pi."""
    return np.abs(np.remainder(x, np.pi) - np.pi / 2)


# ===== reductions: Sum Mean Max Min MaxDim MinDim LogSumExp Cumsum =========================
def reduce_args(b, x):
    n = len(b.shape(x))
    dims = [None] + list(range(-n, n)) + ([(0, n - 1)] if n > 1 else [])
    return (x,), {"dim": b.choice(dims), "keepdim": b.flip()}


def reduce_apply(name):
    def apply(lib, x, dim, keepdim):
        return getattr(x, name)() if dim is None else getattr(x, name)(dim=dim, keepdim=keepdim)
    return apply


def dim_args(b, x):
    """A dim of ``x`` (None for a 0-d tensor) and keepdim."""
    n = len(b.shape(x))
    if n == 0:
        return None
    return (x,), {"dim": b.choice(list(range(-n, n))), "keepdim": b.flip()}


def extreme_apply(name):
    def apply(lib, x, dim=None, keepdim=False):
        return getattr(x, name)() if dim is None else getattr(x, name)(dim, keepdim).values
    return apply


def extreme_kink(x, dim=None, keepdim=False):
    """Gap between the top value and the next different one (exact ties are structural)."""
    if x.size < 2:
        return np.inf
    if dim is None:
        x, dim = x.reshape(-1), 0
    x = np.sort(x, axis=dim)
    gaps = np.abs(np.diff(x, axis=dim))
    return np.where(gaps == 0, np.inf, gaps)


def row_ties(big, small, tiny):
    return [[[3.0, 3.0, 1.0], [-0.0, 0.0, -1.0], [big, big, big]]]


# ===== shape and indexing: Reshape Permute Expand GetItem ScatterAdd Cat Stack =============
ROWS = np.array([0, 2, 2])            # repeated rows: their gradients must add up
COLS = np.array([1, 0, 0])
SCATTER_ROWS = np.array([0, 2, 2, 4])


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


def index_apply(lib, x, index):
    def convert(i):
        return const(lib, i) if isinstance(i, np.ndarray) else i
    return x[tuple(convert(i) for i in index) if isinstance(index, tuple) else convert(index)]


def scatter_args(b, x):
    shape = b.shape(x)
    if not shape:
        return None
    rows = shape[0] + 1
    return (x,), {"rows": rows, "index": b.rng.integers(0, rows, size=shape[0])}


def scatter_add(lib, x, rows, index):
    """Zeros of ``rows`` rows shaped like ``x``'s, with the rows of ``x`` added at ``index``
    (repeats add up); PyTorch: ``index_add``."""
    if is_cr(lib):
        return cr.ops.scatter_add(x, (rows,) + tuple(x.shape[1:]), index)
    return lib.zeros((rows,) + tuple(x.shape[1:]), dtype=x.dtype).index_add(
        0, const(lib, index), x)


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


# ===== linear algebra: MatMul Linear =======================================================
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


def linear(lib, x, W, b=None):
    """``x @ W.T + b``: chainrule's fused gate, or PyTorch's functional linear."""
    return cr.ops.linear(x, W, b) if is_cr(lib) else lib.nn.functional.linear(x, W, b)


def matrices(big, small, tiny):
    return [[[big ** 0.5, small], [0.0, -0.0]], [[big ** 0.4, 1.0], [-0.0, small]]]


# ===== fused nn gates: Softmax LogSoftmax CrossEntropy SoftmaxCrossEntropy =================
TARGET = np.array([0, 3, 1, 3, 2])     # class indices for cross-entropy, 4 classes


def cross_entropy_args(b, x):
    shape = b.shape(x)
    if len(shape) != 2:
        return None
    return (x,), {"target": b.rng.integers(0, shape[1], size=shape[0])}


def cross_entropy(lib, x, target):
    """Mean cross-entropy of logits ``x`` against class indices ``target`` (NumPy)."""
    if is_cr(lib):
        return cr.ops.cross_entropy_indices(x, const(lib, target))
    return lib.nn.functional.cross_entropy(x, const(lib, target))


def soft_target_args(b, x):
    shape = b.shape(x)
    if not shape:
        return None
    return (x, b.shaped(shape)), {"dim": b.choice(list(range(-len(shape), len(shape))))}


def soft_target_apply(lib, x, y, dim):
    y = y.softmax(dim)   # target rows that sum to 1, and get gradients too
    if is_cr(lib):
        return cr.softmax_cross_entropy(x, y, dim)
    return -(y * x.log_softmax(dim)).sum()


def soft_cross_entropy(lib, x):
    """Against a fixed soft target of x's dtype (3 classes, along dim 1)."""
    y = lib.tensor(np.array([[1.0, 0, 0], [0, 0.5, 0.5], [0, 0, 1.0]]), dtype=x.dtype)
    return cr.softmax_cross_entropy(x, y, 1) if is_cr(lib) else -(y * x.log_softmax(1)).sum()


# ===== layer gates: Erf Gelu LeakyRelu Softplus Dropout BinaryCrossEntropy =================
DROP_MASK = np.array([[2.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 0.0], [2.0, 2.0, 0.0, 2.0]])


def erf_apply(lib, x):
    return cr.ops.erf(x) if is_cr(lib) else lib.erf(x)


def op_apply(name, *args):
    """A chainrule function of ``cr.ops`` that PyTorch spells ``torch.nn.functional.name``."""
    def apply(lib, x):
        if is_cr(lib):
            return getattr(cr.ops, name)(x, *args)
        return getattr(lib.nn.functional, name)(x, *args)
    return apply


def dropout_args(b, x):
    keep = b.rng.random(b.shape(x)) >= 0.3
    return (x,), {"mask": keep / 0.7}


def dropout(lib, x, mask):
    """Dropout with a given ``mask`` of 0 and 1 / keep (PyTorch: a product with it)."""
    return cr.ops.dropout(x, mask) if is_cr(lib) else x * const(lib, mask)


def bce_args(b, x):
    return (x, b.broadcastable(b.shape(x), same=True)), {}


def binary_cross_entropy(lib, p, y=None):
    """Elementwise binary cross-entropy of probabilities ``p`` against ``y``; without ``y``,
    against a fixed target of 6 values in p's dtype."""
    if y is None:
        y = lib.tensor(np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.0]), dtype=p.dtype)
    if is_cr(lib):
        return cr.ops.binary_cross_entropy(p, y)
    return lib.nn.functional.binary_cross_entropy(p, y, reduction="none")


def bce_of_sigmoids(lib, p, y):
    """Binary cross-entropy of sigmoid(p) against sigmoid(y): any real inputs will do."""
    return binary_cross_entropy(lib, p.sigmoid(), y.sigmoid())


def bce_kink(p, y):
    """How far p (1 - p) is from 0, near which PyTorch's clamps flatten the loss."""
    p = 1 / (1 + np.exp(-p))
    return p * (1 - p)


def probabilities(big, small, tiny):
    return [[0.0, 1.0, small, 1.0 - 1e-7, 0.5, 0.0]]


def inner_probabilities(big, small, tiny):
    """Where log p and log(1 - p) stay above PyTorch's floor of -100 (see the last test of
    tests/robustness/test_stability.py)."""
    return [[1e-30, 1.0 - 1e-7, 0.5, 0.25], [1.0, 0.0, 0.5, 0.0]]


# ===== sliding windows: Unfold Fold Conv2d =================================================
def unfold(lib, x, kernel, stride=1, padding=0, dilation=1):
    """Sliding windows in chainrule's layout (N, OH, OW, KH, KW, C); PyTorch's F.unfold
    gives (N, C * KH * KW, OH * OW), rearranged here to match."""
    if is_cr(lib):
        return cr.ops.unfold(x, kernel, stride, padding, dilation)
    cols = lib.nn.functional.unfold(x, kernel, dilation, padding, stride)
    k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    n, c, h, w = x.shape
    oh, ow = (cr.kernels.windows.output_size(size, kk, s, p, d) for size, kk, s, p, d in
              zip((h, w), k, *(v if isinstance(v, tuple) else (v, v)
                               for v in (stride, padding, dilation))))
    return cols.reshape(n, c, *k, oh, ow).permute(0, 4, 5, 2, 3, 1)


def fold(lib, windows, shape, kernel, stride=1, padding=0):
    """Windows (N, OH, OW, K, K, C) summed into an image of ``shape`` (PyTorch: F.fold)."""
    if is_cr(lib):
        return cr.ops.fold(windows, shape, kernel, stride, padding)
    n, oh, ow = windows.shape[:3]
    cols = windows.permute(0, 5, 3, 4, 1, 2).reshape(n, -1, oh * ow)
    return lib.nn.functional.fold(cols, shape[2:], kernel, 1, padding, stride)


def window_args(b, x):
    """Unfold: ``x`` seen as a (1, 1, H, W) image, a kernel that fits it."""
    size = int(np.prod(b.shape(x)))
    h = b.choice([d for d in range(1, size + 1) if size % d == 0])
    w = size // h
    kernel = (b.choice(list(range(1, h + 1))), b.choice(list(range(1, w + 1))))
    return (x,), {"image": (1, 1, h, w), "kernel": kernel, "stride": b.choice([1, 2]),
                  "padding": b.choice([0, 1])}


def unfold_apply(lib, x, image, kernel, stride, padding):
    return unfold(lib, x.reshape(image), kernel, stride, padding)


def fold_args(b, x):
    """Fold: ``x`` seen as windows (1, OH, OW, KH, KW, 1), stride 1, no padding."""
    size = int(np.prod(b.shape(x)))
    kh = b.choice([d for d in range(1, size + 1) if size % d == 0])
    oh = size // kh
    return (x,), {"windows": (1, oh, 1, kh, 1, 1), "image": (1, 1, oh + kh - 1, 1),
                  "kernel": (kh, 1)}


def fold_apply(lib, x, windows, image, kernel):
    return fold(lib, x.reshape(windows), image, kernel)


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

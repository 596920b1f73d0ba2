"""The gate table: sample inputs for every gate in ``REGISTRY``, read by test_gates.py (gradient
checks, PyTorch cross-checks, higher order) and test_formulas.py (printed formulas computed).

How to add a gate: add ``"ClassName": [case(...), ...]`` to ``GATE_CASES``. A gate with no
entry makes test_gates.py and test_formulas.py fail, on purpose.

    case(fn, *inputs, torch_fn=None, **gradcheck_options)

* ``fn(lib, *tensors)`` applies the gate as its *last* operation. Write it with the API that
  chainrule and PyTorch share, so the same function runs with ``lib=cr`` and ``lib=torch``
  (``lambda lib, x, y: lib.maximum(x, y)``). Where PyTorch spells it differently, also give
  ``torch_fn(torch, *tensors)``. Constants (indices, masks, targets) go inside ``fn``, made
  with ``lib.tensor`` from module-level NumPy arrays.
* each input is a shape, ``(3, 4)``: float64 standard normal values that get gradients; or
  ``positive((3, 4))``: uniform in [0.5, 2] (for log, sqrt, divisors, bases of powers).
  Values are random but fixed per case. Include broadcasting cases where the gate broadcasts.
* ``eps``, ``atol``, ``rtol``: passed to ``cr.gradcheck`` for a gate that needs a looser check
  (a cast to float32).
"""
import zlib

import numpy as np

import chainrule as cr


class Positive(tuple):
    """The shape of an input whose values must be positive."""


def positive(shape):
    return Positive(shape)


class Case:
    def __init__(self, fn, *inputs, torch_fn=None, **gradcheck_options):
        self.fn = fn
        self.inputs = inputs
        self.torch_fn = torch_fn
        self.gradcheck_options = gradcheck_options

    def arrays(self, seed):
        """The input values as float64 NumPy arrays, the same for every library."""
        rng = np.random.default_rng(seed)
        return [rng.uniform(0.5, 2.0, shape) if isinstance(shape, Positive)
                else rng.standard_normal(shape) for shape in self.inputs]

    def run(self, lib, *tensors):
        if lib is not cr and self.torch_fn is not None:
            return self.torch_fn(lib, *tensors)
        return self.fn(lib, *tensors)


case = Case

ROWS = np.array([0, 2, 2])            # repeated rows: their gradients must add up
COLS = np.array([1, 0, 0])
MASK = np.array([[True, False, True, True], [False, False, True, False],
                 [True, True, False, True]])
TARGET = np.array([0, 3, 1, 3, 2])     # class indices for cross-entropy, 4 classes
SCATTER_ROWS = np.array([0, 2, 2, 4])


def linear(lib, x, W, b=None):
    """``x @ W.T + b``: chainrule's fused gate, or PyTorch's functional linear."""
    return cr.ops.linear(x, W, b) if lib is cr else lib.nn.functional.linear(x, W, b)


def cross_entropy(lib, x):
    target = lib.tensor(TARGET)
    if lib is cr:
        return cr.ops.cross_entropy_indices(x, target)
    return lib.nn.functional.cross_entropy(x, target)


def scatter_add(lib, x):
    """Zeros of shape (5, 3) with the rows of x added at SCATTER_ROWS (repeats add up)."""
    if lib is cr:
        return cr.ops.scatter_add(x, (5, 3), SCATTER_ROWS)
    return lib.zeros(5, 3, dtype=x.dtype).index_add(0, lib.tensor(SCATTER_ROWS), x)


DROP_MASK = np.array([[2.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 0.0], [2.0, 2.0, 0.0, 2.0]])


def unfold(lib, x, kernel, stride=1, padding=0, dilation=1):
    """Sliding windows in chainrule's layout (N, OH, OW, KH, KW, C); PyTorch's F.unfold
    gives (N, C * KH * KW, OH * OW), rearranged here to match."""
    if lib is cr:
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
    if lib is cr:
        return cr.ops.fold(windows, shape, kernel, stride, padding)
    n, oh, ow = windows.shape[:3]
    cols = windows.permute(0, 5, 3, 4, 1, 2).reshape(n, -1, oh * ow)
    return lib.nn.functional.fold(cols, shape[2:], kernel, 1, padding, stride)


def binary_cross_entropy(lib, p, y):
    if lib is cr:
        return cr.ops.binary_cross_entropy(p, y)
    return lib.nn.functional.binary_cross_entropy(p, y, reduction="none")


BINARY_BROADCASTS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)),
                     ((3, 4), ())]


def binary(fn, positive_y=False):
    """Cases of a broadcasting binary gate over the shapes of BINARY_BROADCASTS."""
    return [case(fn, x, positive(y) if positive_y else y) for x, y in BINARY_BROADCASTS]


def unary(fn, shape=(3, 4)):
    return [case(fn, shape)]


GATE_CASES = {
    # arithmetic
    "Add": binary(lambda lib, x, y: x + y) + [case(lambda lib, x: 2.5 + x, (3,))],
    "Sub": binary(lambda lib, x, y: x - y) + [case(lambda lib, x: 1.5 - x, (3,))],
    "Mul": binary(lambda lib, x, y: x * y) + [case(lambda lib, x: x * 3, (3,))],
    "Div": binary(lambda lib, x, y: x / y, positive_y=True)
    + [case(lambda lib, x: 2.0 / x, positive((3,)))],
    "Neg": unary(lambda lib, x: -x),
    "Pow": [case(lambda lib, x, y: x ** y, positive((3, 4)), (3, 4)),
            case(lambda lib, x, y: x ** y, positive((3, 1)), (1, 4)),
            case(lambda lib, x: x ** 2.5, positive((3, 4))),
            case(lambda lib, x: x ** 3, (3, 4)),
            case(lambda lib, y: 2.0 ** y, (3, 4))],
    "Maximum": binary(lambda lib, x, y: lib.maximum(x, y)),
    "Minimum": binary(lambda lib, x, y: lib.minimum(x, y)),
    "Where": [case(lambda lib, x, y: lib.where(lib.tensor(MASK), x, y), (3, 4), (3, 4)),
              case(lambda lib, x, y: lib.where(lib.tensor(MASK), x, y), (3, 1), (4,))],
    # unary
    "Exp": unary(lambda lib, x: x.exp()),
    "Log": unary(lambda lib, x: x.log(), positive((3, 4))),
    "Sqrt": unary(lambda lib, x: x.sqrt(), positive((3, 4))),
    "Abs": unary(lambda lib, x: x.abs()),
    "Sin": unary(lambda lib, x: x.sin()),
    "Cos": unary(lambda lib, x: x.cos()),
    "Tanh": unary(lambda lib, x: x.tanh()),
    "Tan": [case(lambda lib, x: x.tan(), (3, 4)), case(lambda lib, x: lib.tan(x), (2, 3))],
    "Sigmoid": unary(lambda lib, x: x.sigmoid()),
    "Relu": unary(lambda lib, x: x.relu()),
    "Clamp": [case(lambda lib, x: x.clamp(-0.5, 0.5), (3, 4)),
              case(lambda lib, x: x.clamp(min=0.0), (3, 4)),
              case(lambda lib, x: lib.clamp(x, max=0.3), (3, 4))],
    "Cast": [case(lambda lib, x: x.float(), (3, 4), eps=1e-2, atol=1e-4)],
    # reductions
    "Sum": [case(lambda lib, x: x.sum(), (3, 4)),
            case(lambda lib, x: x.sum(1), (3, 4)),
            case(lambda lib, x: x.sum(dim=(0, 2), keepdim=True), (2, 3, 4)),
            case(lambda lib, x: x.sum(-1, keepdim=True), (2, 3))],
    "Mean": [case(lambda lib, x: x.mean(), (3, 4)),
             case(lambda lib, x: x.mean(0), (3, 4)),
             case(lambda lib, x: x.mean(dim=(0, 2), keepdim=True), (2, 3, 4))],
    "Max": unary(lambda lib, x: x.max()),
    "Min": unary(lambda lib, x: x.min()),
    "MaxDim": [case(lambda lib, x: x.max(1).values, (3, 4)),
               case(lambda lib, x: x.max(dim=0, keepdim=True).values, (3, 4))],
    "MinDim": [case(lambda lib, x: x.min(-1).values, (2, 3, 4))],
    "LogSumExp": [case(lambda lib, x: x.logsumexp(1), (3, 4)),
                  case(lambda lib, x: x.logsumexp(0, keepdim=True), (3, 4)),
                  case(lambda lib, x: lib.logsumexp(x, (0, 2)), (2, 3, 4))],
    "Cumsum": [case(lambda lib, x: x.cumsum(1), (3, 4)),
               case(lambda lib, x: lib.cumsum(x, 0), (3, 4)),
               case(lambda lib, x: lib.cumsum(x, dim=-1), (2, 3, 4))],
    # shape and indexing
    "Reshape": [case(lambda lib, x: x.reshape(4, 3), (3, 4)),
                case(lambda lib, x: x.flatten(), (2, 3, 2)),
                case(lambda lib, x: x.unsqueeze(1), (3, 4)),
                case(lambda lib, x: x.squeeze(), (3, 1, 4)),
                case(lambda lib, x: x.view(-1), (3, 4))],
    "Permute": [case(lambda lib, x: x.permute(2, 0, 1), (2, 3, 4)),
                case(lambda lib, x: x.T, (3, 4)),
                case(lambda lib, x: x.transpose(0, 2), (2, 3, 4))],
    "Expand": [case(lambda lib, x: x.expand(3, 4), (1, 4)),
               case(lambda lib, x: x.expand(2, 3, 4), (3, 1))],
    "GetItem": [case(lambda lib, x: x[1], (3, 4)),
                case(lambda lib, x: x[:, 1:3], (3, 4)),
                case(lambda lib, x: x[None, ..., 0], (3, 4)),
                case(lambda lib, x: x[lib.tensor(ROWS)], (3, 4)),
                case(lambda lib, x: x[lib.tensor(ROWS), lib.tensor(COLS)], (3, 4)),
                case(lambda lib, x: x[lib.tensor(MASK)], (3, 4))],
    "ScatterAdd": [case(lambda lib, x: scatter_add(lib, x), (4, 3))],
    "Cat": [case(lambda lib, x, y: lib.cat([x, y], 1), (3, 2), (3, 4)),
            case(lambda lib, x, y, z: lib.cat([x, y, z]), (1, 4), (2, 4), (3, 4))],
    "Stack": [case(lambda lib, x, y: lib.stack([x, y]), (3, 4), (3, 4)),
              case(lambda lib, x, y: lib.stack([x, y], 1), (3, 4), (3, 4))],
    # linear algebra
    "MatMul": [case(lambda lib, x, y: x @ y, (3, 4), (4, 5)),
               case(lambda lib, x, y: x @ y, (4,), (4, 5)),
               case(lambda lib, x, y: x @ y, (3, 4), (4,)),
               case(lambda lib, x, y: x @ y, (4,), (4,)),
               case(lambda lib, x, y: x @ y, (2, 3, 4), (4, 5)),
               case(lambda lib, x, y: x @ y, (2, 1, 3, 4), (3, 4, 2))],
    "Linear": [case(linear, (5, 4), (3, 4), (3,)),
               case(linear, (5, 4), (3, 4)),   # no bias: b is None
               case(linear, (2, 5, 4), (3, 4), (3,))],
    # fused nn gates
    "Softmax": [case(lambda lib, x: x.softmax(1), (3, 4)),
                case(lambda lib, x: x.softmax(0), (3, 4)),
                case(lambda lib, x: lib.softmax(x, -1), (2, 3, 4))],
    "LogSoftmax": [case(lambda lib, x: x.log_softmax(1), (3, 4)),
                   case(lambda lib, x: x.log_softmax(0), (2, 3))],
    "CrossEntropy": [case(cross_entropy, (5, 4))],
    "SoftmaxCrossEntropy": [case(lambda lib, x, y: cr.softmax_cross_entropy(x, y.softmax(1), 1),
                                 (3, 4), (3, 4), torch_fn=lambda torch, x, y:
                                 -(y.softmax(1) * torch.log_softmax(x, 1)).sum())],
    # layer gates (ops/layers.py) and sliding windows (ops/conv.py)
    "Erf": [case(lambda lib, x: cr.ops.erf(x), (3, 4), torch_fn=lambda torch, x: torch.erf(x))],
    "Gelu": unary(lambda lib, x: lib.nn.functional.gelu(x)),
    "LeakyRelu": unary(lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1)),
    "Softplus": [case(lambda lib, x: cr.ops.softplus(x), (3, 4),
                      torch_fn=lambda torch, x: torch.nn.functional.softplus(x))],
    "Dropout": [case(lambda lib, x: cr.ops.dropout(x, DROP_MASK), (3, 4),
                     torch_fn=lambda torch, x: x * torch.tensor(DROP_MASK))],
    "BinaryCrossEntropy": [case(lambda lib, p, y: binary_cross_entropy(lib, p.sigmoid(),
                                                                       y.sigmoid()),
                                (3, 4), (3, 4))],
    "Unfold": [case(lambda lib, x: unfold(lib, x, 3, padding=1), (2, 2, 4, 4)),
               case(lambda lib, x: unfold(lib, x, (2, 3), stride=2, padding=(1, 0)),
                    (1, 2, 5, 6)),
               case(lambda lib, x: unfold(lib, x, 2, dilation=2), (1, 1, 5, 5))],
    "Fold": [case(lambda lib, x: fold(lib, x, (1, 2, 4, 4), 3, padding=1), (1, 4, 4, 3, 3, 2)),
             case(lambda lib, x: fold(lib, x, (1, 1, 5, 5), 3, stride=2, padding=1),
                  (1, 3, 3, 3, 3, 1))],
    # F.conv2d is one Conv2d gate in chainrule; the same call runs torch.nn.functional.conv2d
    "Conv2d": [case(lambda lib, x, W, b: lib.nn.functional.conv2d(x, W, b, padding=1),
                    (2, 3, 5, 5), (4, 3, 3, 3), (4,)),
               case(lambda lib, x, W: lib.nn.functional.conv2d(x, W, stride=2, padding=(1, 0)),
                    (1, 2, 5, 6), (3, 2, 2, 3)),   # no bias: b is None
               case(lambda lib, x, W, b: lib.nn.functional.conv2d(x, W, b, padding=2,
                                                                  dilation=2),
                    (1, 2, 6, 6), (2, 2, 3, 3), (2,)),
               case(lambda lib, x, W, b: lib.nn.functional.conv2d(x, W, b, stride=(1, 2),
                                                                  padding=1, groups=2),
                    (2, 4, 5, 5), (6, 2, 3, 2), (6,))],
}


def all_cases():
    """``(gate name, case index, case)`` for every case of the table, in a stable order."""
    return [(name, i, c) for name, cases in GATE_CASES.items() for i, c in enumerate(cases)]


def case_seed(name, index):
    return zlib.crc32(f"{name}-{index}".encode())


def chainrule_inputs(arrays):
    return [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]


def torch_inputs(torch, arrays):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]

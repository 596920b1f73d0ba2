"""The gate table: everything the tests need to know about each gate of ``REGISTRY``, in one
entry per gate. Read by tests/test_gates.py (gradient checks, PyTorch cross-checks, higher
order), tests/test_formulas.py (printed formulas computed), tests/robustness/strategies.py
(random graphs) and tests/robustness/test_stability.py (extreme inputs).

How to add a gate: write its class, then add one entry to ``GATES`` below, in its family.
``test_gates.py::test_every_registered_gate_has_an_entry`` fails for a registered gate with
no entry (and for an entry that names no registered gate), on purpose.

    "ClassName": Entry(cases=[case(...), ...], op=Op(...) or Excluded("why"),
                       extremes=[Extreme(...), ...]),

Helpers used by several entries (wrappers, pickers, kinks, input makers) live in
tests/gate_helpers.py, grouped by the same families.

``cases``: sample inputs, each ``case(fn, *inputs, torch_fn=None, **gradcheck_options)``.

* ``fn(lib, *tensors)`` applies the gate as its *last* operation. Write it with the API that
  chainrule and PyTorch share, so the same function runs with ``lib=cr`` and ``lib=torch``
  (``lambda lib, x, y: lib.maximum(x, y)``). Where PyTorch spells it differently, also give
  ``torch_fn(torch, *tensors)``, or use a wrapper of gate_helpers.py. Constants (indices,
  masks, targets) go inside ``fn``, made with ``lib.tensor`` from module-level NumPy arrays.
* each input is a shape, ``(3, 4)``: float64 standard normal values that get gradients; or
  ``positive((3, 4))``: uniform in [0.5, 2] (for log, sqrt, divisors, bases of powers).
  Values are random but fixed per case. Include broadcasting cases where the gate broadcasts.
* ``eps``, ``atol``, ``rtol``: passed to ``cr.gradcheck`` for a gate that needs a looser check
  (a cast to float32).

``unary_cases(fn)`` and ``binary_cases(fn)`` write the usual cases of an elementwise gate.

``op``: how a random graph applies the gate, ``Op(pick, apply, kink=None)``:

* ``pick(b, x)``: given the builder ``b`` (``strategies.Builder``) and a node ``x``, the
  node ids the gate takes (``x`` first) and its constant parameters, or None when the gate
  does not fit ``x``'s shape;
* ``apply(lib, *values, **params)``: the gate as the last operation, with ``lib`` chainrule
  or torch (NumPy constants in ``params`` become ``lib`` tensors here);
* ``kink(*arrays, **params)``: for a gate that is not differentiable everywhere, the
  distance of its inputs to the nearest point where it is not (None when smooth).

or ``Excluded(reason)`` for a gate that random graphs leave out.

``extremes``: rows of extreme inputs, ``Extreme(fn, inputs, finite=True, rtol=None)``, each
run in float32 and float64 and compared with PyTorch element for element:

* ``fn(lib, *tensors)`` as for a case;
* ``inputs(big, small, tiny)`` gives the input arrays from the dtype's extremes (``big`` near
  the largest finite value's square root or beyond, ``small`` a normal number near the
  smallest, ``tiny`` a subnormal);
* ``finite``: the math is finite there, so outputs and gradients must be finite too;
* ``rtol``, when given, replaces the default tolerance of a few ulps: erf (and GELU through
  it) comes from SciPy, whose float64 erf differs from PyTorch's by up to about 1e-11
  relative; PyTorch clamps p (1 - p) in the
  gradient of binary cross-entropy at a float32 1e-12 also in float64, chainrule at
  exactly 1e-12.
"""
import collections
import zlib

import numpy as np

import chainrule as cr
from gate_helpers import (
    BINARY_BROADCASTS, COLS, DROP_MASK, MASK, ROWS, SCATTER_ROWS, TARGET, bce_args, bce_kink,
    bce_of_sigmoids, binary_args, binary_cross_entropy, call, cat_args, clamp_apply, clamp_args,
    clamp_kink, conv_apply, conv_args, cross_entropy, cross_entropy_args, dim_args, dropout,
    dropout_args, erf_apply, expand_args, extreme_apply, extreme_kink, fold, fold_apply,
    fold_args, index_apply, index_args, inner_probabilities, linear, linear_args, logits,
    matmul_args, matrices, one_dim_args, op_apply, pair, permute_args, pole_kink,
    positive_args, positive_magnitudes, positive_right_args, pow_apply, pow_args,
    probabilities, reduce_apply, reduce_args, reshape_args, row_ties, scatter_add,
    scatter_args, soft_cross_entropy, soft_target_apply, soft_target_args, spread, stack_args,
    tie_kink, ties, unary_args, unfold, unfold_apply, where_args, window_args, zero_kink,
    edge_kink, unit_args, unit_interval, unit_magnitudes, branch_kink,
)


UNPOOL_INDEX = np.array([[[[1, 6], [8, 15]], [[0, 3], [13, 10]]]])   # (1, 2, 2, 2) in 4x4 planes
ATTENTION_MASK = np.array([[True, False, True, True, False], [False] * 5,
                           [True, True, False, True, True], [False, False, True, False, True]])


def lstm_step(lib, z, c):
    """One LSTM step, [h', c'] stacked: chainrule's LSTMStep gate, or PyTorch's arithmetic."""
    if lib is cr:
        return cr.ops.LSTMStep.apply(z, c)
    i, f, g, o = z.chunk(4, -1)
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return lib.stack([o.sigmoid() * c_next.tanh(), c_next])


def gru_step(lib, x, hw, h):
    """One GRU step from the two projections: chainrule's GRUStep gate, or PyTorch's arithmetic."""
    if lib is cr:
        return cr.ops.GRUStep.apply(x, hw, h)
    x_r, x_z, x_n = x.chunk(3, -1)
    h_r, h_z, h_n = hw.chunk(3, -1)
    r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * h


def put(lib, x, y, index):
    """``x[index] = y`` on a copy of ``x`` (IndexPut, the write recorded in the graph)."""
    out = x * 1
    out[index] = y
    return out


def svd_signed(torch, x, full_matrices):
    """PyTorch's (U, S, Vh) with chainrule's signs: each pair flipped so that the largest
    |entry| of U's column is positive, an extra row of a full Vh by its own (ops/svd.py)."""
    U, S, Vh = torch.linalg.svd(x, full_matrices=full_matrices)
    u_sign = U.gather(-2, U.abs().argmax(-2, keepdim=True)).sign()
    vh_sign = Vh.gather(-1, Vh.abs().argmax(-1, keepdim=True)).sign()
    k = S.shape[-1]
    vh_sign = torch.cat([u_sign[..., :k].mT, vh_sign[..., k:, :]], -2)
    return U * u_sign, S, Vh * vh_sign


def svd_factor(lib, x, i):
    """Factor i of the full SVD of x: chainrule's, or PyTorch's with chainrule's signs."""
    return lib.linalg.svd(x)[i] if lib is cr else svd_signed(lib, x, True)[i]


def eigh_signed(torch, x, uplo):
    """PyTorch's eigenvectors with chainrule's signs: each column's largest |entry| positive
    (ops/decompositions.py)."""
    vectors = torch.linalg.eigh(x, UPLO=uplo)[1]
    return vectors * vectors.gather(-2, vectors.abs().argmax(-2, keepdim=True)).sign()


def eigh_vectors(lib, x):
    """The eigenvectors of x: chainrule's, or PyTorch's with chainrule's signs."""
    return lib.linalg.eigh(x)[1] if lib is cr else eigh_signed(lib, x, "L")


SHIFT = 3 * np.eye(3)   # added to random 3x3 matrices: well conditioned, far from singular
SINGULAR = "random graphs make singular matrices (x - x, repeated rows)"


def shifted(lib, x):
    """x + 3 I for x (..., 3, 3): invertible, with a condition number central differences
    can check."""
    return x + lib.tensor(SHIFT)


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
Op = collections.namedtuple("Op", "pick apply kink", defaults=(None,))
Excluded = collections.namedtuple("Excluded", "reason")
Extreme = collections.namedtuple("Extreme", "fn inputs finite rtol", defaults=(True, None))
Entry = collections.namedtuple("Entry", "cases op extremes")


def unary_cases(fn, shape=(3, 4)):
    return [case(fn, shape)]


def binary_cases(fn, positive_y=False):
    """Cases of a broadcasting binary gate over the shapes of BINARY_BROADCASTS."""
    return [case(fn, x, positive(y) if positive_y else y) for x, y in BINARY_BROADCASTS]


GATES = {
    # ===== arithmetic ======================================================================
    "Add": Entry(
        cases=binary_cases(lambda lib, x, y: x + y) + [case(lambda lib, x: 2.5 + x, (3,))],
        op=Op(binary_args, lambda lib, x, y: x + y),
        extremes=[Extreme(lambda lib, x, y: x + y, pair)]),
    "Sub": Entry(
        cases=binary_cases(lambda lib, x, y: x - y) + [case(lambda lib, x: 1.5 - x, (3,))],
        op=Op(binary_args, lambda lib, x, y: x - y),
        extremes=[Extreme(lambda lib, x, y: x - y, pair)]),
    "Mul": Entry(
        cases=binary_cases(lambda lib, x, y: x * y) + [case(lambda lib, x: x * 3, (3,))],
        op=Op(binary_args, lambda lib, x, y: x * y),
        extremes=[Extreme(lambda lib, x, y: x * y, pair)]),
    "Div": Entry(
        cases=binary_cases(lambda lib, x, y: x / y, positive_y=True)
        + [case(lambda lib, x: 2.0 / x, positive((3,)))],
        op=Op(positive_right_args, lambda lib, x, y: x / y),
        extremes=[Extreme(lambda lib, x, y: x / y,
                          lambda b, s, t: [[b, -b, s, 0.0, 1.0], [2.0, 4.0, 1.0, 3.0, -1.0]]),
                  Extreme(lambda lib, x, y: x / y,
                          lambda b, s, t: [[1.0, -1.0, 0.0, 1.0], [0.0, -0.0, 0.0, t]],
                          finite=False)]),
    "Neg": Entry(
        cases=unary_cases(lambda lib, x: -x),
        op=Op(unary_args, lambda lib, x: -x),
        extremes=[Extreme(lambda lib, x: -x, spread)]),
    "Pow": Entry(
        cases=[case(lambda lib, x, y: x ** y, positive((3, 4)), (3, 4)),
               case(lambda lib, x, y: x ** y, positive((3, 1)), (1, 4)),
               case(lambda lib, x: x ** 2.5, positive((3, 4))),
               case(lambda lib, x: x ** 3, (3, 4)),
               case(lambda lib, y: 2.0 ** y, (3, 4))],
        op=Op(pow_args, pow_apply),
        extremes=[Extreme(lambda lib, x: x ** 2,
                          lambda b, s, t: [[b ** 0.4, s, t, 0.0, -0.0, -3.0]]),
                  Extreme(lambda lib, x, y: x ** y,
                          lambda b, s, t: [[0.0, 0.0, 2.0, b ** 0.5], [2.0, 0.5, 0.0, 1.0]],
                          finite=False)]),
    "Maximum": Entry(
        cases=binary_cases(lambda lib, x, y: lib.maximum(x, y)),
        op=Op(binary_args, lambda lib, x, y: lib.maximum(x, y), tie_kink),
        extremes=[Extreme(lambda lib, x, y: lib.maximum(x, y), ties)]),
    "Minimum": Entry(
        cases=binary_cases(lambda lib, x, y: lib.minimum(x, y)),
        op=Op(binary_args, lambda lib, x, y: lib.minimum(x, y), tie_kink),
        extremes=[Extreme(lambda lib, x, y: lib.minimum(x, y), ties)]),
    "Remainder": Entry(
        cases=binary_cases(lambda lib, x, y: x % y, positive_y=True)
        + [case(lambda lib, x: x % 1.5, (3, 4))],   # 2.5 % y: PyTorch has no gradient for it
        op=Excluded("jumps wherever x / y is a whole number, which random values can meet"),
        extremes=[Extreme(lambda lib, x, y: x % y,
                          lambda b, s, t: [[5.5, -5.5, 0.0, -0.0, s, t, 7.0],
                                           [2.0, 2.0, 3.0, -3.0, 1.0, -1.0, -2.5]])]),
    "Fmod": Entry(
        cases=binary_cases(lambda lib, x, y: lib.fmod(x, y), positive_y=True)
        + [case(lambda lib, x: lib.fmod(x, 1.5), (3, 4))],
        op=Excluded("jumps wherever x / y is a whole number, which random values can meet"),
        extremes=[Extreme(lambda lib, x, y: lib.fmod(x, y),
                          lambda b, s, t: [[5.5, -5.5, 0.0, -0.0, s, t, 7.0],
                                           [2.0, 2.0, 3.0, -3.0, 1.0, -1.0, -2.5]])]),
    "Where": Entry(
        cases=[case(lambda lib, x, y: lib.where(lib.tensor(MASK), x, y), (3, 4), (3, 4)),
               case(lambda lib, x, y: lib.where(lib.tensor(MASK), x, y), (3, 1), (4,))],
        op=Op(where_args, lambda lib, x, y, mask: lib.where(lib.tensor(mask), x, y)),
        extremes=[Extreme(lambda lib, x, y: lib.where(
            lib.tensor(np.array([True, False, True, False, True, False])), x, y), ties)]),

    # ===== elementwise =====================================================================
    "Exp": Entry(
        cases=unary_cases(call("exp")),
        op=Op(unary_args, call("exp")),
        extremes=[Extreme(call("exp"),
                          lambda b, s, t: [[-b, s, -s, t, 0.0, -0.0, 50.0, -700.0]]),
                  Extreme(call("exp"), lambda b, s, t: [[b, 1000.0]], finite=False)]),
    "Log": Entry(
        cases=unary_cases(call("log"), positive((3, 4))),
        op=Op(positive_args, call("log")),
        extremes=[Extreme(call("log"), positive_magnitudes),
                  Extreme(call("log"), lambda b, s, t: [[0.0, -0.0, t, -1.0]], finite=False)]),
    "Sqrt": Entry(
        cases=unary_cases(call("sqrt"), positive((3, 4))),
        op=Op(positive_args, call("sqrt")),
        extremes=[Extreme(call("sqrt"), positive_magnitudes),
                  Extreme(call("sqrt"), lambda b, s, t: [[0.0, -0.0, -1.0]], finite=False)]),
    "Abs": Entry(
        cases=unary_cases(call("abs")),
        op=Op(unary_args, call("abs"), zero_kink),
        extremes=[Extreme(call("abs"), spread)]),
    "Sin": Entry(
        cases=unary_cases(call("sin")),
        op=Op(unary_args, call("sin")),
        extremes=[Extreme(call("sin"), spread)]),
    "Cos": Entry(
        cases=unary_cases(call("cos")),
        op=Op(unary_args, call("cos")),
        extremes=[Extreme(call("cos"), spread)]),
    "Tanh": Entry(
        cases=unary_cases(call("tanh")),
        op=Op(unary_args, call("tanh")),
        extremes=[Extreme(call("tanh"), spread)]),
    "Tan": Entry(
        cases=[case(call("tan"), (3, 4)), case(lambda lib, x: lib.tan(x), (2, 3))],
        op=Op(unary_args, call("tan"), pole_kink),
        extremes=[Extreme(call("tan"), lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 1.5]])]),
    "Atan2": Entry(
        cases=binary_cases(lambda lib, y, x: lib.atan2(y, x)),
        op=Op(binary_args, lambda lib, y, x: lib.atan2(y, x), branch_kink),
        extremes=[Extreme(lambda lib, y, x: lib.atan2(y, x),
                          lambda b, s, t: [[1.0, -1.0, s, -s, t, 2.0, -3.0],
                                           [1.0, 2.0, -1.0, 3.0, 1.0, -t, s]])]),
    "Asin": Entry(
        cases=[case(unit_interval(call("asin")), (3, 4))],
        op=Op(unit_args, call("asin"), edge_kink),
        extremes=[Extreme(call("asin"), unit_magnitudes),
                  Extreme(call("asin"), lambda b, s, t: [[1.0, -1.0, 1.5, -2.0]], finite=False)]),
    "Acos": Entry(
        cases=[case(unit_interval(call("acos")), (3, 4))],
        op=Op(unit_args, call("acos"), edge_kink),
        extremes=[Extreme(call("acos"), unit_magnitudes),
                  Extreme(call("acos"), lambda b, s, t: [[1.0, -1.0, 1.5, -2.0]], finite=False)]),
    "Atan": Entry(
        cases=unary_cases(call("atan")),
        op=Op(unary_args, call("atan")),
        extremes=[Extreme(call("atan"), spread)]),
    "Sinh": Entry(
        cases=unary_cases(call("sinh")),
        op=Op(unary_args, call("sinh")),
        extremes=[Extreme(call("sinh"), lambda b, s, t: [[s, -s, t, -t, 0.0, -0.0, 1.0, -2.5,
                                                          20.0]])]),
    "Cosh": Entry(
        cases=unary_cases(call("cosh")),
        op=Op(unary_args, call("cosh")),
        extremes=[Extreme(call("cosh"), lambda b, s, t: [[s, -s, t, -t, 0.0, -0.0, 1.0, -2.5,
                                                          20.0]])]),
    # ----- special functions (ops/special_functions.py) -----
    "Asinh": Entry(
        cases=unary_cases(call("asinh")) + [case(lambda lib, x: lib.asinh(x), (2, 3))],
        op=Op(unary_args, call("asinh")),
        extremes=[Extreme(call("asinh"), spread)]),
    "Acosh": Entry(   # x + 1 > 1: inside the domain, off its edge at 1
        cases=[case(lambda lib, x: (x + 1).acosh(), positive((3, 4)))],
        op=Op(positive_args, lambda lib, x: (x + 1).acosh()),
        extremes=[Extreme(call("acosh"), lambda b, s, t: [[1.0 + 1e-3, 1.5, 2.0, 10.0, b]]),
                  Extreme(call("acosh"), lambda b, s, t: [[1.0, 0.5, -2.0, 0.0]],
                          finite=False)]),
    "Atanh": Entry(
        cases=[case(unit_interval(call("atanh")), (3, 4))],
        op=Op(unit_args, call("atanh"), edge_kink),
        extremes=[Extreme(call("atanh"), unit_magnitudes),
                  Extreme(call("atanh"), lambda b, s, t: [[1.0, -1.0, 1.5, -2.0]],
                          finite=False)]),
    "Hypot": Entry(
        cases=binary_cases(lambda lib, x, y: lib.hypot(x, y))
        + [case(lambda lib, x, y: x.hypot(y), (3,), (3,))],
        op=Op(binary_args, lambda lib, x, y: lib.hypot(x, y)),
        extremes=[Extreme(lambda lib, x, y: lib.hypot(x, y),
                          lambda b, s, t: [[b, -b, s, t, 1.0, -3.0, 0.0],
                                           [b, 2.0, -s, t, 0.0, 4.0, 1.0]])]),
    "Logaddexp": Entry(
        cases=binary_cases(lambda lib, x, y: lib.logaddexp(x, y))
        + [case(lambda lib, x, y: x.logaddexp(y), (3,), (3,))],
        op=Op(binary_args, lambda lib, x, y: lib.logaddexp(x, y)),
        extremes=[Extreme(lambda lib, x, y: lib.logaddexp(x, y),
                          lambda b, s, t: [[b, -b, s, t, 1.0, 500.0, -500.0, 0.0],
                                           [b, 2.0, -s, t, 1.0, -500.0, -500.0, -0.0]])]),
    "Logaddexp2": Entry(
        cases=binary_cases(lambda lib, x, y: lib.logaddexp2(x, y))
        + [case(lambda lib, x, y: x.logaddexp2(y), (3,), (3,))],
        op=Op(binary_args, lambda lib, x, y: lib.logaddexp2(x, y)),
        extremes=[Extreme(lambda lib, x, y: lib.logaddexp2(x, y),
                          lambda b, s, t: [[b, -b, s, t, 1.0, 500.0, -500.0, 0.0],
                                           [b, 2.0, -s, t, 1.0, -500.0, -500.0, -0.0]])]),
    "Sinc": Entry(
        cases=unary_cases(call("sinc")) + [case(lambda lib, x: lib.sinc(x * 20), (2, 3))],
        op=Op(unary_args, call("sinc")),
        extremes=[Extreme(call("sinc"), lambda b, s, t: [[s, -s, t, 0.0, -0.0, 0.5, 1.0, -2.5,
                                                          1000.25]])]),
    "Erfinv": Entry(
        cases=[case(unit_interval(call("erfinv")), (3, 4))],
        op=Op(unit_args, call("erfinv"), edge_kink),
        extremes=[Extreme(call("erfinv"), unit_magnitudes),
                  Extreme(call("erfinv"), lambda b, s, t: [[1.0, -1.0, 1.5, -2.0]],
                          finite=False)]),
    "Erfc": Entry(
        cases=unary_cases(call("erfc")) + [case(lambda lib, x: lib.erfc(x * 3), (2, 3))],
        op=Op(unary_args, call("erfc")),
        extremes=[Extreme(call("erfc"), lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 5.0,
                                                          9.0, -30.0]])]),
    "Erfcx": Entry(
        cases=[case(lambda lib, x: lib.special.erfcx(x), (3, 4)),
               case(lambda lib, x: lib.special.erfcx(x * 10), positive((2, 3)))],   # its tail
        op=Op(unary_args, lambda lib, x: lib.special.erfcx(x)),
        extremes=[Extreme(lambda lib, x: lib.special.erfcx(x),
                          lambda b, s, t: [[s, -s, t, 0.0, 1.0, -2.5, 30.0, 1e4, -5.0]])]),
    "Ndtri": Entry(   # probabilities in (0.05, 0.95)
        cases=[case(lambda lib, x: lib.special.ndtri(lib.sigmoid(x) * 0.9 + 0.05), (3, 4))],
        op=Op(unit_args, lambda lib, x: lib.special.ndtri(x * 0.45 + 0.5)),
        extremes=[Extreme(lambda lib, x: lib.special.ndtri(x),
                          lambda b, s, t: [[0.5, 0.25, 0.999, 1e-10, 0.01]]),
                  Extreme(lambda lib, x: lib.special.ndtri(x),
                          lambda b, s, t: [[0.0, 1.0, -0.5, 2.0]], finite=False)]),
    "LogNdtr": Entry(
        cases=[case(lambda lib, x: lib.special.log_ndtr(x), (3, 4)),
               case(lambda lib, x: lib.special.log_ndtr(x * 10), (2, 3))],
        op=Op(unary_args, lambda lib, x: lib.special.log_ndtr(x)),
        extremes=[Extreme(lambda lib, x: lib.special.log_ndtr(x),
                          lambda b, s, t: [[s, -s, t, 0.0, 1.0, -2.5, -30.0, 8.0]])]),
    "I0": Entry(
        cases=[case(lambda lib, x: lib.i0(x), (3, 4)),
               case(lambda lib, x: lib.i0(x * 5), (2, 3))],
        op=Op(unary_args, lambda lib, x: lib.i0(x)),
        extremes=[Extreme(lambda lib, x: lib.i0(x),
                          lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 30.0, -80.0]])]),
    "I0e": Entry(
        cases=[case(lambda lib, x: lib.special.i0e(x), (3, 4)),
               case(lambda lib, x: lib.special.i0e(x * 5), (2, 3))],
        op=Op(unary_args, lambda lib, x: lib.special.i0e(x)),
        extremes=[Extreme(lambda lib, x: lib.special.i0e(x),
                          lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 30.0, -80.0]])]),
    "I1": Entry(
        cases=[case(lambda lib, x: lib.special.i1(x), (3, 4)),
               case(lambda lib, x: lib.special.i1(x * 5), (2, 3))],
        op=Op(unary_args, lambda lib, x: lib.special.i1(x)),
        extremes=[Extreme(lambda lib, x: lib.special.i1(x),
                          lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 30.0, -80.0]])]),
    "I1e": Entry(
        cases=[case(lambda lib, x: lib.special.i1e(x), (3, 4)),
               case(lambda lib, x: lib.special.i1e(x * 5), (2, 3))],
        op=Op(unary_args, lambda lib, x: lib.special.i1e(x)),
        extremes=[Extreme(lambda lib, x: lib.special.i1e(x),
                          lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 30.0, -80.0]])]),
    "Entr": Entry(
        cases=[case(lambda lib, x: lib.special.entr(x), positive((3, 4))),
               case(lambda lib, x: lib.special.entr(x * 0.2), positive((2, 3)))],
        op=Op(positive_args, lambda lib, x: lib.special.entr(x)),
        extremes=[Extreme(lambda lib, x: lib.special.entr(x),
                          lambda b, s, t: [[s, 0.5, 1.0, 2.0, 1e4]]),
                  Extreme(lambda lib, x: lib.special.entr(x),
                          lambda b, s, t: [[0.0, -1.0, -s]], finite=False)]),
    "Lgamma": Entry(
        cases=[case(call("lgamma"), positive((3, 4))),
               case(lambda lib, x: lib.lgamma(x * 3 - 7.5), (2, 3))],
        op=Op(positive_args, call("lgamma")),
        extremes=[Extreme(call("lgamma"), lambda b, s, t: [[0.01, 0.5, 1.0, 2.0, 10.5, 100.0,
                                                            -0.5, -2.5]])]),
    "Digamma": Entry(
        cases=[case(call("digamma"), positive((3, 4))),
               case(lambda lib, x: lib.digamma(x * 0.2 - 3.5), (2, 3))],
        op=Op(positive_args, call("digamma")),
        # rtol: PyTorch's trigamma is good to ~5e-10 in float64 (at 1, 1.6449340676 where
        # pi^2 / 6 = 1.6449340668); SciPy's, which chainrule calls, to the last bits
        extremes=[Extreme(call("digamma"), lambda b, s, t: [[0.01, 0.5, 1.0, 2.0, 10.5, 1e6,
                                                             -0.5, -2.5]], rtol=1e-8)]),
    "Polygamma": Entry(
        cases=[case(lambda lib, x: lib.polygamma(1, x), positive((3, 4))),
               case(lambda lib, x: x.polygamma(2), positive((2, 3))),
               case(lambda lib, x: lib.polygamma(3, x * 0.2 - 3.5), (4,))],
        op=Op(positive_args, lambda lib, x: lib.polygamma(1, x)),
        extremes=[Extreme(lambda lib, x: lib.polygamma(1, x),
                          lambda b, s, t: [[0.5, 1.0, 2.0, 10.5, 1e4, -0.5, -2.5]],
                          rtol=1e-8)]),   # as Digamma's
    "Log1p": Entry(
        cases=unary_cases(call("log1p"), positive((3, 4)))
        + [case(lambda lib, x: lib.log1p(x), positive((2, 3)))],
        op=Op(positive_args, call("log1p")),
        extremes=[Extreme(call("log1p"), lambda b, s, t: [[s, -s, t, -t, 0.0, -0.0, 1.0, b, -0.5]]),
                  Extreme(call("log1p"), lambda b, s, t: [[-1.0, -2.0]], finite=False)]),
    "Expm1": Entry(
        cases=unary_cases(call("expm1")) + [case(lambda lib, x: lib.expm1(x), (2, 3))],
        op=Op(unary_args, call("expm1")),
        extremes=[Extreme(call("expm1"), lambda b, s, t: [[s, -s, t, -t, 0.0, -0.0, 1.0, -2.5, 50.0,
                                                           -700.0]])]),
    "Log2": Entry(
        cases=unary_cases(call("log2"), positive((3, 4))),
        op=Op(positive_args, call("log2")),
        extremes=[Extreme(call("log2"), positive_magnitudes),
                  Extreme(call("log2"), lambda b, s, t: [[0.0, -0.0, t, -1.0]], finite=False)]),
    "Log10": Entry(
        cases=unary_cases(call("log10"), positive((3, 4))),
        op=Op(positive_args, call("log10")),
        extremes=[Extreme(call("log10"), positive_magnitudes),
                  Extreme(call("log10"), lambda b, s, t: [[0.0, -0.0, t, -1.0]], finite=False)]),
    "Exp2": Entry(
        cases=unary_cases(call("exp2")) + [case(lambda lib, x: lib.exp2(x), (2, 3))],
        op=Op(unary_args, call("exp2")),
        extremes=[Extreme(call("exp2"), lambda b, s, t: [[s, -s, t, 0.0, -0.0, 1.0, -2.5, 50.0,
                                                          -700.0]])]),
    "Sigmoid": Entry(
        cases=unary_cases(call("sigmoid")),
        op=Op(unary_args, call("sigmoid")),
        extremes=[Extreme(call("sigmoid"), spread)]),
    "Relu": Entry(
        cases=unary_cases(call("relu")),
        op=Op(unary_args, call("relu"), zero_kink),
        extremes=[Extreme(call("relu"), spread)]),
    "Clamp": Entry(
        cases=[case(call("clamp", -0.5, 0.5), (3, 4)),
               case(call("clamp", min=0.0), (3, 4)),
               case(lambda lib, x: lib.clamp(x, max=0.3), (3, 4))],
        op=Op(clamp_args, clamp_apply, clamp_kink),
        extremes=[Extreme(call("clamp", -1.0, 1.0),
                          lambda b, s, t: [[-1.0, 1.0, b, -b, 0.0, -0.0, s]]),
                  Extreme(call("clamp", min=0.0), spread)]),
    "Cast": Entry(
        # to the other float dtype: a cast to a tensor's own dtype is no gate
        cases=[case(lambda lib, x: x.double() if x.dtype == lib.float32 else x.float(), (3, 4),
                    eps=1e-2, atol=1e-4)],
        op=Excluded("a cast to float32 loses more precision than a float64 central difference "
                    "checks (tests/test_gates.py checks it with a looser tolerance)"),
        extremes=[Extreme(lambda lib, x: x.double() if x.dtype == lib.float32 else x.float(),
                          lambda b, s, t: [[1e30, -1e-30, 0.0, -0.0, 1.0]])]),

    # ===== reductions ======================================================================
    "Sum": Entry(
        cases=[case(call("sum"), (3, 4)),
               case(call("sum", 1), (3, 4)),
               case(call("sum", dim=(0, 2), keepdim=True), (2, 3, 4)),
               case(call("sum", -1, keepdim=True), (2, 3))],
        op=Op(reduce_args, reduce_apply("sum")),
        extremes=[Extreme(call("sum"), lambda b, s, t: [[b, -b, s, 0.0]])]),
    "Mean": Entry(
        cases=[case(call("mean"), (3, 4)),
               case(call("mean", 0), (3, 4)),
               case(call("mean", dim=(0, 2), keepdim=True), (2, 3, 4))],
        op=Op(reduce_args, reduce_apply("mean")),
        extremes=[Extreme(call("mean"), lambda b, s, t: [[b, -b, s, 0.0]])]),
    "Max": Entry(
        cases=unary_cases(call("max")),
        op=Op(unary_args, extreme_apply("max"), extreme_kink),
        extremes=[Extreme(call("max"), lambda b, s, t: [[b, b, -b, 0.0]]),
                  Extreme(call("max"), lambda b, s, t: [[0.0, -0.0, -1.0]])]),
    "Min": Entry(
        cases=unary_cases(call("min")),
        op=Op(unary_args, extreme_apply("min"), extreme_kink),
        extremes=[Extreme(call("min"), lambda b, s, t: [[-b, -b, b, 0.0]])]),
    "MaxDim": Entry(
        cases=[case(lambda lib, x: x.max(1).values, (3, 4)),
               case(lambda lib, x: x.max(dim=0, keepdim=True).values, (3, 4))],
        op=Op(dim_args, extreme_apply("max"), extreme_kink),
        extremes=[Extreme(lambda lib, x: x.max(1).values, row_ties)]),
    "MinDim": Entry(
        cases=[case(lambda lib, x: x.min(-1).values, (2, 3, 4))],
        op=Op(dim_args, extreme_apply("min"), extreme_kink),
        extremes=[Extreme(lambda lib, x: x.min(1).values, row_ties)]),
    "Amax": Entry(
        cases=[case(lambda lib, x: x.amax(1), (3, 4)),
               case(lambda lib, x: x.amax(dim=(0, 2), keepdim=True), (2, 3, 4)),
               case(lambda lib, x: x.amax(), (3, 4))],
        op=Op(dim_args, reduce_apply("amax"), extreme_kink),
        extremes=[Extreme(lambda lib, x: x.amax(1), row_ties),
                  Extreme(lambda lib, x: x.amax(), lambda b, s, t: [[b, b, -b, 0.0]])]),
    "Amin": Entry(
        cases=[case(lambda lib, x: x.amin(-1, keepdim=True), (2, 3, 4))],
        op=Op(dim_args, reduce_apply("amin"), extreme_kink),
        extremes=[Extreme(lambda lib, x: x.amin(1), row_ties)]),
    "Std": Entry(
        cases=[case(call("std"), (3, 4)),
               case(call("std", 1), (3, 4)),
               case(call("std", dim=(0, 2), keepdim=True), (2, 3, 4)),
               case(call("std", 0, correction=0), (3, 4))],
        op=Op(lambda b, x: dim_args(b, x) if min(b.shape(x), default=0) > 1 else None,
              reduce_apply("std")),
        extremes=[Extreme(call("std"), lambda b, s, t: [[s, -s, t, 0.0, 1.0]]),
                  Extreme(call("std"), lambda b, s, t: [[1.0, 1.0, 1.0]])]),
    "LogSumExp": Entry(
        cases=[case(call("logsumexp", 1), (3, 4)),
               case(call("logsumexp", 0, keepdim=True), (3, 4)),
               case(lambda lib, x: lib.logsumexp(x, (0, 2)), (2, 3, 4))],
        op=Op(one_dim_args, lambda lib, x, dim: lib.logsumexp(x, dim)),
        extremes=[Extreme(lambda lib, x: lib.logsumexp(x, 1), logits),
                  Extreme(lambda lib, x: lib.logsumexp(x, 1),
                          lambda b, s, t: [[[-np.inf, -np.inf], [np.inf, 0.0]]], finite=False)]),
    "Norm": Entry(
        cases=[case(call("norm"), (3, 4)),
               case(lambda lib, x: x.norm(dim=1), (3, 4)),
               case(lambda lib, x: x.norm(2, (0, 2), keepdim=True), (2, 3, 4))],
        op=Op(reduce_args, lambda lib, x, dim, keepdim: x.norm(2, dim, keepdim)),
        extremes=[Extreme(call("norm"), lambda b, s, t: [[b ** 0.4, -s, t, 0.0, -0.0]]),
                  Extreme(call("norm"), lambda b, s, t: [[0.0, -0.0, 0.0]])]),
    "Prod": Entry(
        cases=[case(call("prod"), (3, 4)),
               case(call("prod", 1), (3, 4)),
               case(lambda lib, x: lib.prod(x, -1), (2, 3, 4))],
        op=Op(one_dim_args, lambda lib, x, dim: x.prod(dim)),
        extremes=[Extreme(call("prod"), lambda b, s, t: [[0.0, 2.0, 3.0, -1.5]]),
                  Extreme(call("prod"), lambda b, s, t: [[0.0, -0.0, 3.0]]),
                  Extreme(lambda lib, x: x.prod(1), lambda b, s, t: [[[s, 2.0], [0.0, t]]])]),
    "Cumsum": Entry(
        cases=[case(call("cumsum", 1), (3, 4)),
               case(lambda lib, x: lib.cumsum(x, 0), (3, 4)),
               case(lambda lib, x: lib.cumsum(x, dim=-1), (2, 3, 4))],
        op=Op(one_dim_args, lambda lib, x, dim: lib.cumsum(x, dim)),
        extremes=[Extreme(lambda lib, x: lib.cumsum(x, 0),
                          lambda b, s, t: [[b / 4, b / 4, -b / 4, s, t, 0.0, -0.0, 1.0]])]),
    "Logcumsumexp": Entry(
        cases=[case(call("logcumsumexp", 1), (3, 4)),
               case(lambda lib, x: lib.logcumsumexp(x * 30, 0), (3, 4)),
               case(lambda lib, x: lib.logcumsumexp(x, dim=-1), (2, 3, 4))],
        op=Op(one_dim_args, lambda lib, x, dim: lib.logcumsumexp(x, dim)),
        extremes=[Extreme(lambda lib, x: lib.logcumsumexp(x, 0),
                          lambda b, s, t: [[-b, -500.0, s, t, 0.0, -0.0, 1.0, 500.0, 80.0]])]),

    # ===== shape and indexing ==============================================================
    "Reshape": Entry(
        cases=[case(call("reshape", 4, 3), (3, 4)),
               case(call("flatten"), (2, 3, 2)),
               case(call("unsqueeze", 1), (3, 4)),
               case(call("squeeze"), (3, 1, 4)),
               case(call("view", -1), (3, 4))],
        op=Op(reshape_args, lambda lib, x, shape: x.reshape(shape)),
        extremes=[Extreme(call("reshape", 2, 3), lambda b, s, t: [[b, -b, s, t, 0.0, -0.0]])]),
    "Permute": Entry(
        cases=[case(call("permute", 2, 0, 1), (2, 3, 4)),
               case(lambda lib, x: x.T, (3, 4)),
               case(call("transpose", 0, 2), (2, 3, 4))],
        op=Op(permute_args, lambda lib, x, dims: x.permute(*dims)),
        extremes=[Extreme(call("permute", 1, 0), logits)]),
    "Expand": Entry(
        cases=[case(call("expand", 3, 4), (1, 4)),
               case(call("expand", 2, 3, 4), (3, 1))],
        op=Op(expand_args, lambda lib, x, shape: x.expand(*shape)),
        extremes=[Extreme(call("expand", 2, 3), lambda b, s, t: [[[b, -0.0, t]]])]),
    "GetItem": Entry(
        cases=[case(lambda lib, x: x[1], (3, 4)),
               case(lambda lib, x: x[:, 1:3], (3, 4)),
               case(lambda lib, x: x[None, ..., 0], (3, 4)),
               case(lambda lib, x: x[lib.tensor(ROWS)], (3, 4)),
               case(lambda lib, x: x[lib.tensor(ROWS), lib.tensor(COLS)], (3, 4)),
               case(lambda lib, x: x[lib.tensor(MASK)], (3, 4))],
        op=Op(index_args, index_apply),
        extremes=[Extreme(lambda lib, x: x[lib.tensor(np.array([0, 0, 2]))],
                          lambda b, s, t: [[b, -b, t]])]),
    "ScatterAdd": Entry(
        cases=[case(lambda lib, x: scatter_add(lib, x, 5, SCATTER_ROWS), (4, 3))],
        op=Op(scatter_args, scatter_add),
        extremes=[Extreme(lambda lib, x: scatter_add(lib, x, rows=3, index=np.array([0, 2, 2])),
                          lambda b, s, t: [[[b, -b], [t, 0.0], [-0.0, s]]])]),
    "IndexPut": Entry(
        cases=[case(lambda lib, x, y: put(lib, x, y, 1), (3, 4), (4,)),
               case(lambda lib, x, y: put(lib, x, y, (slice(None), slice(1, 3))), (3, 4), (3, 1)),
               case(lambda lib, x, y: put(lib, x, y, Ellipsis), (3, 4), ())],
        op=Excluded("an in-place write (x[index] = y); tests/test_inplace_graph.py checks it"),
        extremes=[Extreme(lambda lib, x, y: put(lib, x, y, 0),
                          lambda b, s, t: ([[b, -b, t], [s, -0.0, 1.0]], [t, s, -b]))]),
    "Cat": Entry(
        cases=[case(lambda lib, x, y: lib.cat([x, y], 1), (3, 2), (3, 4)),
               case(lambda lib, x, y, z: lib.cat([x, y, z]), (1, 4), (2, 4), (3, 4))],
        op=Op(cat_args, lambda lib, *xs, dim: lib.cat(list(xs), dim)),
        extremes=[Extreme(lambda lib, x, y: lib.cat([x, y]), pair)]),
    "Stack": Entry(
        cases=[case(lambda lib, x, y: lib.stack([x, y]), (3, 4), (3, 4)),
               case(lambda lib, x, y: lib.stack([x, y], 1), (3, 4), (3, 4))],
        op=Op(stack_args, lambda lib, *xs, dim: lib.stack(list(xs), dim)),
        extremes=[Extreme(lambda lib, x, y: lib.stack([x, y]), pair)]),

    # ===== linear algebra ==================================================================
    "MatMul": Entry(
        cases=[case(lambda lib, x, y: x @ y, (3, 4), (4, 5)),
               case(lambda lib, x, y: x @ y, (4,), (4, 5)),
               case(lambda lib, x, y: x @ y, (3, 4), (4,)),
               case(lambda lib, x, y: x @ y, (4,), (4,)),
               case(lambda lib, x, y: x @ y, (2, 3, 4), (4, 5)),
               case(lambda lib, x, y: x @ y, (2, 1, 3, 4), (3, 4, 2))],
        op=Op(matmul_args, lambda lib, x, y: x @ y),
        extremes=[Extreme(lambda lib, x, y: x @ y, matrices)]),
    "Linear": Entry(
        cases=[case(linear, (5, 4), (3, 4), (3,)),
               case(linear, (5, 4), (3, 4)),   # no bias: b is None
               case(linear, (2, 5, 4), (3, 4), (3,))],
        op=Op(linear_args, linear),
        extremes=[Extreme(linear, matrices)]),

    # ===== fused nn gates ==================================================================
    "Softmax": Entry(
        cases=[case(call("softmax", 1), (3, 4)),
               case(call("softmax", 0), (3, 4)),
               case(lambda lib, x: lib.softmax(x, -1), (2, 3, 4))],
        op=Op(one_dim_args, lambda lib, x, dim: x.softmax(dim)),
        extremes=[Extreme(call("softmax", 1), logits)]),
    "LogSoftmax": Entry(
        cases=[case(call("log_softmax", 1), (3, 4)),
               case(call("log_softmax", 0), (2, 3))],
        op=Op(one_dim_args, lambda lib, x, dim: x.log_softmax(dim)),
        extremes=[Extreme(call("log_softmax", 1), logits)]),
    "CrossEntropy": Entry(
        cases=[case(lambda lib, x: cross_entropy(lib, x, TARGET), (5, 4))],
        op=Op(cross_entropy_args, cross_entropy),
        extremes=[Extreme(lambda lib, x: cross_entropy(lib, x, np.array([0, 2, 1])), logits)]),
    "SoftmaxCrossEntropy": Entry(
        cases=[case(lambda lib, x, y: cr.softmax_cross_entropy(x, y.softmax(1), 1),
                    (3, 4), (3, 4), torch_fn=lambda torch, x, y:
                    -(y.softmax(1) * torch.log_softmax(x, 1)).sum())],
        op=Op(soft_target_args, soft_target_apply),
        extremes=[Extreme(soft_cross_entropy, logits)]),

    # ===== layer gates (ops/layers.py) =====================================================
    "Erf": Entry(
        cases=[case(erf_apply, (3, 4))],
        op=Op(unary_args, erf_apply),
        extremes=[Extreme(erf_apply, spread, rtol=1e-11)]),
    "Gelu": Entry(
        cases=unary_cases(lambda lib, x: lib.nn.functional.gelu(x)),
        op=Op(unary_args, op_apply("gelu")),
        extremes=[Extreme(op_apply("gelu"), spread, rtol=1e-11)]),
    "LayerNorm": Entry(
        cases=[case(lambda lib, x, w, b: lib.nn.functional.layer_norm(x, x.shape[-1:], w, b),
                    (2, 3, 4), (4,), (4,)),
               case(lambda lib, x, w, b: lib.nn.functional.layer_norm(x, x.shape[-2:], w, b),
                    (2, 3, 4), (3, 4), (3, 4)),
               case(lambda lib, x, w: lib.nn.functional.layer_norm(x, x.shape[-1:], w), (3, 4), (4,)),
               case(lambda lib, x: lib.nn.functional.layer_norm(x, x.shape[-1:]), (5,))],
        op=Op(unary_args, lambda lib, x: lib.nn.functional.layer_norm(x, x.shape[-1:])),
        extremes=[Extreme(lambda lib, x: lib.nn.functional.layer_norm(x, x.shape[-1:]), spread)]),
    "LeakyRelu": Entry(
        cases=unary_cases(lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1)),
        op=Op(unary_args, op_apply("leaky_relu", 0.1), zero_kink),
        extremes=[Extreme(op_apply("leaky_relu", 0.1), spread)]),
    "Softplus": Entry(
        cases=[case(op_apply("softplus"), (3, 4))],
        op=Op(unary_args, op_apply("softplus")),
        extremes=[Extreme(op_apply("softplus"), spread)]),
    "Dropout": Entry(
        cases=[case(lambda lib, x: dropout(lib, x, DROP_MASK), (3, 4))],
        op=Op(dropout_args, dropout),
        extremes=[Extreme(lambda lib, x: dropout(lib, x, np.array([2.0, 0.0, 2.0, 0.0])),
                          lambda b, s, t: [[b / 4, -b / 4, t, -0.0]])]),
    "BinaryCrossEntropy": Entry(
        cases=[case(bce_of_sigmoids, (3, 4), (3, 4))],
        op=Op(bce_args, bce_of_sigmoids, bce_kink),
        extremes=[Extreme(binary_cross_entropy, probabilities, rtol=1e-8),
                  Extreme(binary_cross_entropy, inner_probabilities, rtol=1e-8)]),

    # ===== sliding windows (ops/conv.py) ===================================================
    "Unfold": Entry(
        cases=[case(lambda lib, x: unfold(lib, x, 3, padding=1), (2, 2, 4, 4)),
               case(lambda lib, x: unfold(lib, x, (2, 3), stride=2, padding=(1, 0)),
                    (1, 2, 5, 6)),
               case(lambda lib, x: unfold(lib, x, 2, dilation=2), (1, 1, 5, 5))],
        op=Op(window_args, unfold_apply),
        extremes=[Extreme(lambda lib, x: unfold_apply(lib, x, image=(1, 1, 2, 3), kernel=(2, 2),
                                                      stride=1, padding=1),
                          lambda b, s, t: [[b, -b, s, t, 0.0, -0.0]])]),
    "Fold": Entry(
        cases=[case(lambda lib, x: fold(lib, x, (1, 2, 4, 4), 3, padding=1), (1, 4, 4, 3, 3, 2)),
               case(lambda lib, x: fold(lib, x, (1, 1, 5, 5), 3, stride=2, padding=1),
                    (1, 3, 3, 3, 3, 1))],
        op=Op(fold_args, fold_apply),
        extremes=[Extreme(lambda lib, x: fold_apply(lib, x, windows=(1, 2, 1, 2, 1, 1),
                                                    image=(1, 1, 3, 1), kernel=(2, 1)),
                          lambda b, s, t: [[b / 4, b / 4, -0.0, t]])]),
    # F.conv2d is one Conv2d gate in chainrule; the same call runs torch.nn.functional.conv2d
    "Conv2d": Entry(
        cases=[case(lambda lib, x, W, b: lib.nn.functional.conv2d(x, W, b, padding=1),
                    (2, 3, 5, 5), (4, 3, 3, 3), (4,)),
               case(lambda lib, x, W: lib.nn.functional.conv2d(x, W, stride=2, padding=(1, 0)),
                    (1, 2, 5, 6), (3, 2, 2, 3)),   # no bias: b is None
               case(lambda lib, x, W, b: lib.nn.functional.conv2d(x, W, b, padding=2,
                                                                  dilation=2),
                    (1, 2, 6, 6), (2, 2, 3, 3), (2,)),
               case(lambda lib, x, W, b: lib.nn.functional.conv2d(x, W, b, stride=(1, 2),
                                                                  padding=1, groups=2),
                    (2, 4, 5, 5), (6, 2, 3, 2), (6,))],
        op=Op(conv_args, conv_apply),
        extremes=[Extreme(lambda lib, x, w: conv_apply(lib, x, w, image=(1, 1, 3, 3), padding=1),
                          lambda b, s, t: [[[[b ** 0.4, s, 0.0], [-0.0, t, 1.0], [-s, 2.0, -1.0]]],
                                           [[[[b ** 0.4, -0.0], [s, 1.0]]]]])]),

    # ===== issue 12's layer gates (ops/conv.py, ops/norm.py, ops/pooling.py) ==============
    # F.conv_transpose2d is one gate; stride, padding, output_padding, groups, dilation
    "ConvTranspose2d": Entry(
        cases=[case(lambda lib, x, W, b: lib.nn.functional.conv_transpose2d(
                    x, W, b, stride=2, padding=1, output_padding=1),
                    (2, 3, 3, 4), (3, 2, 3, 3), (2,)),
               case(lambda lib, x, W: lib.nn.functional.conv_transpose2d(
                    x, W, stride=(1, 2), groups=2, dilation=2), (1, 4, 3, 3), (4, 1, 2, 3)),
               # output_padding of a stride or more (the "grown" rows)
               case(lambda lib, x, W, b: lib.nn.functional.conv_transpose2d(
                    x, W, b, stride=(3, 2), padding=(1, 2), output_padding=(2, 3), groups=2,
                    dilation=4), (1, 2, 3, 3), (2, 2, 2, 3), (4,))],
        op=Excluded("its weight's shape follows the input's channels; tests/nn check it in "
                    "models, and the cases here with every argument"),
        extremes=[Extreme(lambda lib, x, w: lib.nn.functional.conv_transpose2d(
            x.reshape(1, 1, 2, 2), w.reshape(1, 1, 2, 2), stride=2),
            lambda b, s, t: [[b ** 0.4, s, -0.0, t], [b ** 0.4, -0.0, s, 1.0]])]),
    # F.group_norm (and instance_norm) is one gate: affine and plain rows
    "GroupNorm": Entry(
        cases=[case(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b),
                    (2, 4, 3), (4,), (4,)),
               case(lambda lib, x: lib.nn.functional.group_norm(x, 3, eps=1e-3), (2, 6, 2, 2))],
        op=Excluded("needs channels divisible by the groups and more than one value per "
                    "group; the cases and tests/nn check it"),
        extremes=[Extreme(lambda lib, x: lib.nn.functional.group_norm(x.reshape(1, 2, 3), 1),
                          lambda b, s, t: [[b ** 0.2, s, -0.0, t, 1.0, -2.0]], rtol=1e-6)]),
    # F.max_pool2d (and max_pool1d): one gate; windows that overlap (stride < kernel) add
    # gradients at a shared maximum, padding is never picked, ceil_mode's partial windows
    "MaxPool2d": Entry(
        cases=[case(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), (2, 3, 4, 6)),
               case(lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 1, 1), (1, 2, 5, 5)),
               case(lambda lib, x: lib.nn.functional.max_pool2d(x, (2, 3), (2, 1), (1, 1),
                                                                ceil_mode=True), (1, 2, 5, 6)),
               case(lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1, dilation=2),
                    (2, 1, 7, 7))],
        op=Excluded("needs an image-shaped (N, C, H, W) input; the cases and tests/nn check it"),
        extremes=[Extreme(lambda lib, x: lib.nn.functional.max_pool2d(x.reshape(1, 1, 2, 3), 2, 1),
                          lambda b, s, t: [[b, -b, t, -0.0, s, 1.0]])]),
    # F.max_unpool2d: values written at max_pool2d's indices
    "MaxUnpool2d": Entry(
        cases=[case(lambda lib, x: lib.nn.functional.max_unpool2d(x, lib.tensor(UNPOOL_INDEX), 2),
                    (1, 2, 2, 2))],
        op=Excluded("takes indices from a pooling; tests/nn check it after max_pool2d"),
        extremes=[Extreme(lambda lib, x: lib.nn.functional.max_unpool2d(
            x.reshape(1, 1, 2, 2), lib.tensor(UNPOOL_INDEX[:1, :1]), 2),
            lambda b, s, t: [[b, -b, t, -0.0]])]),

    # ===== singular values (ops/svd.py): one gate per factor of A = U diag(S) Vh ==========
    # distinct, nonzero singular values (random matrices), where U's and Vh's rows are
    # finite; PyTorch's factors get chainrule's signs (svd_signed)
    "Svdvals": Entry(
        cases=[case(lambda lib, x: lib.linalg.svdvals(x), (3, 4)),
               case(lambda lib, x: lib.linalg.svdvals(x), (2, 4, 3)),
               case(lambda lib, x: lib.linalg.svdvals(x), (1, 3, 3))],
        op=Excluded("random graphs make zero and repeated singular values (x - x, repeated "
                    "rows), where the subgradient depends on LAPACK's choice of basis"),
        extremes=[Extreme(lambda lib, x: lib.linalg.svdvals(x.reshape(2, 2)),
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6),
                  Extreme(lambda lib, x: lib.linalg.svdvals(x.reshape(2, 2)),
                          lambda b, s, t: [[1.0, -0.0, 0.0, -2.0]])]),
    "SvdU": Entry(
        cases=[case(lambda lib, x: lib.linalg.svd(x, full_matrices=False)[0], (4, 3),
                    torch_fn=lambda torch, x: svd_signed(torch, x, False)[0]),
               case(lambda lib, x: lib.linalg.svd(x, full_matrices=False)[0], (2, 3, 5),
                    torch_fn=lambda torch, x: svd_signed(torch, x, False)[0]),
               case(lambda lib, x: lib.linalg.svd(x)[0], (3, 4),
                    torch_fn=lambda torch, x: svd_signed(torch, x, True)[0])],
        op=Excluded("its sign is a convention PyTorch does not share; the cases compare "
                    "with PyTorch's factors given chainrule's signs"),
        extremes=[Extreme(lambda lib, x: svd_factor(lib, x.reshape(2, 2), 0),
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6),
                  Extreme(lambda lib, x: svd_factor(lib, x.reshape(2, 2), 0),
                          lambda b, s, t: [[1.0, -0.0, 0.0, -2.0]])]),
    "SvdVh": Entry(
        cases=[case(lambda lib, x: lib.linalg.svd(x, full_matrices=False)[2], (4, 3),
                    torch_fn=lambda torch, x: svd_signed(torch, x, False)[2]),
               case(lambda lib, x: lib.linalg.svd(x, full_matrices=False)[2], (2, 3, 5),
                    torch_fn=lambda torch, x: svd_signed(torch, x, False)[2]),
               case(lambda lib, x: lib.linalg.svd(x)[2], (4, 3),
                    torch_fn=lambda torch, x: svd_signed(torch, x, True)[2])],
        op=Excluded("its sign is a convention PyTorch does not share; the cases compare "
                    "with PyTorch's factors given chainrule's signs"),
        extremes=[Extreme(lambda lib, x: svd_factor(lib, x.reshape(2, 2), 2),
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6),
                  Extreme(lambda lib, x: svd_factor(lib, x.reshape(2, 2), 2),
                          lambda b, s, t: [[1.0, -0.0, 0.0, -2.0]])]),

    # ===== inverses, determinants, solves, Cholesky (ops/linalg_solve.py) ===================
    # random matrices plus 3 I (SHIFTED), far from singular; Cholesky of x x^T + 3 I, as
    # LAPACK reads one triangle and a central difference of one entry would not be symmetric
    "Inv": Entry(
        cases=[case(lambda lib, x: lib.linalg.inv(shifted(lib, x)), (3, 3)),
               case(lambda lib, x: lib.linalg.inv(shifted(lib, x)), (2, 3, 3)),
               case(lambda lib, x: shifted(lib, x).inverse(), (3, 3))],
        op=Excluded(SINGULAR),
        extremes=[Extreme(lambda lib, x: lib.linalg.inv(x.reshape(2, 2)),
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6)]),
    "Det": Entry(
        cases=[case(lambda lib, x: lib.linalg.det(shifted(lib, x)), (3, 3)),
               case(lambda lib, x: lib.det(shifted(lib, x)), (2, 3, 3)),
               case(lambda lib, x: lib.linalg.det(x), (2, 2))],
        op=Excluded(SINGULAR),
        extremes=[Extreme(lambda lib, x: lib.linalg.det(x.reshape(2, 2)),
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6)]),
    "LogAbsDet": Entry(
        cases=[case(lambda lib, x: lib.linalg.slogdet(shifted(lib, x))[1], (3, 3)),
               case(lambda lib, x: lib.linalg.slogdet(x)[1], (2, 3, 3))],
        op=Excluded(SINGULAR),
        extremes=[Extreme(lambda lib, x: lib.linalg.slogdet(x.reshape(2, 2))[1],
                          lambda b, s, t: [[b ** 0.4, s, t, -1.0]], rtol=1e-6)]),
    "Solve": Entry(
        cases=[case(lambda lib, a, b: lib.linalg.solve(shifted(lib, a), b), (3, 3), (3, 2)),
               case(lambda lib, a, b: lib.linalg.solve(shifted(lib, a), b), (2, 3, 3), (3, 4)),
               case(lambda lib, a, b: lib.linalg.solve(shifted(lib, a), b), (3, 3), (2, 3, 1))],
        op=Excluded(SINGULAR),
        extremes=[Extreme(lambda lib, x: lib.linalg.solve(x.reshape(2, 2), x.reshape(2, 2)),
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6)]),
    "Cholesky": Entry(
        cases=[case(lambda lib, x: lib.linalg.cholesky(x @ x.mT + lib.tensor(SHIFT)), (3, 3)),
               case(lambda lib, x: lib.linalg.cholesky(x @ x.mT + lib.tensor(SHIFT)), (2, 3, 4))],
        op=Excluded(SINGULAR + ", and most matrices are not positive-definite"),
        extremes=[Extreme(lambda lib, x: lib.linalg.cholesky(x.reshape(2, 2) @ x.reshape(2, 2).mT),
                          lambda b, s, t: [[b ** 0.2, s, t, 1.0]], rtol=1e-6)]),

    # ===== symmetric eigendecomposition and QR (ops/decompositions.py) ======================
    # eigh of x + x^T (symmetric, distinct eigenvalues): LAPACK reads one triangle, so a
    # central difference of one entry is not symmetric; PyTorch's eigenvectors get
    # chainrule's signs (eigh_signed). QR of tall, square and wide matrices
    "Eigvalsh": Entry(
        cases=[case(lambda lib, x: lib.linalg.eigvalsh(x + x.mT), (3, 3)),
               case(lambda lib, x: lib.linalg.eigvalsh(x + x.mT, UPLO="U"), (2, 4, 4))],
        op=Excluded("random graphs make repeated eigenvalues (x - x), and eigh needs "
                    "symmetric matrices"),
        extremes=[Extreme(lambda lib, x: lib.linalg.eigvalsh(x.reshape(2, 2)),
                          lambda b, s, t: [[b ** 0.4, s, s, 1.0]], rtol=1e-6)]),
    "EighVectors": Entry(
        cases=[case(lambda lib, x: lib.linalg.eigh(x + x.mT)[1], (3, 3),
                    torch_fn=lambda torch, x: eigh_signed(torch, x + x.mT, "L")),
               case(lambda lib, x: lib.linalg.eigh(x + x.mT, UPLO="U")[1], (2, 4, 4),
                    torch_fn=lambda torch, x: eigh_signed(torch, x + x.mT, "U"))],
        op=Excluded("its sign is a convention PyTorch does not share; the cases compare "
                    "with PyTorch's eigenvectors given chainrule's signs"),
        extremes=[Extreme(lambda lib, x: eigh_vectors(lib, x.reshape(2, 2)),
                          lambda b, s, t: [[2.0, s, s, 1.0]], rtol=1e-6)]),
    "QrQ": Entry(
        cases=[case(lambda lib, x: lib.linalg.qr(x)[0], (4, 3)),
               case(lambda lib, x: lib.linalg.qr(x)[0], (2, 3, 5)),
               case(lambda lib, x: lib.linalg.qr(x, mode="complete")[0], (3, 3))],
        op=Excluded("random graphs make rank-deficient matrices (x - x), where R has no "
                    "inverse and the gradient is not finite"),
        extremes=[Extreme(lambda lib, x: lib.linalg.qr(x.reshape(2, 2))[0],
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6)]),
    "QrR": Entry(
        cases=[case(lambda lib, x: lib.linalg.qr(x)[1], (4, 3)),
               case(lambda lib, x: lib.linalg.qr(x)[1], (2, 3, 5)),
               case(lambda lib, x: lib.linalg.qr(x, mode="complete")[1], (3, 4))],
        op=Excluded("random graphs make rank-deficient matrices (x - x), where R has no "
                    "inverse and the gradient is not finite"),
        extremes=[Extreme(lambda lib, x: lib.linalg.qr(x.reshape(2, 2))[1],
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6)]),

    # the pseudo-inverse: full-rank tall, wide and symmetric matrices (hermitian=True reads
    # one triangle, so it gets x + x^T), where the rank does not change nearby
    "Pinv": Entry(
        cases=[case(lambda lib, x: lib.linalg.pinv(x), (4, 3)),
               case(lambda lib, x: lib.linalg.pinv(x), (2, 3, 5)),
               case(lambda lib, x: lib.linalg.pinv(x + x.mT, hermitian=True), (3, 3))],
        op=Excluded("random graphs make rank-deficient matrices (x - x), where the rank, "
                    "and so the pseudo-inverse, jumps"),
        extremes=[Extreme(lambda lib, x: lib.linalg.pinv(x.reshape(2, 2)),
                          lambda b, s, t: [[b ** 0.4, s, t, 1.0]], rtol=1e-6)]),

    # the matrix exponential (ops/matrix_exponential.py): general, batched and nilpotent
    "MatrixExp": Entry(
        cases=[case(lambda lib, x: lib.linalg.matrix_exp(x), (3, 3)),
               case(lambda lib, x: lib.matrix_exp(x), (2, 4, 4)),
               case(lambda lib, x: lib.linalg.matrix_exp(x.triu(1)), (3, 3))],
        op=Op(lambda b, x: ((x,), {}) if len(b.shape(x)) >= 2 and b.shape(x)[-1] ==
              b.shape(x)[-2] else None, lambda lib, x: lib.linalg.matrix_exp(x)),
        extremes=[Extreme(lambda lib, x: lib.linalg.matrix_exp(x.reshape(2, 2)),
                          lambda b, s, t: [[s, t, -0.0, 1.0]]),
                  Extreme(lambda lib, x: lib.linalg.matrix_exp(x.reshape(2, 2)),
                          lambda b, s, t: [[-30.0, 2.0, 0.0, 5.0]], rtol=1e-6)]),

    # ===== attention (ops/attention.py): F.scaled_dot_product_attention is one gate ========
    # masks: boolean (True attends; query 1 attends to nothing, so its output is 0), a float
    # mask that gets a gradient, causal; batch dims that broadcast; grouped-query heads.
    # E = 4 where the scale is the default 1 / sqrt(E): explain prints parameters to 6
    # digits, and test_formulas evaluates the printed rows to 1e-11
    "ScaledDotProductAttention": Entry(
        cases=[case(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v),
                    (2, 3, 4, 4), (2, 3, 6, 4), (2, 3, 6, 7)),
               case(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
                   q, k, v, attn_mask=lib.tensor(ATTENTION_MASK)), (2, 4, 4), (2, 5, 4), (2, 5, 2)),
               case(lambda lib, q, k, v, m: lib.nn.functional.scaled_dot_product_attention(
                   q, k, v, attn_mask=m, scale=0.7), (2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 2),
                    (4, 5)),
               case(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
                   q, k, v, is_causal=True), (2, 4, 4), (2, 6, 4), (2, 6, 3)),
               case(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
                   q, k, v), (2, 3, 4, 4), (1, 6, 4), (3, 6, 2)),
               case(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
                   q, k, v, enable_gqa=True), (1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3))],
        op=Op(lambda b, x: None if len(b.shape(x)) < 2 else
              ((x, b.shaped(b.shape(x)), b.shaped(b.shape(x))), {}),
              lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v)),
        extremes=[Extreme(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
            q, k, v), lambda b, s, t: [[[b ** 0.25, s], [-0.0, 1.0]], [[b ** 0.25, t], [1.0, 0.0]],
                                       [[b ** 0.4, s], [t, -1.0]]], rtol=1e-6)]),

    # ===== recurrent (ops/recurrent.py): one LSTM step, [h', c'] stacked ====================
    "LSTMStep": Entry(
        cases=[case(lstm_step, (3, 8), (3, 2)),
               case(lstm_step, (2, 3, 12), (2, 3, 3)),
               case(lstm_step, (8,), (2,))],
        op=Op(lambda b, x: None if not b.shape(x) or b.shape(x)[-1] % 4 else
              ((x, b.shaped(b.shape(x)[:-1] + (b.shape(x)[-1] // 4,))), {}), lstm_step),
        extremes=[Extreme(lstm_step,
                          lambda b, s, t: [[b ** 0.5, -b ** 0.5, s, t, 0.0, -0.0, 1.0, -1.0],
                                           [t, -s]])]),
    "GRUStep": Entry(
        cases=[case(gru_step, (3, 6), (3, 6), (3, 2)),
               case(gru_step, (2, 3, 9), (2, 3, 9), (2, 3, 3)),
               case(gru_step, (6,), (6,), (2,))],
        op=Op(lambda b, x: None if not b.shape(x) or b.shape(x)[-1] % 3 else
              ((x, b.shaped(b.shape(x)), b.shaped(b.shape(x)[:-1] + (b.shape(x)[-1] // 3,))),
               {}), gru_step),
        extremes=[Extreme(gru_step, lambda b, s, t: [[b ** 0.5, -b ** 0.5, s, t, 0.0, -0.0],
                                                     [1.0, -1.0, t, -s, 2.0, 0.5], [t, -s]])]),
}


def all_cases():
    """``(gate name, case index, case)`` for every case of the table, in a stable order."""
    return [(name, i, c) for name, entry in GATES.items() for i, c in enumerate(entry.cases)]


def case_seed(name, index):
    return zlib.crc32(f"{name}-{index}".encode())

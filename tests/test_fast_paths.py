"""The engine's shortcuts give the same results as the plain way: Python numbers as cached 0-d
operands, tensors made on the inline fast paths, gates run newest first, anomaly mode shared
by all threads."""
import threading

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd.gate import REGISTRY
from chainrule.dtypes import SCALAR_OPERANDS, ScalarOperands
from chainrule.tensor import new_tensor

TENSOR_SLOTS = [name for name in cr.Tensor.__slots__ if name != "__weakref__"]


# ----- every way of making a tensor fills every slot ------------------------------------
def made_every_way():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    double = cr.autograd.Function
    yield "cr.tensor", x
    yield "new_tensor", new_tensor(np.ones(2), None)
    yield "unary, recorded", x.tanh()
    yield "unary, not recorded", x.detach().exp()
    yield "binary, recorded", x * 2.0
    yield "binary, reflected", 2.0 - x
    yield "binary, not recorded", x.detach() + x.detach()
    yield "apply", cr.sum(x)
    yield "parameter", cr.nn.Parameter(cr.zeros(2))

    class Double(double):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    yield "custom Function", Double.apply(x)


@pytest.mark.parametrize("how, tensor", list(made_every_way()), ids=lambda v: str(v)[:20])
def test_every_construction_path_fills_every_tensor_slot(how, tensor):
    missing = [name for name in TENSOR_SLOTS if not hasattr(tensor, name)]
    assert not missing, f"{how} leaves {missing} unset"


# ----- Python numbers beside float arrays -----------------------------------------------
NUMBERS = [1.01, -2.5, 3, -7, 1e-50, 1e30, 2 ** 40, float("inf"), float("-inf"), 0.0, -0.0, 0]
FLOATS = [np.float16, np.float32, np.float64]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_a_number_beside_a_tensor_gives_numpys_bits_and_dtype(dtype, number):
    values = np.array([-1.5, 0.0, 0.3, 2.0], dtype)
    x = cr.tensor(values)
    with np.errstate(all="ignore"):
        for op, expected in [
            (lambda t: t * number, values * number),
            (lambda t: number * t, number * values),
            (lambda t: t + number, values + number),
            (lambda t: number - t, number - values),
            (lambda t: t / number, values / number if number else values / number),
            (lambda t: t.maximum(cr.tensor(values)) ** 2 + number, values ** 2 + number),
        ]:
            out = op(x)
            assert out.dtype == expected.dtype
            np.testing.assert_array_equal(out.detach().numpy(), expected)


@pytest.mark.parametrize("dtype", FLOATS)
def test_the_gradient_through_a_number_operand_is_numpys(dtype):
    values = np.array([0.5, -1.25, 2.0], dtype)
    x = cr.tensor(values, requires_grad=True)
    (x * 1.01 / 3.0).sum().backward()
    # backward runs the chain from the output: d/dx = (1 / 3.0) * 1.01, in that order
    np.testing.assert_array_equal(x.grad.detach().numpy(), np.ones(3, dtype) / 3.0 * 1.01)


def test_integer_and_bool_tensors_keep_pytorchs_rules_with_numbers():
    ints = cr.tensor([1, 2, 3])
    assert (ints * 2).dtype == cr.int64
    assert (ints * 1.5).dtype == cr.float32          # PyTorch: int tensor times a float
    np.testing.assert_array_equal((ints * 1.5).detach().numpy(), [1.5, 3.0, 4.5])
    flags = cr.tensor([True, False])
    assert (flags + 1).dtype == cr.int64


def test_a_dtype_outside_the_float_caches_keeps_numpys_rules():
    odd = new_tensor(np.array([1, 2], np.uint16), None)   # not a dtype cr.tensor makes
    assert (odd * 3).detach().numpy().tolist() == [3, 6] and (odd * 3).dtype == np.uint16


def test_signed_zeros_are_never_confused():
    x = cr.tensor([1.0, -1.0])
    with np.errstate(divide="ignore"):
        assert (x / 0.0).tolist() == [np.inf, -np.inf]
        assert (x / -0.0).tolist() == [-np.inf, np.inf]
    assert np.signbit((x * -0.0).detach().numpy()).tolist() == [True, False]


def test_cached_operands_are_read_only_and_the_cache_stays_bounded():
    cache = SCALAR_OPERANDS[np.dtype("float32")]
    operand = cache[0.125]
    assert operand.dtype == np.float32 and not operand.flags.writeable
    with pytest.raises(ValueError):
        operand[...] = 5
    x = cr.tensor([1.0])
    for i in range(ScalarOperands.size + 10):
        x * (i + 0.5)
    assert len(cache) <= ScalarOperands.size
    assert (x * 0.125).item() == 0.125   # a value evicted and made again is still right


def test_numbers_are_kept_as_given_where_the_graph_is_shown():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.01
    assert y.grad_fn.tensors[1] == 1.01 and type(y.grad_fn.tensors[1]) is float


# ----- gates run newest first ------------------------------------------------------------
def all_gates(out):
    stack, seen = [out.grad_fn], {}
    while stack:
        node = stack.pop()
        if node is not None and id(node) not in seen:
            seen[id(node)] = node
            stack += [t.grad_fn for t in node.tensors if isinstance(t, cr.Tensor)]
    return list(seen.values())


def test_every_gate_is_newer_than_the_gates_that_made_its_inputs():
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    a = x.exp()
    b = x * 3.0          # made after a but consumed before it below
    c = (b.sin() + a) * a.cos()
    out = (c + b).sum()
    for node in all_gates(out):
        for t in node.tensors:
            if isinstance(t, cr.Tensor) and t.grad_fn is not None:
                assert t.grad_fn.seq < node.seq


def test_paths_of_different_lengths_meet_with_the_whole_gradient():
    # x reaches out through 1, 2 and 4 gates: x's gate must wait for all three paths
    x = cr.tensor(0.7, dtype=cr.float64, requires_grad=True)
    u = x * 2.0
    long_path = ((u + 1.0).exp() * 0.5).sin()
    out = u + u.tanh() + long_path
    out.backward()
    v = 0.7 * 2.0
    expected = 2.0 * (1 + (1 - np.tanh(v) ** 2)
                      + np.cos(0.5 * np.exp(v + 1.0)) * 0.5 * np.exp(v + 1.0))
    assert x.grad.item() == pytest.approx(expected, rel=1e-12)


def test_a_graph_used_by_an_older_and_a_newer_output_is_walked_once_per_path():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    y = x ** 3
    z = y * 2.0
    gy, = cr.autograd.grad([y.sum(), z.sum()], x)
    np.testing.assert_allclose(gy.detach().numpy(), 3 * x.detach().numpy() ** 2 * 3)


def test_a_released_gate_is_refused_even_when_nothing_changed_in_place():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    shared = x.exp()
    first, second = (shared * 2.0).sum(), (shared * 3.0).sum()
    first.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        second.backward()


def test_released_gates_hold_no_array_or_tensor_after_backward():
    """Release drops the inputs, the output and every value a gate declares in ``saves``:
    nothing a gate's forward kept outlives backward (the graph would pin the memory). A gate
    that may run again (its rows read nothing saved) keeps its leaf inputs, as PyTorch's
    AccumulateGrad does, and only an Edge (gate, shape, dtype) of the others."""
    x = cr.tensor([[0.5, 2.0, 1.0]], requires_grad=True)
    y = cr.tensor([[1.5, 2.0, 0.5]], requires_grad=True)
    W = cr.tensor(np.ones((2, 3)), requires_grad=True)
    outputs = [x + y, x - y, x * y, x / y, x ** y, -x, abs(x), x.exp(), x.log(), x.sqrt(),
               x.sin(), x.cos(), x.tanh(), x.maximum(y), x.minimum(y), x.relu(), x.sigmoid(),
               x.clamp(0.6, 1.5), x @ W.T, cr.nn.functional.linear(x, W), x.max(1).values,
               x.softmax(1), x.log_softmax(1), x.logsumexp(1), x.mean(0), x[0, 1:],
               x.reshape(3), x.T, cr.cat([x, y]), cr.stack([x, y]), x.expand(2, 3),
               cr.nn.functional.cross_entropy(x, cr.tensor([1])), x.max()]
    sum(out.sum() for out in outputs).backward()
    for out in outputs:
        node = out.grad_fn
        assert node.released, type(node).__name__
        values = list(vars(node).values())
        values += [v for value in values if isinstance(value, (tuple, list)) for v in value]
        kept = [value for value in values if isinstance(value, (np.ndarray, cr.Tensor))
                and not (node.reruns and isinstance(value, cr.Tensor) and value.grad_fn is None
                         and any(value is t for t in node.tensors))]
        assert not kept, type(node).__name__


# ----- anomaly mode ----------------------------------------------------------------------
def test_anomaly_mode_is_process_wide_as_in_pytorch():
    seen = []
    with cr.autograd.detect_anomaly():
        worker = threading.Thread(target=lambda: seen.append(cr.autograd.is_anomaly_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]
    assert not cr.autograd.is_anomaly_enabled()


BINARY_WITH_NUMBERS = [lambda t, n: t + n, lambda t, n: n + t, lambda t, n: t - n,
                       lambda t, n: n - t, lambda t, n: t * n, lambda t, n: n * t,
                       lambda t, n: t / n, lambda t, n: n / t, lambda t, n: t ** n,
                       lambda t, n: n ** t, lambda t, n: t.maximum(n), lambda t, n: t.minimum(n)]


@pytest.mark.parametrize("op", BINARY_WITH_NUMBERS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_a_number_operand_gives_the_gradient_a_0d_tensor_operand_gives(op, shape):
    # a number skips the engine's shape check; a 0-d tensor goes through it
    values = np.random.default_rng(1).uniform(0.5, 2.0, shape)
    x = cr.tensor(values, requires_grad=True)
    op(x, 1.5).sum().backward()
    via_number = x.grad.detach().numpy().copy()
    x.grad = None
    op(x, cr.tensor(1.5, dtype=cr.float64)).sum().backward()
    assert via_number.shape == shape
    np.testing.assert_allclose(via_number, x.grad.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype, base", [("float16", 1e5), ("float32", 1e40), ("float32", 0.3),
                                         ("float64", 7.5)])
def test_a_number_base_keeps_its_exact_value_in_pows_backward(dtype, base):
    # ** takes log(base) in backward: a base rounded to (or beyond) the dtype would be wrong
    torch = pytest.importorskip("torch")
    values = np.array([-1.5, 0.0, 0.3], dtype)
    x = cr.tensor(values, requires_grad=True)
    with np.errstate(over="ignore"):   # NumPy warns as it casts the base in forward
        (base ** x).sum().backward()
    tx = torch.tensor(values, requires_grad=True)
    (base ** tx).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=2e-3)


def test_a_gradient_reaching_a_number_gate_in_a_wider_dtype_is_cast_first():
    # PyTorch casts each gradient to its input's dtype at every edge; the cached float16
    # operand then gives exactly what the number itself gives NumPy
    torch = pytest.importorskip("torch")
    values, upstream = np.linspace(1, 2, 5), np.linspace(1, 3, 5)
    x = cr.tensor(values, dtype=cr.float16, requires_grad=True)
    out = (x * 0.1) * cr.tensor(np.ones(5), dtype=cr.float64)
    assert out.dtype == cr.float64
    out.backward(cr.tensor(upstream, dtype=cr.float64))
    assert x.grad.dtype == cr.float16
    expected = upstream.astype(np.float16) * 0.1   # NumPy: the number cast to float16
    np.testing.assert_array_equal(x.grad.detach().numpy(), expected)
    tx = torch.tensor(values, dtype=torch.float16, requires_grad=True)
    ((tx * 0.1) * torch.ones(5, dtype=torch.float64)).backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-3)


def test_mixed_float32_and_float64_gradients_arrive_in_each_inputs_dtype():
    x = cr.tensor([1.0, 2.0], requires_grad=True)                     # float32
    w = cr.tensor([0.5, 0.25], dtype=cr.float64, requires_grad=True)
    h = x.exp()
    seen = []
    h.register_hook(lambda g: seen.append(g.dtype))
    (h * w).sum().backward()
    assert seen == [cr.float32] and x.grad.dtype == cr.float32 and w.grad.dtype == cr.float64
    np.testing.assert_allclose(x.grad.detach().numpy(), np.exp([1.0, 2.0]) * [0.5, 0.25], rtol=1e-6)


@pytest.mark.parametrize("dtype", [cr.float16, cr.float32])
def test_a_number_base_leaves_the_gradient_in_the_tensors_dtype(dtype):
    x = cr.tensor([0.5, 1.5], dtype=dtype, requires_grad=True)
    a = x * 1
    seen = []
    a.register_hook(lambda g: seen.append(g.dtype))
    (dx,) = cr.autograd.grad((2.0 ** a).sum(), x)
    assert seen == [dtype] and dx.dtype == dtype

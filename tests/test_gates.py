"""Every gate of the registry, on every case of the gate table (tests/gate_table.py):
gradient-checked in float64 against central differences, compared with PyTorch forward and
backward, and differentiated again (second derivatives against central differences of the
gradient, Hessian-vector products against PyTorch)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import REGISTRY
from chainrule.autograd.engine import holds_array
from chainrule.autograd.gate import GEOMETRY
from gate_table import GATES, Excluded, Op, all_cases, case_seed

CASES = [pytest.param(name, i, c, id=f"{name}-{i}") for name, i, c in all_cases()]


@pytest.mark.parametrize("name", sorted(set(REGISTRY) | set(GATES)))
def test_every_registered_gate_has_an_entry(name):
    """The one check that the gate table and the registry name the same gates, and that
    each entry has what every test of the table reads."""
    assert name in GATES, (f"{name} has no entry in tests/gate_table.py GATES; add one "
                           f"(see the table's docstring)")
    assert name in REGISTRY, f"tests/gate_table.py has an entry for {name}, no registered gate"
    entry = GATES[name]
    assert entry.cases, f"{name}: no sample cases"
    assert isinstance(entry.op, (Op, Excluded)), f"{name}: op is an Op or an Excluded(reason)"
    assert not isinstance(entry.op, Excluded) or entry.op.reason, f"{name}: excluded, no reason"
    assert entry.extremes, f"{name}: no extreme-input rows"


def chainrule_inputs(arrays):
    return [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]


def torch_inputs(torch, arrays):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def weighted_sum(lib, out, weight):
    """A scalar whose gradient is the vector-Jacobian product with ``weight``."""
    return (out * lib.tensor(weight, dtype=out.dtype)).sum()


def gradients(lib, out, inputs, weight, create_graph=False):
    """d sum(weight * out) / d inputs, with zeros for inputs the output does not depend on."""
    if lib is cr:
        grads = cr.autograd.grad(weighted_sum(lib, out, weight), inputs,
                                 create_graph=create_graph, allow_unused=True)
    else:
        grads = lib.autograd.grad(weighted_sum(lib, out, weight), inputs,
                                  create_graph=create_graph, allow_unused=True)
    return [lib.zeros_like(x) if gi is None else gi for gi in grads]


def hessian_vector_products(lib, out, inputs, weight, directions):
    """d/d inputs of sum_i <grad_i, direction_i>, the gradient taken with create_graph."""
    grads = gradients(lib, out, inputs, weight, create_graph=True)
    terms = [(gi * lib.tensor(v, dtype=gi.dtype)).sum()
             for gi, v in zip(grads, directions) if gi.requires_grad]
    if not terms:   # the gradient does not depend on the inputs: the Hessian is zero
        return [np.zeros(x.shape) for x in inputs]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    second = lib.autograd.grad(total, inputs, allow_unused=True)
    return [np.zeros(tuple(x.shape)) if h is None else to_numpy(h) for h, x in zip(second, inputs)]


def to_numpy(t):
    if isinstance(t, cr.Tensor):
        return t.detach().numpy()
    return t.detach().numpy(force=True)   # force: PyTorch's lazy zero tensors too


@pytest.mark.parametrize("name, index, case", CASES)
def test_gate(name, index, case):
    torch = pytest.importorskip("torch")
    arrays = case.arrays(case_seed(name, index))
    xs = chainrule_inputs(arrays)
    out = case.run(cr, *xs)
    assert type(out.grad_fn).__name__ == name, (
        f"case {index} of {name} ends in {type(out.grad_fn).__name__}, not in {name}")
    for saved in set(out.grad_fn.saves) & GEOMETRY:   # sizes and axes only (gate.GEOMETRY)
        assert not holds_array(out.grad_fn.__dict__.get(saved)), (
            f"{name} saves an array as {saved!r}, a name kept for sizes and axes")
    options = case.gradcheck_options
    rtol, atol = options.get("rtol", 1e-7), options.get("atol", 1e-9)

    # first derivatives: central differences
    assert cr.gradcheck(lambda *inputs: case.run(cr, *inputs), xs, **options)

    # PyTorch: forward and backward
    rng = np.random.default_rng(case_seed(name, index) + 1)
    weight = rng.standard_normal(out.shape)
    txs = torch_inputs(torch, arrays)
    tout = case.run(torch, *txs)
    assert tuple(out.shape) == tuple(tout.shape)
    assert out.dtype == np.dtype(str(tout.dtype).replace("torch.", ""))
    np.testing.assert_allclose(out.detach().numpy(), to_numpy(tout), rtol=rtol, atol=atol)
    ours = gradients(cr, out, xs, weight)
    theirs = gradients(torch, tout, txs, weight)
    for g, tg in zip(ours, theirs):
        np.testing.assert_allclose(g.detach().numpy(), to_numpy(tg), rtol=rtol, atol=atol)

    # second derivatives: central differences of the gradient, and Hessian-vector products
    def first_derivatives(*inputs):
        with cr.enable_grad():   # gradcheck evaluates under no_grad
            return tuple(gradients(cr, case.run(cr, *inputs), inputs, weight, create_graph=True))

    assert cr.gradcheck(first_derivatives, xs, **options)
    directions = [rng.standard_normal(a.shape) for a in arrays]
    ours = hessian_vector_products(cr, case.run(cr, *xs), xs, weight, directions)
    theirs = hessian_vector_products(torch, case.run(torch, *txs), txs, weight, directions)
    for h, th in zip(ours, theirs):
        np.testing.assert_allclose(h, th, rtol=1e-6, atol=1e-8)


THIRD_ORDER = {
    "pow": lambda lib, x: x ** 4,
    "exp": lambda lib, x: x.exp(),
    "log": lambda lib, x: (x * x + 1).log(),
    "tanh": lambda lib, x: x.tanh(),
    "sigmoid": lambda lib, x: x.sigmoid(),
    "sin": lambda lib, x: x.sin(),
    "div": lambda lib, x: 1 / (x * x + 1),
    "softmax": lambda lib, x: x.softmax(0),
    "logsumexp": lambda lib, x: x.logsumexp(0),
    # x is both the image and (through sin) the kernel, so the third derivative runs through
    # the backward of the backward of the convolution for both of its inputs
    "conv2d": lambda lib, x: lib.nn.functional.conv2d(x.reshape(1, 1, 1, 3),
                                                      x.sin().reshape(1, 1, 1, 3),
                                                      padding=(0, 1)).reshape(3),
}


@pytest.mark.parametrize("name", sorted(THIRD_ORDER))
def test_third_derivative_matches_torch(name):
    torch = pytest.importorskip("torch")
    fn = THIRD_ORDER[name]
    values = np.array([-0.7, 0.2, 1.3])
    weight = np.array([0.5, -1.0, 2.0])
    results = []
    for lib in (cr, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        out = (fn(lib, x) * lib.tensor(weight, dtype=lib.float64)).sum()
        (d1,) = lib.autograd.grad(out, x, create_graph=True)
        (d2,) = lib.autograd.grad(d1.sum(), x, create_graph=True)
        (d3,) = lib.autograd.grad(d2.sum(), x)
        results.append([to_numpy(d) for d in (d1, d2, d3)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


TIES = {
    "relu at 0": (lambda lib, x: x.relu(), [0.0, 1.0]),
    "abs at 0": (lambda lib, x: x.abs(), [0.0, -1.0]),
    "clamp at its ends": (lambda lib, x: x.clamp(-1.0, 1.0), [-1.0, 1.0, 2.0]),
    "maximum at a tie": (lambda lib, x: lib.maximum(x, lib.tensor([1.0, 0.0], dtype=x.dtype)),
                         [1.0, -1.0]),
    "minimum at a tie": (lambda lib, x: lib.minimum(x, lib.tensor([1.0, 0.0], dtype=x.dtype)),
                         [1.0, -1.0]),
    "max of all, tied": (lambda lib, x: x.max(), [3.0, 1.0, 3.0]),
    "min of all, tied": (lambda lib, x: x.min(), [0.0, 1.0, 0.0]),
    "max along a dim, tied": (lambda lib, x: x.max(0).values, [3.0, 1.0, 3.0]),
    "min along a dim, tied": (lambda lib, x: x.min(0).values, [0.0, 1.0, 0.0]),
}


@pytest.mark.parametrize("name", sorted(TIES))
def test_subgradient_at_ties_matches_torch(name):
    """At kinks and ties the gradient is a choice; ours is PyTorch's (see docs/engine.md)."""
    torch = pytest.importorskip("torch")
    fn, values = TIES[name]
    grads = []
    for lib in (cr, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        fn(lib, x).sum().backward()
        grads.append(to_numpy(x.grad))
    np.testing.assert_array_equal(grads[0], grads[1])


def test_tie_choices_are_the_documented_ones():
    x = cr.tensor([0.0, 2.0, 2.0, -1.0], requires_grad=True)
    ((x.relu() + x.abs()).sum() + x.max()).backward()
    assert x.grad.tolist() == [0.0, 2.5, 2.5, -1.0]
    y = cr.tensor([[2.0, 2.0]], requires_grad=True)
    y.max(1).values.sum().backward()
    assert y.grad.tolist() == [[1.0, 0.0]]

"""Every gate's formulas against its code, on the cases of the gate table (conftest.GATE_CASES).

* the forward formula, evaluated on the inputs, gives the forward's output;
* elementwise gates: each local derivative, evaluated, equals float64 central differences of
  the gate's output with respect to that input;
* other gates: each vector-Jacobian product, evaluated with a random ``g``, equals what the
  gate's backward returns.
"""
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import REGISTRY
from chainrule.autograd.formulas import (FUNCTIONS, evaluate, names, node_values,
                                         unbroadcast)
from chainrule.autograd.xp import ARRAYS
from conftest import GATE_CASES, all_cases, case_seed, chainrule_inputs

CASES = [pytest.param(name, i, c, id=f"{name}-{i}")
         for name, i, c in all_cases() if c.formulas]


def test_every_registered_gate_has_cases():
    missing = sorted(set(REGISTRY) - set(GATE_CASES))
    assert not missing, f"gates without cases in tests/conftest.py GATE_CASES: {missing}"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_gate_declares_its_formulas(name):
    gate = REGISTRY[name]
    assert gate.label != "?" and gate.formula, f"{name} needs a label and a formula"
    assert gate.derivatives, f"{name} needs one derivative formula per differentiable input"
    unknown = set(gate.derivatives) - set(gate.inputs) - {"xs"}
    assert not unknown, f"{name}.derivatives names {unknown}, which are not inputs {gate.inputs}"
    for formula in (gate.formula, *gate.derivatives.values()):
        names(formula)   # parses


def recorded(name, index, case):
    """The case run once in float64: its inputs, output and the node of the gate under test."""
    xs = chainrule_inputs(case.arrays(case_seed(name, index)))
    out = case.run(cr, *xs)
    assert type(out.grad_fn).__name__ == name
    return xs, out, out.grad_fn


@pytest.mark.parametrize("name, index, case", CASES)
def test_forward_formula(name, index, case):
    xs, out, node = recorded(name, index, case)
    values = node_values(node, out.data)
    expected = values.pop("out")
    result = evaluate(node.formula, values)
    # a reduction to a scalar (cross-entropy) comes out of the formula with its dims kept
    assert np.size(result) == np.size(expected), (name, node.formula)
    np.testing.assert_allclose(np.reshape(result, np.shape(expected)), expected, rtol=1e-6,
                               atol=1e-9, err_msg=node.formula)


@pytest.mark.parametrize("name, index, case", CASES)
def test_derivative_formulas(name, index, case):
    xs, out, node = recorded(name, index, case)
    if node.elementwise:
        check_local_derivatives(node, out, xs, case)
    else:
        check_vector_jacobian_products(node, out, index)


def check_local_derivatives(node, out, xs, case):
    """d out / d input, element by element: formula against central differences."""
    values = node_values(node, out.data)
    eps = case.gradcheck_options.get("eps", 1e-6)
    atol = case.gradcheck_options.get("atol", 1e-6)
    for name, x in zip(node.inputs, node.tensors):
        if not (isinstance(x, cr.Tensor) and x.requires_grad):
            continue
        assert name in node.derivatives, f"{type(node).__name__} has no derivative for {name}"
        formula = node.derivatives[name]
        assert "g" not in names(formula), f"a local derivative does not use g: {formula}"
        position = next(i for i, t in enumerate(xs) if t is x)
        numeric = central_difference(case, xs, position, eps)
        local = np.broadcast_to(evaluate(formula, values), out.shape)
        np.testing.assert_allclose(local, numeric, rtol=1e-5, atol=atol, err_msg=formula)


def central_difference(case, xs, position, eps):
    """(f(x + eps) - f(x - eps)) / 2 eps, shifting one whole input: for an elementwise gate
    that is the local derivative of every output element."""
    def shifted(step):
        inputs = list(xs)
        inputs[position] = cr.tensor(xs[position].data + step)
        with cr.no_grad():
            return case.run(cr, *inputs).data.astype(np.float64)
    return (shifted(eps) - shifted(-eps)) / (2 * eps)


def check_vector_jacobian_products(node, out, index):
    g = np.random.default_rng(index).standard_normal(out.shape)
    values = node_values(node, out.data, g)
    grads = node.backward(g, ARRAYS)
    wanted = [(name, x, gx) for name, x, gx in zip(node.inputs, node.arrays, grads)
              if gx is not None]
    assert wanted, f"{type(node).__name__}.backward returned no gradient"
    if "xs" in node.derivatives:
        results = evaluate(node.derivatives["xs"], values)
        assert len(results) == len(grads)
        results = [r for r, gx in zip(results, grads) if gx is not None]
    else:
        results = [evaluate(node.derivatives[name], values) for name, _, _ in wanted]
    for (name, x, gx), result in zip(wanted, results):
        shape = np.shape(x)
        result = np.broadcast_to(result, np.broadcast_shapes(np.shape(result), shape))
        np.testing.assert_allclose(unbroadcast(result, shape), unbroadcast(gx, shape),
                                   rtol=1e-6, atol=1e-9, err_msg=node.derivatives.get(name))


def test_vocabulary_is_the_documented_one():
    documented = set(re.findall(r"\w+", cr.autograd.formulas.__doc__))
    assert not set(FUNCTIONS) - documented


def test_reductions_keep_dims_so_that_derivatives_broadcast():
    x = np.arange(6.0).reshape(2, 3)
    assert evaluate("sum(x, 1)", {"x": x}).shape == (2, 1)
    assert evaluate("max(x)", {"x": x}).shape == (1, 1)
    np.testing.assert_allclose(evaluate("x - logsumexp(x, 0)", {"x": x}),
                               np.log(np.exp(x) / np.exp(x).sum(0)))


def test_list_and_index_functions():
    g = np.arange(12.0).reshape(3, 4)
    left, right = evaluate("split(g, [1, 3], 1)", {"g": g})
    assert left.shape == (3, 1) and right.shape == (3, 3)
    assert [row.tolist() for row in evaluate("unbind(g, 0)", {"g": g})] == g.tolist()
    added = evaluate("scatter_add(zeros(3), index, v)",
                     {"index": np.array([0, 2, 2]), "v": np.array([1.0, 2.0, 3.0])})
    assert added.tolist() == [1.0, 0.0, 5.0]
    assert evaluate("onehot(t, 3)", {"t": np.array([2, 0])}).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert evaluate("unbroadcast(g, (1, 4))", {"g": g}).tolist() == [[12, 15, 18, 21]]


def test_unknown_name_is_named():
    with pytest.raises(NameError, match="uses q"):
        evaluate("x + q", {"x": 1.0})


def test_bad_formula_says_so():
    with pytest.raises(ValueError, match="not a Python expression"):
        names("x +")


def test_formulas_cannot_reach_python_builtins():
    with pytest.raises(NameError, match="__import__"):
        evaluate("__import__('os')", {})

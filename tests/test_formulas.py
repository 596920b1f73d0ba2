"""Every printed formula, computed: on every sample case of the gate table
(tests/gate_table.py), in float32 and in float64.

For each case the gate runs on named leaves of the dtype, and ``cr.explain`` explains
``L = sum(out * G)`` with a random ``G``, so that the terms from ``out`` back to its inputs are
printed with the upstream gradient ``dL/dout = G``. Then:

* each printed term (the text of the backward table: the gate's row in the user's names,
  with the sum over the axes broadcasting stretched that explain adds) is evaluated with
  the row vocabulary (``rows.evaluate``) on the graph's values, and must equal the gradient
  the engine computes for that input (``autograd.grad(out, inputs, G)``);
* the printed forward formula, evaluated the same way, must equal the forward output.

Nothing here compares strings with strings: a formula counts only by its value. The rest of
the file checks that a row naming something unknown fails when its gate class is defined.
"""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import REGISTRY, Gate
from chainrule.autograd.rows import RowError, evaluate, names_in
from chainrule.autograd.vocabulary import ARRAYS
from chainrule.explain.graph import key_of, name_nodes, topological
from gate_table import all_cases, case_seed

DTYPES = (np.float32, np.float64)
TOLERANCE = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-11, atol=1e-13)}
UPSTREAM = "upstream_"      # what the test calls dL/dout when it evaluates a printed term

CASES = [pytest.param(name, i, c, dtype, id=f"{name}-{i}-{np.dtype(dtype).name}")
         for name, i, c in all_cases() for dtype in DTYPES]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_gate_declares_its_formulas(name):
    gate = REGISTRY[name]
    assert gate.label != "?" and gate.formula, f"{name} needs a label and a formula"
    assert gate.derivatives or gate.cases, f"{name} needs one row per differentiable input"


class Explained:
    """One case run in one dtype: the gate's node, its output, and ``cr.explain`` of
    ``L = sum(out * G)`` with the values of every named node."""

    def __init__(self, name, index, case, dtype):
        rng = np.random.default_rng(case_seed(name, index))
        self.leaves = [cr.tensor(a.astype(dtype), requires_grad=True, name=f"in{i}")
                       for i, a in enumerate(case.arrays(case_seed(name, index)))]
        self.out = case.run(cr, *self.leaves)
        node = self.out.grad_fn
        assert node is not None and type(node).__name__ == name, \
            f"in {np.dtype(dtype).name} the case does not end in {name}"
        self.node = node
        self.out.name = "out"
        # a gate whose output has another dtype (a cast) is compared in the coarser one
        coarse = np.float32 in (dtype, self.out.dtype.type)
        self.tolerance = TOLERANCE[np.float32 if coarse else np.float64]
        self.G = rng.standard_normal(self.out.shape).astype(self.out.dtype)
        loss = (self.out * cr.tensor(self.G)).sum()
        loss.name = "L"
        self.explanation = cr.explain(loss)
        nodes = topological(loss)
        name_nodes(nodes)                    # the names explain gave them
        self.values = {n.name: n.data for n in nodes}
        self.names = {id(key_of(n)): n.name for n in nodes}
        self.values[UPSTREAM] = self.G
        self.values["inf"] = np.inf

    def evaluate(self, printed):
        """A printed formula's value: its names are nodes of the graph, the upstream
        gradient, or values the gate saved that are shown by name (``index``, ``mask``)."""
        text = printed.replace("dL/dout", UPSTREAM)
        saved = {n: getattr(self.node, n) for n in names_in(text)
                 if n not in self.values and hasattr(self.node, n)}
        return evaluate(text, {**self.values, **saved}, ARRAYS)

    def operands(self):
        """(name, tensor) of each input of the gate that gets a gradient."""
        return [(self.names[id(key_of(t))], t) for t in self.node.tensors
                if isinstance(t, cr.Tensor) and t.requires_grad]


@pytest.mark.parametrize("name, index, case, dtype", CASES)
def test_printed_derivatives_equal_the_engine_gradient(name, index, case, dtype):
    run = Explained(name, index, case, dtype)
    operands = run.operands()
    assert operands, f"{name}: no input of the case gets a gradient"
    engine = cr.autograd.grad(run.out, [t for _, t in operands], cr.tensor(run.G),
                              retain_graph=True, allow_unused=True)
    table = str(run.explanation)
    for (operand, tensor), expected in zip(operands, engine):
        terms = [t for t in run.explanation.step(operand).terms if t.consumer == "out"]
        assert terms, f"{name}: no printed term for {operand}"
        assert expected is not None, f"{name}: the engine gives {operand} no gradient"
        total = 0
        for term in terms:
            assert term.formula in table
            value = np.asarray(run.evaluate(term.formula))
            assert value.shape == tensor.shape, \
                f"{name}: d/d{operand} = {term.formula} has shape {value.shape}, " \
                f"the input {tuple(tensor.shape)}"
            total = total + value
        np.testing.assert_allclose(total, expected.detach().numpy(), **run.tolerance,
                                   err_msg=f"{name}: {[t.formula for t in terms]}")


@pytest.mark.parametrize("name, index, case, dtype", CASES)
def test_printed_forward_formula_equals_the_output(name, index, case, dtype):
    run = Explained(name, index, case, dtype)
    step = next(s for s in run.explanation.forward if s.name == "out")
    value = np.asarray(run.evaluate(step.formula))
    assert value.shape == tuple(run.out.shape), (step.formula, value.shape)
    np.testing.assert_allclose(value, run.out.detach().numpy(), **run.tolerance,
                               err_msg=step.formula)


# ----- rows are checked when a gate class is defined --------------------------------------
def define_gate(**attributes):
    """A gate class made on the spot (registered when it is defined, as every gate is)."""
    return type("Throwaway", (Gate,), {"label": "throwaway", "formula": "x", **attributes})


@pytest.mark.parametrize("attributes, message", [
    ({"derivatives": {"x": "q * g"}}, "names q"),
    ({"derivatives": {"x": "frobnicate(x)"}}, r"frobnicate\(\)"),
    ({"formula": "x + q", "derivatives": {"x": "1"}}, "formula 'x \\+ q' names q"),
    ({"derivatives": {"y": "g"}}, "not one of its inputs"),
    ({"derivatives": {"x": "g +"}}, "not a Python expression"),
    ({"cases": {"one": {"x": "g"}, "two": {"x": "g * unknown"}}}, "names unknown"),
])
def test_a_row_naming_what_it_cannot_see_fails_at_class_definition(attributes, message):
    with pytest.raises(RowError, match=message):
        define_gate(**attributes)
    assert "Throwaway" not in REGISTRY


def test_a_row_may_name_what_forward_saves():
    gate = define_gate(derivatives={"x": "g * scale"}, saves=("scale",))
    try:
        node = gate.__new__(gate)
        node.scale = 3.0
        node.arrays = (np.ones(2),)
        node.needs_input_grad = (True,)
        assert gate.backward(node, np.ones(2), ARRAYS)[0].tolist() == [3.0, 3.0]
    finally:
        REGISTRY.pop("Throwaway", None)


def test_evaluate_names_what_has_no_value_and_keeps_builtins_out():
    with pytest.raises(RowError, match="names q"):
        evaluate("x + q", {"x": 1.0}, ARRAYS)
    with pytest.raises((RowError, AttributeError)):
        evaluate("__import__('os')", {}, ARRAYS)
    x = np.arange(6.0).reshape(2, 3)
    assert evaluate("sum(x, 1, True)", {"x": x}, ARRAYS).shape == (2, 1)
    assert evaluate("sum(x, dim=0)", {"x": x}, ARRAYS).tolist() == [3.0, 5.0, 7.0]

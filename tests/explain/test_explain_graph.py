"""``cr.explain`` on any graph: names, terms per path, .grad left alone, every gate's formulas
in every format."""
import ast
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import REGISTRY
from chainrule.explain import Explanation
from chainrule.explain.formula import render
from chainrule.explain.steps import BackwardStep, ForwardStep, Term


def leaf(value, name):
    return cr.tensor(value, dtype=cr.float64, requires_grad=True, name=name)


def test_a_node_on_two_paths_shows_two_terms_added():
    x, y = leaf(3.0, "x"), leaf(2.0, "y")
    a = x * y
    out = a + x.exp()                      # x feeds the product and the exponential
    e = cr.explain(out)
    step = e.step("x")
    by_consumer = {t.consumer: t.value for t in step.terms}
    assert by_consumer == pytest.approx({"exp1": np.exp(3.0), "mul1": 2.0})
    assert step.value == pytest.approx(2.0 + np.exp(3.0))
    assert step.formula == "dadd1/dx = dadd1/dexp1 * exp1 + dadd1/dmul1 * y"


def test_explain_leaves_grad_untouched_and_works_before_backward():
    x, w = leaf([1.0, -2.0], "x"), leaf([0.5, 0.25], "w")
    w.grad = cr.tensor([7.0, 7.0], dtype=cr.float64)
    out = (x * w).sum()
    e = cr.explain(out)
    assert x.grad is None
    assert w.grad.tolist() == [7.0, 7.0]
    out.backward()                         # the graph is still whole after explain
    assert x.grad.tolist() == e.grad("x") == [0.5, 0.25]
    assert w.grad.tolist() == [8.0, 5.0]


def test_explain_after_a_freeing_backward_says_what_to_do():
    x = leaf(2.0, "x")
    out = x.exp() * 3
    out.backward()
    with pytest.raises(RuntimeError, match="before out.backward"):
        cr.explain(out)
    y = x.exp() * 3
    y.backward(retain_graph=True)
    assert cr.explain(y).grad("x") == pytest.approx(3 * np.exp(2.0))


def test_automatic_names_say_what_a_node_is():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    out = (x.exp() * x + 1).sum()
    names = [s.name for s in cr.explain(out).forward]
    assert names == ["input1", "exp1", "mul1", "add1", "sum1"]


def test_user_names_win_and_automatic_names_skip_them():
    x = leaf(1.0, "mul1")
    out = x * x * x
    names = [s.name for s in cr.explain(out).forward]
    assert names[0] == "mul1" and len(set(names)) == len(names)


def test_matrix_terms_show_shapes():
    x, W = leaf(np.ones((2, 3)), "x"), leaf(np.ones((3, 4)), "W")
    e = cr.explain((x @ W).sum())
    (term,) = e.step("W").terms
    assert term.formula == "x.T @ dsum1/dmatmul1"
    assert term.shapes == {"dsum1/dmatmul1": [2, 4], "x": [2, 3]}
    assert "[dsum1/dmatmul1: 2x4, x: 2x3]" in str(e)


def test_big_tensors_are_truncated_and_deep_graphs_work():
    x = leaf(np.ones(100), "x")
    out = x
    for _ in range(3000):                  # deeper than Python's recursion limit
        out = out * 1.0
    e = cr.explain(out.sum())
    assert e.forward[0].truncated and len(e.forward[0].value) == cr.explain.__globals__[
        "MAX_VALUES"]
    assert e.grad("x")[:3] == [1.0, 1.0, 1.0]


def test_custom_function_without_formulas_still_explains():
    class Cube(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    x = leaf(2.0, "x")
    e = cr.explain(Cube.apply(x) * 1.0)
    assert e.grad("x") == 12.0
    assert "Cube" in str(e)


def test_unknown_node_and_format_name_the_choices():
    e = cr.explain(leaf(1.0, "x") * 2)
    with pytest.raises(KeyError, match="x"):
        e.step("nope")
    with pytest.raises(ValueError, match="markdown"):
        e.render("pdf")


def symbols_for(gate, formula):
    """Every symbol of a formula written as a longer user name, to exercise substitution."""
    from chainrule.explain.formula import names_in
    return {n: f"{n}_1" if n != "g" else "dL/dz_1" for n in names_in(formula)}


def gate_formulas():
    for name, gate in sorted(REGISTRY.items()):
        formulas = [("forward", gate.formula)] + list(gate.derivatives.items())
        for slot, formula in formulas:
            if formula:
                yield pytest.param(gate, slot, formula, id=f"{name}-{slot}")


TAG = re.compile(r"</?(i|sub|sup)>|&[a-z]+;|&#\d+;")


@pytest.mark.parametrize("gate, slot, formula", list(gate_formulas()))
def test_every_gate_formula_renders_in_all_four_formats(gate, slot, formula):
    text = render(formula, {}, "text")
    assert ast.dump(ast.parse(text, mode="eval")) == ast.dump(ast.parse(formula, mode="eval"))
    symbols = symbols_for(gate, formula)
    latex = render(formula, symbols, "latex")
    assert latex.count("{") == latex.count("}")
    assert re.search(r"(?<!\\)_(?!\{)", latex) is None     # every _ escaped or a subscript
    shown = render(formula, symbols, "html")
    assert "<" not in TAG.sub("", shown) and ">" not in TAG.sub("", shown)
    elementwise = getattr(gate, "elementwise", False) and slot != "forward"
    term = Term(consumer="z_1", gate=gate.__name__, slot=slot, elementwise=elementwise,
                upstream="dL/dz_1", local="", gate_derivative="" if slot == "forward"
                else formula, symbols=symbols, formula=text, shapes={"dL/dz_1": [2, 2]},
                upstream_value=[1.0], local_value=None, value=[1.0])
    forward = ForwardStep(index=1, name="z_1", gate=gate.__name__, label=gate.label,
                          inputs=[], formula=text, gate_formula=formula, symbols=symbols,
                          shape=[2], value=[1.0, 2.0])
    backward = BackwardStep(index=1, name="x_1", shape=[2], symbol="dL/dx_1", terms=[term],
                            formula=text, value=[1.0, 2.0])
    e = Explanation([forward], [backward], "L")
    markdown = e.to_markdown()
    assert f"${latex}$" in markdown or latex in markdown
    assert latex in e.to_latex()
    assert shown in e.to_html()
    assert str(e).count("\n") > 4


def test_formulas_render_names_and_precedence():
    assert render("g @ y.T", {"g": "dL/dz1", "y": "x"}, "text") == "dL/dz1 @ x.T"
    assert render("x ** y", {"x": "q", "y": "-1"}, "text") == "q**(-1)"
    assert render("(x + y) * x", {"x": "a", "y": "2"}, "text") == "(a + 2) * a"
    assert render("-x / y**2", {"x": "1", "y": "d"}, "latex") == r"\frac{-1}{{d}^{2}}"
    assert render("sum(x, dims)", {"x": "y_hat", "dims": None}, "latex") == \
        r"\operatorname{sum}\left(\hat{y}\right)"
    assert render("out * (1 - out)", {"out": "o2"}, "html") == \
        "o<sub>2</sub> &middot; (1 &minus; o<sub>2</sub>)"
    assert render("g * (softmax(x, dim) - y)", {"g": "1", "x": "z2", "dim": "0"}, "text",
                  {"y_hat": "softmax(z2, 0)"}) == "y_hat - y"

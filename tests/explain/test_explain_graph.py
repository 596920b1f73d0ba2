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
    from chainrule.autograd.rows import names_in
    return {n: f"{n}_1" if n != "g" else "dL/dz_1" for n in names_in(formula)}


def gate_formulas():
    """Every gate's forward formula and every row of every case (residuals put in)."""
    for name, gate in sorted(REGISTRY.items()):
        formulas = [("forward", "forward", gate.formula)]
        for case, rows in (gate.cases or {None: gate.derivatives}).items():
            node = gate.__new__(gate)
            node.case = case
            formulas += [(slot, f"{case}-{slot}" if case else slot, row)
                         for slot, row in node.rows().items()]
        for slot, label, formula in formulas:
            if formula:
                yield pytest.param(gate, slot, formula, id=f"{name}-{label}")


def positional(tree):
    """A parsed formula with keyword arguments made positional again (the renderer names a
    flag, ``sum(x, dim, True)`` -> ``sum(x, dim, keepdim=True)``)."""
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            n.args += [k.value for k in n.keywords]
            n.keywords = []
    return ast.dump(tree)


TAG = re.compile(r"</?(i|sub|sup)>|&[a-z]+;|&#\d+;")


@pytest.mark.parametrize("gate, slot, formula", list(gate_formulas()))
def test_every_gate_formula_renders_in_all_four_formats(gate, slot, formula):
    text = render(formula, {}, "text")
    assert positional(ast.parse(text, mode="eval")) == positional(ast.parse(formula, mode="eval"))
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


def test_linear_without_bias_prints_no_none():
    x, W = leaf(np.ones((5, 4)), "x"), leaf(np.ones((3, 4)), "W")
    e = cr.explain(cr.nn.functional.linear(x, W).sum())
    assert "None" not in str(e) + e.to_markdown() + e.to_latex() + e.to_html()
    assert e.forward[2].formula == "x @ W.T"


def test_matrix_times_vector_prints_an_outer_product():
    W, v = leaf(np.ones((3, 4)), "W"), leaf(np.arange(4.0), "v")
    z = W @ v
    z.name = "z"
    e = cr.explain(z.sum())
    (term,) = e.step("W").terms
    assert term.formula == "outer(dsum1/dz, v)"
    assert e.grad("W") == np.outer(np.ones(3), np.arange(4.0)).tolist()
    (term,) = e.step("v").terms
    assert term.formula == "mv(W.mT, dsum1/dz)"
    text = str(e)
    assert "where outer(u, v)[i, j] = u[i] * v[j]" in text and "where mv(A, v) = A @ v" in text
    assert r"{W}^{\top}" in e.to_latex() and "<i>W</i><sup>T</sup>" in e.to_html()
    assert "where `mv(A, v)" in e.to_markdown()


def test_a_broadcast_operand_shows_the_sum_over_the_broadcast_axis():
    x, b = leaf(np.ones((3, 4)), "x"), leaf(np.arange(4.0), "b")
    out = x + b
    out.name = "z"
    e = cr.explain(out.sum())
    (term,) = e.step("b").terms
    assert term.formula == "sum(dsum1/dz * 1, 0)"
    assert e.step("b").formula == ("dsum1/db = sum(dsum1/dz * 1, 0)  (sum over the batch axis "
                                   "0: b (4) was broadcast to 3x4)")
    assert term.broadcast.startswith("sum over the batch axis 0")
    assert e.grad("b") == [3.0, 3.0, 3.0, 3.0]
    c = leaf(np.ones((3, 1)), "c")
    (term,) = cr.explain((x * c).sum()).step("c").terms
    assert term.formula == "sum(dsum1/dmul1 * x, 1, keepdim=True)"
    assert term.broadcast == "sum over axis 1: c (3x1) was broadcast to 3x4"


def test_a_reduction_puts_the_reduced_axis_back_and_forward_shows_keepdim():
    x = leaf(np.ones((2, 3)), "x")
    s = x.logsumexp(1)
    s.name = "s"
    e = cr.explain((s * s).sum())
    (term,) = e.step("x").terms
    assert term.formula == "unsqueeze(dsum1/ds, 1) * exp(x - unsqueeze(s, 1))"
    kept = x.sum(1, keepdim=True)
    assert cr.explain(kept.sum()).forward[1].formula == "sum(x, 1, keepdim=True)"


def test_flags_negations_and_indices_render_in_every_format():
    symbols = {"g": "dL/dz", "out": "z", "dim": "1"}
    formula = "out * (g - sum(g * out, dim, True))"
    assert render(formula, symbols, "text") == "z * (dL/dz - sum(dL/dz * z, 1, keepdim=True))"
    assert r"\mathrm{keepdim}{=}\mathrm{True}" in render(formula, symbols, "latex")
    assert "keepdim=True" in render(formula, symbols, "html")
    assert render("~cond", {"cond": "m"}, "text") == "~m"
    assert render("~cond", {"cond": "m"}, "latex") == r"\lnot m"
    assert render("x[index]", {"x": "a", "[index]": ":, 1:3"}, "text") == "a[:, 1:3]"
    assert render("x.mT @ g", {"x": "A", "g": "G"}, "latex") == r"{A}^{\top} \, G"
    assert render("clip(x, min, max)", {"x": "a", "min": "-inf", "max": "1"}, "latex") == \
        r"\operatorname{clip}\left(a, -\infty, 1\right)"
    assert render("sum(x, dims, True)", {"x": "a", "dims": None}, "text") == \
        "sum(a, keepdim=True)"
    assert render("x @ W.T + b", {"x": "a", "W": "W", "b": None}, "text") == "a @ W.T"

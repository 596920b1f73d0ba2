"""The ``--expr`` parser: a whitelist, checked before anything runs."""
import pytest

import chainrule as cr
from chainrule import expr
from chainrule.expr import ExpressionError, build, parse, parse_values

HOSTILE = {
    "x.__class__": "attribute access",
    "().__class__.__bases__": "attribute access",
    "__import__('os').system('echo hi')": "not allowed",
    "import os": "cannot parse",
    "lambda: 1": "lambda",
    "x[0]": "subscripts",
    "open('/etc/passwd')": "'open' is not allowed",
    "eval('1')": "'eval' is not allowed",
    "__builtins__": "'_'",
    "9 ** 9 ** 9": "exponent",
    "2 ** 1000": "exponent",
    "x ** (10 * 20)": "exponent",
    "x ** -exp(10)": "exponent",
    "'a' * 3": "only numbers",
    "[x for x in y]": "comprehensions",
    "x if y else 1": "if/else",
    "exp(x, y)": "takes 1 argument",
    "exp(x=1)": "keyword",
    "exp": "is a function",
    "x < y": "comparisons",
    "(" * 300 + "x" + ")" * 300: "nested",
    "1e999": "too large",
    "x // y": "operator",
    "x.real": "attribute access",
}


@pytest.mark.parametrize("text", list(HOSTILE))
def test_hostile_input_is_refused_with_one_clear_line(text, monkeypatch):
    def never(*args):
        raise AssertionError("a refused expression must never be built")
    monkeypatch.setattr(expr, "graph", never)
    with pytest.raises(ExpressionError) as info:
        build(text, {"x": 1.0, "y": 2.0})
    message = str(info.value)
    assert HOSTILE[text] in message and "\n" not in message


def test_an_overlong_expression_is_refused():
    with pytest.raises(ExpressionError, match="limit"):
        parse("x + " * 400 + "x")


def test_missing_and_non_numeric_values_are_named():
    with pytest.raises(ExpressionError, match="no value for z"):
        build("(x + y) * z", {"x": 1.0, "y": 2.0})
    with pytest.raises(ExpressionError, match="value of y is not a number: 'abc'"):
        parse_values(["x=1", "y=abc"])
    with pytest.raises(ExpressionError, match="value of x must be a finite number"):
        parse_values(["x=nan"])
    with pytest.raises(ExpressionError, match="NAME=NUMBER"):
        parse_values(["x"])
    with pytest.raises(ExpressionError, match="value of y is not a number"):
        build("x + y", {"x": 1.0, "y": "2"})


def test_allowed_expressions_build_the_right_graph():
    f = build("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    e = cr.explain(f)
    assert (f.item(), e.grad("x"), e.grad("y"), e.grad("z")) == (-12.0, -4.0, -4.0, 3.0)
    f = build("sigmoid(w0*x0 + w1*x1 + w2)", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))
    assert round(cr.explain(f).grad("x0"), 2) == 0.39
    f = build("-max(x, 2) + relu(x) ** 2 / 4 + tanh(+x) - log(exp(x))", {"x": 3.0})
    x = 3.0
    import math
    assert f.item() == pytest.approx(-3 + 9 / 4 + math.tanh(3) - 3)
    assert cr.explain(f).grad("x") == pytest.approx(-1 + 2 * 3 / 4 + 1 - math.tanh(x) ** 2 - 1)

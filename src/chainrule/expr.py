"""A safe expression language for ``chainrule explain --expr``: arithmetic on named numbers.

The text is parsed with ``ast`` and checked against a whitelist before anything runs: numbers,
variable names, ``+ - * / **``, unary minus, parentheses and calls to the functions of
``FUNCTIONS``. Anything else (attribute access, subscripts, imports, lambdas, dunder names,
keyword arguments, huge exponents) is refused with one line that says what and where; it is
never evaluated. The checked tree is then built as a graph of gates, one per operation.

>>> f = build("(x + y) * z", {"x": -2, "y": 5, "z": -4})
>>> f.item(), f.name
(-12.0, 'f')
>>> build("x.__class__", {"x": 1})
Traceback (most recent call last):
...
chainrule.expr.ExpressionError: attribute access ('x.__class__') is not allowed in an expression; ...
"""
import ast
import math
import operator

from . import ops
from .autograd.rows import names_read
from .creation import tensor

FUNCTIONS = {"exp": ops.exp, "log": ops.log, "sqrt": ops.sqrt, "tanh": ops.tanh,
             "sigmoid": ops.sigmoid, "relu": ops.relu, "sin": ops.sin, "cos": ops.cos,
             "abs": ops.abs, "max": ops.maximum, "min": ops.minimum}
ARITY = {"max": 2, "min": 2}
FLOAT_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.Div: operator.truediv, ast.Pow: operator.pow}
FLOAT_FUNCTIONS = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh,
                   "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "relu": lambda v: max(v, 0.0),
                   "sin": math.sin, "cos": math.cos, "abs": abs, "max": max, "min": min}
BINARY = {ast.Add: ops.add, ast.Sub: ops.sub, ast.Mult: ops.mul, ast.Div: ops.div,
          ast.Pow: ops.pow}
MAX_EXPONENT = 100
MAX_LENGTH = 1000
MAX_DEPTH = 60      # levels of nesting (parentheses, calls), not terms: a flat sum is one level
LEVEL = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
FORBIDDEN = {ast.Attribute: "attribute access", ast.Subscript: "subscripts ([...])",
             ast.Lambda: "lambda", ast.Compare: "comparisons", ast.BoolOp: "and/or",
             ast.IfExp: "if/else", ast.NamedExpr: "assignment (:=)", ast.Starred: "starred (*)",
             ast.JoinedStr: "f-strings", ast.List: "lists", ast.Tuple: "tuples",
             ast.Dict: "dicts", ast.Set: "sets", ast.ListComp: "comprehensions",
             ast.GeneratorExp: "comprehensions", ast.DictComp: "comprehensions",
             ast.SetComp: "comprehensions", ast.Await: "await", ast.Yield: "yield"}
ALLOWED = ("allowed: numbers, names, + - * / **, unary minus, parentheses and calls to "
           + ", ".join(FUNCTIONS))


class ExpressionError(ValueError):
    """An expression that is not allowed, or a variable without a usable value (one line)."""


def parse(text):
    """The checked syntax tree of ``text``; raises ExpressionError, never evaluates."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is "
                              f"{MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ExpressionError(f"cannot parse {text!r}: {e.msg} (column {e.offset}); "
                              f"{ALLOWED}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"cannot parse the expression: it is nested too deeply or "
                              f"holds characters that are not allowed; {ALLOWED}") from None
    check(tree, 0)
    return tree


def check(node, depth):
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, ast.Constant):
        check_number(node.value)
    elif isinstance(node, ast.Name):
        check_name(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in BINARY:
            raise ExpressionError(f"the operator in {snippet(node)!r} is not allowed; {ALLOWED}")
        if isinstance(node.op, ast.Pow):
            check_exponent(node.right)
        # a + b + c parses as (a + b) + c: a chain at one level is terms, not nesting
        same_level = isinstance(node.left, ast.BinOp) and \
            LEVEL.get(type(node.left.op)) == LEVEL.get(type(node.op))
        check(node.left, depth if same_level else depth + 1)
        check(node.right, depth + 1)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(f"the operator in {snippet(node)!r} is not allowed; {ALLOWED}")
        check(node.operand, depth + 1)
    elif isinstance(node, ast.Call):
        check_call(node, depth)
    else:
        what = FORBIDDEN.get(type(node), type(node).__name__)
        raise ExpressionError(f"{what} ({snippet(node)!r}) is not allowed in an expression; "
                              f"{ALLOWED}")


def check_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"only numbers are allowed as constants, got {value!r}")
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ExpressionError(f"the number {snippet(ast.Constant(value))} is too large")


def check_name(name):
    if name.startswith("_"):
        raise ExpressionError(f"names starting with '_' ({name!r}) are not allowed")
    if name in FUNCTIONS:
        raise ExpressionError(f"{name!r} is a function; call it: {name}(...)")


def check_exponent(node):
    """An exponent without variables is computed (on floats) and must stay small: ``9**9**9``
    would otherwise ask for a number with hundreds of millions of digits."""
    if names_read(node):
        return
    value = constant_value(node)
    if value is not None and not abs(value) <= MAX_EXPONENT:
        raise ExpressionError(f"the exponent {snippet(node)!r} is too large; exponents are "
                              f"limited to {MAX_EXPONENT} in absolute value")


def constant_value(node):
    """The float value of a checked expression without variables (inf when it overflows,
    None when it is undefined)."""
    try:
        return float(graph_of_floats(node))
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError, TypeError):
        return None


def graph_of_floats(node):
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        value = graph_of_floats(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = graph_of_floats(node.left), graph_of_floats(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise OverflowError("exponent too large")
        return FLOAT_OPS[type(node.op)](left, right)
    return FLOAT_FUNCTIONS[node.func.id](*(graph_of_floats(a) for a in node.args))


def check_call(node, depth):
    if not isinstance(node.func, ast.Name):
        check(node.func, depth + 1)
        raise ExpressionError(f"only calls to named functions are allowed; {ALLOWED}")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(f"the function {name!r} is not allowed; {ALLOWED}")
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments")
    arity = ARITY.get(name, 1)
    if len(node.args) != arity:
        raise ExpressionError(f"{name}() takes {arity} argument{'s' * (arity > 1)}, got "
                              f"{len(node.args)}")
    for arg in node.args:
        check(arg, depth + 1)


def snippet(node):
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_values(assignments):
    """``["x=-2", "y=5"]`` -> ``{"x": -2.0, "y": 5.0}``, naming a value that is not a number."""
    values = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected NAME=NUMBER, got {item!r}")
        try:
            value = float(text)
        except ValueError:
            raise ExpressionError(f"the value of {name} is not a number: {text!r}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"the value of {name} must be a finite number, got {text!r}")
        values[name] = value
    return values


def build(text, values):
    """The graph of ``text`` at ``values`` (name -> number); its output is named ``f``
    (``out`` when a variable is called f).

    >>> build("f * 2", {"f": 3.0}).name
    'out'
    """
    tree = parse(text)
    missing = [name for name in names_read(tree) if name not in values]
    if missing:
        raise ExpressionError(f"no value for {', '.join(missing)}; give one as NAME=NUMBER "
                              f"(e.g. {missing[0]}=1.5)")
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"the value of {name} is not a number: {value!r}")
    leaves = {name: tensor(float(values[name]), dtype="float64", requires_grad=True, name=name)
              for name in names_read(tree)}
    out = graph(tree, leaves)
    if not hasattr(out, "grad_fn"):
        out = tensor(float(out), dtype="float64", requires_grad=True)
    out.name = out.name or output_name(leaves)
    return out


def output_name(variables):
    """``f``, or the first of ``out``, ``f1``, ``f2``, ... that no variable is called, so
    that ``f * 2`` at f = 3 shows df_out/df, never df/df for two different nodes."""
    for name in ("f", "out"):
        if name not in variables:
            return name
    return next(f"f{i}" for i in range(1, len(variables) + 2) if f"f{i}" not in variables)


def graph(node, leaves):
    """Gates for a checked tree (numbers stay numbers, so ``x * 2`` shows the 2)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.BinOp):
        left, right = graph(node.left, leaves), graph(node.right, leaves)
        if not hasattr(left, "grad_fn") and not hasattr(right, "grad_fn"):
            left = tensor(float(left), dtype="float64")
        return BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        operand = graph(node.operand, leaves)
        if isinstance(node.op, ast.UAdd):
            return operand
        return ops.neg(operand) if hasattr(operand, "grad_fn") else -operand
    args = [graph(a, leaves) for a in node.args]
    if not any(hasattr(a, "grad_fn") for a in args):
        args[0] = tensor(float(args[0]), dtype="float64")
    return FUNCTIONS[node.func.id](*args)

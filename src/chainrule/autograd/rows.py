"""A gate's rows become its backward: the derivative text explain prints is the code that runs.

A gate writes one row per input (``derivatives = {"x": "g @ W"}``), or, where the rows
depend on the operands' shapes, one set of rows per case (``cases = {"matrix": {...},
"vector": {...}}``, forward choosing ``self.case``). When the class is defined, each row is
parsed once and compiled into the gate's ``backward(self, g, xp)``: names are resolved
(an input, ``out``, ``g``, a value forward saved on the node, a vocabulary function or
constant), function calls go to the namespace ``xp`` (arrays, or tensors for
``create_graph``), and an elementwise gate's local derivative is multiplied by ``g``.
A row that names anything else fails here, at import time, not in a learner's table.

A gate may also name ``residuals``: values forward computes anyway and backward reuses,
each with its formula (``{"probs": "softmax(x, 1)"}``). On arrays the backward reads the
value forward saved; with ``create_graph`` it evaluates the formula through gates, so the
gradient of the gradient is right; explain prints the rows with the formula put in.

>>> print(source_of({"x": "out"}, ("x",), saved=(), elementwise=True, reduction=False))
def backward(self, g, xp):
    out = self.out_data if xp is ARRAYS else xp.output(self)
    return (g * out,)
"""
import ast
import functools

from ..dtypes import SCALAR_OPERANDS
from . import vocabulary
from .vocabulary import CONSTANTS

SYMBOLS = ("g", "out")


class RowError(NameError):
    """A row that names something it cannot see, or does not parse."""


@functools.lru_cache(maxsize=None)
def parse(row):
    try:
        return ast.parse(row, mode="eval").body
    except SyntaxError as error:
        raise RowError(f"row {row!r} is not a Python expression: {error.msg}") from None


def names_in(row):
    """Identifiers a row reads, calls excepted, in order of appearance."""
    return names_read(parse(row))


def names_read(tree):
    """Identifiers an expression's syntax tree reads, calls excepted, in order of appearance
    (also what ``chainrule explain --expr`` asks values for)."""
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    seen = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and id(n) not in calls and n.id not in seen:
            seen.append(n.id)
    return seen


def calls_in(row):
    """The names of the functions a row calls, each once, in order of appearance."""
    seen = []
    for n in ast.walk(parse(row)):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id not in seen:
            seen.append(n.func.id)
    return seen


def check(gate_name, row, allowed, where):
    """Raise RowError unless every name and call of ``row`` resolves."""
    unknown = [n for n in names_in(row) if n not in allowed and n not in CONSTANTS]
    unknown += [f"{f}()" for f in calls_in(row) if f not in vocabulary.names()]
    if unknown:
        raise RowError(
            f"gate {gate_name}: {where} {row!r} names {', '.join(unknown)}, which is neither an "
            f"input, g, out, a value forward saves (declare it in saves) nor a function of the "
            f"vocabulary (autograd/vocabulary.py; add a helper there with define())")


def rows_of(cls):
    """{case: {input: row}}: one unnamed case for a gate without cases."""
    return cls.cases if cls.cases else {None: cls.derivatives}


def check_gate(cls):
    """Every name in the gate's formula and rows resolves; rows name only its inputs."""
    symbols = set(cls.inputs) | set(cls.saves) | {"xs"}
    check(cls.__name__, cls.formula, symbols, "formula")
    for name, formula in cls.residuals.items():
        check(cls.__name__, formula, symbols, f"residual {name}")
    symbols |= set(cls.residuals)
    for rows in rows_of(cls).values():
        for slot, row in rows.items():
            if slot not in cls.inputs and slot != "xs":
                raise RowError(f"gate {cls.__name__}: a row for {slot!r}, which is not one of "
                               f"its inputs {cls.inputs}")
            check(cls.__name__, row, symbols | set(SYMBOLS), f"row for {slot}")


def used(cls):
    """(reads inputs, reads out): what the rows need saved."""
    texts = [row for rows in rows_of(cls).values() for row in rows.values()]
    read = {n for text in texts + list(cls.residuals.values()) for n in names_in(text)}
    return bool(read & set(cls.inputs)), "out" in read


def inputs_read(cls):
    """{case: {slot: the inputs (and ``out``) its row reads}}, a residual's inputs counted
    where the row reads the residual (under ``create_graph`` the residual is computed again
    from them). A value only the rows of gradients nobody wants read is not needed (PyTorch's
    ``x * 3`` keeps no x), so its change in place is no error."""
    inputs = set(cls.inputs) | {"out"}
    residual_reads = {name: set(names_in(formula)) & inputs
                      for name, formula in cls.residuals.items()}
    out = {}
    for case, rows in rows_of(cls).items():
        out[case] = {}
        for slot, row in rows.items():
            names = set(names_in(row))
            out[case][slot] = frozenset((names & inputs).union(
                *(residual_reads[n] for n in names if n in residual_reads)))
    return out


@functools.lru_cache(maxsize=None)
def inlined(row, residuals):
    """``row`` with each residual's name replaced by its formula: the row as printed.
    (``residuals`` is a tuple of (name, formula) pairs.)"""
    if not residuals:
        return row
    formulas = dict(residuals)

    class Inline(ast.NodeTransformer):
        def visit_Name(self, node):
            return parse(formulas[node.id]) if node.id in formulas else node
    return ast.unparse(Inline().visit(ast.parse(row, mode="eval").body))


class ToNamespace(ast.NodeTransformer):
    """Calls of vocabulary functions go to ``xp``; constants become their values."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name):
            node.func = ast.Attribute(ast.Name("xp", ast.Load()), node.func.id, ast.Load())
        return node

    def visit_Name(self, node):
        if node.id in CONSTANTS:
            return ast.Constant(CONSTANTS[node.id])
        return node


def vjp_expression(row, elementwise, numbers=None):
    """The vector-Jacobian product a row stands for, as Python source: an elementwise local
    derivative is multiplied by ``g`` (``1`` gives ``g``, ``-1`` gives ``-g``). With
    ``numbers`` (a NumbersAsArrays), its numbers beside arrays are named there."""
    tree = ToNamespace().visit(ast.parse(row, mode="eval").body)   # a fresh tree: it is changed
    if elementwise:
        if isinstance(tree, ast.Constant) and tree.value == 1:
            return "g"
        negative_one = (isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub)
                        and isinstance(tree.operand, ast.Constant) and tree.operand.value == 1)
        if negative_one:
            return "-g"
        tree = ast.BinOp(ast.Name("g", ast.Load()), ast.Mult(), tree)
    if numbers is not None:
        tree = numbers.visit(tree)
    return ast.unparse(tree)


class NumbersAsArrays(ast.NodeTransformer):
    """In an elementwise row, a number beside an array (an operand of + - * / whose other
    operand is not constant) becomes a name bound to a cached read-only 0-d array of the
    gradient's dtype, as Python numbers beside tensors do in forward (``dtypes.ScalarOperands``):
    NumPy computes the same bits, but deciding how to cast a Python number costs it 0.26 us,
    as much as the arithmetic on 16 floats (tanh's ``1 - out * out``). Exponents and constant
    subexpressions (``2 / pi ** 0.5``) stay as written."""

    def __init__(self):
        self.numbers = {}   # name -> number

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow):
            node.left = self.visit(node.left)   # the exponent keeps its Python number
            return node
        for side, other in (("left", node.right), ("right", node.left)):
            operand = getattr(node, side)
            if is_number(operand) and not is_constant(other):
                setattr(node, side, self.name_for(operand.value))
            else:
                setattr(node, side, self.visit(operand))
        return node

    def name_for(self, value):
        name = next((n for n, v in self.numbers.items() if v == value and type(v) is type(value)),
                    f"number{len(self.numbers)}")
        self.numbers[name] = value
        return ast.Name(name, ast.Load())

    def lines(self):
        return [f"    {name} = NUMBERS[g.dtype][{value!r}]" for name, value in self.numbers.items()]


def is_number(tree):
    return (isinstance(tree, ast.Constant) and type(tree.value) in (int, float)
            and tree.value != 0)   # zeros are not cached: 0.0 and -0.0 are one dict key


def is_constant(tree):
    return not any(isinstance(n, ast.Name) for n in ast.walk(tree))


def source_of(rows, inputs, saved, elementwise, reduction, residuals=None):
    """The Python source of one backward for one set of rows."""
    residuals = residuals or {}
    read = {n for row in rows.values() for n in names_in(row)}
    read |= {n for name in read & residuals.keys() for n in names_in(residuals[name])}
    lines = ["def backward(self, g, xp):"]
    if reduction:   # g and out with the reduced dimensions kept, so rows broadcast
        lines.append("    g = xp.reshape(g, self.kept)")
    if read & set(inputs):
        # on arrays, the saved arrays themselves (a plain read: no call on the hottest path)
        lines.append(f"    {', '.join(inputs)}{',' if len(inputs) == 1 else ''} = "
                     f"self.arrays if xp is ARRAYS else xp.values(self)")
    if "out" in read:
        out = "self.out_data if xp is ARRAYS else xp.output(self)"
        out = f"xp.reshape({out}, self.kept)" if reduction else out
        lines.append(f"    out = {out}")
    for name in saved:
        if name in read:
            lines.append(f"    {name} = self.{name}")
    for name, formula in residuals.items():
        if name in read:   # saved by forward on arrays; through gates under create_graph
            lines.append(f"    {name} = self.{name} if xp is not TENSORS else "
                         f"{vjp_expression(formula, False)}")
    if "xs" in rows:
        lines.append(f"    return tuple({vjp_expression(rows['xs'], elementwise)})")
        return "\n".join(lines)
    numbers = NumbersAsArrays() if elementwise else None
    grads = [vjp_expression(rows[slot], elementwise, numbers) if slot in rows else "None"
             for slot in inputs]
    lines += numbers.lines() if numbers else []
    free = ("None", "g")   # what costs nothing needs no asking whether it is wanted
    shared, grads = shared_subexpressions(grads)
    if len(inputs) > 1 and any(grad not in free for grad in grads):
        needs = [f"need_{slot}" for slot in inputs]
        lines.append(f"    {', '.join(needs)} = self.needs_input_grad")
        for name, expression, users in shared:   # computed when a row that reads it is wanted
            wanted = " or ".join(needs[i] for i in users)
            lines.append(f"    {name} = {expression} if {wanted} else None")
        grads = [f"({grad} if {need} else None)" if grad not in free else grad
                 for grad, need in zip(grads, needs)]
    else:
        lines += [f"    {name} = {expression}" for name, expression, _ in shared]
    lines.append(f"    return ({', '.join(grads)},)")
    return "\n".join(lines)


def shared_subexpressions(grads):
    """([(name, expression, rows that read it)], grads): a call or an operation that two
    rows both compute (attention's ``softmax_backward(...)`` for q and for k) is computed once,
    into a local ``shared0``, and the rows read that; the largest such subexpression first."""
    trees = [ast.parse(grad, mode="eval").body for grad in grads]
    shared = []
    if any(isinstance(node, (ast.IfExp, ast.BoolOp, ast.Lambda))
           for tree in trees for node in ast.walk(tree)):
        return shared, grads   # a part that may not run must not be run beforehand
    while True:
        users = {}
        for i, tree in enumerate(trees):
            for node in ast.walk(tree):
                if isinstance(node, (ast.Call, ast.BinOp)):
                    users.setdefault(ast.dump(node), (node, set()))[1].add(i)
        common = [(len(ast.unparse(node)), dump, node, rows)
                  for dump, (node, rows) in users.items() if len(rows) > 1]
        if not common:
            return shared, [ast.unparse(tree) for tree in trees]
        _, dump, node, rows = max(common, key=lambda c: c[0])
        name = f"shared{len(shared)}"
        shared.append((name, ast.unparse(node), sorted(rows)))
        trees = [Replace(dump, name).visit(tree) for tree in trees]


class Replace(ast.NodeTransformer):
    """Every occurrence of the subexpression ``dump`` (an ``ast.dump``) becomes ``name``."""

    def __init__(self, dump, name):
        self.dump, self.name = dump, name

    def generic_visit(self, node):
        if ast.dump(node) == self.dump:
            return ast.Name(self.name, ast.Load())
        return super().generic_visit(node)


def compile_backward(cls):
    """The gate's ``backward(self, g, xp)``, compiled from its rows (one per case)."""
    backwards = {}
    for case, rows in rows_of(cls).items():
        source = source_of(rows, cls.inputs, cls.saves, cls.elementwise, cls.reduction,
                           cls.residuals)
        namespace = {}
        exec(compile(source, f"<rows of {cls.__name__}{'' if case is None else ':' + case}>",
                     "exec"), {"ARRAYS": vocabulary.ARRAYS, "TENSORS": vocabulary.TENSORS,
                               "NUMBERS": SCALAR_OPERANDS}, namespace)
        backwards[case] = namespace["backward"]
        backwards[case].__qualname__ = f"{cls.__name__}.backward"
        backwards[case].source = source
    if not cls.cases:
        return backwards[None]

    def backward(self, g, xp):
        return backwards[self.case](self, g, xp)
    backward.__qualname__ = f"{cls.__name__}.backward"
    backward.source = "\n\n".join(f.source for f in backwards.values())
    return backward


def evaluate(row, values, xp):
    """The value of a row or formula written with the vocabulary, its names read from
    ``values`` (symbol -> array or number): what explain prints, computed. Calls go to the
    namespace ``xp`` as in a compiled backward; Python's builtins are out of reach.

    >>> import numpy as np
    >>> evaluate("sum(g * x, 0)", {"g": np.ones((2, 3)), "x": np.arange(3.0)}, vocabulary.ARRAYS)
    array([0., 2., 4.])
    """
    missing = [n for n in names_in(row) if n not in values and n not in CONSTANTS]
    if missing:
        raise RowError(f"row {row!r} names {', '.join(missing)}, which has no value here")
    tree = ast.fix_missing_locations(ast.Expression(ToNamespace().visit(
        ast.parse(row, mode="eval").body)))
    return eval(compile(tree, f"<row {row}>", "eval"),   # noqa: S307  (a checked row)
                {"__builtins__": {}}, {**values, "xp": xp})

"""Gate formulas rendered as text, LaTeX or HTML, with the user's names put in.

A gate writes its formulas as Python expressions over its own symbols (``"x * y"``,
``"g @ y.T"``). ``render(expr, symbols, fmt)`` parses the expression with ``ast`` (it is never
evaluated), replaces each symbol by the name the user sees (``x`` -> ``q``, ``g`` ->
``df/dq``, a constant operand by its number, a gate parameter by its value, ``None``
drops the argument) and writes the result with as few parentheses as precedence allows.

>>> print(render("g @ y.T", {"g": "dL/dz1", "y": "x"}, "latex"))
\\frac{\\partial L}{\\partial z_{1}} \\, {x}^{\\top}
>>> render("1 / y", {"y": "den"}, "text"), render("x ** y", {"x": "q", "y": "2"}, "html")
('1 / den', '<i>q</i><sup>2</sup>')
"""
import ast
import copy
import functools
import html
import re

ATOM = 100
PRECEDENCE = {ast.BitOr: 3, ast.BitAnd: 4, ast.Add: 10, ast.Sub: 10, ast.Mult: 20,
              ast.Div: 20, ast.MatMult: 20, ast.Mod: 20, ast.FloorDiv: 20, ast.Pow: 40}
UNARY = 30
COMPARE = 2   # below & and | as in Python
GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma",
         "tau", "phi", "psi", "omega"}
GRADIENT = re.compile(r"^d(.+)/d(.+)$")
NUMBER = re.compile(r"^-?\d+(\.\d*)?(e-?\d+)?$")


@functools.lru_cache(maxsize=None)
def parse(expr):
    return ast.parse(expr, mode="eval").body


def render(expr, symbols, fmt="text", aliases=None):
    """``expr`` (a gate formula) with ``symbols`` put in, as ``fmt`` (text, latex or html).

    ``aliases`` maps a short name to an expression in the user's names (``{"y_hat":
    "softmax(z2, 0)"}``): wherever that expression appears, the short name is shown instead.
    """
    tree = substitute(parse(expr), symbols)
    if aliases:
        tree = Alias(aliases).visit(tree)
    return RENDERERS[fmt].write(tree)


def substitute(tree, symbols):
    """A copy of ``tree`` with names replaced: numbers become constants, ``None`` drops."""
    return Substitute(symbols).visit(copy.deepcopy(tree))


def names_in(expr):
    """The identifiers an expression reads, functions excepted, in order of appearance."""
    calls = {id(n.func) for n in ast.walk(parse(expr)) if isinstance(n, ast.Call)}
    seen = []
    for n in ast.walk(parse(expr)):
        if isinstance(n, ast.Name) and id(n) not in calls and n.id not in seen:
            seen.append(n.id)
    return seen


def number_node(text):
    value = float(text)
    value = int(value) if value.is_integer() and "." not in text and "e" not in text else value
    node = ast.Constant(abs(value))
    return ast.UnaryOp(ast.USub(), node) if value < 0 else node


UNIT = ast.Constant(1)   # the output's gradient d out / d out, dropped from products


class Substitute(ast.NodeTransformer):
    def __init__(self, symbols):
        self.symbols = symbols

    def visit_Name(self, node):
        if node.id not in self.symbols:
            return node
        shown = self.symbols[node.id]
        if node.id == "g" and shown == "1":
            return UNIT
        if shown is not None and NUMBER.match(shown):
            return number_node(shown)
        return ast.Name(shown)

    def visit_BinOp(self, node):
        """``g * a`` is ``a`` where ``g`` is the output's own gradient, 1."""
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Mult):
            for one, other in ((node.left, node.right), (node.right, node.left)):
                if one is UNIT:
                    return other
        return node

    def visit_Call(self, node):
        node.args = [a for a in node.args
                     if not (isinstance(a, ast.Name) and a.id in self.symbols
                             and self.symbols[a.id] is None)]
        node.args = [self.visit(a) for a in node.args]
        return node


class Alias(ast.NodeTransformer):
    def __init__(self, aliases):
        self.by_text = {ast.unparse(parse(expr)): name for name, expr in aliases.items()}

    def generic_visit(self, node):
        name = self.by_text.get(ast.unparse(node)) if isinstance(node, ast.expr) else None
        return ast.Name(name) if name else super().generic_visit(node)


class Text:
    """Python-like plain text: what a terminal shows."""

    ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@",
           ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.BitAnd: "&", ast.BitOr: "|"}
    compare = {ast.Gt: ">", ast.Lt: "<", ast.GtE: ">=", ast.LtE: "<=", ast.Eq: "==",
               ast.NotEq: "!="}

    def write(self, tree):
        return self.node(tree)[0]

    def node(self, n):
        """(text, precedence) of one AST node."""
        if isinstance(n, ast.BinOp):
            return self.binop(n)
        if isinstance(n, ast.UnaryOp):
            operand = self.wrap(n.operand, UNARY, strict=False)
            return self.negate(operand) if isinstance(n.op, ast.USub) else operand, UNARY
        if isinstance(n, ast.Compare):
            left = self.wrap(n.left, COMPARE, strict=True)
            parts = [left] + [f"{self.compare[type(op)]} {self.wrap(c, COMPARE, True)}"
                              for op, c in zip(n.ops, n.comparators)]
            return " ".join(parts), COMPARE
        if isinstance(n, ast.Call):
            return self.call(n.func.id if isinstance(n.func, ast.Name) else self.write(n.func),
                             [self.write(a) for a in n.args]), ATOM
        if isinstance(n, ast.Attribute):
            return self.attribute(self.wrap(n.value, ATOM, strict=False), n.attr), ATOM
        if isinstance(n, ast.Subscript):
            return f"{self.wrap(n.value, ATOM, False)}[{self.write(n.slice)}]", ATOM
        if isinstance(n, ast.Tuple):
            return "(" + ", ".join(self.write(e) for e in n.elts) + ")", ATOM
        if isinstance(n, ast.Constant):
            return self.constant(n.value), ATOM
        if isinstance(n, ast.Name):
            return self.name(n.id), ATOM
        return self.escape(ast.unparse(n)), ATOM

    def wrap(self, n, precedence, strict):
        text, own = self.node(n)
        return self.parens(text) if own < precedence or (strict and own == precedence) else text

    def binop(self, n):
        p = PRECEDENCE[type(n.op)]
        if isinstance(n.op, ast.Pow):
            left, right = self.wrap(n.left, p, strict=True), self.wrap(n.right, p, strict=False)
        else:
            left, right = self.wrap(n.left, p, strict=False), self.wrap(n.right, p, strict=True)
        return self.join(n.op, left, right, n), p

    def join(self, op, left, right, n):
        return f"{left} {self.ops[type(op)]} {right}" if not isinstance(op, ast.Pow) \
            else f"{left}**{right}"

    def negate(self, text):
        return f"-{text}"

    def parens(self, text):
        return f"({text})"

    def call(self, name, args):
        return f"{name}({', '.join(args)})"

    def attribute(self, value, attr):
        return f"{value}.{attr}"

    def constant(self, value):
        return repr(value)

    def name(self, shown):
        return shown

    def escape(self, text):
        return text


class Latex(Text):
    ops = {**Text.ops, ast.Mult: r"\cdot", ast.MatMult: r"\,", ast.BitAnd: r"\land",
           ast.BitOr: r"\lor", ast.Mod: r"\bmod"}
    compare = {ast.Gt: ">", ast.Lt: "<", ast.GtE: r"\geq", ast.LtE: r"\leq", ast.Eq: "=",
               ast.NotEq: r"\neq"}
    functions = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                 "tanh": r"\tanh", "max": r"\max", "min": r"\min", "sigmoid": r"\sigma"}

    def binop(self, n):
        if isinstance(n.op, ast.Div):
            return rf"\frac{{{self.write(n.left)}}}{{{self.write(n.right)}}}", ATOM
        return super().binop(n)

    def join(self, op, left, right, n):
        if isinstance(op, ast.Pow):
            return f"{{{left}}}^{{{self.write(n.right)}}}"
        return f"{left} {self.ops[type(op)]} {right}"

    def parens(self, text):
        return rf"\left({text}\right)"

    def call(self, name, args):
        if name == "sqrt" and len(args) == 1:
            return rf"\sqrt{{{args[0]}}}"
        if name == "abs" and len(args) == 1:
            return rf"\left\lvert {args[0]}\right\rvert"   # no "|": Markdown tables
        head = self.functions.get(name, rf"\operatorname{{{self.escape(name)}}}")
        return head + self.parens(", ".join(args))

    def attribute(self, value, attr):
        if attr == "T":
            return f"{{{value}}}^{{\\top}}"
        return rf"\operatorname{{{self.escape(attr)}}}({value})"

    def constant(self, value):
        return self.escape(repr(value))

    def name(self, shown):
        gradient = GRADIENT.match(shown)
        if gradient:
            top, bottom = (self.name(s) for s in gradient.groups())
            return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
        base, accent, sub = split_name(shown)
        base = f"\\{base}" if base in GREEK else (self.escape(base) if len(base) == 1
                                                 else rf"\mathrm{{{self.escape(base)}}}")
        base = {"hat": rf"\hat{{{base}}}", "star": f"{base}^{{*}}", "": base}[accent]
        return f"{base}_{{{self.escape(sub)}}}" if sub else base

    def escape(self, text):
        return text.replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")


class Html(Text):
    ops = {**Text.ops, ast.Mult: "&middot;", ast.MatMult: "&#8201;", ast.Sub: "&minus;",
           ast.BitAnd: "&amp;", ast.BitOr: "|"}
    compare = {ast.Gt: "&gt;", ast.Lt: "&lt;", ast.GtE: "&ge;", ast.LtE: "&le;", ast.Eq: "=",
               ast.NotEq: "&ne;"}

    def join(self, op, left, right, n):
        if isinstance(op, ast.Pow):
            return f"{left}<sup>{self.write(n.right)}</sup>"
        if isinstance(op, ast.MatMult):
            return f"{left}&#8201;{right}"
        return f"{left} {self.ops[type(op)]} {right}"

    def negate(self, text):
        return f"&minus;{text}"

    def call(self, name, args):
        return f"{html.escape(name)}({', '.join(args)})"

    def attribute(self, value, attr):
        return f"{value}<sup>T</sup>" if attr == "T" else f"{value}.{html.escape(attr)}"

    def constant(self, value):
        return html.escape(repr(value))

    def name(self, shown):
        gradient = GRADIENT.match(shown)
        if gradient:
            top, bottom = (self.name(s) for s in gradient.groups())
            return f"&part;{top}/&part;{bottom}"
        base, accent, sub = split_name(shown)
        base = f"&{base};" if base in GREEK else html.escape(base)
        base = {"hat": f"{base}&#770;", "star": f"{base}<sup>*</sup>", "": base}[accent]
        base = f"<i>{base}</i>" if len(shown) == 1 else base
        return f"{base}<sub>{html.escape(sub)}</sub>" if sub else base

    def escape(self, text):
        return html.escape(text, quote=False)


def split_name(shown):
    """``"y_hat"`` -> ("y", "hat", ""), ``"W1"`` -> ("W", "", "1"), ``"a_j"`` -> ("a", "", "j")."""
    match = re.match(r"^([A-Za-z][A-Za-z_]*?)(?:_(hat|star))?_?(\d+|[a-z])?$", shown)
    letter_sub = match is not None and match.group(3) and not match.group(3).isdigit()
    if match is None or letter_sub and (len(match.group(1)) > 1 or "_" not in shown):
        return shown, "", ""
    base, accent, sub = match.groups()
    return base, accent or "", sub or ""


RENDERERS = {"text": Text(), "latex": Latex(), "html": Html()}

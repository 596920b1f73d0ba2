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
import inspect
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
TRANSPOSES = ("T", "mT")   # .mT, the last two axes swapped, is a matrix's transpose too


@functools.lru_cache(maxsize=None)
def parse(expr):
    return ast.parse(expr, mode="eval").body


def render(expr, symbols, fmt="text", aliases=None):
    """``expr`` (a gate formula) with ``symbols`` put in, as ``fmt`` (text, latex or html).

    ``aliases`` maps a short name to an expression in the user's names (``{"y_hat":
    "softmax(z2, 0)"}``): wherever that expression appears, the short name is shown instead.
    """
    tree = Substitute(symbols).visit(fresh(expr))
    if aliases:
        tree = Alias(aliases).visit(tree)
    return RENDERERS[fmt].write(tree)


def fresh(expr):
    """A tree of ``expr`` of one's own to change: parsing again is ten times faster than a
    deep copy of the cached tree, and explain renders every term."""
    return ast.parse(expr, mode="eval").body


def substitute(tree, symbols):
    """A copy of ``tree`` with names replaced: numbers become constants, ``None`` drops."""
    return Substitute(symbols).visit(copy.deepcopy(tree))


def number_node(text):
    value = float(text)
    value = int(value) if value.is_integer() and "." not in text and "e" not in text else value
    node = ast.Constant(abs(value))
    return ast.UnaryOp(ast.USub(), node) if value < 0 else node


UNIT = ast.Constant(1)   # the output's gradient d out / d out, dropped from products
ABSENT = ast.Constant(None)   # an operand or parameter that is None: dropped where it appears


def parameter_names(func):
    """The parameter names of a vocabulary function (to name arguments after a dropped one),
    or None when they are unknown."""
    from ..autograd.vocabulary import ARRAY_FUNCTIONS   # noqa: PLC0415  (explain reads autograd)
    fn = ARRAY_FUNCTIONS.get(func.id) if isinstance(func, ast.Name) else None
    try:
        parameters = inspect.signature(fn).parameters.values() if fn is not None else ()
    except (TypeError, ValueError):   # a ufunc or builtin without a signature
        return None
    names = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    return names or None


class Substitute(ast.NodeTransformer):
    """Gate symbols replaced by what the user sees.

    A symbol shown as a number becomes that number, a tuple or a list of names (``(3, 4)``,
    ``[x0, x1]``) becomes that tuple or list, ``None`` is dropped: from a call's arguments
    (the arguments after it then go by name, ``sum(x, keepdim=True)``) and from a sum
    (``x @ W.T + b`` without a bias is ``x @ W.T``). An index shown under the key
    ``"[index]"`` is written inside the brackets of ``x[index]`` (``x[:, 1:3]``).
    """

    def __init__(self, symbols):
        self.symbols = symbols

    def visit_Name(self, node):
        if node.id not in self.symbols:
            return node
        shown = self.symbols[node.id]
        if shown is None:
            return ABSENT
        if node.id == "g" and shown == "1":
            return UNIT
        if NUMBER.match(shown):
            return number_node(shown)
        if shown[:1] in "([":
            literal = parsed_literal(shown)
            if literal is not None:
                return literal
        return ast.Name(shown)

    def visit_BinOp(self, node):
        """``g * a`` is ``a`` where ``g`` is the output's own gradient, 1; ``a + None`` is
        ``a`` (an absent bias), and so is ``a * None`` (an absent scale, layer_norm's W)."""
        node = self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Sub)) and node.right is ABSENT:
            return node.left
        if isinstance(node.op, ast.Add) and node.left is ABSENT:
            return node.right
        if isinstance(node.op, ast.Mult):
            for one, other in ((node.left, node.right), (node.right, node.left)):
                if one is UNIT or one is ABSENT:
                    return other
        return node

    def visit_Subscript(self, node):
        shown = self.symbols.get(f"[{node.slice.id}]") if isinstance(node.slice, ast.Name) \
            else None
        if shown is None:
            return self.generic_visit(node)
        node.value = self.visit(node.value)
        node.slice = ast.parse(f"_[{shown}]", mode="eval").body.slice
        return node

    def visit_Call(self, node):
        args = [self.visit(a) for a in node.args]
        keywords = [k for k in (self.visit(k) for k in node.keywords) if k.value is not ABSENT]
        while args and args[-1] is ABSENT:
            args.pop()
        names = parameter_names(node.func)
        positional, named, naming = [], [], False
        for i, a in enumerate(args):
            nameable = names is not None and i < len(names)
            naming = naming or (nameable and (a is ABSENT or is_flag(a)))
            if naming and nameable:
                if a is not ABSENT:
                    named.append(ast.keyword(names[i], a))
            else:   # an absent argument that cannot be named stays, and shows as None
                positional.append(a)
        node.args = positional
        node.keywords = named + keywords
        return node


def is_flag(node):
    """A positional True or False (``sum(x, dim, True)``): shown by name, keepdim=True."""
    return isinstance(node, ast.Constant) and isinstance(node.value, bool)


def parsed_literal(shown):
    """A parameter shown as a tuple or a list (``(3, 4)``, ``[x0, x1]``) as that syntax, so
    that it is written like the rest of the formula; None for anything else."""
    try:
        tree = ast.parse(shown, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(tree, (ast.Tuple, ast.List)):
        return None
    simple = (ast.Constant, ast.Name, ast.UnaryOp)
    return tree if all(isinstance(e, simple) for e in tree.elts) else None


class Alias(ast.NodeTransformer):
    """A short name shown wherever its expression appears."""

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
            return self.unary(n.op, operand), UNARY
        if isinstance(n, ast.Compare):
            left = self.wrap(n.left, COMPARE, strict=True)
            parts = [left] + [f"{self.compare[type(op)]} {self.wrap(c, COMPARE, True)}"
                              for op, c in zip(n.ops, n.comparators)]
            return " ".join(parts), COMPARE
        if isinstance(n, ast.Call):
            args = [self.write(a) for a in n.args]
            args += [self.keyword(k.arg, self.write(k.value)) for k in n.keywords]
            return self.call(n.func.id if isinstance(n.func, ast.Name) else self.write(n.func),
                             args), ATOM
        if isinstance(n, ast.Attribute):
            return self.attribute(self.wrap(n.value, ATOM, strict=False), n.attr), ATOM
        if isinstance(n, ast.Subscript):
            return self.subscript(self.wrap(n.value, ATOM, False), self.index(n.slice)), ATOM
        if isinstance(n, ast.Tuple):
            items = [self.write(e) for e in n.elts]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", ATOM
        if isinstance(n, ast.List):
            return "[" + ", ".join(self.write(e) for e in n.elts) + "]", ATOM
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

    def unary(self, op, operand):
        if isinstance(op, ast.USub):
            return self.negate(operand)
        if isinstance(op, ast.Invert):
            return self.invert(operand)
        return f"not {operand}" if isinstance(op, ast.Not) else f"+{operand}"

    def negate(self, text):
        return f"-{text}"

    def invert(self, text):
        return f"~{text}"

    def parens(self, text):
        return f"({text})"

    def call(self, name, args):
        return f"{name}({', '.join(args)})"

    def keyword(self, name, value):
        return f"{name}={value}"

    def attribute(self, value, attr):
        return f"{value}.{attr}"

    def index(self, n):
        """What goes between the brackets of ``x[...]``: a tuple without its parentheses,
        slices as ``1:3``."""
        if isinstance(n, ast.Tuple) and n.elts:
            return ", ".join(self.index(e) for e in n.elts) + ("," if len(n.elts) == 1 else "")
        if isinstance(n, ast.Slice):
            parts = ["" if p is None else self.write(p) for p in (n.lower, n.upper, n.step)]
            return ":".join(parts if parts[2] else parts[:2])
        if isinstance(n, ast.Constant) and n.value is Ellipsis:
            return "..."
        return self.write(n)

    def subscript(self, value, index):
        return f"{value}[{index}]"

    def constant(self, value):
        return "..." if value is Ellipsis else repr(value)

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
        if attr in TRANSPOSES:
            return f"{{{value}}}^{{\\top}}"
        return rf"\operatorname{{{self.escape(attr)}}}({value})"

    def invert(self, text):
        return rf"\lnot {text}"

    def keyword(self, name, value):
        return rf"\mathrm{{{self.escape(name)}}}{{=}}{value}"

    def subscript(self, value, index):
        return rf"{value}\left[{index}\right]"

    def constant(self, value):
        if value is None or isinstance(value, bool):
            return rf"\mathrm{{{value}}}"
        return r"\ldots" if value is Ellipsis else self.escape(repr(value))

    def name(self, shown):
        if shown.lstrip("-") == "inf":
            return shown.replace("inf", r"\infty")
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

    def invert(self, text):
        return f"&not;{text}"

    def call(self, name, args):
        return f"{html.escape(name)}({', '.join(args)})"

    def keyword(self, name, value):
        return f"{html.escape(name)}={value}"

    def attribute(self, value, attr):
        return f"{value}<sup>T</sup>" if attr in TRANSPOSES else f"{value}.{html.escape(attr)}"

    def constant(self, value):
        return "&hellip;" if value is Ellipsis else html.escape(repr(value))

    def name(self, shown):
        if shown.lstrip("-") == "inf":
            return shown.replace("-", "&minus;").replace("inf", "&infin;")
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

"""The explanation's tables in four formats: terminal text, Markdown (with LaTeX math, like
the seeds' tables), LaTeX and HTML. Every formula is rendered from the gate's own formula and
the step's ``symbols``; nothing is parsed back from text."""
import html
import inspect

import numpy as np

from ..autograd.rows import calls_in
from ..autograd.vocabulary import ARRAY_FUNCTIONS, MEANINGS
from .formula import RENDERERS, render
from .steps import term_expression

FORWARD_HEAD = ("step", "node", "equation", "shape", "value")
BACKWARD_HEAD = ("step", "gradient = sum over consumers of upstream x local", "value")


def show_value(value, truncated=False, shape=()):
    """A step's value in a few characters: 4 significant digits, long tensors cut."""
    if isinstance(value, (int, float)):
        return f"{value + 0:.4g}"            # + 0: -0.0 is shown as 0
    array = np.asarray(value)
    array = array + 0.0 if array.dtype.kind == "f" else array     # -0.0 is shown as 0
    text = np.array2string(array, precision=4, separator=", ", suppress_small=True,
                           max_line_width=10_000).replace("\n", "")
    if truncated:
        text = text[:-1] + f", ... ({int(np.prod(shape))} values)]"
    return text


def show_shape(shape):
    return "x".join(str(n) for n in shape) if shape else "scalar"


def forward_equation(step, fmt, aliases):
    name = RENDERERS[fmt].name(step.name)
    if not step.gate_formula:
        return name
    return f"{name} = {render(step.gate_formula, step.symbols, fmt, aliases)}"


def expression_of(term):
    """The whole term in gate symbols (older steps carry only the gate's row)."""
    if term.expression or not term.gate_derivative:
        return term.expression
    return term_expression(term.elementwise, term.gate_derivative)


MATRIX_CALLS = ("outer", "mv")


def term_formula(term, fmt, aliases):
    expression = expression_of(term)
    if not expression:
        return RENDERERS[fmt].escape(term.formula)
    shown = render(expression, term.symbols, fmt, aliases) + broadcast_note(term, fmt)
    if "@" not in expression and not set(calls_in(expression)) & set(MATRIX_CALLS):
        return shown
    shapes = ", ".join(f"{RENDERERS[fmt].name(n)}: {show_shape(s)}"
                       for n, s in term.shapes.items())
    return shown + (f" \\quad [{shapes}]" if fmt == "latex" else f"  [{shapes}]")


def broadcast_note(term, fmt):
    """The sum over broadcast axes in words, after the term, in every format."""
    words = getattr(term, "broadcast", "")
    if not words:
        return ""
    if fmt == "latex":
        return rf" \quad \text{{({RENDERERS[fmt].escape(words)})}}"
    return f"  ({RENDERERS[fmt].escape(words)})"


def backward_equation(step, fmt, aliases):
    symbol = RENDERERS[fmt].name(step.symbol)
    parts = [term_formula(t, fmt, aliases) for t in step.terms] or ["1"]
    return f"{symbol} = " + " + ".join(parts)


def backward_numbers(step):
    """The numbers behind the equation: upstream x local for one scalar term, else the terms."""
    terms = step.terms
    if len(terms) == 1 and isinstance(terms[0].local_value, float) \
            and isinstance(terms[0].upstream_value, float):
        t = terms[0]
        return f"{show_value(t.upstream_value)} x {show_value(t.local_value)} = " \
               f"{show_value(step.value)}"
    if len(terms) > 1:
        return " + ".join(show_value(t.value) for t in terms) + \
            f" = {show_value(step.value, step.truncated, step.shape)}"
    return show_value(step.value, step.truncated, step.shape)


def helpers(explanation):
    """One line per helper function of the vocabulary that the shown formulas call: what
    it computes (``mv(A, v) = A @ v, ...``)."""
    expressions = [s.gate_formula for s in explanation.forward if s.gate_formula]
    expressions += [expression_of(t) for s in explanation.backward for t in s.terms]
    names = []
    for expression in filter(None, expressions):
        names += [n for n in calls_in(expression) if n in MEANINGS and n not in names]
    return [meaning_line(n) for n in names]


def meaning_line(name):
    meaning = MEANINGS[name]
    if meaning.startswith(f"{name}("):
        return meaning
    try:
        parameters = inspect.signature(ARRAY_FUNCTIONS[name]).parameters
        return f"{name}({', '.join(parameters)}) = {meaning}"
    except (TypeError, ValueError):
        return f"{name}: {meaning}"


def rows(explanation, fmt):
    aliases = explanation.aliases
    forward = [(f"({s.index})", s.name, forward_equation(s, fmt, aliases), show_shape(s.shape),
                show_value(s.value, s.truncated, s.shape)) for s in explanation.forward]
    backward = [(f"({s.index})", backward_equation(s, fmt, aliases), backward_numbers(s))
                for s in explanation.backward]
    return forward, backward


def to_text(explanation):
    forward, backward = rows(explanation, "text")
    parts = [explanation.title, "", "Forward", table_text(FORWARD_HEAD, forward), "",
             "Backward", table_text(BACKWARD_HEAD, backward)]
    lines = helpers(explanation)
    parts += [""] + [f"where {line}" for line in lines] if lines else []
    parts += [""] + [f"Note: {n}" for n in explanation.notes] if explanation.notes else []
    return "\n".join(parts).strip("\n")


def table_text(head, body):
    widths = [max(len(str(r[i])) for r in (head, *body)) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in body])


def to_markdown(explanation):
    forward, backward = rows(explanation, "latex")
    forward = [(i, f"`{n}`", f"${eq}$", s, f"`{v}`") for i, n, eq, s, v in forward]
    backward = [(i, f"${eq}$", f"`{v}`") for i, eq, v in backward]
    parts = [f"### {explanation.title}", "", table_markdown(
        ("Forward Pass Step", "node", "Symbolic Equation", "shape", "value"), forward), "",
        table_markdown(("Backward Pass Step", "Symbolic Equation", "value"), backward)]
    lines = helpers(explanation)
    parts += [""] + [f"where `{line}`" + ("  " if i < len(lines) - 1 else "")
                     for i, line in enumerate(lines)] if lines else []
    parts += [f"\n> **Note.** {n}" for n in explanation.notes]
    return "\n".join(parts) + "\n"


def table_markdown(head, body):
    cell = lambda c: str(c).replace("|", r"\|")  # noqa: E731
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in r) + " |" for r in body])


def to_latex(explanation):
    forward, backward = rows(explanation, "latex")
    escape = RENDERERS["latex"].escape
    lines = [r"\begin{tabular}{lll}", r"\hline", r"Forward step & equation & value \\",
             r"\hline"]
    lines += [rf"{i} & ${eq}$ & \texttt{{{escape(v)}}} \\" for i, _, eq, _, v in forward]
    lines += [r"\hline", r"Backward step & equation & value \\", r"\hline"]
    lines += [rf"{i} & ${eq}$ & \texttt{{{escape(v)}}} \\" for i, eq, v in backward]
    lines += [r"\hline", r"\end{tabular}"]
    lines += [rf"\par\noindent where \texttt{{{escape(line)}}}" for line in helpers(explanation)]
    lines += [rf"\par\noindent\textit{{Note.}} {escape(n)}" for n in explanation.notes]
    return "\n".join(lines) + "\n"


STYLE = ("<style>.chainrule-explain table{border-collapse:collapse;margin:.5em 0}"
         ".chainrule-explain td,.chainrule-explain th{border:1px solid #ccc;padding:.2em .6em;"
         "text-align:left;font-family:serif}.chainrule-explain code{font-size:90%}</style>")


def to_html(explanation):
    forward, backward = rows(explanation, "html")
    code = lambda v: f"<code>{html.escape(v)}</code>"  # noqa: E731
    forward = [(i, code(n), eq, s, code(v)) for i, n, eq, s, v in forward]
    backward = [(i, eq, code(v)) for i, eq, v in backward]
    parts = [f'<div class="chainrule-explain">{STYLE}',
             f"<h3>{html.escape(explanation.title)}</h3>",
             table_html(("forward step", "node", "equation", "shape", "value"), forward),
             table_html(("backward step", "equation", "value"), backward)]
    parts += [f"<p>where <code>{html.escape(line)}</code></p>" for line in helpers(explanation)]
    parts += [f"<p><b>Note.</b> {html.escape(n)}</p>" for n in explanation.notes]
    return "\n".join(parts + ["</div>"]) + "\n"


def table_html(head, body):
    lines = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    lines += ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in body]
    return "\n".join(lines + ["</table>"])


FORMATS = {"text": to_text, "markdown": to_markdown, "latex": to_latex, "html": to_html}

"""The layer view's two tables as text, Markdown, LaTeX and HTML; ``expand`` puts each
row's gate-level steps under it (HTML: a ``<details>`` that opens)."""
import html

import numpy as np

from ..autograd.rows import calls_in
from ..autograd.vocabulary import MEANINGS
from .formula import RENDERERS
from .render import (backward_equation, expression_of, forward_equation, meaning_line,
                     show_shape, show_value, table_text)

FORWARD_HEAD = ("step", "layer", "equation", "shape", "value")
BACKWARD_HEAD = ("step", "gradient", "value")


SHOWN = 6   # a layer's value shows its first few numbers: the row is about the formula


def short_value(row):
    values = row.value
    if isinstance(values, list) and (row.truncated or len(str(values)) > 80):
        flat = np.asarray(values, dtype=float).ravel()[:SHOWN] + 0.0
        shown = ", ".join(f"{v:.4g}" for v in flat)
        return f"[{shown}, ... ({int(np.prod(row.shape))} values)]"
    return show_value(values, row.truncated, row.shape)


def forward_cells(row):
    return (f"({row.number})", row.kind, row.formula, show_shape(row.shape), short_value(row))


def backward_cells(row):
    return (f"({row.number})", row.formula, short_value(row))


def inner_lines(view, row, phase, fmt="text"):
    """What opening a layer row shows: the gate-level equation of each step inside it (one
    step is the row itself), then what each helper it calls computes, element by element
    (a convolution's windows: ``conv2d(x, W, ...)[n, o, p, q] = b[o] + sum over c, i, j
    of ...``)."""
    e = view.explanation
    steps = [(e.forward if phase == "forward" else e.backward)[i - 1] for i in row.steps]
    lines = []
    for step in steps:
        equation = forward_equation(step, fmt, e.aliases) if phase == "forward" \
            else backward_equation(step, fmt, e.aliases)
        lines.append(f"[{step.index}] {equation}")
    lines = lines if len(lines) > 1 else []
    expressions = [s.gate_formula for s in steps] if phase == "forward" else \
        [expression_of(t) for s in steps for t in s.terms]
    called = []
    for expression in filter(None, expressions):
        called += [n for n in calls_in(expression) if n in MEANINGS and n not in called]
    return lines + [f"where {meaning_line(n)}" for n in called]


def to_text(view, expand=False):
    parts = [view.explanation.title + " (layer view)", "", "Forward"]
    parts += table_with_steps(view, view.forward, "forward", forward_cells, FORWARD_HEAD, expand)
    parts += ["", "Backward"]
    parts += table_with_steps(view, view.backward, "backward", backward_cells, BACKWARD_HEAD,
                              expand)
    return "\n".join(parts)


def table_with_steps(view, rows, phase, cells, head, expand):
    table = table_text(head, [cells(r) for r in rows]).split("\n")
    if not expand:
        return table
    lines = table[:2]
    for row, line in zip(rows, table[2:]):
        lines.append(line)
        lines += [f"        {inner}" for inner in inner_lines(view, row, phase)]
    return lines


def to_markdown(view, expand=False):
    cell = lambda c: str(c).replace("|", r"\|")  # noqa: E731
    parts = [f"### {view.explanation.title} (layer view)", ""]
    for rows, phase, cells, head in ((view.forward, "forward", forward_cells, FORWARD_HEAD),
                                     (view.backward, "backward", backward_cells, BACKWARD_HEAD)):
        parts += ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        equation = 2 if phase == "forward" else 1     # the column shown as code
        for row in rows:
            values = list(cells(row))
            values[equation] = f"`{values[equation]}`"
            if expand:
                inner = "<br>".join(f"`{x}`" for x in inner_lines(view, row, phase))
                values[0] += f" {inner}" if inner else ""
            parts.append("| " + " | ".join(cell(v) for v in values) + " |")
        parts.append("")
    return "\n".join(parts)


def to_html(view, expand=True):
    parts = ['<div class="chainrule-layers">',
             f"<h3>{html.escape(view.explanation.title)} (layer view)</h3>"]
    for rows, phase, cells, head in ((view.forward, "forward", forward_cells, FORWARD_HEAD),
                                     (view.backward, "backward", backward_cells, BACKWARD_HEAD)):
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head)
                     + "</tr>")
        for row in rows:
            values = [html.escape(str(v)) for v in cells(row)]
            inner = inner_lines(view, row, phase) if expand else []
            if inner:
                equation = 2 if phase == "forward" else 1
                values[equation] = (f"<details><summary>{values[equation]}</summary>"
                                    + "".join(f"<div><code>{html.escape(x)}</code></div>"
                                              for x in inner) + "</details>")
            parts.append("<tr>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>")
        parts.append("</table>")
    return "\n".join(parts + ["</div>"]) + "\n"


def to_latex(view, expand=False):
    """Two tabulars; the formulas as typewriter text (they are the gate-level text)."""
    escape = RENDERERS["latex"].escape
    tt = lambda text: rf"\texttt{{{escape(str(text))}}}"  # noqa: E731
    lines = [rf"\paragraph{{{escape(view.explanation.title)} (layer view)}}"]
    for rows, phase, cells, head in ((view.forward, "forward", forward_cells, FORWARD_HEAD),
                                     (view.backward, "backward", backward_cells, BACKWARD_HEAD)):
        lines += [rf"\begin{{tabular}}{{{'l' * len(head)}}}", r"\hline",
                  " & ".join(head) + r" \\", r"\hline"]
        for row in rows:
            lines.append(" & ".join(tt(c) for c in cells(row)) + r" \\")
            if expand:
                lines += [rf"\multicolumn{{{len(head)}}}{{l}}{{\quad {tt(x)}}} \\"
                          for x in inner_lines(view, row, phase)]
        lines += [r"\hline", r"\end{tabular}", ""]
    return "\n".join(lines)


LAYER_FORMATS = {"text": to_text, "markdown": to_markdown, "latex": to_latex, "html": to_html}

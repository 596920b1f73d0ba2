"""The interactive page: one self-contained HTML file (graph, steps, script, style inline).

The graph is laid out by Graphviz when ``dot`` is installed, otherwise (and for a model with
module boxes, whose closed boxes need a layout of their own) by the built-in layout, igraph's;
the steps come from ``cr.explain``. Nothing in the page refers to anything outside
it, so it works offline and makes no network request.
"""
import html
import json
import re
from importlib import resources

from ..nn.module import Module
from .dot import dot_source
from .graph import build
from .layout import layout_svg
from .boxes import layouts
from .render import have_dot, run_dot
from .steps import explained_names, module_groups, outermost, page_steps

LAYOUTS = ("auto", "graphviz", "builtin")
NOTE_ROOM = 0.55       # inches between nodes of a rank: two lines of notes fit under a node
GRAPHVIZ_GATES = 500   # above this, auto lays out built-in: dot's edge labels grow superlinearly


def to_html(out, params=None, title=None, layout="auto"):
    """The step-through page for the graph that made ``out``, as one HTML string.

    ``layout`` is ``"auto"`` (Graphviz where ``dot`` is installed, the graph has at most
    ``GRAPHVIZ_GATES`` gates and no module boxes, else built-in), ``"graphviz"`` or
    ``"builtin"``. The built-in layout gives each set of open module boxes a layout of its
    own, so a closed box takes only its own room; over Graphviz's, a closed box covers its
    gates where they are.

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True, name="x")
    >>> page = cr.viz.to_html(x * x, layout="builtin")
    >>> page.startswith("<!DOCTYPE html>"), page.count('"phase": "backward"')
    (True, 2)
    """
    if layout not in LAYOUTS:
        raise ValueError(f"to_html: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    from ..explain import explain

    graph = build(out, params, "to_html")
    explanation = explain(out, aliases=given_names(graph), model=model_of(params))
    names = explained_names(graph, explanation)
    for node in graph.tensors:   # one name on the graph and in the steps: explain's
        node.name = names.get(node.id, node.name)
        node.grad = None        # the page reveals gradients one backward step at a time
        node.hide_value = node.kind == "tensor"   # and computed values one forward step
    steps = page_steps(graph, explanation, names)
    groups = module_groups(graph, model_of(params))
    use_graphviz = layout == "graphviz" or (layout == "auto" and have_dot() and not groups
                                            and len(graph.gates) <= GRAPHVIZ_GATES)
    closed = {} if use_graphviz or not groups else layouts(graph, groups) or {}
    if use_graphviz:
        svg = graphviz_svg(graph, [g["members"] for g in outermost(groups)])
    else:
        svg = closed.get("") or layout_svg(graph)
    return fill(title or "chainrule: forward and backward", svg, steps, groups, closed)


def given_names(graph):
    """The names the picture gives (from ``params``), for explain to use too."""
    return {n.tensor: n.name for n in graph.tensors
            if n.tensor is not None and n.name and n.name != n.tensor.name}


def model_of(params):
    return params if isinstance(params, Module) else None


def graphviz_svg(graph, clusters=()):
    """Graphviz's SVG, made ready to sit inside the page (no prolog, sized by the page)."""
    text = run_dot(dot_source(graph, nodesep=NOTE_ROOM, clusters=clusters), "svg",
                   "to_html").decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', "<svg", text, count=1)


def fill(title, svg, steps, groups=(), closed=None):
    """Put the parts into the page template in one pass (inserted text is never rescanned);
    the steps, module groups and layouts with closed groups (``{open group ids: SVG}``) are
    JSON with every ``<`` escaped, so no name can close the script."""
    files = {name: resources.files(__package__).joinpath(f"page.{name}").read_text("utf-8")
             for name in ("html", "css", "js")}
    parts = {"CSS": files["css"], "JS": files["js"], "SVG": svg, "TITLE": html.escape(title),
             "STEPS": json_text(steps), "GROUPS": json_text(list(groups)),
             "LAYOUTS": json_text(closed or {})}
    return re.sub(r"__(CSS|JS|STEPS|GROUPS|LAYOUTS|SVG|TITLE)__", lambda m: parts[m.group(1)],
                  files["html"])


def json_text(value):
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")

"""Pictures of a graph: Graphviz DOT, SVG and PNG, and a self-contained step-through page.

Everything here reads a finished graph (``tensor.grad_fn`` and the gate table) and changes
nothing. A plain ``backward()`` frees the graph; to draw a graph together with its
gradients, call ``backward(retain_graph=True)`` first.

>>> import chainrule as cr
>>> x = cr.tensor(-2.0, requires_grad=True, name="x")
>>> f = x * x
>>> f.backward(retain_graph=True)
>>> "grad -4" in cr.viz.to_dot(f)
True
"""
import os

from .dot import to_dot
from .page import to_html
from .render import GraphvizNotFound, have_dot, run_dot, write_atomic

__all__ = ["to_dot", "to_html", "draw", "picture", "Picture", "GraphvizNotFound", "have_dot",
           "write_atomic"]

SUFFIXES = (".dot", ".gv", ".svg", ".png", ".html")


def draw(out, path, params=None, layout="auto", title=None):
    """Write a picture of the graph that made ``out``; the suffix of ``path`` picks the kind.

    ``.dot``/``.gv`` (DOT text) and ``.html`` (the step-through page) need nothing else;
    ``.svg`` and ``.png`` need Graphviz's ``dot`` program; ``layout`` and ``title`` are the
    page's (see ``to_html``). Returns ``path``.

    >>> import chainrule as cr, os, tempfile
    >>> x = cr.tensor(2.0, requires_grad=True, name="x")
    >>> path = cr.viz.draw(x.exp(), os.path.join(tempfile.mkdtemp(), "g.dot"))
    >>> open(path).read().startswith("digraph")
    True
    """
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"draw: cannot tell the picture's kind from {str(path)!r}; end the "
                         f"path with one of {', '.join(SUFFIXES)}")
    if suffix == ".html":
        write_atomic(path, to_html(out, params, title, layout))
    elif suffix in (".dot", ".gv"):
        write_atomic(path, to_dot(out, params))
    else:
        write_atomic(path, run_dot(to_dot(out, params), suffix[1:], "draw"))
    return path


def picture(out, params=None):
    """A picture that Jupyter shows inline (SVG from Graphviz, else the built-in layout).

    >>> import chainrule as cr
    >>> x = cr.tensor(1.0, requires_grad=True, name="x")
    >>> "<svg" in cr.viz.picture(x.sin())._repr_html_()
    True
    """
    return Picture(out, params)


class Picture:
    """A graph's DOT text, shown by Jupyter as SVG; ``save(path)`` as in ``draw``."""

    def __init__(self, out, params=None):
        self.out = out
        self.params = params
        self.dot = to_dot(out, params)

    def _repr_svg_(self):
        return run_dot(self.dot, "svg", "picture").decode("utf-8") if have_dot() else None

    def _repr_html_(self):
        from .graph import build
        from .layout import layout_svg

        svg = self._repr_svg_() or layout_svg(build(self.out, self.params, "picture"))
        return f'<div style="max-width:100%;overflow:auto">{svg[svg.index("<svg"):]}</div>'

    def save(self, path):
        return draw(self.out, path, self.params)

    def __repr__(self):
        return self.dot

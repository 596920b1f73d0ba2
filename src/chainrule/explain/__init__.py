"""``cr.explain(out)``: the forward and backward tables of any graph, step by step.

>>> import chainrule as cr
>>> x = cr.tensor(-2.0, requires_grad=True, name="x")
>>> y = cr.tensor(5.0, requires_grad=True, name="y")
>>> z = cr.tensor(-4.0, requires_grad=True, name="z")
>>> q = x + y
>>> q.name = "q"
>>> f = q * z
>>> f.name = "f"
>>> e = cr.explain(f)
>>> [s.formula for s in e.backward]
['df/df = 1', 'df/dz = q', 'df/dq = z', 'df/dy = df/dq * 1', 'df/dx = df/dq * 1']
>>> e.grad("x"), e.grad("z")
(-4.0, 3.0)
"""
from .graph import build
from .render import FORMATS
from .steps import BackwardStep, ForwardStep, Term, MAX_VALUES  # noqa: F401


class Explanation:
    """The structured steps of one graph (see ``steps``) and their renderers."""

    def __init__(self, forward, backward, output, title="", notes=(), aliases=None):
        self.forward = forward
        self.backward = backward
        self.output = output
        self.title = title or f"Backprop through the graph of {output}"
        self.notes = list(notes)
        self.aliases = dict(aliases or {})

    def step(self, name):
        """The backward step of the node called ``name``."""
        for s in self.backward:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.backward)
        raise KeyError(f"explain: no backward step for a node named {name!r}; the nodes with "
                       f"a gradient are: {known}")

    def grad(self, name):
        """d out / d ``name``, as plain data (a float for a scalar)."""
        return self.step(name).value

    def render(self, fmt="text"):
        if fmt not in FORMATS:
            raise ValueError(f"explain: unknown format {fmt!r}; choose one of "
                             f"{', '.join(FORMATS)}")
        return FORMATS[fmt](self)

    def __str__(self):
        return self.render("text")

    def __repr__(self):
        return f"<Explanation of {self.output}: {len(self.forward)} forward steps, " \
               f"{len(self.backward)} backward steps>"

    def to_markdown(self):
        return self.render("markdown")

    def to_latex(self):
        return self.render("latex")

    def to_html(self):
        return self.render("html")

    def _repr_html_(self):
        return self.to_html()

    def _repr_markdown_(self):
        return self.to_markdown()


def explain(out, title="", notes=(), aliases=None):
    """Forward and backward steps of the graph that made ``out``, without touching ``.grad``.

    ``aliases`` maps a short name to an expression in the graph's names, shown instead of it
    (``{"y_hat": "softmax(z2, 0)"}``); ``notes`` are lines printed under the tables.
    """
    forward, backward, output = build(out, aliases)
    return Explanation(forward, backward, output, title, notes, aliases)

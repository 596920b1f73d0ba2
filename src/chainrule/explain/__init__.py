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
['df/df = 1', 'df/dz = df/df * q', 'df/dq = df/df * z', 'df/dy = df/dq * 1', 'df/dx = df/dq * 1']
>>> e.grad("x"), e.grad("z")
(-4.0, 3.0)
"""
from ..tensor import Tensor
from .graph import build
from .layers import layer_rows
from .modules import record_modules
from .render_layers import LAYER_FORMATS
from .render import FORMATS
from .steps import BackwardStep, ForwardStep, Term, MAX_VALUES  # noqa: F401


class Explanation:
    """The structured steps of one graph (see ``steps``) and their renderers."""

    def __init__(self, forward, backward, output, title="", notes=(), aliases=None, units=()):
        self.forward = forward
        self.backward = backward
        self.output = output
        self.title = title or f"Backprop through the graph of {output}"
        self.notes = list(notes)
        self.aliases = dict(aliases or {})
        self.units = list(units)

    def layers(self):
        """The layer view: one forward row per module call (or per gate where no recorded
        module made it) and the backward rows in seed 000's numbering (see ``layers.py``)."""
        return LayerView(self)

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


class LayerView:
    """``forward`` and ``backward``: lists of ``LayerRow`` (number, name, kind, formula,
    shape, value, steps: the indices of the gate-level steps inside); ``render(fmt,
    expand=False)`` prints them, with each row's gate-level steps under it when ``expand``."""

    def __init__(self, explanation):
        self.explanation = explanation
        self.forward, self.backward = layer_rows(explanation.units, explanation.forward,
                                                 explanation.backward)

    def render(self, fmt="text", expand=False):
        if fmt not in LAYER_FORMATS:
            raise ValueError(f"explain: the layer view has no format {fmt!r}; choose one of "
                             f"{', '.join(LAYER_FORMATS)}")
        return LAYER_FORMATS[fmt](self, expand)

    def __str__(self):
        return self.render("text")

    def _repr_html_(self):
        return self.render("html", expand=True)


def explain(out, title="", notes=(), aliases=None, model=None):
    """Forward and backward steps of the graph that made ``out``, without touching ``.grad``.

    ``aliases`` names things: a tensor -> its name (``{net.fc1.weight: "W1"}``), or a short
    name -> an expression in the graph's names, shown instead of it (``{"y_hat":
    "softmax(z2, 0)"}``). ``model`` names parameters and buffers by their path
    (``fc1.weight``), the model's input ``x`` and a loss's target ``y``; module outputs get
    their module's name (``fc1``) when the forward ran under ``record_modules()``, which is
    also what the layer view (``layers()``) groups by. ``notes`` are lines printed under the
    tables.

    >>> import chainrule as cr
    >>> net = cr.nn.Sequential(cr.nn.Linear(3, 2), cr.nn.ReLU())
    >>> with cr.explain.record_modules():
    ...     loss = net(cr.ones(4, 3)).sum()
    >>> [s.name for s in cr.explain(loss, model=net).forward]
    ['x', '0.weight', '0.bias', 'linear0', 'relu1', 'L']
    """
    names = {k: v for k, v in (aliases or {}).items() if isinstance(k, Tensor)}
    expressions = {k: v for k, v in (aliases or {}).items() if not isinstance(k, Tensor)}
    check_aliases(names, expressions)
    forward, backward, output, units = build(out, expressions, model, names)
    return Explanation(forward, backward, output, title, notes, expressions, units)


def check_aliases(names, expressions):
    for tensor, name in names.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"explain: aliases maps a tensor of shape {tuple(tensor.shape)} to "
                            f"{name!r}; give a name as a non-empty string")
    for short, expression in expressions.items():
        if not isinstance(short, str) or not isinstance(expression, str):
            raise TypeError(f"explain: aliases takes tensor -> name, or a short name -> an "
                            f"expression (both strings); got {short!r} -> {expression!r}")


explain.record_modules = record_modules   # cr.explain is this function: its companions hang on it

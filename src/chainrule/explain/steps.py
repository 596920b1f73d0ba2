"""The structured steps of an explanation: plain dataclasses that every renderer reads.

``cr.explain(out)`` returns an :class:`Explanation` whose ``forward`` and ``backward`` lists
hold these steps. They carry only plain data (strings, numbers, lists, dicts), so another
renderer (an HTML step-through page, a notebook widget) can read them without knowing the
engine. Values are NumPy's ``tolist()``: a float for a scalar, nested lists otherwise; tensors
with more than ``MAX_VALUES`` elements keep their first ``MAX_VALUES`` elements as a flat list
and set ``truncated``.

``ForwardStep`` (one per node, in evaluation order; leaves first where they are first used):

* ``index``: 1-based position in evaluation order;
* ``name``: the node's name: the user's ``name=`` or the gate label plus a counter (``mul1``);
* ``gate``: the gate's class name (``"Mul"``), ``"input"`` for a leaf tensor;
* ``label``: the gate's label (``"*"``), ``""`` for a leaf;
* ``inputs``: the inputs' names in operand order (a constant operand appears as its number);
* ``formula``: the forward formula written with those names (``"q * z"``), the name for a leaf;
* ``gate_formula``: the gate's own formula (``"x * y"``);
* ``symbols``: gate symbol to the name written in ``formula`` (``{"x": "q", "y": "z"}``),
  gate parameters included (``{"dim": "0"}``);
* ``shape``: list of ints; ``value``, ``truncated``; ``requires_grad``: whether the backward
  table has a step for this node.

``BackwardStep`` (one per node that needs a gradient, from the output back to the leaves):

* ``index``: 1-based position in backward order; ``name``; ``shape``;
* ``symbol``: the gradient's name, ``"d<out>/d<name>"`` (``"df/dq"``);
* ``terms``: one :class:`Term` per use of this node by a consumer, in the order they arrive;
  a node used on two paths has two terms, and ``value`` is their sum (the output's own step
  has no terms: its gradient is 1);
* ``formula``: the whole line as text (``"df/dq = df/df * z"``);
* ``value``, ``truncated``: the total gradient, shaped like the node.

``Term`` (upstream gradient times local derivative, for one consumer):

* ``consumer``: the name of the node that used this one; ``gate``: its gate class name;
* ``slot``: which input of that gate this node was (``"y"``);
* ``elementwise``: True when ``term = upstream * local`` element by element; False when the
  gate's derivative is a vector-Jacobian product written with the upstream gradient ``g``
  (matrix form: for ``z = x @ W``, ``dL/dW = x.T @ g``);
* ``upstream``: the consumer's gradient symbol (``"df/df"``);
* ``local``: the local derivative (elementwise) or the vector-Jacobian product, with names;
* ``gate_derivative``: the gate's own derivative formula for that slot (``"y"``);
* ``symbols``: gate symbol to name in ``local`` (``"g"`` maps to ``upstream``);
* ``formula``: the term as text (``"df/df * z"`` or ``"df/dz1 @ x.T"``);
* ``shapes``: name to shape (list of ints) of every tensor named in the term;
* ``upstream_value``; ``local_value`` (elementwise gates only, else None): d consumer / d node
  at each element; ``value``: the term's number, summed to this node's shape;
* ``expression``: the whole term in the gate's symbols, as ``formula`` shows it and as it
  evaluates with the vocabulary (``autograd.rows.evaluate``): ``g * (local)`` for an
  elementwise gate, summed back where broadcasting stretched this node
  (``sum(g * (1), 0)``); empty for a gate without rows;
* ``broadcast``: that sum in words, where there is one (``sum over the batch axis 0: b (4)
  was broadcast to 5x4``); the step's ``formula`` (the whole line) writes it after the term,
  in parentheses, and every renderer shows it.

>>> import chainrule as cr
>>> x = cr.tensor(3.0, requires_grad=True, name="x")
>>> e = cr.explain((x * x).exp())
>>> [t.formula for t in e.backward[-1].terms], e.backward[-1].value == 6 * e.forward[-1].value
(['dexp1/dmul1 * x', 'dexp1/dmul1 * x'], True)
"""
from dataclasses import dataclass, field

MAX_VALUES = 64


@dataclass
class ForwardStep:
    index: int
    name: str
    gate: str
    label: str
    inputs: list
    formula: str
    gate_formula: str
    symbols: dict
    shape: list
    value: object
    truncated: bool = False
    requires_grad: bool = False


@dataclass
class Term:
    consumer: str
    gate: str
    slot: str
    elementwise: bool
    upstream: str
    local: str
    gate_derivative: str
    symbols: dict
    formula: str
    shapes: dict
    upstream_value: object
    local_value: object
    value: object
    expression: str = ""
    broadcast: str = ""


@dataclass
class BackwardStep:
    index: int
    name: str
    shape: list
    symbol: str
    terms: list = field(default_factory=list)
    formula: str = ""
    value: object = None
    truncated: bool = False


def term_expression(elementwise, derivative):
    """A term as one expression in the gate's symbols: ``g * (local)`` or the product itself."""
    return f"g * ({derivative})" if elementwise else derivative


def plain(array):
    """An array as plain data: (value, truncated)."""
    if array.size > MAX_VALUES:
        return array.reshape(-1)[:MAX_VALUES].tolist(), True
    return array.tolist(), False

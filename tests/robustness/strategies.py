"""Hypothesis strategies for the robustness tests: random graphs built from the gate registry,
and the two test profiles.

``graphs()`` draws a small program: float64 leaves of random shapes, then up to
``max_steps`` gates taken from ``OPS`` (the ``op`` of each entry of tests/gate_table.py that
is not ``Excluded``), each applied to an earlier node (so nodes are reused: a node feeds
several gates, the same node may enter a gate twice), with shapes that broadcast, views
(reshape, permute, expand) and indexing (basic, integer arrays with repeats, masks). Several
nodes are outputs. The program runs the same under chainrule and PyTorch.

While it draws, the builder evaluates each gate with chainrule and leaves a gate out when its
output is empty or larger than ``MAX_ELEMENTS``, not finite or beyond ``MAX_MAGNITUDE``, or
when an input is within ``KINK_MARGIN`` of a point where the gate is not differentiable (a
central difference there measures the kink, not the gradient). Exact ties are kept: they come
from the graph's structure (``maximum(x, x)``, ``relu(x - x)``) and the subgradient choices
must agree with PyTorch there.

Profiles: ``bounded(n)`` is the settings of a property with ``n`` examples in the normal run
(derandomized: the same examples every run, no deadline); with ``HYPOTHESIS_PROFILE=long`` it
asks for ``LONG_FACTOR`` times more, drawn afresh each run.
"""
import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import chainrule as cr
from gate_table import GATES, Op

OPS = {name: entry.op for name, entry in GATES.items() if isinstance(entry.op, Op)}

MAX_ELEMENTS = 48
MAX_MAGNITUDE = 1e3
KINK_MARGIN = 1e-3
LONG_FACTOR = 25
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"

settings.register_profile("long", max_examples=5000, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow])
if LONG:
    settings.load_profile("long")


def bounded(max_examples):
    """Settings for a property: ``max_examples`` now, ``LONG_FACTOR`` times more when long."""
    return settings(max_examples=max_examples * (LONG_FACTOR if LONG else 1), deadline=None,
                    derandomize=not LONG, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class RandomGraph:
    """A drawn program. ``nodes[i]`` is ``("leaf", array)`` or ``(gate name, ids, params)``."""

    def __init__(self, nodes, outputs):
        self.nodes = nodes
        self.outputs = outputs

    @property
    def leaves(self):
        return [node[1] for node in self.nodes if node[0] == "leaf"]

    def run(self, lib, *leaves):
        """The outputs, with ``lib`` (chainrule or torch) and the given leaf tensors."""
        remaining = iter(leaves)
        values = []
        for node in self.nodes:
            if node[0] == "leaf":
                values.append(next(remaining))
            else:
                name, ids, params = node
                values.append(OPS[name].apply(lib, *(values[i] for i in ids), **params))
        return tuple(values[i] for i in self.outputs)

    def __repr__(self):
        lines = []
        for i, node in enumerate(self.nodes):
            if node[0] == "leaf":
                lines.append(f"n{i} = leaf {node[1].shape}")
            else:
                name, ids, params = node
                args = ", ".join([f"n{j}" for j in ids] + [f"{k}={v!r}" for k, v in params.items()])
                lines.append(f"n{i} = {name}({args})")
        lines.append("outputs: " + ", ".join(f"n{i}" for i in self.outputs))
        return "\n".join(lines)


class Builder:
    """Grows a random graph one gate at a time, evaluating each node with chainrule."""

    def __init__(self, draw, seed):
        self.draw = draw
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.values = []

    # ----- draws ----------------------------------------------------------------------------
    def flip(self):
        return self.draw(st.booleans())

    def choice(self, options):
        return self.draw(st.sampled_from(options))

    def pick(self):
        """An earlier node, most often a recent one (deep chains), any of them (reuse)."""
        return len(self.nodes) - 1 - self.draw(st.integers(0, len(self.nodes) - 1))

    def widest(self):
        """The most recent of the nodes with the most dimensions (for gates that need some)."""
        return max(range(len(self.values)), key=lambda i: (self.values[i].ndim, i))

    # ----- nodes ----------------------------------------------------------------------------
    def shape(self, i):
        return self.values[i].shape

    def leaf(self, shape, positive=False):
        array = self.rng.uniform(0.5, 2.0, shape) if positive else self.rng.standard_normal(shape)
        self.nodes.append(("leaf", np.asarray(array)))
        self.values.append(cr.tensor(array, dtype=cr.float64))
        return len(self.nodes) - 1

    def shaped(self, shape):
        """An earlier node of exactly ``shape``, or a new leaf."""
        same = [i for i, v in enumerate(self.values) if v.shape == tuple(shape)]
        return self.choice(same) if same and self.flip() else self.leaf(tuple(shape))

    def broadcastable(self, shape, same=False):
        """An earlier node that broadcasts with ``shape`` (or has it, when ``same``), or a new
        leaf whose shape broadcasts with it: some sizes set to 1, leading dims dropped or added."""
        fits = [i for i, v in enumerate(self.values)
                if (v.shape == shape if same else broadcasts(v.shape, shape))]
        if fits and self.flip():
            return self.choice(fits)
        if same:
            return self.leaf(shape)
        new = tuple(n if self.flip() else 1 for n in shape)
        if self.flip():
            return self.leaf(new[self.draw(st.integers(0, len(new))):])
        return self.leaf((2,) + new if len(new) < 3 and self.flip() else new)

    def positive(self, i):
        """Node ``i`` itself when all its values exceed 0.2, else sigmoid(i) + c, c in [0.5, 2]."""
        if self.values[i].detach().numpy().min() > 0.2:
            return i
        squashed = self.add("Sigmoid", (i,), {})
        return self.add("Add", (squashed, self.leaf((), positive=True)), {})

    def add(self, name, ids, params):
        """Append a gate; returns its id, or None when it is left out (see the module doc)."""
        with cr.no_grad():
            out = OPS[name].apply(cr, *(self.values[i] for i in ids), **params)
        data = out.detach().numpy()
        if not 0 < data.size <= MAX_ELEMENTS or not np.all(np.abs(data) <= MAX_MAGNITUDE):
            return None
        kink = OPS[name].kink
        if kink is not None:
            with np.errstate(over="ignore"):
                margin = np.asarray(kink(*(self.values[i].detach().numpy() for i in ids), **params))
            if np.any((margin > 0) & (margin < KINK_MARGIN)):
                return None
        self.nodes.append((name, tuple(ids), params))
        self.values.append(out)
        return len(self.nodes) - 1


def broadcasts(a, b):
    return all(x == y or x == 1 or y == 1 for x, y in zip(a[::-1], b[::-1]))


shapes = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)


@st.composite
def graphs(draw, max_steps=10, ops=tuple(sorted(OPS))):
    """A ``RandomGraph`` of up to ``max_steps`` gates drawn from ``ops``, 1 to 3 outputs."""
    b = Builder(draw, draw(st.integers(0, 2 ** 32 - 1)))
    b.leaf(draw(shapes))
    steps = draw(st.integers(1, max_steps))
    for _ in range(3 * steps):
        name = draw(st.sampled_from(ops))
        picked = OPS[name].pick(b, b.pick()) or OPS[name].pick(b, b.widest())
        if picked is not None and b.add(name, *picked) is not None:
            steps -= 1
            if not steps:
                break
    last = len(b.nodes) - 1
    extra = draw(st.lists(st.integers(0, last), max_size=2, unique=True))
    return RandomGraph(b.nodes, [last] + [i for i in extra if i != last])

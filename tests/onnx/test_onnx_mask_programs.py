"""Random programs over the mask gates: comparisons of values (and numbers), logical
operations, predicates, where, rounding, casts and a little arithmetic, drawn by
hypothesis, on inputs full of ties, zeros, NaN and infinities. Each is exported with a
dynamic batch axis and run by onnxruntime at two batch sizes: its outputs must be
chainrule's, element for element (NaN where chainrule has NaN)."""
import io

import numpy as np
from hypothesis import strategies as st
from hypothesis import given

import chainrule as cr
from onnx_helpers import session
from robustness.strategies import bounded

# values that sit on the numbers the programs compare with, and the special ones
SPECIAL = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.5, np.nan, np.inf, -np.inf], np.float32)
NUMBERS = [-1.0, -0.5, 0.0, 0.5, 1.0]

COMPARE = {">": cr.gt, "<": cr.lt, ">=": cr.ge, "<=": cr.le, "==": cr.eq, "!=": cr.ne}
LOGICAL = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
           "and": cr.logical_and, "or": cr.logical_or, "xor": cr.logical_xor}
PREDICATE = {"isnan": cr.isnan, "isinf": cr.isinf, "isfinite": cr.isfinite,
             "isposinf": cr.isposinf, "isneginf": cr.isneginf, "not": cr.logical_not,
             "~": lambda m: ~m}
FLOAT = {"floor": cr.floor, "round": cr.round, "sign": cr.sign, "relu": cr.relu,
         "half": lambda v: v * 0.5, "clamp": lambda v: v.clamp(-1, 1)}


@st.composite
def programs(draw):
    """Steps, each reading earlier values: ``("compare", op, i, j or number)`` makes a mask,
    ``("logical", op, a, b)``, ``("predicate", op, i)`` a mask of a mask or a value,
    ``("where", a, i, j or number)`` and ``("float", op, i)`` and ``("cast", a)`` values."""
    steps, values, masks = [], 2, 0
    for _ in range(draw(st.integers(2, 8))):
        kinds = ["compare", "predicate", "float"] + (["where", "cast", "logical"] if masks else [])
        kind = draw(st.sampled_from(kinds))
        other = draw(st.one_of(st.integers(0, values - 1), st.sampled_from(NUMBERS)))
        if kind == "compare":
            steps.append((kind, draw(st.sampled_from(sorted(COMPARE))),
                          draw(st.integers(0, values - 1)), other))
            masks += 1
        elif kind == "predicate":
            op = draw(st.sampled_from(sorted(PREDICATE)))
            of_mask = op in ("not", "~")
            if of_mask and not masks:
                op, of_mask = "isnan", False
            steps.append((kind, op, draw(st.integers(0, (masks if of_mask else values) - 1))))
            masks += 1
        elif kind == "logical":
            steps.append((kind, draw(st.sampled_from(sorted(LOGICAL))),
                          draw(st.integers(0, masks - 1)), draw(st.integers(0, masks - 1))))
            masks += 1
        elif kind == "where":
            steps.append((kind, draw(st.integers(0, masks - 1)),
                          draw(st.integers(0, values - 1)), other))
            values += 1
        elif kind == "cast":
            steps.append((kind, draw(st.integers(0, masks - 1))))
            values += 1
        else:
            steps.append((kind, draw(st.sampled_from(sorted(FLOAT))),
                          draw(st.integers(0, values - 1))))
            values += 1
    return steps


class Program(cr.nn.Module):
    def __init__(self, steps):
        super().__init__()
        self.steps = steps

    def forward(self, x, y):
        values, masks = [x, y], []
        def value(i):
            return values[i] if isinstance(i, int) else i
        for step in self.steps:
            kind = step[0]
            if kind == "compare":
                masks.append(COMPARE[step[1]](values[step[2]], value(step[3])))
            elif kind == "predicate":
                op = PREDICATE[step[1]]
                masks.append(op(masks[step[2]] if step[1] in ("not", "~") else values[step[2]]))
            elif kind == "logical":
                masks.append(LOGICAL[step[1]](masks[step[2]], masks[step[3]]))
            elif kind == "where":
                values.append(cr.where(masks[step[1]], values[step[2]], value(step[3])))
            elif kind == "cast":
                values.append(masks[step[1]].float())
            else:
                values.append(FLOAT[step[1]](values[step[2]]))
        last_mask = masks[-1].float() if masks else x * 0
        return values[-1] + 0.0, last_mask


def inputs(n, seed):
    rng = np.random.default_rng(seed)
    return [rng.choice(SPECIAL, size=(n, 5)) for _ in range(2)]


@bounded(40)
@given(programs())
def test_a_random_mask_program_exports_exactly(steps):
    model = Program(steps).eval()
    buffer = io.BytesIO()
    with np.errstate(invalid="ignore"):   # the inputs hold NaN and inf on purpose
        cr.onnx.export(model, tuple(cr.tensor(a) for a in inputs(3, 0)), buffer,
                       dynamic_axes={"x": [0], "y": [0]})
        runtime = session(buffer.getvalue())
        for n, seed in ((4, 1), (9, 2)):
            arrays = inputs(n, seed)
            got = runtime.run(None, {"x": arrays[0], "y": arrays[1]})
            with cr.no_grad():
                want = model(*(cr.tensor(a) for a in arrays))
            for g, w in zip(got, want):
                assert g.shape == tuple(w.shape) and g.dtype == w.dtype
                np.testing.assert_array_equal(g, w.numpy())

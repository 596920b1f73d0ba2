"""Each gate's ``record`` and its fast paths ``unary`` and ``binary``, generated from one
template when the gate class is defined, as its backward is generated from its rows.

``record`` joins a node to the graph: it keeps what backward needs (the operands, their
arrays, which want a gradient), notes the in-place clock and the next creation number, and
returns the output tensor. The fast paths are ``apply`` for one and two operands without
apply's loop and keyword arguments (more than half of its overhead): Tensor's operators are
these functions themselves (``Tensor.__mul__`` is ``Mul.binary``).

The recording steps are written once, in ``RECORD``, and spliced into all three functions:
one call per operation fewer than calling ``record`` from the fast paths. Each class compiles its own copy, so the attribute stores at each site
always see one class, which CPython's caches reward; and every node of a class gets the
same attributes in the same order (``same_shapes``, ``out_data`` and ``released`` too),
so its instances share one dict layout, which makes backward's reads fast. Together these
bought 0.15 us per operation in forward and 0.1 us per gate in backward on
``benchmarks/engine_speed.py c`` (0.56 -> 0.49 of PyTorch's time).

>>> print(UNARY.splitlines()[0])
def unary(self):
"""
import itertools

import numpy as np

from ..dtypes import PYTHON_NUMBERS, SCALAR_OPERANDS, as_torch_promotes, float64
from ..tensor import FILL_SLOTS, Tensor, array_of, new_tensor
from .anomaly import GENERATED, note_creation
from .grad_mode import anomaly_mode, inplace_clock, state

# needs_input_grad of unary and binary gates, built once: one allocation fewer per operation
PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))
WANTED = (True,)
# Every gate that joins the graph takes the next number: a gate's inputs always come from
# gates with smaller numbers, so backward may run gates from the largest number down.
SEQUENCE = itertools.count()

RECORD = """\
    node.tensors = {operands}
    node.arrays = {arrays}
    node.needs_input_grad = {needs}
    node.same_shapes = {same_shapes}
    node.out_data = data if saves_output else None
    node.clock = inplace_clock.now
    node.seq = next(SEQUENCE)
    node.released = False
    cls = Tensor   # the output tensor, its slots filled as new_tensor fills them
""" + FILL_SLOTS + """\
    return t
"""

RECORD_FUNCTION = """\
def record(node, operands, arrays, needs, data):
""" + RECORD.format(operands="operands", arrays="arrays", needs="needs", same_shapes="False")

# NumPy's result dtype is PyTorch's for arrays of one dtype and a Python number beside a
# tensor, except where it made float64 (integers divided, an int tensor and a float):
# dtypes.as_torch_promotes is asked only when the operands are mixed or the result is float64
FORWARD = """\
    try:
        if ufunc is None:
            data = node.forward({arrays})
        else:   # Gate.forward, inline
            data = ufunc({arrays})
            if {numpy_may_differ}:   # from PyTorch's dtype (dtypes.as_torch_promotes)
                data = as_torch_promotes(data, {arrays})
    except ValueError as error:
        raise explain_value_error(node, ({arrays},), error) from None
    if anomaly_mode.enabled:
        note_creation(node)
"""

UNARY = """\
def unary(self):
    node = new(gate_class)
    a = self._data
""" + FORWARD.format(arrays="a", numpy_may_differ="data.dtype is not a.dtype") + """\
    if not (self.requires_grad and state.enabled):
        return new_tensor(data, None)
""" + RECORD.format(operands="(self,)", arrays="(a,)", needs="WANTED", same_shapes="elementwise")

BINARY = """\
def binary(self, other):
    x, y = self, other
    # a Python number beside one tensor, as a cached 0-d array of its dtype: it cannot
    # broadcast the tensor, and the gradient stays in the tensor's dtype (same_shapes)
    # two arrays of different dtypes: NumPy's result dtype may not be PyTorch's (mixed)
    number = False
    if isinstance(x, Tensor):
        if isinstance(y, Tensor):
            a, b, needs = x._data, y._data, PAIRS[x.requires_grad][y.requires_grad]
            mixed = a.dtype is not b.dtype
        else:
            number = casts_numbers and type(y) in PYTHON_NUMBERS
            a, b, needs = x._data, SCALAR_OPERANDS[x._data.dtype][y] if number else y, \\
                PAIRS[x.requires_grad][False]
            mixed = not number and type(b) is ndarray and b.dtype is not a.dtype
    else:
        number = casts_numbers and type(x) in PYTHON_NUMBERS
        a, b, needs = SCALAR_OPERANDS[y._data.dtype][x] if number else x, y._data, \\
            PAIRS[False][y.requires_grad]
        mixed = not number and type(a) is ndarray and a.dtype is not b.dtype
    node = new(gate_class)
""" + FORWARD.format(arrays="a, b", numpy_may_differ="mixed or data.dtype is float64") + """\
    if not ((needs[0] or needs[1]) and state.enabled):
        return new_tensor(data, None)
""" + RECORD.format(operands="(x, y)", arrays="(a, b)", needs="needs", same_shapes="number")

TEMPLATES = {"record": RECORD_FUNCTION, "unary": UNARY, "binary": BINARY}


def compile_for(cls):
    """{name: function} of ``cls``'s record, unary and binary, each compiled for it."""
    namespace = {
        "gate_class": cls, "ufunc": cls.ufunc, "elementwise": cls.elementwise,
        "saves_output": cls.saves_output, "casts_numbers": cls.number_operands,
        "new": object.__new__, "new_tensor": new_tensor, "Tensor": Tensor, "NEW": object.__new__,
        "array_of": array_of,
        "PAIRS": PAIRS, "WANTED": WANTED, "SEQUENCE": SEQUENCE, "inplace_clock": inplace_clock,
        "state": state, "anomaly_mode": anomaly_mode, "float64": float64,
        "as_torch_promotes": as_torch_promotes, "ndarray": np.ndarray,
        "PYTHON_NUMBERS": PYTHON_NUMBERS,
        "SCALAR_OPERANDS": SCALAR_OPERANDS, "explain_value_error": explain_value_error,
        "note_creation": note_creation}
    functions = {}
    for name, template in TEMPLATES.items():
        filename = f"<{name} of {cls.__name__}>"
        GENERATED.add(filename)   # anomaly mode leaves these frames out of tracebacks
        exec(compile(template, filename, "exec"), namespace)
        functions[name] = namespace[name]
        functions[name].__qualname__ = f"{cls.__name__}.{name}"
    return functions


def explain_value_error(node, arrays, error):
    """NumPy's broadcasting failure, restated with the gate and the shapes involved."""
    if "broadcast" not in str(error):
        return error
    shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays)
    return ValueError(
        f"{type(node).__name__.lower()} ('{node.label}'): shapes {shapes} cannot be broadcast "
        f"together; sizes must match or be 1 in each dimension, counting from the last "
        f"(reshape or unsqueeze an operand)")

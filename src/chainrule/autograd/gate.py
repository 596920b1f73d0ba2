"""The gate: one operation of the graph, its forward and its math as data.

A gate class carries, side by side:

* ``label``: how graphs and tables show it (``"+"``, ``"exp"``, ``"@"``);
* ``inputs``: the names of its tensor inputs (``("x", "y")``);
* ``formula``: the forward formula written with those names (``"x * y"``);
* ``derivatives``: one row per input: the local derivative ``d out / d input`` when the gate
  is ``elementwise`` (``{"x": "y", "y": "x"}``), else the vector-Jacobian product written with
  the upstream gradient ``g`` (``{"x": "g @ W"}``); or ``cases``, one set of rows per case
  where the rows depend on the operands' shapes (forward sets ``self.case``);
* ``saves``: the values forward keeps on the node for the rows (``("dim",)``);
  ``residuals``: values forward computes anyway and the rows reuse, each with its formula
  (``{"probs": "softmax(x, 1)"}``); ``reduction``: the rows see ``g`` and ``out`` with the
  reduced dimensions kept;
* ``forward(self, *arrays, **params)``, or ``ufunc = np.exp`` when it is one NumPy ufunc;
* ``methods``: the Tensor methods and operators it computes (``("exp",)``, ``("__mul__",
  "mul")``), installed on Tensor as its fast paths; ``function``: the public function.

The rows *are* the backward: ``rows.compile_backward`` turns them into ``backward(self, g,
xp)`` when the class is defined, and the same text is what explain prints. ``xp`` is the
vocabulary's namespace: bare arrays normally, Tensors when ``create_graph=True`` asks for a
graph of the backward itself. Every concrete gate class registers in ``REGISTRY``.
"""
import itertools
import weakref

import numpy as np

from ..dtypes import PYTHON_NUMBERS, SCALAR_OPERANDS, as_torch_promotes, float64, is_foreign
from ..tensor import PUBLIC, Tensor, new_tensor
from . import rows
from .grad_mode import anomaly_mode, inplace_clock, state
from .registry import REGISTRY

# needs_input_grad of unary and binary gates, built once: one allocation fewer per operation
PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))
WANTED = (True,)
# Every gate that joins the graph takes the next number: a gate's inputs always come from
# gates with smaller numbers, so backward may run gates from the largest number down.
SEQUENCE = itertools.count()


class Observing:
    """Whether any gate has had hooks or retain_grad: until one has, backward does not even
    ask each gate (a plain attribute, read once per gate)."""

    anywhere = False


class Gate:
    """Base class of every operation in the graph (one instance per application)."""

    label = "?"
    inputs = ("x",)
    formula = ""
    derivatives = {}
    cases = None
    saves = ()
    residuals = {}          # values forward computes and backward reuses, with their formulas
    elementwise = False
    reduction = False       # rows see g and out with the reduced dims kept (forward saves kept)
    ufunc = None
    number_operands = False   # a Python number operand may run as a cached 0-d array of the
                              # tensor's dtype: its rows use it only as forward does
    methods = ()
    function = None
    saves_inputs = saves_output = False   # derived from the rows

    # Filled in by `record` on nodes that join the graph; emptied when backward releases them.
    tensors = ()            # the input Tensors (or constants), in operand order
    arrays = ()             # their arrays, as they were at forward time
    needs_input_grad = ()   # for each input, whether it wants a gradient (lets backward skip work)
    out_data = None         # the output array, kept when the rows read ``out``
    hooks = None            # the output tensor's hooks, when it is a non-leaf (register_hook)
    retained = None         # weak reference to the output tensor after retain_grad()
    observed = False        # True once hooks or retain_grad ask to see the output's gradient
    same_shapes = False     # every input's gradient comes out in its shape and dtype (a unary
                            # elementwise gate; a tensor and a cached number): no conform
    clock = 0               # the in-place clock when the inputs were saved
    seq = 0                 # creation order in the graph (from SEQUENCE)
    output_changed = False  # set when the output is changed in place (no_grad) afterwards
    released = False        # True once backward freed what the gate saved

    def __init_subclass__(cls, register=True, **kwargs):
        super().__init_subclass__(**kwargs)
        if not register:
            return
        rows.check_gate(cls)
        cls.saves_inputs, cls.saves_output = rows.used(cls)
        cls.saves = tuple(cls.saves) + tuple(cls.residuals) + (("kept",) if cls.reduction else ())
        cls.backward = rows.compile_backward(cls)
        cls.unary = unary_fast_path(cls)
        cls.binary = binary_fast_path(cls)
        install(cls)
        REGISTRY[cls.__name__] = cls

    @classmethod
    def apply(cls, *operands, **params):
        """Run the gate on Tensors, arrays or numbers; record it in the graph when needed."""
        arrays = []
        needs = []
        for x in operands:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                needs.append(x.requires_grad)
            else:
                arrays.append(x)
                needs.append(False)
        node = cls.__new__(cls)
        data = node.run_forward(arrays, params)
        if True in needs and state.enabled:
            return node.record(operands, tuple(arrays), tuple(needs), data)
        return new_tensor(data, None)

    def run_forward(self, arrays, params):
        """forward, with NumPy's broadcasting errors and a host-only gate's refusal of
        another library's arrays restated, and anomaly mode's check."""
        try:
            data = self.forward(*arrays, **params)
        except ValueError as error:
            raise explain_value_error(self, arrays, error) from None
        except TypeError as error:
            if not any(is_foreign(a) for a in arrays):
                raise
            raise explain_host_only(self, arrays, error) from error
        if anomaly_mode.enabled:
            check_forward(self, arrays, data)
        return data

    def record(self, operands, arrays, needs, data):
        """Join the graph: keep what backward needs, the in-place clock and the next creation
        number, and return the output tensor. (``arrays`` and ``needs`` are tuples: holding
        only arrays and bools, the cyclic garbage collector stops tracking them.)"""
        self.tensors = operands
        self.arrays = arrays
        self.needs_input_grad = needs
        self.clock = inplace_clock.now
        self.seq = next(SEQUENCE)
        if self.saves_output:
            self.out_data = data
        return new_tensor(data, self)

    def forward(self, *arrays, **params):
        """The output array; by default the gate's ``ufunc``, with PyTorch's result dtype."""
        if self.ufunc is None:
            raise NotImplementedError(f"gate {type(self).__name__} has no forward")
        return as_torch_promotes(self.ufunc(*arrays), *arrays)

    def rows(self):
        """{input: row} of this node as explain prints it: its case's rows (or the gate's),
        with each residual's formula put in."""
        rows_ = self.cases[self.case] if self.cases else self.derivatives
        residuals = tuple(self.residuals.items())
        return {slot: rows.inlined(row, residuals) for slot, row in rows_.items()}

    def observe(self):
        """Hooks or retain_grad want this gate's gradient: backward shows it to them."""
        self.observed = True
        Observing.anywhere = True

    def hook_table(self):
        if self.hooks is None:
            self.hooks = {}
            self.observe()
        return self.hooks

    def retain(self, tensor):
        self.retained = weakref.ref(tensor)
        self.observe()

    def name(self):
        """PyTorch's ``grad_fn.name()``: the gate's class name."""
        return type(self).__name__

    @property
    def next_functions(self):
        """PyTorch's view of the graph: the gates (or None for leaves) that made the inputs."""
        return tuple((t.grad_fn if isinstance(t, Tensor) else None, 0) for t in self.tensors)

    def __repr__(self):
        return f"<{type(self).__name__} {self.label}>"


def install(cls):
    """The gate's Tensor methods are its fast paths (unary for one input, binary for two);
    reflected operators (``__radd__``) swap the operands; ``function`` is exported."""
    fast = cls.unary if len(cls.inputs) == 1 else cls.binary
    for method in cls.methods:
        if method in REFLECTED:
            setattr(Tensor, method, reflected(cls.binary, method))
        else:
            setattr(Tensor, method, fast)
    if cls.function:
        PUBLIC[cls.function] = cls.apply


REFLECTED = {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rpow__", "__rmatmul__"}


def reflected(binary, name):
    def swapped(self, other):
        return binary(other, self)
    swapped.__name__ = name
    return swapped


# unary and binary are apply for one and two operands without apply's loop and keyword
# arguments (more than half of its overhead), made once per gate class from its row
# attributes. Tensor's operators are these functions themselves (Tensor.__mul__ is Mul.binary).
new = object.__new__


def unary_fast_path(cls):
    """``cls.apply`` for one Tensor and no parameters: ``cls.unary(x)``, or ``x.exp()``."""
    ufunc, elementwise = cls.ufunc, cls.elementwise

    def unary(self):
        node = new(cls)
        a = self.data
        try:
            if ufunc is None:
                data = node.forward(a)
            else:   # Gate.forward, inline
                data = ufunc(a)
                if data.dtype is float64:
                    data = as_torch_promotes(data, a)
        except ValueError as error:
            raise explain_value_error(node, (a,), error) from None
        if anomaly_mode.enabled:
            check_forward(node, (a,), data)
        if not (self.requires_grad and state.enabled):
            return new_tensor(data, None)
        node.same_shapes = elementwise
        return node.record((self,), (a,), WANTED, data)
    unary.__qualname__ = f"{cls.__name__}.unary"
    return unary


def binary_fast_path(cls):
    """``cls.apply`` for two operands, at least one a Tensor: ``cls.binary(x, y)``, or
    ``x * y`` (the parameters are named as the Tensor method's: ``x.mul(other=y)``)."""
    ufunc, casts_numbers = cls.ufunc, cls.number_operands

    def binary(self, other):
        x, y = self, other
        # a Python number beside one tensor, as a cached 0-d array of its dtype: it cannot
        # broadcast the tensor, and the gradient stays in the tensor's dtype (same_shapes)
        number = False
        if isinstance(x, Tensor):
            if isinstance(y, Tensor):
                arrays, needs = (x.data, y.data), PAIRS[x.requires_grad][y.requires_grad]
            else:
                number = casts_numbers and type(y) in PYTHON_NUMBERS
                b = SCALAR_OPERANDS[x.data.dtype][y] if number else y
                arrays, needs = (x.data, b), PAIRS[x.requires_grad][False]
        else:
            number = casts_numbers and type(x) in PYTHON_NUMBERS
            a = SCALAR_OPERANDS[y.data.dtype][x] if number else x
            arrays, needs = (a, y.data), PAIRS[False][y.requires_grad]
        node = new(cls)
        try:
            if ufunc is None:
                data = node.forward(*arrays)
            else:   # Gate.forward, inline
                data = ufunc(*arrays)
                if data.dtype is float64:
                    data = as_torch_promotes(data, *arrays)
        except ValueError as error:
            raise explain_value_error(node, arrays, error) from None
        if anomaly_mode.enabled:
            check_forward(node, arrays, data)
        if not ((needs[0] or needs[1]) and state.enabled):
            return new_tensor(data, None)
        node.same_shapes = number
        return node.record((x, y), arrays, needs, data)
    binary.__qualname__ = f"{cls.__name__}.binary"
    return binary


class Context:
    """What a custom `Function` keeps between forward and backward (PyTorch's ``ctx``)."""

    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        """Accepted for PyTorch compatibility; outputs of a Function are single tensors here."""


def check_forward(node, arrays, data):
    """Anomaly mode: stop at the first gate whose forward gives NaN or inf."""
    if isinstance(data, np.ndarray) and data.dtype.kind == "f" and not np.isfinite(data).all():
        raise FloatingPointError(
            f"anomaly: forward of gate '{node.label}' ({type(node).__name__}) produced "
            f"{describe_nonfinite(data)} from inputs of shapes {shapes_of(arrays)}")


def explain_value_error(node, arrays, error):
    """NumPy's broadcasting failure, restated with the gate and the shapes involved."""
    if "broadcast" not in str(error):
        return error
    shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays)
    return ValueError(
        f"{type(node).__name__.lower()} ('{node.label}'): shapes {shapes} cannot be broadcast "
        f"together; sizes must match or be 1 in each dimension, counting from the last "
        f"(reshape or unsqueeze an operand)")


def explain_host_only(node, arrays, error):
    """A gate that computes on host NumPy arrays only met another library's array, which
    refused to be converted (docs/engine.md, "Backends")."""
    kind = next(type(a).__name__ for a in arrays if is_foreign(a))
    return TypeError(
        f"{type(node).__name__.lower()} ('{node.label}') could not compute on {kind} arrays: "
        f"{error}. Convolution, pooling, unfold and fold compute on host NumPy arrays only "
        f"(docs/engine.md, \"Backends\"): run them on NumPy arrays")


def describe_nonfinite(data):
    kinds = []
    if np.isnan(data).any():
        kinds.append("NaN")
    if np.isinf(data).any():
        kinds.append("inf")
    return " and ".join(kinds)


def shapes_of(arrays):
    return ", ".join(str(tuple(np.shape(a))) for a in arrays)

"""The gate: one operation of the graph, with its forward, backward and formulas as data.

A gate class carries, side by side:

* ``label``: how graphs and tables show it (``"+"``, ``"exp"``, ``"@"``);
* ``inputs``: the names of its tensor inputs (``("x", "y")``);
* ``formula``: the forward formula written with those names (``"x * y"``);
* ``derivatives``: for each input, the local derivative ``d out / d input`` when the gate is
  elementwise (``{"x": "y", "y": "x"}``), or the vector-Jacobian product written with the
  upstream gradient ``g`` when it is not (``{"x": "g @ W.T"}``);
* ``forward(self, *arrays, **params)`` on NumPy arrays, which may keep on ``self`` what
  backward needs beyond the inputs and the output (a mask, a shape, indices); or, when the
  forward is a single NumPy ufunc, ``ufunc = np.exp`` in its place;
* ``backward(self, g, xp)`` returning one gradient per input (or ``None``).

``backward`` is written once against a small namespace ``xp`` and runs two ways: on bare
arrays (``xp = ARRAYS``, the normal, full-speed path) and on Tensors (``xp = TENSORS``) when
``create_graph=True`` asks for a graph of the backward itself (higher-order gradients).
``xp.values(self)`` gives the inputs and ``xp.output(self)`` the output in the matching kind.

Every concrete gate class registers itself in ``REGISTRY`` under its class name; the explain
tables, the graph pictures and the test suite all read that one table.
"""
import itertools

import numpy as np

from ..dtypes import as_torch_promotes, float64, scalar_operand

from .grad_mode import inplace_clock, state

REGISTRY = {}
# needs_input_grad of unary and binary gates, built once: one allocation fewer per operation
PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))
WANTED = (True,)
# Every gate that joins the graph takes the next number: a gate's inputs always come from
# gates with smaller numbers, so backward may run gates from the largest number down.
SEQUENCE = itertools.count()


class Gate:
    """Base class of every operation in the graph (one instance per application)."""

    label = "?"
    inputs = ("x",)
    formula = ""
    derivatives = {}
    elementwise = False
    saves_output = False   # True when backward reads the output (exp, sigmoid, tanh, ...)
    saves_inputs = True    # False when backward never reads the inputs (+, reshape, ...)
    ufunc = None           # a gate whose forward is one NumPy ufunc names it instead of forward

    # Filled in by `apply` on nodes that join the graph; emptied when backward releases them.
    tensors = ()            # the input Tensors (or constants), in operand order
    arrays = ()             # their arrays, as they were at forward time
    needs_input_grad = ()   # for each input, whether it wants a gradient (lets backward skip work)
    out_data = None         # the output array, kept when `saves_output`
    hooks = None            # the output tensor's hooks, when it is a non-leaf (register_hook)
    retained = None         # weak reference to the output tensor after retain_grad()
    observed = False        # True once hooks or retain_grad ask to see the output's gradient
    clock = 0               # the in-place clock when the inputs were saved (-1 once released)
    seq = 0                 # creation order in the graph (from SEQUENCE)
    output_changed = False  # set when the output is changed in place (no_grad) afterwards
    released = False

    def __init_subclass__(cls, register=True, **kwargs):
        super().__init_subclass__(**kwargs)
        if register:
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

    # unary and binary repeat apply's steps inline: they run for nearly every operation, and
    # the loop, the keyword arguments and two calls they skip are half of its overhead.
    @classmethod
    def unary(cls, x):
        """``apply`` for one Tensor and no parameters."""
        node = cls.__new__(cls)
        try:
            if cls.ufunc is None:
                data = node.forward(x.data)
            else:   # Gate.forward, inline: a Python call less on the hottest path
                data = cls.ufunc(x.data)
                if data.dtype is float64:
                    data = as_torch_promotes(data, x.data)
        except ValueError as error:
            raise explain_value_error(node, (x.data,), error) from None
        if state.anomaly:
            check_forward(node, (x.data,), data)
        if x.requires_grad and state.enabled:
            return node.record((x,), (x.data,), WANTED, data)
        return new_tensor(data, None)

    @classmethod
    def binary(cls, x, y):
        """``apply`` for two operands, at least one a Tensor."""
        if isinstance(x, Tensor):
            if isinstance(y, Tensor):
                arrays, needs = (x.data, y.data), PAIRS[x.requires_grad][y.requires_grad]
            else:
                arrays = x.data, (scalar_operand(y, x.data) if cls.elementwise else y)
                needs = PAIRS[x.requires_grad][False]
        else:
            arrays = (scalar_operand(x, y.data) if cls.elementwise else x), y.data
            needs = PAIRS[False][y.requires_grad]
        node = cls.__new__(cls)
        try:
            if cls.ufunc is None:
                data = node.forward(*arrays)
            else:   # Gate.forward, inline
                data = cls.ufunc(*arrays)
                if data.dtype is float64:
                    data = as_torch_promotes(data, *arrays)
        except ValueError as error:
            raise explain_value_error(node, arrays, error) from None
        if state.anomaly:
            check_forward(node, arrays, data)
        if (needs[0] or needs[1]) and state.enabled:
            return node.record((x, y), arrays, needs, data)
        return new_tensor(data, None)

    def run_forward(self, arrays, params):
        """forward, with NumPy's broadcasting errors restated and anomaly mode's check."""
        try:
            data = self.forward(*arrays, **params)
        except ValueError as error:
            raise explain_value_error(self, arrays, error) from None
        if state.anomaly:
            check_forward(self, arrays, data)
        return data

    def record(self, operands, arrays, needs, data):
        """Join the graph: keep what backward needs and return the output tensor.

        ``arrays`` and ``needs`` are tuples: holding only arrays and bools, the cyclic
        garbage collector stops tracking them, where lists it would rescan every time."""
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

    def backward(self, g, xp):
        raise NotImplementedError(f"gate {type(self).__name__} has no backward")

    def name(self):
        """PyTorch's ``grad_fn.name()``: the gate's class name."""
        return type(self).__name__

    @property
    def next_functions(self):
        """PyTorch's view of the graph: the gates (or None for leaves) that made the inputs."""
        return tuple((t.grad_fn if isinstance(t, Tensor) else None, 0) for t in self.tensors)

    def __repr__(self):
        return f"<{type(self).__name__} {self.label}>"


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


def check_saved(node):
    """Raise if what this gate saved is gone (an earlier backward released it) or an input
    or the output it saved was changed in place since forward: its backward would silently
    use the new values."""
    if node.released:
        raise_released(node)
    if node.output_changed and node.saves_output:
        raise_changed(node, "its output", None)
    if not node.saves_inputs:
        return
    for name, t in zip(node.inputs, node.tensors):
        if isinstance(t, Tensor) and t._changed_at > node.clock:
            raise_changed(node, f"input '{name}'", t)


def raise_released(node):
    raise RuntimeError(
        f"Trying to backward through the graph a second time (gate '{node.label}', "
        f"{type(node).__name__}): its saved values were freed after the first backward. "
        f"Pass retain_graph=True to the first backward() if you need to call it again.")


def raise_changed(node, what, tensor):
    which = f" (tensor {tensor.name + ' ' if tensor.name else ''}of shape {tensor.shape}, " \
            f"version {tensor._version})" if tensor is not None else ""
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"in-place operation: {what}{which} of gate '{node.label}' ({type(node).__name__}) "
        f"was changed after the gate saved it. Use an out-of-place operation (x = x + y) or "
        f"change the tensor after backward().")


def explain_value_error(node, arrays, error):
    """NumPy's broadcasting failure, restated with the gate and the shapes involved."""
    if "broadcast" not in str(error):
        return error
    shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays)
    return ValueError(
        f"{type(node).__name__.lower()} ('{node.label}'): shapes {shapes} cannot be broadcast "
        f"together; sizes must match or be 1 in each dimension, counting from the last "
        f"(reshape or unsqueeze an operand)")


def describe_nonfinite(data):
    kinds = []
    if np.isnan(data).any():
        kinds.append("NaN")
    if np.isinf(data).any():
        kinds.append("inf")
    return " and ".join(kinds)


def shapes_of(arrays):
    return ", ".join(str(tuple(np.shape(a))) for a in arrays)


from ..tensor import Tensor, new_tensor  # noqa: E402  (Tensor needs the gates, gates need Tensor)

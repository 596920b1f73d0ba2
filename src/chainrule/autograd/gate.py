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
import types

import numpy as np

from ..dtypes import PYTHON_NUMBERS, SCALAR_OPERANDS, as_torch_promotes, float64

from .grad_mode import anomaly_mode, inplace_clock, state

REGISTRY = {}
# needs_input_grad of unary and binary gates, built once: one allocation fewer per operation
PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))
WANTED = (True,)
# Every gate that joins the graph takes the next number: a gate's inputs always come from
# gates with smaller numbers, so backward may run gates from the largest number down.
SEQUENCE = itertools.count()
RELEASED = -1   # a released gate's clock: no reading of the in-place clock is negative


class _Observing:
    """Whether any gate has had hooks or retain_grad: until one has, backward does not even
    ask each gate (a plain attribute, read once per gate)."""

    anywhere = False


observing = _Observing()


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
    number_operands = False   # True: a Python number operand may run as a cached 0-d array of
                              # the tensor's dtype, because backward uses it only as forward
                              # does (+ - * / max min; not **, whose backward takes log(base))

    # Filled in by `apply` on nodes that join the graph; emptied when backward releases them.
    tensors = ()            # the input Tensors (or constants), in operand order
    arrays = ()             # their arrays, as they were at forward time
    needs_input_grad = ()   # for each input, whether it wants a gradient (lets backward skip work)
    out_data = None         # the output array, kept when `saves_output`
    hooks = None            # the output tensor's hooks, when it is a non-leaf (register_hook)
    retained = None         # weak reference to the output tensor after retain_grad()
    observed = False        # True once hooks or retain_grad ask to see the output's gradient
    same_shapes = False     # True when every input's gradient comes out in its shape and dtype
                            # (a unary elementwise gate; a tensor and a cached number): backward
                            # skips the check
    clock = 0               # the in-place clock when the inputs were saved (RELEASED after)
    seq = 0                 # creation order in the graph (from SEQUENCE)
    output_changed = False  # set when the output is changed in place (no_grad) afterwards
    released = property(lambda self: self.clock == RELEASED, doc="True once backward freed "
                        "what the gate saved: the graph cannot be walked through it again")
    lean = True             # keeps nothing beyond the attributes above (see __init_subclass__)

    def __init_subclass__(cls, register=True, **kwargs):
        super().__init_subclass__(**kwargs)
        # a forward of its own (or an __init__) may keep more on the node (a mask, indices,
        # a context): release must then clear the whole __dict__, not just the saved values
        cls.lean = cls.forward is Gate.forward and cls.__init__ is object.__init__
        # the fast paths read the class's ufunc, saves_output, elementwise and number_operands
        # once, here
        for kind, make in (("unary", unary_fast_path), ("binary", binary_fast_path)):
            if kind not in cls.__dict__:
                setattr(cls, kind, staticmethod(own_code(make(cls), f"{cls.__name__}.{kind}")))
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

    def run_forward(self, arrays, params):
        """forward, with NumPy's broadcasting errors restated and anomaly mode's check."""
        try:
            data = self.forward(*arrays, **params)
        except ValueError as error:
            raise explain_value_error(self, arrays, error) from None
        if anomaly_mode.enabled:
            check_forward(self, arrays, data)
        return data

    def record(self, operands, arrays, needs, data):
        """Join the graph: keep what backward needs (and the in-place clock, and the next
        creation number) and return the output tensor.

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

    def observe(self):
        """Hooks or retain_grad want this gate's gradient: backward shows it to them."""
        self.observed = True
        observing.anywhere = True

    def name(self):
        """PyTorch's ``grad_fn.name()``: the gate's class name."""
        return type(self).__name__

    @property
    def next_functions(self):
        """PyTorch's view of the graph: the gates (or None for leaves) that made the inputs."""
        return tuple((t.grad_fn if isinstance(t, Tensor) else None, 0) for t in self.tensors)

    def __repr__(self):
        return f"<{type(self).__name__} {self.label}>"


# unary and binary repeat apply's steps, and record's and new_tensor's, inline: they run for
# nearly every operation, and the loop, the keyword arguments and the calls they skip are
# more than half of apply's overhead. Each gate class gets its own pair, closed over its
# constants, as plain functions: Tensor's operators are these functions themselves
# (Tensor.__mul__ is Mul.binary), one Python call fewer again. tests/test_fast_paths.py
# checks that every copy of the Tensor's slots stays complete.
new = object.__new__
ndarray, asarray = np.ndarray, np.asarray


def own_code(fn, qualname):
    """``fn`` with a copy of its code object. CPython keeps its attribute caches in the code
    object: with one code object for every gate class, the stores on ``node`` would see all
    classes and never stay cached; with a copy per class they always see one (0.06 us/op)."""
    copy = types.FunctionType(fn.__code__.replace(), fn.__globals__,
                              fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__qualname__, copy.__doc__ = qualname, fn.__doc__
    return copy


def unary_fast_path(cls):
    """``cls.apply`` for one Tensor and no parameters: ``cls.unary(x)``, or ``x.exp()``."""
    ufunc, saves_output, elementwise = cls.ufunc, cls.saves_output, cls.elementwise

    def unary(self):
        x = self
        node = new(cls)
        a = x.data
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
        if not (x.requires_grad and state.enabled):
            return new_tensor(data, None)
        node.tensors = (x,)
        node.arrays = (a,)
        node.needs_input_grad = WANTED
        node.same_shapes = elementwise
        node.clock = inplace_clock.now   # record and new_tensor, inline
        node.seq = next(SEQUENCE)
        if saves_output:
            node.out_data = data
        t = new(Tensor)
        t.data = data if type(data) is ndarray else asarray(data)
        t.grad = None
        t.grad_fn = node
        t.requires_grad = True
        t.name = None
        t._hooks = None
        t._version = 0
        t._changed_at = 0
        return t
    return unary


def binary_fast_path(cls):
    """``cls.apply`` for two operands, at least one a Tensor: ``cls.binary(x, y)``, or
    ``x * y`` (the parameters are named as the Tensor method's: ``x.mul(other=y)``)."""
    ufunc, saves_output, casts_numbers = cls.ufunc, cls.saves_output, cls.number_operands

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
        node.tensors = (x, y)
        node.arrays = arrays
        node.needs_input_grad = needs
        node.same_shapes = number
        node.clock = inplace_clock.now   # record and new_tensor, inline
        node.seq = next(SEQUENCE)
        if saves_output:
            node.out_data = data
        t = new(Tensor)
        t.data = data if type(data) is ndarray else asarray(data)
        t.grad = None
        t.grad_fn = node
        t.requires_grad = True
        t.name = None
        t._hooks = None
        t._version = 0
        t._changed_at = 0
        return t
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

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
import weakref

import numpy as np

from ..dtypes import as_torch_promotes, is_foreign
from ..tensor import PUBLIC, Tensor, alias, new_tensor
from . import fast_paths, rows
from .anomaly import note_creation
from .fast_paths import explain_value_error
from .grad_mode import anomaly_mode, inplace_clock, state
from .registry import REGISTRY

# Names a gate saves that hold only sizes, axes and flags (ints, tuples of ints, None,
# strings), never an array: released, a re-runnable gate need not look into them to know it
# keeps no values (engine.keep_edges). tests/test_gates.py checks every gate of its table.
GEOMETRY = frozenset({"dims", "dim", "shape", "kept", "n", "input_shape", "case", "stride",
                      "padding", "dilation", "kernel", "groups", "weight_size", "input_size",
                      "output_size", "size", "sizes", "cshape", "ceil_mode"})


class Observing:
    """Whether any gate has had hooks or retain_grad: until one has, backward does not even
    ask each gate (a plain attribute, read once per gate)."""

    anywhere = False


class Rebased:
    """Whether any in-place op has been recorded in the graph (ops/inplace.py): until one
    has, backward never asks whether a gate's inputs were rebased since it read them."""

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
    clock = 0               # the in-place clock when the inputs were saved; None once released
    seq = 0                 # creation order in the graph (fast_paths.SEQUENCE)
    output_changed = False  # set when the output is changed in place (no_grad) afterwards
    released = False        # True once backward freed what the gate saved
    reruns = False          # its rows read no input, output or residual: released, it keeps
                            # where its gradients go and may run again (PyTorch's rule)
    created_at = None       # anomaly mode: where forward created it (a traceback.StackSummary)
    returns_view = False    # its output may be a view of its input's memory (ops/shape.py):
                            # apply then shares the input's version counter (apply_view)

    saves_maybe_arrays = ()   # the saves not named in GEOMETRY (engine.keep_edges reads them)
    inputs_read = {None: {"xs": frozenset()}}   # rows.inputs_read: here, every value counts

    def __init_subclass__(cls, register=True, **kwargs):
        super().__init_subclass__(**kwargs)
        if not register:   # a custom Function's gate: its backward is the user's
            cls.record = fast_paths.compile_for(cls)["record"]
            cls.saves_maybe_arrays = tuple(cls.saves)   # (ctx)
            return
        rows.check_gate(cls)
        cls.saves_inputs, cls.saves_output = rows.used(cls)
        cls.inputs_read = rows.inputs_read(cls)
        cls.reruns = not (cls.saves_inputs or cls.saves_output or cls.residuals)
        cls.saves = tuple(cls.saves) + tuple(cls.residuals) + (("kept",) if cls.reduction else ())
        cls.saves_maybe_arrays = tuple(name for name in cls.saves if name not in GEOMETRY)
        cls.backward = rows.compile_backward(cls)
        for name, function in fast_paths.compile_for(cls).items():   # record, unary, binary
            setattr(cls, name, function)
        install(cls)
        if cls.returns_view:
            cls.apply = classmethod(apply_view)
        REGISTRY[cls.__name__] = cls

    @classmethod
    def apply(cls, *operands, **params):
        """Run the gate on Tensors, arrays or numbers; record it in the graph when needed."""
        arrays = []
        needs = []
        for x in operands:
            if isinstance(x, Tensor):
                arrays.append(x._data)
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
        another library's arrays restated; in anomaly mode, where the gate was created."""
        try:
            data = self.forward(*arrays, **params)
        except ValueError as error:
            raise explain_value_error(self, arrays, error) from None
        except TypeError as error:
            if not any(is_foreign(a) for a in arrays):
                raise
            raise explain_host_only(self, arrays, error) from error
        if anomaly_mode.enabled:
            note_creation(self)
        return data

    def forward(self, *arrays, **params):
        """The output array; by default the gate's ``ufunc``, with PyTorch's result dtype."""
        if self.ufunc is None:
            raise NotImplementedError(f"gate {type(self).__name__} has no forward")
        if params:   # a ufunc gate takes no keyword: cr.exp(x, out=y) must not pass silently
            raise TypeError(f"{type(self).__name__.lower()}() got an unexpected keyword argument "
                            f"{next(iter(params))!r}")
        return as_torch_promotes(self.ufunc(*arrays), *arrays)

    def values_read(self):
        """The inputs (and ``out``) that the rows of the wanted gradients read: the values
        whose change in place since forward backward must refuse (all, for ``xs`` gates)."""
        reads = self.inputs_read[self.case if self.cases else None]
        if "xs" in reads:
            return set(self.inputs) | {"out"}
        read = set()
        for slot, wanted in zip(self.inputs, self.needs_input_grad):
            if wanted:
                read |= reads.get(slot, frozenset())
        return read

    def saved_tensors_to_check(self):
        """(description, tensor) of each saved input whose version backward checks."""
        if not self.saves_inputs:
            return ()
        read = self.values_read()
        return ((f"input '{name}'", t) for name, t in zip(self.inputs, self.tensors)
                if name in read)

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
        return tuple((t[0] if type(t) is tuple else t if isinstance(t, Gate) else
                      getattr(t, "grad_fn", None), 0)
                     for t in self.tensors)   # a released gate's edges: (gate, shape, dtype)
                                              # or the gate (engine.keep_edges)

    def __repr__(self):
        return f"<{type(self).__name__} {self.label}>"


def apply_view(cls, x, **params):
    """``apply`` of a gate that may return a view: when NumPy's result is a view of the
    input's memory, the output shares the input's version counter (PyTorch's views), so a
    change through either is seen by every gate that saved the other. A reshape or an index
    that copies makes no alias. Only these gates pay for the check."""
    out = Gate.apply.__func__(cls, x, **params)
    if isinstance(x, Tensor) and is_view_of(out._data, x._data):
        alias(x, out)
    return out


def is_view_of(a, b):
    """Whether the array ``a`` is a view of ``b``'s memory (NumPy keeps the owner as base)."""
    base = getattr(a, "base", None)
    if base is None:
        return False
    return base is b or base is getattr(b, "base", None) or bool(np.may_share_memory(a, b))


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


class Context:
    """What a custom `Function` keeps between forward and backward (PyTorch's ``ctx``)."""

    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()
        self.non_differentiable = ()   # ids of outputs marked non-differentiable
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        """These outputs get no gradient (backward still receives zeros for them)."""
        self.non_differentiable = tuple(self.non_differentiable) + tuple(map(id, tensors))

    def set_materialize_grads(self, value):
        """False: backward receives None, not zeros, for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Accepted: chainrule's in-place changes inside forward need no marking."""


def explain_host_only(node, arrays, error):
    """A gate that computes on host NumPy arrays only met another library's array, which
    refused to be converted (docs/engine.md, "Backends")."""
    kind = next(type(a).__name__ for a in arrays if is_foreign(a))
    return TypeError(
        f"{type(node).__name__.lower()} ('{node.label}') could not compute on {kind} arrays: "
        f"{error}. Convolution, pooling, unfold and fold compute on host NumPy arrays only "
        f"(docs/engine.md, \"Backends\"): run them on NumPy arrays")



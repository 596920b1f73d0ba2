"""Mask gates: the gates that ``onnx.export`` records and training never does.

Comparisons, logical operations, predicates, rounding, ``sign``, ``argmax`` and integer
casts are step functions: their derivative is zero wherever it exists. PyTorch records no
graph for them (``(x > 0).grad_fn`` is None), and neither does chainrule in training: they
return plain tensors. But a mask or an index computed from a model's inputs must be part of
an exported graph, or export would freeze the example's values into a constant. So while
export runs the model (``recording_masks``), these operations record a *mask gate* when an
operand belongs to the graph: a node whose output requires grad (so the gates that read it
record too) and through which no gradient ever passes (its backward hands its inputs
nothing, the zero derivative).

Mask gates are not in ``REGISTRY``, whose gates carry gradients and are each
gradient-checked: they are in ``MASK_GATES``, and each has its ONNX translation in the
exporter's table (onnx/masks.py). Outside export the cost is one flag read per operation.

>>> import chainrule as cr
>>> x = cr.tensor([-1.0, 2.0], requires_grad=True)
>>> (x > 0).grad_fn is None
True
>>> with recording_masks():
...     mask = x > 0
>>> type(mask.grad_fn).__name__, mask.tolist(), mask.requires_grad
('Greater', [False, True], True)
"""
import contextlib

import numpy as np

from ..autograd.gate import Gate
from ..autograd.grad_mode import state
from ..tensor import Tensor


class Masks:
    """Whether masks are recorded: ``recording`` is True only inside ``recording_masks``.
    ``inputs`` holds the ids of the export's input tensors, so that a comparison of an
    integer input (``tokens == pad``), which requires no gradient, is recorded too."""

    recording = False
    inputs = frozenset()


@contextlib.contextmanager
def recording_masks(inputs=()):
    """Record mask gates for what runs inside (onnx.export's run of the model)."""
    saved = Masks.recording, Masks.inputs
    Masks.recording = True
    Masks.inputs = frozenset(id(t) for t in inputs if isinstance(t, Tensor))
    try:
        yield
    finally:
        Masks.recording, Masks.inputs = saved


def in_graph(*operands):
    """Whether a mask of these operands joins the graph being recorded: grad mode is on and
    an operand requires grad (a float value of the graph, or a mask already recorded) or is
    an input of the export."""
    if not state.enabled:
        return False
    for x in operands:
        if isinstance(x, Tensor) and (x.requires_grad or id(x) in Masks.inputs):
            return True
    return False


MASK_GATES = {}   # class name -> mask gate class, as REGISTRY holds the other gates


class MaskGate(Gate, register=False):
    """A gate recorded while masks are: its forward is ``ufunc`` (the same NumPy call the
    plain path makes) unless it defines its own."""

    inputs = ("x", "y")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(register=False, **kwargs)
        MASK_GATES[cls.__name__] = cls

    def forward(self, *arrays):
        return np.asarray(self.ufunc(*arrays))

    def backward(self, g, xp):
        """No gradient passes a step function: every input gets nothing from this path."""
        return (None,) * len(self.tensors)


def record_mask(gate, *operands, **params):
    """``gate`` applied to the operands, joined to the graph (its output then requires grad,
    so the gates that read it record too; no gradient ever comes back through it)."""
    node = gate.__new__(gate)
    arrays = tuple(x._data if isinstance(x, Tensor) else x for x in operands)
    data = node.run_forward(arrays, params)
    needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in operands)
    return node.record(operands, arrays, needs, data)

"""Anomaly mode, as PyTorch's: while it is on, every gate remembers where forward created it,
and backward raises at the first gate whose gradient holds a NaN, printing that place.

Forward is not checked: infinities and NaNs there can be legitimate (``log(0) = -inf``, an
additive ``-inf`` attention mask), and so can infinite gradients (PyTorch checks NaN only).
Any other error raised during a gate's turn in backward (a freed graph, a changed saved
tensor, a custom Function's bug) gets the same creation traceback attached as a note.
Outside anomaly mode nothing is recorded and nothing checked: the fast paths and ``apply``
read one flag, as they always did.
"""
import os
import sys
import traceback
import warnings

import numpy as np

from ..tensor import Tensor
from .grad_mode import anomaly_mode, decorate

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
GENERATED = set()   # file names of the code fast_paths compiles (the fast paths, record)
NO_TRACEBACK = ("No forward pass information available. Enable detect anomaly during forward "
                "pass for more information.")


class detect_anomaly:
    """Inside this block (or the decorated function) gates record where they are created,
    and backward raises RuntimeError at the first NaN gradient, naming the gate, its inputs'
    shapes and the line that created it. ``check_nan=False`` records without checking.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> with cr.autograd.detect_anomaly():
    ...     y = x * float("nan")    # forward is not checked
    ...     y.sum().backward()      # the gradient for x is g * nan
    Traceback (most recent call last):
    ...
    RuntimeError: Function 'Mul' returned nan values in its 0th output.
    ...
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        self.prev = anomaly_mode.enabled, anomaly_mode.check_nan
        anomaly_mode.enabled, anomaly_mode.check_nan = True, self.check_nan

    def __exit__(self, *exc):
        anomaly_mode.enabled, anomaly_mode.check_nan = self.prev

    def __call__(self, fn):
        return decorate(fn, None, context=lambda: detect_anomaly(self.check_nan))


class set_detect_anomaly:
    """Switch anomaly mode on or off at once (``set_detect_anomaly(True)``), or for a ``with``
    block, after which the previous setting returns, as in PyTorch.

    >>> import chainrule as cr
    >>> with cr.autograd.set_detect_anomaly(True):
    ...     cr.autograd.is_anomaly_enabled()
    ...
    True
    >>> cr.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode, check_nan=True):
        self.prev = anomaly_mode.enabled, anomaly_mode.check_nan
        anomaly_mode.enabled, anomaly_mode.check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        anomaly_mode.enabled, anomaly_mode.check_nan = self.prev


def is_anomaly_enabled():
    return anomaly_mode.enabled


def is_anomaly_check_nan_enabled():
    return anomaly_mode.check_nan


def note_creation(node):
    """Anomaly mode, in forward: keep where the gate is being created, as a
    ``traceback.StackSummary`` without chainrule's own frames (source lines are read only
    if it is ever printed)."""
    frames = [(frame, line) for frame, line in traceback.walk_stack(sys._getframe(1))
              if not is_internal(frame.f_code.co_filename)]
    frames.reverse()
    node.created_at = traceback.StackSummary.extract(frames, lookup_lines=False)


def is_internal(filename):
    return filename.startswith(PACKAGE_DIR) or filename in GENERATED


def creation_traceback(node):
    """Where forward created ``node``, as PyTorch prints it in anomaly mode."""
    stack = node.created_at
    if not stack:
        return NO_TRACEBACK
    return ("Traceback of forward call that caused the error:\n"
            + "".join(stack.format()).rstrip("\n"))


def check_nan(node, grads):
    """Anomaly mode, in backward: raise at the first gradient this gate computed (for an
    input that wants one) that holds a NaN. Infinities pass, as in PyTorch."""
    for i, (gi, wanted) in enumerate(zip(grads, node.needs_input_grad)):
        if gi is None or not wanted:
            continue
        data = gi._data if isinstance(gi, Tensor) else np.asarray(gi)   # (an array of Pieces)
        if data.dtype.kind in "fc" and np.isnan(data).any():
            error = RuntimeError(nan_message(node, i))
            error.anomaly_gate = node   # its creation traceback is in the message already
            raise error


def nan_message(node, i):
    names = node.inputs
    name = names[i] if len(names) == len(node.needs_input_grad) else f"{names[0]}[{i}]"
    shapes = ", ".join(str(tuple(getattr(a, "shape", ()))) for a in node.arrays)
    return (f"Function '{node.name()}' returned nan values in its {i}th output.\n"
            f"That output is the gradient for input '{name}' of gate '{node.label}' "
            f"({node.name()}), whose inputs have shapes {shapes}.\n"
            + creation_traceback(node))


def attach_creation(error, node):
    """Anomaly mode: an error raised during ``node``'s turn in backward also says where
    forward created the gate (a note, printed under the error; PyTorch prints a warning)."""
    if getattr(error, "anomaly_gate", None) is not None:   # the NaN check's, or done already
        return
    error.anomaly_gate = node
    text = f"Error detected in {node.name()} (gate '{node.label}'). " + creation_traceback(node)
    if hasattr(error, "add_note"):
        error.add_note(text)
    else:   # Python 3.10: a warning, as PyTorch's
        warnings.warn(text, stacklevel=2)

"""In-place operations (``x.add_(y)``, ``x += y``, ``x[i] = v``): updates under ``no_grad``
and changes of plain data; no graph. Each change moves the in-place clock, so backward
refuses values that gates saved before it."""
import numpy as np

from ..autograd.grad_mode import inplace_clock, state
from ..random import numpy_generator
from ..tensor import Tensor, api, version_of
from .arithmetic import Add, Div, Mul, Sub, scaled
from .shape import normalize_index


def operand(a):
    return a._data if isinstance(a, Tensor) else a


def check_inplace(t):
    if t.requires_grad and state.enabled:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation; "
            "do the update inside `with cr.no_grad():`" if t.grad_fn is None else
            "in-place operations on tensors that are part of a graph are not supported; "
            "use the out-of-place form (x = x + y)")


def mark_changed(t):
    """Record an in-place change of ``t``'s memory: the version counter it shares with its
    aliases (views, ``detach()``, ``.data``, ``state_dict()`` entries) moves, so backward
    refuses values that gates saved before it through any of those names."""
    now = inplace_clock.now = inplace_clock.now + 1
    vc = version_of(t)
    vc.count += 1
    vc.changed_at = now
    if t.grad_fn is not None:
        t.grad_fn.output_changed = True
    if vc.output_of is not None:   # the memory is the saved output of the gate that made it
        node = vc.output_of()
        if node is not None:
            node.output_changed = True
    return t


def update(t, ufunc, *operands):
    """``data = ufunc(data, *operands)``, written into the data itself."""
    check_inplace(t)
    ufunc(t._data, *map(operand, operands), out=t._data, casting="unsafe")
    return mark_changed(t)


def write(t, values, index=Ellipsis):
    """``values`` written into ``t[index]`` (broadcast, cast as PyTorch does: 2.7 into an
    int tensor gives 2)."""
    check_inplace(t)
    if index is Ellipsis:
        np.copyto(t._data, operand(values), casting="unsafe")
    else:
        t._data[index] = operand(values)
    return mark_changed(t)


def can_update(t):
    """``x += y`` updates in place, except on a non-leaf while the graph records: there it
    rebinds (``x = x + y``, the graph stays correct). On a leaf that requires grad outside
    ``no_grad`` the in-place update raises, as in PyTorch."""
    return t.grad_fn is None or not state.enabled


def augmented(ufunc, gate, name):
    def assign(x, other):
        return update(x, ufunc, other) if can_update(x) else gate.binary(x, other)
    return api(assign, name=False, methods=(name,))


augmented(np.add, Add, "__iadd__")
augmented(np.subtract, Sub, "__isub__")
augmented(np.multiply, Mul, "__imul__")
augmented(np.true_divide, Div, "__itruediv__")


@api(name=False, methods=("add_",))
def add_(x, other, alpha=1):
    return update(x, np.add, scaled(other, alpha))


@api(name=False, methods=("sub_",))
def sub_(x, other, alpha=1):
    return update(x, np.subtract, scaled(other, alpha))


@api(name=False, methods=("mul_",))
def mul_(x, other):
    return update(x, np.multiply, other)


@api(name=False, methods=("div_",))
def div_(x, other):
    return update(x, np.true_divide, other)


@api(name=False, methods=("clamp_",))
def clamp_(x, min=None, max=None):  # noqa: A002
    return update(x, np.clip, min, max)


@api(name=False, methods=("zero_",))
def zero_(x):
    return write(x, 0)


@api(name=False, methods=("fill_",))
def fill_(x, value):
    return write(x, value)


@api(name=False, methods=("copy_",))
def copy_(x, src):
    return write(x, src)


@api(name=False, methods=("__setitem__",))
def setitem(x, index, value):
    return write(x, value, normalize_index(index))


@api(name=False, methods=("normal_",))
def normal_(x, mean=0.0, std=1.0, generator=None):
    """Fill ``x`` with samples of N(mean, std**2), in place (``p.data.normal_()``)."""
    return write(x, numpy_generator(generator).normal(mean, std, x.shape))


@api(name=False, methods=("uniform_",))
def uniform_(x, a=0.0, b=1.0, generator=None):
    """Fill ``x`` with samples of U(a, b), in place."""
    return write(x, numpy_generator(generator).uniform(a, b, x.shape))

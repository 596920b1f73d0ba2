"""In-place operations (``x.add_(y)``, ``x += y``, ``x[i] = v``). On plain data and under
``no_grad`` they write and record nothing; on tensors in the graph they are recorded as
PyTorch records them (``rebase``). Each change moves the in-place clock, so backward refuses
values that gates saved before it."""
import weakref

import numpy as np

from ..autograd.gate import Rebased, is_view_of
from ..autograd.grad_mode import inplace_clock, state
from ..random import numpy_generator
from ..tensor import Tensor, api, version_of
from ..tensor import new_tensor
from .arithmetic import (Add, Div, Fmod, Maximum, Minimum, Mul, Neg, Pow, Remainder, Sub,
                         Where, addcdiv, addcmul, addmm, baddbmm, div, float_power,
                         floor_divide, lerp, scaled, where, xlogy)
from .compare import (bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, ge, gt, le,
                      logical_and, logical_not, logical_or, logical_xor, lt, ne)
from .reduce import cumprod, cumsum
from .shape import (IndexPut, index_add, index_copy, index_fill, index_put, normalize_index,
                    scatter, scatter_add, tril, triu)
from .unary import (Abs, Clamp, Cos, Exp, Exp2, Expm1, Log, Log1p, Log2, Log10, Relu, Sigmoid,
                    Sin, Sqrt, Tan, Tanh, ceil, clamp, erf, floor, frac, logit, nan_to_num,
                    reciprocal, round_, rsqrt, sign, trunc)


def operand(a):
    return a._data if isinstance(a, Tensor) else a


def check_inplace(t):
    if t.requires_grad and t.grad_fn is None and state.enabled:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation; "
            "do the update inside `with cr.no_grad():`")


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


def records(t, operands):
    """Whether an in-place op on ``t`` joins the graph (PyTorch's rule): grad mode is on and
    ``t`` or an operand requires grad."""
    return state.enabled and (t.requires_grad or any(
        isinstance(o, Tensor) and o.requires_grad for o in operands))


def view_base(t):
    """How a write into ``t`` reaches the tensor in the graph it is a view of: (base, index,
    to_base, from_base): ``base[index] = to_base(new value)``, then ``t`` is
    ``from_base(base)`` again. None when ``t`` is no view of a tensor in the graph. Indexing,
    reshape and permute views are followed (chains of them too, one step at a time); a
    write into an expanded view, where several elements share one memory location, is
    refused, as in PyTorch."""
    node = t.grad_fn
    if node is None or not node.returns_view or not node.arrays \
            or not is_view_of(t._data, node.arrays[0]):
        return None
    base = node.tensors[0]
    kind = type(node).__name__
    if not isinstance(base, Tensor) or node.released or kind not in VIEW_WRITES:
        raise RuntimeError(
            f"in-place write into a view ({kind}) of a tensor that requires grad is not "
            f"supported{' after backward freed its graph' if node.released else ''}; use an "
            f"out-of-place op")
    return (base,) + VIEW_WRITES[kind](node, base, t)


VIEW_WRITES = {   # gate -> (index, to_base, from_base) for a write through its view
    "GetItem": lambda node, base, t: (node.index, lambda new: new, lambda b: b[node.index]),
    "Reshape": lambda node, base, t: (Ellipsis, lambda new: new.reshape(base.shape),
                                      lambda b: b.reshape(t.shape)),
    "Permute": lambda node, base, t: (Ellipsis,
                                      lambda new: new.permute(*np.argsort(node.dims).tolist()),
                                      lambda b: b.permute(*node.dims)),
}


def rebase(t, gate, operands, **params):
    """PyTorch's in-place op in the graph ("rebase history"): the result is computed out of
    place by ``gate`` from ``t``'s old value (a snapshot carrying ``t``'s old gate; a copy
    when the gate's rows read their inputs), written into ``t``'s memory, and ``t`` becomes
    the output of the new gate. ``operands`` name ``t``'s old value by ``t`` itself. A gate
    recorded earlier that read ``t`` still reaches ``t``'s old gate (engine.follow_rebased).
    A write into an indexing view goes to its base (``base[index] = new value``)."""
    check_inplace(t)
    if t._data.dtype.kind not in "fc":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{t.dtype} (an in-place op on a {t.dtype} tensor with an operand "
                           f"that requires grad)")
    viewed = view_base(t)
    snap = new_tensor(t._data.copy() if gate.saves_inputs or viewed else t._data, t.grad_fn)
    result = gate.apply(*[snap if o is t else o for o in operands], **params)
    if viewed is not None:
        base, index, to_base, from_base = viewed
        setitem(base, index, to_base(result))   # writes t's memory, moves the shared counter
        node = from_base(base).grad_fn          # t: the new base's view again
        node.rebased = snap                     # gates that read t before still reach its
        Rebased.anywhere = True                 # old gate (a view of a view: t is a base)
        t.grad_fn = node
        t.requires_grad = True
        return t
    mark_changed(t)                          # t's old gate learns its output changed
    np.copyto(t._data, result._data, casting="unsafe")
    node = result.grad_fn
    node.rebased = snap
    Rebased.anywhere = True
    t.grad_fn = node
    t.requires_grad = True
    if node.saves_output:
        version_of(t).output_of = weakref.ref(node)
    return t


def update(t, ufunc, *operands, gate=None, **params):
    """``data = ufunc(data, *operands)``, written into the data itself; recorded in the
    graph through ``gate`` when ``t`` or an operand requires grad."""
    if gate is not None and records(t, operands):
        return rebase(t, gate, (t,) + operands, **params)
    check_inplace(t)
    ufunc(t._data, *map(operand, operands), out=t._data, casting="unsafe")
    return mark_changed(t)


def write(t, values, index=Ellipsis):
    """``values`` written into ``t[index]`` (broadcast, cast as PyTorch does: 2.7 into an
    int tensor gives 2); recorded as IndexPut when ``t`` or ``values`` requires grad."""
    if records(t, (values,)):
        return rebase(t, IndexPut, (t, values), index=index)
    check_inplace(t)
    if index is Ellipsis:
        np.copyto(t._data, operand(values), casting="unsafe")
    else:
        t._data[index] = operand(values)
    return mark_changed(t)


def augmented(ufunc, gate, name):
    def assign(x, other):
        return update(x, ufunc, other, gate=gate)
    return api(assign, name=False, methods=(name,))


augmented(np.add, Add, "__iadd__")
augmented(np.subtract, Sub, "__isub__")
augmented(np.multiply, Mul, "__imul__")
augmented(np.true_divide, Div, "__itruediv__")


@api(name=False, methods=("add_",))
def add_(x, other, alpha=1):
    return update(x, np.add, scaled(other, alpha), gate=Add)


@api(name=False, methods=("sub_",))
def sub_(x, other, alpha=1):
    return update(x, np.subtract, scaled(other, alpha), gate=Sub)


@api(name=False, methods=("mul_",))
def mul_(x, other):
    return update(x, np.multiply, other, gate=Mul)


@api(name=False, methods=("div_",))
def div_(x, other, *, rounding_mode=None):
    """``div`` in place: the ``Div`` gate; with ``rounding_mode`` ('trunc', 'floor') the
    rounded quotient written back (no gradient, as PyTorch's)."""
    if rounding_mode is not None:
        return written_back(x, div, "div_", (other,), {"rounding_mode": rounding_mode})
    return update(x, np.true_divide, other, gate=Div)


@api(name=False, methods=("clamp_", "clip_"))
def clamp_(x, min=None, max=None):  # noqa: A002
    """``clamp`` in place: the ``Clamp`` gate, or for tensor bounds the composition
    written back (``copy_``)."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return copy_(x, clamp(x.clone() if records(x, (min, max)) else x.detach(), min, max))
    if records(x, ()):
        return rebase(x, Clamp, (x,), min=min, max=max)
    return update(x, np.clip, min, max)


@api(name=False, methods=("relu_",))
def relu_(x):
    if records(x, ()):
        return rebase(x, Relu, (x,))
    return update(x, np.maximum, 0)


@api(methods=("masked_fill",))
def masked_fill(x, mask, value):
    """``value`` where ``mask`` holds, else ``x`` (PyTorch's ``masked_fill``).

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, -2.0, 3.0])
    >>> cr.masked_fill(x, x < 0, 0.0).tolist()
    [1.0, 0.0, 3.0]
    """
    return where(mask, value, x)


@api(name=False, methods=("masked_fill_",))
def masked_fill_(x, mask, value):
    cond = operand(mask).astype(bool, copy=False)
    if isinstance(mask, Tensor) and mask.requires_grad and cond.dtype == np.bool_:
        cond = mask   # a mask gate's output, recorded for onnx.export (ops/compare.py)
    if records(x, (value,)):
        return rebase(x, Where, (cond, value, x))
    return write(x, operand(value), np.broadcast_to(cond, x.shape))


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


# ----- the in-place forms of the elementwise functions ------------------------------------
def into(x, values, op):
    """``values`` (an array computed from ``x``) written into ``x``; refused, as in PyTorch,
    when a float result would have to be cast into an integer tensor."""
    if values.dtype.kind == "f" and x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: result type {values.dtype} can't be cast to the desired "
                           f"output type {x.dtype}; use the out-of-place {op.rstrip('_')}")
    return write(x, values)


def inplace_of(name, gate):
    """``x.name_()``: the gate's result written into ``x``; recorded through ``gate`` (the
    rebase) when ``x`` is in the graph."""
    def op_(x):
        if records(x, ()):
            return rebase(x, gate, (x,))
        return into(x, gate.apply(new_tensor(x._data, None))._data, name + "_")
    op_.__name__ = name + "_"
    op_.__doc__ = f"``{name}`` in place (the ``{gate.__name__}`` gate when recorded)."
    return api(op_, name=False, methods=(name + "_",))


for _name, _gate in (("exp", Exp), ("log", Log), ("sqrt", Sqrt), ("abs", Abs), ("sin", Sin),
                     ("cos", Cos), ("tan", Tan), ("tanh", Tanh), ("sigmoid", Sigmoid),
                     ("neg", Neg), ("log1p", Log1p), ("expm1", Expm1), ("log2", Log2),
                     ("log10", Log10), ("exp2", Exp2)):
    inplace_of(_name, _gate)


def rounding_inplace(name, fn):
    def op_(x, *args, **kwargs):
        return write(x, fn(new_tensor(x._data, None), *args, **kwargs)._data)
    op_.__name__ = name + "_"
    op_.__doc__ = (f"``{name}`` in place; no gradient flows through it (the old value's is "
                   f"zero, as PyTorch's).")
    return api(op_, name=False, methods=(name + "_",))


for _name, _fn in (("floor", floor), ("ceil", ceil), ("trunc", trunc), ("round", round_),
                   ("sign", sign)):
    rounding_inplace(_name, _fn)


def binary_inplace(name, gate, swap=False):
    def op_(x, other):
        operands = (other, x) if swap else (x, other)
        if records(x, (other,)):
            return rebase(x, gate, operands)
        plain = [new_tensor(x._data, None) if o is x else o for o in operands]
        return into(x, gate.apply(*plain)._data, name + "_")
    op_.__name__ = name + "_"
    op_.__doc__ = f"``{name}`` in place (the ``{gate.__name__}`` gate when recorded)."
    return api(op_, name=False, methods=(name + "_",))


binary_inplace("pow", Pow)
binary_inplace("remainder", Remainder)
binary_inplace("fmod", Fmod)
binary_inplace("maximum", Maximum)
binary_inplace("minimum", Minimum)
@api(name=False, methods=("square_",))
def square_(x):
    """``x * x`` in place (``mul_``)."""
    return mul_(x, x)


@api(name=False, methods=("clamp_min_",))
def clamp_min_(x, min):  # noqa: A002
    """``clamp_(x, min=min)``."""
    return clamp_(x, min=min)


@api(name=False, methods=("clamp_max_",))
def clamp_max_(x, max):  # noqa: A002
    """``clamp_(x, max=max)``."""
    return clamp_(x, max=max)


@api(name=False, methods=("bernoulli_",))
def bernoulli_(x, p=0.5, *, generator=None):
    """Fill ``x`` with 1 with probability ``p`` (a number or a tensor), else 0, in place."""
    probs = operand(p)
    return write(x, numpy_generator(generator).random(x.shape) < probs)


@api(name=False, methods=("exponential_",))
def exponential_(x, lambd=1.0, *, generator=None):
    """Fill ``x`` with samples of the exponential distribution of rate ``lambd``, in place."""
    return write(x, numpy_generator(generator).exponential(1.0 / lambd, x.shape))


@api(name=False, methods=("random_",))
def random_(x, from_=0, to=None, *, generator=None):
    """Fill ``x`` with integers drawn uniformly from [from, to) (``random_(to)`` for
    [0, to)), in place; with no bound, from [0, 2 ** mantissa bits] for a float tensor."""
    if to is None and from_ != 0:
        from_, to = 0, from_
    if to is None:
        info = np.finfo(x._data.dtype) if x._data.dtype.kind == "f" else np.iinfo(x._data.dtype)
        to = 2 ** (info.nmant + 1) if x._data.dtype.kind == "f" else int(info.max)
    return write(x, numpy_generator(generator).integers(from_, to, x.shape))


# ----- the in-place forms of compositions: computed out of place, then written back -------
def checked_result(x, result, op):
    """``result`` cast to ``x``'s dtype, after PyTorch's checks of an in-place result: it
    must have ``x``'s shape (the operands may broadcast to ``x``, not grow it), and its dtype
    must cast to ``x``'s (no float into an integer tensor, only bool into a bool one)."""
    if tuple(result.shape) != tuple(x.shape):
        raise RuntimeError(f"{op}: output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(result.shape)}")
    kind, into_kind = result._data.dtype.kind, x._data.dtype.kind
    if (kind in "fc" and into_kind in "iub") or (into_kind == "b" and kind != "b"):
        raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the desired "
                           f"output type {x.dtype}; use the out-of-place {op.rstrip('_')}")
    return result if result._data.dtype == x._data.dtype else result.to(x.dtype)


def written_back(x, fn, op, args, kwargs):
    """``fn(x, *args, **kwargs)`` computed out of place (from a copy of ``x`` when it is
    recorded, so the gradient reaches ``x``'s old value) and written into ``x``."""
    source = x.clone() if records(x, args + tuple(kwargs.values())) else x.detach()
    return copy_(x, checked_result(x, fn(source, *args, **kwargs), op))


def composed_inplace(name, fn):
    """``x.name_(...)``: ``fn(x, ...)`` computed out of place (a composition of gates, or a
    function without a gradient) and written into ``x`` with ``copy_``; in the graph, the
    gradient reaches ``x``'s old value through ``fn``, as PyTorch's in-place forms give it."""
    def op_(x, *args, **kwargs):
        return written_back(x, fn, name + "_", args, kwargs)
    op_.__name__ = name + "_"
    op_.__doc__ = (f"``{name}`` in place: computed out of place, then written into the "
                   f"tensor (``copy_``), which must keep its shape and dtype.")
    return api(op_, name=False, methods=(name + "_",))


def float_power_base(x, exponent):
    """``float_power`` computes in float64, so in place it needs a float64 tensor."""
    if x._data.dtype != np.float64:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {x.dtype} "
                           f"but the operation's result requires dtype chainrule.float64")
    return float_power(x, exponent)


for _name, _fn in (("erf", erf), ("frac", frac), ("reciprocal", reciprocal),
                   ("rsqrt", rsqrt), ("logit", logit), ("nan_to_num", nan_to_num),
                   ("xlogy", xlogy), ("float_power", float_power_base),
                   ("true_divide", div), ("floor_divide", floor_divide), ("lerp", lerp),
                   ("addcmul", addcmul), ("addcdiv", addcdiv), ("addmm", addmm),
                   ("baddbmm", baddbmm), ("cumsum", cumsum), ("cumprod", cumprod),
                   ("tril", tril), ("triu", triu), ("index_add", index_add),
                   ("index_copy", index_copy), ("index_fill", index_fill),
                   ("index_put", index_put), ("scatter", scatter), ("scatter_add", scatter_add),
                   ("eq", eq), ("ne", ne), ("lt", lt), ("le", le), ("gt", gt), ("ge", ge),
                   ("logical_and", logical_and), ("logical_or", logical_or),
                   ("logical_xor", logical_xor), ("logical_not", logical_not),
                   ("bitwise_and", bitwise_and), ("bitwise_or", bitwise_or),
                   ("bitwise_xor", bitwise_xor), ("bitwise_not", bitwise_not)):
    composed_inplace(_name, _fn)


# ----- the in-place forms of the views: the tensor takes the view's shape -----------------
def reshaped_inplace(name):
    """``x.name_(...)`` (``squeeze_``, ``unsqueeze_``, ``t_``, ``transpose_``): ``x`` becomes
    the view ``x.name(...)`` (its memory, another shape), as in PyTorch; in the graph it is
    the view gate's output from then on, and a gate recorded before still reaches ``x``'s
    old gate (the rebase's snapshot). Its version moves, so a gate that saved ``x`` as its
    output refuses backward, as PyTorch's."""
    def op_(x, *args, **kwargs):
        check_inplace(x)
        old = new_tensor(x._data, x.grad_fn) if records(x, ()) else new_tensor(x._data, None)
        view = getattr(old, name)(*args, **kwargs)
        mark_changed(x)
        x._data = view._data
        if view.grad_fn is not None:
            view.grad_fn.rebased = old
            Rebased.anywhere = True
            x.grad_fn = view.grad_fn
        return x
    op_.__name__ = name + "_"
    op_.__doc__ = (f"``{name}`` in place: the tensor takes the view's shape (its memory is "
                   f"not copied).")
    return api(op_, name=False, methods=(name + "_",))


for _name in ("squeeze", "unsqueeze", "t", "transpose"):
    reshaped_inplace(_name)

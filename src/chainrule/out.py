"""``out=``: the functions PyTorch lets write their result into a given tensor
(``torch.matmul(a, b, out=y)``, as the tensors tutorial does) take it here too, with
PyTorch's rules. The result is computed as usual, then written into ``out``:

- ``out`` is not differentiable: while grad mode is on, an argument or ``out`` that
  requires grad is refused (PyTorch's error);
- the result is cast to ``out``'s dtype, except where PyTorch refuses the cast (a float
  into an integer tensor, anything but bool into a bool one);
- an ``out`` of another shape is resized (with PyTorch's warning when it had elements);
- the call returns ``out`` itself; functions that return (values, indices) take a pair of
  tensors and return them as their named tuple.

The root module publishes ``cr.<name>`` through ``with_out`` for each name in
``OUT_FUNCTIONS``; the function in ``PUBLIC`` (and each Tensor method) stays the gate's own.

>>> import chainrule as cr
>>> a = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> y = cr.empty(2, 2)
>>> cr.matmul(a, a.T, out=y) is y, y
(True, tensor([[ 5., 11.],
        [11., 25.]]))
"""
import functools
import warnings

import numpy as np

from .autograd.grad_mode import state
from .ops.inplace import mark_changed, write
from .tensor import Tensor

# The chainrule functions whose PyTorch namesakes take out= (checked against PyTorch by
# tests/test_out.py). Those that return (values, indices) take a pair.
OUT_FUNCTIONS = frozenset("""
    abs add addcdiv addcmul addmm all amax amin aminmax any argmax argmin baddbmm
    bitwise_and bitwise_not bitwise_or bitwise_xor bmm cat ceil clamp clamp_max clamp_min
    column_stack concat cos cumprod cumsum diag diff div dot dstack eq erf exp exp2 expm1
    fix float_power floor floor_divide fmod frac gather ge gt histc hstack index_add
    index_copy index_select inner isneginf isposinf kthvalue le lerp log log10 log1p log2
    log_softmax logical_and logical_not logical_or logical_xor logit logsumexp lt
    masked_select matmul max maximum mean median min minimum mm msort mul mv nan_to_num
    nanmean nansum ne neg nonzero norm outer pow prod reciprocal remainder round rsqrt
    scatter scatter_add sigmoid sign sin softmax sort sqrt square stack std sub sum
    take_along_dim tan tanh topk tril triu true_divide trunc var vstack where xlogy
    asinh acosh atanh hypot logaddexp logaddexp2 erfinv lgamma digamma polygamma deg2rad
    rad2deg sgn signbit sinc heaviside gcd lcm asin acos atan sinh cosh atan2 cummax cummin
    quantile nanquantile logcumsumexp erfc mvlgamma mode i0
    bucketize chain_matmul cholesky cholesky_inverse cholesky_solve cross inverse isin kron
    matrix_power qr scatter_reduce searchsorted slogdet take tensordot triangular_solve vdot
""".split())


def with_out(name, fn):
    """``fn`` taking PyTorch's ``out=`` keyword (``fn`` itself is called when it is absent)."""
    @functools.wraps(fn)
    def function(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        refuse_gradients(name, out, args, kwargs)
        result = fn(*args, **kwargs)
        if isinstance(result, tuple):
            return written_pair(name, result, out)
        return written(name, result, out)
    return function


def tensors_in(values):
    for value in values:
        if isinstance(value, Tensor):
            yield value
        elif isinstance(value, (list, tuple)):   # cat, stack: a sequence of tensors
            yield from tensors_in(value)


def refuse_gradients(name, out, args, kwargs):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if state.enabled and any(t.requires_grad for t in
                             tensors_in((*args, *kwargs.values(), *outs))):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           f"automatic differentiation, but one of the arguments requires "
                           f"grad. Call it without out= (y = cr.{name}(...)), or under "
                           f"cr.no_grad()")


def castable(kind, into_kind):
    """PyTorch's rule for writing a result into out: never a float or complex into an
    integer tensor, a complex into a real one, or anything but a bool into a bool one."""
    if into_kind == "b":
        return kind == "b"
    if into_kind in "iu":
        return kind in "iub"
    return not (kind == "c" and into_kind == "f")


def written(name, result, out):
    """``result`` (a tensor) written into the tensor ``out``, which is returned."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out= takes a tensor, not {type(out).__name__}")
    data = result._data if isinstance(result, Tensor) else np.asarray(result)
    if not castable(data.dtype.kind, out._data.dtype.kind):
        raise RuntimeError(f"{name}(): result type {result.dtype} can't be cast to the "
                           f"desired output type {out.dtype}")
    if out._data.shape != data.shape:
        resize(name, out, data.shape)
    return write(out, data)


def resize(name, out, shape):
    """``out`` made ``shape`` (new memory of its dtype), as PyTorch resizes an out tensor."""
    if out._data.size:
        warnings.warn(f"{name}(): an output with one or more elements was resized since it "
                      f"had shape {list(out._data.shape)}, which does not match the required "
                      f"output shape {list(shape)}. Resize it to zero elements first "
                      f"(out = cr.empty(0)) or pass a tensor of the result's shape",
                      UserWarning, stacklevel=4)
    out._data = np.empty(shape, out._data.dtype)
    mark_changed(out)


def written_pair(name, result, out):
    """A (values, indices) result written into the pair ``out``, returned as its type."""
    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"{name}(): out= takes a tuple of {len(result)} tensors here "
                        f"(values, indices), not {type(out).__name__}")
    outs = [written(name, r, o) for r, o in zip(result, out)]
    return type(result)(*outs) if hasattr(result, "_fields") else tuple(outs)


def out_forms(public):
    """``public`` ({name: function}) with the functions PyTorch gives out= taking it."""
    return {name: with_out(name, fn) if name in OUT_FUNCTIONS else fn
            for name, fn in public.items()}

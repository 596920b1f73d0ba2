"""``torch.autograd.functional``: Jacobians, Hessians and vector products of a function, as
lecture code computes them (``jacobian(f, x)``, ``hessian(f, x)``), by reverse mode: one
``grad`` per output element, so the cost grows with the output's size. The nesting of the
results follows PyTorch: a tensor for one input and one output; a tuple over the inputs
for one output, over the outputs for one input; a tuple (outputs) of tuples (inputs) for
both. ``vectorize=True`` and the forward-mode strategy give the same numbers here."""
import numpy as np

from .. import ops
from ..tensor import Tensor, new_tensor
from .engine import grad
from .grad_mode import enable_grad


def as_inputs(inputs, create_graph):
    """(tensors that require grad, whether one tensor was given)."""
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    if not all(isinstance(x, Tensor) for x in inputs):
        raise TypeError("autograd.functional: inputs must be a tensor or a tuple of tensors")
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                 for x in inputs), single


def grads_of(output, inputs, create_graph, v=None):
    """d <v, output> / d input for each input, zeros where the output does not depend on it."""
    if not output.requires_grad:
        return tuple(zeros_like(x) for x in inputs)
    found = grad(output, inputs, v, retain_graph=True, create_graph=create_graph,
                 allow_unused=True)
    return tuple(zeros_like(x) if g is None else g for g, x in zip(found, inputs))


def zeros_like(x):
    return new_tensor(np.zeros_like(x._data), None)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``output.shape + input.shape`` per pair.

    >>> import chainrule as cr
    >>> from chainrule.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, cr.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    refuse_strict(strict, "jacobian")
    inputs, single_input = as_inputs(inputs, create_graph)
    with enable_grad():
        outputs = func(*inputs)
        single_output = isinstance(outputs, Tensor)
        outputs = (outputs,) if single_output else tuple(outputs)
        table = [jacobian_of(out, inputs, create_graph) for out in outputs]
    if not create_graph:
        table = [[j.detach() for j in row] for row in table]
    return nest(table, single_output, single_input)


def jacobian_of(output, inputs, create_graph):
    """[d output / d input for each input], each of output.shape + input.shape."""
    flat = output.reshape(-1)
    rows = [grads_of(flat[i], inputs, create_graph) for i in range(flat.shape[0])]
    result = []
    for k, x in enumerate(inputs):
        column = ops.stack([row[k] for row in rows]) if rows else zeros_like(x).reshape(0, *x.shape)
        result.append(column.reshape(tuple(output.shape) + tuple(x.shape)))
    return result


def nest(table, single_output, single_input):
    rows = [row[0] if single_input else tuple(row) for row in table]
    return rows[0] if single_output else tuple(rows)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of ``func`` (a function returning one element) at ``inputs``.

    >>> import chainrule as cr
    >>> from chainrule.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), cr.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    refuse_strict(strict, "hessian")
    inputs, single_input = as_inputs(inputs, create_graph)

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a single "
                               "element tensor")
        return jacobian(func, xs[0] if single_input else xs, create_graph=True)

    return jacobian(gradient, inputs[0] if single_input else inputs, create_graph=create_graph)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product.

    >>> import chainrule as cr
    >>> from chainrule.autograd.functional import vjp
    >>> vjp(lambda x: x ** 2, cr.tensor([1.0, 3.0]), cr.tensor([1.0, 1.0]))[1]
    tensor([2., 6.])
    """
    refuse_strict(strict, "vjp")
    inputs, single_input = as_inputs(inputs, create_graph)
    with enable_grad():
        output = func(*inputs)
        if not isinstance(output, Tensor):
            raise RuntimeError("vjp: only a function returning one tensor is supported here")
        if v is None and output.numel() != 1:
            raise RuntimeError("vjp: v can be None only when the output has one element")
        products = grads_of(output, inputs, create_graph, v)
    if not create_graph:
        output, products = output.detach(), tuple(p.detach() for p in products)
    return output, products[0] if single_input else products


def hvp(func, inputs, v, create_graph=False, strict=False):
    """(func(inputs), H v) for a function returning one element (H is symmetric, so this is
    also ``vhp``).

    >>> import chainrule as cr
    >>> from chainrule.autograd.functional import hvp
    >>> hvp(lambda x: (x ** 3).sum(), cr.tensor([1.0, 2.0]), cr.tensor([1.0, 0.0]))[1]
    tensor([6., 0.])
    """
    refuse_strict(strict, "hvp")
    inputs, single_input = as_inputs(inputs, create_graph)
    vs = (v,) if isinstance(v, Tensor) else tuple(v)
    with enable_grad():
        output = func(*inputs)
        first = grads_of(output, inputs, True)
        inner = sum((g * w).sum() for g, w in zip(first, vs))
        products = grads_of(inner, inputs, create_graph)
    if not create_graph:
        output, products = output.detach(), tuple(p.detach() for p in products)
    return output, products[0] if single_input else products


vhp = hvp


def refuse_strict(strict, op):
    if strict:
        raise NotImplementedError(f"autograd.functional.{op}: strict=True (an error for an "
                                  f"output independent of an input) is not supported; leave "
                                  f"it False (such pairs give zeros)")

"""``gradcheck``: does backward agree with central differences of forward?

For outputs with many elements the check uses a random projection ``v``: it compares the
gradient of ``sum(v * fn(x))`` from backward with the same quantity from central differences,
element by element of every input, so a failure names the input and the element.
"""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


class GradcheckError(RuntimeError):
    """Backward and central differences disagree (the message says where)."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """True when the gradients of ``fn`` at ``inputs`` match central differences.

    >>> import chainrule as cr
    >>> x = cr.tensor([0.5, -1.2], dtype=cr.float64, requires_grad=True)
    >>> cr.gradcheck(lambda x: (x.tanh() * x).sum(), (x,))
    True
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    positions = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    checked = [inputs[i] for i in positions]
    for t in checked:
        if t.dtype != np.float64:
            raise TypeError(f"gradcheck: inputs must be float64 for a meaningful check, got "
                            f"{t.dtype} for an input of shape {tuple(t.shape)}; use .double()")
    rng = np.random.default_rng(seed)
    outputs = as_outputs(fn(*inputs))
    weights = [rng.standard_normal(o.shape) for o in outputs]
    analytic = analytic_gradients(outputs, weights, checked)
    for i, (position, t) in enumerate(zip(positions, checked)):
        numeric = numeric_gradient(fn, inputs, t, weights, eps)
        bad = ~np.isclose(analytic[i], numeric, rtol=rtol, atol=atol)
        if bad.any():
            index = tuple(int(k) for k in np.argwhere(bad)[0])
            message = (f"gradcheck: gradient of input {position} (shape {tuple(t.shape)}) "
                       f"differs at element {index}: backward gives {analytic[i][index]:.6g}, "
                       f"central differences give {numeric[index]:.6g} "
                       f"(atol={atol}, rtol={rtol}; {int(bad.sum())} of {bad.size} elements differ)")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def as_outputs(result):
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    return [o for o in outputs if isinstance(o, Tensor)]


def analytic_gradients(outputs, weights, checked):
    from ..autograd.engine import grad
    total = None
    for o, w in zip(outputs, weights):
        if o.requires_grad:
            term = (o * Tensor.of(w, dtype=o.dtype)).sum()
            total = term if total is None else total + term
    if total is None:
        return [np.zeros(t.shape) for t in checked]
    grads = grad(total, checked, allow_unused=True)
    return [np.zeros(t.shape) if g is None else g._data for g, t in zip(grads, checked)]


def numeric_gradient(fn, inputs, t, weights, eps):
    """d/dt of sum(w * fn(inputs)) by central differences, one element at a time."""
    return central_differences(lambda: projected(fn(*inputs), weights), t, eps)


def central_differences(evaluate, t, eps):
    """d evaluate() / dt by central differences, one element at a time, each perturbed in
    place in t's own array, whatever its memory layout (a flat view of a transposed array
    would be a copy, and perturb nothing)."""
    data = t._data
    result = np.zeros(data.shape)
    with no_grad():
        for index in np.ndindex(data.shape):
            saved = data[index]
            data[index] = saved + eps
            plus = evaluate()
            data[index] = saved - eps
            minus = evaluate()
            data[index] = saved
            result[index] = (plus - minus) / (2 * eps)
    return result


def projected(result, weights):
    return sum(float(np.sum(o._data * w)) for o, w in zip(as_outputs(result), weights))

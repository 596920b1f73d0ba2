"""PyTorch's in-place activations and dropouts (``F.relu_``, ``F.elu(x, inplace=True)``,
``nn.ReLU(inplace=True)``, ``nn.Dropout(inplace=True)``...): the out-of-place function's
result written into the input's memory, as PyTorch does.

Semantics, as PyTorch's: the input tensor itself is returned and changed (its version
counter, shared with its views and ``.data``, moves once, so a gate that saved its old
value refuses to run backward); a leaf that requires grad is refused; in the graph the
write is recorded (``copy_`` of the result computed from a copy of the old value: the
``IndexPut`` gate), so the gradient equals the out-of-place one. Where PyTorch's in-place
backward cannot run (a negative slope of ``leaky_relu_``, a negative alpha of ``elu_`` and
``celu_``: its backward reads the result, which no longer tells the input's sign), the
backward raises PyTorch's error; the forward runs, as in PyTorch.

>>> import chainrule as cr
>>> x = cr.tensor([-1.0, 2.0])
>>> y = cr.nn.functional.relu_(x)
>>> y is x, x.tolist(), x._version
(True, [0.0, 2.0], 1)
"""
from ..ops.inplace import check_inplace, copy_, records


def in_place(fn, input, name, **options):
    """``fn(input, **options)`` written into ``input``, which is returned (``name``: the
    in-place function's, for errors)."""
    check_inplace(input)
    recorded = records(input, ())
    # a copy in the graph: the gates of fn save it, and it is not the memory written
    result = fn(input.clone() if recorded else input.detach(), **options)
    if result.dtype != input.dtype:
        raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the "
                           f"desired output type {input.dtype}; use the out-of-place "
                           f"{name.rstrip('_')}")
    copy_(input, result)
    return input


def refuse_backward_if_negative(input, value, op, name):
    """PyTorch's in-place leaky_relu_, elu_ and celu_ compute their backward from the result,
    which a negative ``value`` (slope or alpha) makes ambiguous: forward runs, backward
    raises. Here a hook on the written tensor raises when its gradient arrives."""
    if value < 0 and input.requires_grad and input.grad_fn is not None:
        def refuse(grad):
            raise RuntimeError(
                f"{op}: in-place {op.rstrip('_')} backward is triggered with a negative "
                f"{name} ({value}), which is not supported (its backward reads the result, "
                f"whose sign no longer tells the input's); call the out-of-place "
                f"{op.rstrip('_')} instead")
        input.register_hook(refuse)
    return input

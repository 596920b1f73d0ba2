"""The one walk over a finished graph, shared by its readers (explain, the pictures,
TensorBoard) and the engine's bookkeeping: what identifies a value, and every tensor that
made an output, inputs before the gates that use them.

The engine itself needs no walk: it runs gates newest first (creation numbers), which is
the reverse of the order given here.

>>> import chainrule as cr
>>> x = cr.tensor(2.0, requires_grad=True, name="x")
>>> [t.name or type(t.grad_fn).__name__ for t in evaluation_order(x * x + x)]
['x', 'Mul', 'Add']
"""
from ..tensor import Tensor


def key_of(tensor):
    """What identifies a tensor in the graph: its gate, or itself for a leaf."""
    return tensor.grad_fn if tensor.grad_fn is not None else tensor


def evaluation_order(out, where="the graph walk"):
    """Every tensor reachable from ``out``, each once (by ``key_of``), inputs before their
    users; iterative, so a chain deeper than Python's recursion limit is fine. Raises,
    naming ``where``, if backward already freed a gate on the way."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{where}: expected the Tensor a graph ends in, got {type(out).__name__}")
    order, seen = [], set()
    stack = [(out, False)]
    while stack:
        t, inputs_done = stack.pop()
        if inputs_done:
            order.append(t)
            continue
        key = id(key_of(t))
        if key in seen:
            continue
        seen.add(key)
        stack.append((t, True))
        node = t.grad_fn
        if node is not None:
            if node.released:
                raise_released(node, where)
            stack.extend((x, False) for x in reversed(node.tensors) if isinstance(x, Tensor))
    return order


def raise_released(node, where):
    raise RuntimeError(
        f"{where}: the graph behind this tensor was freed by backward() (gate "
        f"'{node.label}', {type(node).__name__}); call {where}(...) before out.backward(), "
        f"or pass retain_graph=True to backward()")

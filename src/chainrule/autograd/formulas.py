"""The formula vocabulary: what a gate's ``formula`` and ``derivatives`` strings may say.

A formula is one Python expression. It may use:

* names: the gate's input names (``x``, ``y``, ``W``, ...), ``xs`` (the list of inputs of a
  gate that takes any number of them, such as ``cat``), ``out`` (the output), ``g`` (the
  upstream gradient d loss / d out) and the gate's parameters, which are attributes of the
  node (``dim``, ``dims``, ``min``, ``max``, ``index``, ``n``, ``N``, ``C``, ``sizes``);
* operators: ``+ - * / ** @``, unary ``-``, comparisons, ``& | ~``, indexing ``x[index]``,
  and the attributes ``.T`` (matrix transpose) and ``.shape``;
* numbers (and ``pi``), tuples and lists;
* the functions of ``FUNCTIONS``, NumPy-backed:

  - elementwise: ``exp log sqrt sin cos tanh sigmoid abs sign where maximum minimum clip``,
    ``erf`` (the error function)
  - reductions: ``sum mean max min logsumexp`` as ``f(x, dims)`` (``dims`` an int, a tuple
    or None for all elements); they keep the reduced dimensions (size 1), so that a
    derivative like ``g * exp(x - out)`` broadcasts against ``x``
  - ``softmax(x, dim)``, ``log_softmax(x, dim)``, ``onehot(index, n, dim=-1)``
  - shapes: ``reshape(x, shape) permute(x, dims) argsort(dims) broadcast_to(x, shape)
    unbroadcast(g, shape)`` (sum ``g`` down to ``shape``, undoing broadcasting)
  - building arrays: ``zeros(shape) zeros_like(x) scatter_add(target, index, values)``
    (a copy of ``target`` with ``values`` added at ``index``; repeated indices add up)
  - lists: ``split(g, sizes, dim) unbind(g, dim) cat(xs, dim) stack(xs, dim)``

What ``derivatives[name]`` means depends on the gate:

* elementwise gates (``elementwise = True``): the local derivative d out / d name, element by
  element, without ``g`` (``{"x": "1 / x"}`` for log); the gradient is ``g`` times it;
* all others: the vector-Jacobian product, the gradient with respect to ``name`` written with
  ``g`` (``{"x": "g @ y.T"}`` for a matrix product). For a gate with a list of inputs the one
  key ``xs`` gives the list of their gradients (``split(g, sizes, dim)``).

On reduction gates (``reduction = True``: sum, mean, max, min, logsumexp) ``out`` and ``g``
stand with the reduced dimensions kept, as with ``keepdim=True``, and the node's ``dims``
(a tuple, or None for all) says which ones. Matrix formulas (``@``, ``.T``) are written for
2-D operands; the gates also handle 1-D and batched ones.

``evaluate(formula, values)`` computes a formula, ``names(formula)`` lists its identifiers
(from the ``ast``) and ``node_values(node, out, g)`` gathers the values a recorded node's
formulas refer to.

>>> evaluate("y * x ** (y - 1)", {"x": 3.0, "y": 2.0})
6.0
>>> sorted(names("g * exp(x - out)"))
['exp', 'g', 'out', 'x']
"""
import ast
import functools
import math

import numpy as np

from .gate import Gate


def reduction(fn):
    """A NumPy reduction taking ``dims`` (int, tuple or None) and keeping the reduced axes."""
    def reduce(x, dims=None):
        axes = tuple(dims) if isinstance(dims, (tuple, list)) else dims
        return fn(x, axis=axes, keepdims=True)
    reduce.__name__ = fn.__name__
    return reduce


def logsumexp(x, dims=None):
    top = np.max(x, axis=dims, keepdims=True)
    return np.log(np.sum(np.exp(x - top), axis=dims, keepdims=True)) + top


def softmax(x, dim):
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def log_softmax(x, dim):
    return x - logsumexp(x, dim)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def onehot(index, n, dim=-1):
    """1 where the position along a new axis ``dim`` (of size ``n``) equals ``index``."""
    index = np.expand_dims(np.asarray(index), dim)
    positions = np.arange(n).reshape([-1 if i == dim % index.ndim else 1
                                      for i in range(index.ndim)])
    return (positions == index).astype(np.float64)


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, down to ``shape``."""
    lead = np.ndim(g) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and np.shape(g)[lead + i] != 1)
    return np.sum(g, axis=axes, keepdims=True).reshape(shape)


def scatter_add(target, index, values):
    out = np.array(target, dtype=np.result_type(target, values))
    np.add.at(out, index, values)
    return out


def split(g, sizes, dim):
    return np.split(g, np.cumsum(sizes)[:-1], axis=dim)


def unbind(g, dim):
    return [np.take(g, i, axis=dim) for i in range(np.shape(g)[dim])]


FUNCTIONS = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tanh": np.tanh, "sigmoid": sigmoid, "abs": np.abs, "sign": np.sign, "where": np.where,
    "maximum": np.maximum, "minimum": np.minimum, "clip": np.clip,
    "erf": np.vectorize(math.erf, otypes=[float]), "pi": math.pi,
    "sum": reduction(np.sum), "mean": reduction(np.mean), "max": reduction(np.max),
    "min": reduction(np.min), "logsumexp": logsumexp,
    "softmax": softmax, "log_softmax": log_softmax, "onehot": onehot,
    "reshape": np.reshape, "permute": np.transpose, "argsort": np.argsort,
    "broadcast_to": np.broadcast_to, "unbroadcast": unbroadcast,
    "zeros": np.zeros, "zeros_like": np.zeros_like, "scatter_add": scatter_add,
    "split": split, "unbind": unbind, "cat": np.concatenate, "stack": np.stack,
}


def node_values(node, out, g=None):
    """What a recorded node's formulas refer to: its inputs by name (and ``xs``), its
    parameters, ``out`` and ``g`` (reduced dimensions kept on reduction gates)."""
    values = {k: v for k, v in vars(node).items() if k not in vars(Gate)}
    arrays = list(node.arrays)
    values.update(zip(node.inputs, arrays))
    values["xs"] = arrays
    if getattr(node, "reduction", False):
        dims = node.dims
        kept = tuple(1 if dims is None or i in dims else n
                     for i, n in enumerate(np.shape(arrays[0])))
        out = np.reshape(out, kept)
        g = None if g is None else np.reshape(g, kept)
    values["out"] = out
    if g is not None:
        values["g"] = g
    return values


def names(formula):
    """The identifiers a formula uses (inputs, parameters and functions), via ``ast``."""
    return {node.id for node in ast.walk(parse(formula)) if isinstance(node, ast.Name)}


@functools.lru_cache(maxsize=None)
def parse(formula):
    try:
        return ast.parse(formula, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"formula {formula!r} is not a Python expression: {error.msg}") from None


@functools.lru_cache(maxsize=None)
def compiled(formula):
    return compile(parse(formula), "<formula>", "eval")


def evaluate(formula, values):
    """The formula's value, with ``values`` (name -> array or number) for its names."""
    missing = names(formula) - values.keys() - FUNCTIONS.keys()
    if missing:
        raise NameError(f"formula {formula!r} uses {', '.join(sorted(missing))}: neither a "
                        f"function of the vocabulary nor one of the values given "
                        f"({', '.join(sorted(values)) or 'none'})")
    return eval(compiled(formula), {"__builtins__": {}}, {**FUNCTIONS, **values})

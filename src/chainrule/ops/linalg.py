"""Matrix products: ``x @ y`` (1-D, 2-D and batched, as ``torch.matmul``) and the fused linear layer.

The rows of a matrix product depend on the operands' dimensions, so ``MatMul`` has one set of
rows per case and forward picks the case: a printed derivative is then true for the shapes
at hand (a 1-D operand gets an outer product, never a transpose that would be a dot product).
"""
import numpy as np

from ..autograd.gate import Gate
from ..tensor import api


class MatMul(Gate):
    """Matrix product with PyTorch's rules for 1-D and batched operands.

    >>> import chainrule as cr
    >>> (cr.tensor([[1.0, 2.0]]) @ cr.tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """

    label = "@"
    inputs = ("x", "y")
    formula = "x @ y"
    cases = {
        "matrices": {"x": "g @ y.T", "y": "x.T @ g"},                  # (m, k) @ (k, n)
        "batched": {"x": "g @ y.mT", "y": "x.mT @ g"},                 # (..., m, k) @ (..., k, n)
        "vector @ matrix": {"x": "mv(y, g)", "y": "outer(x, g)"},      # (k) @ (..., k, n)
        "matrix @ vector": {"x": "outer(g, y)", "y": "mv(x.mT, g)"},   # (..., m, k) @ (k)
        "dot": {"x": "g * y", "y": "g * x"},                           # (k) @ (k)
    }
    saves = ("case",)
    methods = ("__matmul__", "__rmatmul__", "matmul", "mm", "bmm")
    function = "matmul"

    def forward(self, x, y):
        self.case = matmul_case(np.ndim(x), np.ndim(y))
        try:
            return np.matmul(x, y)
        except ValueError:
            if np.ndim(x) == 0 or np.ndim(y) == 0:
                raise ValueError(f"matmul: both operands need at least one dimension, got "
                                 f"shapes {np.shape(x)} and {np.shape(y)}; use * to scale "
                                 f"by a scalar") from None
            raise ValueError(
                f"matmul: shapes {np.shape(x)} and {np.shape(y)} do not fit: the last dimension "
                f"of the first ({np.shape(x)[-1:]}) must equal the "
                f"{'only' if np.ndim(y) == 1 else 'second-to-last'} dimension of the second; "
                f"transpose one operand (.T) or reshape it") from None


def matmul_case(x_ndim, y_ndim):
    if x_ndim == 1:
        return "dot" if y_ndim == 1 else "vector @ matrix"
    if y_ndim == 1:
        return "matrix @ vector"
    return "matrices" if x_ndim == y_ndim == 2 else "batched"


class Linear(Gate):
    """``x @ W.T + b`` in one gate: the layer every MLP repeats, fused because one node
    instead of three is what makes small networks fast. ``x`` may have leading batch axes;
    the engine's conform step then sums the rows for ``W`` and ``b`` over them."""

    label = "linear"
    inputs = ("x", "W", "b")
    formula = "x @ W.T + b"
    cases = {
        "vector": {"x": "g @ W", "W": "outer(g, x)", "b": "g"},     # x: (in,)
        "matrix": {"x": "g @ W", "W": "g.T @ x", "b": "sum(g, 0)"},     # x: (N, in)
        "batched": {"x": "reshape(as_matrix(g) @ W, x.shape)",   # x: (..., N, in), as rows
                    "W": "as_matrix(g).T @ as_matrix(x)", "b": "sum(as_matrix(g), 0)"},
    }
    saves = ("case",)

    def forward(self, x, W, b=None):
        self.case = ("vector", "matrix")[np.ndim(x) - 1] if np.ndim(x) <= 2 else "batched"
        try:   # leading axes folded into rows: one 2-D BLAS product, not a batched loop
            out = np.matmul(x, W.T) if np.ndim(x) <= 2 else \
                np.matmul(x.reshape(-1, x.shape[-1]), W.T).reshape(*x.shape[:-1], -1)
        except ValueError:
            raise ValueError(f"linear: input of shape {np.shape(x)} does not fit a weight of "
                             f"shape {np.shape(W)} (out_features, in_features): the input's "
                             f"last dimension must be {np.shape(W)[-1]}") from None
        if b is not None:
            out += b
        return out


@api
def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` (``torch.nn.functional.linear``).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> F.linear(cr.ones(1, 3), cr.ones(2, 3), cr.tensor([0.5, -0.5])).tolist()
    [[3.5, 2.5]]
    """
    return Linear.apply(x, weight, bias)


def check_dims(op, *pairs):
    for t, ndim, role in pairs:
        if t.ndim != ndim:
            raise ValueError(f"{op}: {role} must have {ndim} dimensions, got shape "
                             f"{tuple(t.shape)}; matmul (@) takes any")


@api(methods=("mm",))
def mm(x, mat2):
    """The product of two matrices (2-D each): ``MatMul``.

    >>> import chainrule as cr
    >>> cr.mm(cr.tensor([[1.0, 2.0]]), cr.tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    check_dims("mm", (x, 2, "input"), (mat2, 2, "mat2"))
    return MatMul.apply(x, mat2)


@api(methods=("bmm",))
def bmm(x, mat2):
    """Batched matrix products of (b, n, m) and (b, m, p): ``MatMul``.

    >>> import chainrule as cr
    >>> cr.bmm(cr.ones(5, 2, 3), cr.ones(5, 3, 4)).shape
    chainrule.Size([5, 2, 4])
    """
    check_dims("bmm", (x, 3, "input"), (mat2, 3, "mat2"))
    return MatMul.apply(x, mat2)


@api(methods=("mv",))
def mv(x, vec):
    """A matrix (2-D) times a vector (1-D): ``MatMul``.

    >>> import chainrule as cr
    >>> cr.mv(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), cr.tensor([1.0, 1.0])).tolist()
    [3.0, 7.0]
    """
    check_dims("mv", (x, 2, "input"), (vec, 1, "vec"))
    return MatMul.apply(x, vec)


@api(methods=("dot",))
def dot(x, other):
    """The dot product of two 1-D tensors: ``MatMul``.

    >>> import chainrule as cr
    >>> cr.dot(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0])).item()
    11.0
    """
    check_dims("dot", (x, 1, "input"), (other, 1, "other"))
    return MatMul.apply(x, other)


@api(methods=("inner",))
def inner(x, other):
    """Sums of products over the last dimension of each (``x * other`` when one is 0-d),
    shape ``x.shape[:-1] + other.shape[:-1]``: an ``einsum``.

    >>> import chainrule as cr
    >>> cr.inner(cr.tensor([[1.0, 2.0]]), cr.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [[11.0, 1.0]]
    """
    if x.ndim == 0 or other.ndim == 0:
        return x * other
    if x.shape[-1] != other.shape[-1]:
        raise ValueError(f"inner: the last dimensions of shapes {tuple(x.shape)} and "
                         f"{tuple(other.shape)} must match")
    left, right = "abcdefgh"[:x.ndim - 1], "ijklmnop"[:other.ndim - 1]
    return einsum(f"{left}z,{right}z->{left}{right}", x, other)


@api(methods=("outer", "ger"))
def outer(x, vec2):
    """``x[i] * vec2[j]`` for 1-D tensors: a broadcasting ``Mul``.

    >>> import chainrule as cr
    >>> cr.outer(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0, 5.0])).tolist()
    [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]
    """
    check_dims("outer", (x, 1, "input"), (vec2, 1, "vec2"))
    return x.reshape(-1, 1) * vec2.reshape(1, -1)


@api
def einsum(equation, *operands):
    """Einstein summation, PyTorch's ``torch.einsum("ij,jk->ik", a, b)`` (ellipsis, implicit
    output, repeated letters for diagonals). A composition: each operand's diagonals taken
    (``diagonal``), its axes permuted and reshaped onto all the equation's letters, the
    operands multiplied with broadcasting (``Mul``) and the letters missing from the output
    summed (``Sum``), so every derivative is exact. It holds the product of all letters'
    sizes at once: for big contractions, ``matmul`` is cheaper.

    >>> import chainrule as cr
    >>> cr.einsum("ij,jk->ik", cr.ones(2, 3), cr.ones(3, 4)).tolist()[0]
    [3.0, 3.0, 3.0, 3.0]
    >>> cr.einsum("ii", cr.eye(3)).item()
    3.0
    """
    if not isinstance(equation, str):
        raise NotImplementedError("einsum: the sublist form (operand, [0, 1], ...) is not "
                                  "supported; give an equation string such as 'ij,jk->ik'")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, output = parse_einsum(equation.replace(" ", ""), operands)
    letters = "".join(dict.fromkeys("".join(terms)))
    product = None
    for term, t in zip(terms, operands):
        t, term = diagonals(t, term)
        order = sorted(range(len(term)), key=lambda k: letters.index(term[k]))
        t = t.permute(*order) if order != list(range(len(term))) else t
        placed = [term[k] for k in order]
        t = t.reshape(tuple(t.shape[placed.index(c)] if c in placed else 1 for c in letters))
        product = t if product is None else product * t
    summed = tuple(i for i, c in enumerate(letters) if c not in output)
    out = product.sum(dim=summed) if summed else product
    kept = [c for c in letters if c in output]
    order = [kept.index(c) for c in output]
    return out.permute(*order) if order != list(range(len(order))) else out


def parse_einsum(equation, operands):
    """(the input terms, the output term), ellipses written out as letters unused elsewhere."""
    left, arrow, right = equation.partition("->")
    terms = left.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: the equation {equation!r} has {len(terms)} operands, "
                         f"{len(operands)} were given")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
             if c not in equation]
    widths = [t.ndim - len(term.replace("...", "")) if "..." in term else 0
              for term, t in zip(terms, operands)]
    ellipsis = "".join(spare[:max(widths, default=0)])
    terms = [term.replace("...", ellipsis[len(ellipsis) - w:] if w else "")
             for term, w in zip(terms, widths)]
    for term, t in zip(terms, operands):
        if len(term) != t.ndim or not term.isalpha():
            raise ValueError(f"einsum: subscripts {term!r} do not fit an operand of shape "
                             f"{tuple(t.shape)}")
    if arrow:
        output = right.replace("...", ellipsis)
    else:
        counts = "".join(terms)
        output = ellipsis + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                           and c not in ellipsis))
    return terms, output


def diagonals(t, term):
    """``t`` and its subscripts with each repeated letter reduced to its diagonal."""
    while len(set(term)) < len(term):
        letter = next(c for c in term if term.count(c) > 1)
        first = term.index(letter)
        second = term.index(letter, first + 1)
        t = t.diagonal(0, first, second)   # the diagonal becomes the last axis
        term = "".join(c for i, c in enumerate(term) if i not in (first, second)) + letter
    return t, term

"""Scaled-dot-product attention as one gate: ``softmax(q @ k.mT * scale + mask) @ v``.

Fused because the graph then shows one ``attention`` node with its layer-level formula
instead of five, and because forward and backward reuse one array of weights (the softmax),
computed once in place. The rows name three helpers defined here:

* ``safe_softmax(s, dim)``: PyTorch's softmax for attention, 0 (not NaN) along a row of
  scores that is all -inf, a query that may attend to nothing;
* ``drop(w, dropmask)``: dropout's constant mask applied to the weights, or nothing;
* ``softmax_backward(gw, w, dim)``: the gradient reaching softmax's input from the gradient
  ``gw`` of its output ``w`` (PyTorch's ``_softmax_backward_data``).

A boolean mask (True: attend) and ``is_causal`` become an additive mask of 0 and -inf, so the
gate sees one kind of mask; a float mask is added as it is and gets a gradient.
"""
import math

import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import TENSORS, define
from ..random import numpy_generator
from ..tensor import Tensor, new_tensor


def last_axis_max(s):
    """max over the last axis, by halving it: NumPy's own reduction over a short last axis
    runs a loop per row (for rows of 32, about twice as slow). NaN propagates, as in max."""
    while s.shape[-1] > 1:
        half = s.shape[-1] // 2
        top = np.maximum(s[..., :half], s[..., half:2 * half])
        if s.shape[-1] % 2:
            np.maximum(top[..., :1], s[..., -1:], out=top[..., :1])
        s = top
    return s


def last_axis_sum(s):
    """sum over the last axis, keeping it: one matrix-vector product (BLAS), several times
    faster than NumPy's reduction over a short last axis."""
    return np.matmul(s, np.ones(s.shape[-1], s.dtype))[..., None]


def softmax_in_place(s):
    """safe_softmax(s, -1) computed in the memory of s (scores forward made itself)."""
    top = last_axis_max(s)
    dead = top == -np.inf                       # rows that attend to nothing
    if dead.any():
        top = np.where(dead, 0, top)            # exp(-inf - 0) = 0 there
    s -= top
    np.exp(s, out=s)
    total = last_axis_sum(s)
    if dead.any():
        total[dead] = 1
    s /= total
    return s


def array_safe_softmax(s, dim):
    if dim in (-1, np.ndim(s) - 1):
        return softmax_in_place(np.array(s))   # a copy: the caller keeps its scores
    return np.moveaxis(array_safe_softmax(np.moveaxis(s, dim, -1), -1), -1, dim)


def tensor_safe_softmax(s, dim):
    dead = np.max(s._data, axis=dim, keepdims=True) == -np.inf
    if not dead.any():
        return s.softmax(dim)
    return TENSORS.where(dead, 0.0, TENSORS.where(dead, 0.0, s).softmax(dim))


def array_drop(w, dropmask=None):
    return w if dropmask is None else w * dropmask


def tensor_drop(w, dropmask=None):
    return w if dropmask is None else w * new_tensor(dropmask, None)


def softmax_backward(gw, w, dim):
    return w * (gw - (gw * w).sum(dim, keepdim=True))


def array_softmax_backward(gw, w, dim):
    if dim not in (-1, np.ndim(w) - 1):
        return w * (gw - np.sum(gw * w, axis=dim, keepdims=True))
    out = gw - last_axis_sum(gw * w)
    out *= w
    return out


define("safe_softmax", array_safe_softmax, tensor_safe_softmax,
       "safe_softmax(s, dim) = softmax(s, dim), and 0 along a slice of s that is all -inf "
       "(a query that may attend to nothing)")
define("drop", array_drop, tensor_drop,
       "drop(w, dropmask) = w * dropmask, dropout's constant mask of 0 and 1 / (1 - p); "
       "w itself without dropout")
define("softmax_backward", array_softmax_backward, softmax_backward,
       "softmax_backward(gw, w, dim) = w * (gw - sum(gw * w, dim, True)): the gradient "
       "reaching softmax's input, w its output and gw the gradient of w")


class ScaledDotProductAttention(Gate):
    """``drop(safe_softmax(q @ k.mT * scale + mask, -1), dropmask) @ v``: q (..., L, E),
    k (..., S, E), v (..., S, Ev), an additive mask broadcasting to (..., L, S) or None.
    Batch dimensions broadcast as in ``matmul``; the engine sums the gradients back."""

    label = "attention"
    inputs = ("q", "k", "v", "mask")
    formula = "drop(safe_softmax(q @ k.mT * scale + mask, -1), dropmask) @ v"
    residuals = {"probs": "safe_softmax(q @ k.mT * scale, -1)",
                 "masked_probs": "safe_softmax(q @ k.mT * scale + mask, -1)"}
    cases = {   # one set of rows with a mask, one without: a row never adds None
        "unmasked": {
            "q": "softmax_backward(drop(g @ v.mT, dropmask), probs, -1) @ k * scale",
            "k": "softmax_backward(drop(g @ v.mT, dropmask), probs, -1).mT @ q * scale",
            "v": "drop(probs, dropmask).mT @ g"},
        "masked": {
            "q": "softmax_backward(drop(g @ v.mT, dropmask), masked_probs, -1) @ k * scale",
            "k": "softmax_backward(drop(g @ v.mT, dropmask), masked_probs, -1).mT @ q * scale",
            "v": "drop(masked_probs, dropmask).mT @ g",
            "mask": "softmax_backward(drop(g @ v.mT, dropmask), masked_probs, -1)"},
    }
    saves = ("case", "scale", "dropmask")

    def forward(self, q, k, v, mask=None, scale=1.0, dropmask=None):
        self.case = "unmasked" if mask is None else "masked"
        self.scale, self.dropmask = scale, dropmask
        scores = np.matmul(q, k.mT)
        scores *= np.asarray(scale, scores.dtype)
        if mask is not None and np.broadcast_shapes(scores.shape, np.shape(mask)) == scores.shape:
            scores += mask
        elif mask is not None:       # a mask that broadcasts the scores to more dims
            scores = scores + mask
        probs = softmax_in_place(scores)
        self.probs = self.masked_probs = probs
        return np.matmul(array_drop(probs, dropmask), v)


def check_shapes(query, key, value, enable_gqa):
    op = "scaled_dot_product_attention"
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(f"{op}: query, key and value need at least 2 dimensions (..., L, E), "
                         f"got shapes {tuple(query.shape)}, {tuple(key.shape)} and "
                         f"{tuple(value.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{op}: query (..., L, E) {tuple(query.shape)}, key (..., S, E) "
                         f"{tuple(key.shape)} and value (..., S, Ev) {tuple(value.shape)} do "
                         f"not fit: query and key must share E, key and value S")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{op}: query, key and value must have one dtype, got {query.dtype}, "
                        f"{key.dtype} and {value.dtype}")
    if enable_gqa and query.ndim >= 3 and query.shape[-3] % key.shape[-3]:
        raise ValueError(f"{op}: enable_gqa needs the query's {query.shape[-3]} heads (dim -3) "
                         f"to be a multiple of the key's {key.shape[-3]}")


def repeat_heads(x, heads):
    """``x`` (..., H, S, E) with each head repeated heads / H times in a row
    (``repeat_interleave`` along dim -3), through expand and reshape."""
    h = x.shape[-3]
    if h == heads:
        return x
    lead, rest = tuple(x.shape[:-3]), tuple(x.shape[-2:])
    return x.unsqueeze(-3).expand(lead + (h, heads // h) + rest).reshape(lead + (heads,) + rest)


def additive_mask(attn_mask, is_causal, query, key):
    """The mask the gate adds: a float mask as it is; a boolean one (True: attend) and the
    causal one (query i sees keys 0..i, top-left aligned) as 0 and -inf."""
    op = "scaled_dot_product_attention"
    length, source = query.shape[-2], key.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: pass attn_mask or is_causal=True, not both (PyTorch "
                             f"refuses them together); fold the causal mask into attn_mask")
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is None:
        return None
    data = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    if data.dtype == np.bool_:   # named for explain's tables
        mask = new_tensor(np.where(data, 0, -np.inf).astype(query.dtype), None)
        mask.name = "causal_mask" if is_causal else "attn_mask"
        return mask
    if data.dtype not in (query.dtype, np.float32):   # PyTorch's rule: bool, float or the query's
        raise TypeError(f"{op}: attn_mask must be boolean, float32 or of the query's dtype "
                        f"{query.dtype}, got {data.dtype}")
    mask = attn_mask if isinstance(attn_mask, Tensor) else new_tensor(data, None)
    return mask if data.dtype == query.dtype else mask.to(query.dtype)


def dropout_mask(shape, p, dtype):
    if not 0 <= p <= 1:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be between 0 and 1, "
                         f"got {p}")
    if p == 0:
        return None
    if p == 1:
        return np.zeros(shape, dtype)
    keep = numpy_generator().random(shape) >= p
    return keep.astype(dtype) / np.asarray(1 - p, dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(query @ key.mT * scale + mask) @ value`` as one gate, with PyTorch's
    arguments: ``scale`` defaults to 1 / sqrt(E); a boolean ``attn_mask`` is True where a
    query may attend, a float one is added to the scores; ``is_causal`` lets query i see keys
    0..i; ``dropout_p`` drops weights (always, as PyTorch: pass 0.0 outside training);
    ``enable_gqa`` shares each key and value head among a group of query heads.

    >>> import chainrule as cr
    >>> q = k = v = cr.eye(2).reshape(1, 2, 2)
    >>> out = cr.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    >>> [[round(x, 4) for x in row] for row in out[0].tolist()]
    [[1.0, 0.0], [0.3302, 0.6698]]
    """
    check_shapes(query, key, value, enable_gqa)
    if enable_gqa and query.ndim >= 3:
        key, value = (repeat_heads(x, query.shape[-3]) for x in (key, value))
    mask = additive_mask(attn_mask, is_causal, query, key)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores_shape = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]),
                                       tuple(value.shape[:-2]))
    scores_shape = np.broadcast_shapes(scores_shape + (query.shape[-2], key.shape[-2]),
                                       () if mask is None else tuple(mask.shape))
    dropmask = dropout_mask(scores_shape, dropout_p, query.dtype)
    return ScaledDotProductAttention.apply(query, key, value, mask, scale=scale,
                                           dropmask=dropmask)

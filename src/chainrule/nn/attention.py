"""``MultiheadAttention`` with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``,
``out_proj``; ``q_proj_weight``... when ``kdim``/``vdim`` differ), initialisation and masks.

The attention itself is ``F.scaled_dot_product_attention``, one gate, when the weights are
not asked for (``need_weights=False``, what the Transformer layers pass); with
``need_weights=True`` (PyTorch's default) the weights are computed as a composition
(matmul, softmax, dropout, matmul), as PyTorch does, so they can be returned.

Masks here follow PyTorch's ``MultiheadAttention``, not ``scaled_dot_product_attention``: a
boolean ``attn_mask`` or ``key_padding_mask`` is True where attending is NOT allowed; a float
one is added to the scores.
"""
import math

import numpy as np

from .. import ops
from ..creation import zeros
from ..tensor import Tensor, new_tensor
from . import functional as F
from . import init
from .linear import Linear, empty_parameter
from .module import Module

LINEAR = ops.Linear.apply


def additive(mask, name, dtype):
    """A mask as the float tensor added to the scores: a boolean one as -inf where True."""
    if mask is None:
        return None
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:   # where: a mask gate's output (onnx.export) stays in the graph
        return ops.where(mask if isinstance(mask, Tensor) else data,
                         np.asarray(-np.inf, dtype), np.asarray(0.0, dtype))
    if data.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: {name} must be boolean or floating, got "
                        f"{data.dtype}")
    return mask if isinstance(mask, Tensor) else new_tensor(data.astype(dtype), None)


def with_zero_column(mask):
    """The mask with one more key that every query may attend (add_bias_kv, add_zero_attn)."""
    if mask is None:
        return None
    return ops.cat([mask, zeros(*mask.shape[:-1], 1, dtype=mask.dtype)], -1)


class MultiheadAttention(Module):
    """Attention from ``num_heads`` heads of size embed_dim / num_heads, PyTorch's layer.
    Inputs (L, N, E) (``batch_first``: (N, L, E)) or unbatched (L, E); returns the output
    and, with ``need_weights``, the attention weights (averaged over heads by default).

    >>> import chainrule as cr
    >>> mha = cr.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = cr.ones(3, 5, 8)
    >>> out, weights = mha(x, x, x)
    >>> tuple(out.shape), tuple(weights.shape), tuple(mha.in_proj_weight.shape)
    ((3, 5, 8), (3, 5, 5), (24, 8))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if device is not None and not str(device).startswith("cpu"):
            raise RuntimeError(f"MultiheadAttention: chainrule computes on the CPU today; got "
                               f"device={device!r}")
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads} (both positive)")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first, self.head_dim = batch_first, embed_dim // num_heads
        self.add_zero_attn = add_zero_attn
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty_parameter((3 * embed_dim, embed_dim), dtype)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = empty_parameter((embed_dim, embed_dim), dtype)
            self.k_proj_weight = empty_parameter((embed_dim, self.kdim), dtype)
            self.v_proj_weight = empty_parameter((embed_dim, self.vdim), dtype)
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias",
                                empty_parameter((3 * embed_dim,), dtype) if bias else None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        for name in ("bias_k", "bias_v"):
            self.register_parameter(name, empty_parameter((1, 1, embed_dim), dtype)
                                    if add_bias_kv else None)
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal bias_k, bias_v;
        out_proj's weight keeps Linear's initialisation."""
        for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
            if getattr(self, name) is not None:
                init.xavier_uniform_(getattr(self, name))
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for p in (self.bias_k, self.bias_v):
            if p is not None:
                init.xavier_normal_(p)

    def projections(self, query, key, value):
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        return [LINEAR(x, w, b) for x, w, b in zip((query, key, value), weights, biases)]

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        batched = query.ndim == 3
        if batched and self.batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        elif not batched:
            query, key, value = (x.unsqueeze(1) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0) if isinstance(
                    key_padding_mask, Tensor) else np.asarray(key_padding_mask)[None]
        self.check_inputs(query, key, value, is_causal, attn_mask)
        length, n, e = query.shape
        q, k, v = self.projections(query, key, value)        # (L, N, E), (S, N, E) twice
        attn_mask = self.shaped_attn_mask(additive(attn_mask, "attn_mask", q.dtype), n, length,
                                          key.shape[0])
        padding = additive(key_padding_mask, "key_padding_mask", q.dtype)
        if self.bias_k is not None:
            k = ops.cat([k, self.bias_k.expand(1, n, e)], 0)
            v = ops.cat([v, self.bias_v.expand(1, n, e)], 0)
            attn_mask, padding = with_zero_column(attn_mask), with_zero_column(padding)
        q, k, v = (x.reshape(x.shape[0], n, self.num_heads, self.head_dim).permute(1, 2, 0, 3)
                   for x in (q, k, v))                    # (N, H, L or S, head_dim)
        if self.add_zero_attn:
            k, v = (ops.cat([x, zeros(n, self.num_heads, 1, self.head_dim, dtype=x.dtype)], 2)
                    for x in (k, v))
            attn_mask, padding = with_zero_column(attn_mask), with_zero_column(padding)
        mask = attn_mask
        if padding is not None:
            padding = padding.reshape(n, 1, 1, padding.shape[-1])
            mask = padding if mask is None else mask + padding
        out, weights = self.attend(q, k, v, mask, need_weights)
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(length, n, e))
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            return out.squeeze(1), None if weights is None else weights.squeeze(0)
        return (out.transpose(0, 1) if self.batch_first else out), weights

    def attend(self, q, k, v, mask, need_weights):
        """The heads' outputs (N, H, L, head_dim), and the weights when asked for."""
        p = self.dropout if self.training else 0.0
        if not need_weights:   # one gate
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p), None
        scores = (q * (1 / math.sqrt(self.head_dim))) @ k.mT
        weights = (scores if mask is None else scores + mask).softmax(-1)
        if p:
            weights = F.dropout(weights, p)
        return weights @ v, weights

    def shaped_attn_mask(self, mask, n, length, source):
        """(L, S) stays; (N * num_heads, L, S) becomes (N, num_heads, L, S)."""
        if mask is None:
            return None
        heads = n * self.num_heads
        if tuple(mask.shape) == (length, source):
            return mask
        if tuple(mask.shape) == (heads, length, source):
            return mask.reshape(n, self.num_heads, length, source)
        raise ValueError(f"MultiheadAttention: attn_mask of shape {tuple(mask.shape)}; expected "
                         f"(L, S) = {(length, source)} or (N * num_heads, L, S) = "
                         f"{(heads, length, source)}")

    def check_inputs(self, query, key, value, is_causal, attn_mask):
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal=True is a hint that attn_mask is "
                               "the causal mask; pass that attn_mask too (for example "
                               "Transformer.generate_square_subsequent_mask(L))")
        dims = (self.embed_dim, self.kdim, self.vdim)
        for name, x, size in zip(("query", "key", "value"), (query, key, value), dims):
            if x.ndim != 3 or x.shape[-1] != size:
                raise ValueError(f"MultiheadAttention: {name} of shape {tuple(x.shape)} (as "
                                 f"(L, N, E)) must end in {size}")
        if key.shape[:2] != value.shape[:2] or key.shape[1] != query.shape[1]:
            raise ValueError(f"MultiheadAttention: key {tuple(key.shape)} and value "
                             f"{tuple(value.shape)} must share (S, N), and N must be the "
                             f"query's {query.shape[1]}")

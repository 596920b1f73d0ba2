"""The Transformer layers with PyTorch's names, arguments and parameters:
``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer``,
``TransformerDecoder`` and ``Transformer``.

Each layer is PyTorch's composition: self-attention (``MultiheadAttention`` with
``need_weights=False``, so one fused attention gate), residual additions, ``LayerNorm``
after (or, ``norm_first``, before) each block, and a feed-forward block
``linear2(dropout(activation(linear1(x))))``. A stack deep-copies its layer, so a PyTorch
state_dict (``layers.0.self_attn.in_proj_weight``...) loads as it is.
"""
import copy

import numpy as np

from ..creation import full
from . import functional as F
from . import init
from .attention import MultiheadAttention
from .container import ModuleList
from .linear import Dropout, Linear
from .module import Module
from .norm import LayerNorm

ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def activation_of(activation, name):
    if callable(activation):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"{name}: activation should be 'relu', 'gelu' or a callable, got "
                         f"{activation!r}")
    return ACTIVATIONS[activation]


def check_device(device, name):
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"{name}: chainrule computes on the CPU today; got device={device!r}")


class FeedForward(Module):
    """The shared parts of both layers: the feed-forward block and its norms and dropouts
    (PyTorch's attribute names: linear1, dropout, linear2, norm1, norm2, dropout1, dropout2),
    added after the attention modules so that the parameters come in PyTorch's order."""

    def add_feed_forward(self, d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                         norm_first, bias, dtype, norms):
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        for i in range(1, norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                dtype=dtype))
        for i in range(1, norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = activation_of(activation, type(self).__name__)

    def _ff_block(self, x, last):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return getattr(self, f"dropout{last}")(x)

    def residual(self, x, block, norm):
        """x + block(norm(x)) with norm_first, else norm(x + block(x))."""
        norm = getattr(self, f"norm{norm}")
        return x + block(norm(x)) if self.norm_first else norm(x + block(x))


class TransformerEncoderLayer(FeedForward):
    """Self-attention then feed-forward, each with a residual and a LayerNorm.

    >>> import chainrule as cr
    >>> layer = cr.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> tuple(layer(cr.ones(3, 5, 8)).shape)
    (3, 5, 8)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        check_device(device, "TransformerEncoderLayer")
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.add_feed_forward(d_model, dim_feedforward, dropout, activation,
                              layer_norm_eps, norm_first, bias, dtype, norms=2)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        def attend(x):
            x = self.self_attn(x, x, x, attn_mask=src_mask, key_padding_mask=src_key_padding_mask,
                               need_weights=False, is_causal=is_causal)[0]
            return self.dropout1(x)
        x = self.residual(src, attend, 1)
        return self.residual(x, lambda y: self._ff_block(y, 2), 2)


class TransformerDecoderLayer(FeedForward):
    """Self-attention, attention over the encoder's output (``memory``), then feed-forward;
    each with a residual and a LayerNorm.

    >>> import chainrule as cr
    >>> layer = cr.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> tuple(layer(cr.ones(4, 2, 8), cr.ones(6, 2, 8)).shape)
    (4, 2, 8)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        check_device(device, "TransformerDecoderLayer")
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.add_feed_forward(d_model, dim_feedforward, dropout, activation,
                              layer_norm_eps, norm_first, bias, dtype, norms=3)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        def attend(x):
            x = self.self_attn(x, x, x, attn_mask=tgt_mask, key_padding_mask=tgt_key_padding_mask,
                               need_weights=False, is_causal=tgt_is_causal)[0]
            return self.dropout1(x)

        def attend_memory(x):
            x = self.multihead_attn(x, memory, memory, attn_mask=memory_mask,
                                    key_padding_mask=memory_key_padding_mask,
                                    need_weights=False, is_causal=memory_is_causal)[0]
            return self.dropout2(x)
        x = self.residual(tgt, attend, 1)
        x = self.residual(x, attend_memory, 2)
        return self.residual(x, lambda y: self._ff_block(y, 3), 3)


def clones(layer, num_layers):
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer``, then ``norm`` when given.

    >>> import chainrule as cr
    >>> layer = cr.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    >>> tuple(cr.nn.TransformerEncoder(layer, 2)(cr.ones(5, 3, 8)).shape)
    (5, 3, 8)
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer``, then ``norm`` when given.

    >>> import chainrule as cr
    >>> import chainrule.nn as nn
    >>> layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, batch_first=True)
    >>> decoder = nn.TransformerDecoder(layer, num_layers=2)
    >>> decoder(cr.zeros(3, 5, 8), cr.zeros(3, 7, 8)).shape, len(decoder.layers)
    (chainrule.Size([3, 5, 8]), 2)
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder of "Attention Is All You Need", PyTorch's ``nn.Transformer``:
    encoder and decoder stacks, each ending in a LayerNorm; every weight matrix initialised
    Xavier-uniform.

    >>> import chainrule as cr
    >>> model = cr.nn.Transformer(8, 2, 1, 1, dim_feedforward=16)
    >>> tgt_mask = cr.nn.Transformer.generate_square_subsequent_mask(4)
    >>> tuple(model(cr.ones(6, 2, 8), cr.ones(4, 2, 8), tgt_mask=tgt_mask).shape)
    (4, 2, 8)
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device, "Transformer")
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                       norm_first=norm_first, bias=bias, dtype=dtype)
        norm = lambda: LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)  # noqa: E731
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers, norm())
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers, norm())
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        self._reset_parameters()

    def _reset_parameters(self):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch] != tgt.shape[batch]:
            raise RuntimeError(f"Transformer: the batch size of src {tuple(src.shape)} and tgt "
                               f"{tuple(tgt.shape)} must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src {tuple(src.shape)} and "
                               f"tgt {tuple(tgt.shape)} must be equal to d_model {self.d_model}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """A float (sz, sz) mask: 0 on and below the diagonal, -inf above (position i sees
        0..i).

        >>> import chainrule as cr
        >>> cr.nn.Transformer.generate_square_subsequent_mask(3).tolist()
        [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
        """
        check_device(device, "generate_square_subsequent_mask")
        mask = full((sz, sz), -np.inf, dtype=dtype)
        mask._data[...] = np.triu(mask._data, 1)
        return mask

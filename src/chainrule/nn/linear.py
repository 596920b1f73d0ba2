"""Dense layers and friends: ``Linear``, ``Identity``, ``Flatten``, ``Dropout``, ``Embedding``."""
import math

import numpy as np

from .. import dtypes, ops
from ..device import as_device
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .embedding_bag import refuse_options

LINEAR = ops.Linear.apply


def empty_parameter(shape, dtype, device=None, op="layer"):
    """Zeros of ``shape`` to initialise; ``device`` must be the CPU (or None)."""
    as_device(device, op)
    return Parameter(np.zeros(shape, dtypes.resolve(dtype) or dtypes.default_float))


def add_weight_and_bias(module, weight_shape, bias, dtype, device=None):
    """A ``weight`` of ``weight_shape`` and a bias per output (or ``bias = None``), with
    PyTorch's default initialisation: Linear's and Conv2d's parameters."""
    module.weight = empty_parameter(weight_shape, dtype, device, type(module).__name__)
    module.register_parameter("bias", empty_parameter(weight_shape[:1], dtype) if bias else None)
    module.reset_parameters()


class Identity(Module):
    """Returns its input unchanged (a placeholder that keeps a model's structure).

    >>> import chainrule as cr
    >>> cr.nn.Identity()(cr.tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x W^T + b`` with W of shape (out_features, in_features), PyTorch's default init.

    >>> import chainrule as cr
    >>> layer = cr.nn.Linear(3, 2)
    >>> tuple(layer(cr.ones(4, 3)).shape), tuple(layer.weight.shape)
    ((4, 2), (2, 3))
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        add_weight_and_bias(self, (out_features, in_features), bias, dtype, device)

    def reset_parameters(self):
        init.default_init(self.weight, self.bias)

    def forward(self, input):
        return LINEAR(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim`` into one (by default all but the batch).

    >>> import chainrule as cr
    >>> tuple(cr.nn.Flatten()(cr.ones(2, 3, 4)).shape)
    (2, 12)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zeroes each element with probability ``p`` and scales the rest by
    1 / (1 - p); in eval mode, the identity.

    >>> import chainrule as cr
    >>> drop = cr.nn.Dropout(0.5).eval()
    >>> drop, drop(cr.ones(3)).tolist()
    (Dropout(p=0.5, inplace=False), [1.0, 1.0, 1.0])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: probability p must be between 0 and 1, got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` (num_embeddings, embedding_dim) for index ``i``;
    initialised from N(0, 1) like PyTorch, with the ``padding_idx`` row zero.

    >>> import chainrule as cr
    >>> table = cr.nn.Embedding(10, 3, padding_idx=0)
    >>> table, tuple(table(cr.tensor([[0, 4]])).shape), table.weight[0].tolist()
    (Embedding(10, 3, padding_idx=0), (1, 2, 3), [0.0, 0.0, 0.0])
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings {num_embeddings}")
        for name, value in (("scale_grad_by_freq", scale_grad_by_freq), ("sparse", sparse)):
            if value:
                raise NotImplementedError(
                    f"Embedding: {name}=True is not supported (chainrule's embedding "
                    f"gradients are dense and unscaled); leave it False")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), dtype, device,
                                          "Embedding")
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight of shape {tuple(_weight.shape)} must be "
                                 f"(num_embeddings, embedding_dim) = "
                                 f"{(num_embeddings, embedding_dim)}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (a 2-D tensor, used as it is, not
        copied, as in PyTorch), frozen unless ``freeze=False``.

        >>> import chainrule as cr
        >>> table = cr.nn.Embedding.from_pretrained(cr.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> table(cr.tensor([1])).tolist(), table.weight.requires_grad
        ([[3.0, 4.0]], False)
        """
        if embeddings.dim() != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input):
        if self.max_norm is not None:
            renorm_rows_(self.weight, input, self.max_norm, self.norm_type)
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        norm = f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        norm += f", norm_type={self.norm_type}" if self.norm_type != 2 else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}{norm}"


def renorm_rows_(weight, input, max_norm, norm_type):
    """PyTorch's ``max_norm``: each row of ``weight`` that ``input`` looks up and whose
    ``norm_type``-norm exceeds ``max_norm`` is scaled, in place and outside the graph, to
    ``max_norm / (norm + 1e-7)`` of itself before the lookup."""
    rows = np.unique(input._data if hasattr(input, "_data") else np.asarray(input))
    data = weight._data
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    scale = (max_norm / (norms[over] + 1e-7)).astype(data.dtype)
    data[rows[over]] *= scale[:, None]


class Unflatten(Module):
    """Splits dim ``dim`` into ``unflattened_size`` (the inverse of Flatten).

    >>> import chainrule as cr
    >>> tuple(cr.nn.Unflatten(1, (2, 3))(cr.ones(4, 6)).shape)
    (4, 2, 3)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        dim = self.dim % input.ndim
        shape = tuple(input.shape[:dim]) + tuple(self.unflattened_size) \
            + tuple(input.shape[dim + 1:])
        return input.reshape(shape)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout1d(Dropout):
    """Zeroes whole channels of (N, C, L) in training (``F.dropout1d``).

    >>> import chainrule as cr
    >>> cr.nn.Dropout1d(0.2)
    Dropout1d(p=0.2, inplace=False)
    """

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Zeroes whole channels of (N, C, H, W) in training (``F.dropout2d``).

    >>> import chainrule as cr
    >>> cr.nn.Dropout2d(0.5).eval()(cr.ones(1, 2, 2, 2)).sum().item()
    8.0
    """

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """Zeroes whole channels of (N, C, D, H, W) in training (``F.dropout3d``).

    >>> import chainrule as cr
    >>> tuple(cr.nn.Dropout3d()(cr.ones(1, 2, 2, 2, 2)).shape)
    (1, 2, 2, 2, 2)
    """

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class Bilinear(Module):
    """``y[o] = x1 W[o] x2 + b[o]``, W of shape (out, in1, in2): PyTorch's layer and init
    (U(-1/sqrt(in1), 1/sqrt(in1)) for W and b); one einsum.

    >>> import chainrule as cr
    >>> layer = cr.nn.Bilinear(2, 3, 4)
    >>> layer, tuple(layer(cr.ones(5, 2), cr.ones(5, 3)).shape)
    (Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True), (5, 4))
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = empty_parameter((out_features, in1_features, in2_features), dtype, device,
                                      "Bilinear")
        self.register_parameter("bias", empty_parameter((out_features,), dtype) if bias
                                else None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class AlphaDropout(Dropout):
    """Alpha dropout in training (``F.alpha_dropout``): dropped elements take SELU's
    saturation value, and mean and variance are kept; the identity in eval mode.

    >>> import chainrule as cr
    >>> cr.nn.AlphaDropout(0.2), cr.nn.AlphaDropout(0.2).eval()(cr.ones(2)).tolist()
    (AlphaDropout(p=0.2, inplace=False), [1.0, 1.0])
    """

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels of (N, C, *) in training (``F.feature_alpha_dropout``).

    >>> import chainrule as cr
    >>> cr.nn.FeatureAlphaDropout(0.5, inplace=True)
    FeatureAlphaDropout(p=0.5, inplace=True)
    """

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of rows of a (num_embeddings, embedding_dim) table,
    initialised from N(0, 1) with the ``padding_idx`` row zero (``F.embedding_bag``):
    ``forward(input, offsets=None, per_sample_weights=None)``.

    >>> import chainrule as cr
    >>> bag = cr.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag, tuple(bag(cr.tensor([1, 2, 4, 5, 4]), cr.tensor([0, 2])).shape)
    (EmbeddingBag(10, 3, mode='sum'), (2, 3))
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        refuse_options(max_norm, scale_grad_by_freq, sparse, mode, None)
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"EmbeddingBag: padding_idx {padding_idx} must be within "
                             f"num_embeddings {num_embeddings}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, False
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), dtype, device)
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, **kwargs):
        """A bag layer over the given (num_embeddings, embedding_dim) table."""
        bag = cls(*embeddings.shape, _weight=embeddings, **kwargs)
        bag.weight.requires_grad_(not freeze)
        return bag

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, mode=self.mode,
                               per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset,
                               padding_idx=self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        text += f", mode={self.mode!r}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

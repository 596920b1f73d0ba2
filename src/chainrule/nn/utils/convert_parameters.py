"""``parameters_to_vector`` and ``vector_to_parameters`` (PyTorch's
``torch.nn.utils.convert_parameters``)."""
from ...ops import cat
from ...ops.inplace import mark_changed
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """Every parameter flattened and joined into one 1-D tensor; as in PyTorch it is built
    with reshape and cat, so gradients flow back to the parameters.

    >>> import chainrule as cr
    >>> layer = cr.nn.Linear(2, 1)
    >>> tuple(cr.nn.utils.parameters_to_vector(layer.parameters()).shape)
    (3,)
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in place, no graph).

    >>> import chainrule as cr
    >>> layer = cr.nn.Linear(2, 1)
    >>> vector_to_parameters(cr.tensor([1.0, 2.0, 3.0]), layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[1.0, 2.0]], [3.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got "
                        f"{type(vec).__name__}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec of shape {tuple(vec.shape)} must be 1-D "
                         f"with {total} values, one per parameter element")
    start = 0
    for p in params:
        n = p.numel()
        p._data[...] = vec._data[start:start + n].reshape(p._data.shape)
        mark_changed(p)
        start += n

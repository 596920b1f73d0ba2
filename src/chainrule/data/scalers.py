"""Feature scaling: learn per-column statistics on training data, apply them everywhere.

Both scalers keep their statistics as tensors in ``state_dict()``, so they are saved in the
same checkpoint as the model and a prediction later scales its inputs the same way.
"""
import numpy as np

from ..tensor import Tensor, new_tensor


class Scaler:
    """Shared machinery: ``y = (x - shift) / scale`` per column."""

    keys = ("shift", "scale")

    def __init__(self):
        self.shift = None
        self.scale = None

    def fit(self, x):
        self.shift, self.scale = self.statistics(values(x).astype(np.float64))
        self.scale = np.where(self.scale == 0, 1.0, self.scale)   # constant column: keep it
        return self

    def transform(self, x):
        self.check_fitted("transform")
        return like(x, (values(x) - self.shift) / self.scale)

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse_transform(self, y):
        self.check_fitted("inverse_transform")
        return like(y, values(y) * self.scale + self.shift)

    def check_fitted(self, method):
        if self.scale is None:
            raise RuntimeError(f"{type(self).__name__}.{method}: call fit(x) on training data "
                               f"first (or load_state_dict a saved scaler)")

    def state_dict(self):
        self.check_fitted("state_dict")
        return {key: new_tensor(getattr(self, key), None) for key in self.keys}

    def load_state_dict(self, state_dict):
        for key in self.keys:
            setattr(self, key, np.asarray(values(state_dict[key]), dtype=np.float64))


class StandardScaler(Scaler):
    """``(x - mean) / std`` per column (population std; constant columns are only centred).

    >>> import chainrule as cr
    >>> scaler = cr.data.StandardScaler().fit(cr.tensor([[0.0, 5.0], [2.0, 5.0]]))
    >>> scaler.transform(cr.tensor([[1.0, 5.0], [3.0, 6.0]]))
    tensor([[0., 0.],
            [2., 1.]])
    """

    def statistics(self, x):
        return x.mean(axis=0), x.std(axis=0)


class MinMaxScaler(Scaler):
    """``(x - min) / (max - min)`` per column: the training data lands in [0, 1].

    >>> import chainrule as cr
    >>> scaler = cr.data.MinMaxScaler().fit(cr.tensor([[0.0], [4.0]]))
    >>> scaler.transform(cr.tensor([[1.0]])).item(), scaler.inverse_transform(cr.tensor([[0.5]])).item()
    (0.25, 2.0)
    """

    def statistics(self, x):
        low = x.min(axis=0)
        return low, x.max(axis=0) - low


def values(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def like(x, result):
    """The result in the input's kind and float dtype (a Tensor for a Tensor)."""
    source = values(x)
    dtype = source.dtype if source.dtype.kind == "f" else np.float32
    result = result.astype(dtype)
    return new_tensor(result, None) if isinstance(x, Tensor) else result

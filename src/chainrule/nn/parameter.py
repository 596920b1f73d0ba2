"""``Parameter``: a tensor that a Module registers as learnable."""
import numpy as np

from .. import dtypes
from ..tensor import Tensor, new_tensor


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` that ``Module.parameters()`` finds.

    Built from a Tensor or an array it shares that memory (as ``torch.nn.Parameter`` does).

    >>> import chainrule as cr
    >>> p = cr.nn.Parameter(cr.zeros(2))
    >>> p.requires_grad, isinstance(p, cr.Tensor)
    (True, True)
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            array = np.zeros(0, dtypes.default_float)
        elif isinstance(data, Tensor):
            array = data._data
        elif isinstance(data, np.ndarray):
            array = data
        else:
            array = dtypes.as_array(data)
        p = new_tensor(array, None, cls)
        return p.requires_grad_(True) if requires_grad else p

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

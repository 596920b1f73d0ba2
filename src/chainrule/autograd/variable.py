"""``Variable``: PyTorch's deprecated wrapper, still in older tutorials and lecture code.
Since PyTorch 0.4 every tensor is a Variable, and ``Variable(t, requires_grad=...)`` is
``t`` detached (a new leaf sharing ``t``'s memory) with ``requires_grad`` set."""
import warnings

from ..tensor import Tensor


class VariableMeta(type):
    def __instancecheck__(cls, value):
        return isinstance(value, Tensor)


class Variable(metaclass=VariableMeta):
    """``Variable(t)``: ``t.detach()``, with ``requires_grad`` as given (PyTorch's result).

    >>> import chainrule as cr
    >>> from chainrule.autograd import Variable
    >>> x = Variable(cr.ones(2), requires_grad=True)
    >>> x.is_leaf, x.requires_grad, isinstance(cr.ones(1), Variable)
    (True, True, True)
    """

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}; make one with cr.tensor(...)")
        if volatile:
            warnings.warn("Variable: volatile was removed and now has no effect; use "
                          "`with cr.no_grad():` instead", UserWarning, stacklevel=2)
        return data.detach().requires_grad_(requires_grad)

"""PyTorch's ``torch.nn.modules.utils``: ``_single``, ``_pair``, ``_triple``, ``_quadruple``
(an int repeated, a sequence kept), which layer code written for PyTorch imports.

>>> _pair(3), _pair((1, 2)), _quadruple(0)
((3, 3), (1, 2), (0, 0, 0, 0))
"""
import collections.abc
import itertools


def _ntuple(n):
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(itertools.repeat(x, n))
    return parse


_single = _ntuple(1)
_pair = _ntuple(2)
_triple = _ntuple(3)
_quadruple = _ntuple(4)

"""The gates, one file per family, and the public functions they publish.

Importing a family module defines its gates, which install their Tensor methods and
register in ``REGISTRY`` (exported here by class name); ``PUBLIC`` then holds every public function (``ops.exp``,
``ops.var``), exported here and by ``chainrule``.
"""
from ..autograd.gate import REGISTRY
from ..tensor import PUBLIC
from . import arithmetic, unary, reduce, shape, linalg, nn, layers, conv, compare, inplace  # noqa: F401
from . import attention, recurrent  # noqa: F401
from . import norm, pooling, svd  # noqa: F401
from . import special_functions, statistics  # noqa: F401
from . import linalg_solve, products, decompositions, matrix_functions, matrix_exponential  # noqa: F401
from . import aliases  # noqa: F401  (after the modules whose functions it names)
from .conv import unfold, fold  # noqa: F401
from .layers import erf, leaky_relu, gelu, softplus, dropout, binary_cross_entropy  # noqa: F401
from .nn import ClassOutOfRange, cross_entropy_indices  # noqa: F401
from .shape import getitem, scatter_add  # noqa: F401

globals().update(REGISTRY)   # the gate classes: ops.Exp, ops.MatMul
globals().update(PUBLIC)
